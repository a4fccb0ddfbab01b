// SPDX-License-Identifier: GPL-2.0-or-later

//! Verdicts and what may come with one (a new mark, a replacement payload).
#![forbid(unsafe_code)]

use nfqueue_sys as sys;

/// What the kernel does with a packet.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Let the packet go on at the next hook function.
    Accept,
    /// Discard the packet.
    Drop,
    /// Send the packet through the same hook again.
    Repeat,
    /// Accept the packet and skip the rest of this hook.
    Stop,
    /// Send the packet to queue `num`; with `bypass`, accept it if no
    /// program is bound there (instead of dropping it).
    Queue {
        /// The target queue.
        num: u32,
        /// Accept instead of drop when nobody listens on `num`.
        bypass: bool,
    },
}

/// The kernel's `NF_QUEUE`: only meaningful with a queue number, which
/// the library's plain-verdict calls do not take, so they reject it.
const NF_QUEUE: i32 = 3;

impl Verdict {
    /// The value the library's plain-verdict calls take (`nfqueue_verdict`).
    pub(crate) fn code(self) -> i32 {
        match self {
            Verdict::Accept => sys::NFQUEUE_ACCEPT as i32,
            Verdict::Drop => sys::NFQUEUE_DROP as i32,
            Verdict::Repeat => sys::NFQUEUE_REPEAT as i32,
            Verdict::Stop => sys::NFQUEUE_STOP as i32,
            Verdict::Queue { .. } => NF_QUEUE,
        }
    }

    /// This verdict together with a new mark for the packet.
    pub fn with_mark(self, mark: u32) -> Decision<'static> {
        Decision::from(self).with_mark(mark)
    }

    /// This verdict together with a replacement payload (copied by the
    /// library; at most [`PAYLOAD_MAX`](crate::PAYLOAD_MAX) bytes).
    pub fn with_payload(self, payload: &[u8]) -> Decision<'_> {
        Decision::from(self).with_payload(payload)
    }
}

/// A verdict with an optional new mark and an optional replacement payload.
///
/// Built from a [`Verdict`] (`Verdict::Accept.with_mark(7)`), or from a
/// plain verdict through `From`, so every call taking `impl
/// Into<Decision>` also takes a bare `Verdict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision<'a> {
    /// What happens to the packet.
    pub verdict: Verdict,
    /// The mark the packet carries on, if it changes.
    pub mark: Option<u32>,
    /// The payload the kernel continues with, if it changes.
    pub payload: Option<&'a [u8]>,
}

impl<'a> Decision<'a> {
    /// Also set the packet's mark.
    pub fn with_mark(mut self, mark: u32) -> Decision<'a> {
        self.mark = Some(mark);
        self
    }

    /// Also replace the packet's payload.
    pub fn with_payload(self, payload: &[u8]) -> Decision<'_> {
        Decision { verdict: self.verdict, mark: self.mark, payload: Some(payload) }
    }
}

impl From<Verdict> for Decision<'static> {
    fn from(verdict: Verdict) -> Decision<'static> {
        Decision { verdict, mark: None, payload: None }
    }
}
