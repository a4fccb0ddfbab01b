# SPDX-License-Identifier: GPL-2.0-or-later
"""The drop-in ``netfilterqueue`` against the real kernel: every function of
NetfilterQueue 1.1's API, with its messages, warnings and exception types.

Each test binds its queue inside a throwaway namespace through a netlink
socket made there (``NetfilterQueue(sockfd=N)``, as the original documents
for other namespaces) and sends UDP datagrams to a receiver on loopback.
"""
from __future__ import annotations

import contextlib
import errno
import gc
import os
import select
import signal
import socket
import struct
import threading
import sys
import time
import warnings
import weakref
from typing import Callable, Iterator, List

import pytest

try:
    import nfqueue
except ImportError:  # run against NetfilterQueue 1.1 itself
    nfqueue = None
import traffic  # tests/conformance, put on sys.path by conftest
import netfilterqueue
from netfilterqueue import (COPY_META, COPY_NONE, COPY_PACKET, PROTOCOLS, NetfilterQueue,
                            Packet)

# Also run against NetfilterQueue 1.1.0 itself, to prove the expectations
# (its own virtual environment's python -m pytest this file): the tests
# of a deliberate difference (the module docstring lists them) skip there.
IS_DROPIN = hasattr(netfilterqueue, "_queue")
dropin_only = pytest.mark.skipif(not IS_DROPIN, reason="a deliberate difference of the drop-in")

QUEUE = 3
PORT = 5000
UDP4_HEADERS = 28  # IPv4 header without options + UDP header
UNRETAINED = "Payload data is no longer available"


class Done(Exception):
    """Raised by a test's callback to end run() once it has seen enough."""


@contextlib.contextmanager
def alarm(seconds: float, exc: Callable[[], BaseException]) -> Iterator[None]:
    """Raise exc() from a SIGALRM handler after `seconds`, then put back
    the handler and timer that were there (conftest's time limit)."""
    def ring(signum: int, frame: object) -> None:
        raise exc()

    previous = signal.signal(signal.SIGALRM, ring)
    left, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if left:
            signal.setitimer(signal.ITIMER_REAL, max(left - (time.monotonic() - started), 0.01))


def deadline(seconds: float = 5.0):
    return alarm(seconds, lambda: AssertionError(f"no packets within {seconds:g} s"))


def run_for(nfq: NetfilterQueue, count: int, callback: Callable[[Packet], object],
            timeout: float = 5.0) -> None:
    """nfq.run() until `callback` has seen `count` packets."""
    seen = 0

    def counting(packet: Packet) -> None:
        nonlocal seen
        callback(packet)
        seen += 1
        if seen == count:
            raise Done

    RELAY.target = counting
    try:
        with deadline(timeout), pytest.raises(Done):
            nfq.run()
    finally:
        RELAY.target = accept


def data(packet: Packet) -> bytes:
    """The UDP payload of an IPv4 packet."""
    return packet.get_payload()[UDP4_HEADERS:]


def ip_checksum(header: bytes) -> int:
    total = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total ^ 0xFFFF


def with_udp_data(payload: bytes, new: bytes) -> bytes:
    """`payload` (IPv4 + UDP) carrying `new`, lengths and checksums fixed
    the way the original's documentation says: IP header checksum
    recomputed, UDP checksum cleared."""
    packet = bytearray(payload[:UDP4_HEADERS]) + new
    struct.pack_into("!H", packet, 2, len(packet))
    struct.pack_into("!H", packet, 24, 8 + len(new))
    packet[26:28] = b"\0\0"
    packet[10:12] = b"\0\0"
    struct.pack_into("!H", packet, 10, ip_checksum(bytes(packet[:20])))
    return bytes(packet)


@pytest.fixture
def nfq_in(netns_factory) -> Iterator[Callable]:
    """``nfq_in(ns)``: a NetfilterQueue on a socket made inside `ns`; the
    ones still alive are unbound at the end (held weakly, so a test can
    let one be garbage-collected)."""
    made: List[weakref.ref] = []

    def make(ns) -> NetfilterQueue:
        with ns.netlink_socket() as sock:
            nfq = NetfilterQueue(sockfd=sock.fileno())
        made.append(weakref.ref(nfq))
        return nfq

    yield make
    for ref in made:
        nfq = ref()
        if nfq is not None:
            nfq.unbind()


@pytest.fixture
def lab(netns):
    """A namespace whose UDP datagrams to PORT go to QUEUE (OUTPUT)."""
    netns.nfqueue_rule(QUEUE, PORT)
    return netns


