# SPDX-License-Identifier: GPL-2.0-or-later
"""``netfilterqueue.NetfilterQueue`` on libnfqueue.

The object owns one netlink socket for its whole life (see _socket.py);
each bind() opens a libnfqueue queue on that socket (a ``Binding``) and
unbind() closes it. run() pulls a batch of packets from C at a time
(``nfqueue_queue_pull``: one call, the GIL released while it waits) and
hands each to ``global_callback``; C sends the batch's verdicts together
in one message. NetfilterQueue's per-packet rules are kept where programs
depend on them: each packet is handed to the callback on its own, a
callback may unbind() (no later packet of the batch reaches a callback),
and an exception from it ends run() with the packets not yet handed out
kept for the next run().
"""
from __future__ import annotations

import errno
import socket
import sys
import threading
import time
import warnings
from typing import Any, Callable, List, Optional, Set

import nfqueue
from nfqueue import _nfqueue as _c

from . import _socket
from ._convert import c_integer, c_unsigned
from ._packet import Packet

COPY_NONE = int(nfqueue.CopyMode.NONE)
COPY_META = int(nfqueue.CopyMode.META)
COPY_PACKET = int(nfqueue.CopyMode.PACKET)

_MODES = (COPY_NONE, COPY_META, COPY_PACKET)

# NetfilterQueue's default sock_len: room for its default 1024 queued
# packets of its 4016-byte copies plus the kernel's per-message overhead,
# halved because the kernel doubles what is asked for. Here it is a
# floor: libnfqueue sizes the buffer for the queue length and copy range
# (whole packets), and a larger sock_len raises it (see bind()).
DEFAULT_SOCK_LEN = 1024 * (4016 + 780) // 2

_QUEUE_NUM_MAX = nfqueue.QUEUE_NUM_MAX
_DROP = int(nfqueue.Verdict.DROP)
# Packets per pull: C's default batch.
_BATCH = 64
# A callback slower than this (seconds) has its verdicts sent at once.
_SLOW_CALLBACK = 0.001
_clock = time.monotonic


class Binding:
    """One bound queue: the C queue, its owner, the callback, and the
    packets that are waiting for a verdict the program may still give."""

    __slots__ = ("queue", "owner", "num", "callback", "last_judged", "unjudged",
                 "packet_class", "pending", "batch")

    def __init__(self, handle: Any, num: int, callback: Callable[[Packet], Any]) -> None:
        self.queue: Optional[Any] = handle  # None once unbound
        self.num = num
        self.callback: Optional[Callable[[Packet], Any]] = callback
        # The packet that got the last verdict: global_callback's cheap
        # test that its packet was judged (C is asked only otherwise).
        self.last_judged: Optional[Packet] = None
        # Packets whose callback returned without a verdict, retained so
        # that they stay queued until unbind(), as in NetfilterQueue (and
        # afterwards, so a late verdict says "unbound", not "twice").
        self.unjudged: Set[Packet] = set()
        # Packets of a pulled batch not handed out when a callback raised.
        self.pending: Optional[List[Packet]] = None
        # Packets per pull: 1 while callbacks are slow (see run()).
        self.batch = _BATCH
        # Packets of this binding are made by C as this class, which
        # names the binding to every packet at no per-packet cost.
        self.packet_class = type("Packet", (Packet,), {
            "__slots__": (), "__module__": "netfilterqueue", "__qualname__": "Packet",
            "_binding": self})
        self.owner = _c.queue_owner(handle, self.packet_class)


def _open_queue(num: int, mode: int, copy_range: int, max_len: int, fd: int) -> Any:
    """The C queue for bind(): NetfilterQueue's settings on libnfqueue."""
    config = _c.config_new()
    try:
        _c.config_set_copy_mode(config, mode, min(copy_range, nfqueue.PAYLOAD_MAX))
        _c.config_set_max_len(config, max_len)
        # 0: sized by C for max_len whole packets of copy_range bytes.
        _c.config_set_rcvbuf(config, 0)
        # What NetfilterQueue leaves undecided ends as the kernel's drop at
        # unbind; so does ours (see "Packets without a verdict").
        _c.config_set_default_verdict(config, _DROP)
        _c.config_set_fd(config, fd)
        # Python's signal handlers (Ctrl+C) run during a wait; a full
        # socket buffer is counted and receiving goes on, as in the original.
        _c.config_set_interruptible(config, 1)
        _c.config_set_nobufs_errors(config, 0)
        return _c.queue_open(num, config)
    finally:
        _c.config_free(config)


# __init__'s default: "whatever the constructor gave __new__".
_GIVEN_TO_NEW: Any = object()


