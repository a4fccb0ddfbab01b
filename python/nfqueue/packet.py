# SPDX-License-Identifier: GPL-2.0-or-later
"""One queued packet: its metadata, its payload, and its verdict.

A packet is *borrowed* when you get it: from ``Queue.run``'s callback until
the callback returns, from iteration or ``Queue.recv`` until the next one,
or until you call ``release()``. While borrowed, ``payload`` is a read-only
``memoryview`` into the receive buffer (no copy). A borrowed packet that
expires without a verdict gets the queue's default verdict. ``retain()``
makes it yours: give it a verdict later, from any thread::

    held = []

    def callback(packet):
        if packet.payload[9] == 17:      # UDP: decide later
            packet.retain()
            held.append(packet)
        else:
            packet.accept()

    # ... elsewhere, any time later:
    held.pop().drop()

The packet's life is the C library's (libnfqueue): it decides when a
borrow ends, gives the default verdict and frees retained packets; this
class only asks it. All attributes cross from C in one call, on first use.
"""
from __future__ import annotations

from typing import Any, Optional, Union

from . import _nfqueue as _c
from . import _validate
from .enums import Hook, Interface, SkbInfo, Verdict, Vlan
from .errors import PacketExpiredError

__all__ = ["Packet"]

Payload = Union[bytes, bytearray, memoryview]

# Positions in the tuple PacketBase._attrs holds (bindings/packet.i).
(_ID, _QUEUE_NUM, _HW_PROTOCOL, _HOOK, _MARK, _TIMESTAMP, _INDEV, _OUTDEV, _PHYSINDEV,
 _PHYSOUTDEV, _HWADDR, _UID, _GID, _SECCTX, _SKBINFO, _PRIORITY, _VLAN, _L2HDR, _CT_INFO,
 _CT_ID, _CT_STATUS, _ORIG_LEN) = range(22)

_IFINDEX = {Interface.IN: _INDEV, Interface.OUT: _OUTDEV, Interface.PHYSIN: _PHYSINDEV,
            Interface.PHYSOUT: _PHYSOUTDEV}

_ACCEPT = int(Verdict.ACCEPT)
_DROP = int(Verdict.DROP)


def _attr(index: int, doc: str) -> Any:
    return property(lambda self: self._attrs[index], doc=doc)


