"""A bound NFQUEUE queue and the three ways to receive its packets.

Callback::

    with nfqueue.Queue(1) as queue:
        queue.run(lambda packet: packet.accept())   # until queue.stop()

Iterator, and batches::

    with nfqueue.Queue(1) as queue:
        for packet in queue:
            packet.drop() if packet.payload[9] == 17 else packet.accept()

        batch = queue.recv(max_packets=32, timeout=1.0)

asyncio, on the running loop::

    async def main():
        with nfqueue.Queue(1) as queue:
            async for packet in queue.packets():
                packet.accept()
"""
from __future__ import annotations

import collections
import threading
import time
import warnings
import weakref
from typing import (Any, AsyncIterator, Callable, Deque, Iterator, List, Optional,
                    Union)

from . import _nfqueue as _c
from . import _validate
from ._wakeup import Wakeup
from .enums import CopyMode, Verdict
from .errors import BufferOverflowError, NfqueueError, QueueBusyError, QueueClosedError
from .packet import Packet

__all__ = ["Queue"]

Callback = Callable[[Packet], Any]


def _release(handle: Any, owner: Any, wakeup: Wakeup, num: int, closed: List[bool]) -> None:
    """Finalizer: close the C queue if the program did not. Its memory goes
    with `owner`, once no payload view needs it any more."""
    if not closed[0]:
        warnings.warn(f"nfqueue.Queue {num} was not closed; closing it now",
                      ResourceWarning, stacklevel=2)
    # In a reference cycle the collector may call this before an owner's
    # __del__ calls close(): that close must find the queue closed.
    closed[0] = True
    try:
        _c.queue_close(handle)
    except NfqueueError:
        pass  # at interpreter exit, a daemon thread may still drive it
    wakeup.close()
    del owner  # held until now: the handle had to stay valid for the close


