// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue

/*
#include "glue.h"
*/
import "C"

import (
	"runtime"
	"strconv"
	"sync/atomic"
	"time"
	"unsafe"
)

// Packet is one queued packet and its attributes.
//
// A packet handed out by Recv or Run is borrowed: it and every slice it
// returns are valid until the next receive on its queue (for Run: until
// the handler returns), unless Retain makes it the caller's. Using it
// later is caught by the library: its verdicts and PayloadErr then
// return ErrExpired, and its getters report nothing (zero, false, nil),
// never another packet's data.
//
// Attributes the kernel may omit come with a presence result (v, ok):
// absent is never reported as 0.
type Packet struct {
	q     *Queue
	c     *C.nfqueue_packet
	attrs *C.nfqueue_attrs // a receive slot (borrowed), or the packet's own (retained)
	gen   uint64           // the receive it came from
	id    uint32
	// stateVerdicted | stateRetained | stateReleased; atomic, as the
	// goroutine a retained packet went to may verdict it while its
	// receiver still looks whether it was retained.
	state   atomic.Uint32
	attrsRC C.int // nfqueue_packet_attrs()'s result when it was received

	cleanup runtime.Cleanup // retained packets: the safety net that frees it
}

const (
	stateVerdicted = 1 << iota // a verdict through this Packet succeeded
	stateRetained              // Retain succeeded: the caller owns it
	stateReleased              // Release was called
)

// view returns the packet's attributes while reading them is safe: the
// slot still holds this packet (or the retained packet is not released).
func (p *Packet) view() *C.nfqueue_attrs {
	if p == nil || p.attrs == nil || p.attrsRC != 0 || p.state.Load()&stateReleased != 0 {
		return nil
	}
	if p.state.Load()&stateRetained == 0 && p.gen != p.q.gen.Load() {
		return nil
	}
	return p.attrs
}

func (p *Packet) has(bit C.uint32_t) (*C.nfqueue_attrs, bool) {
	a := p.view()
	if a == nil || a.present&bit == 0 {
		return nil, false
	}
	return a, true
}

// ID returns the kernel's id of the packet in its queue (kept after expiry).
func (p *Packet) ID() uint32 { return p.id }

// QueueNum returns the number of the queue the packet came from.
func (p *Packet) QueueNum() uint32 {
	if a := p.view(); a != nil {
		return uint32(a.queue_num)
	}
	return 0
}

// HWProtocol returns the link-layer protocol (0x0800 for IPv4, ...).
func (p *Packet) HWProtocol() uint16 {
	if a := p.view(); a != nil {
		return uint16(a.hw_protocol)
	}
	return 0
}

// Hook returns the netfilter hook that queued the packet.
func (p *Packet) Hook() Hook {
	if a := p.view(); a != nil {
		return Hook(a.hook)
	}
	return -1
}

// Mark returns the packet's mark; the kernel sends none for mark 0.
func (p *Packet) Mark() (uint32, bool) {
	if a, ok := p.has(C.NFQUEUE_ATTR_MARK); ok {
		return uint32(a.mark), true
	}
	return 0, false
}

// Timestamp returns when the packet was received. Locally generated
// packets carry none.
func (p *Packet) Timestamp() (time.Time, bool) {
	if a, ok := p.has(C.NFQUEUE_ATTR_TIMESTAMP); ok {
		return time.Unix(int64(a.timestamp_sec), int64(a.timestamp_usec)*1000), true
	}
	return time.Time{}, false
}

var ifaceBits = [...]C.uint32_t{
	IfaceIn:      C.NFQUEUE_ATTR_INDEV,
	IfaceOut:     C.NFQUEUE_ATTR_OUTDEV,
	IfacePhysIn:  C.NFQUEUE_ATTR_PHYSINDEV,
	IfacePhysOut: C.NFQUEUE_ATTR_PHYSOUTDEV,
}

// IfIndex returns the index of one of the packet's interfaces.
func (p *Packet) IfIndex(which Iface) (uint32, bool) {
	if which < 0 || int(which) >= len(ifaceBits) {
		return 0, false
	}
	if a, ok := p.has(ifaceBits[which]); ok {
		return uint32(a.ifindex[which]), true
	}
	return 0, false
}