def accept(packet: Packet) -> None:
    packet.accept()


class Relay:
    """The callback tests bind, so run_for() can swap what it does without
    reaching into either implementation."""

    target: Callable[[Packet], object] = staticmethod(accept)

    def __call__(self, packet: Packet) -> None:
        self.target(packet)


RELAY = Relay()


# ---- module surface (no kernel) ----

def test_constants_and_protocols():
    assert (COPY_NONE, COPY_META, COPY_PACKET) == (0, 1, 2)
    if IS_DROPIN:  # documented by NetfilterQueue 1.1, missing from its code
        assert (NetfilterQueue.COPY_NONE, NetfilterQueue.COPY_META,
                NetfilterQueue.COPY_PACKET) == (0, 1, 2)
    assert set(PROTOCOLS) == set(range(141)) | {255}
    assert (PROTOCOLS[1], PROTOCOLS[6], PROTOCOLS[17], PROTOCOLS[58]) == \
        ("ICMP", "TCP", "UDP", "IPv6-ICMP")
    assert PROTOCOLS[61] == "any host internal protocol" and PROTOCOLS[255] == "Reserved"
    assert NetfilterQueue.__module__ == Packet.__module__ == "netfilterqueue"


@dropin_only  # checked at construction
def test_bad_sockfd():
    fd = os.open("/dev/null", os.O_RDONLY)
    os.close(fd)  # a number that is no open file
    with pytest.raises(OSError) as info:
        NetfilterQueue(sockfd=fd)
    assert (info.value.errno, info.value.strerror) == (errno.EBADF, "dup2 failed")

    with open("/dev/null") as devnull:
        with pytest.raises(OSError, match=r"Failed to open NFQueue\.") as info:
            NetfilterQueue(sockfd=devnull.fileno())
    assert info.value.errno == errno.ENOTSOCK

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        with pytest.raises(OSError, match=r"Failed to open NFQueue\."):
            NetfilterQueue(sockfd=udp.fileno())


# ---- construction and binding ----

def test_not_root(netns):
    # Root without CAP_NET_ADMIN: out of the bounding set, so not regained at exec.
    code = ("from netfilterqueue import NetfilterQueue\n"
            "try:\n"
            "    NetfilterQueue()\n"
            "except OSError as err:\n"
            "    print(type(err).__name__, err.errno, err.args)\n")
    result = netns.python(code, wrapper=["setpriv", "--bounding-set", "-net_admin"])
    assert result.stdout.strip() == \
        "OSError None ('Failed to bind family 2. Are you root?',)", result.stderr


def test_sockfd_is_duplicated(lab, nfq_in):
    sock = lab.netlink_socket()
    nfq = NetfilterQueue(sockfd=sock.fileno())
    theirs = sock.fileno()
    sock.close()  # the caller may close its socket: the queue has its own
    assert nfq.get_fd() not in (-1, theirs)
    received = lab.udp_receiver(PORT)
    nfq.bind(QUEUE, RELAY)
    lab.send_udp(PORT, b"through a passed socket")
    run_for(nfq, 1, accept)
    assert received.wait_datagrams(1) == [b"through a passed socket"]
    nfq.unbind()


def test_bind_twice_and_unbind_idempotent(lab, nfq_in):
    nfq = nfq_in(lab)
    nfq.bind(QUEUE, RELAY)
    with pytest.raises(RuntimeError, match=r"^A queue is already bound; use unbind\(\) first$"):
        nfq.bind(QUEUE + 1, accept)
    nfq.unbind()
    nfq.unbind()
    assert QUEUE not in lab.queues()
    nfq.bind(QUEUE, RELAY)  # the same object binds again after unbind()
    assert QUEUE in lab.queues()


@dropin_only  # the original cannot make two objects on passed sockets in one namespace (EADDRINUSE)
def test_queue_busy(lab, nfq_in):
    first, second = nfq_in(lab), nfq_in(lab)
    first.bind(QUEUE, RELAY)
    with pytest.raises(OSError) as info:
        second.bind(QUEUE, accept)
    assert info.value.args == ("Failed to create queue %d." % QUEUE,)
    assert info.value.errno is None
    assert isinstance(info.value.__cause__, nfqueue.QueueBusyError)


@dropin_only  # the original binds a queue that copies nothing
def test_bad_copy_mode_unbinds(lab, nfq_in):
    nfq = nfq_in(lab)
    with pytest.raises(OSError, match=r"^Failed to set packet copy mode\.$"):
        nfq.bind(QUEUE, RELAY, mode=7)
    assert QUEUE not in lab.queues()


