// SPDX-License-Identifier: GPL-2.0-or-later

//! Raw declarations of libnfqueue's public header, `nfqueue.h` (ABI
//! version 1, symbol nodes `NFQUEUE_1.0` and `NFQUEUE_1.1`).
//!
//! Every type, constant and function of the header is declared here by
//! hand, with the header's names; the `systest` crate of this workspace
//! runs bindgen on the header and fails if any declaration differs
//! (a constant's value, a function's signature, a struct's size or field
//! offsets). The header's comments state ownership and threading for
//! every call: read them there, this crate only repeats the shapes.
//!
//! For a safe API (borrowed packets tied to their queue by lifetimes,
//! `Drop`, `Result`), use the `nfqueue1` crate.
#![no_std]
#![allow(non_camel_case_types)]

use core::ffi::{c_char, c_int, c_uint, c_void};
use core::marker::{PhantomData, PhantomPinned};

// ---- macros -------------------------------------------------------------

pub const NFQUEUE_VERSION_MAJOR: u32 = 1;
pub const NFQUEUE_VERSION_MINOR: u32 = 1;
pub const NFQUEUE_VERSION_PATCH: u32 = 0;
/// NUL-terminated, as the C string literal is.
pub const NFQUEUE_VERSION_STRING: &[u8; 6] = b"1.1.0\0";
pub const NFQUEUE_ABI_VERSION: u32 = 1;
pub const NFQUEUE_QUEUE_NUM_MAX: u32 = 65535;
pub const NFQUEUE_PAYLOAD_MAX: u32 = 65531;
pub const NFQUEUE_IFNAMSIZ: u32 = 16;
pub const NFQUEUE_BATCH_SIZE_MAX: u32 = 4096;
pub const NFQUEUE_RCVBUF_MAX: u32 = (1 << 30) - 1;

// ---- enums (C enums are ints: signed where a value is negative) ---------

pub type nfqueue_error = c_int;
pub const NFQUEUE_OK: nfqueue_error = 0;
pub const NFQUEUE_E_PERM: nfqueue_error = -1;
pub const NFQUEUE_E_NOENT: nfqueue_error = -2;
pub const NFQUEUE_E_INTR: nfqueue_error = -4;
pub const NFQUEUE_E_IO: nfqueue_error = -5;
pub const NFQUEUE_E_AGAIN: nfqueue_error = -11;
pub const NFQUEUE_E_NOMEM: nfqueue_error = -12;
pub const NFQUEUE_E_BUSY: nfqueue_error = -16;
pub const NFQUEUE_E_INVAL: nfqueue_error = -22;
pub const NFQUEUE_E_NOATTR: nfqueue_error = -61;
pub const NFQUEUE_E_TOOBIG: nfqueue_error = -90;
pub const NFQUEUE_E_NOTSUP: nfqueue_error = -95;
pub const NFQUEUE_E_NOBUFS: nfqueue_error = -105;
pub const NFQUEUE_E_CLOSED: nfqueue_error = -1001;
pub const NFQUEUE_E_VERDICT_GIVEN: nfqueue_error = -1002;
pub const NFQUEUE_E_EXPIRED: nfqueue_error = -1003;
pub const NFQUEUE_E_STOPPED: nfqueue_error = -1004;
pub const NFQUEUE_E_CALLBACK: nfqueue_error = -1005;

pub type nfqueue_copy_mode = c_uint;
pub const NFQUEUE_COPY_NONE: nfqueue_copy_mode = 0;
pub const NFQUEUE_COPY_META: nfqueue_copy_mode = 1;
pub const NFQUEUE_COPY_PACKET: nfqueue_copy_mode = 2;

pub type nfqueue_flag = c_uint;
pub const NFQUEUE_FLAG_FAIL_OPEN: nfqueue_flag = 1 << 0;
pub const NFQUEUE_FLAG_CONNTRACK: nfqueue_flag = 1 << 1;
pub const NFQUEUE_FLAG_GSO: nfqueue_flag = 1 << 2;
pub const NFQUEUE_FLAG_UID_GID: nfqueue_flag = 1 << 3;
pub const NFQUEUE_FLAG_SECCTX: nfqueue_flag = 1 << 4;

