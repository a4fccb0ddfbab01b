"""``netfilterqueue.NetfilterQueue`` over ``nfqueue.Queue``.

The object owns one netlink socket for its whole life (see _socket.py);
each bind() opens an ``nfqueue.Queue`` on that socket and unbind() closes
it. Packets are received one at a time (``Queue.recv(max_packets=1)``,
which still reads from the kernel in batches): the callback then runs
outside the receive, so it may unbind, and an exception it raises leaves
the packets not yet delivered waiting in the Queue for the next run().
"""
from __future__ import annotations

import errno
import operator
import socket
import threading
import warnings
import weakref
from typing import Any, Callable, Optional

import nfqueue

from . import _socket
from ._convert import c_unsigned
from ._packet import Packet

COPY_NONE = int(nfqueue.CopyMode.NONE)
COPY_META = int(nfqueue.CopyMode.META)
COPY_PACKET = int(nfqueue.CopyMode.PACKET)

_MODES = {COPY_NONE: nfqueue.CopyMode.NONE, COPY_META: nfqueue.CopyMode.META,
          COPY_PACKET: nfqueue.CopyMode.PACKET}

# NetfilterQueue's default receive buffer: room for its default 1024
# queued packets of its 4016-byte copies plus the kernel's per-message
# overhead, halved because the kernel doubles what is asked for.
DEFAULT_SOCK_LEN = 1024 * (4016 + 780) // 2

# The largest payload one netlink message carries; a bigger copy range
# means "all of it".
_RANGE_MAX = nfqueue.PAYLOAD_MAX

_QUEUE_NUM_MAX = nfqueue.QUEUE_NUM_MAX


