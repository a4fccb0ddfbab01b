// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue_test

// Netlink datagrams built by hand for the hostile-input tests, so that a
// test can lie in any field: messages that look like the kernel's
// NFQNL_MSG_PACKET, and broken ones. The layout is the kernel's
// (<linux/netlink.h>, <linux/netfilter/nfnetlink_queue.h>): header fields
// in host byte order, nfnetlink and attribute payloads in network order.

import (
	"encoding/binary"
	"fmt"
	"syscall"
	"testing"
)

const (
	netlinkNetfilter = 12                 // NETLINK_NETFILTER
	soSndbufForce    = 32                 // SO_SNDBUFFORCE
	msgQueuePacket   = 3 << 8             // NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_PACKET
	nlmsgHdrLen      = 16                 // struct nlmsghdr
	nfgenLen         = 4                  // struct nfgenmsg
	attrPacketHdr    = 1                  // NFQA_PACKET_HDR
	attrMark         = 3                  // NFQA_MARK
	attrPayload      = 10                 // NFQA_PAYLOAD
	forgedID         = uint32(0x7f000000) // ids of forged packets: far above any real one
)

func align4(n int) int { return (n + 3) &^ 3 }

func putAttr(b []byte, typ uint16, data []byte) []byte {
	var hdr [4]byte
	binary.NativeEndian.PutUint16(hdr[0:], uint16(4+len(data)))
	binary.NativeEndian.PutUint16(hdr[2:], typ)
	b = append(b, hdr[:]...)
	b = append(b, data...)
	return append(b, make([]byte, align4(len(data))-len(data))...)
}

// packetHeaders is an nlmsghdr (length left 0), the nfgenmsg of queue
// num and a packet header attribute with packet id id.
func packetHeaders(queueNum uint16, id uint32) []byte {
	b := make([]byte, nlmsgHdrLen, 256)
	binary.NativeEndian.PutUint16(b[4:], msgQueuePacket)
	b = append(b, syscall.AF_INET, 0, byte(queueNum>>8), byte(queueNum))
	hdr := make([]byte, 7) // nfqnl_msg_packet_hdr: id, hw_protocol, hook (packed)
	binary.BigEndian.PutUint32(hdr, id)
	binary.BigEndian.PutUint16(hdr[4:], 0x0800)
	hdr[6] = 3 // NF_INET_LOCAL_OUT
	return putAttr(b, attrPacketHdr, hdr)
}

func setLen(b []byte, n uint32) { binary.NativeEndian.PutUint32(b, n) }

// forgedPacket is a well-formed packet message: header, mark, payload.
func forgedPacket(queueNum uint16, id uint32, payload []byte) []byte {
	b := packetHeaders(queueNum, id)
	b = putAttr(b, attrMark, []byte{0, 0, 0x5a, 0x5a})
	b = putAttr(b, attrPayload, payload)
	setLen(b, uint32(len(b)))
	return b
}

// lyingLength is a packet message of actual bytes (at least the headers)
// whose nlmsg_len claims claimed.
func lyingLength(claimed uint32, actual int) []byte {
	b := packetHeaders(0, 1)
	for len(b) < actual {
		b = append(b, 0xa5)
	}
	setLen(b, claimed)
	return b
}

// truncatedAttribute is a packet message whose last attribute claims to
// run far past the message's end.
func truncatedAttribute(queueNum uint16, id uint32) []byte {
	payload := make([]byte, 16)
	payload[0] = 0x45
	b := forgedPacket(queueNum, id, payload)
	binary.NativeEndian.PutUint16(b[len(b)-4-len(payload):], 4000)
	return b
}

// forgedUDP is an IPv4 UDP datagram 127.0.0.1 -> 127.0.0.1:port whose
// data is text, as a queued packet's payload would look.
func forgedUDP(port int, text string) []byte {
	ip := make([]byte, 28, 28+len(text))
	ip[0], ip[8], ip[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(ip[2:], uint16(28+len(text)))
	copy(ip[12:], []byte{127, 0, 0, 1, 127, 0, 0, 1})
	binary.BigEndian.PutUint16(ip[20:], 40000)
	binary.BigEndian.PutUint16(ip[22:], uint16(port))
	binary.BigEndian.PutUint16(ip[24:], uint16(8+len(text)))
	return append(ip, text...)
}

// attacker is a NETLINK_NETFILTER socket of its own that sends datagrams
// straight to another socket's port id.
type attacker struct {
	fd int
}

func newAttacker(t testing.TB) *attacker {
	t.Helper()
	a, err := openAttacker()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(a.fd) })
	return a
}

func openAttacker() (*attacker, error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, netlinkNetfilter)
	if err != nil {
		return nil, fmt.Errorf("attacker socket: %w", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("attacker bind: %w", err)
	}
	// Room for the 64 KiB datagram whatever wmem_max says.
	_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, soSndbufForce, 1<<20)
	return &attacker{fd}, nil
}

// send delivers data to port id portid: nil, or the kernel's refusal.
func (a *attacker) send(portid uint32, data []byte) error {
	return syscall.Sendto(a.fd, data, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK, Pid: portid})
}
