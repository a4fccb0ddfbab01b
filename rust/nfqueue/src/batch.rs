// SPDX-License-Identifier: GPL-2.0-or-later

//! A received batch of borrowed packets, and the verdicts that settle
//! many packets with one library call.
use std::marker::PhantomData;
use std::mem;
use std::os::raw::c_int;
use std::ptr;
use std::slice;

use crate::error::{check, Result};
use crate::packet::Packet;
use crate::queue::QueueHandle;
use crate::verdict::{Decision, Verdict};
use nfqueue_sys as sys;

/// The packets one receive handed out, borrowed from the queue until the
/// batch (and every packet taken from it) is gone.
///
/// Iterate it by value to take each [`Packet`]; look at them first with
/// [`iter`](Batch::iter) to settle them all with one
/// [`verdict_all`](Batch::verdict_all); or collect per-packet verdicts in
/// [`Verdicts`] and send them in one call. Packets still in the batch when
/// it is dropped get the default verdict.
pub struct Batch<'q> {
    queue: *mut sys::nfqueue_queue,
    // The library's handles, in arrival order; those before `next` were
    // taken out by iteration and are no longer the batch's.
    packets: &'q mut [*mut sys::nfqueue_packet],
    next: usize,
    settled: bool,
}

impl std::fmt::Debug for Batch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'q> Batch<'q> {
    pub(crate) fn new(
        queue: *mut sys::nfqueue_queue,
        packets: &'q mut [*mut sys::nfqueue_packet],
    ) -> Batch<'q> {
        Batch { queue, packets, next: 0, settled: false }
    }

    fn remaining(&self) -> &[*mut sys::nfqueue_packet] {
        &self.packets[self.next..]
    }

    /// How many packets the batch holds.
    pub fn len(&self) -> usize {
        self.remaining().len()
    }

    /// Whether the batch holds no packet (a receive that timed out).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The packets, to look at without taking them.
    pub fn iter(&self) -> slice::Iter<'_, Packet<'q>> {
        let remaining = self.remaining();
        // SAFETY: Packet is repr(transparent) over *mut nfqueue_packet (its
        // other field is a zero-sized marker), so the slices have the same
        // layout; the references borrow self, so the packets cannot be
        // taken or dropped while they are in use.
        unsafe { slice::from_raw_parts(remaining.as_ptr().cast::<Packet<'q>>(), remaining.len()) }.iter()
    }

    /// The packets, to change (mark, payload) without taking them.
    pub fn iter_mut(&mut self) -> slice::IterMut<'_, Packet<'q>> {
        let next = self.next;
        let remaining = &mut self.packets[next..];
        // SAFETY: as in iter(), with an exclusive borrow of self.
        unsafe { slice::from_raw_parts_mut(remaining.as_mut_ptr().cast::<Packet<'q>>(), remaining.len()) }
            .iter_mut()
    }

    /// Give every packet of the batch `verdict` (and `mark`, if given) with
    /// one message to the kernel (a batch verdict up to the newest id).
    /// Only the plain verdicts are possible: the library rejects
    /// [`Verdict::Queue`] here. As the kernel's batch verdict goes by id,
    /// it also settles older packets of the queue that are still without
    /// a verdict, retained ones included.
    pub fn verdict_all(mut self, verdict: Verdict, mark: Option<u32>) -> Result<()> {
        let Some(&newest) = self.remaining().last() else {
            return Ok(());
        };
        // SAFETY: newest is a live handle of this batch; the queue is
        // alive for 'q; verdict_batch may run on any thread.
        check(unsafe {
            let up_to = sys::nfqueue_packet_id(newest);
            sys::nfqueue_queue_verdict_batch(
                self.queue,
                up_to,
                verdict.code(),
                c_int::from(mark.is_some()),
                mark.unwrap_or(0),
            )
        })?;
        // Every packet has its verdict now: nothing left to release.
        self.settled = true;
        Ok(())
    }

    /// Send the verdicts the library has collected so far (see
    /// [`Config::coalesce`](crate::Config::coalesce)), while holding on
    /// to some packets of this batch.
    pub fn flush(&self) -> Result<()> {
        // SAFETY: the driving thread (the batch is not Send); the queue is alive for 'q.
        check(unsafe { sys::nfqueue_queue_flush(self.queue) })
    }

    /// An empty set of per-packet verdicts for packets of this batch, sent
    /// with one call by [`Verdicts::send`].
    pub fn verdicts<'a>(&self) -> Verdicts<'q, 'a> {
        Verdicts::new(self.queue, None, self.len())
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        for &packet in self.remaining() {
            drop(Packet::from_raw(packet));
        }
    }
}

/// Takes the packets of a [`Batch`] one by one.
pub struct IntoIter<'q> {
    batch: Batch<'q>,
}

impl<'q> Iterator for IntoIter<'q> {
    type Item = Packet<'q>;

    fn next(&mut self) -> Option<Packet<'q>> {
        let batch = &mut self.batch;
        let packet = *batch.packets.get(batch.next)?;
        batch.next += 1;
        Some(Packet::from_raw(packet))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.batch.len(), Some(self.batch.len()))
    }
}