pub type nfqueue_verdict = c_uint;
pub const NFQUEUE_DROP: nfqueue_verdict = 0;
pub const NFQUEUE_ACCEPT: nfqueue_verdict = 1;
pub const NFQUEUE_REPEAT: nfqueue_verdict = 4;
pub const NFQUEUE_STOP: nfqueue_verdict = 5;

pub type nfqueue_queue_flag = c_uint;
pub const NFQUEUE_QUEUE_BYPASS: nfqueue_queue_flag = 1 << 0;

pub type nfqueue_hook = c_uint;
pub const NFQUEUE_HOOK_PREROUTING: nfqueue_hook = 0;
pub const NFQUEUE_HOOK_INPUT: nfqueue_hook = 1;
pub const NFQUEUE_HOOK_FORWARD: nfqueue_hook = 2;
pub const NFQUEUE_HOOK_OUTPUT: nfqueue_hook = 3;
pub const NFQUEUE_HOOK_POSTROUTING: nfqueue_hook = 4;

pub type nfqueue_iface = c_uint;
pub const NFQUEUE_IFACE_IN: nfqueue_iface = 0;
pub const NFQUEUE_IFACE_OUT: nfqueue_iface = 1;
pub const NFQUEUE_IFACE_PHYSIN: nfqueue_iface = 2;
pub const NFQUEUE_IFACE_PHYSOUT: nfqueue_iface = 3;

pub type nfqueue_skbinfo = c_uint;
pub const NFQUEUE_SKB_CSUM_NOT_READY: nfqueue_skbinfo = 1 << 0;
pub const NFQUEUE_SKB_GSO: nfqueue_skbinfo = 1 << 1;
pub const NFQUEUE_SKB_CSUM_NOT_VERIFIED: nfqueue_skbinfo = 1 << 2;

pub type nfqueue_attr = c_uint;
pub const NFQUEUE_ATTR_MARK: nfqueue_attr = 1 << 0;
pub const NFQUEUE_ATTR_TIMESTAMP: nfqueue_attr = 1 << 1;
pub const NFQUEUE_ATTR_INDEV: nfqueue_attr = 1 << 2;
pub const NFQUEUE_ATTR_OUTDEV: nfqueue_attr = 1 << 3;
pub const NFQUEUE_ATTR_PHYSINDEV: nfqueue_attr = 1 << 4;
pub const NFQUEUE_ATTR_PHYSOUTDEV: nfqueue_attr = 1 << 5;
pub const NFQUEUE_ATTR_HWADDR: nfqueue_attr = 1 << 6;
pub const NFQUEUE_ATTR_UID: nfqueue_attr = 1 << 7;
pub const NFQUEUE_ATTR_GID: nfqueue_attr = 1 << 8;
pub const NFQUEUE_ATTR_SECCTX: nfqueue_attr = 1 << 9;
pub const NFQUEUE_ATTR_SKBINFO: nfqueue_attr = 1 << 10;
pub const NFQUEUE_ATTR_PRIORITY: nfqueue_attr = 1 << 11;
pub const NFQUEUE_ATTR_VLAN: nfqueue_attr = 1 << 12;
pub const NFQUEUE_ATTR_L2HDR: nfqueue_attr = 1 << 13;
pub const NFQUEUE_ATTR_CT_INFO: nfqueue_attr = 1 << 14;
pub const NFQUEUE_ATTR_CT_ID: nfqueue_attr = 1 << 15;
pub const NFQUEUE_ATTR_CT_STATUS: nfqueue_attr = 1 << 16;
pub const NFQUEUE_ATTR_PAYLOAD: nfqueue_attr = 1 << 17;
pub const NFQUEUE_ATTR_ORIG_LEN: nfqueue_attr = 1 << 18;

pub type nfqueue_spec_flag = c_uint;
pub const NFQUEUE_SPEC_MARK: nfqueue_spec_flag = 1 << 0;
pub const NFQUEUE_SPEC_PAYLOAD: nfqueue_spec_flag = 1 << 1;
pub const NFQUEUE_SPEC_QUEUE: nfqueue_spec_flag = 1 << 2;
pub const NFQUEUE_SPEC_BYPASS: nfqueue_spec_flag = 1 << 3;

// ---- opaque types ---------------------------------------------------------

