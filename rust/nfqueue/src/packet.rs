// SPDX-License-Identifier: GPL-2.0-or-later

//! Packets: borrowed from their queue ([`Packet`]) or owned ([`OwnedPacket`]).
use std::ffi::CStr;
use std::marker::PhantomData;
use std::mem;
use std::os::raw::{c_char, c_int};
use std::ptr::{self, NonNull};
use std::slice;

use crate::attrs::{Attrs, Iface};
use crate::error::{check, Result};
use crate::verdict::{Decision, Verdict};
use nfqueue_sys as sys;

/// Set the mark and payload of `d`, then give its verdict: the library's
/// calls in the order the header asks for.
fn decide(p: *mut sys::nfqueue_packet, d: &Decision<'_>) -> Result<()> {
    if let Some(mark) = d.mark {
        set_mark(p, mark)?;
    }
    if let Some(payload) = d.payload {
        set_payload(p, payload)?;
    }
    // SAFETY: p is a live handle the caller holds exclusively.
    check(unsafe {
        match d.verdict {
            Verdict::Queue { num, bypass } => {
                sys::nfqueue_packet_verdict_queue(p, num, if bypass { sys::NFQUEUE_QUEUE_BYPASS } else { 0 })
            }
            other => sys::nfqueue_packet_verdict(p, other.code()),
        }
    })
}

fn set_mark(p: *mut sys::nfqueue_packet, mark: u32) -> Result<()> {
    // SAFETY: p is a live handle the caller holds exclusively.
    check(unsafe { sys::nfqueue_packet_set_mark(p, mark) })
}

fn set_payload(p: *mut sys::nfqueue_packet, data: &[u8]) -> Result<()> {
    // SAFETY: p is a live handle held exclusively; data is valid for
    // data.len() bytes during the call, which copies it.
    check(unsafe { sys::nfqueue_packet_set_payload(p, data.as_ptr().cast(), data.len()) })
}

fn payload<'p>(p: *const sys::nfqueue_packet) -> &'p [u8] {
    let mut data = ptr::null();
    let mut len = 0;
    // SAFETY: p is a live handle borrowed for 'p; on success the library
    // reports len bytes at data, valid as long as the packet's payload,
    // which the caller's borrow keeps unchanged for 'p.
    unsafe {
        if sys::nfqueue_packet_payload(&mut data, &mut len, p) != 0 || data.is_null() || len == 0 {
            return &[];
        }
        slice::from_raw_parts(data, len)
    }
}

fn ifname(p: *const sys::nfqueue_packet, which: Iface) -> Result<Option<String>> {
    let mut name = [0 as c_char; sys::NFQUEUE_IFNAMSIZ as usize];
    // SAFETY: name is a writable buffer of the size passed; p is live.
    let rc = unsafe { sys::nfqueue_packet_ifname(name.as_mut_ptr(), name.len(), p, which.index() as c_int) };
    if rc == sys::NFQUEUE_E_NOATTR {
        return Ok(None);
    }
    check(rc)?;
    // SAFETY: on success the library wrote a NUL-terminated name into name.
    let text = unsafe { CStr::from_ptr(name.as_ptr()) };
    Ok(Some(text.to_string_lossy().into_owned()))
}

/// The read-only calls that borrowed and owned packets share.
macro_rules! readers {
    () => {
        /// The kernel's id of the packet in its queue.
        pub fn id(&self) -> u32 {
            // SAFETY: the handle is live for as long as self.
            unsafe { sys::nfqueue_packet_id(self.as_raw()) }
        }

        /// Every attribute, read with one library call.
        pub fn attrs(&self) -> Result<Attrs<'_>> {
            Attrs::read(self.as_raw())
        }

        /// The payload from the network header on (the replacement once
        /// one was set); empty when the packet carries none (copy mode
        /// meta: see [`Attrs::payload`] to tell the two apart).
        pub fn payload(&self) -> &[u8] {
            payload(self.as_raw())
        }

        /// The name of interface `which`, looked up in the queue's
        /// namespace; `None` if the kernel sent no index for it,
        /// [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) if the
        /// interface is gone.
        pub fn ifname(&self, which: Iface) -> Result<Option<String>> {
            ifname(self.as_raw(), which)
        }

        /// Whether the packet has its verdict.
        pub fn has_verdict(&self) -> bool {
            // SAFETY: the handle is live for as long as self.
            unsafe { sys::nfqueue_packet_has_verdict(self.as_raw()) != 0 }
        }

        /// Give the packet a new mark together with its verdict.
        pub fn set_mark(&mut self, mark: u32) -> Result<()> {
            set_mark(self.as_raw(), mark)
        }

        /// Replace the payload the kernel continues with (copied; at most
        /// [`PAYLOAD_MAX`](crate::PAYLOAD_MAX) bytes, else
        /// [`ErrorKind::TooBig`](crate::ErrorKind::TooBig)). Fix its
        /// checksums first with [`checksum::update`](crate::checksum::update).
        pub fn set_payload(&mut self, payload: &[u8]) -> Result<()> {
            set_payload(self.as_raw(), payload)
        }
    };
}

