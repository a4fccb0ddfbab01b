// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue_test

// Retained packets verdicted from 8 goroutines at once (run under -race by
// go/scripts/test), while the receiving goroutine goes on receiving the
// next round: every packet gets exactly one verdict (a second one is
// ErrVerdictGiven, from the library) and arrives exactly once.

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	nfqueue "github.com/nfqueue/nfqueue/go"
)

func TestRetainedPacketsVerdictedFrom8Goroutines(t *testing.T) {
	const num, workers, rounds, perRound = 7, 8, 8, 200
	const total = rounds * perRound
	port := basePort + num
	q := open(t, num, nil)
	rx := newArrivals(t, port, true)
	tx := newSeqSender(t, port)

	var mu sync.Mutex
	verdicts := map[uint32]int{} // first verdicts that succeeded, by packet id
	var failures []string
	fail := func(msg string) {
		mu.Lock()
		failures = append(failures, msg)
		mu.Unlock()
	}
	work := make(chan *nfqueue.Packet, 64)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range work {
				if err := p.Accept(); err != nil {
					fail("first verdict of packet " + strconv.FormatUint(uint64(p.ID()), 10) + ": " + err.Error())
				} else {
					mu.Lock()
					verdicts[p.ID()]++
					mu.Unlock()
				}
				if err := p.Accept(); !errors.Is(err, nfqueue.ErrVerdictGiven) {
					fail("second verdict of packet " + strconv.FormatUint(uint64(p.ID()), 10) + ": " + errString(err) + ", not ErrVerdictGiven")
				}
				_ = p.Release()
			}
		}()
	}

	pkts := make([]*nfqueue.Packet, 64)
	received := 0
	for r := 0; r < rounds; r++ {
		tx.sendRange(r*perRound, (r+1)*perRound)
		for got := 0; got < perRound; {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			n, err := q.Recv(ctx, pkts)
			cancel()
			if err != nil {
				close(work)
				wg.Wait()
				t.Fatalf("Recv after %d packets: %v", received, err)
			}
			for _, p := range pkts[:n] {
				kept, err := p.Retain()
				if err != nil {
					t.Fatal(err)
				}
				work <- kept // Recv will not reuse a retained Packet
			}
			got += n
			received += n
		}
	}
	close(work)
	wg.Wait()
	arrived := rx.wait(total, 2*time.Second)
	st := stats(t, q)
	t.Logf("%d packets retained and verdicted by %d goroutines, %d arrived; %s", received, workers, arrived, describe(st))
	for _, f := range failures {
		t.Error(f)
	}
	if len(verdicts) != total {
		t.Errorf("%d distinct packets got a verdict, %d were received", len(verdicts), total)
	}
	for id, n := range verdicts {
		if n != 1 {
			t.Errorf("packet %d: %d successful verdicts", id, n)
		}
	}
	if arrived != total {
		t.Errorf("%d of %d packets arrived", arrived, total)
	}
	for seq := 0; seq < total; seq++ {
		if rx.seen[seq] != 1 {
			t.Errorf("datagram %d arrived %d times", seq, rx.seen[seq])
		}
	}
	if st.Waiting != 0 || st.VerdictErrors != 0 {
		t.Errorf("after every verdict: %s", describe(st))
	}
}
