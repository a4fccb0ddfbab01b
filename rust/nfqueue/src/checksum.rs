// SPDX-License-Identifier: GPL-2.0-or-later

//! Checksum helpers for payloads edited before they replace a packet's:
//! the library's `nfqueue_checksum_*` functions on a Rust slice.
use crate::error::{check, Result};
use nfqueue_sys as sys;

/// Recompute the IPv4 header checksum and the TCP or UDP checksum (IPv4
/// or IPv6) of the IP packet in `data`. On failure (malformed or
/// truncated input) the bytes are unchanged.
pub fn update(data: &mut [u8]) -> Result<()> {
    // SAFETY: data is a valid, writable slice of data.len() bytes for the
    // duration of the call; the library writes only inside it.
    check(unsafe { sys::nfqueue_checksum_update(data.as_mut_ptr(), data.len()) })
}

/// Recompute only the IPv4 header checksum.
pub fn ipv4_header(data: &mut [u8]) -> Result<()> {
    // SAFETY: as in update().
    check(unsafe { sys::nfqueue_checksum_ipv4_header(data.as_mut_ptr(), data.len()) })
}

/// Recompute only the TCP or UDP checksum, over IPv4 or IPv6.
pub fn transport(data: &mut [u8]) -> Result<()> {
    // SAFETY: as in update().
    check(unsafe { sys::nfqueue_checksum_transport(data.as_mut_ptr(), data.len()) })
}
