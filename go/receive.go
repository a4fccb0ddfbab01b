// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue

/*
#include "glue.h"
*/
import "C"

import (
	"context"
	"runtime"
)

// pull receives one batch of up to max packets into the receive slots,
// waiting up to timeoutMS (-1: until packets come or a stop). It returns
// the count and the generation the packets belong to.
func (q *Queue) pull(max int, timeoutMS int) (int, uint64, error) {
	if q.closing.Load() {
		// Close is under way: wait until it closed the C queue, whose
		// pull then reports ErrClosed itself, instead of a wait that
		// nothing would end.
		<-q.closed
	}
	q.mu.RLock()
	defer q.mu.RUnlock()
	gen := q.gen.Add(1)
	if q.isClosed {
		return 0, gen, q.closedError("nfqueue_queue_pull")
	}
	q.slotsOnce.Do(q.allocSlots)
	var cpkts **C.nfqueue_packet
	var cattrs *C.nfqueue_attrs
	var cstat *C.int
	if len(q.cpkts) > 0 {
		// Through variables: cgo then checks the first element, not
		// every slot of the arrays, for Go pointers (they hold none).
		cpkts, cattrs, cstat = &q.cpkts[0], &q.cattrs[0], &q.cstat[0]
	}
	runtime.LockOSThread()
	r := C.gonfq_pull(cpkts, cattrs, cstat, C.size_t(max), q.c, C.int(timeoutMS))
	var err error
	if r.rc != 0 {
		err = lastError(r.rc, "nfqueue_queue_pull")
	}
	runtime.UnlockOSThread()
	return int(r.count), gen, err
}

// pullContext is pull that a context's end stops.
func (q *Queue) pullContext(ctx context.Context, max int) (int, uint64, error) {
	if ctx.Done() == nil {
		return q.pull(max, -1)
	}
	fired := make(chan struct{})
	unregister := context.AfterFunc(ctx, func() {
		q.stopForContext()
		close(fired)
	})
	n, gen, err := q.pull(max, -1)
	if !unregister() {
		<-fired
		if !isCode(err, C.NFQUEUE_E_STOPPED) {
			q.strayStop.Store(true) // the pull returned before the stop reached it
		}
	}
	return n, gen, err
}

func isCode(err error, code C.int) bool {
	e, ok := err.(*Error)
	return ok && e.Code == int(code)
}

// fill points p at receive slot i of generation gen.
func (q *Queue) fill(p *Packet, i int, gen uint64) {
	p.q, p.c, p.attrs, p.gen, p.attrsRC = q, q.cpkts[i], &q.cattrs[i], gen, q.cstat[i]
	p.id = uint32(p.attrs.id)
	p.state.Store(0)
}

// fillAll fills pkts[:n] from the slots, replacing nil and retained
// Packets (a retained one is its owner's now) with new ones.
func (q *Queue) fillAll(pkts []*Packet, n int, gen uint64) {
	for i := 0; i < n; i++ {
		p := pkts[i]
		if p == nil || p.state.Load()&stateRetained != 0 {
			p = new(Packet)
			pkts[i] = p
		}
		q.fill(p, i, gen)
	}
}

// Recv waits for packets and fills pkts[:n] with up to len(pkts) of them
// (at most the batch size), allocating a Packet where pkts[i] is nil or
// was retained and reusing the others: pass the same slice to each Recv
// so that receiving allocates nothing. The packets are borrowed: valid
// until the next Recv (or Run, TryRecv, Close) on this queue, unless
// retained; passing a Packet to Recv again says you are done with it.
// Each packet's attributes were read in the same C call that received
// it, so reading them costs no further call into C.
//
// Packets of the previous receive left without a verdict get the default
// verdict when Recv starts; verdicts are sent together (see
// Config.SetCoalesce) when the last packet of the batch gets one, or at
// the next receive.
//
// Recv returns ctx.Err() once ctx is done (also while waiting),
// ErrStopped after Stop, an error matching ErrClosed after Close, and
// ErrNoBufs once after the kernel dropped messages for a full socket
// buffer (unless Config.SetNobufsErrors(false)); receiving may go on
// after ErrNoBufs.
func (q *Queue) Recv(ctx context.Context, pkts []*Packet) (int, error) {
	if q == nil {
		return 0, nilQueue("nfqueue_queue_pull")
	}
	max := min(len(pkts), q.batch)
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		n, gen, err := q.pullContext(ctx, max)
		if err != nil {
			if isCode(err, C.NFQUEUE_E_STOPPED) {
				if q.closing.Load() {
					continue // the next pull reports the close
				}
				if err := ctx.Err(); err != nil {
					return 0, err
				}
				if q.strayStop.Swap(false) {
					continue // meant for an earlier receive's context
				}
			}
			return 0, err
		}
		q.fillAll(pkts, n, gen)
		return n, nil
	}
}

