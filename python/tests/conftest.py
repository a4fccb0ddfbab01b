# SPDX-License-Identifier: GPL-2.0-or-later
"""Fixtures for the tests of the Python packages (``nfqueue`` and its
drop-in ``netfilterqueue``): throwaway network namespaces with what a test
does inside them.

    def test_drop(netns):
        netns.nfqueue_rule(queue=3, port=5000)          # OUTPUT, UDP to :5000
        receiver = netns.udp_receiver(5000)
        with nfqueue.Queue(3, netns=netns.path) as q:   # the queue lives in netns
            netns.send_udp(5000, b"hello")
            q.recv(timeout=5)[0].drop()
        assert receiver.expect([]) == []

NFQUEUE queues are per network namespace, so a test opens its queue
*inside* the namespace (``Queue(netns=netns.path)``, or a socket from
``netns.netlink_socket()``), while traffic is sent and received by
processes started there (tests/tools/nettool.py). Everything runs in
namespaces made here and removed when the test ends, also when it fails:
no rule, queue or packet touches the root namespace, and only processes
started here are stopped.

The namespace, traffic and process helpers are the conformance suite's
(tests/conformance/netns.py, traffic.py, process.py, kernel.py), imported
from there rather than copied.

Without CAP_NET_ADMIN and CAP_SYS_ADMIN these tests skip, except under
CI=true, where they fail instead: CI must run them.
"""
from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List, Optional, Sequence

import pytest

REPO = Path(__file__).resolve().parents[2]
CONFORMANCE = REPO / "tests" / "conformance"
sys.path.insert(0, str(CONFORMANCE))

import kernel  # noqa: E402  (tests/conformance)
import traffic  # noqa: E402
from netns import Namespace  # noqa: E402
from process import JsonLineProcess  # noqa: E402
from timelimit import time_limit  # noqa: E402

from netns_sockets import socket_in  # noqa: E402  (python/tests)

# Use the installed nfqueue (with its compiled core) and, if the drop-in is
# not installed beside it, the drop-in from this tree: appended, so the
# source tree's nfqueue/ never shadows the installed one.
if importlib.util.find_spec("netfilterqueue") is None:
    sys.path.append(str(REPO / "python"))

NETLINK_NETFILTER = 12

# No test may take longer than this; a hang fails the test and the
# fixtures still clean up.
TEST_TIMEOUT = 60


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    with time_limit(TEST_TIMEOUT, "the test"):
        yield


def require_privileges() -> None:
    """Skip (fail under CI=true) without the capabilities namespaces need."""
    missing = kernel.privileges_missing()
    if missing:
        if kernel.in_ci():
            pytest.fail(f"{missing}; under CI=true these tests must run, not skip")
        pytest.skip(missing)


def python_path() -> str:
    """PYTHONPATH that lets a child process import what this process can."""
    return os.pathsep.join(p for p in sys.path if p)


class Netns(Namespace):
    """A throwaway namespace (loopback up) and what tests do inside it.
    Processes started through it are stopped by close()."""

    # Not the conformance suite's prefix: a namespace left behind says
    # which suite made it.
    PREFIX = "nfqpy"

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._processes: List[JsonLineProcess] = []

    def close(self) -> None:
        for process in reversed(self._processes):
            process.stop()
        self.delete()

    # ---- rules ----

    def nfqueue_rule(self, queue: int, port: int, *, chain: str = "OUTPUT",
                     proto: str = "udp", table: str = "filter", v6: bool = False,
                     match: tuple = (), bypass: bool = False) -> None:
        """Append a rule sending `proto` packets to port `port` to `queue`;
        `match` adds more iptables match arguments (e.g. ("-m", "mark",
        "!", "--mark", "7"))."""
        target = ["-j", "NFQUEUE", "--queue-num", str(queue)]
        if bypass:
            target.append("--queue-bypass")
        self.iptables("-t", table, "-A", chain, "-p", proto, "--dport", str(port), *match,
                      *target, v6=v6)

    # ---- traffic ----

    def udp_receiver(self, port: int, addr: str = "127.0.0.1",
                     timestamps: bool = False) -> traffic.UdpReceiver:
        """A UDP receiver on [addr]:port, bound (ready) when returned;
        its datagrams come from .wait_datagrams(n) and .expect(list)."""
        receiver = traffic.UdpReceiver(self, addr, port, timestamps)
        self._processes.append(receiver)
        return receiver.wait_ready()

    def send_udp(self, port: int, *payloads: bytes, addr: str = "127.0.0.1",
                 size: Optional[int] = None, gap: Optional[float] = None) -> None:
        """Send each payload as one datagram from one socket, in order
        (and traffic.pattern(size) if `size`); returns once sent."""
        traffic.udp_send(self, addr, port, *payloads, size=size, gap=gap)

    def start(self, argv: List[str], label: str) -> JsonLineProcess:
        """A JSON-lines process inside the namespace, stopped at the end."""
        process = JsonLineProcess(self.argv(argv), label)
        self._processes.append(process)
        return process

    def python(self, code: str, *args: str, wrapper: Sequence[str] = (),
               timeout: float = 20.0, check: bool = False) -> subprocess.CompletedProcess:
        """Run `code` with this interpreter inside the namespace, able to
        import what the tests import; `wrapper` goes before the
        interpreter (e.g. setpriv to drop a capability)."""
        env = dict(os.environ, PYTHONPATH=python_path())
        return subprocess.run(self.argv([*wrapper, sys.executable, "-c", code, *args]),
                              capture_output=True, text=True, timeout=timeout,
                              check=check, env=env)

    # ---- sockets made inside ----

    def netlink_socket(self, timeout: float = 10.0) -> socket.socket:
        """A NETLINK_NETFILTER socket created inside this namespace by a
        helper process and passed to us over a Unix socket (SCM_RIGHTS):
        queues bound through it are this namespace's queues."""
        return socket_in(self, socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER, timeout)


@pytest.fixture
def netns_factory() -> Iterator:
    """Make as many namespaces as a test needs: ``netns_factory()``."""
    require_privileges()
    made: List[Netns] = []

    def make() -> Netns:
        ns = Netns.create()
        made.append(ns)
        return ns

    try:
        yield make
    finally:
        for ns in reversed(made):
            ns.close()


@pytest.fixture
def netns(netns_factory) -> Netns:
    """A fresh network namespace with loopback up, removed afterwards."""
    return netns_factory()
