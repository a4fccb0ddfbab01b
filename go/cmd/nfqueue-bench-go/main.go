// SPDX-License-Identifier: GPL-2.0-or-later

// Command nfqueue-bench-go is the benchmark's Go consumer, beside
// tests/bench/consumer.c and with its command line and output: it binds a
// queue, says "ready", waits for SIGUSR1 (sent once the kernel holds the
// whole load), drains COUNT packets in one style and prints how many it
// judged and in how long.
//
//	go-run    Queue.Run, a handler and a verdict per packet
//	go-recv   Queue.Recv batches into a reused slice, a verdict per packet
//	go-batch  Queue.Recv batches, one VerdictBatch per batch
//	go-specs  Queue.Recv batches, per-packet verdicts in one VerdictPackets
//
// A load that does not arrive whole ends the drain after a second without
// packets; the count then says so.
//
// COUNT 0 serves, as every bench consumer does: "ready", consume at once
// until SIGTERM. Settings from the environment, as
// tests/bench/bench-settings.h reads them: NFQUEUE_BENCH_QUEUE_LEN,
// NFQUEUE_BENCH_COPY_RANGE, NFQUEUE_BENCH_GSO=1.
//
// Usage: nfqueue-bench-go MODE QUEUE COUNT
// Output: "MODE JUDGED SECONDS"
//
// NFQUEUE_BENCH_CPUPROFILE=PATH writes a CPU profile of the drain.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	nfqueue "github.com/nfqueue/nfqueue/go"
)

const (
	idle    = time.Second
	copyAll = 65531 // the kernel's largest copy range
)

// setting reads one NFQUEUE_BENCH_* number, or fallback when unset.
func setting(name string, low, high, fallback uint64) uint64 {
	text := os.Getenv(name)
	if text == "" {
		return fallback
	}
	v, err := strconv.ParseUint(text, 10, 64)
	if err != nil || v < low || v > high {
		fmt.Fprintf(os.Stderr, "%s=%s: want a number from %d to %d\n", name, text, low, high)
		os.Exit(2)
	}
	return v
}

// configure applies the environment's settings; wanted 0 is serving.
func configure(cfg *nfqueue.Config, wanted uint64) error {
	queueLen := uint64(1024)
	if wanted != 0 {
		queueLen = wanted + 1024
	}
	if err := cfg.SetMaxLen(uint32(setting("NFQUEUE_BENCH_QUEUE_LEN", 1, 1<<32-1, queueLen))); err != nil {
		return err
	}
	if err := cfg.SetCopyMode(nfqueue.CopyPacket, uint32(setting("NFQUEUE_BENCH_COPY_RANGE", 0, copyAll, copyAll))); err != nil {
		return err
	}
	if setting("NFQUEUE_BENCH_GSO", 0, 1, 0) == 1 {
		return cfg.SetFlags(nfqueue.FlagGSO)
	}
	return nil
}

var judged atomic.Uint64

func main() {
	modes := map[string]bool{"go-run": true, "go-recv": true, "go-batch": true, "go-specs": true}
	if len(os.Args) != 4 || !modes[os.Args[1]] {
		fmt.Fprintf(os.Stderr, "usage: %s go-run|go-recv|go-batch|go-specs QUEUE COUNT\n", os.Args[0])
		os.Exit(2)
	}
	mode := os.Args[1]
	num, err1 := strconv.ParseUint(os.Args[2], 10, 32)
	wanted, err2 := strconv.ParseUint(os.Args[3], 10, 32)
	if err1 != nil || err2 != nil {
		fmt.Fprintln(os.Stderr, "QUEUE and COUNT must be numbers")
		os.Exit(2)
	}
	start := make(chan os.Signal, 1)
	signal.Notify(start, syscall.SIGUSR1)
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	serving := wanted == 0

	// As the C consumer: a drain's whole load fits in the kernel's queue,
	// and the receive buffer is the library's default, sized for that queue.
	var cfg nfqueue.Config
	if err := configure(&cfg, wanted); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if serving {
		wanted = ^uint64(0)
	}
	q, err := nfqueue.Open(uint32(num), &cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(1)
	}
	fmt.Println("ready")
	if !serving {
		<-start
	}
	if path := os.Getenv("NFQUEUE_BENCH_CPUPROFILE"); path != "" {
		// For looking into a row: go tool pprof BINARY PATH.
		if f, err := os.Create(path); err == nil {
			_ = pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}

	began := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	if serving {
		go func() {
			<-term
			if mode == "go-run" {
				cancel()
			} else {
				_ = q.Stop()
			}
		}()
	} else {
		go watchIdle(cancel, q, mode == "go-run")
	}
	if mode == "go-run" {
		err = consumeRun(ctx, cancel, q, wanted)
	} else {
		err = consumeRecv(q, wanted, mode)
	}
	elapsed := time.Since(began)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", mode, err)
		os.Exit(1)
	}
	fmt.Printf("%s %d %.6f\n", mode, judged.Load(), elapsed.Seconds())
	_ = q.Close()
}

// watchIdle ends a drain whose load stopped short, as an application's
// control goroutine would: the context for Run, Stop for Recv.
func watchIdle(cancel context.CancelFunc, q *nfqueue.Queue, run bool) {
	seen := ^uint64(0)
	for {
		time.Sleep(idle)
		if n := judged.Load(); n != seen {
			seen = n
			continue
		}
		if run {
			cancel()
		} else {
			_ = q.Stop()
		}
		return
	}
}

func consumeRun(ctx context.Context, cancel context.CancelFunc, q *nfqueue.Queue, wanted uint64) error {
	var n uint64
	err := q.Run(ctx, func(p *nfqueue.Packet) {
		if p.Accept() != nil {
			return
		}
		n++
		if n%64 == 0 || n >= wanted {
			judged.Store(n)
		}
		if n >= wanted {
			cancel() // the load is drained
		}
	})
	judged.Store(n)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func consumeRecv(q *nfqueue.Queue, wanted uint64, mode string) error {
	pkts := make([]*nfqueue.Packet, 64)
	specs := make([]nfqueue.VerdictSpec, len(pkts))
	ctx := context.Background()
	for judged.Load() < wanted {
		n, err := q.Recv(ctx, pkts)
		if errors.Is(err, nfqueue.ErrStopped) {
			return nil // the load stopped short, or SIGTERM
		}
		if errors.Is(err, nfqueue.ErrNoBufs) {
			continue // counted by the kernel; receiving goes on
		}
		if err != nil {
			return err
		}
		switch mode {
		case "go-batch":
			err = q.VerdictBatch(pkts[n-1].ID(), nfqueue.Accept)
		case "go-specs":
			for i, p := range pkts[:n] {
				specs[i] = nfqueue.VerdictSpec{Packet: p, Verdict: nfqueue.Accept}
			}
			err = q.VerdictPackets(specs[:n])
		default:
			for _, p := range pkts[:n] {
				if err = p.Accept(); err != nil {
					break
				}
			}
		}
		if err != nil {
			return err
		}
		judged.Add(uint64(n))
	}
	return nil
}
