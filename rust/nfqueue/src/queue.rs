// SPDX-License-Identifier: GPL-2.0-or-later

//! Queues: open, receive (batches, a callback loop, a non-blocking
//! dispatch), stop from any thread, close.
use std::any::Any;
use std::ops::ControlFlow;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::raw::{c_int, c_void};
use std::panic::{self, AssertUnwindSafe};
use std::ptr::{self, NonNull};
use std::sync::Arc;
use std::time::Duration;

use crate::batch::Batch;
use crate::config::Config;
use crate::error::{check, Error, Result};
use crate::packet::Packet;
use nfqueue_sys as sys;

/// The library's queue handle, freed when the last of the [`Queue`] and
/// its [`StopHandle`]s is gone (so a late stop never touches freed memory).
#[derive(Debug)]
struct Handle(NonNull<sys::nfqueue_queue>);

// SAFETY: the only calls made through a shared Handle are
// nfqueue_queue_stop() (any thread, also concurrently with the driving
// thread and with close) and, by the Queue that has it exclusively, the
// driving calls; nfqueue_queue_free() runs once, in Drop, when no other
// owner is left.
unsafe impl Send for Handle {}
// SAFETY: see Send.
unsafe impl Sync for Handle {}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the last owner frees the handle once; nothing uses it after.
        unsafe { sys::nfqueue_queue_free(self.0.as_ptr()) }
    }
}

/// A bound queue.
///
/// Driven by one thread at a time (`&mut self`): [`recv`](Queue::recv)
/// hands out a [`Batch`] of packets borrowed from the queue, so the next
/// receive cannot start while one of them is still in use. Dropping the
/// queue closes it: every packet still pending gets the default verdict.
///
/// ```no_run
/// use nfqueue::{Config, Queue, Verdict};
///
/// let mut queue = Queue::open(1, &Config::new())?;
/// loop {
///     for packet in queue.recv()? {
///         // 28 bytes of IPv4 and UDP headers, then the datagram.
///         if packet.payload().get(28..) == Some(b"drop me") {
///             packet.verdict(Verdict::Drop)?;
///         } else {
///             packet.accept()?;
///         }
///     }
/// }
/// # Ok::<(), nfqueue::Error>(())
/// ```
#[derive(Debug)]
pub struct Queue {
    handle: Arc<Handle>,
    /// Where a pull writes its packets' handles; as long as the batch size.
    slots: Vec<*mut sys::nfqueue_packet>,
    closed: bool,
}

// SAFETY: a queue may be driven by any thread, one at a time, which
// `&mut self` on every driving call ensures; the slots are scratch space
// of the driving thread. The `&self` calls (num, fd, enobufs_count,
// stats, stop_handle) may run on any thread, concurrently with the
// driving one (nfqueue.h, "Threads"), hence Sync too.
unsafe impl Send for Queue {}
// SAFETY: see Send.
unsafe impl Sync for Queue {}

/// A queue's counters, the kernel's and the library's.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// The socket's netlink port id.
    pub portid: u32,
    /// Packets the kernel holds for a verdict now.
    pub waiting: u32,
    /// Packets dropped because the kernel queue was full.
    pub queue_dropped: u64,
    /// Packets dropped because the socket buffer was full.
    pub user_dropped: u64,
    /// The id of the newest packet queued.
    pub id_sequence: u32,
    /// The socket's receive buffer as the kernel reports it.
    pub rcvbuf: u32,
    /// Overflow episodes the kernel reported ([`Queue::enobufs_count`]).
    pub enobufs: u64,
    /// Datagrams or messages the library ignored: malformed, or not from the kernel.
    pub skipped: u64,
    /// Verdicts the kernel refused: a packet it no longer held, or a
    /// capability dropped since the queue was opened.
    pub verdict_errors: u64,
    /// Packets given the default verdict on arrival for want of memory.
    pub unstored: u64,
}

/// Ends a [`Queue`]'s blocking receive from any thread.
///
/// One stop ends exactly one wait: the one in progress, or else the next.
/// Cloneable, `Send` and `Sync`; it keeps the library's handle alive, so a
/// stop after the queue was closed fails with
/// [`ErrorKind::Closed`](crate::ErrorKind::Closed) instead of doing harm.
#[derive(Debug, Clone)]
pub struct StopHandle {
    handle: Arc<Handle>,
}

impl StopHandle {
    /// Ask the receive in progress (or the next one) to return. On
    /// success this only calls `nfqueue_queue_stop()`, which sets a flag
    /// and writes to a pipe: no allocation, no lock.
    pub fn stop(&self) -> Result<()> {
        // SAFETY: the handle is alive while self is; stop may run on any
        // thread, concurrently with everything but free.
        let rc = unsafe { sys::nfqueue_queue_stop(self.handle.0.as_ptr()) };
        if rc == 0 {
            Ok(())
        } else {
            // stop records no message: only the code's description.
            Err(Error::plain(rc))
        }
    }
}