def test_rcvbuf_warning(lab, nfq_in):
    nfq = nfq_in(lab)
    # The kernel caps a receive buffer at INT_MAX/2 before doubling it.
    with pytest.warns(RuntimeWarning, match=r"^Socket rcvbuf limit is now \d+, "
                                            r"requested 1073741824\.$") as record:
        nfq.bind(QUEUE, RELAY, sock_len=2 ** 30)
    assert record[0].filename == __file__  # blamed on bind()'s caller
    assert QUEUE in lab.queues()
    nfq.unbind()

    # A warning made an error unbinds the queue before it propagates.
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(RuntimeWarning, match="rcvbuf limit is"):
            nfq.bind(QUEUE, RELAY, sock_len=2 ** 30)
        assert QUEUE not in lab.queues()
        nfq.bind(QUEUE, RELAY)  # the default size is granted: no warning
    assert QUEUE in lab.queues()


class Filter:
    """A program's object that holds its queue and is its callback: a
    reference cycle, so only the garbage collector frees the queue."""

    def __init__(self, nfq: NetfilterQueue) -> None:
        self.nfq = nfq
        nfq.bind(QUEUE, self.handle)

    def handle(self, packet: Packet) -> None:
        packet.accept()


@pytest.mark.parametrize("cycle", [False, True], ids=["plain", "cycle"])
def test_gc_unbinds(lab, nfq_in, cycle):
    nfq = nfq_in(lab)
    if cycle:
        Filter(nfq)
    else:
        nfq.bind(QUEUE, RELAY)
    assert QUEUE in lab.queues()
    gone = weakref.ref(nfq)
    del nfq
    unraisable = []
    previous, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        gc.collect()
    finally:
        sys.unraisablehook = previous
    assert gone() is None
    assert unraisable == []  # e.g. an exception in __del__
    assert QUEUE not in lab.queues()


# ---- verdicts ----

def test_drop_and_accept(lab, nfq_in):
    received = lab.udp_receiver(PORT)
    nfq = nfq_in(lab)
    nfq.bind(QUEUE, RELAY)
    lab.send_udp(PORT, b"one", b"two", b"three")

    def drop_two(packet: Packet) -> None:
        packet.drop() if data(packet) == b"two" else packet.accept()

    run_for(nfq, 3, drop_two)
    assert received.expect([b"one", b"three"]) == [b"one", b"three"]


def test_rewrite_and_reorder(lab, nfq_in):
    """Verdicts out of order, the late one outside the callback and on a
    packet that was never retained; payloads rewritten."""
    received = lab.udp_receiver(PORT)
    nfq = nfq_in(lab)
    nfq.bind(QUEUE, RELAY)
    lab.send_udp(PORT, b"one", b"two", b"three", b"four")
    held = []

    def munge(packet: Packet) -> None:
        payload = data(packet)
        if payload == b"one":
            packet.set_payload(with_udp_data(packet.get_payload(), b"numero uno"))
            assert data(packet) == b"numero uno"  # get_payload shows set_payload's bytes
            assert packet.get_payload_len() == UDP4_HEADERS + 3  # what arrived
            packet.accept()
        elif payload == b"two":
            held.append(packet)
        elif payload == b"three":
            held[0].set_payload(with_udp_data(packet.get_payload(), b"TWO"))
            packet.accept()
            held[0].accept()  # from another packet's callback
        else:
            held.append(packet)  # decided after run() returned

    run_for(nfq, 4, munge)
    assert received.wait_datagrams(3) == [b"numero uno", b"three", b"TWO"]
    with pytest.raises(RuntimeError, match=UNRETAINED):
        held[1].get_payload()
    held[1].accept()
    assert received.expect([b"numero uno", b"three", b"TWO", b"four"])[3:] == [b"four"]


def test_verdict_twice(lab, nfq_in):
    nfq = nfq_in(lab)
    nfq.bind(QUEUE, RELAY)
    lab.send_udp(PORT, b"once")
    errors = []

    def twice(packet: Packet) -> None:
        packet.accept()
        for verdict in (packet.accept, packet.drop, packet.repeat):
            with pytest.raises(RuntimeError) as info:
                verdict()
            errors.append(str(info.value))

    run_for(nfq, 1, twice)
    assert errors == ["Verdict already given for this packet"] * 3