/// A queue configuration (opaque; `nfqueue_config_new`/`_free`).
#[repr(C)]
pub struct nfqueue_config {
    _p: [u8; 0],
    _m: PhantomData<(*mut u8, PhantomPinned)>,
}

/// A bound queue (opaque; `nfqueue_queue_open`/`_free`).
#[repr(C)]
pub struct nfqueue_queue {
    _p: [u8; 0],
    _m: PhantomData<(*mut u8, PhantomPinned)>,
}

/// A packet, borrowed from its queue or retained (opaque).
#[repr(C)]
pub struct nfqueue_packet {
    _p: [u8; 0],
    _m: PhantomData<(*mut u8, PhantomPinned)>,
}

/// `nfqueue_queue_run()`'s and `_dispatch()`'s per-packet callback.
pub type nfqueue_callback =
    Option<unsafe extern "C" fn(packet: *mut nfqueue_packet, userdata: *mut c_void) -> c_int>;

// ---- caller-owned structs (1.1), `size` first so they can grow ------------

/// Every attribute of a packet, for `nfqueue_packet_attrs()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct nfqueue_attrs {
    pub size: usize,
    pub present: u32,
    pub id: u32,
    pub queue_num: u32,
    pub hw_protocol: u16,
    pub hook: u16,
    pub mark: u32,
    pub ifindex: [u32; 4],
    pub uid: u32,
    pub gid: u32,
    pub skbinfo: u32,
    pub priority: u32,
    pub vlan_proto: u16,
    pub vlan_tci: u16,
    pub ct_info: u32,
    pub ct_id: u32,
    pub ct_status: u32,
    pub orig_len: u32,
    pub timestamp_sec: i64,
    pub timestamp_usec: i64,
    pub hwaddr: *const u8,
    pub hwaddr_len: usize,
    pub secctx: *const c_char,
    pub secctx_len: usize,
    pub l2hdr: *const u8,
    pub l2hdr_len: usize,
    pub payload: *const u8,
    pub payload_len: usize,
}

/// One packet's verdict for `nfqueue_queue_verdict_packets()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct nfqueue_verdict_spec {
    pub size: usize,
    pub packet: *mut nfqueue_packet,
    pub verdict: c_int,
    pub flags: u32,
    pub mark: u32,
    pub queue_num: u32,
    pub payload: *const c_void,
    pub payload_len: usize,
}

/// A queue's counters, for `nfqueue_queue_stats()`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct nfqueue_stats {
    pub size: usize,
    pub portid: u32,
    pub waiting: u32,
    pub queue_dropped: u64,
    pub user_dropped: u64,
    pub id_sequence: u32,
    pub rcvbuf: u32,
    pub enobufs: u64,
    pub skipped: u64,
    pub verdict_errors: u64,
    pub unstored: u64,
}

// ---- functions ------------------------------------------------------------