class NetfilterQueue:
    """One netfilter queue: bind() it, then run() to hand its packets to
    your callback. See the module ``netfilterqueue`` for the differences
    from NetfilterQueue 1.1."""

    COPY_NONE = COPY_NONE
    COPY_META = COPY_META
    COPY_PACKET = COPY_PACKET

    # Class-level defaults, so __del__ works on a half-made object.
    _sock: Optional[socket.socket] = None
    _binding: Optional[Binding] = None
    # A queue unbind() could not close because run() was driving it (in a
    # callback, or in another thread): that run() closes it when it returns.
    _doomed: Optional[Binding] = None
    _opened_with: Optional[tuple] = None
    # Orders unbind() against a run() in another thread (see _doomed).
    _handover: threading.Lock

    def __new__(cls, *args: Any, af: int = socket.AF_INET, sockfd: int = -1,
                **kwargs: Any) -> "NetfilterQueue":
        # The socket is opened here, as the original's __cinit__ does, so
        # a subclass whose __init__ does not call super().__init__() works.
        self = super().__new__(cls)
        self._handover = threading.Lock()
        self._open(af, sockfd)
        return self

    def __init__(self, *, af: Any = _GIVEN_TO_NEW, sockfd: Any = _GIVEN_TO_NEW) -> None:
        """Open a netlink socket (``af`` defaults to AF_INET), or with
        `sockfd` use a duplicate of that one (made in another network
        namespace, for instance). Raises OSError("Failed to bind family 2.
        Are you root?") without CAP_NET_ADMIN in the socket's namespace.

        The socket is opened by __new__ from the constructor's keywords;
        only a subclass's ``super().__init__(sockfd=...)`` with others
        opens it anew here."""
        opened_af, opened_fd = self._opened_with or (socket.AF_INET, -1)
        af = opened_af if af is _GIVEN_TO_NEW else af
        sockfd = opened_fd if sockfd is _GIVEN_TO_NEW else sockfd
        if (af, sockfd) != self._opened_with:
            self._open(af, sockfd)

    def _open(self, af: int, sockfd: int) -> None:
        sockfd_num = c_integer(sockfd)
        af_num = c_unsigned(af, 16)
        if self._binding is not None:
            raise RuntimeError("A queue is already bound; use unbind() first")
        sock = _socket.adopt_socket(sockfd_num) if sockfd_num >= 0 else _socket.open_socket()
        if not _socket.may_configure(sock):
            sock.close()
            raise OSError("Failed to bind family %s. Are you root?" % af_num)
        if self._sock is not None:
            self._sock.close()
        self._sock = sock
        self._opened_with = (af, sockfd)

    def __del__(self) -> None:
        if not hasattr(self, "_handover"):
            return  # __new__ failed before anything was opened
        try:
            self.unbind()
            self._close_doomed()
        except nfqueue.NfqueueError:
            # In a reference cycle the garbage collector may have run the
            # queue's own finalizer first, which already closed it.
            pass
        finally:
            if self._sock is not None:
                self._sock.close()
                self._sock = None

    def bind(self, queue_num: int, user_callback: Callable[[Packet], Any],
             max_len: int = 1024, mode: int = COPY_PACKET, range: int = 65535,
             sock_len: int = DEFAULT_SOCK_LEN) -> None:
        """Bind queue `queue_num` and hand its packets to `user_callback`.
        `range` bytes of each packet are copied (all of it by default).
        The socket receive buffer holds `max_len` whole packets of `range`
        bytes, or `sock_len` bytes (doubled by the kernel) if that is more."""
        if self._binding is not None:
            raise RuntimeError("A queue is already bound; use unbind() first")
        queue_num = c_integer(queue_num)
        if not 0 <= queue_num <= _QUEUE_NUM_MAX:
            raise OverflowError(f"queue_num must be in 0..{_QUEUE_NUM_MAX}, got {queue_num}")
        max_len = c_unsigned(max_len, 32)
        mode = c_unsigned(mode, 8)
        range = c_unsigned(range, 32)
        sock_len = c_unsigned(sock_len, 32)
        if self._sock is None:
            raise OSError(errno.EBADF, "Failed to open NFQueue.")
        try:
            handle = _open_queue(queue_num, mode if mode in _MODES else COPY_PACKET, range,
                                 max_len, self._sock.fileno())
        except nfqueue.NfqueueError as err:
            raise OSError("Failed to create queue %s." % queue_num) from err
        binding = Binding(handle, queue_num, user_callback)
        self._binding = binding
        if mode not in _MODES:
            # NetfilterQueue binds first and fails on the mode after.
            self.unbind()
            raise OSError("Failed to set packet copy mode.")
        granted = _socket.rcvbuf(self._sock)
        if granted >= (sock_len * 2) & 0xFFFFFFFF:
            return  # C's size already holds what sock_len asks for
        actual = _socket.set_rcvbuf(self._sock, sock_len)
        if actual != (sock_len * 2) & 0xFFFFFFFF:
            try:
                warnings.warn("Socket rcvbuf limit is now %d, requested %d." % (actual, sock_len),
                              RuntimeWarning, stacklevel=2)
            except BaseException:  # the warning filter made it an error
                self.unbind()
                raise

    def unbind(self) -> None:
        """Unbind the queue; idempotent. Packets still waiting for a verdict
        are dropped, and kept packets' verdicts raise RuntimeError."""
        with self._handover:
            binding, self._binding = self._binding, None
            if binding is None:
                return
            handle, binding.queue = binding.queue, None
            binding.callback = None
            try:
                _c.owner_close(binding.owner)
            except nfqueue.QueueBusyError:
                # run() is driving the queue (this is its callback, or
                # another thread): end it; it closes the queue on return.
                self._doomed = binding
                _c.queue_stop(handle)

    def get_fd(self) -> int:
        """The netlink socket's file descriptor (-1 once garbage-collected)."""
        return -1 if self._sock is None else self._sock.fileno()

    def run(self, block: bool = True) -> None:
        """Hand packets to the callback until an exception is raised (the
        callback's, or KeyboardInterrupt); with block=False, only those
        that are pending, then return. Returns at once when not bound,
        and when unbind() is called (from the callback or another thread)."""
        binding = self._binding
        try:
            while binding is not None and binding.queue is not None:
                packets = binding.pending
                if packets:
                    binding.pending = None
                else:
                    # One call into C for a batch; it waits with the GIL released.
                    packets = _c.queue_pull(binding.owner, binding.batch, -1 if block else 0)
                    if packets is None:  # stopped: unbind() from another thread
                        return
                    if not packets:
                        if block:
                            continue
                        return
                # Each packet on its own, as NetfilterQueue delivers them
                # (inline: tracebacks show run, then global_callback). An
                # exception keeps the rest, still borrowed, for the next
                # run(); unbind() leaves them to the close (dropped).
                callback = binding.callback
                if callback is None:  # unbound by another thread just now
                    continue
                it = iter(packets)
                handle = binding.queue
                batch = _BATCH
                last = _clock()
                try:
                    for packet in it:
                        global_callback(callback, packet, binding)
                        if binding.queue is None:
                            break
                        now = _clock()
                        if now - last > _SLOW_CALLBACK:
                            # A slow callback (a program that sleeps, asks
                            # a resolver or a user): its verdict and those
                            # before it leave now, as the original sent
                            # each at once, and packets come one per pull
                            # (each verdict then leaves as it is given)
                            # until callbacks are quick again.
                            _c.queue_flush(handle)
                            batch = 1
                        last = now
                except BaseException:
                    binding.pending = list(it)
                    raise
                finally:
                    binding.batch = batch
        except nfqueue.QueueClosedError:
            if binding is self._binding:
                raise
        finally:
            self._close_doomed()

    def run_socket(self, s: Any) -> None:
        """Like run(), but wait for packets in `s.recv`, so a socket made
        with socket.fromfd(get_fd(), AF_NETLINK, SOCK_RAW), and perhaps
        made cooperative by gevent, does the blocking. Returns when a
        non-blocking `s` would block."""
        while True:
            self.run(block=False)
            if self._binding is None:
                return
            try:
                # Peek one byte: wait until a message is there but leave
                # it for the queue, which parses its own receive buffer.
                s.recv(1, socket.MSG_PEEK)
            except OSError as err:
                if err.errno == errno.ENOBUFS:
                    continue
                if err.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                    return
                raise
            if self._binding is None:
                return

    def _close_doomed(self) -> None:
        # After unbind() has decided: the run() it could not close under
        # closes the queue here, once C has returned.
        with self._handover:
            doomed, self._doomed = self._doomed, None
        if doomed is not None:
            _c.owner_close(doomed.owner)


