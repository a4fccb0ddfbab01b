// SPDX-License-Identifier: GPL-2.0-or-later

// Command nfqueue-agent-go is the Go agent of the conformance suite.
//
// It binds one queue with the configuration its options describe, judges
// every packet by a verdict plan, and reports each event as one JSON line
// on stdout. tests/conformance/PROTOCOL.md is the contract; it uses only
// the exported API of the Go package nfqueue, like any program would.
//
//	nfqueue-agent-go --queue N [--mode run|dispatch|pull] [--copy-mode M]
//	    [--copy-range N] [--max-len N] [--flags a,b] [--rcvbuf N] [--no-enobufs]
//	    [--default-verdict accept|drop] [--netns PATH] [--adopt-socket]
//	    [--batch-size N] [--plan JSON] [--payload-hex-max N] [--interruptible]
//
// SIGTERM and SIGINT arrive through os/signal and cancel the context the
// queue is consumed with, which ends a wait in the library at once.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	nfqueue "github.com/nfqueue/nfqueue/go"
)

// Exit statuses (PROTOCOL.md).
const (
	exitClean   = 0
	exitRuntime = 1
	exitOpen    = 2
	exitUsage   = 64
)

const netlinkNetfilter = 12 // <linux/netlink.h> NETLINK_NETFILTER

func usageError(format string, args ...any) {
	newEvent("error").set("call", "usage").set("code", 0).set("name", "USAGE").
		set("message", fmt.Sprintf(format, args...)).emit()
	os.Exit(exitUsage)
}

// must reports a failed configuration call and exits.
func must(err error, call string) {
	if err != nil {
		errorEvent(call, err).emit()
		os.Exit(exitOpen)
	}
}

func adoptSocket(cfg *nfqueue.Config) int {
	fd, err := syscall.Socket(syscall.AF_NETLINK,
		syscall.SOCK_RAW|syscall.SOCK_CLOEXEC|syscall.SOCK_NONBLOCK, netlinkNetfilter)
	if err != nil {
		newEvent("error").set("call", "socket").set("code", nfqueue.ErrIO.Code).
			set("name", "NFQUEUE_E_IO").
			set("message", "cannot open a NETLINK_NETFILTER socket: "+err.Error()).emit()
		os.Exit(exitOpen)
	}
	must(cfg.SetFD(fd), "nfqueue_config_set_fd")
	return fd
}

func fdIsOpen(fd int) bool {
	_, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
	return errno == 0
}

func main() {
	os.Exit(agent())
}

func agent() int {
	// The receiving goroutine stays on one thread: what "main" means.
	runtime.LockOSThread()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-signals
		stop() // ends Run or Recv at once, also while it waits in the library
	}()

	cfg, err := nfqueue.NewConfig()
	must(err, "nfqueue_config_new")
	opts := parseOptions(os.Args[1:], cfg)
	pl := &plan{group: 1}
	if opts.plan != "" {
		if pl, err = parsePlan(opts.plan); err != nil {
			usageError("%s", err)
		}
	}
	if pl.together && opts.mode != "pull" {
		usageError(`the plan's "verdicts": "together" needs --mode pull`)
	}
	if opts.interruptible {
		// Go delivers signals to os/signal whatever the queue is doing,
		// so the library's interruptible waits are not needed (and Go's
		// own runtime signals would end them): report each SIGUSR1 here.
		usr1 := make(chan os.Signal, 16)
		signal.Notify(usr1, syscall.SIGUSR1)
		go func() {
			for range usr1 {
				newEvent("interrupted").set("signal", "SIGUSR1").emit()
			}
		}()
	}
	adopted := -1
	if opts.adoptSocket {
		adopted = adoptSocket(cfg)
	}
	j := &judge{plan: pl, hexMax: opts.hexMax, staleAtCallback: opts.mode != "pull"}

	q, err := nfqueue.Open(opts.queue, cfg)
	cfg.Close()
	if err != nil {
		errorEvent("nfqueue_queue_open", err).emit()
		return exitOpen
	}
	j.queue = q
	newEvent("ready").set("queue", q.Num()).set("library", nfqueue.Version()).
		set("protocol", protocol).set("capabilities", capabilities).emit()

	var status int
	switch opts.mode {
	case "run":
		status = consumeRun(ctx, q, j)
	case "dispatch":
		status = consumeDispatch(ctx, q, j)
	case "pull":
		status = consumePull(ctx, q, j)
	}

	j.useAllStale() // before close
	j.joinLater()
	closed := newEvent("closed")
	enobufs := q.EnobufsCount()
	// Close first, so the packets still held get the default verdict from
	// close, as the suite checks.
	closed.outcome(q.Close(), "result", "")
	j.verdictAfterClose()
	j.freeKept()
	j.queue, q = nil, nil
	runtime.GC() // lets the Queue's memory go, as a program that dropped it would
	closed.set("enobufs", enobufs)
	if adopted >= 0 {
		// Neither close nor free may close an adopted socket: it is ours.
		closed.set("adopted_fd_open", fdIsOpen(adopted))
		syscall.Close(adopted)
	}
	closed.emit()
	return status
}

// ---- the three ways to consume a queue ----

func receiveFailed(call string, err error) int {
	if errors.Is(err, context.Canceled) {
		return exitClean // our stop signal
	}
	errorEvent(call, err).emit()
	return exitRuntime
}

// run: the package's receive loop with a handler per packet.
func consumeRun(ctx context.Context, q *nfqueue.Queue, j *judge) int {
	err := q.Run(ctx, func(p *nfqueue.Packet) { j.handle(p, "main") })
	j.useDueStale() // the run returned: the last packet expired
	if err != nil {
		return receiveFailed("nfqueue_queue_run", err)
	}
	return exitClean
}

// dispatch: the program's own event loop waits for the queue's fd, then
// takes what is ready without blocking.
func consumeDispatch(ctx context.Context, q *nfqueue.Queue, j *judge) int {
	fd := q.FD()
	pkts := make([]*nfqueue.Packet, 64)
	for ctx.Err() == nil {
		var set syscall.FdSet
		set.Bits[fd/64] |= 1 << (uint(fd) % 64)
		tv := syscall.Timeval{Usec: 200000} // only bounds how late a stop is seen
		n, err := syscall.Select(fd+1, &set, nil, nil, &tv)
		if err != nil || n <= 0 {
			continue
		}
		n, err = q.TryRecv(pkts)
		if errors.Is(err, nfqueue.ErrNoBufs) {
			continue // counted by the library, reported at exit
		}
		if err != nil {
			return receiveFailed("nfqueue_queue_dispatch", err)
		}
		for i, p := range pkts[:n] {
			keep, retained := j.handle(p, "main")
			if !retained {
				_ = p.Release() // handled: its life ends here, as in C's dispatch
			}
			if keep {
				pkts[i] = nil
			}
		}
		j.useDueStale() // their handling ended: expired
	}
	return exitClean
}

// pull: batches from Recv, each packet handled in turn.
func consumePull(ctx context.Context, q *nfqueue.Queue, j *judge) int {
	pkts := make([]*nfqueue.Packet, 64)
	for {
		n, err := q.Recv(ctx, pkts)
		j.useDueStale() // the last batch expired as this receive began
		if errors.Is(err, nfqueue.ErrNoBufs) {
			continue
		}
		if err != nil {
			return receiveFailed("nfqueue_queue_pull", err)
		}
		for i, p := range pkts[:n] {
			if keep, _ := j.handle(p, "main"); keep {
				pkts[i] = nil // ours now: Recv must not reuse it
			}
		}
		j.verdictsTogether()
	}
}