/// The calls on a [`Queue`] that any thread may make while another one
/// drives it: batch verdicts, counters, stop. Cloneable, `Send` and
/// `Sync`; it keeps the library's handle alive, so after the queue was
/// closed each call fails with [`ErrorKind::Closed`](crate::ErrorKind::Closed)
/// instead of doing harm.
#[derive(Debug, Clone)]
pub struct QueueHandle {
    handle: Arc<Handle>,
}

impl QueueHandle {
    fn ptr(&self) -> *mut sys::nfqueue_queue {
        self.handle.0.as_ptr()
    }

    /// Give `verdict` (and `mark`, if given) to every pending packet of
    /// the queue whose id is `up_to_id` or older, borrowed or retained,
    /// with one message; packets that have a verdict are left alone.
    /// Only the plain verdicts: the library rejects [`Verdict::Queue`](crate::Verdict::Queue).
    pub fn verdict_batch(&self, up_to_id: u32, verdict: crate::Verdict, mark: Option<u32>) -> Result<()> {
        // SAFETY: any thread, concurrently with the driving one; the
        // handle is alive while self is.
        check(unsafe {
            sys::nfqueue_queue_verdict_batch(
                self.ptr(),
                up_to_id,
                verdict.code(),
                c_int::from(mark.is_some()),
                mark.unwrap_or(0),
            )
        })
    }

    /// See [`Queue::stats`].
    pub fn stats(&self) -> Result<Stats> {
        stats(self.ptr())
    }

    /// An empty set of per-packet verdicts for packets of this queue, as
    /// [`Batch::verdicts`] gives, for when the batch is gone by the time
    /// the set is made (its packets were taken out of it). Packets of
    /// another queue are refused by the library when the set is sent.
    pub fn verdicts<'q, 'a>(&self) -> crate::Verdicts<'q, 'a> {
        crate::Verdicts::new(self.ptr(), Some(self.clone()), 0)
    }

    /// See [`Queue::enobufs_count`].
    pub fn enobufs_count(&self) -> u64 {
        // SAFETY: any thread; the handle is alive while self is.
        unsafe { sys::nfqueue_queue_enobufs_count(self.ptr()) }
    }

    /// See [`StopHandle::stop`].
    pub fn stop(&self) -> Result<()> {
        StopHandle { handle: Arc::clone(&self.handle) }.stop()
    }
}

fn stats(queue: *mut sys::nfqueue_queue) -> Result<Stats> {
    // SAFETY: all-zero is a valid nfqueue_stats (integers only).
    let mut raw: sys::nfqueue_stats = unsafe { std::mem::zeroed() };
    raw.size = std::mem::size_of::<sys::nfqueue_stats>();
    // SAFETY: raw is a valid out-struct with its size set; any thread;
    // the caller keeps the handle alive.
    check(unsafe { sys::nfqueue_queue_stats(&mut raw, queue) })?;
    Ok(Stats {
        portid: raw.portid,
        waiting: raw.waiting,
        queue_dropped: raw.queue_dropped,
        user_dropped: raw.user_dropped,
        id_sequence: raw.id_sequence,
        rcvbuf: raw.rcvbuf,
        enobufs: raw.enobufs,
        skipped: raw.skipped,
        verdict_errors: raw.verdict_errors,
        unstored: raw.unstored,
    })
}

/// What a callback passed to `run` or `dispatch` needs, and what it left
/// behind: its own break value, or a panic to resume after C returned.
struct Trampoline<F, B> {
    callback: F,
    broke: Option<B>,
    panic: Option<Box<dyn Any + Send + 'static>>,
}

