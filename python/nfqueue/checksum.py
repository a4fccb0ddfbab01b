# SPDX-License-Identifier: GPL-2.0-or-later
"""Checksums for payloads edited in place, before ``packet.accept(payload=...)``.

Each function takes a writable bytes-like object holding an IP packet
(``bytearray``, a writable ``memoryview``) and rewrites its checksum fields::

    data = bytearray(packet.payload)
    data[-5:] = b"HELLO"
    nfqueue.checksum.update(data)
    packet.accept(payload=data)

A malformed or truncated packet raises :class:`nfqueue.InvalidArgumentError`
and leaves the bytes as they were.
"""
from __future__ import annotations

from . import _nfqueue as _c

__all__ = ["update", "ipv4_header", "transport"]


def _writable(data: object) -> None:
    try:
        view = memoryview(data)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"expected a writable bytes-like object such as bytearray, got {type(data).__name__}"
        ) from None
    with view:
        if view.readonly:
            raise TypeError(
                f"{type(data).__name__} is read-only; copy it into a bytearray to edit it"
            )


def update(data: bytearray) -> None:
    """Recompute the IPv4 header checksum and the TCP or UDP checksum
    (IPv4 or IPv6, past IPv6 extension headers)."""
    _writable(data)
    _c.checksum_update(data)


def ipv4_header(data: bytearray) -> None:
    """Recompute only the IPv4 header checksum."""
    _writable(data)
    _c.checksum_ipv4_header(data)


def transport(data: bytearray) -> None:
    """Recompute only the TCP or UDP checksum."""
    _writable(data)
    _c.checksum_transport(data)
