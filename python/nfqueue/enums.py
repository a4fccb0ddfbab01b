# SPDX-License-Identifier: GPL-2.0-or-later
"""The C library's enumerations as Python enums.

Values come from the SWIG core, which read them from ``nfqueue.h``: the
header stays the single source of every number.
"""
from __future__ import annotations

import enum
from typing import NamedTuple

from . import _nfqueue as _c

__all__ = ["CopyMode", "Verdict", "Hook", "Interface", "SkbInfo", "Vlan"]


class CopyMode(enum.IntEnum):
    """How much of each packet the kernel copies to us."""
    NONE = _c.COPY_NONE      #: nothing, not even metadata is promised
    META = _c.COPY_META      #: metadata only, no payload
    PACKET = _c.COPY_PACKET  #: metadata and up to ``copy_range`` bytes of payload


class Verdict(enum.IntEnum):
    """What the kernel does with a packet."""
    DROP = _c.DROP      #: discard it
    ACCEPT = _c.ACCEPT  #: let it continue with the next rule hook
    REPEAT = _c.REPEAT  #: run it through the same hook again
    STOP = _c.STOP      #: accept it and skip the rest of this hook


class Hook(enum.IntEnum):
    """The netfilter hook (roughly: the iptables chain) that queued a packet."""
    PREROUTING = _c.HOOK_PREROUTING
    INPUT = _c.HOOK_INPUT
    FORWARD = _c.HOOK_FORWARD
    OUTPUT = _c.HOOK_OUTPUT
    POSTROUTING = _c.HOOK_POSTROUTING


class Interface(enum.IntEnum):
    """Which of a packet's interfaces: in, out, or the bridge ports."""
    IN = _c.IFACE_IN
    OUT = _c.IFACE_OUT
    PHYSIN = _c.IFACE_PHYSIN
    PHYSOUT = _c.IFACE_PHYSOUT


class SkbInfo(enum.IntFlag):
    """Flags on the kernel's packet buffer (``Packet.skbinfo``)."""
    CSUM_NOT_READY = _c.SKB_CSUM_NOT_READY          #: checksum left to the NIC
    GSO = _c.SKB_GSO                                #: a GSO super-packet
    CSUM_NOT_VERIFIED = _c.SKB_CSUM_NOT_VERIFIED    #: checksum not verified yet


class Vlan(NamedTuple):
    """A packet's VLAN tag: the tag protocol (0x8100, 0x88a8) and the TCI."""
    proto: int
    tci: int

    @property
    def id(self) -> int:
        """The VLAN id: the low 12 bits of the TCI."""
        return self.tci & 0x0FFF

    @property
    def priority(self) -> int:
        """The priority code point: the top 3 bits of the TCI."""
        return self.tci >> 13
