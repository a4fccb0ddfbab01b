#!/usr/bin/env python3
"""Traffic for the conformance suite, run inside a test's network namespace.

Each command is one small program that reports in JSON lines on stdout, so
the suite can start it with `ip netns exec NS python3 nettool.py ...` and
read what happened:

  udp-recv ADDR PORT         print {"event":"ready"} once bound, then one
                             {"event":"datagram","len":N,"hex":...} per datagram;
                             with --timestamps also "tstamp":[SEC,NSEC] (or null),
                             the time the kernel stamped it on reception
  tcp-recv ADDR PORT         print {"event":"ready"}, then per connection one
                             {"event":"stream","len":N,"sha256":...,"hex":...}
                             when the peer closes it
  udp-send ADDR PORT HEX...  send each HEX as one datagram from one socket
  tcp-send ADDR PORT         connect, send --hex or --size bytes, close

Receivers end on SIGTERM or after --lifetime seconds, whichever is first,
so a forgotten one cannot outlive its test for long. Senders take --uid and
--gid to send as another user (the uid/gid metadata case).

Payloads made with --size follow pattern(): byte i is i % 251, which no
power-of-two boundary lines up with, so a misplaced chunk shows.
"""
import argparse
import hashlib
import json
import os
import select
import signal
import socket
import struct
import sys
import time

# Streams up to this size are reported in full, larger ones by digest.
STREAM_HEX_MAX = 65536


def pattern(size):
    return bytes(i % 251 for i in range(size))


def emit(**event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def drop_privileges(uid, gid):
    """Become uid/gid before making the socket: the socket's owner is
    what the kernel reports with NFQUEUE_FLAG_UID_GID."""
    if gid is not None:
        os.setgroups([])
        os.setgid(gid)
    if uid is not None:
        os.setuid(uid)


def end_on_sigterm():
    def stop(signum, frame):
        sys.stdout.flush()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)


# Linux's generic values (x86, arm, arm64, riscv, ...); Python's socket
# module does not name them. SO_TIMESTAMPING is also the cmsg type.
SO_TIMESTAMPING = 37
SOF_TIMESTAMPING_RX_SOFTWARE = 1 << 3
SOF_TIMESTAMPING_SOFTWARE = 1 << 4
TIMESPEC = struct.Struct("@ll")  # struct timespec: time_t and long


def enable_rx_timestamps(sock):
    """Ask for the kernel's software receive timestamps. Unlike SO_TIMESTAMP,
    which stamps a datagram at recvmsg() time when it carries no stamp, this
    reports only a stamp the kernel put on the packet when it arrived."""
    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPING,
                    SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE)


def rx_timestamp(ancdata):
    """[sec, nsec] of the receive stamp in recvmsg()'s ancillary data, or None."""
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPING and len(data) >= TIMESPEC.size:
            sec, nsec = TIMESPEC.unpack_from(data)  # ts[0]: the software stamp
            if sec or nsec:
                return [sec, nsec]
    return None


def wait_for_rx_timestamps(timeout=5.0):
    """The kernel stamps arriving packets only while some socket wants
    stamps: asking turns on a global static key, but through deferred
    work, a moment later. Until then a packet may pass the NFQUEUE hooks
    unstamped. Probe with datagrams to ourselves on loopback until one
    comes back stamped, so "ready" means every later packet is stamped."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    enable_rx_timestamps(probe)
    probe.bind(("127.0.0.1", 0))  # an ephemeral port no queue rule matches
    probe.settimeout(1.0)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            probe.sendto(b"probe", probe.getsockname())
            _, ancdata, _, _ = probe.recvmsg(64, 1024)
            if rx_timestamp(ancdata):
                return
            time.sleep(0.01)
        raise SystemExit("the kernel does not stamp received packets (SO_TIMESTAMPING)")
    finally:
        probe.close()


def udp_recv(args):
    sock = socket.socket(family_of(args.addr), socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    if args.timestamps:
        enable_rx_timestamps(sock)
        wait_for_rx_timestamps()
    sock.bind((args.addr, args.port))
    emit(event="ready")
    deadline = time.monotonic() + args.lifetime
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([sock], [], [], left)
        if ready:
            data, ancdata, _, _ = sock.recvmsg(70000, 1024)
            extra = {"tstamp": rx_timestamp(ancdata)} if args.timestamps else {}
            emit(event="datagram", len=len(data), hex=data.hex(), **extra)


def tcp_recv(args):
    server = socket.socket(family_of(args.addr), socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((args.addr, args.port))
    server.listen(8)
    emit(event="ready")
    deadline = time.monotonic() + args.lifetime
    streams = {}
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([server, *streams], [], [], left)
        for sock in ready:
            if sock is server:
                conn, _ = server.accept()
                streams[conn] = bytearray()
                continue
            chunk = sock.recv(1 << 20)
            if chunk:
                streams[sock] += chunk
                continue
            data = bytes(streams.pop(sock))
            sock.close()
            emit(event="stream", len=len(data), sha256=hashlib.sha256(data).hexdigest(),
                 hex=data.hex() if len(data) <= STREAM_HEX_MAX else None)


def udp_send(args):
    drop_privileges(args.uid, args.gid)
    sock = socket.socket(family_of(args.addr), socket.SOCK_DGRAM)
    payloads = [bytes.fromhex(h) for h in args.hex]
    if args.size is not None:
        payloads.append(pattern(args.size))
    for data in payloads:
        sock.sendto(data, (args.addr, args.port))
        if args.gap:
            time.sleep(args.gap)
    emit(event="sent", count=len(payloads))


def tcp_send(args):
    drop_privileges(args.uid, args.gid)
    data = bytes.fromhex(args.hex) if args.hex is not None else pattern(args.size)
    sock = socket.create_connection((args.addr, args.port), timeout=args.lifetime)
    if args.nodelay:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(data)
    sock.shutdown(socket.SHUT_WR)
    # Wait for the receiver to close too: then every byte was acknowledged.
    while sock.recv(4096):
        pass
    sock.close()
    emit(event="sent", len=len(data), sha256=hashlib.sha256(data).hexdigest())


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("udp-recv", "tcp-recv", "udp-send", "tcp-send"):
        p = sub.add_parser(name)
        p.add_argument("addr")
        p.add_argument("port", type=int)
        p.add_argument("--lifetime", type=float, default=20.0,
                       help="seconds before a receiver gives up, or a sender's timeout")
        if name.endswith("send"):
            p.add_argument("--uid", type=int)
            p.add_argument("--gid", type=int)
            p.add_argument("--size", type=int, help="also send pattern(SIZE)")
        if name == "udp-recv":
            p.add_argument("--timestamps", action="store_true",
                           help="report each datagram's kernel receive timestamp")
        if name == "udp-send":
            p.add_argument("hex", nargs="*", default=[])
            p.add_argument("--gap", type=float, default=0.0, help="seconds between datagrams")
        if name == "tcp-send":
            p.add_argument("--hex")
            p.add_argument("--nodelay", action="store_true")
    args = parser.parse_args()
    end_on_sigterm()
    {"udp-recv": udp_recv, "tcp-recv": tcp_recv,
     "udp-send": udp_send, "tcp-send": tcp_send}[args.command](args)


if __name__ == "__main__":
    main()
