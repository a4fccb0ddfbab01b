// SPDX-License-Identifier: GPL-2.0-or-later

//! Every attribute of a packet, read with one `nfqueue_packet_attrs()` call.
use std::marker::PhantomData;
use std::mem;
use std::slice;

use crate::error::{check, Result};
use nfqueue_sys as sys;

/// The netfilter hook a packet was queued from (the kernel's `NF_INET_*`).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hook {
    /// `NF_INET_PRE_ROUTING`.
    Prerouting,
    /// `NF_INET_LOCAL_IN`.
    Input,
    /// `NF_INET_FORWARD`.
    Forward,
    /// `NF_INET_LOCAL_OUT`.
    Output,
    /// `NF_INET_POST_ROUTING`.
    Postrouting,
    /// A value this crate does not know.
    Other(u16),
}

impl Hook {
    fn from_raw(hook: u16) -> Hook {
        match u32::from(hook) {
            sys::NFQUEUE_HOOK_PREROUTING => Hook::Prerouting,
            sys::NFQUEUE_HOOK_INPUT => Hook::Input,
            sys::NFQUEUE_HOOK_FORWARD => Hook::Forward,
            sys::NFQUEUE_HOOK_OUTPUT => Hook::Output,
            sys::NFQUEUE_HOOK_POSTROUTING => Hook::Postrouting,
            _ => Hook::Other(hook),
        }
    }

    /// The kernel's number of the hook.
    pub fn number(self) -> u16 {
        match self {
            Hook::Prerouting => sys::NFQUEUE_HOOK_PREROUTING as u16,
            Hook::Input => sys::NFQUEUE_HOOK_INPUT as u16,
            Hook::Forward => sys::NFQUEUE_HOOK_FORWARD as u16,
            Hook::Output => sys::NFQUEUE_HOOK_OUTPUT as u16,
            Hook::Postrouting => sys::NFQUEUE_HOOK_POSTROUTING as u16,
            Hook::Other(n) => n,
        }
    }
}

/// Which of a packet's interfaces.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Iface {
    /// The device the packet came in on.
    In,
    /// The device the packet goes out on.
    Out,
    /// The bridge port it came in on.
    PhysIn,
    /// The bridge port it goes out on.
    PhysOut,
}

impl Iface {
    pub(crate) fn index(self) -> usize {
        match self {
            Iface::In => sys::NFQUEUE_IFACE_IN as usize,
            Iface::Out => sys::NFQUEUE_IFACE_OUT as usize,
            Iface::PhysIn => sys::NFQUEUE_IFACE_PHYSIN as usize,
            Iface::PhysOut => sys::NFQUEUE_IFACE_PHYSOUT as usize,
        }
    }

    fn present_bit(self) -> u32 {
        match self {
            Iface::In => sys::NFQUEUE_ATTR_INDEV,
            Iface::Out => sys::NFQUEUE_ATTR_OUTDEV,
            Iface::PhysIn => sys::NFQUEUE_ATTR_PHYSINDEV,
            Iface::PhysOut => sys::NFQUEUE_ATTR_PHYSOUTDEV,
        }
    }
}

/// When the kernel received a packet, since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp {
    /// Seconds.
    pub secs: i64,
    /// Microseconds within the second.
    pub micros: i64,
}

/// A packet's VLAN tag, in host byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Vlan {
    /// The tag protocol (`ETH_P_8021Q`, ...).
    pub proto: u16,
    /// The tag control information.
    pub tci: u16,
}

/// Every attribute of a packet (interface names excepted, see
/// [`Packet::ifname`](crate::Packet::ifname)). An attribute the kernel did
/// not send is `None`, never 0. Borrows from the packet.
#[derive(Clone, Copy)]
pub struct Attrs<'p> {
    raw: sys::nfqueue_attrs,
    _packet: PhantomData<&'p ()>,
}

impl std::fmt::Debug for Attrs<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attrs")
            .field("id", &self.id())
            .field("queue_num", &self.queue_num())
            .field("hw_protocol", &self.hw_protocol())
            .field("hook", &self.hook())
            .field("mark", &self.mark())
            .field("payload_len", &self.payload().map(<[u8]>::len))
            .finish_non_exhaustive()
    }
}