/// A packet borrowed from its queue: valid until its batch ends (the next
/// receive), and tied to it by the lifetime `'q`, so the compiler rejects
/// any use after that. Not `Send`: it belongs to the thread that drives
/// the queue. Its payload is read in place, without a copy.
///
/// Give it a verdict with [`verdict`](Packet::verdict) (which consumes
/// it), keep it past the batch with [`retain`](Packet::retain), or drop
/// it: dropping it ends the borrow, and a packet without a verdict then
/// gets the queue's default verdict.
///
/// ```compile_fail
/// # fn f(queue: &mut nfqueue::Queue) -> nfqueue::Result<()> {
/// let first = queue.recv()?.into_iter().next();
/// let _second = queue.recv()?; // error: the first batch's packet is still borrowed
/// drop(first);
/// # Ok(()) }
/// ```
///
/// ```compile_fail
/// # fn f(queue: &mut nfqueue::Queue) -> nfqueue::Result<()> {
/// fn send_it<T: Send>(_: T) {}
/// for packet in queue.recv()? {
///     send_it(packet); // error: a borrowed packet is not Send; retain() it
/// }
/// # Ok(()) }
/// ```
#[repr(transparent)]
pub struct Packet<'q> {
    raw: *mut sys::nfqueue_packet,
    _queue: PhantomData<&'q mut sys::nfqueue_queue>,
}

impl std::fmt::Debug for Packet<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Packet").field("id", &self.id()).finish_non_exhaustive()
    }
}

impl<'q> Packet<'q> {
    /// A packet the library just handed out, borrowed for 'q.
    pub(crate) fn from_raw(raw: *mut sys::nfqueue_packet) -> Packet<'q> {
        Packet { raw, _queue: PhantomData }
    }

    /// The library's handle, for calls through `nfqueue1-sys` that this
    /// crate does not offer. It is valid as the C library says (until the
    /// packet expires); this crate never uses it after the packet expired.
    pub fn as_raw(&self) -> *mut sys::nfqueue_packet {
        self.raw
    }

    readers!();

    /// Give the packet its verdict, with the mark and payload of the
    /// decision if it has them (`Verdict::Accept`, or
    /// `Verdict::Accept.with_mark(5)`). With coalescing (the default)
    /// this is one library call and no system call: the verdicts of a
    /// batch go to the kernel together. On failure the packet is dropped,
    /// which gives it the default verdict if it still has none.
    pub fn verdict<'a>(self, decision: impl Into<Decision<'a>>) -> Result<()> {
        decide(self.raw, &decision.into())?;
        // It has its verdict: dropping would only ask the library to
        // release a packet that has nothing left to release.
        mem::forget(self);
        Ok(())
    }

    /// Shorthand for `verdict(Verdict::Accept)`.
    pub fn accept(self) -> Result<()> {
        self.verdict(Verdict::Accept)
    }

    /// Keep the packet past its batch: the library copies its data out of
    /// the receive buffer. The owned packet can be sent to another thread
    /// and given its verdict there, in any order.
    pub fn retain(self) -> Result<OwnedPacket> {
        // SAFETY: the handle is live; retaining makes it ours to free.
        check(unsafe { sys::nfqueue_packet_retain(self.raw) })?;
        let raw = NonNull::new(self.raw).expect("the library hands out non-NULL packets");
        mem::forget(self);
        Ok(OwnedPacket { raw })
    }

    /// End the borrow now, reporting the library's answer (dropping the
    /// packet does the same and ignores it): the packet gets the default
    /// verdict if it has none.
    pub fn release(self) -> Result<()> {
        let raw = self.raw;
        mem::forget(self);
        // SAFETY: the handle is live and never used by this crate again.
        check(unsafe { sys::nfqueue_packet_release(raw) })
    }
}

impl Drop for Packet<'_> {
    fn drop(&mut self) {
        // SAFETY: the handle is live and never used by this crate again.
        // The only failure is an already expired handle, which this crate
        // cannot hold.
        let _ = unsafe { sys::nfqueue_packet_release(self.raw) };
    }
}

/// A packet made owned by [`Packet::retain`]: independent of the batch it
/// came in, `Send`, verdicted whenever and from whichever thread suits.
/// Dropping it frees it, with the default verdict if it got none and its
/// queue is still open. A verdict after the queue was closed fails with
/// [`ErrorKind::Closed`](crate::ErrorKind::Closed).
pub struct OwnedPacket {
    raw: NonNull<sys::nfqueue_packet>,
}

// SAFETY: every call on a retained packet may run on any thread, one
// thread at a time per packet (nfqueue.h, "Threads"); the library's queue
// lock orders verdicts from several threads, and a retained packet keeps
// what it needs of its queue alive. Not Sync: &mut self on every call that
// changes it, and the getters are not promised to be concurrent with them.
unsafe impl Send for OwnedPacket {}

impl std::fmt::Debug for OwnedPacket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnedPacket").field("id", &self.id()).finish_non_exhaustive()
    }
}

impl OwnedPacket {
    /// The library's handle, for calls through `nfqueue1-sys`; valid
    /// until this packet is dropped.
    pub fn as_raw(&self) -> *mut sys::nfqueue_packet {
        self.raw.as_ptr()
    }

    readers!();

    /// Give the packet its verdict, with the decision's mark and payload.
    /// Exactly one verdict per packet: a second fails with
    /// [`ErrorKind::VerdictGiven`](crate::ErrorKind::VerdictGiven).
    pub fn verdict<'a>(&mut self, decision: impl Into<Decision<'a>>) -> Result<()> {
        decide(self.as_raw(), &decision.into())
    }
}

impl Drop for OwnedPacket {
    fn drop(&mut self) {
        // SAFETY: the packet is retained, so ours to free, once.
        unsafe { sys::nfqueue_packet_free(self.raw.as_ptr()) }
    }
}
