// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	nfqueue "github.com/nfqueue/nfqueue/go"
)

func TestOpenRefusals(t *testing.T) {
	needKernel(t)
	if _, err := nfqueue.Open(70000, nil); !errors.Is(err, nfqueue.ErrInvalid) ||
		!strings.Contains(err.Error(), "70000") {
		t.Errorf("Open(70000): %v, want ErrInvalid naming the number", err)
	}
	q := open(t, 6, nil)
	_, err := nfqueue.Open(6, nil)
	if !errors.Is(err, nfqueue.ErrBusy) {
		t.Fatalf("second Open: %v, want ErrBusy", err)
	}
	var e *nfqueue.Error
	if !errors.As(err, &e) || e.Op != "nfqueue_queue_open" || e.Message == "" {
		t.Errorf("busy error %#v: want Op nfqueue_queue_open and the library's message", e)
	}
	if q.Num() != 6 {
		t.Errorf("Num = %d", q.Num())
	}
	if err := nfqueue.CheckPermission(nil); err != nil {
		t.Errorf("CheckPermission as root: %v", err)
	}
}

func TestBadInputIsAnErrorNotAPanic(t *testing.T) {
	var nilCfg *nfqueue.Config
	if err := nilCfg.SetMaxLen(5); !errors.Is(err, nfqueue.ErrInvalid) {
		t.Errorf("setter on a nil Config: %v", err)
	}
	if nilCfg.MaxLen() != 0 || nilCfg.Close() != nil {
		t.Error("a nil Config reads as zero and closes as a no-op")
	}
	var zero nfqueue.Packet
	if err := zero.Accept(); !errors.Is(err, nfqueue.ErrInvalid) {
		t.Errorf("verdict on a zero Packet: %v", err)
	}
	if _, err := zero.Retain(); !errors.Is(err, nfqueue.ErrInvalid) {
		t.Errorf("Retain of a zero Packet: %v", err)
	}
	if zero.Payload() != nil || zero.HasVerdict() || zero.Release() != nil {
		t.Error("a zero Packet has nothing, and releasing it does nothing")
	}
	if _, err := nfqueue.OpenRange(5, 4, nil); !errors.Is(err, nfqueue.ErrInvalid) {
		t.Errorf("OpenRange(5, 4): %v", err)
	}
	if err := nfqueue.UpdateChecksums(nil); !errors.Is(err, nfqueue.ErrInvalid) {
		t.Errorf("UpdateChecksums(nil): %v", err)
	}
	var nilQueue *nfqueue.Queue
	if _, err := nilQueue.Recv(context.Background(), make([]*nfqueue.Packet, 1)); !errors.Is(err, nfqueue.ErrInvalid) {
		t.Errorf("Recv on a nil Queue: %v", err)
	}
	if err := nilQueue.Run(context.Background(), func(*nfqueue.Packet) {}); !errors.Is(err, nfqueue.ErrInvalid) {
		t.Errorf("Run on a nil Queue: %v", err)
	}
	if nilQueue.Close() != nil || nilQueue.FD() != -1 {
		t.Error("a nil Queue closes as a no-op and has no fd")
	}
	if !errors.Is(nfqueue.ErrPermission, os.ErrPermission) {
		t.Error("ErrPermission is an os.ErrPermission")
	}
	needKernel(t)
	q := open(t, 6, nil)
	if err := q.Run(context.Background(), nil); !errors.Is(err, nfqueue.ErrInvalid) {
		t.Errorf("Run(nil handler): %v", err)
	}
	if _, err := q.Recv(context.Background(), nil); !errors.Is(err, nfqueue.ErrInvalid) {
		t.Errorf("Recv into no room: %v", err)
	}
}

func TestPayloadOverTheLimitIsRefused(t *testing.T) {
	const num = 7
	q := open(t, num, nil)
	r := listen(t, basePort+num)
	send(t, basePort+num, "sized to fit")
	p := recvN(t, q, 1)[0]
	err := p.Accept(nfqueue.WithPayload(make([]byte, nfqueue.PayloadMax+1)))
	if !errors.Is(err, nfqueue.ErrTooBig) {
		t.Fatalf("a payload of PayloadMax+1 bytes: %v, want ErrTooBig", err)
	}
	if p.HasVerdict() {
		t.Error("a refused payload must leave the packet without a verdict")
	}
	if err := p.Accept(); err != nil {
		t.Fatal(err)
	}
	if got := r.expect(1); len(got) != 1 || got[0] != "sized to fit" {
		t.Errorf("received %q", got)
	}
}

func TestRetainedPacketFromAnotherGoroutineAndAfterClose(t *testing.T) {
	const num = 8
	cfg := &nfqueue.Config{}
	if err := cfg.SetDefaultVerdict(nfqueue.Drop); err != nil {
		t.Fatal(err)
	}
	q := open(t, num, cfg)
	r := listen(t, basePort+num)
	send(t, basePort+num, "a", "b", "c")
	pkts := recvN(t, q, 3)
	var kept []*nfqueue.Packet
	for _, p := range pkts {
		k, err := p.Retain()
		if err != nil || k != p {
			t.Fatalf("Retain: %v", err)
		}
		kept = append(kept, k)
	}
	// The next receive neither reuses nor expires them.
	pkts2 := append([]*nfqueue.Packet(nil), pkts...)
	if n, err := q.TryRecv(pkts2); err != nil || n != 0 {
		t.Fatalf("TryRecv: %d, %v", n, err)
	}
	var wg sync.WaitGroup
	for _, k := range kept[:2] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if udpData(k.Payload()) == "" {
				t.Error("a retained packet keeps its payload")
			}
			if err := k.Accept(nfqueue.WithMark(9)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := r.expect(2); strings.Join(got, ",") != "a,b" {
		t.Errorf("received %q", got)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	// Close gave the third its default verdict (drop); a verdict now is refused.
	if err := kept[2].Accept(); !errors.Is(err, nfqueue.ErrClosed) ||
		!strings.Contains(strings.ToLower(err.Error()), "closed") {
		t.Errorf("verdict after Close: %v, want ErrClosed", err)
	}
	for _, k := range kept {
		if err := k.Release(); err != nil {
			t.Error(err)
		}
		if err := k.Accept(); !errors.Is(err, nfqueue.ErrExpired) {
			t.Errorf("verdict on a released packet: %v, want ErrExpired", err)
		}
	}
	if got := r.expect(0); len(got) != 0 {
		t.Errorf("received %q after Close", got)
	}
}

// A borrowed packet used after its queue closed is refused by the
// library, and Close gave it the default verdict.
func TestBorrowedPacketAfterClose(t *testing.T) {
	const num = 5
	q := open(t, num, nil)
	r := listen(t, basePort+num)
	send(t, basePort+num, "closed under it")
	p := recvN(t, q, 1)[0]
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Drop(); !errors.Is(err, nfqueue.ErrExpired) && !errors.Is(err, nfqueue.ErrClosed) {
		t.Errorf("verdict after Close: %v, want ErrExpired or ErrClosed", err)
	}
	if _, err := p.PayloadErr(); err == nil || p.Payload() != nil {
		t.Errorf("payload after Close: %v", err)
	}
	if _, err := p.Retain(); err == nil {
		t.Error("Retain after Close succeeded")
	}
	if got := r.expect(1); len(got) != 1 {
		t.Errorf("received %q: Close must accept it (the default verdict)", got)
	}
}