extern "C" {
    // Errors
    pub fn nfqueue_strerror(code: c_int) -> *const c_char;
    pub fn nfqueue_last_error() -> *const c_char;
    pub fn nfqueue_clear_error();

    // Versions
    pub fn nfqueue_version() -> *const c_char;
    pub fn nfqueue_abi_version() -> c_int;

    // Configuration
    pub fn nfqueue_config_new(out: *mut *mut nfqueue_config) -> c_int;
    pub fn nfqueue_config_free(config: *mut nfqueue_config);
    pub fn nfqueue_config_set_copy_mode(config: *mut nfqueue_config, mode: c_int, range: u32) -> c_int;
    pub fn nfqueue_config_set_max_len(config: *mut nfqueue_config, max_len: u32) -> c_int;
    pub fn nfqueue_config_set_flags(config: *mut nfqueue_config, flags: u32) -> c_int;
    pub fn nfqueue_config_set_rcvbuf(config: *mut nfqueue_config, bytes: u32) -> c_int;
    pub fn nfqueue_config_set_no_enobufs(config: *mut nfqueue_config, enable: c_int) -> c_int;
    pub fn nfqueue_config_set_default_verdict(config: *mut nfqueue_config, verdict: c_int) -> c_int;
    pub fn nfqueue_config_set_fd(config: *mut nfqueue_config, fd: c_int) -> c_int;
    pub fn nfqueue_config_set_netns(config: *mut nfqueue_config, path: *const c_char) -> c_int;
    pub fn nfqueue_config_set_batch_size(config: *mut nfqueue_config, packets: u32) -> c_int;

    // Queues
    pub fn nfqueue_queue_open(
        out: *mut *mut nfqueue_queue,
        queue_num: u32,
        config: *const nfqueue_config,
    ) -> c_int;
    pub fn nfqueue_queue_close(queue: *mut nfqueue_queue) -> c_int;
    pub fn nfqueue_queue_free(queue: *mut nfqueue_queue);
    pub fn nfqueue_queue_num(queue: *const nfqueue_queue) -> u32;
    pub fn nfqueue_queue_fd(queue: *const nfqueue_queue) -> c_int;
    pub fn nfqueue_queue_run(
        queue: *mut nfqueue_queue,
        callback: nfqueue_callback,
        userdata: *mut c_void,
    ) -> c_int;
    pub fn nfqueue_queue_dispatch(
        out_count: *mut usize,
        queue: *mut nfqueue_queue,
        callback: nfqueue_callback,
        userdata: *mut c_void,
    ) -> c_int;
    pub fn nfqueue_queue_pull(
        out: *mut *mut nfqueue_packet,
        max: usize,
        out_count: *mut usize,
        queue: *mut nfqueue_queue,
        timeout_ms: c_int,
    ) -> c_int;
    pub fn nfqueue_queue_stop(queue: *mut nfqueue_queue) -> c_int;
    pub fn nfqueue_queue_verdict_batch(
        queue: *mut nfqueue_queue,
        up_to_id: u32,
        verdict: c_int,
        set_mark: c_int,
        mark: u32,
    ) -> c_int;
    pub fn nfqueue_queue_enobufs_count(queue: *const nfqueue_queue) -> u64;

    // Packets: metadata
    pub fn nfqueue_packet_id(packet: *const nfqueue_packet) -> u32;
    pub fn nfqueue_packet_queue_num(packet: *const nfqueue_packet) -> u32;
    pub fn nfqueue_packet_hw_protocol(packet: *const nfqueue_packet) -> u16;
    pub fn nfqueue_packet_hook(packet: *const nfqueue_packet) -> c_int;
    pub fn nfqueue_packet_mark(out: *mut u32, packet: *const nfqueue_packet) -> c_int;
    pub fn nfqueue_packet_timestamp(
        out_sec: *mut i64,
        out_usec: *mut i64,
        packet: *const nfqueue_packet,
    ) -> c_int;
    pub fn nfqueue_packet_ifindex(out: *mut u32, packet: *const nfqueue_packet, which: c_int) -> c_int;
    pub fn nfqueue_packet_ifname(
        out: *mut c_char,
        size: usize,
        packet: *const nfqueue_packet,
        which: c_int,
    ) -> c_int;
    pub fn nfqueue_packet_hwaddr(
        out: *mut *const u8,
        out_len: *mut usize,
        packet: *const nfqueue_packet,
    ) -> c_int;
    pub fn nfqueue_packet_uid(out: *mut u32, packet: *const nfqueue_packet) -> c_int;
    pub fn nfqueue_packet_gid(out: *mut u32, packet: *const nfqueue_packet) -> c_int;
    pub fn nfqueue_packet_secctx(
        out: *mut *const c_char,
        out_len: *mut usize,
        packet: *const nfqueue_packet,
    ) -> c_int;
    pub fn nfqueue_packet_skbinfo(out: *mut u32, packet: *const nfqueue_packet) -> c_int;
    pub fn nfqueue_packet_priority(out: *mut u32, packet: *const nfqueue_packet) -> c_int;
    pub fn nfqueue_packet_orig_len(out: *mut u32, packet: *const nfqueue_packet) -> c_int;
    pub fn nfqueue_packet_vlan(
        out_proto: *mut u16,
        out_tci: *mut u16,
        packet: *const nfqueue_packet,
    ) -> c_int;
    pub fn nfqueue_packet_l2hdr(
        out: *mut *const u8,
        out_len: *mut usize,
        packet: *const nfqueue_packet,
    ) -> c_int;
    pub fn nfqueue_packet_ct_info(out: *mut u32, packet: *const nfqueue_packet) -> c_int;
    pub fn nfqueue_packet_ct_id(out: *mut u32, packet: *const nfqueue_packet) -> c_int;
    pub fn nfqueue_packet_ct_status(out: *mut u32, packet: *const nfqueue_packet) -> c_int;
    pub fn nfqueue_packet_payload(
        out: *mut *const u8,
        out_len: *mut usize,
        packet: *const nfqueue_packet,
    ) -> c_int;

    // Packets: lifetime and verdicts
    pub fn nfqueue_packet_retain(packet: *mut nfqueue_packet) -> c_int;
    pub fn nfqueue_packet_free(packet: *mut nfqueue_packet);
    pub fn nfqueue_packet_has_verdict(packet: *const nfqueue_packet) -> c_int;
    pub fn nfqueue_packet_set_mark(packet: *mut nfqueue_packet, mark: u32) -> c_int;
    pub fn nfqueue_packet_set_payload(packet: *mut nfqueue_packet, data: *const c_void, len: usize) -> c_int;
    pub fn nfqueue_packet_verdict(packet: *mut nfqueue_packet, verdict: c_int) -> c_int;
    pub fn nfqueue_packet_verdict_queue(packet: *mut nfqueue_packet, queue_num: u32, flags: u32) -> c_int;

    // 1.1
    pub fn nfqueue_packet_release(packet: *mut nfqueue_packet) -> c_int;
    pub fn nfqueue_packet_attrs(out: *mut nfqueue_attrs, packet: *const nfqueue_packet) -> c_int;
    pub fn nfqueue_queue_verdict_packets(
        out_index: *mut usize,
        queue: *mut nfqueue_queue,
        specs: *const nfqueue_verdict_spec,
        count: usize,
    ) -> c_int;
    pub fn nfqueue_config_set_coalesce(config: *mut nfqueue_config, enable: c_int) -> c_int;
    pub fn nfqueue_queue_flush(queue: *mut nfqueue_queue) -> c_int;
    pub fn nfqueue_config_set_interruptible(config: *mut nfqueue_config, enable: c_int) -> c_int;
    pub fn nfqueue_config_set_nobufs_errors(config: *mut nfqueue_config, enable: c_int) -> c_int;
    pub fn nfqueue_config_get_copy_mode(
        out_mode: *mut c_int,
        out_range: *mut u32,
        config: *const nfqueue_config,
    ) -> c_int;
    pub fn nfqueue_config_get_max_len(out: *mut u32, config: *const nfqueue_config) -> c_int;
    pub fn nfqueue_config_get_flags(out: *mut u32, config: *const nfqueue_config) -> c_int;
    pub fn nfqueue_config_get_rcvbuf(out: *mut u32, config: *const nfqueue_config) -> c_int;
    pub fn nfqueue_config_get_no_enobufs(out: *mut c_int, config: *const nfqueue_config) -> c_int;
    pub fn nfqueue_config_get_default_verdict(out: *mut c_int, config: *const nfqueue_config) -> c_int;
    pub fn nfqueue_config_get_fd(out: *mut c_int, config: *const nfqueue_config) -> c_int;
    pub fn nfqueue_config_get_netns(out: *mut *const c_char, config: *const nfqueue_config) -> c_int;
    pub fn nfqueue_config_get_batch_size(out: *mut u32, config: *const nfqueue_config) -> c_int;
    pub fn nfqueue_config_get_coalesce(out: *mut c_int, config: *const nfqueue_config) -> c_int;
    pub fn nfqueue_config_get_interruptible(out: *mut c_int, config: *const nfqueue_config) -> c_int;
    pub fn nfqueue_config_get_nobufs_errors(out: *mut c_int, config: *const nfqueue_config) -> c_int;
    pub fn nfqueue_queue_stats(out: *mut nfqueue_stats, queue: *mut nfqueue_queue) -> c_int;
    pub fn nfqueue_check_permission(config: *const nfqueue_config) -> c_int;

    // Checksums
    pub fn nfqueue_checksum_update(data: *mut u8, len: usize) -> c_int;
    pub fn nfqueue_checksum_ipv4_header(data: *mut u8, len: usize) -> c_int;
    pub fn nfqueue_checksum_transport(data: *mut u8, len: usize) -> c_int;
}
