// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue

/*
#include "glue.h"
*/
import "C"

import (
	"runtime"
	"strconv"
	"unsafe"
)

// Option changes what a verdict does besides its verdict: WithMark,
// WithPayload.
type Option struct {
	flags   uint32
	mark    uint32
	payload []byte
}

// WithMark gives the packet a new mark together with its verdict.
func WithMark(mark uint32) Option { return Option{flags: C.GONFQ_MARK, mark: mark} }

// WithPayload makes the kernel go on with data instead of the packet's
// payload (at most PayloadMax bytes, else ErrTooBig and no verdict is
// given). data is copied; fix its checksums first (UpdateChecksums) if
// headers changed.
func WithPayload(data []byte) Option { return Option{flags: C.GONFQ_PAYLOAD, payload: data} }

// Accept lets the packet go on at the next hook function.
func (p *Packet) Accept(opts ...Option) error { return p.verdict(Accept, 0, 0, opts) }

// Drop discards the packet.
func (p *Packet) Drop(opts ...Option) error { return p.verdict(Drop, 0, 0, opts) }

// Repeat sends the packet through the same hook again.
func (p *Packet) Repeat(opts ...Option) error { return p.verdict(Repeat, 0, 0, opts) }

// Stop accepts the packet and skips the rest of this hook.
func (p *Packet) Stop(opts ...Option) error { return p.verdict(Stop, 0, 0, opts) }

// Verdict gives the packet verdict v.
func (p *Packet) Verdict(v Verdict, opts ...Option) error { return p.verdict(v, 0, 0, opts) }

// QueueTo sends the packet to queue num; with bypass it is accepted if
// no program is bound there, else dropped.
func (p *Packet) QueueTo(num uint32, bypass bool, opts ...Option) error {
	flags := uint32(C.GONFQ_QUEUE)
	if bypass {
		flags |= C.GONFQ_BYPASS
	}
	return p.verdict(0, num, flags, opts)
}

var stepOps = [...]string{
	C.GONFQ_STEP_NONE:          "",
	C.GONFQ_STEP_PULL:          "nfqueue_queue_pull",
	C.GONFQ_STEP_ATTRS:         "nfqueue_packet_attrs",
	C.GONFQ_STEP_SET_PAYLOAD:   "nfqueue_packet_set_payload",
	C.GONFQ_STEP_SET_MARK:      "nfqueue_packet_set_mark",
	C.GONFQ_STEP_VERDICT:       "nfqueue_packet_verdict",
	C.GONFQ_STEP_VERDICT_QUEUE: "nfqueue_packet_verdict_queue",
	C.GONFQ_STEP_RETAIN:        "nfqueue_packet_retain",
}

// verdict gives every kind of verdict in one crossing into C. Each packet
// gets exactly one: a second is ErrVerdictGiven, from the library.
func (p *Packet) verdict(v Verdict, queueNum uint32, flags uint32, opts []Option) error {
	if err := p.usable("nfqueue_packet_verdict"); err != nil {
		return err
	}
	var mark uint32
	var payload []byte
	for _, o := range opts {
		flags |= o.flags
		if o.flags&C.GONFQ_MARK != 0 {
			mark = o.mark
		}
		if o.flags&C.GONFQ_PAYLOAD != 0 {
			payload = o.payload
		}
	}
	var data unsafe.Pointer
	if len(payload) > 0 {
		data = unsafe.Pointer(&payload[0])
	}
	p.q.mu.RLock() // see Packet.call
	var attrs *C.nfqueue_attrs
	if flags&C.GONFQ_PAYLOAD != 0 && p.view() != nil {
		attrs = p.attrs // Payload() then shows the replacement, as in C
	}
	runtime.LockOSThread()
	r := C.gonfq_verdict(p.c, attrs, C.int(v), C.uint32_t(flags), C.uint32_t(mark), C.uint32_t(queueNum),
		data, C.size_t(len(payload)))
	var err error
	if r.rc != 0 {
		err = lastError(r.rc, stepOps[r.step])
	}
	runtime.UnlockOSThread()
	p.q.mu.RUnlock()
	if err == nil {
		p.state.Or(stateVerdicted)
	}
	return err
}

// Retain makes the packet the caller's: its data is copied out of the
// receive buffer, and p stays valid after the next receive (Recv will not
// reuse it). Give it a verdict later, from any goroutine (one at a time),
// then Release it. It returns p, so that `kept, err := p.Retain()` reads
// naturally. Retaining a retained packet does nothing.
func (p *Packet) Retain() (*Packet, error) {
	if err := p.usable("nfqueue_packet_retain"); err != nil {
		return nil, err
	}
	if p.state.Load()&stateRetained != 0 {
		return p, nil
	}
	own := new(C.nfqueue_attrs) // Go memory: it holds only C pointers
	p.q.mu.RLock()
	runtime.LockOSThread()
	r := C.gonfq_retain(p.c, own)
	var err error
	if r.rc != 0 {
		err = lastError(r.rc, stepOps[r.step])
	}
	runtime.UnlockOSThread()
	p.q.mu.RUnlock()
	if err != nil && r.step == C.GONFQ_STEP_RETAIN {
		return nil, err
	}
	// Retained: from now on the handle is ours to free.
	p.state.Or(stateRetained)
	p.attrs, p.attrsRC = own, 0
	if err != nil {
		p.attrsRC = r.rc // attributes unreadable, verdicts still work
	}
	p.cleanup = runtime.AddCleanup(p, freeRetained, retainedHandle{p.c, p.q})
	return p, nil
}

