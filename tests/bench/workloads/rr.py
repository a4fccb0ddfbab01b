# SPDX-License-Identifier: GPL-2.0-or-later
"""(d) request/response: one transaction in flight between a client and
an echo server (64 bytes each way), UDP and TCP, with both directions
queued: transactions per second, and the consumer's CPU per transaction."""
from benchkit.consumers import Row
from benchkit.report import summarize
from benchkit.rounds import interleave

from .lossless import MODES
from .serving import LoopbackNamespace, serve_once

PORT = 5002


def measure(ns, row, ctx, protocol, seconds):
    traffic, m = serve_once(ns, row, ctx, [f"{ctx.build}/tests/bench/traffic/nfqueue-bench-rr",
                                           protocol, PORT, seconds])
    transactions = traffic["transactions"]
    if m["cpu_ns"] is not None and transactions:
        m["cpu_ns"] *= m["judged"] / transactions  # per transaction
    m.update(rate=transactions / traffic["seconds"],
             packets=m["judged"] / transactions if transactions else None)
    return m


def run(ctx):
    seconds = 0.2 if ctx.quick else 1.0
    rows = [Row(mode, mode, baseline="nfq") for mode in MODES if mode in ctx.modes]
    extras = [("packets", "pkts/tx", ".1f")]
    tables = []
    for protocol in ("udp", "tcp"):
        matches = [("-p", protocol, "--dport", str(PORT)), ("-p", protocol, "--sport", str(PORT))]
        with LoopbackNamespace(f"rr-{protocol}", matches) as ns:
            results = interleave(rows, ctx.rounds, lambda row: measure(ns, row, ctx, protocol, seconds))
        tables.append({
            "name": f"rr-{protocol}", "unit": "transactions/s", "cpu_heading": "CPU/tx",
            "cpu_unit": "transaction",
            "title": f"{protocol.upper()} request/response, one in flight, both directions queued, "
                     f"{seconds} s, {ctx.rounds} round(s)",
            "ratio_note": "to nfq in the same round", "rounds": ctx.rounds, "baseline": "nfq",
            "extras": extras, "rows": summarize(rows, results, extras),
        })
    return tables
