// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue_test

// Close frees the queue's C memory at once. What may still be used
// afterwards asks only the library about packet handles, which C keeps
// answerable after nfqueue_queue_free (a borrowed packet: expired; a
// retained one: readable, its verdict refused as closed); every Queue
// method answers ErrClosed (or its documented zero) from Go, never
// touching the freed queue.

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	nfqueue "github.com/nfqueue/nfqueue/go"
)

func TestPacketsAfterClose(t *testing.T) {
	const num = 3
	q := open(t, num, nil)
	r := listen(t, basePort+num)
	send(t, basePort+num, "kept", "lent")
	pkts := recvN(t, q, 2) // the last batch is borrowed, earlier ones retained
	retained, borrowed := pkts[0], pkts[1]
	if _, err := retained.Retain(); err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	if _, err := borrowed.PayloadErr(); !errors.Is(err, nfqueue.ErrExpired) {
		t.Errorf("borrowed PayloadErr after Close: %v, want ErrExpired", err)
	}
	if borrowed.Payload() != nil || borrowed.QueueNum() != 0 {
		t.Error("a borrowed packet still shows its data after Close")
	}
	if err := borrowed.Accept(); !errors.Is(err, nfqueue.ErrExpired) {
		t.Errorf("borrowed verdict after Close: %v, want ErrExpired", err)
	}
	if _, err := borrowed.IfName(nfqueue.IfaceOut); !errors.Is(err, nfqueue.ErrExpired) {
		t.Errorf("borrowed IfName after Close: %v, want ErrExpired", err)
	}
	if _, err := borrowed.Retain(); !errors.Is(err, nfqueue.ErrExpired) {
		t.Errorf("borrowed Retain after Close: %v, want ErrExpired", err)
	}
	if !borrowed.HasVerdict() {
		t.Error("HasVerdict of an expired packet is false: Close gave it the default verdict")
	}
	_ = borrowed.Release() // whatever it says, it must not touch the freed queue

	if got := udpData(retained.Payload()); got != "kept" {
		t.Errorf("retained payload after Close: %q, want \"kept\"", got)
	}
	if err := retained.Drop(); !errors.Is(err, nfqueue.ErrClosed) {
		t.Errorf("retained verdict after Close: %v, want ErrClosed", err)
	}
	if err := retained.Release(); err != nil {
		t.Errorf("Release of a retained packet after Close: %v", err)
	}

	// Close gave both the default verdict, accept.
	if got := r.expect(2); !slices.Equal(got, []string{"kept", "lent"}) {
		t.Errorf("received %q, want both packets accepted by Close", got)
	}
}

func TestQueueMethodsAfterClose(t *testing.T) {
	q := open(t, 3, nil)
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	closed := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, nfqueue.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", what, err)
		}
	}
	_, err := q.Stats()
	closed("Stats", err)
	closed("Stop", q.Stop())
	closed("Flush", q.Flush())
	closed("VerdictBatch", q.VerdictBatch(1, nfqueue.Accept))
	_, err = q.TryRecv(make([]*nfqueue.Packet, 1))
	closed("TryRecv", err)
	_, err = q.Recv(context.Background(), make([]*nfqueue.Packet, 1))
	closed("Recv", err)
	if err := q.Run(context.Background(), func(*nfqueue.Packet) {}); err != nil {
		t.Errorf("Run after Close: %v, want nil", err)
	}
	if fd := q.FD(); fd != -1 {
		t.Errorf("FD after Close = %d, want -1", fd)
	}
	if n := q.EnobufsCount(); n != 0 {
		t.Errorf("EnobufsCount after Close = %d, want the count at Close, 0", n)
	}
	if q.Num() != 3 {
		t.Errorf("Num after Close = %d", q.Num())
	}
	if err := q.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// A Close from another goroutine while a Run handler reads its packet:
// the memory the handler's Payload points into lives until the handler
// returns; then it is freed, and Run returns nil.
func TestCloseWhileHandlerReads(t *testing.T) {
	const num = 3
	q := open(t, num, nil)
	listen(t, basePort+num)
	inHandler, closed := make(chan struct{}), make(chan struct{})
	var seen string
	done := make(chan error, 1)
	go func() {
		done <- q.Run(context.Background(), func(p *nfqueue.Packet) {
			payload := p.Payload()
			close(inHandler)
			<-closed
			seen = udpData(payload) // read after Close: still the packet's bytes
			if p.Payload() != nil {
				t.Error("Payload after Close is not nil: the packet expired")
			}
		})
	}()
	send(t, basePort+num, "still here")
	select {
	case <-inHandler:
	case <-time.After(5 * time.Second):
		t.Fatal("no packet reached the handler")
	}
	if err := q.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	close(closed)
	if err := <-done; err != nil {
		t.Errorf("Run after Close: %v, want nil", err)
	}
	if seen != "still here" {
		t.Errorf("handler read %q after Close, want \"still here\"", seen)
	}
}

// A handler that closes its own queue: Close frees nothing under it, Run
// returns nil.
func TestCloseFromHandler(t *testing.T) {
	const num = 3
	q := open(t, num, nil)
	r := listen(t, basePort+num)
	done := make(chan error, 1)
	go func() {
		done <- q.Run(context.Background(), func(p *nfqueue.Packet) {
			payload := p.Payload()
			if err := q.Close(); err != nil {
				t.Errorf("Close from the handler: %v", err)
			}
			if udpData(payload) != "bye" {
				t.Errorf("payload after Close in the handler: %q", udpData(payload))
			}
		})
	}()
	send(t, basePort+num, "bye")
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its handler closed the queue")
	}
	if got := r.expect(1); !slices.Equal(got, []string{"bye"}) {
		t.Errorf("received %q: Close gives the default verdict, accept", got)
	}
}

// Queue methods from other goroutines racing with Close: each returns
// its result or ErrClosed, none reads freed memory (go test -race and
// the C library's own checks would say).
func TestQueueMethodsRacingClose(t *testing.T) {
	cycles := 200
	if raceEnabled {
		cycles = 50
	}
	for i := 0; i < cycles; i++ {
		q := open(t, 3, nil)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for k := 0; k < 20; k++ {
					if _, err := q.Stats(); err != nil && !errors.Is(err, nfqueue.ErrClosed) {
						t.Errorf("Stats: %v", err)
					}
					_ = q.FD()
					_ = q.EnobufsCount()
					if err := q.Flush(); err != nil && !errors.Is(err, nfqueue.ErrClosed) {
						t.Errorf("Flush: %v", err)
					}
				}
			}()
		}
		close(start)
		if err := q.Close(); err != nil {
			t.Fatalf("cycle %d: Close: %v", i, err)
		}
		wg.Wait()
	}
}
