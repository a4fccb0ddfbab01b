# SPDX-License-Identifier: GPL-2.0-or-later
"""A drop-in replacement for the public API of NetfilterQueue 1.1, on ``nfqueue``.

Programs written for the PyPI package NetfilterQueue run unchanged::

    from netfilterqueue import NetfilterQueue

    def print_and_accept(pkt):
        print(pkt)
        pkt.accept()

    nfqueue = NetfilterQueue()
    nfqueue.bind(1, print_and_accept)
    try:
        nfqueue.run()
    except KeyboardInterrupt:
        print()
    nfqueue.unbind()

Same names, arguments, exception types, messages and warnings, checked
against NetfilterQueue 1.1.0 itself (python/tests/test_netfilterqueue.py
runs against both). Where this module deliberately behaves differently,
it is listed here.

Speed
    run() is libnfqueue's run loop: packets are read in batches and the
    verdicts of a batch leave in one message, where the original made
    two system calls per packet. Each packet still reaches the callback
    on its own, a callback may unbind() (the packets received with it
    that no callback saw yet are dropped, as the original's kernel
    dropped them at unbind), and an exception from it ends run() with
    the packets not yet handed out kept for the next run(). A batch is
    what was already waiting together in the socket (up to 64 packets);
    a verdict given during it leaves with the batch's others, at the
    latest when run() asks C for the next batch. After a callback that
    took more than a millisecond (a program that sleeps or asks a
    resolver) the verdicts given so far leave at once, and packets come
    one at a time, each verdict sent as it is given, as in the
    original, until callbacks are quick again. So a verdict waits at
    most for quick callbacks and one slow one.

Whole packets
    ``bind(range=...)`` is honoured up to the kernel's limit of 65531
    bytes; NetfilterQueue cut every packet to 4016 bytes. set_payload()
    takes any bytes-like object, not only ``bytes``.

set_payload() of more than 65531 bytes
    The kernel cannot take such a verdict: the original sent it anyway
    and the packet was lost without a word. Here the verdict (accept(),
    drop() or repeat()) drops the packet, which is the queue's default
    verdict, and raises ``nfqueue.PayloadTooLargeError`` (a ValueError)
    saying so; uncaught in a callback, it ends run() like any exception.

Socket receive buffer
    ``sock_len`` is a floor: the buffer is sized by libnfqueue to hold
    ``max_len`` whole packets of ``range`` bytes, and raised to
    ``sock_len`` (doubled by the kernel) when that is more. So whatever
    the original kept, this keeps, now that packets are whole. The
    "Socket rcvbuf limit is now N, requested M." warning comes, as in the
    original, when the kernel grants less than a sock_len that is asked
    for above the automatic size.

Packets without a verdict
    As in the original, a packet whose callback returns without a
    verdict stays queued in the kernel (counting against ``max_len``)
    until the program gives it one (it may hold the Packet and decide
    later, without retain()) or until unbind(), where the kernel drops
    it. Its attributes stay readable; its payload only if retain() was
    called.

get_hw()
    The kernel's 8-byte address field as NetfilterQueue returned it: a
    6-byte MAC followed by two zero bytes on Ethernet (its documentation
    promised six bytes; its code returned eight, and programs slice
    ``[:6]``). ``nfqueue.Packet.hwaddr`` has the address at its length.

__str__
    The protocol of an IPv6 packet is its next header; the original read
    byte 9 of every packet as if it were IPv4.

run(), run_socket()
    Both return at once when no queue is bound, and unbind() from the
    callback or from another thread ends them (the original kept
    waiting). run_socket(s) waits in ``s.recv(1, MSG_PEEK)`` and lets the
    queue read the message from its own socket, so `s` must be a socket
    on get_fd() (as the documentation makes it); the blocking still
    happens in `s`'s methods, so gevent's cooperative sockets work.
    Traceback frames are named as the original's are
    (``netfilterqueue._impl.NetfilterQueue.run``,
    ``netfilterqueue._impl.global_callback``).

Integers
    Every integer argument converts as the original's did: anything with
    ``__int__`` is truncated (``set_mark(x / 2)``, ``bind(1.0, ...)``),
    anything else raises ``TypeError("an integer is required")``, and a
    value too large for its C type raises OverflowError with the same
    message. Differences, each where the original silently misbehaved or
    refused a real integer: ``queue_num`` outside 0..65535 raises
    OverflowError (the original bound its low 16 bits: 70000 became
    4464, -1 became 65535); a copy ``mode`` other than COPY_NONE,
    COPY_META, COPY_PACKET raises OSError("Failed to set packet copy
    mode.") (the original bound a queue that copied nothing);
    ``max_len=0`` (a queue that holds nothing) fails as "Failed to create
    queue N." with the reason as ``__cause__``; an object with only
    ``__index__`` is accepted.

Construction and errors
    The socket is opened in ``__new__``, as the original's ``__cinit__``
    did, so a subclass whose ``__init__`` does not call
    ``super().__init__()`` works; unlike the original, such a subclass
    may take positional arguments of its own. "Failed to create queue
    N." carries the reason (``nfqueue`` error) as ``__cause__``.
    ``NetfilterQueue(sockfd=N)`` checks N is a netlink socket of
    NETLINK_NETFILTER at construction ("Failed to open NFQueue." with
    ENOTSOCK, EAFNOSUPPORT or EPROTONOSUPPORT). ``Packet()`` cannot be
    made by a program (the original's crashed the interpreter when used).
    A callback's packet is an instance of a subclass of ``Packet`` made
    for each bind() (``isinstance(p, Packet)`` holds, ``type(p) is
    Packet`` does not); ``NetfilterQueue.COPY_*`` exist, as the original
    documented them (its class lacked them).

Installed beside NetfilterQueue
    Both packages are the directory ``netfilterqueue/``; whichever is
    installed last owns its ``__init__.py``. This module warns at import
    when NetfilterQueue's files are beside it, because ``pip uninstall
    NetfilterQueue`` would then delete the drop-in's ``__init__.py``;
    see the README ("NetfilterQueue drop-in") for what to do.
"""
from __future__ import annotations

from . import _coexistence
from ._packet import Packet
from ._protocols import PROTOCOLS
from ._queue import COPY_META, COPY_NONE, COPY_PACKET, NetfilterQueue

__all__ = ["NetfilterQueue", "Packet", "COPY_NONE", "COPY_META", "COPY_PACKET", "PROTOCOLS",
           "VERSION"]

#: The NetfilterQueue release whose API this module provides.
__version__ = "1.1.0"
VERSION = (1, 1, 0)

_coexistence.warn_if_beside_original(__file__)

# Show the public names in reprs and tracebacks, as the original does.
NetfilterQueue.__module__ = __name__
Packet.__module__ = __name__