def test_unretained_packets_keep_their_verdicts(lab, nfq_in):
    received = lab.udp_receiver(PORT)
    nfq = nfq_in(lab)
    nfq.bind(QUEUE, RELAY)
    lab.send_udp(PORT, b"one", b"two")
    kept: List[Packet] = []
    run_for(nfq, 2, kept.append)
    for packet in kept:
        with pytest.raises(RuntimeError) as info:
            packet.get_payload()
        assert str(info.value) == (
            "Payload data is no longer available. You must call retain() within the "
            "user_callback in order to copy the payload if you need to expect it after "
            "your callback has returned.")
        assert str(packet) == "31 byte packet, contents unretained"
        assert packet.get_payload_len() == 31
    kept[0].accept()
    assert received.wait_datagrams(1) == [b"one"]
    nfq.unbind()
    with pytest.raises(RuntimeError, match=r"^Parent queue has already been unbound$"):
        kept[1].drop()
    # The kernel dropped "two" when the queue went away.
    assert received.expect([b"one"]) == [b"one"]


def test_retain(lab, nfq_in):
    nfq = nfq_in(lab)
    nfq.bind(QUEUE, RELAY)
    lab.send_udp(PORT, b"keep me")
    kept: List[Packet] = []

    def retain(packet: Packet) -> None:
        packet.retain()
        kept.append(packet)

    run_for(nfq, 1, retain)
    packet = kept[0]
    assert isinstance(packet.get_payload(), bytes)
    assert data(packet) == b"keep me"
    assert str(packet) == "UDP packet, 35 bytes"
    packet.accept()


def test_packets_without_verdict_wait_until_unbind(lab, nfq_in):
    """No verdict and no reference left: the packet stays queued until
    unbind(), where the kernel drops it, as in the original; one the
    program held gets its verdict later."""
    received = lab.udp_receiver(PORT)
    nfq = nfq_in(lab)
    nfq.bind(QUEUE, RELAY)
    lab.send_udp(PORT, b"forgotten", b"held", b"accepted")
    held: List[Packet] = []

    def decide(packet: Packet) -> None:
        if data(packet) == b"accepted":
            packet.accept()
        elif data(packet) == b"held":
            held.append(packet)

    run_for(nfq, 3, decide)
    gc.collect()
    assert lab.queues()[QUEUE]["pending"] == 2  # "forgotten" and "held"
    assert received.wait_datagrams(1) == [b"accepted"]
    assert (held[0].get_payload_len(), held[0].id) == (UDP4_HEADERS + 4, 2)
    held[0].accept()
    assert received.wait_datagrams(2) == [b"accepted", b"held"]
    assert lab.queues()[QUEUE]["pending"] == 1
    nfq.unbind()
    assert received.expect([b"accepted", b"held"]) == [b"accepted", b"held"]


def test_callback_exception(lab, nfq_in):
    received = lab.udp_receiver(PORT)
    nfq = nfq_in(lab)
    seen: List[Packet] = []

    def boom(packet: Packet) -> None:
        seen.append(packet)
        raise ValueError("test")

    nfq.bind(QUEUE, RELAY)
    RELAY.target = boom
    lab.send_udp(PORT, b"boom", b"next")
    try:
        with deadline(), pytest.raises(ValueError, match="^test$"):
            nfq.run()
    finally:
        RELAY.target = accept
    with pytest.raises(RuntimeError, match=UNRETAINED):
        seen[0].get_payload()
    seen[0].accept()
    assert received.wait_datagrams(1) == [b"boom"]
    with pytest.raises(RuntimeError, match="Verdict already given for this packet"):
        seen[0].drop()
    # The packet behind the failing one was not lost: the next run() has it.
    run_for(nfq, 1, accept)
    assert received.expect([b"boom", b"next"]) == [b"boom", b"next"]


# ---- metadata ----

