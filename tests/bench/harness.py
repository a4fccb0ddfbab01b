# SPDX-License-Identifier: GPL-2.0-or-later
"""harness.py - runs the drain benchmark for scripts/bench.

Inside one network namespace made here (and removed at the end, also on
failure), for each round and each consumer in turn (A B C A B C ...):
start the consumer, wait for its "ready", load the queue with COUNT
64-byte datagrams, wait until the kernel holds them all, send SIGUSR1, and
read "MODE JUDGED SECONDS" when it is done. Meanwhile it samples the
consumer's CPU time (the sum of its threads' schedstat, in ns, so kernel
work done on its behalf counts) and peak RSS, and reads back from the
kernel the settings the consumer's queue really has. Prints a table,
writes JSON, and draws a PNG when matplotlib is there.

Usage: python harness.py --build-dir DIR --rounds N --count N
                         [--json FILE] [--png FILE] MODE...
"""
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUEUE = 7
PORT = 9
SAMPLE_SECONDS = 0.005  # CPU and RSS sampling period: the figures' resolution


def consumer_command(mode, build, python):
    """The command line of each consumer family. A binding adds its rows here."""
    families = [
        # NetfilterQueue 1.1 itself, in the virtual environment scripts/bench made for it.
        ("nfq-py", [os.environ.get("NFQUEUE_BENCH_ORIGINAL_PYTHON", "python3"),
                    "tests/bench/consumer.py"]),
        ("py-", [python, "tests/bench/consumer.py"]),
        ("go-", [f"{build}/go/nfqueue-bench-go"]),
        ("rs-", [f"{build}/rust/nfqueue-bench-consumer-rust"]),
        ("nfq", [f"{build}/tests/bench/nfqueue-bench-nfq"]),
    ]
    for prefix, command in families:
        if mode.startswith(prefix):
            return command + [mode]
    return [f"{build}/tests/bench/nfqueue-bench-consumer", mode]


class Namespace:
    """The benchmark's own namespace: loopback, a rule that queues UDP to
    PORT, and a rule that drops it after the verdict (no ICMP replies)."""

    def __init__(self):
        self.name = f"nfqbench-{os.getpid()}"

    def __enter__(self):
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        try:
            self.run("ip", "link", "set", "lo", "up")
            self.run("iptables", "-A", "OUTPUT", "-p", "udp", "--dport", str(PORT),
                     "-j", "NFQUEUE", "--queue-num", str(QUEUE))
            self.run("iptables", "-A", "INPUT", "-p", "udp", "--dport", str(PORT), "-j", "DROP")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        subprocess.run(["ip", "netns", "del", self.name], check=False)

    def run(self, *argv, **kwargs):
        return subprocess.run(["ip", "netns", "exec", self.name, *argv], check=True, **kwargs)

    def queue_line(self):
        """The queue's line of /proc/net/netfilter/nfnetlink_queue, as ints."""
        text = self.run("cat", "/proc/net/netfilter/nfnetlink_queue",
                        capture_output=True, text=True).stdout
        for line in text.splitlines():
            fields = [int(f) for f in line.split()]
            if fields and fields[0] == QUEUE:
                return fields
        return None


def cpu_ns(pid):
    """CPU time of every thread of `pid` so far, or None once it is gone."""
    total = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return total


def peak_rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return None


