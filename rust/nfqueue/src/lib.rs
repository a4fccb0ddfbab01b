// SPDX-License-Identifier: GPL-2.0-or-later

//! Safe Rust API over **libnfqueue**, for the packets that Linux netfilter
//! queues to userspace with `iptables ... -j NFQUEUE --queue-num N`.
//!
//! - [`Queue::recv`] returns a [`Batch`] of [`Packet`]s borrowed from the
//!   queue: their payload is read in place, and the compiler rejects any
//!   use of one after the next receive.
//! - [`Packet::verdict`] consumes the packet, so it gets exactly one; a
//!   packet dropped without one gets the queue's default verdict.
//! - [`Packet::retain`] gives an [`OwnedPacket`], which is `Send`: give it
//!   its verdict later, from any thread.
//! - [`Batch::verdict_all`] settles a whole batch with one message, and
//!   [`Verdicts`] sends per-packet verdicts (each with its own mark and
//!   payload) in one call.
//! - [`StopHandle`] ends a blocking receive from any thread; dropping the
//!   [`Queue`] closes it, giving every pending packet the default verdict.
//! - With the `tokio` feature, `AsyncQueue` and `PacketStream` receive on
//!   tokio's reactor.
//!
//! Every lifetime rule, default verdict and coalescing of verdicts is the
//! C library's; this crate maps them onto borrows and `Drop`.
//!
//! ```no_run
//! use nfqueue::{Config, Queue, Verdict};
//!
//! let mut queue = Queue::open(1, &Config::new())?;
//! let stop = queue.stop_handle();
//! std::thread::spawn(move || {
//!     std::thread::sleep(std::time::Duration::from_secs(10));
//!     let _ = stop.stop();
//! });
//! loop {
//!     let batch = match queue.recv() {
//!         Ok(batch) => batch,
//!         Err(e) if e.kind() == nfqueue::ErrorKind::Stopped => break,
//!         Err(e) => return Err(e),
//!     };
//!     for packet in batch {
//!         let attrs = packet.attrs()?;
//!         println!("{} {:?} {:?}", attrs.id(), attrs.hook(), attrs.ifindex(nfqueue::Iface::Out));
//!         packet.verdict(Verdict::Accept)?;
//!     }
//! }
//! # Ok::<(), nfqueue::Error>(())
//! ```
#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod attrs;
mod batch;
pub mod checksum;
mod config;
mod error;
mod packet;
mod queue;
mod verdict;
mod version;

#[cfg(feature = "tokio")]
mod tokio;

pub use attrs::{Attrs, Hook, Iface, Timestamp, Vlan};
pub use batch::{Batch, IntoIter, Verdicts};
pub use config::{check_permission, Config, CopyMode, Flags, Settings};
pub use error::{Error, ErrorKind, Result};
pub use packet::{OwnedPacket, Packet};
pub use queue::{Queue, QueueHandle, Stats, StopHandle};
pub use verdict::{Decision, Verdict};
pub use version::{abi_version, version};

#[cfg(feature = "tokio")]
pub use crate::tokio::{AsyncQueue, PacketStream};

/// Largest queue number the kernel accepts.
pub const QUEUE_NUM_MAX: u32 = nfqueue_sys::NFQUEUE_QUEUE_NUM_MAX;
/// Largest payload one message carries, either way.
pub const PAYLOAD_MAX: u32 = nfqueue_sys::NFQUEUE_PAYLOAD_MAX;
/// Largest batch size.
pub const BATCH_SIZE_MAX: u32 = nfqueue_sys::NFQUEUE_BATCH_SIZE_MAX;
/// Largest receive buffer.
pub const RCVBUF_MAX: u32 = nfqueue_sys::NFQUEUE_RCVBUF_MAX;
/// [`Attrs::skbinfo`] bit: checksum left to the NIC, not yet computed.
pub const SKB_CSUM_NOT_READY: u32 = nfqueue_sys::NFQUEUE_SKB_CSUM_NOT_READY;
/// [`Attrs::skbinfo`] bit: a GSO super-packet.
pub const SKB_GSO: u32 = nfqueue_sys::NFQUEUE_SKB_GSO;
/// [`Attrs::skbinfo`] bit: the checksum was not verified yet.
pub const SKB_CSUM_NOT_VERIFIED: u32 = nfqueue_sys::NFQUEUE_SKB_CSUM_NOT_VERIFIED;