impl<'p> Attrs<'p> {
    /// Read every attribute of the packet behind `packet`, valid for `'p`.
    pub(crate) fn read(packet: *const sys::nfqueue_packet) -> Result<Attrs<'p>> {
        // SAFETY: nfqueue_attrs is plain integers and pointers, for which
        // all-zero is a valid value.
        let mut raw: sys::nfqueue_attrs = unsafe { mem::zeroed() };
        raw.size = mem::size_of::<sys::nfqueue_attrs>();
        // SAFETY: raw is a valid out-struct with its size set; packet is a
        // live handle the caller borrows for 'p, and the pointers the
        // library writes stay valid as long as the packet's payload, 'p.
        check(unsafe { sys::nfqueue_packet_attrs(&mut raw, packet) })?;
        Ok(Attrs { raw, _packet: PhantomData })
    }

    fn has(&self, bit: u32) -> bool {
        self.raw.present & bit != 0
    }

    fn value<T>(&self, bit: u32, value: T) -> Option<T> {
        self.has(bit).then_some(value)
    }

    fn bytes(&self, bit: u32, data: *const u8, len: usize) -> Option<&'p [u8]> {
        if !self.has(bit) {
            return None;
        }
        if len == 0 || data.is_null() {
            return Some(&[]);
        }
        // SAFETY: the library reports `len` bytes at `data`, borrowed from
        // the packet, which outlives 'p.
        Some(unsafe { slice::from_raw_parts(data, len) })
    }

    /// The kernel's id of the packet in its queue.
    pub fn id(&self) -> u32 {
        self.raw.id
    }
    /// The queue the packet came from.
    pub fn queue_num(&self) -> u32 {
        self.raw.queue_num
    }
    /// The link-layer protocol (`ETH_P_IP`, ...), host byte order.
    pub fn hw_protocol(&self) -> u16 {
        self.raw.hw_protocol
    }
    /// The netfilter hook.
    pub fn hook(&self) -> Hook {
        Hook::from_raw(self.raw.hook)
    }
    /// The packet's mark (the kernel sends none for mark 0).
    pub fn mark(&self) -> Option<u32> {
        self.value(sys::NFQUEUE_ATTR_MARK, self.raw.mark)
    }
    /// When the packet was received.
    pub fn timestamp(&self) -> Option<Timestamp> {
        self.value(
            sys::NFQUEUE_ATTR_TIMESTAMP,
            Timestamp { secs: self.raw.timestamp_sec, micros: self.raw.timestamp_usec },
        )
    }
    /// The interface index of `which`.
    pub fn ifindex(&self, which: Iface) -> Option<u32> {
        self.value(which.present_bit(), self.raw.ifindex[which.index()])
    }
    /// The source hardware address.
    pub fn hwaddr(&self) -> Option<&'p [u8]> {
        self.bytes(sys::NFQUEUE_ATTR_HWADDR, self.raw.hwaddr, self.raw.hwaddr_len)
    }
    /// uid of the local socket that owns the packet ([`Flags::UID_GID`](crate::Flags::UID_GID)).
    pub fn uid(&self) -> Option<u32> {
        self.value(sys::NFQUEUE_ATTR_UID, self.raw.uid)
    }
    /// gid of the local socket that owns the packet.
    pub fn gid(&self) -> Option<u32> {
        self.value(sys::NFQUEUE_ATTR_GID, self.raw.gid)
    }
    /// The security context, as bytes (not NUL-terminated, usually UTF-8).
    pub fn secctx(&self) -> Option<&'p [u8]> {
        self.bytes(sys::NFQUEUE_ATTR_SECCTX, self.raw.secctx.cast(), self.raw.secctx_len)
    }
    /// The skb info bits ([`SKB_GSO`](crate::SKB_GSO), ...).
    pub fn skbinfo(&self) -> Option<u32> {
        self.value(sys::NFQUEUE_ATTR_SKBINFO, self.raw.skbinfo)
    }
    /// `skb->priority` (the kernel sends none for 0).
    pub fn priority(&self) -> Option<u32> {
        self.value(sys::NFQUEUE_ATTR_PRIORITY, self.raw.priority)
    }
    /// The VLAN tag.
    pub fn vlan(&self) -> Option<Vlan> {
        self.value(sys::NFQUEUE_ATTR_VLAN, Vlan { proto: self.raw.vlan_proto, tci: self.raw.vlan_tci })
    }
    /// The link-layer header as the kernel saw it (bridge traffic).
    pub fn l2hdr(&self) -> Option<&'p [u8]> {
        self.bytes(sys::NFQUEUE_ATTR_L2HDR, self.raw.l2hdr, self.raw.l2hdr_len)
    }
    /// Conntrack state ([`Flags::CONNTRACK`](crate::Flags::CONNTRACK)).
    pub fn ct_info(&self) -> Option<u32> {
        self.value(sys::NFQUEUE_ATTR_CT_INFO, self.raw.ct_info)
    }
    /// Conntrack id.
    pub fn ct_id(&self) -> Option<u32> {
        self.value(sys::NFQUEUE_ATTR_CT_ID, self.raw.ct_id)
    }
    /// Conntrack status bits.
    pub fn ct_status(&self) -> Option<u32> {
        self.value(sys::NFQUEUE_ATTR_CT_STATUS, self.raw.ct_status)
    }
    /// The packet's length in the kernel (more than the payload when the
    /// copy range cut it); `None` in copy mode meta.
    pub fn orig_len(&self) -> Option<u32> {
        self.value(sys::NFQUEUE_ATTR_ORIG_LEN, self.raw.orig_len)
    }
    /// The payload from the network header on (the replacement once one
    /// was set); `None` without payload (copy mode meta).
    pub fn payload(&self) -> Option<&'p [u8]> {
        self.bytes(sys::NFQUEUE_ATTR_PAYLOAD, self.raw.payload, self.raw.payload_len)
    }
}
