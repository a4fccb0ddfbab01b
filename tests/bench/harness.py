# SPDX-License-Identifier: GPL-2.0-or-later
"""harness.py - runs the benchmark's workloads for scripts/bench.

Each workload (tests/bench/workloads/, issue #14) runs its rows inside
namespaces it makes (and removes, also on failure), round by round
interleaved (A B C A B C ...), and returns tables: each is printed,
drawn as a PNG (packets/s and consumer CPU per packet, when matplotlib is
there) and all go into one JSON file.

  drain       the consumer alone empties a queue holding the whole load
  headers     the drain with 1400-byte datagrams, whole copy vs range 64
  saturation  UDP of 64 and 1400 bytes from a sendmmsg sender, drops counted
  lossless    a window of datagrams in flight
  rr          UDP and TCP request/response, both directions queued
  bulk        an HTTP download through a router namespace, GSO on and off
  queues      --queue-balance over 2 queues, a consumer each, vs 1 queue

Usage: python harness.py --build-dir DIR [--python PY] [--rounds N]
           [--rounds-live N] [--count N] [--quick] [--workload NAME,...]
           [--json FILE] [--png-prefix PREFIX] MODE...
MODE...: the consumer rows that were built; drain and saturation run
them all, the heavier workloads their own subset of them.
"""
import argparse
import datetime
import json
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchkit.report import draw, print_table  # noqa: E402
from benchkit.targets import check, print_targets  # noqa: E402
from workloads import WORKLOADS  # noqa: E402


@dataclass
class Context:
    build: str
    python: str
    modes: list
    rounds: int
    count: int
    quick: bool


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"Linux {os.uname().release}, {os.cpu_count()} cores, {model}"


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--rounds", type=int, default=5, help="rounds of drain")
    parser.add_argument("--rounds-live", type=int, default=3, help="rounds of every other workload")
    parser.add_argument("--count", type=int, default=60000, help="datagrams of a drain")
    parser.add_argument("--quick", action="store_true", help="one small round of everything")
    parser.add_argument("--workload", default=",".join(WORKLOADS))
    parser.add_argument("--json")
    parser.add_argument("--png-prefix")
    parser.add_argument("modes", nargs="+")
    args = parser.parse_args(argv)
    names = [n for n in args.workload.split(",") if n]
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload {', '.join(unknown)}: choose from {', '.join(WORKLOADS)}")
    build = str(Path(args.build_dir).resolve())
    # SIGTERM (a test runner's timeout) unwinds like Ctrl+C, so that every
    # namespace and process made so far is removed on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tables, failed = {}, False
    for name in names:
        rounds = 1 if args.quick else args.rounds if name == "drain" else args.rounds_live
        ctx = Context(build, args.python, args.modes, rounds, args.count, args.quick)
        began = time.monotonic()
        for table in WORKLOADS[name](ctx):
            table["seconds_taken"] = round(time.monotonic() - began, 1)
            print_table(table)
            tables[table["name"]] = table
            failed |= any(r["errors"] for r in table["rows"].values())
            if args.png_prefix:
                draw(table, f"{args.png_prefix}-{table['name']}.png")
        print(f"harness: {name} took {time.monotonic() - began:.0f} s", flush=True)
    targets = check(tables)
    print_targets(targets, args.quick)
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"machine": machine(), "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
             "tables": tables,
             "targets": [{"target": t, "figure": f, "met": m} for t, f, m in targets]},
            indent=2) + "\n")
    if failed:
        print("harness: some rounds failed (see above)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
