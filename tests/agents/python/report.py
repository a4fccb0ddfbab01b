# SPDX-License-Identifier: GPL-2.0-or-later
"""report.py - how the Python agent writes its events (PROTOCOL.md, "What
the agent reports"): one JSON object per line on stdout, and the members
that describe a packet, an error, or the outcome of a call.

An attribute the kernel did not send is null (the package gives None);
any other failure of a property is written as the error's name, so a
mistake in the binding shows up in the report instead of a made-up value.
"""
from __future__ import annotations

import json
import math
import sys
import threading
from typing import Any, Callable, Dict, Optional

import nfqueue

Event = Dict[str, Any]

# The protocol names errors as nfqueue.h does. The package raises one class
# per C code (notes/pythonic.md), so the class is what tells the name; the
# base class alone (an unknown code) is "UNKNOWN", as in the C agent.
_ERROR_NAMES: Dict[type, str] = {
    nfqueue.PermissionDeniedError: "NFQUEUE_E_PERM",
    nfqueue.NotFoundError: "NFQUEUE_E_NOENT",
    nfqueue.NetlinkError: "NFQUEUE_E_IO",
    nfqueue.WouldBlockError: "NFQUEUE_E_AGAIN",
    nfqueue.OutOfMemoryError: "NFQUEUE_E_NOMEM",
    nfqueue.QueueBusyError: "NFQUEUE_E_BUSY",
    nfqueue.InvalidArgumentError: "NFQUEUE_E_INVAL",
    nfqueue.AttributeMissingError: "NFQUEUE_E_NOATTR",
    nfqueue.PayloadTooLargeError: "NFQUEUE_E_TOOBIG",
    nfqueue.NotSupportedError: "NFQUEUE_E_NOTSUP",
    nfqueue.BufferOverflowError: "NFQUEUE_E_NOBUFS",
    nfqueue.QueueClosedError: "NFQUEUE_E_CLOSED",
    nfqueue.VerdictGivenError: "NFQUEUE_E_VERDICT_GIVEN",
    nfqueue.PacketExpiredError: "NFQUEUE_E_EXPIRED",
    nfqueue.QueueStoppedError: "NFQUEUE_E_STOPPED",
    nfqueue.WaitInterruptedError: "NFQUEUE_E_INTR",
    nfqueue.CallbackFailedError: "NFQUEUE_E_CALLBACK",
}

# Lines from different threads (the "later" verdicts) must not interleave.
# Reentrant: the SIGUSR1 handler emits from the main thread, perhaps while
# that thread is inside emit() (Python runs handlers between bytecodes,
# and each line is one write, so lines stay whole).
_emit_lock = threading.RLock()


def emit(event: Event) -> None:
    """Write one event as one line and flush it: the suite reads live."""
    line = json.dumps(event, separators=(",", ":")) + "\n"
    with _emit_lock:
        sys.stdout.write(line)
        sys.stdout.flush()


def error_name(error: BaseException) -> str:
    """"NFQUEUE_E_BUSY" for a QueueBusyError, ... Anything that is not the
    package's error (a TypeError, a plain ValueError) is named after its
    class, so that it fails a case visibly instead of passing as a code."""
    for cls in type(error).__mro__:
        if cls in _ERROR_NAMES:
            return _ERROR_NAMES[cls]
    if isinstance(error, nfqueue.NfqueueError):
        return "UNKNOWN"
    return type(error).__name__


def error_code(error: BaseException) -> int:
    code = getattr(error, "code", None)
    return code if isinstance(code, int) else 0


def error_message(error: BaseException) -> str:
    """The C library's detail message, passed on as it wrote it."""
    detail = getattr(error, "detail", None)
    return detail if isinstance(detail, str) else str(error)


def error_event(call: str, error: BaseException) -> Event:
    return {"event": "error", "call": call, "code": error_code(error),
            "name": error_name(error), "message": error_message(error)}


def outcome(action: Callable[[], Any], event: Event, key: str,
            message_key: Optional[str] = None) -> bool:
    """Run `action`; put "ok" or the error's name under `key` (and the
    library's message under `message_key` when it failed). Returns whether
    it succeeded."""
    try:
        action()
    except nfqueue.NfqueueError as error:
        event[key] = error_name(error)
        if message_key:
            event[message_key] = error_message(error)
        return False
    event[key] = "ok"
    return True


def _hex(value: Optional[bytes]) -> Optional[str]:
    return None if value is None else bytes(value).hex()


def _timestamp(stamp: Optional[float]) -> Optional[list]:
    """[seconds, microseconds] from the package's float seconds. The kernel
    stamps in microseconds and a double near 2**31 s resolves about half a
    microsecond, so rounding the fraction recovers the kernel's value."""
    if stamp is None:
        return None
    seconds = math.floor(stamp)
    micros = round((stamp - seconds) * 1_000_000)
    if micros == 1_000_000:
        seconds, micros = seconds + 1, 0
    return [int(seconds), int(micros)]


def _vlan(vlan: Any) -> Optional[dict]:
    return None if vlan is None else {"proto": int(vlan.proto), "tci": int(vlan.tci)}


def _int(value: Any) -> Optional[int]:
    return None if value is None else int(value)


def _str(value: Any) -> Optional[str]:
    return None if value is None else str(value)


# Each member of a "packet" event: (key, property of nfqueue.Packet, how to
# turn the property's value into JSON). In the order of the C agent.
_MEMBERS = [
    ("id", "id", int),
    ("queue", "queue_num", int),
    ("hw_protocol", "hw_protocol", int),
    ("hook", "hook", int),
    ("mark", "mark", _int),
    ("timestamp", "timestamp", _timestamp),
    ("indev", "indev", _int),
    ("indev_name", "indev_name", _str),
    ("outdev", "outdev", _int),
    ("outdev_name", "outdev_name", _str),
    ("physindev", "physindev", _int),
    ("physindev_name", "physindev_name", _str),
    ("physoutdev", "physoutdev", _int),
    ("physoutdev_name", "physoutdev_name", _str),
    ("hwaddr", "hwaddr", _hex),
    ("uid", "uid", _int),
    ("gid", "gid", _int),
    ("secctx", "secctx", _str),
    ("skbinfo", "skbinfo", _int),
    ("priority", "priority", _int),
    ("vlan", "vlan", _vlan),
    ("l2hdr", "l2hdr", _hex),
    ("ct_info", "ct_info", _int),
    ("ct_id", "ct_id", _int),
    ("ct_status", "ct_status", _int),
    ("orig_len", "orig_len", _int),
]


def packet_members(event: Event, packet: "nfqueue.Packet", hex_max: int) -> None:
    """Every metadata member of a "packet" event, read from `packet`."""
    for key, prop, convert in _MEMBERS:
        try:
            event[key] = convert(getattr(packet, prop))
        except nfqueue.NfqueueError as error:
            event[key] = error_name(error)
    try:
        payload = packet.payload
    except nfqueue.NfqueueError as error:
        event["payload_len"] = error_name(error)
        event["payload_hex"] = None
        return
    if payload is None:
        event["payload_len"] = None
        event["payload_hex"] = None
    else:
        event["payload_len"] = len(payload)
        event["payload_hex"] = bytes(payload[:hex_max]).hex()