// InDev is IfIndex(IfaceIn).
func (p *Packet) InDev() (uint32, bool) { return p.IfIndex(IfaceIn) }

// OutDev is IfIndex(IfaceOut).
func (p *Packet) OutDev() (uint32, bool) { return p.IfIndex(IfaceOut) }

// PhysInDev is IfIndex(IfacePhysIn).
func (p *Packet) PhysInDev() (uint32, bool) { return p.IfIndex(IfacePhysIn) }

// PhysOutDev is IfIndex(IfacePhysOut).
func (p *Packet) PhysOutDev() (uint32, bool) { return p.IfIndex(IfacePhysOut) }

// IfName looks up the name of one of the packet's interfaces in the
// queue's network namespace: an error matching ErrNoAttr if the kernel
// sent no index, ErrNotFound if the interface is gone.
func (p *Packet) IfName(which Iface) (string, error) {
	var buf [C.NFQUEUE_IFNAMSIZ]C.char
	err := p.call("nfqueue_packet_ifname", func(c *C.nfqueue_packet) C.int {
		return C.nfqueue_packet_ifname(&buf[0], C.size_t(len(buf)), c, C.int(which))
	})
	if err != nil {
		return "", err
	}
	return C.GoString(&buf[0]), nil
}

// bytesOf is a slice over C memory, or nil.
func bytesOf(data *C.uint8_t, n C.size_t) []byte {
	if data == nil {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(data)), int(n))
}

// HWAddr returns the source hardware address. The slice points into the
// packet's memory: valid as long as the packet, do not modify it.
func (p *Packet) HWAddr() ([]byte, bool) {
	if a, ok := p.has(C.NFQUEUE_ATTR_HWADDR); ok {
		return bytesOf(a.hwaddr, a.hwaddr_len), true
	}
	return nil, false
}

// UID returns the uid of the local socket that owns the packet (FlagUIDGID).
func (p *Packet) UID() (uint32, bool) {
	if a, ok := p.has(C.NFQUEUE_ATTR_UID); ok {
		return uint32(a.uid), true
	}
	return 0, false
}

// GID returns the gid of the local socket that owns the packet (FlagUIDGID).
func (p *Packet) GID() (uint32, bool) {
	if a, ok := p.has(C.NFQUEUE_ATTR_GID); ok {
		return uint32(a.gid), true
	}
	return 0, false
}

// Secctx returns the packet's security context (FlagSecctx), copied.
func (p *Packet) Secctx() (string, bool) {
	if p != nil && p.q != nil && p.state.Load()&stateRetained == 0 {
		// Copied from the queue's receive buffer: keep Close from
		// freeing it meanwhile.
		if !p.q.pin() {
			return "", false // closed: the packet expired
		}
		defer p.q.unpin()
	}
	if a, ok := p.has(C.NFQUEUE_ATTR_SECCTX); ok {
		return C.GoStringN(a.secctx, C.int(a.secctx_len)), true
	}
	return "", false
}

// SkbInfo returns the skb info bits.
func (p *Packet) SkbInfo() (SkbInfo, bool) {
	if a, ok := p.has(C.NFQUEUE_ATTR_SKBINFO); ok {
		return SkbInfo(a.skbinfo), true
	}
	return 0, false
}

// Priority returns skb->priority; the kernel sends none for 0.
func (p *Packet) Priority() (uint32, bool) {
	if a, ok := p.has(C.NFQUEUE_ATTR_PRIORITY); ok {
		return uint32(a.priority), true
	}
	return 0, false
}

// VLAN returns the VLAN protocol and TCI, in host byte order.
func (p *Packet) VLAN() (proto, tci uint16, ok bool) {
	if a, ok := p.has(C.NFQUEUE_ATTR_VLAN); ok {
		return uint16(a.vlan_proto), uint16(a.vlan_tci), true
	}
	return 0, 0, false
}

// L2Hdr returns the link-layer header as the kernel saw it (bridge
// traffic). Valid as long as the packet, like HWAddr.
func (p *Packet) L2Hdr() ([]byte, bool) {
	if a, ok := p.has(C.NFQUEUE_ATTR_L2HDR); ok {
		return bytesOf(a.l2hdr, a.l2hdr_len), true
	}
	return nil, false
}

