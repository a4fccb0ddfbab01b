# SPDX-License-Identifier: GPL-2.0-or-later
"""Senders and receivers inside a namespace, run as tests/tools/nettool.py."""
import hashlib
import sys
from pathlib import Path

from process import JsonLineProcess

NETTOOL = str(Path(__file__).resolve().parents[1] / "tools" / "nettool.py")
SEND_TIMEOUT = 10.0


def pattern(size):
    """The bytes nettool.py sends for --size SIZE."""
    return bytes(i % 251 for i in range(size))


class Receiver(JsonLineProcess):
    def __init__(self, ns, kind, addr, port, options=()):
        super().__init__(ns.argv([sys.executable, NETTOOL, f"{kind}-recv", addr, str(port),
                                  *options]),
                         f"{kind} receiver [{addr}]:{port} in {ns.name}")

    def wait_ready(self):
        """Wait until the socket is bound: traffic sent later cannot miss it."""
        self.wait_for(lambda e: e["event"] == "ready", what='"ready"')
        return self


class UdpReceiver(Receiver):
    def __init__(self, ns, addr, port, timestamps=False):
        """With `timestamps`, the receiver asks the kernel to stamp arriving
        packets, which it does for every namespace from then on, and
        reports each datagram's stamp (see nettool.py)."""
        super().__init__(ns, "udp", addr, port, ["--timestamps"] if timestamps else [])

    def wait_events(self, count, timeout=5.0):
        """The first `count` "datagram" events, with all their members."""
        return self.wait_for(lambda e: e["event"] == "datagram", count, timeout, "a datagram")

    def datagrams(self):
        return [bytes.fromhex(e["hex"]) for e in self.select(lambda e: e["event"] == "datagram")]

    def wait_datagrams(self, count, timeout=5.0):
        events = self.wait_for(lambda e: e["event"] == "datagram", count, timeout, "a datagram")
        return [bytes.fromhex(e["hex"]) for e in events]

    def expect(self, wanted, timeout=5.0, grace=0.3):
        """Wait for the datagrams in `wanted`, then `grace` seconds more so
        any datagram that should not arrive has its chance; return all."""
        if wanted:
            self.wait_datagrams(len(wanted), timeout)
        self.settle(grace)
        return self.datagrams()


class TcpReceiver(Receiver):
    def __init__(self, ns, addr, port):
        super().__init__(ns, "tcp", addr, port)

    def streams(self, count=1, timeout=5.0):
        return self.wait_for(lambda e: e["event"] == "stream", count, timeout, "a stream")


def udp_send(ns, addr, port, *payloads, size=None, uid=None, gid=None, gap=None):
    argv = [sys.executable, NETTOOL, "udp-send", addr, str(port), *[p.hex() for p in payloads]]
    if size is not None:
        argv += ["--size", str(size)]
    if uid is not None:
        argv += ["--uid", str(uid)]
    if gid is not None:
        argv += ["--gid", str(gid)]
    if gap is not None:
        argv += ["--gap", str(gap)]
    ns.run(argv, timeout=SEND_TIMEOUT)


def tcp_send(ns, addr, port, data=None, size=None, timeout=SEND_TIMEOUT, background=False):
    """Send one TCP stream and close it; with `background`, return the
    running sender (a JsonLineProcess) instead of waiting for it."""
    argv = [sys.executable, NETTOOL, "tcp-send", addr, str(port), "--lifetime", str(timeout)]
    argv += ["--hex", data.hex()] if data is not None else ["--size", str(size)]
    if background:
        return JsonLineProcess(ns.argv(argv), f"tcp sender to [{addr}]:{port} in {ns.name}")
    ns.run(argv, timeout=timeout + 2)
    return None


def sha256(data):
    return hashlib.sha256(data).hexdigest()
