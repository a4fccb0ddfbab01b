# SPDX-License-Identifier: GPL-2.0-or-later
"""Exceptions: one base class, one subclass per error code of the C library.

Each subclass is also the built-in exception a Python program would expect
for that kind of failure, so ``except PermissionError`` works as well as
``except nfqueue.PermissionDeniedError``::

    try:
        queue = nfqueue.Queue(0)
    except nfqueue.QueueBusyError as err:
        print("another program holds queue 0:", err)

The SWIG core raises these through :func:`_raise_status`, with the C
library's own explanation of the failure as :attr:`NfqueueError.detail`.
"""
from __future__ import annotations

import re
from typing import Dict, NoReturn, Optional, Type

from . import _nfqueue as _c

__all__ = [
    "NfqueueError",
    "PermissionDeniedError",
    "NotFoundError",
    "NetlinkError",
    "WouldBlockError",
    "OutOfMemoryError",
    "QueueBusyError",
    "InvalidArgumentError",
    "AttributeMissingError",
    "PayloadTooLargeError",
    "NotSupportedError",
    "BufferOverflowError",
    "QueueClosedError",
    "VerdictGivenError",
    "PacketExpiredError",
    "QueueStoppedError",
    "WaitInterruptedError",
    "CallbackFailedError",
]


class NfqueueError(Exception):
    """Base class of every error the library reports.

    ``code`` is the negative ``NFQUEUE_E_*`` code of the C library (``None``
    for errors the Python layer detects itself), ``detail`` the message
    that says what went wrong and what to do.
    """

    #: The C code this class stands for; set on each subclass.
    status: Optional[int] = None

    def __init__(self, detail: str, code: Optional[int] = None) -> None:
        self.code = self.status if code is None else code
        self.detail = detail
        if isinstance(self, OSError) and self.code is not None:
            # The C codes that are OS errors are negative errno values;
            # OSError(errno, strerror) fills .errno and .strerror.
            super().__init__(-self.code, detail)
        else:
            super().__init__(detail)

    def __str__(self) -> str:
        return self.detail


class PermissionDeniedError(NfqueueError, PermissionError):
    """The process lacks CAP_NET_ADMIN in the queue's network namespace."""
    status = _c.E_PERM


class NotFoundError(NfqueueError, FileNotFoundError):
    """No such network namespace, or a packet the kernel no longer knows."""
    status = _c.E_NOENT


class NetlinkError(NfqueueError, OSError):
    """The netlink socket failed; ``detail`` names the system call."""
    status = _c.E_IO


class WouldBlockError(NfqueueError, BlockingIOError):
    """Nothing to read without blocking."""
    status = _c.E_AGAIN


class OutOfMemoryError(NfqueueError, MemoryError):
    """The C library could not allocate memory."""
    status = _c.E_NOMEM


class QueueBusyError(NfqueueError, OSError):
    """Another socket holds the queue, or another thread drives it."""
    status = _c.E_BUSY


class InvalidArgumentError(NfqueueError, ValueError):
    """An argument or configuration value is out of range."""
    status = _c.E_INVAL


class AttributeMissingError(NfqueueError, LookupError):
    """The kernel did not send this attribute with the packet."""
    status = _c.E_NOATTR


class PayloadTooLargeError(NfqueueError, ValueError):
    """A replacement payload is larger than the kernel accepts."""
    status = _c.E_TOOBIG


class NotSupportedError(NfqueueError, OSError):
    """The running kernel lacks a feature that was asked for."""
    status = _c.E_NOTSUP


class BufferOverflowError(NfqueueError, OSError):
    """The kernel dropped messages because the socket buffer was full."""
    status = _c.E_NOBUFS


class QueueClosedError(NfqueueError, RuntimeError):
    """The queue was closed; open a new one."""
    status = _c.E_CLOSED


class VerdictGivenError(NfqueueError, RuntimeError):
    """The packet already has its verdict; a packet gets exactly one."""
    status = _c.E_VERDICT_GIVEN


class PacketExpiredError(NfqueueError, RuntimeError):
    """A borrowed packet was used after it expired; retain() it in time."""
    status = _c.E_EXPIRED


class QueueStoppedError(NfqueueError, RuntimeError):
    """stop() ended a wait (the Python layer turns this into a clean return)."""
    status = _c.E_STOPPED


class WaitInterruptedError(NfqueueError, InterruptedError):
    """A signal interrupted a wait (the Python layer runs the signal's
    handler and goes on, or raises what the handler raised)."""
    status = _c.E_INTR


class CallbackFailedError(NfqueueError, RuntimeError):
    """A C callback returned a negative value (the Python layer's never do:
    an exception from a Python callback propagates as itself)."""
    status = _c.E_CALLBACK


_BY_STATUS: Dict[int, Type[NfqueueError]] = {
    cls.status: cls for cls in NfqueueError.__subclasses__() if cls.status is not None
}


def error_class(code: int) -> Type[NfqueueError]:
    """The exception class for a C status code (the base class if unknown)."""
    return _BY_STATUS.get(code, NfqueueError)


# Where the C library's message names one of its own calls, the Python
# program knows it by another name: say that one.
_PYTHON_NAMES = {
    "nfqueue_config_set_copy_mode": "copy_mode=/copy_range=",
    "nfqueue_config_set_max_len": "max_len=",
    "nfqueue_config_set_flags": "fail_open=/conntrack=/gso=/uid_gid=/secctx=",
    "nfqueue_config_set_rcvbuf": "rcvbuf=",
    "nfqueue_config_set_no_enobufs": "no_enobufs=",
    "nfqueue_config_set_default_verdict": "default_verdict=",
    "nfqueue_config_set_fd": "fd=",
    "nfqueue_config_set_netns": "netns=",
    "nfqueue_config_set_batch_size": "batch_size=",
    "nfqueue_config_set_coalesce": "coalesce=",
    "nfqueue_queue_stop": "stop",
    "nfqueue_queue_stats": "stats",
    "nfqueue_queue_flush": "flush",
    "nfqueue_queue_close": "close",
    "nfqueue_packet_retain": "retain",
    "nfqueue_packet_release": "release",
    "nfqueue_packet_free": "release",
}
_C_NAME = re.compile(r"\b(nfqueue_[a-z_]+)(\(\))?")


def _python_name(match: "re.Match[str]") -> str:
    name = _PYTHON_NAMES.get(match.group(1))
    if name is None:
        return match.group(0)
    # A setter is an option (rcvbuf=); a call keeps its parentheses.
    return name if name.endswith("=") or not match.group(2) else name + "()"


def _raise_status(code: int, detail: str) -> NoReturn:
    """Called by the SWIG core when a C function returns a negative status."""
    if not detail:
        # The C library always explains; keep a message for the odd case.
        detail = _c.strerror(code)
    elif "nfqueue_" in detail:
        detail = _C_NAME.sub(_python_name, detail)
    raise error_class(code)(detail, code)
