# SPDX-License-Identifier: GPL-2.0-or-later
"""Header-only copy range: a drain of 1400-byte datagrams, each row with
the whole payload copied and with only its first 64 bytes (what a
consumer that inspects headers needs), so the saving shows."""
from benchkit.consumers import Row
from benchkit.report import summarize
from benchkit.rounds import interleave

from .drain import QUEUE, DrainNamespace, drain_once

SIZE = 1400
SHORT_RANGE = "64"
MODES = ("nfq", "batch", "py-batch", "rs-batch")


def run(ctx):
    count = 2000 if ctx.quick else max(ctx.count // 2, 1000)
    rows = []
    for mode in [m for m in MODES if m in ctx.modes]:
        rows.append(Row(mode, mode, baseline="nfq"))
        rows.append(Row(f"{mode} range 64", mode, {"NFQUEUE_BENCH_COPY_RANGE": SHORT_RANGE},
                        baseline="nfq"))
    with DrainNamespace("headers") as ns:
        results = interleave(rows, ctx.rounds,
                             lambda row: drain_once(ns, [(row, QUEUE, count)], ctx, size=SIZE))
    extras = [("short", "short", ".0f")]
    return [{
        "name": "headers", "unit": "packets/s", "cpu_heading": "CPU/pkt", "cpu_unit": "packet",
        "title": f"drain of {count} queued {SIZE}-byte datagrams, whole payload vs copy range 64",
        "ratio_note": "to nfq (whole payload) in the same round",
        "count": count, "rounds": ctx.rounds, "baseline": "nfq", "extras": extras,
        "rows": summarize(rows, results, extras),
    }]