// TryRecv is Recv without waiting: it fills pkts with the packets ready
// now and returns 0 when there are none. With FD it lets an event loop
// wait for the queue itself.
func (q *Queue) TryRecv(pkts []*Packet) (int, error) {
	if q == nil {
		return 0, nilQueue("nfqueue_queue_pull")
	}
	n, gen, err := q.pull(min(len(pkts), q.batch), 0)
	if err != nil {
		return 0, err
	}
	q.fillAll(pkts, n, gen)
	return n, nil
}

// Run receives packets and calls handler for each, in order, on the
// calling goroutine, until ctx is done (it returns ctx.Err()), Stop or
// Close is called (nil), or receiving fails. It crosses into C once per
// batch to receive and once per verdict; the verdicts of a batch reach
// the kernel together, when its last packet has one.
//
// The packet is borrowed: valid until handler returns, unless retained
// (Retain), and then the handler must not use it any more. A packet the
// handler neither gave a verdict nor retained gets the default verdict
// when the handler returns (Packet.Release). A report of lost messages
// (ErrNoBufs) is counted in EnobufsCount and does not end the run.
// A panic in handler ends Run and is not recovered.
func (q *Queue) Run(ctx context.Context, handler func(*Packet)) error {
	if q == nil {
		return nilQueue("nfqueue_queue_run")
	}
	if handler == nil {
		return usageError(C.NFQUEUE_E_INVAL, "nfqueue_queue_run", "Run needs a handler function, got nil")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	consumed := false // whether the context's stop ended a wait
	if done := ctx.Done(); done != nil {
		// One goroutine per Run turns the context's end into a stop; it
		// ends when Run returns.
		quit := make(chan struct{})
		fired := make(chan bool, 1)
		go func() {
			select {
			case <-done:
				q.stopForContext()
				fired <- true
			case <-quit:
				fired <- false
			}
		}()
		defer func() {
			close(quit)
			if <-fired && !consumed {
				q.strayStop.Store(true)
			}
		}()
	}
	for {
		n, gen, err := q.pull(q.batch, -1)
		if err != nil {
			switch {
			case isCode(err, C.NFQUEUE_E_STOPPED):
				if q.closing.Load() {
					return nil
				}
				if ctx.Err() != nil {
					consumed = true
					return ctx.Err()
				}
				if q.strayStop.Swap(false) {
					continue
				}
				return nil
			case isCode(err, C.NFQUEUE_E_NOBUFS):
				continue // counted by the library
			case isCode(err, C.NFQUEUE_E_CLOSED) && q.closing.Load():
				return nil
			}
			return err
		}
		q.runBatch(n, gen, handler)
	}
}

// runBatch calls handler for the n packets of one receive. It pins the
// queue's C memory meanwhile: a Close from another goroutine (or from
// the handler) then frees it only once the handler returned, so what the
// handler reads through its packet (Payload, HWAddr, ...) stays readable.
func (q *Queue) runBatch(n int, gen uint64, handler func(*Packet)) {
	if q.pin() {
		defer q.unpin() // also if handler panics
	}
	// New Packets for each batch, in one allocation: one the handler
	// kept by mistake then reports ErrExpired instead of showing a
	// later packet.
	batch := make([]Packet, n)
	for i := 0; i < n; i++ {
		p := &batch[i]
		q.fill(p, i, gen)
		handler(p)
		if p.state.Load() == 0 {
			_ = p.Release() // its life ends with its handler, as in C's run
		}
	}
}
