// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue_test

// Numbered traffic for the reliability tests: datagrams "seq N" sent to a
// queued port, counted one by one where they arrive, and a queue drained
// until it stays quiet.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	nfqueue "github.com/nfqueue/nfqueue/go"
)

// seqSender sends "seq N" datagrams to one port on loopback.
type seqSender struct {
	t    testing.TB
	conn net.Conn
	buf  []byte
}

func newSeqSender(t testing.TB, port int) *seqSender {
	t.Helper()
	conn, err := net.Dial("udp4", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	// A queued datagram still counts against its sender's buffer: with
	// the default one, a few hundred waiting for verdicts block the
	// sender, and with it a test that sends a round before receiving it.
	raw, err := conn.(*net.UDPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, soSndbufForce, 16<<20)
	}); err != nil || serr != nil {
		t.Fatalf("SO_SNDBUFFORCE: %v %v", err, serr)
	}
	return &seqSender{t: t, conn: conn}
}

// send sends datagram seq. A full kernel queue or a dropping verdict
// makes the kernel refuse it (EPERM, ENOBUFS): not the sender's business,
// the tests count what arrives.
func (s *seqSender) send(seq int) {
	s.buf = strconv.AppendInt(append(s.buf[:0], "seq "...), int64(seq), 10)
	if _, err := s.conn.Write(s.buf); err != nil &&
		!errors.Is(err, syscall.EPERM) && !errors.Is(err, syscall.ENOBUFS) {
		s.t.Fatalf("send seq %d: %v", seq, err)
	}
}

func (s *seqSender) sendRange(from, to int) {
	for seq := from; seq < to; seq++ {
		s.send(seq)
	}
}

// seqOf reads the number of a "seq N" datagram from a queued IPv4 packet.
func seqOf(packet []byte) (int, bool) {
	text, ok := strings.CutPrefix(udpData(packet), "seq ")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(text)
	return n, err == nil
}

// arrivals receives the datagrams that got through, counting each number.
type arrivals struct {
	t    testing.TB
	conn *net.UDPConn
	seen map[int]int // nil: count only
	buf  []byte
}

func newArrivals(t testing.TB, port int, record bool) *arrivals {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetReadBuffer(4 << 20)
	a := &arrivals{t: t, conn: conn, buf: make([]byte, 2048)}
	if record {
		a.seen = map[int]int{}
	}
	return a
}

// wait receives until want datagrams came or none came for quiet, and
// returns how many came. With want 0 it waits one quiet period for
// anything unexpected.
func (a *arrivals) wait(want int, quiet time.Duration) int {
	got := 0
	for got < want || want == 0 {
		_ = a.conn.SetReadDeadline(time.Now().Add(quiet))
		n, err := a.conn.Read(a.buf)
		if err != nil {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				a.t.Fatalf("receive: %v", err)
			}
			break
		}
		got++
		if a.seen != nil {
			seq, err := strconv.Atoi(strings.TrimPrefix(string(a.buf[:n]), "seq "))
			if err != nil {
				a.t.Fatalf("a datagram that no test sent arrived: %q", a.buf[:n])
			}
			a.seen[seq]++
		}
	}
	return got
}

// drain receives and accepts until want packets came or the queue stayed
// quiet for quiet; ErrNoBufs reports are counted, not errors.
func drain(t testing.TB, q *nfqueue.Queue, want int, quiet time.Duration) (got, nobufs int) {
	t.Helper()
	pkts := make([]*nfqueue.Packet, 64)
	for got < want {
		ctx, cancel := context.WithTimeout(context.Background(), quiet)
		n, err := q.Recv(ctx, pkts)
		cancel()
		switch {
		case errors.Is(err, nfqueue.ErrNoBufs):
			nobufs++
			continue
		case errors.Is(err, context.DeadlineExceeded):
			return got, nobufs
		case err != nil:
			t.Fatalf("Recv after %d packets: %v", got, err)
		}
		for _, p := range pkts[:n] {
			if err := p.Accept(); err != nil {
				t.Fatalf("Accept: %v", err)
			}
		}
		got += n
	}
	return got, nobufs
}

// stats reads the queue's counters or ends the test.
func stats(t testing.TB, q *nfqueue.Queue) nfqueue.Stats {
	t.Helper()
	st, err := q.Stats()
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return st
}

func describe(st nfqueue.Stats) string {
	return fmt.Sprintf("waiting %d, queue_dropped %d, user_dropped %d, enobufs %d, skipped %d, verdict_errors %d",
		st.Waiting, st.QueueDropped, st.UserDropped, st.Enobufs, st.Skipped, st.VerdictErrors)
}
