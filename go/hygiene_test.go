// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue_test

// Resources that must not grow (tests/reliability/hygiene.c is the C
// test): 10,000 queue open/close cycles (1,000 under -race), then 1,000,000 real packets
// (10,000,000 with NFQUEUE_TEST_LONG=1; 200,000 under -race, which
// go/scripts/test therefore runs again without it) each retained, held
// with up to 255 others and released, half with a verdict and half left
// to the default one. Open file descriptors, goroutines, the live heap
// after a collection and resident memory are measured after a warm-up
// and at the end. Under -race resident memory is not compared: the race
// detector's own shadow memory and history grow with every access.

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	nfqueue "github.com/nfqueue/nfqueue/go"
)

const (
	hygieneQueue = 6
	heapSlack    = 1 << 20 // bytes the live heap may differ by: runtime bookkeeping
	rssSlackKB   = 4096    // the Go heap's arenas, malloc's and the kernel's page accounting
)

// usage is what one measurement saw.
type usage struct {
	fds, goroutines int
	heap            uint64 // live heap bytes after a full collection
	rssKB           int
}

func measure(t testing.TB) usage {
	t.Helper()
	// Twice: the first collection queues the cleanups (C memory of
	// dropped packets), which run before the second finishes its work;
	// the second also gives freed heap back to the kernel, so that
	// VmRSS compares what is in use.
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	rss := -1
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			rss, _ = strconv.Atoi(f[1])
		}
	}
	return usage{fds: len(fds), goroutines: runtime.NumGoroutine(), heap: ms.HeapAlloc, rssKB: rss}
}

// flat fails the test if anything grew from before to after.
func flat(t testing.TB, what string, before, after usage) {
	t.Helper()
	t.Logf("%s: fds %d -> %d, goroutines %d -> %d, heap %d -> %d bytes, VmRSS %d -> %d kB",
		what, before.fds, after.fds, before.goroutines, after.goroutines, before.heap, after.heap,
		before.rssKB, after.rssKB)
	if after.fds != before.fds {
		t.Errorf("%s: open file descriptors grew from %d to %d", what, before.fds, after.fds)
	}
	if after.goroutines > before.goroutines {
		t.Errorf("%s: goroutines grew from %d to %d", what, before.goroutines, after.goroutines)
	}
	if after.heap > before.heap+heapSlack {
		t.Errorf("%s: the live heap grew from %d to %d bytes (bound %d)", what, before.heap, after.heap, heapSlack)
	}
	if !raceEnabled && after.rssKB > before.rssKB+rssSlackKB {
		t.Errorf("%s: VmRSS grew from %d to %d kB (bound %d)", what, before.rssKB, after.rssKB, rssSlackKB)
	}
}

// Close frees a queue's C memory at once (the cleanup is only the net
// for a Queue dropped without Close), so the loop runs with the
// collector off: were the C memory left to the collector, the library
// would refuse the 8,193rd Open ("this process already holds 8192
// queues"). Then one collection, and nothing may have grown. Under
// -race 1,000 cycles:
func TestHygieneOpenCloseCycles(t *testing.T) {
	const warm = 100 // malloc and the collector at their steady state
	cycles := 10000
	if raceEnabled {
		cycles = 1000
	}
	needKernel(t)
	var before usage
	var gcBefore uint32
	start := time.Now()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	for i := 0; i < warm+cycles; i++ {
		if i == warm {
			before = measure(t)
			gcBefore = numGC()
			start = time.Now()
		}
		q, err := nfqueue.Open(hygieneQueue, nil)
		if err != nil {
			t.Fatalf("cycle %d: Open: %v", i, err)
		}
		if err := q.Close(); err != nil {
			t.Fatalf("cycle %d: Close: %v", i, err)
		}
	}
	t.Logf("%d open/close cycles in %.1f s", cycles, time.Since(start).Seconds())
	if n := numGC() - gcBefore; n != 0 {
		t.Fatalf("%d garbage collections ran during the loop: it must need none", n)
	}
	flat(t, "open/close", before, measure(t))
}

func TestHygieneRetainedPacketsReleased(t *testing.T) {
	const window = 256
	total := 1000000
	switch {
	case os.Getenv("NFQUEUE_TEST_LONG") == "1":
		total = 10000000
	case raceEnabled:
		total = 200000
	}
	warm := total / 10
	port := basePort + hygieneQueue
	q := open(t, hygieneQueue, nil)
	rx := newArrivals(t, port, false)
	tx := newSeqSender(t, port)
	pkts := make([]*nfqueue.Packet, 64)
	held := make([]*nfqueue.Packet, 0, window)
	var before usage
	measured := false
	sent, arrived := 0, 0
	start := time.Now()
	for sent < total {
		if sent >= warm && !measured {
			before, measured = measure(t), true
		}
		n := min(window, total-sent)
		tx.sendRange(sent, sent+n)
		held = held[:0]
		for len(held) < n {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			k, err := q.Recv(ctx, pkts)
			cancel()
			if err != nil {
				t.Fatalf("after %d packets: Recv: %v", sent+len(held), err)
			}
			for _, p := range pkts[:k] {
				kept, err := p.Retain()
				if err != nil {
					t.Fatalf("Retain: %v", err)
				}
				held = append(held, kept)
			}
		}
		for i, p := range held {
			if i%2 == 1 {
				if err := p.Accept(); err != nil {
					t.Fatalf("Accept: %v", err)
				}
			}
			_ = p.Release() // without a verdict: the default, accept
			held[i] = nil
		}
		sent += n
		arrived += rx.wait(n, 2*time.Second)
		if arrived != sent {
			t.Fatalf("after %d packets sent only %d arrived", sent, arrived)
		}
	}
	elapsed := time.Since(start).Seconds()
	t.Logf("%d packets retained and released in %.1f s (%.0f/s), %d arrived (race detector: %v)",
		sent, elapsed, float64(sent)/elapsed, arrived, raceEnabled)
	flat(t, "retain/release (measured from packet "+strconv.Itoa(warm)+")", before, measure(t))
	if st := stats(t, q); st.Waiting != 0 || st.UserDropped != 0 || st.QueueDropped != 0 {
		t.Errorf("after every packet: %s", describe(st))
	}
}

// numGC is how many collections have completed.
func numGC() uint32 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.NumGC
}