class Packet(_c.packet_base()):  # type: ignore[misc]
    """A packet the kernel queued to us. Made by :class:`nfqueue.Queue`.

    Properties are ``None`` for what the kernel did not send with this
    packet (an attribute is never reported as a made-up 0). Once the
    packet expired, they raise PacketExpiredError.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        try:
            attrs = self._attrs
        except PacketExpiredError:
            return f"<nfqueue.Packet (expired) of queue {self._queue_num}>"
        state = "retained" if self._retained else "borrowed"
        return (f"<nfqueue.Packet id={attrs[_ID]} hook={Hook(attrs[_HOOK]).name} "
                f"queue={attrs[_QUEUE_NUM]} {state}>")

    # ---- lifetime: asked of C ----

    def retain(self) -> "Packet":
        """Keep this packet past its callback (or the next receive): the
        payload is copied once, and the verdict can come later from any
        thread. A retained packet that is garbage-collected without a
        verdict gets the queue's default verdict. Returns the packet."""
        _c.packet_retain(self)
        return self

    def release(self) -> None:
        """End this packet's life now rather than when the library would:
        one without a verdict gets the queue's default verdict at once
        (while the queue is open). A borrowed packet's borrow ends (it
        needs no later receive for that); a retained one is freed instead
        of waiting for the garbage collector. The packet is expired
        afterwards; releasing it again does nothing."""
        if self._retained:
            _c.packet_free(self)
        else:
            _c.packet_release(self)

    @property
    def retained(self) -> bool:
        """True once :meth:`retain` was called."""
        return bool(self._retained)

    @property
    def expired(self) -> bool:
        """True once the packet can no longer be used: a borrowed packet
        whose borrow ended, or a retained one that was released."""
        return _c.packet_status(self)[0]

    @property
    def verdict_given(self) -> bool:
        """True once the packet has its verdict (an expired packet got the
        default one, if none before)."""
        return _c.packet_status(self)[1]

    # ---- always present ----

    id = _attr(_ID, "The kernel's id for this packet, counting up from 1 per queue.")
    queue_num = _attr(_QUEUE_NUM, "The queue that delivered this packet.")
    hw_protocol = _attr(_HW_PROTOCOL,
                        "The link-layer protocol (EtherType), e.g. 0x0800 for IPv4.")

    @property
    def hook(self) -> Hook:
        """The netfilter hook that queued the packet."""
        return Hook(self._attrs[_HOOK])

    # ---- attributes the kernel may leave out ----

    mark = _attr(_MARK, "The mark the packet arrived with.")
    timestamp = _attr(_TIMESTAMP, """When the kernel received the packet, as Unix time in
        seconds. Packets made on this host (OUTPUT, POSTROUTING) have none.""")

    def ifindex(self, which: Interface) -> Optional[int]:
        """The index of one of the packet's interfaces."""
        which = _validate.member(Interface, which, "interface")
        return self._attrs[_IFINDEX[which]]

    def ifname(self, which: Interface) -> Optional[str]:
        """The name of one of the packet's interfaces, resolved in the
        queue's network namespace (None if the device is gone)."""
        which = _validate.member(Interface, which, "interface")
        return _c.packet_ifname(self, int(which))

    indev = _attr(_INDEV, "Index of the interface the packet came in on.")
    outdev = _attr(_OUTDEV, "Index of the interface the packet goes out on.")
    physindev = _attr(_PHYSINDEV, "Index of the bridge port the packet came in on.")
    physoutdev = _attr(_PHYSOUTDEV, "Index of the bridge port the packet goes out on.")
    indev_name = property(lambda self: self.ifname(Interface.IN),
                          doc="Name of the interface the packet came in on.")
    outdev_name = property(lambda self: self.ifname(Interface.OUT),
                           doc="Name of the interface the packet goes out on.")
    physindev_name = property(lambda self: self.ifname(Interface.PHYSIN),
                              doc="Name of the bridge port the packet came in on.")
    physoutdev_name = property(lambda self: self.ifname(Interface.PHYSOUT),
                               doc="Name of the bridge port the packet goes out on.")

    hwaddr = _attr(_HWADDR, """The source hardware address (e.g. 6 bytes of MAC); None for
        packets made on this host.""")
    uid = _attr(_UID, "User id of the local socket that owns the packet (needs uid_gid=True).")
    gid = _attr(_GID, "Group id of the local socket that owns the packet (needs uid_gid=True).")
    secctx = _attr(_SECCTX,
                   "The packet's security context (needs secctx=True and a labelling LSM).")

    @property
    def skbinfo(self) -> Optional[SkbInfo]:
        """Checksum and GSO state of the kernel's packet buffer."""
        info = self._attrs[_SKBINFO]
        return None if info is None else SkbInfo(info)

    priority = _attr(_PRIORITY, "The packet's priority (skb->priority).")
    orig_len = _attr(_ORIG_LEN, "The packet's length before the copy range cut it.")

    @property
    def vlan(self) -> Optional[Vlan]:
        """The VLAN tag the packet carried."""
        tag = self._attrs[_VLAN]
        return None if tag is None else Vlan(*tag)

    l2hdr = _attr(_L2HDR, """The link-layer header (e.g. 14 bytes of Ethernet) on bridged and
        forwarded packets.""")
    ct_info = _attr(_CT_INFO, "Conntrack state of the packet (IP_CT_*; needs conntrack=True).")
    ct_id = _attr(_CT_ID, "Id of the packet's conntrack entry (needs conntrack=True).")
    ct_status = _attr(_CT_STATUS,
                      "Status bits of the packet's conntrack entry (needs conntrack=True).")

    @property
    def payload(self) -> Optional[Union[memoryview, bytes]]:
        """The packet from its IP header on: a read-only memoryview while
        borrowed (the same one each time; released when the packet
        expires), bytes once retained. After a replacement payload was
        given, the replacement (bytes). None when the queue copies
        metadata only. Raises PacketExpiredError once expired."""
        return _c.packet_payload(self)

    # ---- verdicts ----

    def verdict(self, verdict: Verdict, mark: Optional[int] = None,
                payload: Optional[Payload] = None) -> None:
        """Give the packet its one verdict, with a new mark and a new
        payload if given (see nfqueue.checksum to fix its checksums)."""
        verdict = _validate.member(Verdict, verdict, "verdict")
        if mark is None and payload is None:
            self._verdict(int(verdict))
        else:
            _c.packet_decide(self, int(verdict), _validate.mark(mark),
                             _validate.payload(payload, _c.PAYLOAD_MAX), -1, 0)

    def accept(self, mark: Optional[int] = None, payload: Optional[Payload] = None) -> None:
        """Let the packet go on."""
        if mark is None and payload is None:
            self._verdict(_ACCEPT)
        else:
            self.verdict(Verdict.ACCEPT, mark, payload)

    def drop(self) -> None:
        """Discard the packet."""
        self._verdict(_DROP)

    def repeat(self, mark: Optional[int] = None, payload: Optional[Payload] = None) -> None:
        """Run the packet through the same hook again (set a mark a rule
        matches on, or it comes straight back to this queue)."""
        self.verdict(Verdict.REPEAT, mark, payload)

    def stop(self, mark: Optional[int] = None, payload: Optional[Payload] = None) -> None:
        """Accept the packet and skip the rest of this hook's rules."""
        self.verdict(Verdict.STOP, mark, payload)

    def queue_to(self, num: int, *, bypass: bool = False, mark: Optional[int] = None,
                 payload: Optional[Payload] = None) -> None:
        """Send the packet to queue `num`. With `bypass`, accept it instead
        when no program listens on that queue."""
        num = _validate.integer("queue number", num, 0, _c.QUEUE_NUM_MAX)
        _c.packet_decide(self, 0, _validate.mark(mark),
                         _validate.payload(payload, _c.PAYLOAD_MAX), num,
                         _c.QUEUE_BYPASS if bypass else 0)