class Queue:
    """Bind queue `num` (0..65535) and receive the packets the kernel
    queues to it (``iptables ... -j NFQUEUE --queue-num NUM``).

    copy_mode, copy_range
        how much of each packet to copy: ``CopyMode.PACKET`` with up to
        `copy_range` bytes (values above 65531 mean all of it),
        ``CopyMode.META`` for metadata only.
    max_len
        packets the kernel holds for us before it drops (or with
        `fail_open` accepts) new ones.
    fail_open, conntrack, gso, uid_gid, secctx
        kernel queue flags. A kernel without one raises NotSupportedError.
    rcvbuf
        socket receive buffer in bytes (default: the kernel's).
    no_enobufs
        do not report messages the kernel dropped for a full buffer.
    default_verdict
        ``Verdict.ACCEPT`` (default) or ``Verdict.DROP``: what a packet gets
        when it expires, is garbage-collected, or is pending at close
        without a verdict.
    batch_size
        packets received per call into C (1..BATCH_SIZE_MAX, 4096).
    fd
        an existing ``AF_NETLINK``/``NETLINK_NETFILTER`` socket to use,
        e.g. one made in another network namespace. It stays yours: close()
        does not close it.
    netns
        a network namespace to open the queue in, e.g. ``/run/netns/lab``.

    Raises QueueBusyError if another socket holds the queue,
    PermissionDeniedError without CAP_NET_ADMIN, TypeError or ValueError
    for bad arguments.
    """

    def __init__(self, num: int, *, copy_mode: CopyMode = CopyMode.PACKET,
                 copy_range: int = 0xFFFF, max_len: Optional[int] = None,
                 fail_open: bool = False, conntrack: bool = False, gso: bool = False,
                 uid_gid: bool = False, secctx: bool = False, rcvbuf: Optional[int] = None,
                 no_enobufs: bool = False, default_verdict: Verdict = Verdict.ACCEPT,
                 batch_size: int = 64, fd: Optional[int] = None,
                 netns: Optional[str] = None) -> None:
        num = _validate.integer("queue number", num, 0, _c.QUEUE_NUM_MAX)
        config = _c.config_new()
        try:
            self._configure(config, copy_mode, copy_range, max_len,
                            dict(fail_open=fail_open, conntrack=conntrack, gso=gso,
                                 uid_gid=uid_gid, secctx=secctx),
                            rcvbuf, no_enobufs, default_verdict, batch_size, fd, netns)
            wakeup = Wakeup()  # before the queue: nothing may fail once it is bound
            try:
                handle = _c.queue_open(num, config)
            except BaseException:
                wakeup.close()
                raise
        finally:
            _c.config_free(config)
        self._handle = handle
        # Frees the C queue when the last of this object and its payload
        # views is gone (see queue_owner in bindings/payload.i).
        self._owner = _c.queue_owner(handle)
        self._num = num
        self._default = Verdict(default_verdict)
        self._batch_size = int(batch_size)  # checked by _configure
        self._closed = [False]  # shared with the finalizer
        self._wakeup = wakeup
        # Packets handed out of the current batch, and those not yet.
        self._delivered: List[Packet] = []
        self._undelivered: Deque[Packet] = collections.deque()
        self._driving = threading.Lock()
        self._finalizer = weakref.finalize(self, _release, handle, self._owner, wakeup, num,
                                           self._closed)

    @staticmethod
    def _configure(config: Any, copy_mode: CopyMode, copy_range: int,
                   max_len: Optional[int], flags: dict, rcvbuf: Optional[int],
                   no_enobufs: bool, default_verdict: Verdict, batch_size: int,
                   fd: Optional[int], netns: Optional[str]) -> None:
        """Check every option in Python first (TypeError, ValueError), then
        hand it to the C config."""
        mode = _validate.member(CopyMode, copy_mode, "copy_mode")
        copy_range = _validate.integer("copy_range", copy_range, 0, 0xFFFF)
        _c.config_set_copy_mode(config, int(mode), min(copy_range, _c.PAYLOAD_MAX))
        if max_len is not None:
            _c.config_set_max_len(config, _validate.integer("max_len", max_len, 1,
                                                            _validate.UINT32_MAX))
        bits = 0
        for name, bit in (("fail_open", _c.FLAG_FAIL_OPEN), ("conntrack", _c.FLAG_CONNTRACK),
                          ("gso", _c.FLAG_GSO), ("uid_gid", _c.FLAG_UID_GID),
                          ("secctx", _c.FLAG_SECCTX)):
            if not isinstance(flags[name], bool):
                raise TypeError(f"{name} must be True or False, not {flags[name]!r}")
            bits |= bit if flags[name] else 0
        _c.config_set_flags(config, bits)
        if rcvbuf is not None:
            _c.config_set_rcvbuf(config, _validate.integer("rcvbuf", rcvbuf, 1, _c.RCVBUF_MAX))
        if not isinstance(no_enobufs, bool):
            raise TypeError(f"no_enobufs must be True or False, not {no_enobufs!r}")
        _c.config_set_no_enobufs(config, int(no_enobufs))
        if default_verdict not in (Verdict.ACCEPT, Verdict.DROP):
            _validate.invalid("default_verdict must be Verdict.ACCEPT or Verdict.DROP, "
                              f"got {default_verdict!r}")
        _c.config_set_default_verdict(config, int(default_verdict))
        _c.config_set_batch_size(config, _validate.integer("batch_size", batch_size, 1, _c.BATCH_SIZE_MAX))
        if fd is not None:
            _c.config_set_fd(config, _validate.integer("fd", fd, 0, 0x7FFFFFFF))
        if netns is not None:
            if not isinstance(netns, str) or not netns:
                raise TypeError(f"netns must be a non-empty path string, not {netns!r}")
            _c.config_set_netns(config, netns)

    # ---- the queue itself ----

    def __repr__(self) -> str:
        return f"<nfqueue.Queue {self._num}{' closed' if self.closed else ''}>"

    def __enter__(self) -> "Queue":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def num(self) -> int:
        """The queue number."""
        return self._num

    @property
    def closed(self) -> bool:
        """True once close() was called."""
        return self._closed[0]

    @property
    def default_verdict(self) -> Verdict:
        """The verdict for packets that expire without one."""
        return self._default

    @property
    def enobufs_count(self) -> int:
        """How often the kernel dropped messages for a full socket buffer."""
        return _c.queue_enobufs_count(self._open_handle())

    def fileno(self) -> int:
        """The netlink socket, for select/poll/selectors: readable means
        recv(timeout=0) finds work. Do not read from it or close it."""
        return _c.queue_fd(self._open_handle())

    def _open_handle(self) -> Any:
        if self._closed[0]:
            raise QueueClosedError(f"queue {self._num} is closed; open a new Queue",
                                   _c.E_CLOSED)
        return self._handle

    def close(self) -> None:
        """Give every pending packet the default verdict, unbind the queue
        and close its socket. Idempotent. Retained packets' verdicts raise
        QueueClosedError afterwards. Not from inside run() of this queue:
        call stop() there, then close after run() returns."""
        if self._closed[0]:
            return
        if not self._driving.acquire(blocking=False):
            raise QueueBusyError(
                f"queue {self._num} is being driven (run() or a receive is in progress): "
                "call stop() and close it after that returns", _c.E_BUSY)
        try:
            self._expire_delivered()
            _c.queue_close(self._handle)
            self._undelivered.clear()  # C gave them the default verdict
            self._closed[0] = True
            # The wake-up pipe stays open until the finalizer: a stop()
            # racing this close then writes into a pipe, not a reused fd.
        finally:
            self._driving.release()

    def stop(self) -> None:
        """End run(), an iteration or a waiting recv() (which returns []).
        Safe from a signal handler and from another thread. A stop asked
        for while nothing runs ends the next run at once."""
        self._open_handle()
        self._wakeup.request_stop()

    def verdict_batch(self, up_to: Union[int, Packet], verdict: Verdict = Verdict.ACCEPT,
                      mark: Optional[int] = None) -> None:
        """Give `verdict` (and `mark`, if given) to every pending packet up
        to packet id `up_to` (or that packet) in one message."""
        up_to_id = up_to.id if isinstance(up_to, Packet) else \
            _validate.integer("up_to", up_to, 0, _validate.UINT32_MAX)
        verdict = _validate.member(Verdict, verdict, "verdict")
        new_mark = _validate.mark(mark)
        _c.queue_verdict_batch(self._open_handle(), up_to_id, int(verdict),
                               int(new_mark is not None), new_mark or 0)

    # ---- receiving ----

    def _expire_delivered(self) -> None:
        delivered, self._delivered = self._delivered, []
        for packet in delivered:
            packet._expire(self._default)

    def _take(self, limit: int, timeout: Optional[float],
              report_overflow: bool = False) -> Optional[List[Packet]]:
        """Up to `limit` packets, waiting up to `timeout` seconds (None:
        until one comes). The packets handed out before expire first.
        [] on timeout, None if stop() ended the wait. Messages the kernel
        dropped for a full socket buffer raise BufferOverflowError only
        with `report_overflow` (as the C pull reports them); otherwise they
        are counted in enobufs_count and receiving goes on (as C's run)."""
        self._expire_delivered()
        if self._wakeup.take_stop():
            return None
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._undelivered:
            try:
                handles = _c.queue_pull(self._open_handle(), self._batch_size, 0)
            except BufferOverflowError:
                if report_overflow:
                    raise
                continue
            if handles:
                self._undelivered.extend(Packet(h, self) for h in handles)
                break
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return []
            self._wakeup.wait(self.fileno(), left)
            if self._wakeup.take_stop():
                return None
        count = min(limit, len(self._undelivered))
        self._delivered = [self._undelivered.popleft() for _ in range(count)]
        return list(self._delivered)

    def _drive(self) -> "_Driving":
        return _Driving(self)

    def recv(self, max_packets: Optional[int] = None,
             timeout: Optional[float] = None) -> List[Packet]:
        """A batch of up to `max_packets` (default: the batch size) packets,
        waiting up to `timeout` seconds for the first (None: as long as it
        takes, 0: not at all). They are borrowed until the next recv,
        iteration step or close. [] on timeout or after stop()."""
        limit = self._batch_size if max_packets is None else \
            _validate.integer("max_packets", max_packets, 1, 1 << 30)
        if timeout is not None and (not isinstance(timeout, (int, float)) or timeout < 0):
            _validate.invalid(f"timeout must be None or seconds >= 0, got {timeout!r}")
        with self._drive():
            return self._take(limit, timeout, report_overflow=True) or []

    def __iter__(self) -> Iterator[Packet]:
        """Packets one by one, each borrowed until the next is asked for.
        Ends after stop()."""
        while True:
            with self._drive():
                batch = self._take(1, None)
            if batch is None:
                return
            yield batch.pop()  # popped: the frame holds no packet while suspended

    def run(self, callback: Callback) -> None:
        """Call `callback(packet)` for every packet until stop() is called.
        Each packet is borrowed until its callback returns. An exception
        from the callback, or KeyboardInterrupt, ends run() and propagates;
        packets received but not yet handed out wait for the next run.
        Messages the kernel dropped for a full socket buffer do not end
        it: see enobufs_count."""
        if not callable(callback):
            raise TypeError(f"callback must be callable, not {type(callback).__name__}")
        with self._drive():
            while True:
                batch = self._take(self._batch_size, None)
                if batch is None or not self._call_back(callback, batch):
                    return

    def _call_back(self, callback: Callback, batch: List[Packet]) -> bool:
        """Hand a batch to the callback; False once stop() was called.
        A method of its own so that no packet stays referenced from run()'s
        frame while it waits: a retained packet the program let go of must
        be freed (and get the default verdict) now, not at the next batch."""
        try:
            for index, packet in enumerate(batch):
                try:
                    callback(packet)
                except BaseException:
                    self._give_back(batch[index + 1:])
                    raise
                finally:
                    packet._expire(self._default)
                if self._wakeup.stop_requested:
                    self._give_back(batch[index + 1:])
                    self._wakeup.take_stop()
                    return False
            return True
        finally:
            # Each packet expired as its callback returned: the queue need
            # not hold them, so a retained one let go is freed at once.
            self._delivered = [p for p in self._delivered if not p.expired and not p.retained]

    def _give_back(self, packets: List[Packet]) -> None:
        """Packets of a batch the callback did not see: the next receive
        hands them out first."""
        self._undelivered.extendleft(reversed(packets))
        self._delivered = [p for p in self._delivered if p not in packets]

    async def packets(self) -> AsyncIterator[Packet]:
        """Packets one by one on the running asyncio loop (no thread): each
        is borrowed until the next is asked for, also across awaits in the
        loop's body. Ends after stop().

        Verdicts are plain calls, not coroutines: each is one message to
        the kernel, which never makes the caller wait. To decide in another
        task, retain() the packet and give it its verdict there::

            async for packet in queue.packets():
                asyncio.create_task(judge_later(packet.retain()))
        """
        while True:
            with self._drive():
                batch = self._take(1, 0)
            if batch is None:
                return
            if batch:
                yield batch.pop()
                continue
            await self._wakeup.wait_async(self.fileno())


class _Driving:
    """One thread receives from a queue at a time: a second one (or a call
    from inside run's callback) gets QueueBusyError instead of a deadlock."""

    def __init__(self, queue: Queue) -> None:
        self._queue = queue

    def __enter__(self) -> None:
        if not self._queue._driving.acquire(blocking=False):
            raise QueueBusyError(
                f"queue {self._queue.num} is already being received from (by another "
                "thread, or this is its own run() callback); one receiver at a time",
                _c.E_BUSY)

    def __exit__(self, *exc_info: object) -> None:
        self._queue._driving.release()
