# SPDX-License-Identifier: GPL-2.0-or-later
"""The drop-in ``netfilterqueue`` where programs written for NetfilterQueue
1.1 depend on it (issue 10): no packet lost that the original kept, the
same construction, names, integer conversions and errors, and a clear
word when both packages share one environment. Real kernel, throwaway
namespaces (conftest.py).

The expectations were measured on NetfilterQueue 1.1.0 itself; these
tests also run against it (``python -m pytest`` with the python of a
virtual environment that has NetfilterQueue installed): the ones about a
deliberate difference are marked ``dropin_only``.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import traceback
from typing import List

import pytest

import netfilterqueue
from netfilterqueue import NetfilterQueue, Packet

QUEUE = 3
PORT = 5000
UDP4_HEADERS = 28

IS_DROPIN = hasattr(netfilterqueue, "_queue")
dropin_only = pytest.mark.skipif(not IS_DROPIN, reason="a deliberate difference of the drop-in")


class Done(Exception):
    pass


def bound(ns, callback, **options) -> NetfilterQueue:
    with ns.netlink_socket() as sock:
        nfq = NetfilterQueue(sockfd=sock.fileno())
    nfq.bind(QUEUE, callback, **options)
    return nfq


def run_in_thread(nfq: NetfilterQueue) -> threading.Thread:
    """run() in a thread until an exception (Done) from the callback."""
    def target() -> None:
        try:
            nfq.run()
        except Done:
            pass
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def lab(netns):
    netns.nfqueue_rule(QUEUE, PORT)
    return netns


# ---- no packet lost that the original kept ----

def test_large_packets_piled_up_are_all_delivered(lab):
    """200 datagrams of 60 KB queue up while the program is busy, default
    sock_len: every one reaches the callback, whole (the original kept all
    200, cut to 4016 bytes)."""
    sizes: List[int] = []

    def count(packet: Packet) -> None:
        sizes.append(packet.get_payload_len())
        packet.accept()
        if len(sizes) == 200:
            raise Done

    nfq = bound(lab, count)
    lab.python("import socket, sys\n"
               "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
               # Queued packets hold send buffer: room for all 200.
               "s.setsockopt(socket.SOL_SOCKET, 32, 64 << 20)\n"  # SO_SNDBUFFORCE
               "for _ in range(200): s.sendto(b'x' * 60000, ('127.0.0.1', %d))\n" % PORT,
               check=True)
    waiting = lab.queues()[QUEUE]["pending"]
    thread = run_in_thread(nfq)
    thread.join(20)
    assert not thread.is_alive(), f"{len(sizes)} of 200 arrived ({waiting} were queued)"
    print(f"large: {len(sizes)} of 200 delivered, {sizes[0]} bytes each")
    expected = UDP4_HEADERS + 60000 if IS_DROPIN else 4016
    assert sizes == [expected] * 200
    nfq.unbind()


@dropin_only
def test_sock_len_is_a_floor(lab):
    """The buffer holds max_len whole packets (libnfqueue's size), and a
    larger sock_len raises it."""
    nfq = bound(lab, lambda p: p.accept())
    with socket.socket(fileno=os.dup(nfq.get_fd())) as sock:
        default = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    assert default >= 1024 * 65536  # max_len=1024 packets of up to 64 KiB
    nfq.unbind()
    nfq.bind(QUEUE, lambda p: p.accept(), max_len=1, sock_len=8 * 1024 * 1024)
    with socket.socket(fileno=os.dup(nfq.get_fd())) as sock:
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) == 16 * 1024 * 1024
    nfq.unbind()


def test_burst_with_default_max_len(lab):
    """3,000 datagrams sent as fast as one socket can (its send buffer
    large enough that the sender never waits for verdicts) while run()
    drains with an accept-only callback and the default max_len=1024.
    What the kernel queue cannot hold it drops; none may be lost to a
    full socket buffer. On this project's (loaded, 2-core) machine both
    implementations delivered 1,600 to 3,000 of them."""
    seen: List[int] = []

    def accept(packet: Packet) -> None:
        packet.accept()
        seen.append(1)

    nfq = bound(lab, accept)
    thread = run_in_thread(nfq)
    time.sleep(0.2)
    lab.python("import socket\n"
               "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
               "s.setsockopt(socket.SOL_SOCKET, 32, 64 << 20)\n"  # SO_SNDBUFFORCE
               "for _ in range(3000): s.sendto(b'x' * 36, ('127.0.0.1', %d))\n" % PORT,
               check=True)
    before = -1
    while before != len(seen):
        before = len(seen)
        time.sleep(0.3)
    delivered = len(seen)
    kernel = lab.queues()[QUEUE]
    print(f"burst: {delivered} of 3000 delivered, {kernel['dropped']} dropped for a full "
          f"queue, {kernel['user_dropped']} for a full socket buffer")
    if IS_DROPIN:
        nfq.unbind()
    else:  # the original's run() does not end at unbind()
        thread.join(0)
    assert kernel["user_dropped"] == 0
    assert delivered + kernel["dropped"] == 3000
    # More than the kernel queue holds: run() drained during the burst.
    # (How the rate compares with the original's is scripts/bench's row
    # nfq-py; on a loaded machine a burst's count varies too much to
    # assert it here.)
    assert delivered > 1024, f"only {delivered} of 3000 delivered"


# ---- verdicts that cannot be sent ----

def test_payload_too_large_drops_and_says_so(lab):
    received = lab.udp_receiver(PORT)
    errors: List[BaseException] = []

    def oversize(packet: Packet) -> None:
        packet.set_payload(packet.get_payload() + b"\0" * 65532)
        try:
            packet.accept()
        except ValueError as err:
            errors.append(err)
        raise Done

    nfq = bound(lab, oversize)
    lab.send_udp(PORT, b"big")
    thread = run_in_thread(nfq)
    thread.join(10)
    assert received.expect([]) == []
    if IS_DROPIN:
        assert len(errors) == 1 and type(errors[0]).__name__ == "PayloadTooLargeError"
        assert "was dropped (the default verdict)" in str(errors[0])
        assert "65531" in str(errors[0])
        # The packet has its verdict: nothing waits in the kernel.
        assert lab.queues()[QUEUE]["pending"] == 0
    nfq.unbind()


# ---- construction and names ----

def test_subclass_without_super_init(lab):
    """Run inside the namespace: such a subclass can only open its own socket."""
    code = f"""
import socket, threading
from netfilterqueue import NetfilterQueue

class Quiet(NetfilterQueue):
    def __init__(self):
        self.label = "quiet"

class Done(Exception):
    pass

def take(packet):
    print(packet.get_payload()[{UDP4_HEADERS}:].decode(), flush=True)
    packet.accept()
    raise Done

nfq = Quiet()
nfq.bind({QUEUE}, take)
sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sender.sendto(b"sub", ("127.0.0.1", {PORT}))
try:
    nfq.run()
except Done:
    print(nfq.label)
"""
    received = lab.udp_receiver(PORT)
    result = lab.python(code)
    assert result.stdout.split() == ["sub", "quiet"], result.stderr
    assert received.wait_datagrams(1) == [b"sub"]


def test_version():
    assert netfilterqueue.VERSION == (1, 1, 0)
    assert netfilterqueue.__version__ == "1.1.0"


def test_traceback_frame_names(lab):
    def boom(packet: Packet) -> None:
        raise ValueError("from the callback")

    nfq = bound(lab, boom)
    lab.send_udp(PORT, b"tb")
    with pytest.raises(ValueError) as info:
        nfq.run()
    names = [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]
    assert names[-3:] == ["netfilterqueue._impl.NetfilterQueue.run",
                          "netfilterqueue._impl.global_callback", "boom"]
    nfq.unbind()


# ---- integers as the original converted them ----

def test_integers_convert_as_the_original(lab):
    received = lab.udp_receiver(PORT)
    marks: List[int] = []

    def mark(packet: Packet) -> None:
        packet.set_mark(7 / 2)  # truncated to 3
        marks.append(packet.get_mark())
        with pytest.raises(TypeError, match="^an integer is required$"):
            packet.set_mark("7")
        with pytest.raises(OverflowError, match="^can't convert negative value to u_int32_t$"):
            packet.set_mark(-1)
        packet.accept()
        raise Done

    with lab.netlink_socket() as sock:
        nfq = NetfilterQueue(sockfd=float(sock.fileno()) + 0.5)
    for wrong in ("3", None):
        with pytest.raises(TypeError, match="^an integer is required$"):
            nfq.bind(wrong, mark)
    with pytest.raises(TypeError, match="^an integer is required$"):
        nfq.bind(QUEUE, mark, max_len="10")
    nfq.bind(QUEUE + 0.9, mark, max_len=100.5, mode=2.2, range=65535.0)  # queue 3
    assert lab.queues()[QUEUE]
    lab.send_udp(PORT, b"int")
    run_in_thread(nfq).join(10)
    assert marks == [3]
    assert received.wait_datagrams(1) == [b"int"]
    nfq.unbind()


@dropin_only
def test_queue_num_outside_16_bits_raises(lab):
    """The original bound 70000 as 4464; the drop-in refuses."""
    with lab.netlink_socket() as sock:
        nfq = NetfilterQueue(sockfd=sock.fileno())
    for wrong in (70000, -1):
        with pytest.raises(OverflowError, match=r"queue_num must be in 0\.\.65535"):
            nfq.bind(wrong, print)
    assert lab.queues() == {}


# ---- installed beside NetfilterQueue ----

@dropin_only
def test_warns_when_installed_beside_the_original(tmp_path):
    package = tmp_path / "netfilterqueue"
    shutil.copytree(os.path.dirname(netfilterqueue.__file__), package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    code = ("import warnings; warnings.simplefilter('error')\n"
            "import netfilterqueue; print(netfilterqueue.__file__)")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), *sys.path]))
    clean = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout.strip() == str(package / "__init__.py")
    (package / "_version.py").write_text('__version__ = "1.1.0"\n')  # NetfilterQueue's file
    both = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert both.returncode != 0
    assert "pip uninstall -y NetfilterQueue && pip install --force-reinstall nfqueue" in both.stderr


def test_subclass_passing_sockfd_through_super_init(lab):
    """A subclass that takes sockfd and calls super().__init__() without
    it keeps the socket the constructor was given (the original opened it
    in __cinit__ from the constructor's keywords)."""
    class Relaying(NetfilterQueue):
        def __init__(self, *, sockfd: int) -> None:
            super().__init__()
            self.sockfd = sockfd

    received = lab.udp_receiver(PORT)
    with lab.netlink_socket() as sock:
        nfq = Relaying(sockfd=sock.fileno())

    def take(packet: Packet) -> None:
        packet.accept()
        raise Done

    nfq.bind(QUEUE, take)
    assert QUEUE in lab.queues()  # bound in the namespace the socket came from
    lab.send_udp(PORT, b"kept")
    run_in_thread(nfq).join(10)
    assert received.wait_datagrams(1) == [b"kept"]
    nfq.unbind()


def test_callback_may_unbind(lab):
    """Packets already received with the one whose callback unbinds never
    reach a callback and are dropped, as the original's kernel dropped
    them at unbind. The drop-in's run() then returns (the original's kept
    waiting: a deliberate difference)."""
    received = lab.udp_receiver(PORT)
    seen: List[bytes] = []
    nfq: List[NetfilterQueue] = []

    def first_only(packet: Packet) -> None:
        seen.append(packet.get_payload()[UDP4_HEADERS:])
        packet.accept()
        nfq[0].unbind()

    nfq.append(bound(lab, first_only))
    lab.send_udp(PORT, b"one", b"two", b"three")  # queued together, one batch
    thread = run_in_thread(nfq[0])
    thread.join(5 if IS_DROPIN else 0.5)  # the original's run() goes on waiting
    assert seen == [b"one"]
    assert received.expect([b"one"]) == [b"one"]
    assert QUEUE not in lab.queues()
    if IS_DROPIN:
        assert not thread.is_alive()


def test_slow_callbacks_send_each_verdict_at_once(lab):
    """A program whose callback takes time (a delay simulator, a resolver
    lookup): the verdict of one packet reaches the kernel before the next
    packet's callback ends, as the original sent each at once, even when
    the packets arrived together."""
    received = lab.udp_receiver(PORT)
    waiting: List[int] = []

    def slow(packet: Packet) -> None:
        waiting.append(lab.queues()[QUEUE]["pending"])
        time.sleep(0.01)
        packet.accept()
        if len(waiting) == 5:
            raise Done

    nfq = bound(lab, slow)
    lab.send_udp(PORT, *[b"%d" % i for i in range(5)])  # queued together
    run_in_thread(nfq).join(10)
    assert waiting == [5, 4, 3, 2, 1]
    assert len(received.wait_datagrams(5)) == 5
    nfq.unbind()
