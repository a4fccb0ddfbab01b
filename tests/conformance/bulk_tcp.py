#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""One bulk TCP download for test_tcp_flow.py, run inside a test's namespace.

  bulk_tcp.py serve ADDR PORT SIZE   listen, print {"event":"ready"}; for the
                                     first connection send SIZE bytes of
                                     pattern(), close, and print
                                     {"event":"served","len":N,"sha256":...}
  bulk_tcp.py fetch ADDR PORT        connect, read until the server closes,
                                     print {"event":"fetched","len":N,
                                     "sha256":...,"seconds":S}

The server gives up after --lifetime seconds, the client's socket times
out after as many, so neither can outlive its case for long. The bytes are
those of tests/tools/nettool.py's pattern() (byte i is i % 251), built in
one go: a 16 MiB download must not spend its time making its data.
"""
import argparse
import hashlib
import json
import signal
import socket
import sys
import time

CHUNK = 1 << 20


def pattern(size):
    period = bytes(range(251))
    return (period * (size // 251 + 1))[:size]


def emit(**event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def serve(args):
    data = pattern(args.size)
    server = socket.socket(family_of(args.addr), socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((args.addr, args.port))
    server.listen(1)
    server.settimeout(args.lifetime)
    emit(event="ready")
    conn, _ = server.accept()
    conn.settimeout(args.lifetime)
    conn.sendall(data)
    conn.shutdown(socket.SHUT_WR)
    # Wait for the client to close too: then every byte was acknowledged.
    while conn.recv(4096):
        pass
    conn.close()
    emit(event="served", len=len(data), sha256=hashlib.sha256(data).hexdigest())


def fetch(args):
    digest = hashlib.sha256()
    total = 0
    started = time.monotonic()
    sock = socket.create_connection((args.addr, args.port), timeout=args.lifetime)
    while True:
        chunk = sock.recv(CHUNK)
        if not chunk:
            break
        digest.update(chunk)
        total += len(chunk)
    sock.close()
    emit(event="fetched", len=total, sha256=digest.hexdigest(),
         seconds=round(time.monotonic() - started, 3))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("serve", "fetch"):
        p = sub.add_parser(name)
        p.add_argument("addr")
        p.add_argument("port", type=int)
        p.add_argument("--lifetime", type=float, default=25.0,
                       help="seconds before the server gives up, or the client's timeout")
        if name == "serve":
            p.add_argument("size", type=int)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    {"serve": serve, "fetch": fetch}[args.command](args)


if __name__ == "__main__":
    main()
