// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue_test

// A live queue's netlink port attacked from another NETLINK_NETFILTER
// socket of the namespace (tests/reliability/hostile.c is the C test):
// lying lengths, a valid message followed by a lie, a truncated
// attribute, forged packet messages that parse, 64 KiB of random bytes,
// before, between and after real traffic. No forged packet may be handed
// out (the sender is not the kernel), each foreign datagram delivered is
// counted in Stats().Skipped, and every real packet is handed out once
// and arrives once.

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	nfqueue "github.com/nfqueue/nfqueue/go"
)

const hostileQueue = 8

// hostileDatagrams is every kind of foreign datagram once.
func hostileDatagrams(queueNum uint16, port int) [][]byte {
	var out [][]byte
	for _, claimed := range []uint32{0, 8, 15, 1000, 1 << 31, 0xffffffff} {
		out = append(out, lyingLength(claimed, 64))
	}
	// A message that parses, then one that lies, in one datagram.
	twoInOne := forgedPacket(queueNum, forgedID+1, forgedUDP(port, "forged 1"))
	out = append(out, append(twoInOne, lyingLength(1<<31, 64)...))
	out = append(out, truncatedAttribute(queueNum, forgedID+2))
	// Forged packets that parse, some with ids the kernel may have used:
	// a consumer that trusted them would verdict real packets.
	for id := uint32(0); id < 8; id++ {
		forged := forgedID + 10 + id
		if id >= 4 {
			forged = id + 1
		}
		out = append(out, forgedPacket(queueNum, forged, forgedUDP(port, "forged "+strconv.Itoa(int(id)))))
	}
	random := make([]byte, 65536)
	rng := rand.NewChaCha8([32]byte{12, 34, 5})
	_, _ = rng.Read(random)
	out = append(out, random)
	return append(out, nil) // empty: the kernel refuses to send it
}

func TestHostileDatagramsAreSkippedAndCounted(t *testing.T) {
	const real = 300
	num := uint32(hostileQueue)
	port := basePort + hostileQueue
	q := open(t, num, nil)
	portid := stats(t, q).PortID
	if portid == 0 {
		t.Fatal("Stats().PortID is 0: the queue's netlink port is unknown")
	}
	evil := newAttacker(t)
	arrived := newArrivals(t, port, true)
	tx := newSeqSender(t, port)

	delivered, refused := 0, map[string]int{}
	attack := func() {
		for _, d := range hostileDatagrams(uint16(num), port) {
			if err := evil.send(portid, d); err != nil {
				refused[err.Error()]++
			} else {
				delivered++
			}
		}
	}
	handed := map[int]int{}
	consume := func(want int) {
		t.Helper()
		pkts := make([]*nfqueue.Packet, 64)
		for got := 0; got < want; {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			n, err := q.Recv(ctx, pkts)
			cancel()
			if err != nil {
				t.Fatalf("Recv after %d of %d real packets: %v", got, want, err)
			}
			for _, p := range pkts[:n] {
				seq, ok := seqOf(p.Payload())
				if !ok || seq < 0 || seq >= real || p.ID() >= forgedID {
					t.Fatalf("a packet not ours was handed out: id %#x, data %q", p.ID(), udpData(p.Payload()))
				}
				handed[seq]++
				if seq%2 == 1 { // half retained: the owned path too
					kept, err := p.Retain()
					if err != nil {
						t.Fatal(err)
					}
					if err := kept.Accept(); err != nil {
						t.Fatalf("Accept retained: %v", err)
					}
					_ = kept.Release()
				} else if err := p.Accept(); err != nil {
					t.Fatalf("Accept: %v", err)
				}
			}
			got += n
		}
	}

	attack()
	tx.sendRange(0, real/3)
	attack()
	consume(real / 3)
	tx.sendRange(real/3, 2*real/3)
	attack()
	consume(real / 3)
	for seq := 2 * real / 3; seq < real; seq++ {
		tx.send(seq)
		if seq%25 == 0 {
			attack()
		}
	}
	consume(real - 2*real/3)
	if err := q.Flush(); err != nil {
		t.Fatal(err)
	}
	n := arrived.wait(real, 2*time.Second)
	// Whatever is still in the socket is read by one more receive.
	if k, err := q.TryRecv(make([]*nfqueue.Packet, 8)); err != nil || k != 0 {
		t.Fatalf("after the real packets: TryRecv gave %d packets, %v", k, err)
	}
	st := stats(t, q)
	t.Logf("%d hostile datagrams delivered to port %d (refused by the kernel: %v), %d real packets arrived; %s",
		delivered, portid, refused, n, describe(st))
	if delivered == 0 {
		t.Fatal("the kernel let no hostile datagram through: nothing was tested")
	}
	if n != real {
		t.Errorf("%d of %d real packets arrived after their verdict", n, real)
	}
	for seq := 0; seq < real; seq++ {
		if handed[seq] != 1 || arrived.seen[seq] != 1 {
			t.Errorf("datagram %d handed out %d times, arrived %d times", seq, handed[seq], arrived.seen[seq])
		}
	}
	if st.Skipped != uint64(delivered) {
		t.Errorf("Skipped is %d, %d foreign datagrams were delivered", st.Skipped, delivered)
	}
	if st.Waiting != 0 {
		t.Errorf("%d packets still wait for a verdict", st.Waiting)
	}
}

// The kernel itself refuses a sender without CAP_NET_ADMIN (uid 65534
// holds none): this test binary, re-run, becomes that user and tries.
func TestHostileSenderWithoutCapabilityIsRefused(t *testing.T) {
	q := open(t, hostileQueue, nil)
	portid := stats(t, q).PortID
	out, err := helperCommand(t, "unprivileged-send", strconv.FormatUint(uint64(portid), 10)).CombinedOutput()
	if err != nil {
		t.Fatalf("the unprivileged sender was not refused with EPERM: %v: %s", err, out)
	}
	if st := stats(t, q); st.Skipped != 0 {
		t.Errorf("Skipped %d: something reached the queue", st.Skipped)
	}
}

// helperUnprivilegedSend becomes uid 65534 (which drops every
// capability), then sends; exit 0 only if the kernel refuses with EPERM.
func helperUnprivilegedSend(args []string) int {
	portid, err := strconv.ParseUint(args[0], 10, 32)
	if err != nil {
		return 2
	}
	if err := syscall.Setresgid(65534, 65534, 65534); err != nil {
		os.Stderr.WriteString("setresgid: " + err.Error() + "\n")
		return 4
	}
	if err := syscall.Setresuid(65534, 65534, 65534); err != nil {
		os.Stderr.WriteString("setresuid: " + err.Error() + "\n")
		return 4
	}
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, netlinkNetfilter)
	if err != nil {
		os.Stderr.WriteString("socket: " + err.Error() + "\n")
		return 3
	}
	err = syscall.Sendto(fd, lyingLength(1<<31, 64), 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK, Pid: uint32(portid)})
	if !errors.Is(err, syscall.EPERM) {
		os.Stderr.WriteString("sendto as uid 65534 returned " + errString(err) + ", not EPERM\n")
		return 1
	}
	return 0
}

func errString(err error) string {
	if err == nil {
		return "success"
	}
	return err.Error()
}
