# SPDX-License-Identifier: GPL-2.0-or-later
"""The netlink socket a NetfilterQueue owns for its whole life.

NetfilterQueue 1.1 opens its socket (or takes the caller's) when the object
is made, checks there that the process may configure queues, keeps the
socket across unbind()/bind(), and sets the receive buffer itself. Our
``nfqueue.Queue`` opens a socket per bound queue unless it is handed one
(``fd=``), and never closes a socket it was handed: so the drop-in makes
the socket here and adopts it for every bind.
"""
from __future__ import annotations

import errno
import os
import socket
import struct

import nfqueue

NETLINK_NETFILTER = 12  # not named by Python's socket module
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)  # Linux's generic value


def open_socket() -> socket.socket:
    """A new NETLINK_NETFILTER socket in our own network namespace."""
    try:
        return socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    except OSError as err:
        raise OSError(err.errno, "Failed to open NFQueue.") from err


def adopt_socket(sockfd: int) -> socket.socket:
    """Our own duplicate of the caller's socket `sockfd`, so the caller may
    close theirs. Anything but a NETLINK_NETFILTER socket is refused the
    way NetfilterQueue refuses it: the original only notices when it binds
    the netlink address, so the message is its "Failed to open NFQueue."."""
    try:
        fd = os.dup(sockfd)
    except OSError as err:
        raise OSError(err.errno, "dup2 failed") from err
    try:
        # Without family/type/proto, socket() asks the kernel what fd is.
        sock = socket.socket(fileno=fd)
    except OSError as err:
        os.close(fd)
        raise OSError(err.errno, "Failed to open NFQueue.") from err
    if sock.family != socket.AF_NETLINK:
        sock.close()
        raise OSError(errno.EAFNOSUPPORT, "Failed to open NFQueue.")
    if sock.proto != NETLINK_NETFILTER:
        sock.close()
        raise OSError(errno.EPROTONOSUPPORT, "Failed to open NFQueue.")
    return sock


def may_configure(sock: socket.socket) -> bool:
    """Whether the kernel lets this socket configure queues (CAP_NET_ADMIN
    in the socket's network namespace), as NetfilterQueue checks at
    construction. libnfqueue asks the kernel itself (nfqueue_check_permission),
    so no message is built here."""
    try:
        nfqueue.check_permission(fd=sock.fileno())
    except nfqueue.NfqueueError:
        return False
    return True


def rcvbuf(sock: socket.socket) -> int:
    """The receive buffer the kernel gave the socket (twice what was
    asked for), as an unsigned 32-bit number like NetfilterQueue's."""
    return sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) & 0xFFFFFFFF


def set_rcvbuf(sock: socket.socket, size: int) -> int:
    """Set the receive buffer to `size` bytes (the kernel doubles it) and
    return what the kernel made of it, both as unsigned 32-bit numbers
    like NetfilterQueue's. SO_RCVBUFFORCE lifts the system-wide limit for
    a privileged process; SO_RCVBUF is the fallback."""
    raw = struct.pack("=I", size & 0xFFFFFFFF)
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, raw)
    except OSError:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, raw)
        except OSError:
            pass  # the getsockopt below tells what we have
    return sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) & 0xFFFFFFFF
