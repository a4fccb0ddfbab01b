// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue

/*
#include "glue.h"
*/
import "C"

import "strconv"

// Limits of nfqueue.h.
const (
	QueueNumMax  = C.NFQUEUE_QUEUE_NUM_MAX  // largest queue number the kernel accepts
	PayloadMax   = C.NFQUEUE_PAYLOAD_MAX    // largest payload one message carries, either way
	BatchSizeMax = C.NFQUEUE_BATCH_SIZE_MAX // largest batch Config.SetBatchSize accepts
	RcvBufMax    = C.NFQUEUE_RCVBUF_MAX     // largest receive buffer Config.SetRcvBuf accepts
	IfNameSize   = C.NFQUEUE_IFNAMSIZ       // an interface name's buffer, with its NUL
)

// Verdict is what the kernel does with a packet.
type Verdict int

// Verdicts, the kernel's NF_* values.
const (
	Drop   Verdict = C.NFQUEUE_DROP   // discard the packet
	Accept Verdict = C.NFQUEUE_ACCEPT // let it go on at the next hook function
	Repeat Verdict = C.NFQUEUE_REPEAT // send it through the same hook again
	Stop   Verdict = C.NFQUEUE_STOP   // accept it and skip the rest of this hook
)

func (v Verdict) String() string {
	switch v {
	case Drop:
		return "drop"
	case Accept:
		return "accept"
	case Repeat:
		return "repeat"
	case Stop:
		return "stop"
	}
	return "verdict(" + strconv.Itoa(int(v)) + ")"
}

// CopyMode says how much of each packet the kernel copies to userspace.
type CopyMode int

// Copy modes.
const (
	CopyNone   CopyMode = C.NFQUEUE_COPY_NONE   // nothing, not even metadata is promised
	CopyMeta   CopyMode = C.NFQUEUE_COPY_META   // metadata only, no payload
	CopyPacket CopyMode = C.NFQUEUE_COPY_PACKET // metadata and up to the copy range of payload
)

// Flag is a queue flag, the kernel's NFQA_CFG_F_* values; combine with |.
type Flag uint32

// Queue flags.
const (
	FlagFailOpen  Flag = C.NFQUEUE_FLAG_FAIL_OPEN // accept instead of drop when the queue is full
	FlagConntrack Flag = C.NFQUEUE_FLAG_CONNTRACK // report conntrack state
	FlagGSO       Flag = C.NFQUEUE_FLAG_GSO       // deliver GSO packets unsegmented
	FlagUIDGID    Flag = C.NFQUEUE_FLAG_UID_GID   // report uid and gid of the owning socket
	FlagSecctx    Flag = C.NFQUEUE_FLAG_SECCTX    // report the security context
)

// Hook is a netfilter hook, the kernel's NF_INET_* values.
type Hook int

// Hooks.
const (
	HookPrerouting  Hook = C.NFQUEUE_HOOK_PREROUTING
	HookInput       Hook = C.NFQUEUE_HOOK_INPUT
	HookForward     Hook = C.NFQUEUE_HOOK_FORWARD
	HookOutput      Hook = C.NFQUEUE_HOOK_OUTPUT
	HookPostrouting Hook = C.NFQUEUE_HOOK_POSTROUTING
)

func (h Hook) String() string {
	switch h {
	case HookPrerouting:
		return "prerouting"
	case HookInput:
		return "input"
	case HookForward:
		return "forward"
	case HookOutput:
		return "output"
	case HookPostrouting:
		return "postrouting"
	}
	return "hook(" + strconv.Itoa(int(h)) + ")"
}

// Iface names one of a packet's interfaces.
type Iface int

// Interfaces of a packet.
const (
	IfaceIn      Iface = C.NFQUEUE_IFACE_IN      // the device it came in on
	IfaceOut     Iface = C.NFQUEUE_IFACE_OUT     // the device it goes out on
	IfacePhysIn  Iface = C.NFQUEUE_IFACE_PHYSIN  // the bridge port it came in on
	IfacePhysOut Iface = C.NFQUEUE_IFACE_PHYSOUT // the bridge port it goes out on
)

// SkbInfo holds the skb info bits, the kernel's NFQA_SKB_* values.
type SkbInfo uint32

// Skb info bits.
const (
	SkbCsumNotReady    SkbInfo = C.NFQUEUE_SKB_CSUM_NOT_READY    // checksum left to the NIC
	SkbGSO             SkbInfo = C.NFQUEUE_SKB_GSO               // a GSO super-packet
	SkbCsumNotVerified SkbInfo = C.NFQUEUE_SKB_CSUM_NOT_VERIFIED // checksum not verified yet
)
