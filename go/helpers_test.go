// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue_test

import (
	"context"
	"net"
	"sort"
	"strconv"
	"testing"
	"time"

	nfqueue "github.com/nfqueue/nfqueue/go"
)

// open binds queue num for the test and closes it at the end.
func open(t *testing.T, num uint32, cfg *nfqueue.Config) *nfqueue.Queue {
	t.Helper()
	needKernel(t)
	q, err := nfqueue.Open(num, cfg)
	if err != nil {
		t.Fatalf("Open(%d): %v", num, err)
	}
	t.Cleanup(func() { _ = q.Close() })
	return q
}

// receiver listens where queue num's packets go once accepted.
type receiver struct {
	t    *testing.T
	conn *net.UDPConn
}

func listen(t *testing.T, port int) *receiver {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &receiver{t, conn}
}

// expect collects datagrams until want of them came or a quiet second
// passed, and returns them sorted.
func (r *receiver) expect(want int) []string {
	var got []string
	buf := make([]byte, 70000)
	deadline := time.Now().Add(3 * time.Second)
	for len(got) < want || want == 0 {
		wait := time.Until(deadline)
		if len(got) >= want {
			wait = 300 * time.Millisecond // for want 0: anything unexpected
		}
		_ = r.conn.SetReadDeadline(time.Now().Add(wait))
		n, err := r.conn.Read(buf)
		if err != nil {
			break
		}
		got = append(got, string(buf[:n]))
	}
	sort.Strings(got)
	return got
}

func send(t *testing.T, port int, payloads ...string) {
	t.Helper()
	conn, err := net.Dial("udp4", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, p := range payloads {
		if _, err := conn.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
	}
}

// recvN receives until n packets came (Recv may hand them out in several
// batches); the packets of earlier batches are retained so that they
// stay usable.
func recvN(t *testing.T, q *nfqueue.Queue, n int) []*nfqueue.Packet {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var out []*nfqueue.Packet
	for len(out) < n {
		pkts := make([]*nfqueue.Packet, n-len(out))
		k, err := q.Recv(ctx, pkts)
		if err != nil {
			t.Fatalf("Recv after %d of %d packets: %v", len(out), n, err)
		}
		if len(out)+k < n {
			for _, p := range pkts[:k] {
				if _, err := p.Retain(); err != nil {
					t.Fatal(err)
				}
			}
		}
		out = append(out, pkts[:k]...)
	}
	return out
}

// udpData is the datagram inside an IPv4 packet without options.
func udpData(p []byte) string {
	if len(p) < 28 {
		return ""
	}
	return string(p[28:])
}
