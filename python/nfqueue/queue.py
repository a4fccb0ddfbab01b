# SPDX-License-Identifier: GPL-2.0-or-later
"""A bound NFQUEUE queue and the three ways to receive its packets.

Callback::

    with nfqueue.Queue(1) as queue:
        queue.run(lambda packet: packet.accept())   # until queue.stop()

Iterator, and batches::

    with nfqueue.Queue(1) as queue:
        for packet in queue:
            packet.drop() if packet.payload[9] == 17 else packet.accept()

        batch = queue.recv(max_packets=32, timeout=1.0)
        queue.verdict_packets((p, nfqueue.Verdict.ACCEPT) for p in batch)

asyncio, on the running loop::

    async def main():
        with nfqueue.Queue(1) as queue:
            async for packet in queue.packets():
                packet.accept()

Every rule of a packet's life (when it expires, the default verdict, one
receiver at a time, what a full socket buffer does, how a wait ends) is
libnfqueue's; this class maps it onto Python. Verdicts given while a batch
is handled reach the kernel together, in one message, before the library
waits again (``coalesce=True``, the default).
"""
from __future__ import annotations

import asyncio
import math
import warnings
import weakref
from typing import (Any, AsyncIterator, Callable, Iterable, Iterator, List, NamedTuple,
                    Optional, Tuple, Union)

from . import _nfqueue as _c
from . import _validate
from .enums import CopyMode, Verdict
from .errors import NfqueueError, QueueClosedError
from .packet import Packet

__all__ = ["Queue", "Decision", "QueueStats"]

Callback = Callable[[Packet], Any]
Payload = Union[bytes, bytearray, memoryview]

# The longest wait C takes in milliseconds (an int).
_WAIT_MAX_MS = 0x7FFFFFFF


class Decision(NamedTuple):
    """One packet's verdict for :meth:`Queue.verdict_packets`: a plain
    ``(packet, verdict)`` pair is one too. `mark` and `payload` travel with
    the verdict as in :meth:`Packet.verdict`; with `queue` the packet goes
    to that queue instead (`verdict` is then ignored; `bypass` as in
    :meth:`Packet.queue_to`)."""
    packet: Packet
    verdict: Verdict = Verdict.ACCEPT
    mark: Optional[int] = None
    payload: Optional[Payload] = None
    queue: Optional[int] = None
    bypass: bool = False


class QueueStats(NamedTuple):
    """A queue's counters (:meth:`Queue.stats`): the kernel's, read from
    /proc/net/netfilter/nfnetlink_queue of the queue's namespace, and the
    library's own."""
    portid: int         #: the socket's netlink port id
    waiting: int        #: packets the kernel holds for a verdict now
    queue_dropped: int  #: dropped because the kernel queue was full (see max_len)
    user_dropped: int   #: dropped because the socket buffer was full (see rcvbuf)
    id_sequence: int    #: the id of the newest packet queued
    rcvbuf: int         #: the socket's receive buffer as the kernel reports it
    enobufs: int        #: overflow episodes the kernel reported (Queue.enobufs_count)
    skipped: int        #: messages the library ignored: malformed, or not from the kernel
    verdict_errors: int  #: verdicts the kernel refused (a packet it no longer held, ...)
    unstored: int       #: packets given the default verdict on arrival for want of memory


def _release(handle: Any, owner: Any, num: int) -> None:
    """Finalizer: close the C queue if the program did not. Its memory goes
    with `owner`, once no packet or payload view needs it any more."""
    if _c.queue_fd(handle) >= 0:
        warnings.warn(f"nfqueue.Queue {num} was not closed; closing it now",
                      ResourceWarning, stacklevel=2)
    try:
        _c.owner_close(owner)
    except NfqueueError:
        pass  # at interpreter exit, a daemon thread may still drive it
    del owner  # held until now: the handle had to stay valid for the close


def _flag(name: str, value: object) -> int:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {value!r}")
    return int(value)


def _timeout_ms(timeout: Optional[float]) -> int:
    """Seconds (None: forever) as C's milliseconds, rounded up so that a
    wait never ends early."""
    if timeout is None:
        return -1
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or \
            not timeout >= 0:
        _validate.invalid(f"timeout must be None or seconds >= 0, got {timeout!r}")
    return min(_WAIT_MAX_MS, math.ceil(timeout * 1000))


