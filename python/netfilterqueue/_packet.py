# SPDX-License-Identifier: GPL-2.0-or-later
"""``netfilterqueue.Packet``: NetfilterQueue 1.1's packet on libnfqueue's.

A Packet *is* a libnfqueue packet handle (a subclass of the SWIG core's
PacketBase), made by C's run loop for each packet without running any
Python code: nothing is copied or converted unless the program asks.
C owns its life; what this class adds is NetfilterQueue's view of it:

- attributes stay readable after the callback: the callback's wrapper
  (``global_callback`` in _queue.py) snapshots them for a packet the
  program still holds;
- the payload is readable during the callback, afterwards only if
  retain() copied it;
- set_payload() and set_mark() are remembered and sent with the verdict.

Per-packet state that only some programs need lives in the instance's
__dict__, made on first use; the class-level defaults keep the common
path (callback, accept()) free of it. Each bind() makes a subclass whose
``_binding`` names the bound queue (see _queue.Binding).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Tuple, Union

import nfqueue
from nfqueue import _nfqueue as _c

from ._convert import c_unsigned
from ._protocols import PROTOCOLS

if TYPE_CHECKING:
    from ._queue import Binding

# Positions in PacketBase._attrs (bindings/packet.i).
_ID, _HW_PROTOCOL, _HOOK, _MARK, _TIMESTAMP = 0, 2, 3, 4, 5
_INDEV, _OUTDEV, _PHYSINDEV, _PHYSOUTDEV, _HWADDR = 6, 7, 8, 9, 10

# NetfilterQueue returns the kernel's whole hardware address field, which
# is 8 bytes: a 6-byte MAC is followed by two zero bytes.
_HW_FIELD_LEN = 8

_ACCEPT = int(nfqueue.Verdict.ACCEPT)
_DROP = int(nfqueue.Verdict.DROP)
_REPEAT = int(nfqueue.Verdict.REPEAT)

_NO_PAYLOAD = "Packet has no payload -- perhaps you're using COPY_META mode?"
_PAYLOAD_GONE = ("Payload data is no longer available. You must call retain() within the "
                 "user_callback in order to copy the payload if you need to expect it after "
                 "your callback has returned.")
_VERDICT_TWICE = "Verdict already given for this packet"
_UNBOUND = "Parent queue has already been unbound"


def _field(index: int, doc: str, absent: Any = 0) -> Any:
    """A read-only attribute from the arrival snapshot; `absent` stands
    for what the kernel did not send, as NetfilterQueue reported it."""
    def get(self: "Packet") -> Any:
        value = self._arrival()[0][index]
        return absent if value is None else value
    return property(get, doc=doc)


class Packet(_c.packet_base()):  # type: ignore[misc]
    """A packet handed to a NetfilterQueue callback (see the module
    ``netfilterqueue`` for how it differs from the original)."""

    # Defaults of the per-packet state (see the module docstring).
    _binding: "Binding"
    _snap: Optional[Tuple[tuple, int]] = None  # (attributes, payload length) at arrival
    _over = False            # the callback returned while the program held the packet
    _owned: Optional[bytes] = None          # retain()'s copy
    _given_payload: Optional[bytes] = None  # set_payload()
    _given_mark: Optional[int] = None       # set_mark()
    # True once any of the above was set: accept()'s one test for its hot path.
    _special = False

    def _arrival(self) -> Tuple[tuple, int]:
        """What arrived, read from C once (only while the packet is
        borrowed; global_callback takes it before the borrow ends for a
        packet the program keeps)."""
        snap = self._snap
        if snap is None:
            payload = _c.packet_payload(self)
            snap = self._snap = (self._attrs, 0 if payload is None else len(payload))
        return snap

    def _payload_view(self) -> Optional[Union[memoryview, bytes]]:
        """The payload as it arrived, borrowed, during the callback only."""
        if self._over:
            return None
        try:
            return _c.packet_payload(self)
        except nfqueue.PacketExpiredError:
            return None

    # ---- read-only attributes ----

    id = _field(_ID, "The kernel's id for this packet.")
    hw_protocol = _field(_HW_PROTOCOL, "The link-layer protocol, e.g. 0x0800 for IPv4.")
    hook = _field(_HOOK, "The netfilter hook: 0 PREROUTING .. 4 POSTROUTING.")
    mark = _field(_MARK, "The mark the packet arrived with (set_mark() leaves it).")
    indev = _field(_INDEV, "Ifindex it came in on, or 0.")
    outdev = _field(_OUTDEV, "Ifindex it goes out on, or 0.")
    physindev = _field(_PHYSINDEV, "Bridge port in, or 0.")
    physoutdev = _field(_PHYSOUTDEV, "Bridge port out, or 0.")

    def __str__(self) -> str:
        # Like the original, describe what arrived (not set_payload's bytes).
        data = self._owned or self._payload_view()
        length = self._arrival()[1]
        if not data:
            return "%d byte packet, contents unretained" % length
        protocol = _ip_protocol(data)
        name = "Unknown protocol" if protocol is None else \
            PROTOCOLS.get(protocol, "Unknown protocol")
        return "%s packet, %s bytes" % (name, length)

    # ---- payload ----

    def get_payload(self) -> bytes:
        """The packet from its IP header on: set_payload()'s bytes if set,
        else the retained copy, else (only during the callback) the packet."""
        if self._given_payload:
            return self._given_payload
        if self._owned:
            return self._owned
        live = self._payload_view()
        if live is not None:
            return bytes(live)
        raise RuntimeError(_NO_PAYLOAD if self._arrival()[1] == 0 else _PAYLOAD_GONE)

    def get_payload_len(self) -> int:
        """The length of the payload that arrived (0 without one)."""
        return self._arrival()[1]

    def set_payload(self, payload: Optional[bytes]) -> None:
        """Replace the payload; sent with the verdict. Empty or None means
        no replacement, as in the original. At most 65531 bytes reach the
        kernel: a longer one makes the verdict drop the packet and raise
        nfqueue.PayloadTooLargeError (a ValueError)."""
        self._special = True
        if payload is None:
            self._given_payload = None
            return
        if isinstance(payload, str):
            raise TypeError("Argument 'payload' has incorrect type (expected bytes, got str)")
        try:
            self._given_payload = bytes(memoryview(payload))
        except TypeError:
            raise TypeError("Argument 'payload' has incorrect type (expected bytes, got "
                            f"{type(payload).__name__})") from None

    def retain(self) -> None:
        """Copy the payload so get_payload() works after the callback.
        Raises like get_payload() when there is nothing to copy."""
        self._owned = self.get_payload()

    # ---- metadata ----

    def set_mark(self, mark: int) -> None:
        """Give the packet this 32-bit mark with its verdict (a float is
        truncated, as in the original)."""
        self._given_mark = c_unsigned(mark, 32)
        self._special = True

    def get_mark(self) -> int:
        """The mark set with set_mark(), else the mark it arrived with."""
        return self.mark if self._given_mark is None else self._given_mark

    def get_hw(self) -> Optional[bytes]:
        """The source hardware address as the kernel's 8-byte field (a MAC
        and two zero bytes on Ethernet), or None when not captured."""
        hw = self._arrival()[0][_HWADDR]
        return None if hw is None else hw[:_HW_FIELD_LEN].ljust(_HW_FIELD_LEN, b"\0")

    def get_timestamp(self) -> float:
        """Arrival time as Unix time in seconds; 0.0 when the kernel sent none."""
        stamp = self._arrival()[0][_TIMESTAMP]
        return 0.0 if stamp is None else stamp

    # ---- verdicts ----

    def accept(self) -> None:
        """Let the packet continue."""
        # The hot path inline (one frame less): an accept with nothing to
        # carry, on a bound queue, during the callback.
        binding = self._binding
        if binding.queue is None or self._special:
            return self._judge(_ACCEPT)
        try:
            self._verdict(_ACCEPT)
        except _C_VERDICT_ERRORS as err:
            raise _verdict_error(err) from None
        binding.last_judged = self

    def drop(self) -> None:
        """Discard the packet."""
        self._judge(_DROP)

    def repeat(self) -> None:
        """Send the packet through its hook again, with its new mark and payload."""
        self._judge(_REPEAT)

    def _judge(self, verdict: int) -> None:
        binding = self._binding
        if binding.queue is None:  # unbound (C may not have closed it yet)
            # As the original, a second verdict is one whatever the queue.
            # A packet kept past its callback without one is in unjudged.
            twice = self not in binding.unjudged if self._over else \
                binding.last_judged is self or self._has_verdict()
            raise RuntimeError(_VERDICT_TWICE if twice else _UNBOUND)
        try:
            if self._given_payload is None and self._given_mark is None:
                self._verdict(verdict)  # the hot path: PacketBase's one-argument C call
            else:
                self._decide(verdict)
        except _C_VERDICT_ERRORS as err:
            raise _verdict_error(err) from None
        binding.last_judged = self
        if self._over:
            binding.unjudged.discard(self)

    def _decide(self, verdict: int) -> None:
        """A verdict that carries a mark or a payload."""
        payload = self._given_payload or None
        if payload is not None and len(payload) > nfqueue.PAYLOAD_MAX:
            # The kernel cannot take it. Rather than leave the packet
            # waiting for a verdict that can never be sent, it gets the
            # queue's default one, and the program is told.
            self._arrival()
            self._verdict(_DROP)
            self._binding.last_judged = self
            if self._over:
                self._binding.unjudged.discard(self)
            raise nfqueue.PayloadTooLargeError(
                f"set_payload() gave {len(payload)} bytes, more than the {nfqueue.PAYLOAD_MAX} "
                f"the kernel accepts in a verdict: packet {self.id} was dropped (the default "
                "verdict) instead; shorten the payload", _c.E_TOOBIG)
        self._arrival()  # get_payload_len() and str() keep describing what arrived
        _c.packet_decide(self, verdict, self._given_mark, payload, -1, 0)

    def _has_verdict(self) -> bool:
        return bool(_c.packet_status(self)[1])


_C_VERDICT_ERRORS = (nfqueue.VerdictGivenError, nfqueue.PacketExpiredError,
                     nfqueue.QueueClosedError)


def _verdict_error(err: Exception) -> RuntimeError:
    """NetfilterQueue's error for what C refused. Expired: the callback
    returned after a verdict (a packet left without one is retained, see
    global_callback)."""
    return RuntimeError(_UNBOUND if isinstance(err, nfqueue.QueueClosedError) else _VERDICT_TWICE)


def _ip_protocol(data: Union[bytes, memoryview]) -> Optional[int]:
    """The transport protocol number: IPv4's protocol field, or IPv6's next
    header (the original read byte 9 whatever the version)."""
    version = data[0] >> 4
    if version == 4 and len(data) >= 20:
        return data[9]
    if version == 6 and len(data) >= 40:
        return data[6]
    return None