/// The C callback: hands the borrowed packet to the Rust closure, under
/// `catch_unwind` (unwinding into C is undefined behaviour).
unsafe extern "C" fn trampoline<F, B>(packet: *mut sys::nfqueue_packet, userdata: *mut c_void) -> c_int
where
    F: FnMut(Packet<'_>) -> ControlFlow<B>,
{
    // SAFETY: userdata is the &mut Trampoline that run/dispatch passed,
    // alive and used by nobody else for the duration of the C call.
    let state = unsafe { &mut *userdata.cast::<Trampoline<F, B>>() };
    let callback = &mut state.callback;
    match panic::catch_unwind(AssertUnwindSafe(|| callback(Packet::from_raw(packet)))) {
        Ok(ControlFlow::Continue(())) => 0,
        Ok(ControlFlow::Break(value)) => {
            state.broke = Some(value);
            1
        }
        Err(payload) => {
            state.panic = Some(payload);
            1
        }
    }
}

/// The C callback for `state`'s closure type.
fn callback_for<F, B>(_state: &Trampoline<F, B>) -> sys::nfqueue_callback
where
    F: FnMut(Packet<'_>) -> ControlFlow<B>,
{
    Some(trampoline::<F, B>)
}

impl Queue {
    /// Bind queue `num` (0..=[`QUEUE_NUM_MAX`](crate::QUEUE_NUM_MAX)) with
    /// `config`. Fails with [`ErrorKind::Busy`](crate::ErrorKind::Busy) if
    /// another socket holds it,
    /// [`ErrorKind::PermissionDenied`](crate::ErrorKind::PermissionDenied)
    /// without `CAP_NET_ADMIN`, or with the first setter of `config` that
    /// failed.
    pub fn open(num: u32, config: &Config) -> Result<Queue> {
        let c = config.as_ptr()?;
        let batch = config.settings()?.batch_size.max(1) as usize;
        let mut raw = ptr::null_mut();
        // SAFETY: raw is a valid out-pointer, c a live config borrowed for
        // the call; on success the queue is ours, freed by Handle.
        check(unsafe { sys::nfqueue_queue_open(&mut raw, num, c) })?;
        let handle = NonNull::new(raw).expect("nfqueue_queue_open succeeded without a queue");
        Ok(Queue { handle: Arc::new(Handle(handle)), slots: vec![ptr::null_mut(); batch], closed: false })
    }

    fn ptr(&self) -> *mut sys::nfqueue_queue {
        self.handle.0.as_ptr()
    }

    /// The queue's number.
    pub fn num(&self) -> u32 {
        // SAFETY: the handle is alive while self is; any thread.
        unsafe { sys::nfqueue_queue_num(self.ptr()) }
    }

    /// A handle that stops this queue's blocking receives from any thread.
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle { handle: Arc::clone(&self.handle) }
    }

    /// A handle for the calls other threads (or a callback of
    /// [`run`](Queue::run)) may make while this queue is driven.
    pub fn handle(&self) -> QueueHandle {
        QueueHandle { handle: Arc::clone(&self.handle) }
    }

    /// Wait for packets and return the next batch (up to the batch size).
    /// Fails with [`ErrorKind::Stopped`](crate::ErrorKind::Stopped) when a
    /// [`StopHandle`] ended the wait, and on an interruptible queue with
    /// [`ErrorKind::Interrupted`](crate::ErrorKind::Interrupted) when a
    /// signal did. Packets of the previous batch have expired by then.
    pub fn recv(&mut self) -> Result<Batch<'_>> {
        self.pull(-1)
    }

    /// As [`recv`](Queue::recv), but return an empty batch once `timeout`
    /// passed without a packet.
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<Batch<'_>> {
        let ms = c_int::try_from(timeout.as_millis()).unwrap_or(c_int::MAX);
        self.pull(ms)
    }

    /// The packets that are ready now, without waiting (maybe none).
    pub fn try_recv(&mut self) -> Result<Batch<'_>> {
        self.pull(0)
    }

    fn pull(&mut self, timeout_ms: c_int) -> Result<Batch<'_>> {
        let count = self.pull_slots(timeout_ms)?;
        Ok(self.batch(count))
    }

    /// Pull into the slots; the count of packets written there.
    pub(crate) fn pull_slots(&mut self, timeout_ms: c_int) -> Result<usize> {
        let mut count = 0;
        // SAFETY: the slots hold slots.len() writable pointers; the queue
        // is driven only by this thread (&mut self). The previous batch's
        // borrow has ended, as &mut self proves, so its packets may expire.
        check(unsafe {
            sys::nfqueue_queue_pull(
                self.slots.as_mut_ptr(),
                self.slots.len(),
                &mut count,
                self.ptr(),
                timeout_ms,
            )
        })?;
        Ok(count.min(self.slots.len()))
    }

    /// The batch of the `count` packets the last pull wrote into the slots.
    pub(crate) fn batch(&mut self, count: usize) -> Batch<'_> {
        let queue = self.ptr();
        Batch::new(queue, &mut self.slots[..count])
    }

    /// Receive packets and hand each to `callback` until a [`StopHandle`]
    /// stops the run (`Ok(None)`) or the callback breaks
    /// (`Ok(Some(value))`). The packet is borrowed for the call: verdict
    /// it, retain it, or let it go with the default verdict. A panic in
    /// the callback ends the run and is resumed once the library returned.
    ///
    /// ```no_run
    /// use std::ops::ControlFlow;
    /// use nfqueue::{Config, Queue};
    ///
    /// let mut queue = Queue::open(1, &Config::new())?;
    /// let mut seen = 0;
    /// queue.run(|packet| {
    ///     seen += 1;
    ///     let _ = packet.accept();
    ///     if seen == 100 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    /// })?;
    /// # Ok::<(), nfqueue::Error>(())
    /// ```
    pub fn run<B, F>(&mut self, callback: F) -> Result<Option<B>>
    where
        F: FnMut(Packet<'_>) -> ControlFlow<B>,
    {
        let mut state = Trampoline { callback, broke: None, panic: None };
        // SAFETY: the trampoline matches the callback type; state lives
        // across the call and is reached only through userdata.
        let rc = unsafe {
            sys::nfqueue_queue_run(self.ptr(), callback_for(&state), ptr::addr_of_mut!(state).cast())
        };
        let error = if rc < 0 { Some(Error::last(rc)) } else { None };
        if let Some(payload) = state.panic {
            panic::resume_unwind(payload);
        }
        match error {
            Some(error) => Err(error),
            None => Ok(state.broke),
        }
    }

    /// Handle the packets ready now (at most the batch size) without
    /// blocking, each by `callback`; how many there were. For an event
    /// loop of one's own, on [`AsFd`]: readable means work.
    pub fn dispatch<F>(&mut self, mut callback: F) -> Result<usize>
    where
        F: FnMut(Packet<'_>),
    {
        let adapter = move |packet: Packet<'_>| -> ControlFlow<()> {
            callback(packet);
            ControlFlow::Continue(())
        };
        let mut state = Trampoline { callback: adapter, broke: None::<()>, panic: None };
        let mut count = 0;
        // SAFETY: as in run().
        let rc = unsafe {
            sys::nfqueue_queue_dispatch(
                &mut count,
                self.ptr(),
                callback_for(&state),
                ptr::addr_of_mut!(state).cast(),
            )
        };
        let error = if rc < 0 { Some(Error::last(rc)) } else { None };
        if let Some(payload) = state.panic {
            panic::resume_unwind(payload);
        }
        match error {
            Some(error) => Err(error),
            None => Ok(count),
        }
    }

    /// Send the verdicts collected so far now (see
    /// [`Config::coalesce`](crate::Config::coalesce)).
    pub fn flush(&mut self) -> Result<()> {
        // SAFETY: driving thread only, which &mut self ensures.
        check(unsafe { sys::nfqueue_queue_flush(self.ptr()) })
    }

    /// How many times the kernel reported messages lost for a full socket buffer.
    pub fn enobufs_count(&self) -> u64 {
        // SAFETY: any thread; the handle is alive while self is.
        unsafe { sys::nfqueue_queue_enobufs_count(self.ptr()) }
    }

    /// The kernel's and the library's counters for this queue.
    pub fn stats(&self) -> Result<Stats> {
        stats(self.ptr())
    }

    /// Close the queue now, reporting the library's answer (dropping it
    /// does the same and ignores it): every packet still pending gets the
    /// default verdict, and verdicts on retained packets fail with
    /// [`ErrorKind::Closed`](crate::ErrorKind::Closed) from then on.
    pub fn close(mut self) -> Result<()> {
        self.closed = true;
        // SAFETY: not driven by another thread (we own self); idempotent.
        check(unsafe { sys::nfqueue_queue_close(self.ptr()) })
    }
}

