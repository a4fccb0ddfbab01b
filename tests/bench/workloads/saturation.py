# SPDX-License-Identifier: GPL-2.0-or-later
"""(b) saturation: a sendmmsg sender thread sends UDP datagrams of 64 and
of 1400 bytes as fast as the machine allows for a fixed time through a
serving consumer (kernel queue 1024) to a receiver; counted: what was
sent, what arrived, and what the kernel dropped (queue_dropped: the queue
was full; user_dropped: the socket buffer was)."""
from benchkit.consumers import Row
from benchkit.report import summarize
from benchkit.rounds import interleave

from .serving import LoopbackNamespace, serve_once

PORT = 5001
SIZES = (64, 1400)


def measure(ns, row, ctx, size, seconds):
    errors = ns.snmp("Udp", "RcvbufErrors")
    traffic, m = serve_once(ns, row, ctx, [f"{ctx.build}/tests/bench/traffic/nfqueue-bench-udp",
                                           "saturate", PORT, size, seconds])
    m.update(rate=traffic["received"] / traffic["seconds"], sent_rate=traffic["sent"] / traffic["seconds"],
             lost_pct=100 * (1 - traffic["received"] / traffic["sent"]) if traffic["sent"] else None,
             receiver_dropped=ns.snmp("Udp", "RcvbufErrors") - errors)
    return m


def run(ctx):
    seconds = 0.2 if ctx.quick else 1.0
    baseline = "nfq" if "nfq" in ctx.modes else None
    rows = [Row(mode, mode, baseline=baseline) for mode in ctx.modes]
    extras = [("sent_rate", "sent/s", ".0f"), ("lost_pct", "lost%", ".1f"),
              ("queue_dropped", "q.drop", ".0f"), ("user_dropped", "u.drop", ".0f"),
              ("receiver_dropped", "rcv.drop", ".0f")]
    tables = []
    with LoopbackNamespace("saturation", [("-p", "udp", "--dport", str(PORT))]) as ns:
        for size in SIZES:
            results = interleave(rows, ctx.rounds, lambda row: measure(ns, row, ctx, size, seconds))
            tables.append({
                "name": f"saturation-{size}", "unit": "packets/s arrived", "cpu_heading": "CPU/pkt",
                "cpu_unit": "packet judged",
                "title": f"{size}-byte UDP from a sendmmsg sender for {seconds} s, kernel queue 1024, "
                         f"{ctx.rounds} round(s)",
                "ratio_note": f"arrivals to {baseline} in the same round",
                "rounds": ctx.rounds, "baseline": baseline, "extras": extras,
                "rows": summarize(rows, results, extras),
            })
    return tables
