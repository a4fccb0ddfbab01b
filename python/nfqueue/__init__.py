# SPDX-License-Identifier: GPL-2.0-or-later
"""nfqueue: see, judge and rewrite the packets Linux netfilter queues to
userspace (``iptables ... -j NFQUEUE --queue-num N``).

    import nfqueue

    with nfqueue.Queue(1) as queue:
        for packet in queue:
            if packet.payload[9] == 17:      # IPv4 protocol byte: UDP
                packet.drop()
            else:
                packet.accept()

A Pythonic layer over libnfqueue's C ABI (the SWIG core is
``nfqueue._nfqueue``). Receive with a callback (:meth:`Queue.run`), an
iterator, batches (:meth:`Queue.recv`, :meth:`Queue.verdict_packets`) or
asyncio (:meth:`Queue.packets`);
errors are exceptions named after what went wrong (:mod:`nfqueue.errors`).
"""
import importlib.metadata as _metadata
from typing import Optional

from . import _nfqueue as _c
from . import _validate, checksum
from .enums import CopyMode, Hook, Interface, SkbInfo, Verdict, Vlan
from .errors import (AttributeMissingError, BufferOverflowError, InvalidArgumentError,
                     NetlinkError, NfqueueError, NotFoundError, NotSupportedError,
                     OutOfMemoryError, PacketExpiredError, PayloadTooLargeError,
                     PermissionDeniedError, QueueBusyError, QueueClosedError,
                     QueueStoppedError, VerdictGivenError, WouldBlockError,
                     WaitInterruptedError, CallbackFailedError)
from .packet import Packet
from .queue import Decision, Queue, QueueStats

try:
    __version__: str = _metadata.version("nfqueue")
except _metadata.PackageNotFoundError:  # imported from a source tree
    __version__ = _c.VERSION_STRING

#: The most payload bytes a packet can carry to or from the kernel.
PAYLOAD_MAX: int = _c.PAYLOAD_MAX
#: The highest queue number.
QUEUE_NUM_MAX: int = _c.QUEUE_NUM_MAX


def library_version() -> str:
    """The version of the libnfqueue this package runs on."""
    return _c.version()


def abi_version() -> int:
    """The ABI version (SONAME number) of the libnfqueue this package runs on."""
    return _c.abi_version()


def check_permission(*, fd: Optional[int] = None, netns: Optional[str] = None) -> None:
    """Whether this process may bind queues, without binding one: returns
    if it may, raises PermissionDeniedError saying what is missing if not.
    `fd` (a NETLINK_NETFILTER socket) or `netns` choose where to ask, as
    for Queue(); the kernel itself is asked, so capabilities held in a
    user namespace count as the kernel counts them."""
    config = _c.config_new()
    try:
        if fd is not None:
            _c.config_set_fd(config, _validate.integer("fd", fd, 0, 0x7FFFFFFF))
        if netns is not None:
            if not isinstance(netns, str) or not netns:
                raise TypeError(f"netns must be a non-empty path string, not {netns!r}")
            _c.config_set_netns(config, netns)
        _c.check_permission(config)
    finally:
        _c.config_free(config)


__all__ = [
    "Queue", "Packet", "Decision", "QueueStats", "check_permission", "CopyMode", "Verdict", "Hook", "Interface", "SkbInfo", "Vlan",
    "checksum", "library_version", "abi_version", "PAYLOAD_MAX", "QUEUE_NUM_MAX",
    "NfqueueError", "PermissionDeniedError", "NotFoundError", "NetlinkError",
    "WouldBlockError", "OutOfMemoryError", "QueueBusyError", "InvalidArgumentError",
    "AttributeMissingError", "PayloadTooLargeError", "NotSupportedError",
    "BufferOverflowError", "QueueClosedError", "VerdictGivenError", "PacketExpiredError",
    "QueueStoppedError", "WaitInterruptedError", "CallbackFailedError",
]
