# SPDX-License-Identifier: GPL-2.0-or-later
"""(a) drain: the consumer alone empties a kernel queue that holds the
whole load (COUNT 64-byte datagrams sent while it waits): start it, wait
for "ready", load the queue, wait until the kernel holds it all, SIGUSR1,
read "MODE JUDGED SECONDS". Its CPU time from SIGUSR1 to that line (its
threads' scheduler time, so kernel work on its behalf counts) and its
peak RSS are sampled meanwhile. The one-shot drain here is shared with headers and queues."""
import select
import signal
import subprocess
import time

from benchkit.consumers import Consumer, Row, settings_text
from benchkit.netns import Namespace
from benchkit.report import summarize
from benchkit.rounds import interleave

QUEUE = 7
PORT = 9  # discard: an INPUT rule drops it after the verdict, no replies
BASELINE = "nfq"
SAMPLE_SECONDS = 0.005


class DrainNamespace(Namespace):
    """Loopback, UDP to PORT queued by `target` (NFQUEUE's options), then dropped."""

    def __init__(self, tag="drain", target=("--queue-num", str(QUEUE))):
        super().__init__(tag)
        self.target = target

    def __enter__(self):
        super().__enter__()
        try:
            self.iptables("-A", "OUTPUT", "-p", "udp", "--dport", str(PORT),
                          "-j", "NFQUEUE", *self.target)
            self.iptables("-A", "INPUT", "-p", "udp", "--dport", str(PORT), "-j", "DROP")
        except BaseException:
            self.__exit__()
            raise
        return self


def drain_once(ns, parts, ctx, size=64, sources=()):
    """One drain by one or more consumers at once: parts is [(row, queue,
    count)]; the flood sends the sum (from `sources` in turn, if given).
    Returns the measurement: rate over the slowest consumer's time."""
    total = sum(count for _, _, count in parts)
    consumers = []
    try:
        for row, queue, count in parts:
            consumers.append(Consumer(ns, row, queue, count, ctx))
        for c in consumers:
            c.wait_ready()
        ns.run(f"{ctx.build}/tests/bench/nfqueue-bench-flood", PORT, total, size, *sources,
               stdout=subprocess.DEVNULL)
        queues = [queue for _, queue, _ in parts]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            held = ns.queues()
            if sum(held.get(q, {}).get("waiting", 0) for q in queues) >= total:
                break
            time.sleep(0.02)
        settings = held.get(queues[0])
        start = [c.cpu_ns() for c in consumers]
        for c in consumers:
            c.process.send_signal(signal.SIGUSR1)
        # CPU time and peak RSS: sampled every SAMPLE_SECONDS (the largest
        # sample: a thread that exits takes its time out of the sum) and
        # once more the moment the result line is out, so the teardown
        # after it does not count.
        cpu, rss = list(start), [c.peak_rss_kib() for c in consumers]
        pending = dict((c.stdout, i) for i, c in enumerate(consumers))
        deadline = time.monotonic() + 60
        while pending and time.monotonic() < deadline:
            ready = select.select(list(pending), [], [], SAMPLE_SECONDS)[0]
            for fd, i in list(pending.items()):
                if fd in ready:
                    del pending[fd]
                    consumers[i].read_line(1)
                cpu[i] = max(cpu[i] or 0, consumers[i].cpu_ns() or 0)
                rss[i] = max(rss[i] or 0, consumers[i].peak_rss_kib() or 0)
        done = [c.finish() for c in consumers]
    finally:
        for c in consumers:
            c.close()
    judged = sum(j for j, _ in done)
    seconds = max(s for _, s in done)
    return {
        "rate": judged / seconds,
        "judged": judged,
        "short": total - judged,
        "cpu_ns": (sum(cpu) - sum(start)) / judged if judged and None not in start + cpu else None,
        "peak_rss_kib": max((r for r in rss if r), default=None),
        "settings": settings_text(settings, parts[0][0]),
    }


def run(ctx):
    count = 2000 if ctx.quick else ctx.count
    baseline = BASELINE if BASELINE in ctx.modes else ctx.modes[0]
    rows = [Row(mode, mode, baseline=baseline) for mode in ctx.modes]
    with DrainNamespace() as ns:
        results = interleave(rows, ctx.rounds, lambda row: drain_once(ns, [(row, QUEUE, count)], ctx))
    extras = [("short", "short", ".0f")]
    return [{
        "name": "drain", "unit": "packets/s", "cpu_heading": "CPU/pkt", "cpu_unit": "packet",
        "title": f"{count} queued 64-byte datagrams, {ctx.rounds} round(s), interleaved",
        "ratio_note": f"to {baseline} in the same round, median over rounds",
        "count": count, "rounds": ctx.rounds, "baseline": baseline, "extras": extras,
        "rows": summarize(rows, results, extras),
    }]
