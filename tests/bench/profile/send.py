# SPDX-License-Identifier: GPL-2.0-or-later
"""send.py - the profiler's traffic: COUNT UDP datagrams of SIZE payload
bytes to 127.0.0.1:PORT. Run only inside the profiler's namespace. Speed
does not matter: the drain starts once the kernel holds them all.

Usage: python send.py PORT COUNT SIZE
"""
import socket
import sys


def main(argv):
    port, count, size = (int(a) for a in argv[1:4])
    payload = bytes(size)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        # A queued datagram still counts against its socket's send
        # buffer: room for the whole load, or sendto() blocks.
        s.setsockopt(socket.SOL_SOCKET, 32, min(count * (size + 4096), 1 << 30))  # SO_SNDBUFFORCE
        for _ in range(count):
            s.sendto(payload, ("127.0.0.1", port))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