// retainedHandle is what frees a retained packet: its handle, and its
// queue, whose lock keeps the free from racing with Close's
// nfqueue_queue_free (C leaves that undefined).
type retainedHandle struct {
	c *C.nfqueue_packet
	q *Queue
}

func freeRetained(h retainedHandle) {
	h.q.mu.RLock()
	C.nfqueue_packet_free(h.c)
	h.q.mu.RUnlock()
}

// Release ends the packet's life now.
//
// A borrowed packet gets the default verdict if it has none (sent with
// the batch's other verdicts) and expires: later uses report ErrExpired.
// Run does this for each packet the handler left without a verdict.
//
// A retained packet is freed: it gets the default verdict if it has none
// and its queue is still open. It must not be used afterwards (its
// methods then return ErrExpired).
//
// Release is idempotent.
func (p *Packet) Release() error {
	if p == nil || p.c == nil {
		return nil
	}
	if p.state.Load()&stateRetained != 0 {
		p.cleanup.Stop()
		freeRetained(retainedHandle{p.c, p.q})
		p.c = nil
		p.state.Or(stateReleased)
		return nil
	}
	p.q.mu.RLock()
	defer p.q.mu.RUnlock()
	p.state.Or(stateReleased)
	return check("nfqueue_packet_release", func() C.int { return C.nfqueue_packet_release(p.c) })
}

// VerdictSpec is one packet's verdict for Queue.VerdictPackets.
type VerdictSpec struct {
	Packet   *Packet
	Verdict  Verdict // ignored with ToQueue
	ToQueue  bool    // send it to queue QueueNum instead
	QueueNum uint32
	Bypass   bool   // with ToQueue: accept if nobody listens there
	SetMark  bool   // give it Mark
	Mark     uint32 //
	Payload  []byte // non-nil: replace its payload with this (copied)
}

// VerdictError says which element of a VerdictPackets call was refused.
type VerdictError struct {
	Index int   // the element's index in the specs
	Err   error // why, an *Error
}

func (e *VerdictError) Error() string {
	return "verdict " + strconv.Itoa(e.Index) + ": " + e.Err.Error()
}

func (e *VerdictError) Unwrap() error { return e.Err }

// VerdictPackets gives each packet its own verdict, mark and payload, all
// sent to the kernel in one message datagram. The library checks every
// element first; if one is wrong nothing is sent and the error, a
// *VerdictError, names it. Borrowed and retained packets of this queue
// may be mixed.
func (q *Queue) VerdictPackets(specs []VerdictSpec) error {
	if q == nil {
		return nilQueue("nfqueue_queue_verdict_packets")
	}
	if len(specs) == 0 {
		return nil
	}
	cs := make([]C.nfqueue_verdict_spec, len(specs))
	var pinner runtime.Pinner
	defer pinner.Unpin()
	for i := range specs {
		s := &specs[i]
		if err := s.Packet.usable("nfqueue_queue_verdict_packets"); err != nil {
			return &VerdictError{Index: i, Err: err}
		}
		c := &cs[i]
		c.size = C.size_t(unsafe.Sizeof(*c))
		c.packet = s.Packet.c
		c.verdict = C.int(s.Verdict)
		if s.ToQueue {
			c.flags |= C.NFQUEUE_SPEC_QUEUE
			c.queue_num = C.uint32_t(s.QueueNum)
			if s.Bypass {
				c.flags |= C.NFQUEUE_SPEC_BYPASS
			}
		}
		if s.SetMark {
			c.flags |= C.NFQUEUE_SPEC_MARK
			c.mark = C.uint32_t(s.Mark)
		}
		if s.Payload != nil {
			c.flags |= C.NFQUEUE_SPEC_PAYLOAD
			c.payload_len = C.size_t(len(s.Payload))
			if len(s.Payload) > 0 {
				// Pinned for the call: C reads it from the array, in Go memory.
				pinner.Pin(&s.Payload[0])
				c.payload = unsafe.Pointer(&s.Payload[0])
			}
		}
	}
	var index C.size_t
	q.mu.RLock()
	if q.isClosed {
		q.mu.RUnlock()
		return &VerdictError{Index: 0, Err: q.closedError("nfqueue_queue_verdict_packets")}
	}
	runtime.LockOSThread()
	rc := C.nfqueue_queue_verdict_packets(&index, q.c, &cs[0], C.size_t(len(cs)))
	var err error
	if rc != 0 {
		err = &VerdictError{Index: int(index), Err: lastError(rc, "nfqueue_queue_verdict_packets")}
	}
	runtime.UnlockOSThread()
	q.mu.RUnlock()
	if err == nil {
		for i := range specs {
			specs[i].Packet.state.Or(stateVerdicted)
		}
	}
	return err
}
