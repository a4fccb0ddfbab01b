// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	nfqueue "github.com/nfqueue/nfqueue/go"
)

func TestRewriteWithChecksums(t *testing.T) {
	const num = 1
	q := open(t, num, nil)
	r := listen(t, basePort+num)
	send(t, basePort+num, "hello there")
	p := recvN(t, q, 1)[0]
	edited := bytes.Replace(p.Payload(), []byte("hello"), []byte("HOWDY"), 1)
	if err := nfqueue.UpdateChecksums(edited); err != nil {
		t.Fatal(err)
	}
	if err := p.Accept(nfqueue.WithPayload(edited), nfqueue.WithMark(3)); err != nil {
		t.Fatal(err)
	}
	if got := r.expect(1); !slices.Equal(got, []string{"HOWDY there"}) {
		t.Errorf("received %q", got)
	}
}

func TestVerdictPacketsAndBatch(t *testing.T) {
	const num = 2
	q := open(t, num, nil)
	r := listen(t, basePort+num)
	send(t, basePort+num, "one", "two", "three")
	pkts := recvN(t, q, 3)
	specs := []nfqueue.VerdictSpec{
		{Packet: pkts[0], Verdict: nfqueue.Accept, SetMark: true, Mark: 5},
		{Packet: pkts[1], Verdict: nfqueue.Drop},
		{Packet: pkts[2], Verdict: nfqueue.Accept, Payload: pkts[2].Payload()},
	}
	if err := q.VerdictPackets(specs); err != nil {
		t.Fatal(err)
	}
	for _, p := range pkts {
		if !p.HasVerdict() {
			t.Errorf("packet %d has no verdict after VerdictPackets", p.ID())
		}
	}
	err := q.VerdictPackets(specs[1:2])
	var ve *nfqueue.VerdictError
	if !errors.As(err, &ve) || ve.Index != 0 || !errors.Is(err, nfqueue.ErrVerdictGiven) {
		t.Errorf("a second VerdictPackets: %v, want ErrVerdictGiven at index 0", err)
	}
	if got := r.expect(2); !slices.Equal(got, []string{"one", "three"}) {
		t.Errorf("received %q", got)
	}

	send(t, basePort+num, "four", "five")
	pkts = recvN(t, q, 2)
	if err := q.VerdictBatchMark(pkts[1].ID(), nfqueue.Accept, 8); err != nil {
		t.Fatal(err)
	}
	if !pkts[0].HasVerdict() || !pkts[1].HasVerdict() {
		t.Error("a batch verdict counts for every packet up to its id")
	}
	if got := r.expect(2); !slices.Equal(got, []string{"five", "four"}) {
		t.Errorf("received %q", got)
	}
	st, err := q.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Waiting != 0 || st.IDSequence < 5 || st.PortID == 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestQueueTo(t *testing.T) {
	const num, target = 3, 4
	q := open(t, num, nil)
	tq := open(t, target, nil)
	r := listen(t, basePort+num)
	send(t, basePort+num, "forwarded")
	if err := recvN(t, q, 1)[0].QueueTo(target, false); err != nil {
		t.Fatal(err)
	}
	p := recvN(t, tq, 1)[0]
	if p.QueueNum() != target || udpData(p.Payload()) != "forwarded" {
		t.Errorf("queue %d got %q", p.QueueNum(), p.Payload())
	}
	if err := p.Accept(); err != nil {
		t.Fatal(err)
	}
	if got := r.expect(1); !slices.Equal(got, []string{"forwarded"}) {
		t.Errorf("received %q", got)
	}
}

// Receiving into a reused slice and verdicting allocates nothing per packet.
func TestRecvAllocatesNothing(t *testing.T) {
	const num, per = 5, 4
	q := open(t, num, nil)
	pkts := make([]*nfqueue.Packet, per)
	ctx := context.Background()
	receive := func() {
		for got := 0; got < per; {
			n, err := q.Recv(ctx, pkts[:per-got])
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range pkts[:n] {
				_ = p.Payload()
				if err := p.Accept(); err != nil {
					t.Fatal(err)
				}
			}
			got += n
		}
	}
	send(t, basePort+num, "x", "y", "z", "w")
	receive() // fills the slice with Packets
	const runs = 5
	for i := 0; i < runs+1; i++ { // AllocsPerRun calls once more to warm up
		send(t, basePort+num, "x", "y", "z", "w")
	}
	time.Sleep(50 * time.Millisecond)
	// Under 1 per run of 4 packets: none per packet (the bound leaves room
	// for a stray allocation of the runtime's during the measurement).
	if a := testing.AllocsPerRun(runs, receive); a >= 1 {
		t.Errorf("%v allocations per %d packets received into a reused slice", a, per)
	}
}

func TestQueuesRunOnePerQueue(t *testing.T) {
	needKernel(t)
	qs, err := nfqueue.OpenRange(balanceFirst, balanceLast, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer qs.Close()
	r := listen(t, balancePort)
	ctx, cancel := context.WithCancel(context.Background())
	var handled atomic.Int64
	done := make(chan error, 1)
	go func() {
		done <- qs.Run(ctx, func(p *nfqueue.Packet) {
			_ = p.Accept()
			handled.Add(1)
		})
	}()
	// Several source sockets, so the flows spread over the range.
	for i := 0; i < 8; i++ {
		send(t, balancePort, "balanced")
	}
	got := r.expect(8)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Queues.Run: %v", err)
	}
	if len(got) != 8 || handled.Load() != 8 {
		t.Errorf("received %d, handled %d of 8", len(got), handled.Load())
	}
}

// After a verdict that replaced the payload, Payload shows the
// replacement, as the library's own getter does.
func TestPayloadShowsTheReplacement(t *testing.T) {
	const num = 7
	q := open(t, num, nil)
	r := listen(t, basePort+num)
	send(t, basePort+num, "before")
	p := recvN(t, q, 1)[0]
	edited := bytes.Replace(p.Payload(), []byte("before"), []byte("after!"), 1)
	if err := nfqueue.UpdateChecksums(edited); err != nil {
		t.Fatal(err)
	}
	if err := p.Accept(nfqueue.WithPayload(edited)); err != nil {
		t.Fatal(err)
	}
	if got := udpData(p.Payload()); got != "after!" {
		t.Errorf("Payload after the verdict: %q, want the replacement", got)
	}
	if got := r.expect(1); !slices.Equal(got, []string{"after!"}) {
		t.Errorf("received %q", got)
	}
}
