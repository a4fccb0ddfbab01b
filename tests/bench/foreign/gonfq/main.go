// SPDX-License-Identifier: GPL-2.0-or-later

// Command gonfq is a foreign row of scripts/bench: the bench consumer
// contract (tests/bench/benchkit/consumers.py) on florianl/go-nfqueue,
// from the Go module proxy, in the style its documentation teaches:
// RegisterWithErrorFunc with a hook that calls SetVerdict for each
// packet (one verdict message per packet).
//
//	gonfq MODE QUEUE COUNT     MODE is gonfq
//
// COUNT > 0: bind, print "ready", wait for SIGUSR1, drain COUNT packets
// (or stop after a second without one); COUNT 0: serve until SIGTERM.
// Then print "MODE JUDGED SECONDS". NFQUEUE_BENCH_QUEUE_LEN,
// NFQUEUE_BENCH_COPY_RANGE and NFQUEUE_BENCH_GSO=1 set the queue as for
// every other consumer.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	nfqueue "github.com/florianl/go-nfqueue/v2"
)

const (
	idle       = time.Second
	copyAll    = 65531 // the kernel's largest copy range
	rcvbufMax  = 1<<30 - 1
	everyCheck = 50 * time.Millisecond
)

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gonfq: "+format+"\n", args...)
	os.Exit(1)
}

// setting reads one NFQUEUE_BENCH_* number in [lo, hi], or fallback.
func setting(name string, lo, hi, fallback uint64) uint64 {
	text := os.Getenv(name)
	if text == "" {
		return min(fallback, hi)
	}
	v, err := strconv.ParseUint(text, 10, 64)
	if err != nil || v < lo || v > hi {
		fmt.Fprintf(os.Stderr, "%s=%s: want a number from %d to %d\n", name, text, lo, hi)
		os.Exit(2)
	}
	return v
}

// rcvbufFor is the size libnfqueue picks for a queue this long
// (capi/src/queue.c): each message is charged its truesize, a power of
// two above the copy, so the socket holds the whole queue.
func rcvbufFor(queueLen, copyRange uint64) int {
	charge := uint64(1024)
	for charge < copyRange+1024 {
		charge *= 2
	}
	return int(min(queueLen*(charge+512), rcvbufMax))
}

func main() {
	if len(os.Args) != 4 || os.Args[1] != "gonfq" {
		fmt.Fprintf(os.Stderr, "usage: %s gonfq QUEUE COUNT\n", os.Args[0])
		os.Exit(2)
	}
	num, err1 := strconv.ParseUint(os.Args[2], 10, 16)
	wanted, err2 := strconv.ParseUint(os.Args[3], 10, 32)
	if err1 != nil || err2 != nil {
		fmt.Fprintln(os.Stderr, "QUEUE (0..65535) and COUNT must be numbers")
		os.Exit(2)
	}
	fallbackLen := uint64(1024)
	if wanted > 0 {
		fallbackLen = wanted + 1024
	}
	queueLen := setting("NFQUEUE_BENCH_QUEUE_LEN", 1, 1<<32-1, fallbackLen)
	copyRange := setting("NFQUEUE_BENCH_COPY_RANGE", 0, copyAll, copyAll)
	cfg := nfqueue.Config{
		NfQueue:      uint16(num),
		MaxQueueLen:  uint32(queueLen),
		MaxPacketLen: uint32(copyRange),
		Copymode:     nfqueue.NfQnlCopyPacket,
		// No WriteTimeout (its example sets 15 ms): on a loaded machine,
		// or under valgrind, a verdict would time out and its packet wait.
	}
	if setting("NFQUEUE_BENCH_GSO", 0, 1, 0) == 1 {
		cfg.Flags = nfqueue.NfQaCfgFlagGSO
	}
	usr1 := make(chan os.Signal, 1)
	term := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	signal.Notify(term, syscall.SIGTERM)

	nf, err := nfqueue.Open(&cfg)
	if err != nil {
		fail("open: %v", err)
	}
	if err := forceReadBuffer(nf, rcvbufFor(queueLen, copyRange)); err != nil {
		fail("receive buffer: %v", err)
	}

	// The hook runs from bind on, so it waits for the start: packets
	// queued before SIGUSR1 wait in the kernel as in every other row.
	var judged atomic.Uint64
	var began time.Time
	var lastVerdict atomic.Int64 // ns since began: the drain ends at its last verdict
	started := make(chan struct{})
	done := make(chan struct{})
	var finish sync.Once
	end := func() { finish.Do(func() { close(done) }) }
	ctx, cancel := context.WithCancel(context.Background())
	hook := func(a nfqueue.Attribute) int {
		<-started
		if err := nf.SetVerdict(*a.PacketID, nfqueue.NfAccept); err != nil {
			fmt.Fprintln(os.Stderr, "gonfq: verdict:", err)
			end()
			return 1
		}
		lastVerdict.Store(int64(time.Since(began)))
		if n := judged.Add(1); wanted > 0 && n >= wanted {
			end()
			return 1
		}
		return 0
	}
	onError := func(err error) int {
		if ctx.Err() != nil {
			return 1 // cancelled: the library's way out of a blocking receive
		}
		return 0 // ENOBUFS or a timeout: go on receiving
	}
	if err := nf.RegisterWithErrorFunc(ctx, hook, onError); err != nil {
		fail("register: %v", err)
	}
	fmt.Println("ready")
	if wanted > 0 {
		<-usr1
	}
	began = time.Now()
	close(started)
	go watch(&judged, wanted, term, end)
	<-done
	elapsed := time.Duration(lastVerdict.Load())
	if wanted == 0 || judged.Load() < wanted {
		elapsed = time.Since(began) // served, or stopped short: the whole time
	}
	fmt.Printf("gonfq %d %.6f\n", judged.Load(), elapsed.Seconds())
	cancel()
	_ = nf.Close()
}

// watch ends a drain after a second without packets, and serving at SIGTERM.
func watch(judged *atomic.Uint64, wanted uint64, term chan os.Signal, end func()) {
	if wanted == 0 {
		<-term
		end()
		return
	}
	seen := ^uint64(0)
	for {
		time.Sleep(idle)
		if n := judged.Load(); n != seen {
			seen = n
			continue
		}
		end()
		return
	}
}

// forceReadBuffer sizes the socket's receive buffer past rmem_max
// (SO_RCVBUFFORCE; the library's SetReadBuffer is capped by it), as every
// other row's buffer is sized for the load.
func forceReadBuffer(nf *nfqueue.Nfqueue, size int) error {
	raw, err := nf.Con.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, size)
	}); err != nil {
		return err
	}
	return serr
}
