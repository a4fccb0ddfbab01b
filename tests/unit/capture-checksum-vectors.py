#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Capture the packets in checksum_vectors.h from the Linux kernel itself.

Why: the checksum tests need packets whose checksums are right for a
reason other than "our code said so". A tun device has no checksum
offload until TUNSETOFFLOAD asks for it, so the kernel computes every
IPv4 header, UDP and TCP checksum in software before a packet reaches
the tun file descriptor; those bytes are our known-good vectors.

Run once, as root, in a throwaway network namespace (nothing outside it
is touched):   unshare --net python3 capture-checksum-vectors.py
and paste the output into checksum_vectors.h. Not run by the test suite.
"""
import fcntl
import os
import select
import socket
import struct
import subprocess
import time

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
IPV6_HOPOPTS = 54  # linux/in6.h; Python 3.11 has no constant for it


def ip(*args):
    subprocess.run(("ip",) + args, check=True)


def open_tun():
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", b"vec0", IFF_TUN | IFF_NO_PI))
    ip("link", "set", "lo", "up")
    ip("addr", "add", "192.0.2.1/24", "dev", "vec0")
    ip("-6", "addr", "add", "2001:db8::1/64", "dev", "vec0", "nodad")
    ip("link", "set", "vec0", "up")
    time.sleep(0.3)
    while select.select([fd], [], [], 0.2)[0]:  # router solicitations etc.
        os.read(fd, 65536)
    return fd


def next_packet(fd):
    """The next UDP or TCP packet (skipping ICMPv6 chatter)."""
    while True:
        if not select.select([fd], [], [], 2.0)[0]:
            raise TimeoutError("no packet on the tun device")
        pkt = os.read(fd, 65536)
        proto = pkt[9] if pkt[0] >> 4 == 4 else pkt[6]
        if proto != 58:
            return pkt


def syn(family, src, dst):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.bind(src)
    s.setblocking(False)
    try:
        s.connect(dst)
    except BlockingIOError:
        pass
    return s


def main():
    fd = open_tun()
    keep = []  # sockets stay open until every packet was read
    out = []

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("192.0.2.1", 5000))
    s.sendto(b"hello, nfqueue!", ("192.0.2.2", 6000))
    out.append(("udp4", next_packet(fd)))

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("192.0.2.1", 5001))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, b"\x94\x04\x00\x00")  # router alert
    s.sendto(b"options!", ("192.0.2.2", 6000))
    out.append(("udp4_options", next_packet(fd)))

    keep.append(syn(socket.AF_INET, ("192.0.2.1", 40000), ("192.0.2.2", 80)))
    out.append(("tcp4_syn", next_packet(fd)))

    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(("2001:db8::1", 5000))
    s.sendto(b"odd-length v6 payload", ("2001:db8::2", 6000))
    out.append(("udp6", next_packet(fd)))

    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(("2001:db8::1", 5002))
    s.setsockopt(socket.IPPROTO_IPV6, IPV6_HOPOPTS, b"\x00\x00\x01\x04\x00\x00\x00\x00")
    s.sendto(b"behind a hop-by-hop header", ("2001:db8::2", 6000))
    out.append(("udp6_hopopts", next_packet(fd)))

    keep.append(syn(socket.AF_INET6, ("2001:db8::1", 40001), ("2001:db8::2", 80)))
    out.append(("tcp6_syn", next_packet(fd)))

    for name, pkt in out:
        print(f"/* {name}, {len(pkt)} bytes */")
        for i in range(0, len(pkt), 16):
            print("\t" + " ".join(f"0x{b:02x}," for b in pkt[i:i + 16]))


if __name__ == "__main__":
    main()
