# SPDX-License-Identifier: GPL-2.0-or-later
"""(e) bulk TCP: an HTTP download of SIZE MiB (curl, from a sendfile()
server) through a router namespace whose FORWARD chain queues the flow:

    client ns 10.77.1.2 --veth-- 10.77.1.1 router ns 10.77.2.1 --veth-- 10.77.2.2 server ns

with and without the GSO flag, beside the same download with no queue
rule (the ceiling, every ratio's baseline). Each download's sha256 is
checked; the packets the kernel dropped (queue full, socket buffer full)
and the server's TCP retransmissions are counted."""
import hashlib
import os
import shutil
import subprocess
import tempfile

from benchkit.consumers import Row
from benchkit.netns import Namespace, veth
from benchkit.report import summarize
from benchkit.rounds import interleave

from .serving import QUEUE, serve_once, words

PORT = 8080
SERVER = "10.77.2.2"
CEILING = "no queue"
GSO = {"NFQUEUE_BENCH_GSO": "1"}
# libnfqueue's own defaults (queue length 4096), where the other rows all
# get the same 1024: the "default configuration" of issue #14's target.
LIBRARY_DEFAULTS = {"NFQUEUE_BENCH_QUEUE_LEN": "default"}
# (label, mode, env): the ceiling, the plain baseline, C batch, each binding's best style.
ROWS = [(CEILING, None, {}), ("nfq", "nfq", {}), ("nfq gso", "nfq", GSO),
        ("batch", "batch", {}), ("batch defaults", "batch", LIBRARY_DEFAULTS),
        ("batch gso", "batch", GSO), ("py-batch gso", "py-batch", GSO),
        ("go-batch gso", "go-batch", GSO), ("rs-batch gso", "rs-batch", GSO)]


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class Router:
    """The three namespaces, the server running in its own."""

    def __init__(self, ctx, directory):
        self.ctx, self.directory = ctx, directory
        self.client, self.router, self.server = Namespace("cli"), Namespace("rtr"), Namespace("srv")
        self.http = None

    def __enter__(self):
        try:
            for ns in (self.client, self.router, self.server):
                ns.__enter__()
            veth(self.client, "10.77.1.2/24", self.router, "10.77.1.1/24")
            veth(self.server, f"{SERVER}/24", self.router, "10.77.2.1/24")
            self.client.run("ip", "route", "add", "default", "via", "10.77.1.1")
            self.server.run("ip", "route", "add", "default", "via", "10.77.2.1")
            self.router.run("sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
            self.http = subprocess.Popen(
                self.server.command(self.ctx.python, "tests/bench/traffic/http_serve.py",
                                    self.directory, SERVER, PORT),
                stdout=subprocess.PIPE, text=True)
            if self.http.stdout.readline().strip() != "ready":
                raise RuntimeError("the HTTP server did not start")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        if self.http and self.http.poll() is None:
            self.http.kill()
            self.http.wait()
        for ns in (self.client, self.router, self.server):
            ns.__exit__()

    def rule(self, action):
        self.router.iptables(action, "FORWARD", "-p", "tcp", "-j", "NFQUEUE", "--queue-num", str(QUEUE))


def curl(router, target):
    """The download as argv for the client namespace; prints "size N seconds S"."""
    return ["curl", "-sS", "--max-time", "300", "-o", target,
            "-w", "size %{size_download} seconds %{time_total}", f"http://{SERVER}:{PORT}/blob"]


def measure(router, row, ctx, target, expected):
    if os.path.exists(target):
        os.unlink(target)
    retrans = router.server.snmp("Tcp", "RetransSegs")
    if row.mode is None:
        got = words(router.client.output(*curl(router, target)))
        m = {"judged": None, "cpu_ns": None, "peak_rss_kib": None, "settings": "no queue rule",
             "queue_dropped": None, "user_dropped": None}
    else:
        router.rule("-A")
        try:
            got, m = serve_once(router.client, row, ctx, curl(router, target), queue_ns=router.router)
        finally:
            router.rule("-D")
    if sha256(target) != expected:
        raise RuntimeError(f"{row.label}: the download's sha256 differs from the file's "
                           f"({got['size']:.0f} bytes arrived)")
    if m["cpu_ns"] is not None and m["judged"]:
        m["cpu_ns"] *= m["judged"] / (got["size"] / 2**20)  # per MiB
        m["judged_per_mib"] = m["judged"] / (got["size"] / 2**20)
    m.update(rate=got["size"] / got["seconds"] / 2**20, seconds=got["seconds"],
             retrans=router.server.snmp("Tcp", "RetransSegs") - retrans)
    return m


def run(ctx):
    mib = 32 if ctx.quick else 256
    rows = [Row(label, mode, env, baseline=CEILING) for label, mode, env in ROWS
            if mode is None or mode in ctx.modes]
    directory = tempfile.mkdtemp(prefix="nfqbench-bulk-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    try:
        blob = os.path.join(directory, "blob")
        with open(blob, "wb") as f:
            for _ in range(mib):
                f.write(os.urandom(1 << 20))
        expected = sha256(blob)
        target = os.path.join(directory, "downloaded")
        with Router(ctx, directory) as router:
            results = interleave(rows, ctx.rounds, lambda row: measure(router, row, ctx, target, expected))
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    extras = [("seconds", "seconds", ".2f"), ("queue_dropped", "q.drop", ".0f"),
              ("user_dropped", "u.drop", ".0f"), ("retrans", "retrans", ".0f"),
              ("judged_per_mib", "pkts/MiB", ".0f")]
    return [{
        "name": "bulk", "unit": "MiB/s", "cpu_heading": "CPU/MiB", "cpu_unit": "MiB",
        "title": f"HTTP download of {mib} MiB through a router namespace (FORWARD queued), "
                 f"sha256 checked, {ctx.rounds} round(s)",
        "ratio_note": f"to the same download with {CEILING} rule in the same round",
        "rounds": ctx.rounds, "baseline": CEILING, "extras": extras,
        "rows": summarize(rows, results, extras),
    }]
