// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue_test

// The package parses nothing itself: every byte from the kernel is read
// by the library. So the receive path is fuzzed where it lives, live:
// each input goes as one datagram from another NETLINK_NETFILTER socket
// to a real queue's port, and a receive must hand nothing out and count
// the datagram, once, in Stats().Skipped (only the kernel may send
// packets). The library's own libFuzzer targets (tests/fuzz) cover the
// same parser without the kernel, faster.

import (
	"errors"
	"sync"
	"testing"

	nfqueue "github.com/nfqueue/nfqueue/go"
)

// fuzzQueue has no rule: only the fuzz datagrams reach it. Opened once
// per process (a fuzz worker runs many inputs), closed when it exits;
// parallel workers take the next free number.
const fuzzQueue = 200

var fuzzTarget struct {
	once   sync.Once
	err    error
	q      *nfqueue.Queue
	portid uint32
	evil   *attacker
}

func fuzzSetup(t *testing.T) {
	needKernel(t)
	fuzzTarget.once.Do(func() {
		q, err := nfqueue.Open(fuzzQueue, nil)
		for num := uint32(fuzzQueue + 1); errors.Is(err, nfqueue.ErrBusy) && num < fuzzQueue+64; num++ {
			q, err = nfqueue.Open(num, nil)
		}
		if err != nil {
			fuzzTarget.err = err
			return
		}
		st, err := q.Stats()
		if err != nil {
			fuzzTarget.err = err
			return
		}
		fuzzTarget.q, fuzzTarget.portid = q, st.PortID
		fuzzTarget.evil, fuzzTarget.err = openAttacker() // lives as long as the process
	})
	if fuzzTarget.err != nil {
		t.Fatalf("the fuzz queue: %v", fuzzTarget.err)
	}
}

func FuzzForeignDatagram(f *testing.F) {
	for _, d := range hostileDatagrams(fuzzQueue, basePort) {
		if len(d) > 0 {
			f.Add(d)
		}
	}
	f.Add(forgedPacket(fuzzQueue, 1, forgedUDP(basePort, "seq 1")))
	pkts := make([]*nfqueue.Packet, 8)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 65536 {
			data = data[:65536] // the largest datagram the hostile tests send
		}
		fuzzSetup(t)
		q := fuzzTarget.q
		before := stats(t, q).Skipped
		if err := fuzzTarget.evil.send(fuzzTarget.portid, data); err != nil {
			return // refused by the kernel (an empty datagram): nothing arrived
		}
		n, err := q.TryRecv(pkts)
		if err != nil || n != 0 {
			t.Fatalf("a foreign datagram of %d bytes: TryRecv handed out %d packets, %v", len(data), n, err)
		}
		if after := stats(t, q).Skipped; after != before+1 {
			t.Fatalf("a foreign datagram of %d bytes: Skipped went from %d to %d", len(data), before, after)
		}
	})
}