class NetfilterQueue:
    """One netfilter queue: bind() it, then run() to hand its packets to
    your callback. See the module ``netfilterqueue`` for the differences
    from NetfilterQueue 1.1."""

    COPY_NONE = COPY_NONE
    COPY_META = COPY_META
    COPY_PACKET = COPY_PACKET

    # Class-level defaults, so __del__ works on a half-made object.
    _sock: Optional[socket.socket] = None
    _queue: Optional[nfqueue.Queue] = None
    _callback: Optional[Callable[[Packet], Any]] = None
    # A queue unbind() could not close while run() waited on it in
    # another thread: that run() closes it when its wait returns.
    _doomed: Optional[nfqueue.Queue] = None

    def __init__(self, *, af: int = socket.AF_INET, sockfd: int = -1) -> None:
        """Open a netlink socket, or with `sockfd` use a duplicate of that
        one (made in another network namespace, for instance). Raises
        OSError("Failed to bind family 2. Are you root?") without
        CAP_NET_ADMIN in the socket's namespace."""
        # Orders unbind() against a run() in another thread (see _doomed).
        self._handover = threading.Lock()
        sockfd = operator.index(sockfd)
        af = c_unsigned(af, 16)
        sock = _socket.adopt_socket(sockfd) if sockfd >= 0 else _socket.open_socket()
        if not _socket.may_configure(sock):
            sock.close()
            raise OSError("Failed to bind family %s. Are you root?" % af)
        self._sock = sock

    def __del__(self) -> None:
        if not hasattr(self, "_handover"):
            return  # __init__ failed before anything was opened
        try:
            self.unbind()
            self._close_doomed()
        except nfqueue.NfqueueError:
            # In a reference cycle the garbage collector may have run the
            # Queue's own finalizer first, which already closed it.
            pass
        finally:
            if self._sock is not None:
                self._sock.close()
                self._sock = None

    def bind(self, queue_num: int, user_callback: Callable[[Packet], Any],
             max_len: int = 1024, mode: int = COPY_PACKET, range: int = 65535,
             sock_len: int = DEFAULT_SOCK_LEN) -> None:
        """Bind queue `queue_num` and hand its packets to `user_callback`.
        `range` bytes of each packet are copied (all of it by default);
        `sock_len` sets the socket receive buffer."""
        if self._queue is not None:
            raise RuntimeError("A queue is already bound; use unbind() first")
        queue_num = operator.index(queue_num)
        if not 0 <= queue_num <= _QUEUE_NUM_MAX:
            raise OverflowError(f"queue_num must be in 0..{_QUEUE_NUM_MAX}, got {queue_num}")
        max_len = c_unsigned(max_len, 32)
        mode = c_unsigned(mode, 8)
        range = c_unsigned(range, 32)
        sock_len = c_unsigned(sock_len, 32)
        if self._sock is None:
            raise OSError(errno.EBADF, "Failed to open NFQueue.")
        try:
            queue = nfqueue.Queue(
                queue_num, copy_mode=_MODES.get(mode, nfqueue.CopyMode.PACKET),
                copy_range=min(range, _RANGE_MAX), max_len=max_len,
                # What NetfilterQueue leaves undecided ends as a drop:
                # see "Packets without a verdict" in the module docstring.
                default_verdict=nfqueue.Verdict.DROP,
                # NetfilterQueue carries on past lost messages; so do we,
                # without the kernel reporting each loss to the socket.
                no_enobufs=True, fd=self._sock.fileno())
        except nfqueue.NfqueueError as err:
            raise OSError("Failed to create queue %s." % queue_num) from err
        if mode not in _MODES:
            # NetfilterQueue binds first and fails on the mode after.
            queue.close()
            raise OSError("Failed to set packet copy mode.")
        self._queue = queue
        self._callback = user_callback
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
            queue, self._queue = self._queue, None
            self._callback = None
            if queue is None:
                return
            try:
                queue.close()
            except nfqueue.QueueBusyError:
                # Another thread is waiting in run() on this queue: wake
                # it; it closes the queue once its wait has returned.
                self._doomed = queue
                queue.stop()

    def get_fd(self) -> int:
        """The netlink socket's file descriptor (-1 once garbage-collected)."""
        return -1 if self._sock is None else self._sock.fileno()

    def run(self, block: bool = True) -> None:
        """Hand packets to the callback until an exception is raised (the
        callback's, or KeyboardInterrupt); with block=False, only those
        that are pending, then return. Returns at once when not bound."""
        while True:
            queue = self._queue
            if queue is None:
                self._close_doomed()
                return
            try:
                received = queue.recv(max_packets=1, timeout=None if block else 0)
            except nfqueue.QueueClosedError:
                if queue is self._queue:
                    raise
                return  # unbind() from another thread came first
            if received:
                self._deliver(queue, received[0])
            elif not block or queue is not self._queue:
                # Nothing pending, or unbind() from another thread woke us.
                self._close_doomed()
                return

    def run_socket(self, s: Any) -> None:
        """Like run(), but wait for packets in `s.recv`, so a socket made
        with socket.fromfd(get_fd(), AF_NETLINK, SOCK_RAW), and perhaps
        made cooperative by gevent, does the blocking. Returns when a
        non-blocking `s` would block."""
        while True:
            self.run(block=False)
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
            if self._queue is None:
                return

    def _deliver(self, queue: nfqueue.Queue, raw: nfqueue.Packet) -> None:
        packet = Packet(self, queue, raw)
        callback = self._callback
        try:
            if callback is not None:
                callback(packet)
        finally:
            packet._end_callback()
            if not packet._verdict_given and not queue.closed:
                # A packet the program still holds can get its verdict
                # later (NetfilterQueue allows that without retain()): keep
                # its C handle past this receive. One it let go gets the
                # queue's default verdict when the next receive starts.
                held = weakref.ref(packet)
                del packet
                if held() is not None:
                    raw.retain()

    def _close_doomed(self) -> None:
        # After unbind() has decided: a run() that saw the queue go while
        # unbind() was still trying to close it waits here for the handover.
        with self._handover:
            doomed, self._doomed = self._doomed, None
        if doomed is not None:
            doomed.close()
