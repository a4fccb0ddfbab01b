# SPDX-License-Identifier: GPL-2.0-or-later
"""Reading IP packets as the agents report them (hex), and checking their
checksums with an implementation of our own (RFC 1071), independent of
the library's."""
import socket
import struct

from answers import hexbytes

IPPROTO_TCP = 6
IPPROTO_UDP = 17


def ones_complement_sum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


class Packet:
    """An IPv4 or IPv6 packet without extension headers."""

    def __init__(self, raw):
        self.raw = bytes(raw)
        if len(self.raw) < 20 or self.raw[0] >> 4 not in (4, 6) or \
                (self.raw[0] >> 4 == 6 and len(self.raw) < 40):
            raise AssertionError(f"expected an IPv4 or IPv6 packet, the agent reported "
                                 f"{len(self.raw)} bytes: {self.raw[:48].hex()}")
        self.version = self.raw[0] >> 4
        if self.version == 4:
            self.header_len = (self.raw[0] & 15) * 4
            self.protocol = self.raw[9]
            self.total_len = struct.unpack_from("!H", self.raw, 2)[0]
            self.src, self.dst = self.raw[12:16], self.raw[16:20]
        else:
            self.header_len = 40
            self.protocol = self.raw[6]
            self.total_len = 40 + struct.unpack_from("!H", self.raw, 4)[0]
            self.src, self.dst = self.raw[8:24], self.raw[24:40]

    @classmethod
    def from_hex(cls, text):
        """The packet of a hex string an agent reported (an AssertionError
        that says what came instead when it is not one)."""
        return cls(hexbytes(text))

    @property
    def transport(self):
        return self.raw[self.header_len:self.total_len]

    @property
    def data(self):
        """The UDP or TCP payload."""
        segment = self.transport
        if self.protocol == IPPROTO_UDP:
            return segment[8:]
        if len(segment) < 20:
            raise AssertionError(f"expected a TCP segment, got {len(segment)} bytes in {self!r}")
        return segment[(segment[12] >> 4) * 4:]

    def ip_header_ok(self):
        return self.version == 6 or ones_complement_sum(self.raw[:self.header_len]) == 0xFFFF

    def transport_checksum_ok(self):
        segment = self.transport
        if self.version == 4:
            pseudo = self.src + self.dst + struct.pack("!BBH", 0, self.protocol, len(segment))
        else:
            pseudo = self.src + self.dst + struct.pack("!IxxxB", len(segment), self.protocol)
        return ones_complement_sum(pseudo + segment) == 0xFFFF

    def __repr__(self):
        family = socket.AF_INET if self.version == 4 else socket.AF_INET6
        return (f"Packet(v{self.version} {socket.inet_ntop(family, self.src)} -> "
                f"{socket.inet_ntop(family, self.dst)} proto {self.protocol}, {len(self.raw)} bytes)")