impl Drop for Queue {
    fn drop(&mut self) {
        if !self.closed {
            // SAFETY: as in close(); the handle itself is freed by the last owner.
            let _ = unsafe { sys::nfqueue_queue_close(self.ptr()) };
        }
    }
}

/// The queue's fd as tokio's reactor holds it: borrowed, never closed
/// there (feature `tokio`).
#[cfg(feature = "tokio")]
#[derive(Debug)]
pub(crate) struct QueueFd(RawFd);

#[cfg(feature = "tokio")]
impl AsRawFd for QueueFd {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

#[cfg(feature = "tokio")]
impl Queue {
    /// Register the socket with the current tokio reactor, for readability.
    /// The registration must be dropped before the queue (AsyncQueue
    /// declares it first).
    pub(crate) fn register_readable(&self) -> std::io::Result<tokio::io::unix::AsyncFd<QueueFd>> {
        let fd = QueueFd(self.as_raw_fd());
        // SAFETY: the fd is the queue's open socket, which stays open and
        // the same until the queue closes; its only owner, AsyncQueue,
        // drops the registration before the queue.
        unsafe { tokio::io::unix::AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE) }
            .map_err(std::io::Error::from)
    }
}

impl AsRawFd for Queue {
    /// The netlink socket, for poll/epoll: readable means a receive will
    /// find work. Do not read from it or close it.
    fn as_raw_fd(&self) -> RawFd {
        // SAFETY: any thread; the handle is alive while self is.
        unsafe { sys::nfqueue_queue_fd(self.ptr()) }
    }
}

impl AsFd for Queue {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: an open queue's fd stays open as long as the queue is,
        // which outlives the borrow of self (close consumes the queue).
        unsafe { BorrowedFd::borrow_raw(self.as_raw_fd()) }
    }
}