class Queue:
    """Bind queue `num` (0..65535) and receive the packets the kernel
    queues to it (``iptables ... -j NFQUEUE --queue-num NUM``).

    copy_mode, copy_range
        how much of each packet to copy: ``CopyMode.PACKET`` with up to
        `copy_range` bytes (values above 65531 mean all of it),
        ``CopyMode.META`` for metadata only.
    max_len
        packets the kernel holds for us before it drops (or with
        `fail_open` accepts) new ones (default 4096).
    fail_open, conntrack, gso, uid_gid, secctx
        kernel queue flags. A kernel without one raises NotSupportedError.
    rcvbuf
        socket receive buffer in bytes. By default the library sizes it to
        hold a full kernel queue (`max_len` packets of `copy_range` bytes),
        so the kernel drops for a full queue before it drops for a full
        socket buffer.
    no_enobufs
        do not let the kernel report messages it dropped for a full
        buffer: ``enobufs_count`` then stays 0; ``stats()`` still counts them.
    default_verdict
        ``Verdict.ACCEPT`` (default) or ``Verdict.DROP``: what a packet gets
        when it expires, is released or garbage-collected, or is pending
        at close without a verdict.
    batch_size
        packets received per call into C (1..BATCH_SIZE_MAX, 4096).
    coalesce
        True (default): verdicts on borrowed packets are collected and sent
        in one message when the library is about to wait or hand control
        back (after a batch of callbacks, once the last packet of a
        ``recv()`` has its verdict, at the next receive, ``flush()`` or
        close); no verdict ever waits for another packet. False: each
        verdict is sent at once.
    fd
        an existing ``AF_NETLINK``/``NETLINK_NETFILTER`` socket to use,
        e.g. one made in another network namespace. It stays yours: close()
        does not close it.
    netns
        a network namespace to open the queue in, e.g. ``/run/netns/lab``.

    A full socket buffer (the kernel dropped packets before we read them)
    never raises: run(), recv(), iteration and packets() all count it in
    ``enobufs_count`` and go on; ``stats()`` has the kernel's count of the
    packets lost (``user_dropped``).

    Waits (run, recv, iteration) end when a signal arrives, so Python runs
    its handler at once (Ctrl+C raises KeyboardInterrupt there); a handler
    that does not raise lets the wait go on.

    Raises QueueBusyError if another socket holds the queue,
    PermissionDeniedError without CAP_NET_ADMIN, TypeError or ValueError
    for bad arguments.
    """

    def __init__(self, num: int, *, copy_mode: CopyMode = CopyMode.PACKET,
                 copy_range: int = 0xFFFF, max_len: Optional[int] = None,
                 fail_open: bool = False, conntrack: bool = False, gso: bool = False,
                 uid_gid: bool = False, secctx: bool = False, rcvbuf: Optional[int] = None,
                 no_enobufs: bool = False, default_verdict: Verdict = Verdict.ACCEPT,
                 batch_size: int = 64, coalesce: bool = True, fd: Optional[int] = None,
                 netns: Optional[str] = None) -> None:
        num = _validate.integer("queue number", num, 0, _c.QUEUE_NUM_MAX)
        config = _c.config_new()
        try:
            self._configure(config, copy_mode, copy_range, max_len,
                            dict(fail_open=fail_open, conntrack=conntrack, gso=gso,
                                 uid_gid=uid_gid, secctx=secctx),
                            rcvbuf, no_enobufs, default_verdict, batch_size, coalesce, fd, netns)
            handle = _c.queue_open(num, config)
            # Read back from C, which owns the values now.
            default = Verdict(_c.config_get_default_verdict(config))
            batch_size = _c.config_get_batch_size(config)
        finally:
            _c.config_free(config)
        self._handle = handle
        # Frees the C queue when the last of this object, its packets and
        # their payload views is gone (see QueueOwner in bindings/packet.i).
        self._owner = _c.queue_owner(handle, Packet)
        self._num = num
        self._default = default
        self._batch_size = batch_size
        # The asyncio wait in progress, which stop() must wake (packets()).
        self._waiter: Optional[Tuple[asyncio.AbstractEventLoop, "asyncio.Future[None]"]] = None
        self._finalizer = weakref.finalize(self, _release, handle, self._owner, num)

    @staticmethod
    def _configure(config: Any, copy_mode: CopyMode, copy_range: int,
                   max_len: Optional[int], flags: dict, rcvbuf: Optional[int],
                   no_enobufs: bool, default_verdict: Verdict, batch_size: int,
                   coalesce: bool, fd: Optional[int], netns: Optional[str]) -> None:
        """Check every option's type in Python first (TypeError), then hand
        it to the C config."""
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
            bits |= bit if _flag(name, flags[name]) else 0
        _c.config_set_flags(config, bits)
        if rcvbuf is not None:
            _c.config_set_rcvbuf(config, _validate.integer("rcvbuf", rcvbuf, 1, _c.RCVBUF_MAX))
        _c.config_set_no_enobufs(config, _flag("no_enobufs", no_enobufs))
        if default_verdict not in (Verdict.ACCEPT, Verdict.DROP):
            _validate.invalid("default_verdict must be Verdict.ACCEPT or Verdict.DROP, "
                              f"got {default_verdict!r}")
        _c.config_set_default_verdict(config, int(default_verdict))
        _c.config_set_batch_size(config, _validate.integer("batch_size", batch_size, 1,
                                                           _c.BATCH_SIZE_MAX))
        _c.config_set_coalesce(config, _flag("coalesce", coalesce))
        if fd is not None:
            _c.config_set_fd(config, _validate.integer("fd", fd, 0, 0x7FFFFFFF))
        if netns is not None:
            if not isinstance(netns, str) or not netns:
                raise TypeError(f"netns must be a non-empty path string, not {netns!r}")
            _c.config_set_netns(config, netns)
        # How the package waits and reports loss, whatever the options:
        # Python's signal handlers must run during a wait, and recv()
        # treats a full socket buffer as run() does.
        _c.config_set_interruptible(config, 1)
        _c.config_set_nobufs_errors(config, 0)

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
        return _c.queue_fd(self._handle) < 0

    @property
    def default_verdict(self) -> Verdict:
        """The verdict for packets that expire without one."""
        return self._default

    @property
    def enobufs_count(self) -> int:
        """How often the kernel reported dropping messages for a full socket
        buffer (one report may cover many packets: see stats())."""
        return _c.queue_enobufs_count(self._open_handle())

    def stats(self) -> QueueStats:
        """The queue's counters now: packets waiting in the kernel, packets
        it dropped for a full queue (``queue_dropped``) or a full socket
        buffer (``user_dropped``), the buffer's real size, and more (see
        QueueStats). Safe from any thread. NotSupportedError where the
        kernel publishes no counters."""
        return QueueStats(**_c.queue_stats(self._handle))

    def fileno(self) -> int:
        """The netlink socket, for select/poll/selectors: readable means
        recv(timeout=0) finds work. Do not read from it or close it."""
        return _c.queue_fd(self._open_handle())

    def _open_handle(self) -> Any:
        if self.closed:
            raise QueueClosedError(f"queue {self._num} is closed; open a new Queue",
                                   _c.E_CLOSED)
        return self._handle

    def close(self) -> None:
        """Give every pending packet the default verdict, unbind the queue
        and close its socket. Idempotent. Retained packets' verdicts raise
        QueueClosedError afterwards. Not from inside run() of this queue
        or while another thread receives (QueueBusyError): call stop()
        there, then close after run() returns."""
        if not self.closed:
            _c.owner_close(self._owner)

    def stop(self) -> None:
        """End run(), an iteration or a waiting recv() (which returns []).
        Safe from a signal handler and from another thread. A stop asked
        for while nothing runs ends the next run at once; one stop ends
        one run or wait."""
        _c.queue_stop(self._open_handle())
        waiter = self._waiter
        if waiter is not None:  # packets() waits on its loop, not in C
            loop, woken = waiter
            loop.call_soon_threadsafe(_wake, woken)

    def flush(self) -> None:
        """Send the verdicts collected so far now (see `coalesce`): for a
        program that holds some packets of a batch for long and wants the
        others settled first. Only from the thread that receives."""
        _c.queue_flush(self._open_handle())

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

    def verdict_packets(self, decisions: Iterable[Union[Decision, Tuple[Any, ...]]]) -> None:
        """Give each packet its own verdict, in one message to the kernel::

            queue.verdict_packets([(a, Verdict.ACCEPT), (b, Verdict.DROP),
                                   Decision(c, Verdict.ACCEPT, mark=7, payload=data)])

        Each item is a :class:`Decision` or a tuple of its fields
        (``(packet, verdict)`` at least). Every decision is checked before
        anything is sent: if one is wrong (an expired packet, a second
        verdict, a packet named twice), nothing is sent and the error's
        ``index`` attribute names the decision. Borrowed and retained
        packets may be mixed."""
        specs = []
        for index, item in enumerate(decisions):
            try:
                specs.append(_spec(item))
            except (TypeError, ValueError) as error:
                setattr(error, "index", index)  # which decision, as C reports it
                raise
        _c.queue_verdict_packets(self._open_handle(), specs)

    # ---- receiving: each call is one into C ----

    def recv(self, max_packets: Optional[int] = None,
             timeout: Optional[float] = None) -> List[Packet]:
        """A batch of up to `max_packets` (default and at most: the batch
        size) packets, waiting up to `timeout` seconds for the first (None:
        as long as it takes, 0: not at all). They are borrowed until the
        next receive or close. [] on timeout or after stop(). A full socket
        buffer does not raise: see enobufs_count and stats()."""
        limit = self._batch_limit(max_packets)
        got = _c.queue_pull(self._owner, limit, _timeout_ms(timeout))
        return [] if got is None else got

    def _batch_limit(self, max_packets: Optional[int]) -> int:
        if max_packets is None:
            return self._batch_size
        # C hands out at most the batch size.
        return min(self._batch_size, _validate.integer("max_packets", max_packets, 1, 1 << 30))

    def __iter__(self) -> Iterator[Packet]:
        """Packets one by one, each borrowed until the next is asked for.
        Ends after stop()."""
        while True:
            got = _c.queue_pull(self._owner, 1, -1)
            if got is None:
                return
            if got:
                yield got.pop()  # popped: the frame holds no packet while suspended

    def run(self, callback: Callback) -> None:
        """Call `callback(packet)` for every packet until stop() is called.
        Each packet is borrowed until its callback returns; its return value
        is ignored. An exception from the callback, or KeyboardInterrupt,
        ends run() and propagates; packets received but not yet handed out
        wait for the next receive. A full socket buffer does not end it:
        see enobufs_count and stats()."""
        if not callable(callback):
            raise TypeError(f"callback must be callable, not {type(callback).__name__}")
        _c.queue_run(self._owner, callback)

    async def packets(self) -> AsyncIterator[Packet]:
        """Packets one by one on the running asyncio loop (no thread): each
        is borrowed until the next is asked for, also across awaits in the
        loop's body. Ends after stop().

        Verdicts are plain calls, not coroutines: none makes the caller
        wait. To decide in another task, retain() the packet and give it
        its verdict there::

            async for packet in queue.packets():
                asyncio.create_task(judge_later(packet.retain()))
        """
        loop = asyncio.get_running_loop()
        while True:
            got = _c.queue_pull(self._owner, 1, 0)
            if got is None:
                return
            if got:
                yield got.pop()
                continue
            await self._readable(loop)

    async def _readable(self, loop: asyncio.AbstractEventLoop) -> None:
        """Wait on `loop` until the socket is readable or stop() is called
        (C's own stop cannot wake an event loop: stop() does it here)."""
        woken: "asyncio.Future[None]" = loop.create_future()
        fd = self.fileno()
        loop.add_reader(fd, _wake, woken)
        self._waiter = (loop, woken)
        try:
            await woken
        finally:
            self._waiter = None
            loop.remove_reader(fd)


def _spec(item: Union[Decision, Tuple[Any, ...]]) -> Tuple[Any, ...]:
    """One decision, checked, as the SWIG core takes it (bindings/batch.i)."""
    d = item if isinstance(item, Decision) else Decision(*item)
    if not isinstance(d.packet, Packet):
        raise TypeError(f"a decision's packet must be an nfqueue.Packet, "
                        f"not {type(d.packet).__name__}")
    verdict = _validate.member(Verdict, d.verdict, "verdict")
    queue = -1 if d.queue is None else \
        _validate.integer("queue number", d.queue, 0, _c.QUEUE_NUM_MAX)
    return (d.packet, int(verdict), _validate.mark(d.mark),
            _validate.payload(d.payload, _c.PAYLOAD_MAX), queue, _flag("bypass", d.bypass))


def _wake(woken: "asyncio.Future[None]") -> None:
    if not woken.done():
        woken.set_result(None)
