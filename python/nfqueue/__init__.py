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
iterator, batches (:meth:`Queue.recv`) or asyncio (:meth:`Queue.packets`);
errors are exceptions named after what went wrong (:mod:`nfqueue.errors`).
"""
import importlib.metadata as _metadata

from . import _nfqueue as _c
from . import checksum
from .enums import CopyMode, Hook, Interface, SkbInfo, Verdict, Vlan
from .errors import (AttributeMissingError, BufferOverflowError, InvalidArgumentError,
                     NetlinkError, NfqueueError, NotFoundError, NotSupportedError,
                     OutOfMemoryError, PacketExpiredError, PayloadTooLargeError,
                     PermissionDeniedError, QueueBusyError, QueueClosedError,
                     QueueStoppedError, VerdictGivenError, WouldBlockError)
from .packet import Packet
from .queue import Queue

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


__all__ = [
    "Queue", "Packet", "CopyMode", "Verdict", "Hook", "Interface", "SkbInfo", "Vlan",
    "checksum", "library_version", "abi_version", "PAYLOAD_MAX", "QUEUE_NUM_MAX",
    "NfqueueError", "PermissionDeniedError", "NotFoundError", "NetlinkError",
    "WouldBlockError", "OutOfMemoryError", "QueueBusyError", "InvalidArgumentError",
    "AttributeMissingError", "PayloadTooLargeError", "NotSupportedError",
    "BufferOverflowError", "QueueClosedError", "VerdictGivenError", "PacketExpiredError",
    "QueueStoppedError",
]
