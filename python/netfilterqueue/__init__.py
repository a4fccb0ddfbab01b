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

Same names, arguments, exception types, messages and warnings. Where this
module deliberately behaves differently, it is listed here.

Whole packets
    ``bind(range=...)`` is honoured up to the kernel's limit of 65531
    bytes; NetfilterQueue cut every packet to 4016 bytes. set_payload()
    takes up to 65531 bytes; a longer one raises
    ``nfqueue.PayloadTooLargeError`` (a ValueError) at the verdict and the
    packet keeps waiting for one (the original's verdict was silently lost).
    set_payload() takes any bytes-like object, not only ``bytes``.

Packets without a verdict
    A packet still referenced when its callback returns can get its
    verdict later, as in the original. One that nobody references any
    more and that got no verdict is *dropped* when the next packet is
    received (or at unbind). The original left it pending in the kernel
    until unbind(), where the kernel dropped it: its fate is the same,
    it just no longer occupies the kernel queue (``max_len``) meanwhile.
    So is every packet still pending at unbind(), as in the original.

get_hw()
    The kernel's 8-byte address field as NetfilterQueue returned it: a
    6-byte MAC followed by two zero bytes on Ethernet (its documentation
    promised six bytes; its code returned eight, and programs slice
    ``[:6]``). ``nfqueue.Packet.hwaddr`` has the address at its length.

__str__
    The protocol of an IPv6 packet is its next header; the original read
    byte 9 of every packet as if it were IPv4.

run(), run_socket()
    Both return at once when no queue is bound, and unbind() from another
    thread ends a blocked run() (the original kept waiting). run_socket(s)
    waits in ``s.recv(1, MSG_PEEK)`` and lets the queue read the message
    from its own socket, so `s` must be a socket on get_fd() (as the
    documentation makes it); the blocking still happens in `s`'s methods,
    so gevent's cooperative sockets work.

Arguments and errors
    ``queue_num`` outside 0..65535 raises OverflowError (the original
    silently used its low 16 bits); ``max_len=0`` (a queue that holds
    nothing) fails as "Failed to create queue N." with the reason as
    ``__cause__``.
    "Failed to create queue N." carries the reason (``nfqueue`` error) as
    ``__cause__``. ``NetfilterQueue(sockfd=N)`` checks N is a netlink
    socket of NETLINK_NETFILTER at construction ("Failed to open
    NFQueue." with ENOTSOCK, EAFNOSUPPORT or EPROTONOSUPPORT).

Socket
    NETLINK_NO_ENOBUFS is set, since NetfilterQueue ignored lost messages
    anyway. The default ``sock_len`` is NetfilterQueue's, sized for its
    4016-byte copies: raise it if many large packets queue up at once.
"""
from __future__ import annotations

from ._packet import Packet
from ._protocols import PROTOCOLS
from ._queue import COPY_META, COPY_NONE, COPY_PACKET, NetfilterQueue

__all__ = ["NetfilterQueue", "Packet", "COPY_NONE", "COPY_META", "COPY_PACKET", "PROTOCOLS"]

#: The NetfilterQueue release whose API this module provides.
__version__ = "1.1.0"

# Show the public names in reprs and tracebacks, as the original does.
NetfilterQueue.__module__ = __name__
Packet.__module__ = __name__
