"""One queued packet: its metadata, its payload, and its verdict.

A packet is *borrowed* when you get it: from ``Queue.run``'s callback until
the callback returns, from iteration or ``Queue.recv`` until the next one.
While borrowed, ``payload`` is a read-only ``memoryview`` into the receive
buffer (no copy). A borrowed packet that expires without a verdict gets the
queue's default verdict. ``retain()`` makes it yours: give it a verdict
later, from any thread::

    held = []

    def callback(packet):
        if packet.payload[9] == 17:      # UDP: decide later
            packet.retain()
            held.append(packet)
        else:
            packet.accept()

    # ... elsewhere, any time later:
    held.pop().drop()
"""
from __future__ import annotations

import contextlib
import threading
import weakref
from typing import TYPE_CHECKING, Any, ContextManager, Optional, Union

from . import _nfqueue as _c
from . import _validate
from .enums import Hook, Interface, SkbInfo, Verdict, Vlan
from .errors import PacketExpiredError, QueueClosedError

if TYPE_CHECKING:
    from .queue import Queue

__all__ = ["Packet"]

Payload = Union[bytes, bytearray, memoryview]

_BORROWED = "borrowed"
_RETAINED = "retained"
_EXPIRED = "expired"


class Packet:
    """A packet the kernel queued to us. Made by :class:`nfqueue.Queue`.

    Properties are ``None`` for what the kernel did not send with this
    packet (an attribute is never reported as a made-up 0).
    """

    __slots__ = ("_handle", "_queue", "_state", "_view", "_copy", "_verdict_given",
                 "_free", "_lock", "__weakref__")

    def __init__(self, handle: Any, queue: "Queue") -> None:
        self._handle = handle
        self._queue = queue
        self._state = _BORROWED
        self._view: Optional[memoryview] = None
        self._copy: Optional[bytes] = None
        self._verdict_given = False
        self._free: Optional[weakref.finalize] = None
        # Retained packets only: verdicts and release() may come from
        # several threads, and must not interleave.
        self._lock: Optional[threading.Lock] = None

    def __repr__(self) -> str:
        if self._state == _EXPIRED:
            return f"<nfqueue.Packet (expired) of queue {self._queue.num}>"
        return (f"<nfqueue.Packet id={self.id} hook={self.hook.name} "
                f"queue={self.queue_num} {self._state}>")

    # ---- lifetime ----

    def _live(self) -> Any:
        """The C handle, or PacketExpiredError if this packet expired."""
        if self._state == _EXPIRED:
            raise PacketExpiredError(
                f"packet of queue {self._queue.num} is no longer available: it expired when "
                "its callback returned or the next batch was received; call retain() "
                "before that to keep it",
                _c.E_EXPIRED)
        return self._handle

    def _release_view(self) -> None:
        """The receive buffer is about to be reused: our view of it goes,
        so using it raises ValueError. Slices of it and buffers exported
        from it cannot be revoked: they stay readable memory (the queue's
        owner keeps it alive) whose contents become another packet's."""
        view, self._view = self._view, None
        if view is not None:
            try:
                view.release()
            except BufferError:
                pass  # exported to someone (numpy, PickleBuffer...): see above

    def _expire(self, default: Verdict) -> None:
        """The borrow ends: give the default verdict if none was given.

        Called by the queue when a callback returns or the next batch is
        received. A retained packet only loses its view of the receive
        buffer; its own payload copy stays."""
        self._release_view()
        if self._state != _BORROWED:
            return
        # Expired first: even if the verdict below fails, the handle must
        # never be used again (C reuses its slot).
        handle, self._handle, self._state = self._handle, None, _EXPIRED
        self._verdict_given = bool(_c.packet_has_verdict(handle))
        if not self._verdict_given and not self._queue.closed:
            _c.packet_verdict(handle, int(default))
            self._verdict_given = True

    def _keep(self) -> None:
        """C-retain the handle so verdicts work after expiry (the drop-in
        uses this for packets a program kept without retain())."""
        if self._state == _BORROWED:
            self._lock = threading.Lock()
            _c.packet_retain(self._handle)
            # Freed with the object: C gives it the default verdict then
            # if it has none.
            self._free = weakref.finalize(self, _c.packet_free, self._handle)
            self._state = _RETAINED

    def retain(self) -> "Packet":
        """Keep this packet past its callback (or the next receive): the
        payload is copied once, and the verdict can come later from any
        thread. A retained packet that is garbage-collected without a
        verdict gets the queue's default verdict. Returns the packet."""
        self._live()
        self._keep()
        return self

    def release(self) -> None:
        """Let go of a retained packet now rather than when it is garbage
        collected: one without a verdict gets the queue's default verdict
        (while the queue is open). The packet is expired afterwards. Does
        nothing to a borrowed or expired packet."""
        if self._lock is None:
            return
        with self._lock:
            if self._state != _RETAINED or self._free is None:  # released already
                return
            self._verdict_given = bool(_c.packet_has_verdict(self._handle)) or \
                not self._queue.closed
            self._release_view()
            self._free()
            self._state = _EXPIRED
            self._handle = None
            self._copy = None

    @property
    def retained(self) -> bool:
        """True once :meth:`retain` was called."""
        return self._state == _RETAINED

    @property
    def expired(self) -> bool:
        """True once a borrowed packet can no longer be used."""
        return self._state == _EXPIRED

    @property
    def verdict_given(self) -> bool:
        """True once the packet has its verdict."""
        if self._state == _EXPIRED:
            return self._verdict_given
        return bool(_c.packet_has_verdict(self._handle))

    # ---- always present ----

    @property
    def id(self) -> int:
        """The kernel's id for this packet, counting up from 1 per queue."""
        return _c.packet_id(self._live())

    @property
    def queue_num(self) -> int:
        """The queue that delivered this packet."""
        return _c.packet_queue_num(self._live())

    @property
    def hw_protocol(self) -> int:
        """The link-layer protocol (EtherType), e.g. 0x0800 for IPv4."""
        return _c.packet_hw_protocol(self._live())

    @property
    def hook(self) -> Hook:
        """The netfilter hook that queued the packet."""
        return Hook(_c.packet_hook(self._live()))

    # ---- attributes the kernel may leave out ----

    @property
    def mark(self) -> Optional[int]:
        """The mark the packet arrived with."""
        return _c.packet_mark(self._live())

    @property
    def timestamp(self) -> Optional[float]:
        """When the kernel received the packet, as Unix time in seconds.
        Packets made on this host (OUTPUT, POSTROUTING) have none."""
        stamp = _c.packet_timestamp(self._live())
        return None if stamp is None else stamp[0] + stamp[1] / 1e6

    def ifindex(self, which: Interface) -> Optional[int]:
        """The index of one of the packet's interfaces."""
        which = _validate.member(Interface, which, "interface")
        return _c.packet_ifindex(self._live(), int(which))

    def ifname(self, which: Interface) -> Optional[str]:
        """The name of one of the packet's interfaces, resolved in the
        queue's network namespace (None if the device is gone)."""
        which = _validate.member(Interface, which, "interface")
        return _c.packet_ifname(self._live(), int(which))

    indev = property(lambda self: self.ifindex(Interface.IN),
                     doc="Index of the interface the packet came in on.")
    outdev = property(lambda self: self.ifindex(Interface.OUT),
                      doc="Index of the interface the packet goes out on.")
    physindev = property(lambda self: self.ifindex(Interface.PHYSIN),
                         doc="Index of the bridge port the packet came in on.")
    physoutdev = property(lambda self: self.ifindex(Interface.PHYSOUT),
                          doc="Index of the bridge port the packet goes out on.")
    indev_name = property(lambda self: self.ifname(Interface.IN),
                          doc="Name of the interface the packet came in on.")
    outdev_name = property(lambda self: self.ifname(Interface.OUT),
                           doc="Name of the interface the packet goes out on.")
    physindev_name = property(lambda self: self.ifname(Interface.PHYSIN),
                              doc="Name of the bridge port the packet came in on.")
    physoutdev_name = property(lambda self: self.ifname(Interface.PHYSOUT),
                               doc="Name of the bridge port the packet goes out on.")

    @property
    def hwaddr(self) -> Optional[bytes]:
        """The source hardware address (e.g. 6 bytes of MAC); None for
        packets made on this host."""
        return _c.packet_hwaddr(self._live())

    @property
    def uid(self) -> Optional[int]:
        """User id of the local socket that owns the packet (needs uid_gid=True)."""
        return _c.packet_uid(self._live())

    @property
    def gid(self) -> Optional[int]:
        """Group id of the local socket that owns the packet (needs uid_gid=True)."""
        return _c.packet_gid(self._live())

    @property
    def secctx(self) -> Optional[str]:
        """The packet's security context (needs secctx=True and a labelling LSM)."""
        return _c.packet_secctx(self._live())

    @property
    def skbinfo(self) -> Optional[SkbInfo]:
        """Checksum and GSO state of the kernel's packet buffer."""
        info = _c.packet_skbinfo(self._live())
        return None if info is None else SkbInfo(info)

    @property
    def priority(self) -> Optional[int]:
        """The packet's priority (skb->priority)."""
        return _c.packet_priority(self._live())

    @property
    def orig_len(self) -> Optional[int]:
        """The packet's length before the copy range cut it."""
        return _c.packet_orig_len(self._live())

    @property
    def vlan(self) -> Optional[Vlan]:
        """The VLAN tag the packet carried."""
        tag = _c.packet_vlan(self._live())
        return None if tag is None else Vlan(*tag)

    @property
    def l2hdr(self) -> Optional[bytes]:
        """The link-layer header (e.g. 14 bytes of Ethernet) on bridged and
        forwarded packets."""
        return _c.packet_l2hdr(self._live())

    @property
    def ct_info(self) -> Optional[int]:
        """Conntrack state of the packet (IP_CT_*; needs conntrack=True)."""
        return _c.packet_ct_info(self._live())

    @property
    def ct_id(self) -> Optional[int]:
        """Id of the packet's conntrack entry (needs conntrack=True)."""
        return _c.packet_ct_id(self._live())

    @property
    def ct_status(self) -> Optional[int]:
        """Status bits of the packet's conntrack entry (needs conntrack=True)."""
        return _c.packet_ct_status(self._live())

    @property
    def payload(self) -> Optional[Union[memoryview, bytes]]:
        """The packet from its IP header on: a read-only memoryview while
        borrowed (valid until the packet expires), bytes once retained.
        After a replacement payload was given, the replacement (bytes). None when the
        queue copies metadata only. Raises PacketExpiredError once expired."""
        handle = self._live()
        if self._copy is not None:  # retained, or replaced
            return self._copy
        if self._state == _RETAINED:
            self._copy = _c.packet_payload_bytes(handle)
            return self._copy
        if self._view is None:
            self._view = _c.packet_payload(handle, self._queue._owner)
        return self._view

    # ---- verdicts ----

    def _exclusive(self) -> ContextManager[Any]:
        """Held while giving a verdict: a retained packet's own lock."""
        return self._lock if self._lock is not None else contextlib.nullcontext()

    def _prepare(self, mark: Optional[int], payload: Optional[Payload]) -> Any:
        """Check the arguments, then set the mark and payload a verdict
        carries. Returns the C handle to give the verdict to."""
        new_mark = _validate.mark(mark)
        new_payload = _validate.payload(payload, _c.PAYLOAD_MAX)
        handle = self._live()
        if self._queue.closed:
            raise QueueClosedError(
                f"queue {self._queue.num} is closed: its packets can no longer get a verdict",
                _c.E_CLOSED)
        if new_mark is not None:
            _c.packet_set_mark(handle, new_mark)
        if new_payload is not None:
            _c.packet_set_payload(handle, new_payload)
            # From now on the payload is the replacement, as bytes: a view
            # of C's copy of it could outlive that copy.
            self._release_view()
            self._copy = new_payload.tobytes()
        return handle

    def verdict(self, verdict: Verdict, mark: Optional[int] = None,
                payload: Optional[Payload] = None) -> None:
        """Give the packet its one verdict, with a new mark and a new
        payload if given (see nfqueue.checksum to fix its checksums)."""
        verdict = _validate.member(Verdict, verdict, "verdict")
        with self._exclusive():
            _c.packet_verdict(self._prepare(mark, payload), int(verdict))

    def accept(self, mark: Optional[int] = None, payload: Optional[Payload] = None) -> None:
        """Let the packet go on."""
        self.verdict(Verdict.ACCEPT, mark, payload)

    def drop(self) -> None:
        """Discard the packet."""
        self.verdict(Verdict.DROP)

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
        flags = _c.QUEUE_BYPASS if bypass else 0
        with self._exclusive():
            _c.packet_verdict_queue(self._prepare(mark, payload), num, flags)
