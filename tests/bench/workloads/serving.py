# SPDX-License-Identifier: GPL-2.0-or-later
"""What the live-traffic workloads share: a serving consumer (COUNT 0)
while a traffic program runs, the kernel's counters read before it is
told to stop, and a loopback namespace whose OUTPUT queues some traffic."""
from benchkit.consumers import Consumer, settings_text
from benchkit.netns import Namespace

QUEUE = 8


class LoopbackNamespace(Namespace):
    """Loopback; each of `matches` (iptables match arguments) is queued to QUEUE."""

    def __init__(self, tag, matches):
        super().__init__(tag)
        self.matches = matches

    def __enter__(self):
        super().__enter__()
        try:
            for match in self.matches:
                self.iptables("-A", "OUTPUT", *match, "-j", "NFQUEUE", "--queue-num", str(QUEUE))
        except BaseException:
            self.__exit__()
            raise
        return self


def words(text):
    """"key N key N ..." -> {key: number}."""
    parts = text.split()
    return {k: float(v) for k, v in zip(parts[::2], parts[1::2])}


def serve_once(ns, row, ctx, traffic, queue=QUEUE, queue_ns=None):
    """Run `traffic` (argv, in ns) while row's consumer serves `queue` in
    queue_ns (default ns). Returns (traffic's output as words, the
    measurement so far: cpu_ns is per judged packet, drops as the kernel
    counted them)."""
    queue_ns = queue_ns or ns
    with Consumer(queue_ns, row, queue, 0, ctx) as consumer:
        consumer.wait_ready()
        cpu_start = consumer.cpu_ns()
        out = ns.output(*traffic)
        cpu_end = consumer.cpu_ns()
        rss = consumer.peak_rss_kib()
        kernel = queue_ns.queues().get(queue)
        judged, _ = consumer.terminate()
    return words(out), {
        "judged": judged,
        "cpu_ns": (cpu_end - cpu_start) / judged if judged and cpu_start is not None else None,
        "peak_rss_kib": rss,
        "queue_dropped": kernel["queue_dropped"] if kernel else None,
        "user_dropped": kernel["user_dropped"] if kernel else None,
        "settings": settings_text(kernel, row),
    }
