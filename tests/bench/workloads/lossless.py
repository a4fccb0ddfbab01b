# SPDX-License-Identifier: GPL-2.0-or-later
"""(c) lossless: at most WINDOW datagrams in flight (the sender waits for
arrivals before it sends more), 64 bytes, through a serving consumer:
packets per second when nothing may be lost."""
from benchkit.consumers import Row
from benchkit.report import summarize
from benchkit.rounds import interleave

from .serving import LoopbackNamespace, serve_once

PORT = 5003
WINDOW = 256
# The heavier workloads' rows: C batch, both baselines, each binding's best style.
MODES = ("nfq", "nfq-batch", "batch", "py-batch", "go-batch", "rs-batch")


def measure(ns, row, ctx, seconds):
    traffic, m = serve_once(ns, row, ctx, [f"{ctx.build}/tests/bench/traffic/nfqueue-bench-udp",
                                           "window", PORT, 64, WINDOW, seconds])
    m.update(rate=traffic["received"] / traffic["seconds"], lost=traffic["lost"])
    return m


def run(ctx):
    seconds = 0.2 if ctx.quick else 1.0
    rows = [Row(mode, mode, baseline="nfq") for mode in MODES if mode in ctx.modes]
    extras = [("lost", "lost", ".0f"), ("queue_dropped", "q.drop", ".0f")]
    with LoopbackNamespace("lossless", [("-p", "udp", "--dport", str(PORT))]) as ns:
        results = interleave(rows, ctx.rounds, lambda row: measure(ns, row, ctx, seconds))
    return [{
        "name": "lossless", "unit": "packets/s", "cpu_heading": "CPU/pkt", "cpu_unit": "packet",
        "title": f"64-byte UDP, {WINDOW} in flight, {seconds} s, {ctx.rounds} round(s)",
        "ratio_note": "to nfq in the same round", "rounds": ctx.rounds, "baseline": "nfq",
        "extras": extras, "rows": summarize(rows, results, extras),
    }]
