# SPDX-License-Identifier: GPL-2.0-or-later
"""Sockets made inside a test's namespace and used from the test's own
process: a socket belongs to the namespace it was created in, wherever it
is used afterwards. A helper process started there makes it and passes it
back over a Unix socket (SCM_RIGHTS); conftest's netlink_socket() is one.

With them a reliability test sends and receives thousands of datagrams
without a process per batch, and counts each one exactly:

    udp = LoopbackUdp(netns, 5404)           # 127.0.0.1:5404 inside netns
    udp.send_numbered(0, 400)
    assert udp.receive(400, quiet=0.5) == [...]
"""
from __future__ import annotations

import socket
import subprocess
import sys
from typing import List

SO_SNDBUFFORCE, SO_RCVBUFFORCE = 32, 33  # <asm-generic/socket.h>; not in Python's socket

# Room for every datagram a test has in flight at either end, so the only
# loss a test sees is the one it provokes in the queue.
BUFFER_BYTES = 16 << 20


def socket_in(ns, family: int, kind: int, proto: int = 0, timeout: float = 10.0) -> socket.socket:
    """A socket(family, kind, proto) created inside namespace `ns`."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    code = ("import socket, sys\n"
            "link = socket.socket(fileno=int(sys.argv[1]))\n"
            f"made = socket.socket({int(family)}, {int(kind)}, {int(proto)})\n"
            "socket.send_fds(link, [b'socket'], [made.fileno()])\n")
    try:
        with theirs:
            subprocess.run(ns.argv([sys.executable, "-c", code, str(theirs.fileno())]),
                           pass_fds=[theirs.fileno()], check=True, timeout=timeout,
                           capture_output=True)
        ours.settimeout(timeout)
        _, fds, _, _ = socket.recv_fds(ours, 64, 1)
    finally:
        ours.close()
    assert len(fds) == 1, "the helper passed no socket"
    return socket.socket(fileno=fds[0])


class LoopbackUdp:
    """A sender and a bound receiver for UDP to 127.0.0.1:`port` inside
    `ns`, both in this process. Close it (or use it as a context manager)."""

    def __init__(self, ns, port: int) -> None:
        self.port = port
        self.rx = socket_in(ns, socket.AF_INET, socket.SOCK_DGRAM)
        self.tx = socket_in(ns, socket.AF_INET, socket.SOCK_DGRAM)
        self.rx.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, BUFFER_BYTES)
        # A datagram the queue holds still counts against its sender's buffer.
        self.tx.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, BUFFER_BYTES)
        self.rx.bind(("127.0.0.1", port))
        self._buffer = bytearray(65536)

    def __enter__(self) -> "LoopbackUdp":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.rx.close()
        self.tx.close()

    def send(self, *payloads: bytes) -> None:
        for payload in payloads:
            self.tx.sendto(payload, ("127.0.0.1", self.port))

    def send_numbered(self, start: int, stop: int) -> None:
        """Datagrams b"packet START" .. b"packet STOP-1"."""
        self.send(*numbered(start, stop))

    def receive(self, most: int, quiet: float = 0.5) -> List[bytes]:
        """Datagrams that arrive, up to `most`, until none came for `quiet`
        seconds."""
        got: List[bytes] = []
        self.rx.settimeout(quiet)
        while len(got) < most:
            try:
                got.append(self.rx.recv(65536))
            except socket.timeout:
                break
        return got

    def count(self, most: int, quiet: float = 0.5) -> int:
        """How many datagrams arrive, as receive() but keeping none of them
        (a test of memory use must not measure its own record)."""
        arrived, buffer = 0, self._buffer
        self.rx.settimeout(quiet)
        while arrived < most:
            try:
                self.rx.recv_into(buffer)
            except socket.timeout:
                break
            arrived += 1
        return arrived


def numbered(start: int, stop: int) -> List[bytes]:
    return [b"packet %d" % i for i in range(start, stop)]