impl ExactSizeIterator for IntoIter<'_> {}

impl<'q> IntoIterator for Batch<'q> {
    type Item = Packet<'q>;
    type IntoIter = IntoIter<'q>;

    fn into_iter(self) -> IntoIter<'q> {
        IntoIter { batch: self }
    }
}

/// Per-packet verdicts, each with its own mark and payload, given to the
/// kernel in one library call and one message (`nfqueue_queue_verdict_packets`).
///
/// ```no_run
/// use nfqueue::{Config, Queue, Verdict};
///
/// let mut queue = Queue::open(1, &Config::new())?;
/// let batch = queue.recv()?;
/// let mut verdicts = batch.verdicts();
/// for packet in batch {
///     let mark = packet.payload().len() as u32;
///     verdicts.push(packet, Verdict::Accept.with_mark(mark));
/// }
/// verdicts.send()?;
/// # Ok::<(), nfqueue::Error>(())
/// ```
pub struct Verdicts<'q, 'a> {
    queue: *mut sys::nfqueue_queue,
    // Keeps the queue's handle alive when the set was made from a
    // QueueHandle rather than a batch (whose borrow does that).
    _keep: Option<QueueHandle>,
    items: Vec<(Packet<'q>, Decision<'a>)>,
    _queue: PhantomData<&'q mut sys::nfqueue_queue>,
}

impl<'q, 'a> Verdicts<'q, 'a> {
    pub(crate) fn new(
        queue: *mut sys::nfqueue_queue,
        keep: Option<QueueHandle>,
        capacity: usize,
    ) -> Verdicts<'q, 'a> {
        Verdicts { queue, _keep: keep, items: Vec::with_capacity(capacity), _queue: PhantomData }
    }

    /// Add a packet and its decision.
    pub fn push(&mut self, packet: Packet<'q>, decision: impl Into<Decision<'a>>) {
        self.items.push((packet, decision.into()));
    }

    /// How many packets are in the set.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Give every packet its verdict in one message. The library checks
    /// every element first; if one is wrong nothing is sent, the error
    /// names it, and the packets are dropped (so they get the default
    /// verdict).
    pub fn send(mut self) -> Result<()> {
        if self.items.is_empty() {
            return Ok(());
        }
        let specs: Vec<sys::nfqueue_verdict_spec> = self
            .items
            .iter()
            .map(|(packet, decision)| {
                let mut flags = 0;
                let (verdict, queue_num) = match decision.verdict {
                    Verdict::Queue { num, bypass } => {
                        flags |= sys::NFQUEUE_SPEC_QUEUE;
                        if bypass {
                            flags |= sys::NFQUEUE_SPEC_BYPASS;
                        }
                        (0, num)
                    }
                    other => (other.code(), 0),
                };
                if decision.mark.is_some() {
                    flags |= sys::NFQUEUE_SPEC_MARK;
                }
                let (payload, payload_len) = match decision.payload {
                    Some(bytes) => {
                        flags |= sys::NFQUEUE_SPEC_PAYLOAD;
                        (bytes.as_ptr().cast(), bytes.len())
                    }
                    None => (ptr::null(), 0),
                };
                sys::nfqueue_verdict_spec {
                    size: mem::size_of::<sys::nfqueue_verdict_spec>(),
                    packet: packet.as_raw(),
                    verdict,
                    flags,
                    mark: decision.mark.unwrap_or(0),
                    queue_num,
                    payload,
                    payload_len,
                }
            })
            .collect();
        let mut index = 0;
        // SAFETY: specs holds specs.len() initialised elements, each with
        // its size; the packets are live borrowed handles of the queue,
        // which is alive for 'q; the payloads are borrowed for 'a, past
        // the call, which copies them.
        let rc = unsafe {
            sys::nfqueue_queue_verdict_packets(&mut index, self.queue, specs.as_ptr(), specs.len())
        };
        check(rc).map_err(|e| e.at_index(index))?;
        // Every packet has its verdict: nothing left to release.
        for (packet, _) in self.items.drain(..) {
            mem::forget(packet);
        }
        Ok(())
    }
}