def measure(ns, mode, count, build, python):
    """One drain by one consumer: a dict of what was measured."""
    with tempfile.TemporaryFile("w+") as out:
        consumer = subprocess.Popen(["ip", "netns", "exec", ns.name,
                                     *consumer_command(mode, build, python), str(QUEUE), str(count)],
                                    stdout=out, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 30
            while not _read(out).startswith("ready"):
                if consumer.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{mode} did not get ready: {consumer.stderr.read()}")
                time.sleep(0.02)
            settings = ns.queue_line()
            ns.run(f"{build}/tests/bench/nfqueue-bench-flood", str(PORT), str(count),
                   stdout=subprocess.DEVNULL)
            deadline = time.monotonic() + 5
            while (ns.queue_line() or [0, 0, 0])[2] < count and time.monotonic() < deadline:
                time.sleep(0.02)
            start_cpu = cpu_ns(consumer.pid)
            consumer.send_signal(signal.SIGUSR1)
            cpu, rss = start_cpu, None
            while consumer.poll() is None:
                # The largest sample: a thread that exits takes its time
                # out of the sum.
                cpu = max(cpu_ns(consumer.pid) or 0, cpu or 0)
                rss = peak_rss_kib(consumer.pid) or rss
                time.sleep(SAMPLE_SECONDS)
            if consumer.returncode:
                raise RuntimeError(f"{mode} failed ({consumer.returncode}): {consumer.stderr.read()}")
        finally:
            if consumer.poll() is None:
                consumer.kill()
                consumer.wait()
        words = _read(out).split()
    judged, seconds = int(words[-2]), float(words[-1])
    return {
        "pps": judged / seconds,
        "judged": judged,
        "cpu_ns_per_packet": (cpu - start_cpu) / judged if judged and start_cpu is not None else None,
        "peak_rss_kib": rss,
        # What the kernel says the queue got: copy mode and range.
        "copy_mode": settings[3] if settings else None,
        "copy_range": settings[4] if settings else None,
    }


def _read(out):
    out.seek(0)
    return out.read()


def summarize(results, modes, base_mode):
    rows = {}
    for mode in modes:
        runs = results[mode]
        pps = [r["pps"] for r in runs]
        cpu = [r["cpu_ns_per_packet"] for r in runs if r["cpu_ns_per_packet"] is not None]
        rss = [r["peak_rss_kib"] for r in runs if r["peak_rss_kib"] is not None]
        rows[mode] = {
            "median_pps": statistics.median(pps), "min_pps": min(pps), "max_pps": max(pps),
            "rounds_pps": pps,
            # The ratio to the baseline of the same round, then the median of those.
            "ratio": statistics.median(r["pps"] / b["pps"] for r, b in zip(runs, results[base_mode])),
            "cpu_ns_per_packet": statistics.median(cpu) if cpu else None,
            "peak_rss_kib": max(rss) if rss else None,
            "short_rounds": sum(1 for r in runs if r["judged"] < r["count"]),
            "copy_mode": runs[0]["copy_mode"], "copy_range": runs[0]["copy_range"],
        }
    return rows


def print_table(rows, base_mode, count, rounds):
    print(f"\ndrain: {count} queued 64-byte datagrams, {rounds} round(s), interleaved; "
          f"ratio: to {base_mode} in the same round, median over rounds")
    print(f"{'consumer':<12} {'median pps':>11} {'min..max':>17} {'vs ' + base_mode:>9} "
          f"{'CPU ns/pkt':>10} {'peak RSS':>9}  queue as the kernel has it")
    for mode, r in rows.items():
        cpu = f"{r['cpu_ns_per_packet']:.0f}" if r["cpu_ns_per_packet"] else "-"
        rss = f"{r['peak_rss_kib'] / 1024:.1f}M" if r["peak_rss_kib"] else "-"
        short = f"  ({r['short_rounds']} round(s) short of {count})" if r["short_rounds"] else ""
        print(f"{mode:<12} {r['median_pps']:>11.0f} {r['min_pps']:>8.0f}..{r['max_pps']:<8.0f} "
              f"{r['ratio']:>8.2f}x {cpu:>10} {rss:>9}  copy mode {r['copy_mode']}, "
              f"range {r['copy_range']}{short}")


def draw(rows, path, count):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"harness: no chart ({path}): matplotlib is not installed", file=sys.stderr)
        return
    modes = list(rows)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 0.4 * len(modes) + 1.5))
    left.barh(modes, [rows[m]["median_pps"] / 1000 for m in modes],
              xerr=[[(rows[m]["median_pps"] - rows[m]["min_pps"]) / 1000 for m in modes],
                    [(rows[m]["max_pps"] - rows[m]["median_pps"]) / 1000 for m in modes]])
    left.set_xlabel("thousand packets per second (median, min..max)")
    left.invert_yaxis()
    right.barh(modes, [rows[m]["cpu_ns_per_packet"] or 0 for m in modes], color="tab:orange")
    right.set_xlabel("consumer CPU ns per packet (kernel work included)")
    right.invert_yaxis()
    fig.suptitle(f"drain of {count} queued 64-byte datagrams")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"harness: chart written to {path}")


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--count", type=int, default=60000)
    parser.add_argument("--json")
    parser.add_argument("--png")
    parser.add_argument("modes", nargs="+")
    args = parser.parse_args(argv)
    build = str(Path(args.build_dir).resolve())
    base_mode = "nfq" if "nfq" in args.modes else args.modes[0]
    results = {mode: [] for mode in args.modes}
    with Namespace() as ns:
        for _ in range(args.rounds):
            for mode in args.modes:
                result = measure(ns, mode, args.count, build, args.python)
                result["count"] = args.count
                results[mode].append(result)
    rows = summarize(results, args.modes, base_mode)
    print_table(rows, base_mode, args.count, args.rounds)
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"workload": "drain", "count": args.count, "rounds": args.rounds,
             "baseline": base_mode, "machine": os.uname().release + ", " + str(os.cpu_count()) + " cores",
             "consumers": rows}, indent=2) + "\n")
    if args.png:
        draw(rows, args.png, args.count)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
