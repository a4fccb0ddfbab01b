// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue

/*
#include "glue.h"
*/
import "C"

import (
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Queue is one bound NFQUEUE queue.
//
// One goroutine at a time receives from a queue (Run, Recv or TryRecv; a
// second concurrent receive gets ErrBusy), and uses the packets of that
// receive until the next one. Stop, Close, Stats, EnobufsCount, Num, FD,
// VerdictBatch and verdicts on retained packets may be called from any
// goroutine at any time.
type Queue struct {
	// RLock: a receive, a call that passes c, or a call on a packet;
	// Lock: Close and the free of the C queue. So those never run inside
	// one of the others (C forbids it), and once isClosed is set nothing
	// passes c to C again.
	mu       sync.RWMutex
	c        *C.nfqueue_queue // only under mu while !isClosed: mem frees it
	mem      *queueMemory
	num      uint32
	batch    int
	closing  atomic.Bool   // set first thing by Close
	closed   chan struct{} // closed once Close has closed the C queue
	isClosed bool          // under mu
	enobufs  uint64        // EnobufsCount as Close found it; under mu
	// Bumped at every receive and at Close: a borrowed Packet filled by an
	// older one no longer reads the receive slots below (they hold other
	// packets now) and asks C instead, which reports it expired.
	gen atomic.Uint64
	// A stop issued for a context that ended after its receive had
	// returned: C keeps it for the next wait, which then must not end.
	strayStop atomic.Bool

	// The receive slots, in Go memory (they hold only C pointers, and
	// borrowed Packets point into them, so the collector keeps them as
	// long as a Packet needs them): what one pull hands out. Made by the
	// first receive, so that a queue opened and closed allocates none.
	slotsOnce sync.Once
	cpkts     []*C.nfqueue_packet
	cattrs    []C.nfqueue_attrs
	cstat     []C.int

	cleanup runtime.Cleanup
}

// nilQueue is the error of a method called on a nil *Queue.
func nilQueue(op string) error {
	return usageError(C.NFQUEUE_E_INVAL, op, "nil *nfqueue.Queue: use the Queue that Open returned")
}

// queueMemory owns the C queue: Close frees it at once, unless a Run
// handler is running (it pins the memory its packets' attributes point
// into); then the last one to unpin frees it. The cleanup of a Queue
// dropped without Close frees it too. No pointer back to the Queue.
type queueMemory struct {
	c        *C.nfqueue_queue
	pins     atomic.Int64
	released atomic.Bool // Close is done with it: the last unpin frees it
	freed    atomic.Bool
}

// pin keeps the C memory alive until unpin; false once Close released
// it (then nothing may be read through it: the packets have expired).
func (q *Queue) pin() bool {
	q.mem.pins.Add(1)
	if q.mem.released.Load() {
		q.unpin()
		return false
	}
	return true
}

// unpin ends a pin, and frees the C queue if Close left that to it (the
// last pin ended after Close): under mu, like every free, so that no
// packet call runs meanwhile.
func (q *Queue) unpin() {
	if q.mem.pins.Add(-1) == 0 && q.mem.released.Load() {
		q.mu.Lock()
		q.mem.free()
		q.mu.Unlock()
	}
}

// release is Close's, under mu: from now on the memory is freed as soon
// as nothing pins it. The atomics order pin and release: either the pin
// sees released (and lets go), or release sees the pin (and its unpin
// frees); free itself happens once.
func (m *queueMemory) release() {
	m.released.Store(true)
	if m.pins.Load() == 0 {
		m.free()
	}
}

// free frees the C queue once; it closes it first if Close never did.
func (m *queueMemory) free() {
	if m.freed.CompareAndSwap(false, true) {
		C.nfqueue_queue_free(m.c)
	}
}

// closedError is the error of a call on the C queue after Close: the Go
// side answers it, as the C queue may be freed.
func (q *Queue) closedError(op string) error {
	return usageError(C.NFQUEUE_E_CLOSED, op, "queue "+strconv.FormatUint(uint64(q.num), 10)+
		" is closed: open it again to go on")
}

// allocSlots makes the receive slots (by the first receive).
func (q *Queue) allocSlots() {
	q.cpkts = make([]*C.nfqueue_packet, q.batch)
	q.cattrs = make([]C.nfqueue_attrs, q.batch)
	q.cstat = make([]C.int, q.batch)
}

// Open binds queue num (0..QueueNumMax; a larger number is refused by
// the library with ErrInvalid) with the options of cfg, or the library's
// defaults when cfg is nil. It fails with ErrBusy if another socket holds
// the queue, ErrPermission without CAP_NET_ADMIN, ErrUnsupported if the
// kernel lacks a requested flag. Close the queue when done.
func Open(num uint32, cfg *Config) (*Queue, error) {
	var ccfg *C.nfqueue_config
	if cfg == nil {
		tmp, err := NewConfig() // only to learn the default batch size
		if err != nil {
			return nil, err
		}
		defer tmp.Close()
		cfg = tmp
	} else if err := cfg.ensure("nfqueue_queue_open"); err != nil {
		return nil, err
	}
	ccfg = cfg.c
	batch := int(cfg.BatchSize())

	var c *C.nfqueue_queue
	err := check("nfqueue_queue_open", func() C.int {
		return C.nfqueue_queue_open(&c, C.uint32_t(num), ccfg)
	})
	runtime.KeepAlive(cfg)
	if err != nil {
		return nil, err
	}
	m := &queueMemory{c: c}
	q := &Queue{
		c:      c,
		mem:    m,
		num:    uint32(C.nfqueue_queue_num(c)),
		batch:  batch,
		closed: make(chan struct{}),
	}
	// A safety net: a Queue dropped without Close is closed and freed
	// when collected. Borrowed packets refer to their Queue, so this never
	// runs while one can still reach the C memory.
	q.cleanup = runtime.AddCleanup(q, (*queueMemory).free, m)
	return q, nil
}

// Close gives every packet still pending the default verdict, unbinds
// the queue, closes its socket (unless it was adopted with
// Config.SetFD) and frees its C memory: at once, or, when a Run handler
// is running, as soon as it returns. A receive in progress (Run, Recv)
// is stopped and Close waits for it to return; Run then returns nil,
// Recv an error matching ErrClosed. Afterwards verdicts on retained
// packets return ErrClosed, borrowed packets report ErrExpired, and the
// slices a borrowed packet's getters returned (Payload, HWAddr, L2Hdr)
// must not be read any more: that memory is gone. Close is idempotent:
// only the first call reports the library's result. Do not call it
// from a handler while holding that handler's packet for later use.
func (q *Queue) Close() error {
	if q == nil {
		return nil
	}
	q.closing.Store(true)
	q.mu.RLock()
	if !q.isClosed {
		_ = C.nfqueue_queue_stop(q.c) // end a wait in progress, which holds mu
	}
	q.mu.RUnlock()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.isClosed {
		return nil
	}
	q.isClosed = true
	q.gen.Add(1)
	err := check("nfqueue_queue_close", func() C.int { return C.nfqueue_queue_close(q.c) })
	q.enobufs = uint64(C.nfqueue_queue_enobufs_count(q.c))
	q.c = nil // nothing passes it to C any more: the memory goes now
	q.cleanup.Stop()
	q.mem.release()
	close(q.closed)
	return err
}

// Num returns the queue's number.
func (q *Queue) Num() uint32 {
	if q == nil {
		return 0
	}
	return q.num
}

// FD returns the queue's netlink socket, for poll or epoll: readable
// means TryRecv will find packets. Borrowed: do not read from it or
// close it. -1 once the queue is closed.
func (q *Queue) FD() int {
	if q == nil {
		return -1
	}
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.isClosed {
		return -1
	}
	return int(C.nfqueue_queue_fd(q.c))
}

// Stop asks the receive in progress (Run, Recv) to return, or else the
// next one: Run returns nil, Recv ErrStopped. One Stop ends one receive.
// Safe from any goroutine.
func (q *Queue) Stop() error {
	if q == nil {
		return nilQueue("nfqueue_queue_stop")
	}
	q.strayStop.Store(false) // the stop C keeps is this one now
	// Never waits for a receive (readers share mu): only for a Close.
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.isClosed {
		return q.closedError("nfqueue_queue_stop")
	}
	return check("nfqueue_queue_stop", func() C.int { return C.nfqueue_queue_stop(q.c) })
}

// stopForContext stops a wait whose context ended.
func (q *Queue) stopForContext() {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if !q.isClosed {
		C.nfqueue_queue_stop(q.c)
	}
}

// Flush sends the verdicts collected so far (see Config.SetCoalesce) now.
// From the receiving goroutine only.
func (q *Queue) Flush() error {
	if q == nil {
		return nilQueue("nfqueue_queue_flush")
	}
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.isClosed {
		return q.closedError("nfqueue_queue_flush")
	}
	return check("nfqueue_queue_flush", func() C.int { return C.nfqueue_queue_flush(q.c) })
}

// VerdictBatch gives v to every pending packet whose id is upToID or
// older, in one message. Packets that already have a verdict are not
// touched; the others count as verdicted.
func (q *Queue) VerdictBatch(upToID uint32, v Verdict) error {
	return q.verdictBatch(upToID, v, 0, 0)
}

// VerdictBatchMark is VerdictBatch that also gives each packet mark.
func (q *Queue) VerdictBatchMark(upToID uint32, v Verdict, mark uint32) error {
	return q.verdictBatch(upToID, v, 1, mark)
}

func (q *Queue) verdictBatch(upToID uint32, v Verdict, setMark C.int, mark uint32) error {
	if q == nil {
		return nilQueue("nfqueue_queue_verdict_batch")
	}
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.isClosed {
		return q.closedError("nfqueue_queue_verdict_batch")
	}
	return check("nfqueue_queue_verdict_batch", func() C.int {
		return C.nfqueue_queue_verdict_batch(q.c, C.uint32_t(upToID), C.int(v), setMark, C.uint32_t(mark))
	})
}

// EnobufsCount returns how many times the kernel reported that it dropped
// messages to this queue's socket for a full receive buffer (ENOBUFS).
// One report covers an episode that may have lost many packets.
func (q *Queue) EnobufsCount() uint64 {
	if q == nil {
		return 0
	}
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.isClosed {
		return q.enobufs
	}
	return uint64(C.nfqueue_queue_enobufs_count(q.c))
}

// Stats are a queue's counters: the kernel's, from
// /proc/net/netfilter/nfnetlink_queue, and the library's.
type Stats struct {
	PortID       uint32 // the socket's netlink port id
	Waiting      uint32 // packets the kernel holds for a verdict now
	QueueDropped uint64 // dropped because the kernel queue was full
	UserDropped  uint64 // dropped because the socket buffer was full
	IDSequence   uint32 // the id of the newest packet queued
	RcvBuf       uint32 // the socket's receive buffer as the kernel reports it
	Enobufs      uint64 // EnobufsCount
	Skipped      uint64 // datagrams or messages the library ignored: malformed, or not from the kernel
	// Verdicts the kernel refused: a packet it no longer held, or a
	// capability dropped since the queue was opened.
	VerdictErrors uint64
	Unstored      uint64 // packets given the default verdict on arrival for want of memory
}

// Stats reads the queue's counters. ErrUnsupported where the kernel does
// not publish them; ErrClosed after Close. Any goroutine.
func (q *Queue) Stats() (Stats, error) {
	if q == nil {
		return Stats{}, nilQueue("nfqueue_queue_stats")
	}
	var s C.nfqueue_stats
	s.size = C.size_t(unsafe.Sizeof(s))
	q.mu.RLock()
	var err error
	if q.isClosed {
		err = q.closedError("nfqueue_queue_stats")
	} else {
		err = check("nfqueue_queue_stats", func() C.int { return C.nfqueue_queue_stats(&s, q.c) })
	}
	q.mu.RUnlock()
	if err != nil {
		return Stats{}, err
	}
	return Stats{
		PortID:        uint32(s.portid),
		Waiting:       uint32(s.waiting),
		QueueDropped:  uint64(s.queue_dropped),
		UserDropped:   uint64(s.user_dropped),
		IDSequence:    uint32(s.id_sequence),
		RcvBuf:        uint32(s.rcvbuf),
		Enobufs:       uint64(s.enobufs),
		Skipped:       uint64(s.skipped),
		VerdictErrors: uint64(s.verdict_errors),
		Unstored:      uint64(s.unstored),
	}, nil
}

// CheckPermission reports whether this process may bind queues, without
// binding one: nil, or an error matching ErrPermission that says what is
// missing. cfg (nil: the defaults) chooses the namespace or adopted
// socket, as for Open.
func CheckPermission(cfg *Config) error {
	var c *C.nfqueue_config
	if cfg != nil {
		if err := cfg.ensure("nfqueue_check_permission"); err != nil {
			return err
		}
		c = cfg.c
	}
	err := check("nfqueue_check_permission", func() C.int { return C.nfqueue_check_permission(c) })
	runtime.KeepAlive(cfg)
	return err
}

// Version returns the version of the libnfqueue in use, "MAJOR.MINOR.PATCH".
func Version() string { return C.GoString(C.nfqueue_version()) }

// ABIVersion returns the ABI version of the libnfqueue in use.
func ABIVersion() int { return int(C.nfqueue_abi_version()) }

// HeaderVersion is the version of the nfqueue.h this package was built with.
const HeaderVersion = C.NFQUEUE_VERSION_STRING

// ClearError forgets the calling thread's last library error. Go code
// never needs it: every error of this package carries its own message.
// It exists so that every libnfqueue call has a Go counterpart.
func ClearError() { C.nfqueue_clear_error() }
