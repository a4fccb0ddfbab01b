# SPDX-License-Identifier: GPL-2.0-or-later
"""One TCP download at full speed through a queue with the library's
default configuration (no --rcvbuf, no --max-len): every packet of the
flow, both directions, goes through the agent, which accepts each in run
mode. The download must arrive whole, and the kernel must have lost no
packet to a full socket buffer (user_dropped) or a full queue (dropped).

On loopback the segments are up to 64 KiB each; across a router namespace
they are 1500-byte frames, many more of them."""
import hashlib
import sys
from pathlib import Path

from answers import integer
from checks import needs
from netns import veth
from process import JsonLineProcess
from scenes import QUEUE

BULK = str(Path(__file__).resolve().with_name("bulk_tcp.py"))
SIZE = 16 << 20
PORT = 9100
FETCH_TIMEOUT = 20.0


def expected_sha256(size):
    period = bytes(range(251))
    return hashlib.sha256((period * (size // 251 + 1))[:size]).hexdigest()


class BulkServer(JsonLineProcess):
    def __init__(self, ns, addr, port, size):
        super().__init__(ns.argv([sys.executable, BULK, "serve", addr, str(port), str(size)]),
                         f"bulk server [{addr}]:{port} in {ns.name}")

    def wait_ready(self):
        self.wait_for(lambda e: e["event"] == "ready", what='"ready"')
        return self


def fetch(lab, ns, addr, port, agent, queue_ns):
    """Download from the server at addr:port; return the client's report."""
    client = lab.track(JsonLineProcess(
        ns.argv([sys.executable, BULK, "fetch", addr, str(port), "--lifetime", str(FETCH_TIMEOUT)]),
        f"bulk client to [{addr}]:{port} in {ns.name}"))
    status = client.wait_exit(FETCH_TIMEOUT + 2)
    fetched = client.select(lambda e: e["event"] == "fetched")
    assert status == 0 and fetched, (
        f"expected the download of {SIZE} bytes to complete within {FETCH_TIMEOUT} s, it failed; "
        f"the kernel's queue counters: {queue_ns.queues().get(QUEUE)}\n{client.describe()}\n"
        f"{agent.describe()}")
    return fetched[0]


def check_download(fetched, agent, queue_ns):
    assert (fetched["len"], fetched["sha256"]) == (SIZE, expected_sha256(SIZE)), \
        (f"expected {SIZE} bytes of the pattern, the client got {fetched['len']} bytes "
         f"(sha256 {fetched['sha256']})")
    counters = queue_ns.queues()[QUEUE]
    lost = {k: counters[k] for k in ("user_dropped", "dropped")}
    assert lost == {"user_dropped": 0, "dropped": 0}, (
        f"expected no packet lost by the kernel with the default configuration, "
        f"/proc/net/netfilter/nfnetlink_queue says {counters} after "
        f"{len(agent.all_packets())} packets in {fetched['seconds']} s")
    failed = [p["result"] for p in agent.all_packets() if p["result"] != "ok"]
    assert not failed, (f"expected every verdict ok, the agent reported {len(failed)} other "
                        f"results, the first {failed[:5]}")
    closed = agent.shutdown()
    if "report:enobufs" in agent.caps:
        assert integer(closed, "enobufs", nullable=False) == 0, \
            f"expected no ENOBUFS, the agent reported {closed}"


def queue_all_tcp(ns, chain, *matches):
    ns.iptables("-A", chain, "-p", "tcp", *matches, "-j", "NFQUEUE", "--queue-num", str(QUEUE))


@needs("option:payload-hex-max")
def test_tcp_download_on_loopback_loses_nothing(lab):
    ns = lab.namespace()
    # Both directions: the data (from the server's port) and the ACKs.
    queue_all_tcp(ns, "OUTPUT", "--sport", str(PORT))
    queue_all_tcp(ns, "OUTPUT", "--dport", str(PORT))
    lab.track(BulkServer(ns, "127.0.0.1", PORT, SIZE)).wait_ready()
    agent = lab.agent(ns, QUEUE, "--payload-hex-max", "0")
    fetched = fetch(lab, ns, "127.0.0.1", PORT, agent, ns)
    assert len(agent.all_packets()) > SIZE // 65536, "the flow went through the queue"
    check_download(fetched, agent, ns)


@needs("option:payload-hex-max")
def test_tcp_download_across_a_router_loses_nothing(lab):
    """client ns -> router ns (the queue on FORWARD) -> server ns, over two
    veth pairs: every forwarded TCP packet, both directions, is queued."""
    client, router, server = lab.namespace(), lab.namespace(), lab.namespace()
    veth(client, "c0", router, "r0")
    veth(router, "r1", server, "s0")
    client.ip("addr", "add", "10.91.1.2/24", "dev", "c0")
    router.ip("addr", "add", "10.91.1.1/24", "dev", "r0")
    router.ip("addr", "add", "10.91.2.1/24", "dev", "r1")
    server.ip("addr", "add", "10.91.2.2/24", "dev", "s0")
    client.ip("route", "add", "default", "via", "10.91.1.1")
    server.ip("route", "add", "default", "via", "10.91.2.1")
    router.sysctl("net.ipv4.ip_forward", 1)
    queue_all_tcp(router, "FORWARD")
    lab.track(BulkServer(server, "10.91.2.2", PORT, SIZE)).wait_ready()
    agent = lab.agent(router, QUEUE, "--payload-hex-max", "0")
    fetched = fetch(lab, client, "10.91.2.2", PORT, agent, router)
    assert len(agent.all_packets()) > SIZE // 1500, "the flow went through the queue"
    check_download(fetched, agent, router)