def test_output_metadata_and_str(lab, nfq_in):
    nfq = nfq_in(lab)
    nfq.bind(QUEUE, RELAY)
    lab.send_udp(PORT, b"meta")
    facts = {}

    def look(packet: Packet) -> None:
        facts.update(id=packet.id, hook=packet.hook, hw_protocol=packet.hw_protocol,
                     mark=packet.mark, get_mark=packet.get_mark(), hw=packet.get_hw(),
                     timestamp=packet.get_timestamp(), indev=packet.indev,
                     outdev=packet.outdev, physindev=packet.physindev,
                     physoutdev=packet.physoutdev, str=str(packet),
                     len=packet.get_payload_len(), payload=packet.get_payload())
        packet.accept()

    run_for(nfq, 1, look)
    lo_index, _ = lab.link_info("lo")
    assert facts["id"] >= 1
    assert (facts["hook"], facts["hw_protocol"]) == (3, 0x0800)  # OUTPUT, IPv4
    assert (facts["mark"], facts["get_mark"]) == (0, 0)
    assert facts["hw"] is None  # nothing captured on OUTPUT
    assert facts["timestamp"] == 0.0 and isinstance(facts["timestamp"], float)
    assert (facts["indev"], facts["outdev"], facts["physindev"], facts["physoutdev"]) == \
        (0, lo_index, 0, 0)
    assert facts["str"] == "UDP packet, 32 bytes" and facts["len"] == 32
    assert isinstance(facts["payload"], bytes) and facts["payload"][UDP4_HEADERS:] == b"meta"
    assert all(type(facts[k]) is int for k in ("id", "hook", "hw_protocol", "indev"))


def test_input_hardware_address(netns, nfq_in):
    netns.nfqueue_rule(QUEUE, PORT, chain="INPUT")
    nfq = nfq_in(netns)
    nfq.bind(QUEUE, RELAY)
    netns.send_udp(PORT, b"in")
    facts = {}

    def look(packet: Packet) -> None:
        facts.update(hook=packet.hook, hw=packet.get_hw(), indev=packet.indev,
                     timestamp=packet.get_timestamp())
        packet.accept()

    run_for(nfq, 1, look)
    lo_index, lo_mac = netns.link_info("lo")
    assert facts["hook"] == 1 and facts["indev"] == lo_index
    # The kernel's 8-byte field: loopback's all-zero 6-byte MAC, zero-padded.
    assert facts["hw"] == bytes.fromhex(lo_mac.replace(":", "")) + b"\0\0"
    assert isinstance(facts["timestamp"], float) and facts["timestamp"] >= 0.0


@dropin_only  # the original reads byte 9 of an IPv6 header
def test_ipv6_str(netns, nfq_in):
    netns.nfqueue_rule(QUEUE, PORT, v6=True)
    nfq = nfq_in(netns)
    nfq.bind(QUEUE, RELAY)
    netns.send_udp(PORT, b"six", addr="::1")
    described = []
    run_for(nfq, 1, lambda p: (described.append((str(p), p.hw_protocol)), p.accept()))
    assert described == [("UDP packet, 51 bytes", 0x86DD)]


def test_mark_repeat_and_copy_meta(netns, nfq_in):
    # Arrival mark 5; the queue rule skips packets marked 7, so a repeated
    # packet marked 7 goes on to the counting rule after it.
    netns.iptables("-t", "mangle", "-A", "OUTPUT", "-p", "udp", "--dport", str(PORT),
                   "-j", "MARK", "--set-mark", "5")
    netns.nfqueue_rule(QUEUE, PORT, match=("-m", "mark", "!", "--mark", "7"))
    netns.iptables("-A", "OUTPUT", "-p", "udp", "--dport", str(PORT), "-m", "mark",
                   "--mark", "7")
    received = netns.udp_receiver(PORT)
    nfq = nfq_in(netns)
    nfq.bind(QUEUE, RELAY, mode=COPY_META)
    netns.send_udp(PORT, b"marked")
    facts = {}

    def mark(packet: Packet) -> None:
        with pytest.raises(RuntimeError) as info:
            packet.get_payload()
        facts.update(error=str(info.value), len=packet.get_payload_len(), str=str(packet),
                     before=(packet.mark, packet.get_mark()))
        with pytest.raises(OverflowError):
            packet.set_mark(-1)
        with pytest.raises(OverflowError):
            packet.set_mark(2 ** 32)
        packet.set_mark(7)
        facts["after"] = (packet.mark, packet.get_mark())
        packet.repeat()

    run_for(nfq, 1, mark)
    assert facts == {"error": "Packet has no payload -- perhaps you're using COPY_META mode?",
                     "len": 0, "str": "0 byte packet, contents unretained",
                     "before": (5, 5), "after": (5, 7)}
    assert received.wait_datagrams(1) == [b"marked"]
    assert netns.rule_packets("OUTPUT") == [1, 1]  # queued once, then passed on marked


