"""``netfilterqueue.Packet``: NetfilterQueue 1.1's packet over ``nfqueue.Packet``.

What differs from ``nfqueue.Packet`` is lifetime: here every attribute is
read once when the packet arrives, so it stays readable forever; the
payload is readable during the callback and afterwards only if retain()
copied it; set_payload() and set_mark() are remembered and sent with the
verdict, as NetfilterQueue does.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Union

import nfqueue

from ._convert import c_unsigned
from ._protocols import PROTOCOLS

if TYPE_CHECKING:
    from ._queue import NetfilterQueue

# NetfilterQueue returns the kernel's whole hardware address field, which
# is 8 bytes: a 6-byte MAC is followed by two zero bytes.
_HW_FIELD_LEN = 8

_NO_PAYLOAD = "Packet has no payload -- perhaps you're using COPY_META mode?"
_PAYLOAD_GONE = ("Payload data is no longer available. You must call retain() within the "
                 "user_callback in order to copy the payload if you need to expect it after "
                 "your callback has returned.")
_VERDICT_TWICE = "Verdict already given for this packet"
_UNBOUND = "Parent queue has already been unbound"


class Packet:
    """A packet handed to a NetfilterQueue callback (see the module
    ``netfilterqueue`` for how it differs from the original)."""

    __slots__ = ("_owner", "_queue", "_raw", "_borrowed", "_payload_len", "_owned",
                 "_given_payload", "_given_mark", "_verdict_given", "_id", "_hw_protocol",
                 "_hook", "_mark", "_timestamp", "_hw", "_indev", "_outdev", "_physindev",
                 "_physoutdev", "__weakref__")

    def __init__(self, owner: "NetfilterQueue", queue: nfqueue.Queue,
                 raw: nfqueue.Packet) -> None:
        """Made by NetfilterQueue for each packet, never by programs."""
        self._owner = owner
        self._queue = queue
        self._raw = raw
        self._borrowed = True  # until the callback returns
        payload = raw.payload
        self._payload_len = 0 if payload is None else len(payload)
        self._owned: Optional[bytes] = None
        self._given_payload: Optional[bytes] = None
        self._given_mark: Optional[int] = None
        self._verdict_given = False
        # Absent attributes read as 0 (0.0, None for the address), as in
        # NetfilterQueue; nfqueue.Packet reports them as None.
        self._id: int = raw.id
        self._hw_protocol: int = raw.hw_protocol
        self._hook: int = int(raw.hook)
        self._mark: int = raw.mark or 0
        self._timestamp: float = raw.timestamp or 0.0
        hw = raw.hwaddr
        self._hw = None if hw is None else hw[:_HW_FIELD_LEN].ljust(_HW_FIELD_LEN, b"\0")
        self._indev: int = raw.indev or 0
        self._outdev: int = raw.outdev or 0
        self._physindev: int = raw.physindev or 0
        self._physoutdev: int = raw.physoutdev or 0

    def _end_callback(self) -> None:
        """The callback returned: the payload is gone unless retained."""
        self._borrowed = False

    def _payload_view(self) -> Optional[Union[memoryview, bytes]]:
        """The payload as it arrived, borrowed, during the callback only."""
        return self._raw.payload if self._borrowed else None

    # ---- read-only attributes ----

    id = property(lambda self: self._id, doc="The kernel's id for this packet.")
    hw_protocol = property(lambda self: self._hw_protocol,
                           doc="The link-layer protocol, e.g. 0x0800 for IPv4.")
    hook = property(lambda self: self._hook,
                    doc="The netfilter hook: 0 PREROUTING .. 4 POSTROUTING.")
    mark = property(lambda self: self._mark,
                    doc="The mark the packet arrived with (set_mark() leaves it).")
    indev = property(lambda self: self._indev, doc="Ifindex it came in on, or 0.")
    outdev = property(lambda self: self._outdev, doc="Ifindex it goes out on, or 0.")
    physindev = property(lambda self: self._physindev, doc="Bridge port in, or 0.")
    physoutdev = property(lambda self: self._physoutdev, doc="Bridge port out, or 0.")

    def __str__(self) -> str:
        # Like the original, describe what arrived (not set_payload's bytes).
        data = self._owned or self._payload_view()  # read, not copied
        if not data:
            return "%d byte packet, contents unretained" % self._payload_len
        protocol = _ip_protocol(data)
        name = "Unknown protocol" if protocol is None else \
            PROTOCOLS.get(protocol, "Unknown protocol")
        return "%s packet, %s bytes" % (name, self._payload_len)

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
        raise RuntimeError(_NO_PAYLOAD if self._payload_len == 0 else _PAYLOAD_GONE)

    def get_payload_len(self) -> int:
        """The length of the payload that arrived (0 without one)."""
        return self._payload_len

    def set_payload(self, payload: Optional[bytes]) -> None:
        """Replace the payload; sent with the verdict. Empty or None means
        no replacement, as in the original."""
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
        """Give the packet this 32-bit mark with its verdict."""
        self._given_mark = c_unsigned(mark, 32)

    def get_mark(self) -> int:
        """The mark set with set_mark(), else the mark it arrived with."""
        return self._mark if self._given_mark is None else self._given_mark

    def get_hw(self) -> Optional[bytes]:
        """The source hardware address as the kernel's 8-byte field (a MAC
        and two zero bytes on Ethernet), or None when not captured."""
        return self._hw

    def get_timestamp(self) -> float:
        """Arrival time as Unix time in seconds; 0.0 when the kernel sent none."""
        return self._timestamp

    # ---- verdicts ----

    def accept(self) -> None:
        """Let the packet continue."""
        self._verdict(nfqueue.Verdict.ACCEPT)

    def drop(self) -> None:
        """Discard the packet."""
        self._verdict(nfqueue.Verdict.DROP)

    def repeat(self) -> None:
        """Send the packet through its hook again, with its new mark and payload."""
        self._verdict(nfqueue.Verdict.REPEAT)

    def _verdict(self, verdict: nfqueue.Verdict) -> None:
        if self._verdict_given:
            raise RuntimeError(_VERDICT_TWICE)
        if self._queue.closed or self._owner._queue is not self._queue:
            raise RuntimeError(_UNBOUND)
        try:
            if verdict == nfqueue.Verdict.DROP:
                self._raw.drop()
            else:
                self._raw.verdict(verdict, self._given_mark, self._given_payload or None)
        except nfqueue.VerdictGivenError as err:
            raise RuntimeError(_VERDICT_TWICE) from err
        except nfqueue.QueueClosedError as err:
            raise RuntimeError(_UNBOUND) from err
        self._verdict_given = True


def _ip_protocol(data: Union[bytes, memoryview]) -> Optional[int]:
    """The transport protocol number: IPv4's protocol field, or IPv6's next
    header (the original read byte 9 whatever the version)."""
    version = data[0] >> 4
    if version == 4 and len(data) >= 20:
        return data[9]
    if version == 6 and len(data) >= 40:
        return data[6]
    return None