def _held_baseline() -> int:
    """sys.getrefcount() of a packet inside global_callback that the
    program does not hold: the pull's list, the owner's list of pulled
    packets, run()'s loop variable, the argument (the others are no
    packet). Measured the same
    way, not assumed, since Python versions count differently."""
    def probe(packet: object) -> int:
        return sys.getrefcount(packet)

    pulled = [object()]
    owners = list(pulled)
    for packet in iter(pulled):
        return probe(packet)
    raise AssertionError(owners)


_HELD_BASELINE = _held_baseline()
_refcount = sys.getrefcount


def global_callback(callback: Callable[[Packet], Any], packet: Packet,
                    binding: Binding) -> None:
    """Hand one packet to the bound callback, then settle what the program
    left: run() calls this for each packet of a batch, on a bound queue.
    Named, as a traceback shows it, like the original's function."""
    try:
        callback(packet)
    finally:
        judged = binding.last_judged is packet
        binding.last_judged = None
        if not judged and binding.queue is not None and not packet._has_verdict():
            # No verdict: keep it queued for one the program may still
            # give, until unbind (NetfilterQueue's behaviour).
            packet._arrival()
            _c.packet_retain(packet)
            packet._over = packet._special = True
            binding.unjudged.add(packet)
        elif _refcount(packet) > _HELD_BASELINE:
            # The program keeps it: what arrived stays readable.
            packet._arrival()
            packet._over = packet._special = True


def _rename(function: Any, name: str) -> None:
    """Give `function` the code name NetfilterQueue's compiled frames have
    (tracebacks and frame inspection show it)."""
    function.__code__ = function.__code__.replace(co_name=name, **(
        {"co_qualname": name} if hasattr(function.__code__, "co_qualname") else {}))


_rename(global_callback, "netfilterqueue._impl.global_callback")
_rename(NetfilterQueue.run, "netfilterqueue._impl.NetfilterQueue.run")
_rename(NetfilterQueue.run_socket, "netfilterqueue._impl.NetfilterQueue.run_socket")