@dropin_only  # the original cuts at 4016 bytes
def test_large_packet_not_truncated(lab, nfq_in):
    received = lab.udp_receiver(PORT)
    nfq = nfq_in(lab)
    nfq.bind(QUEUE, RELAY)
    lab.send_udp(PORT, size=9000)  # loopback's MTU carries it unfragmented
    sizes = []

    def whole(packet: Packet) -> None:
        sizes.append((packet.get_payload_len(), data(packet) == traffic.pattern(9000)))
        packet.accept()

    run_for(nfq, 1, whole)
    assert sizes == [(UDP4_HEADERS + 9000, True)]
    assert received.wait_datagrams(1) == [traffic.pattern(9000)]


# ---- ways to run ----

def test_run_nonblocking_with_select(lab, nfq_in):
    received = lab.udp_receiver(PORT)
    nfq = nfq_in(lab)
    handled = []
    nfq.bind(QUEUE, lambda p: (handled.append(data(p)), p.accept()))
    nfq.run(block=False)  # nothing pending: returns at once
    assert handled == []
    lab.send_udp(PORT, b"a", b"b")
    readable, _, _ = select.select([nfq.get_fd()], [], [], 5.0)
    assert readable == [nfq.get_fd()]
    with deadline():
        nfq.run(block=False)
    assert handled == [b"a", b"b"]
    assert received.expect([b"a", b"b"]) == [b"a", b"b"]


class RecordingSocket:
    """A socket whose recv calls are recorded, standing in for gevent's."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.calls: List[tuple] = []

    def recv(self, *args: int) -> bytes:
        self.calls.append(args)
        return self.sock.recv(*args)


def test_run_socket_blocking(lab, nfq_in):
    received = lab.udp_receiver(PORT)
    nfq = nfq_in(lab)
    nfq.bind(QUEUE, RELAY)
    with socket.fromfd(nfq.get_fd(), socket.AF_NETLINK, socket.SOCK_RAW) as sock:
        recording = RecordingSocket(sock)
        # Blocked with nothing to do, the wait is in recording.recv.
        with alarm(0.3, lambda: KeyboardInterrupt("wake up")), \
                pytest.raises(KeyboardInterrupt) as info:
            nfq.run_socket(recording)
        assert recording.calls and any(entry.name == "recv" for entry in info.traceback)
        lab.send_udp(PORT, b"x", b"y")
        handled = []

        def count(packet: Packet) -> None:
            handled.append(data(packet))
            packet.accept()
            if len(handled) == 2:
                raise Done

        RELAY.target = count
        try:
            with deadline(), pytest.raises(Done):
                nfq.run_socket(recording)
        finally:
            RELAY.target = accept
    assert handled == [b"x", b"y"]
    assert received.expect([b"x", b"y"]) == [b"x", b"y"]


def test_run_socket_nonblocking(lab, nfq_in):
    received = lab.udp_receiver(PORT)
    nfq = nfq_in(lab)
    handled = []
    nfq.bind(QUEUE, lambda p: (handled.append(data(p)), p.accept()))
    with socket.fromfd(nfq.get_fd(), socket.AF_NETLINK, socket.SOCK_RAW) as sock:
        sock.setblocking(False)
        with deadline():
            nfq.run_socket(sock)  # would block: returns
        lab.send_udp(PORT, b"p", b"q")
        assert select.select([sock], [], [], 5.0)[0]
        with deadline():
            nfq.run_socket(sock)
    assert handled == [b"p", b"q"]
    assert received.expect([b"p", b"q"]) == [b"p", b"q"]


def test_signal_interrupts_blocked_run(lab, nfq_in):
    nfq = nfq_in(lab)
    nfq.bind(QUEUE, RELAY)
    started = time.monotonic()
    with alarm(0.3, lambda: KeyboardInterrupt("brrrrrring!")), \
            pytest.raises(KeyboardInterrupt, match="brrrrrring!") as info:
        nfq.run()
    assert time.monotonic() - started < 2.0
    # The frame is named as NetfilterQueue's compiled one.
    assert "netfilterqueue._impl.NetfilterQueue.run" in [entry.name for entry in info.traceback]



@dropin_only  # the original keeps waiting
def test_unbind_from_another_thread_ends_run(lab, nfq_in):
    """A deliberate difference: the original kept waiting after unbind()."""
    nfq = nfq_in(lab)
    nfq.bind(QUEUE, RELAY)
    timer = threading.Timer(0.3, nfq.unbind)
    timer.start()
    try:
        with deadline(5.0):
            nfq.run()
    finally:
        timer.join()
    assert QUEUE not in lab.queues()
    nfq.run()  # not bound: returns at once