// CtInfo returns the conntrack state (the kernel's ip_conntrack_info: 0
// established, 1 related, 2 new, 3 established reply, 4 related reply);
// needs FlagConntrack.
func (p *Packet) CtInfo() (uint32, bool) {
	if a, ok := p.has(C.NFQUEUE_ATTR_CT_INFO); ok {
		return uint32(a.ct_info), true
	}
	return 0, false
}

// CtID returns the conntrack id (FlagConntrack).
func (p *Packet) CtID() (uint32, bool) {
	if a, ok := p.has(C.NFQUEUE_ATTR_CT_ID); ok {
		return uint32(a.ct_id), true
	}
	return 0, false
}

// CtStatus returns the conntrack status bits (FlagConntrack).
func (p *Packet) CtStatus() (uint32, bool) {
	if a, ok := p.has(C.NFQUEUE_ATTR_CT_STATUS); ok {
		return uint32(a.ct_status), true
	}
	return 0, false
}

// OrigLen returns the packet's length in the kernel, larger than the
// payload when the copy range truncated it; absent in copy mode meta.
func (p *Packet) OrigLen() (uint32, bool) {
	if a, ok := p.has(C.NFQUEUE_ATTR_ORIG_LEN); ok {
		return uint32(a.orig_len), true
	}
	return 0, false
}

// Payload returns the packet from its network header on: as received,
// or the replacement once a verdict gave one (WithPayload).
// It is zero-copy: the slice points into the library's receive buffer
// and is valid only until the next Recv (for Run: until the handler
// returns) or Close, unless the packet is retained; copy what you need
// to keep, and do not modify it (edit a copy and pass it WithPayload).
// nil when the kernel sent none (copy mode meta) or the packet expired;
// PayloadErr says which.
func (p *Packet) Payload() []byte {
	if a, ok := p.has(C.NFQUEUE_ATTR_PAYLOAD); ok {
		return bytesOf(a.payload, a.payload_len)
	}
	return nil
}

// PayloadErr is Payload with the library's reason when there is none:
// an error matching ErrNoAttr (copy mode meta) or ErrExpired.
func (p *Packet) PayloadErr() ([]byte, error) {
	if a, ok := p.has(C.NFQUEUE_ATTR_PAYLOAD); ok {
		return bytesOf(a.payload, a.payload_len), nil
	}
	// Ask the library, which knows why.
	var data *C.uint8_t
	var n C.size_t
	err := p.call("nfqueue_packet_payload", func(c *C.nfqueue_packet) C.int {
		return C.nfqueue_packet_payload(&data, &n, c)
	})
	if err != nil {
		return nil, err
	}
	return bytesOf(data, n), nil
}

// HasVerdict reports whether the packet has its verdict, as the library
// sees it (a batch verdict counts too).
func (p *Packet) HasVerdict() bool {
	var v C.int
	_ = p.call("nfqueue_packet_has_verdict", func(c *C.nfqueue_packet) C.int {
		v = C.nfqueue_packet_has_verdict(c)
		return 0
	})
	return v != 0
}

// call runs one C call on the packet's handle, under its queue's lock
// (Close then never frees the queue during the call: C leaves a call
// racing with nfqueue_queue_free undefined), and reads the message on
// the same thread if it fails.
func (p *Packet) call(op string, f func(c *C.nfqueue_packet) C.int) error {
	if err := p.usable(op); err != nil {
		return err
	}
	p.q.mu.RLock()
	defer p.q.mu.RUnlock()
	return check(op, func() C.int { return f(p.c) })
}

// usable refuses a nil or released-and-freed packet before C sees it.
func (p *Packet) usable(op string) error {
	if p == nil || p.c == nil {
		if p != nil && p.state.Load()&stateRetained != 0 {
			return usageError(C.NFQUEUE_E_EXPIRED, op, "packet "+strconv.FormatUint(uint64(p.id), 10)+
				" was released after Retain: it is gone, keep it until its last use")
		}
		return usageError(C.NFQUEUE_E_INVAL, op, "not a packet from Recv or Run (nil or zero Packet)")
	}
	return nil
}
