# SPDX-License-Identifier: GPL-2.0-or-later
"""(f) several queues: --queue-balance over 2 queues, one consumer process
per queue, in the drain's shape; the kernel picks the queue by a hash of
the addresses, so the load comes from several source addresses, chosen
(by a probe at the start) so that each queue gets exactly half. The same
load drained by one consumer on one queue is each row's baseline."""
import subprocess

from benchkit.consumers import Consumer, Row
from benchkit.report import summarize
from benchkit.rounds import interleave

from .drain import PORT, DrainNamespace, drain_once

FIRST = 10  # queues FIRST and FIRST + 1
SOURCES_PER_QUEUE = 4
CANDIDATES = [f"127.0.0.{i}" for i in range(2, 66)]
MODES = ("batch", "nfq-batch", "py-batch", "go-batch", "rs-batch")


def probe(ns, ctx):
    """Which queue each candidate source lands in: one datagram each while
    two consumers serve, watching the queues' id sequences. Returns
    SOURCES_PER_QUEUE sources for each queue."""
    found = {FIRST: [], FIRST + 1: []}
    row = Row("probe", "batch")
    with Consumer(ns, row, FIRST, 0, ctx) as a, Consumer(ns, row, FIRST + 1, 0, ctx) as b:
        a.wait_ready()
        b.wait_ready()
        for source in CANDIDATES:
            before = {q: f["id_sequence"] for q, f in ns.queues().items()}
            ns.run(f"{ctx.build}/tests/bench/nfqueue-bench-flood", PORT, 1, 64, source,
                   stdout=subprocess.DEVNULL)
            after = {q: f["id_sequence"] for q, f in ns.queues().items()}
            for queue in found:
                if after.get(queue, 0) != before.get(queue, 0):
                    found[queue].append(source)
            if all(len(v) >= SOURCES_PER_QUEUE for v in found.values()):
                a.terminate()
                b.terminate()
                return [v[:SOURCES_PER_QUEUE] for v in found.values()]
    raise RuntimeError(f"the queue hash put {len(found[FIRST])} and {len(found[FIRST + 1])} "
                       f"of {len(CANDIDATES)} source addresses in the two queues")


def run(ctx):
    count = 4000 if ctx.quick else ctx.count
    count -= count % (2 * SOURCES_PER_QUEUE)
    rows = []
    for mode in [m for m in MODES if m in ctx.modes]:
        one = Row(f"{mode} 1 queue", mode)
        rows += [one, Row(f"{mode} 2 queues", mode, baseline=one.label)]
    target = ("--queue-balance", f"{FIRST}:{FIRST + 1}")
    with DrainNamespace("queues", target) as ns:
        first, second = probe(ns, ctx)
        both = [s for pair in zip(first, second) for s in pair]

        def measure(row):
            if row.baseline is None:
                return drain_once(ns, [(row, FIRST, count)], ctx, sources=first)
            return drain_once(ns, [(row, FIRST, count // 2), (row, FIRST + 1, count // 2)], ctx,
                              sources=both)
        results = interleave(rows, ctx.rounds, measure)
    extras = [("short", "short", ".0f")]
    return [{
        "name": "queues", "unit": "packets/s", "cpu_heading": "CPU/pkt", "cpu_unit": "packet",
        "title": f"drain of {count} 64-byte datagrams from {2 * SOURCES_PER_QUEUE} source addresses, "
                 f"--queue-balance over 2 queues with a consumer each vs 1 queue, {ctx.rounds} round(s)",
        "ratio_note": "2 queues to 1 queue of the same consumer in the same round",
        "count": count, "rounds": ctx.rounds, "extras": extras, "sources": [first, second],
        "rows": summarize(rows, results, extras),
    }]
