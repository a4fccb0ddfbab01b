// SPDX-License-Identifier: GPL-2.0-or-later

//! Receiving on tokio's reactor (feature `tokio`): the queue's socket in
//! an `AsyncFd`, and non-blocking pulls when it is readable.
//!
//! Nothing is held across an `.await` but readiness, so dropping a future
//! or the stream loses no packet: packets not handed out yet stay with
//! the library, and closing the queue (dropping it) gives every pending
//! one the default verdict.
#![forbid(unsafe_code)]

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_core::Stream;
use tokio::io::unix::AsyncFd;

use crate::error::{Error, ErrorKind, Result};
use crate::queue::QueueFd;
use crate::{Batch, OwnedPacket, Queue};

fn io_error(error: io::Error) -> Error {
    Error::with_message(
        nfqueue_sys::NFQUEUE_E_IO,
        format!("tokio could not watch the queue's socket: {error}"),
    )
}

/// A [`Queue`] driven by tokio: [`recv`](AsyncQueue::recv) waits without
/// blocking the thread and returns a batch of borrowed packets, as
/// [`Queue::recv`] does.
///
/// ```no_run
/// # async fn f() -> nfqueue::Result<()> {
/// use nfqueue::{AsyncQueue, Config, Queue};
///
/// let mut queue = AsyncQueue::new(Queue::open(1, &Config::new())?)?;
/// loop {
///     for packet in queue.recv().await? {
///         packet.accept()?;
///     }
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct AsyncQueue {
    // Declared first, so it is dropped (deregistered) before the queue
    // closes the socket.
    fd: AsyncFd<QueueFd>,
    queue: Queue,
}

impl AsyncQueue {
    /// Register the queue's socket with the current tokio runtime (needs
    /// one with I/O enabled).
    pub fn new(queue: Queue) -> Result<AsyncQueue> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::with_message(
                nfqueue_sys::NFQUEUE_E_INVAL,
                "AsyncQueue::new needs a tokio runtime: call it from within one (with I/O enabled)".into(),
            ));
        }
        let fd = queue.register_readable().map_err(io_error)?;
        Ok(AsyncQueue { fd, queue })
    }

    /// The queue, for its `&self` calls (stats, stop handle, number).
    pub fn get_ref(&self) -> &Queue {
        &self.queue
    }

    /// The queue back, off the reactor.
    pub fn into_inner(self) -> Queue {
        let AsyncQueue { fd, queue } = self;
        drop(fd);
        queue
    }

    /// Wait until packets are ready and return them, borrowed as from
    /// [`Queue::recv`]. Cancel-safe: a dropped future took no packet.
    pub async fn recv(&mut self) -> Result<Batch<'_>> {
        loop {
            let mut guard = self.fd.readable().await.map_err(io_error)?;
            let count = self.queue.pull_slots(0)?;
            if count == 0 {
                // Nothing buffered by the library nor in the socket: wait
                // for the next edge (tokio keeps one that came meanwhile).
                guard.clear_ready();
                continue;
            }
            drop(guard);
            return Ok(self.queue.batch(count));
        }
    }

    /// A stream of owned packets, for code that wants a `Stream`. Each
    /// packet is retained (its data copied), since a stream item cannot
    /// borrow the stream; use [`recv`](AsyncQueue::recv) to read in place.
    pub fn into_stream(self) -> PacketStream {
        PacketStream { queue: self, ready: VecDeque::new() }
    }
}

/// A `Stream` of [`OwnedPacket`]s from an [`AsyncQueue`].
///
/// Dropping the stream drops the packets it received but did not yield
/// (freed: each gets the default verdict) and closes the queue (every
/// packet still pending gets it too): no packet is left without a verdict.
/// A receive error is yielded as an `Err` item and the stream goes on; it
/// ends when a [`StopHandle`](crate::StopHandle) stops the queue.
#[derive(Debug)]
pub struct PacketStream {
    queue: AsyncQueue,
    ready: VecDeque<OwnedPacket>,
}

impl PacketStream {
    /// The queue, for its `&self` calls.
    pub fn get_ref(&self) -> &Queue {
        &self.queue.queue
    }
}

impl Stream for PacketStream {
    type Item = Result<OwnedPacket>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<OwnedPacket>>> {
        let this = self.get_mut();
        loop {
            if let Some(packet) = this.ready.pop_front() {
                return Poll::Ready(Some(Ok(packet)));
            }
            let mut guard = match ready!(this.queue.fd.poll_read_ready(cx)) {
                Ok(guard) => guard,
                Err(error) => return Poll::Ready(Some(Err(io_error(error)))),
            };
            let count = match this.queue.queue.pull_slots(0) {
                Ok(count) => count,
                Err(error) if error.kind() == ErrorKind::Stopped => return Poll::Ready(None),
                Err(error) => return Poll::Ready(Some(Err(error))),
            };
            if count == 0 {
                guard.clear_ready();
                continue;
            }
            drop(guard);
            let mut failed = None;
            for packet in this.queue.queue.batch(count) {
                match packet.retain() {
                    Ok(owned) => this.ready.push_back(owned),
                    Err(error) => failed = failed.or(Some(error)),
                }
            }
            if let Some(error) = failed {
                return Poll::Ready(Some(Err(error)));
            }
        }
    }
}
