// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"testing"
	"time"

	nfqueue "github.com/nfqueue/nfqueue/go"
)

func TestRecvVerdictsAndAttributes(t *testing.T) {
	const num = 1
	q := open(t, num, nil)
	r := listen(t, basePort+num)
	send(t, basePort+num, "keep", "drop me", "also kept")
	pkts := recvN(t, q, 3)
	for _, p := range pkts {
		if p.HWProtocol() != 0x0800 || p.Hook() != nfqueue.HookOutput || p.QueueNum() != num {
			t.Errorf("packet %d: hw %#x hook %v queue %d", p.ID(), p.HWProtocol(), p.Hook(), p.QueueNum())
		}
		if _, ok := p.InDev(); ok {
			t.Error("a locally sent packet has no input device")
		}
		if idx, ok := p.OutDev(); !ok || idx == 0 {
			t.Errorf("OutDev = %d, %v", idx, ok)
		} else if name, err := p.IfName(nfqueue.IfaceOut); err != nil || name != "lo" {
			t.Errorf("IfName = %q, %v", name, err)
		}
		if _, err := p.IfName(nfqueue.IfaceIn); !errors.Is(err, nfqueue.ErrNoAttr) {
			t.Errorf("IfName(in) error = %v, want ErrNoAttr", err)
		}
		if m, ok := p.Mark(); ok {
			t.Errorf("mark %d reported where the kernel sent none", m)
		}
		if l, ok := p.OrigLen(); !ok || int(l) != len(p.Payload()) {
			t.Errorf("OrigLen = %d, %v; payload %d bytes", l, ok, len(p.Payload()))
		}
		var err error
		if udpData(p.Payload()) == "drop me" {
			err = p.Drop()
		} else {
			err = p.Accept()
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Accept(); !errors.Is(err, nfqueue.ErrVerdictGiven) {
			t.Errorf("second verdict: %v, want ErrVerdictGiven", err)
		}
		if !p.HasVerdict() {
			t.Error("HasVerdict is false after a verdict")
		}
	}
	if got := r.expect(2); !slices.Equal(got, []string{"also kept", "keep"}) {
		t.Errorf("received %q", got)
	}
}

func TestExpiredPacketIsRefused(t *testing.T) {
	const num = 2
	q := open(t, num, nil)
	r := listen(t, basePort+num)
	send(t, basePort+num, "let go")
	stale := recvN(t, q, 1)[0]
	send(t, basePort+num, "sentinel")
	// A fresh slice: the stale Packet is not handed back for reuse.
	next := recvN(t, q, 1)[0]
	if _, err := stale.PayloadErr(); !errors.Is(err, nfqueue.ErrExpired) {
		t.Errorf("payload of an expired packet: %v, want ErrExpired", err)
	}
	if stale.Payload() != nil {
		t.Error("Payload of an expired packet is not nil")
	}
	if err := stale.Drop(); !errors.Is(err, nfqueue.ErrExpired) {
		t.Errorf("verdict on an expired packet: %v, want ErrExpired", err)
	}
	if udpData(next.Payload()) != "sentinel" {
		t.Errorf("next packet %q", next.Payload())
	}
	if err := next.Accept(); err != nil {
		t.Fatal(err)
	}
	if got := r.expect(2); !slices.Equal(got, []string{"let go", "sentinel"}) {
		t.Errorf("received %q: the expired packet must get the default verdict (accept)", got)
	}
}

func TestRunEndsWithContextWithoutLeaking(t *testing.T) {
	const num = 3
	q := open(t, num, nil)
	r := listen(t, basePort+num)
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	var seen []string
	done := make(chan error, 1)
	go func() {
		done <- q.Run(ctx, func(p *nfqueue.Packet) {
			seen = append(seen, udpData(p.Payload()))
			if err := p.Accept(nfqueue.WithMark(7)); err != nil {
				t.Error(err)
			}
			cancel()
		})
	}()
	send(t, basePort+num, "one")
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context was canceled")
	}
	if !slices.Equal(seen, []string{"one"}) {
		t.Errorf("handled %q", seen)
	}
	if got := r.expect(1); !slices.Equal(got, []string{"one"}) {
		t.Errorf("received %q", got)
	}
	waitGoroutines(t, before)

	// Canceled while waiting with nothing to receive.
	ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := q.Run(ctx, func(*nfqueue.Packet) {}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run returned %v, want context.DeadlineExceeded", err)
	}
	pkts := make([]*nfqueue.Packet, 4)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	if n, err := q.Recv(ctx2, pkts); n != 0 || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Recv returned %d, %v, want context.DeadlineExceeded", n, err)
	}
	waitGoroutines(t, before)
}

func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	for i := 0; i < 100 && runtime.NumGoroutine() > want; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > want {
		t.Errorf("%d goroutines, %d before: one leaked", n, want)
	}
}

func TestCloseDuringRun(t *testing.T) {
	const num = 4
	q := open(t, num, nil)
	done := make(chan error, 1)
	go func() { done <- q.Run(context.Background(), func(*nfqueue.Packet) {}) }()
	time.Sleep(100 * time.Millisecond) // let it wait in the library
	if err := q.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after Close returned %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after Close")
	}
	if err := q.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	pkts := make([]*nfqueue.Packet, 1)
	if _, err := q.Recv(context.Background(), pkts); !errors.Is(err, nfqueue.ErrClosed) {
		t.Errorf("Recv after Close: %v, want ErrClosed", err)
	}
	if err := q.Stop(); !errors.Is(err, nfqueue.ErrClosed) {
		t.Errorf("Stop after Close: %v, want ErrClosed", err)
	}
}

func TestStopEndsRecv(t *testing.T) {
	const num = 5
	q := open(t, num, nil)
	go func() {
		time.Sleep(50 * time.Millisecond)
		_ = q.Stop()
	}()
	pkts := make([]*nfqueue.Packet, 2)
	if _, err := q.Recv(context.Background(), pkts); !errors.Is(err, nfqueue.ErrStopped) {
		t.Errorf("Recv after Stop: %v, want ErrStopped", err)
	}
	if n, err := q.TryRecv(pkts); n != 0 || err != nil {
		t.Errorf("TryRecv with nothing queued: %d, %v", n, err)
	}
}

// A handler hands retained packets to another goroutine, which verdicts
// them while Run goes on (go test -race checks the hand-over).
func TestRunHandsRetainedPacketsToAGoroutine(t *testing.T) {
	const num = 6
	q := open(t, num, nil)
	r := listen(t, basePort+num)
	later := make(chan *nfqueue.Packet)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for p := range later {
			if err := p.Accept(nfqueue.WithMark(4)); err != nil {
				t.Error(err)
			}
			if err := p.Release(); err != nil {
				t.Error(err)
			}
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	handled := 0
	send(t, basePort+num, "p1", "p2", "p3", "p4", "p5") // queued until Run takes them
	err := q.Run(ctx, func(p *nfqueue.Packet) {
		kept, err := p.Retain()
		if err != nil {
			t.Error(err)
			return
		}
		later <- kept
		if handled++; handled == 5 {
			cancel()
		}
	})
	close(later)
	<-done
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run: %v", err)
	}
	if got := r.expect(5); !slices.Equal(got, []string{"p1", "p2", "p3", "p4", "p5"}) {
		t.Errorf("received %q", got)
	}
}
