# SPDX-License-Identifier: GPL-2.0-or-later
"""per_packet.py - where each consumer's time goes, per packet (run by
tests/bench/profile/run-profile; see tests/bench/README.md).

For each consumer, inside one namespace of its own (drain.py):

1. Instructions. Two drains under valgrind (callgrind; cachegrind for Go,
   see valgrind_files.py), of COUNT and of BASE packets; the difference
   divided by COUNT - BASE is the per-packet cost, free of startup and
   exit. Self instructions (Ir) per function are summed by layer
   (layers.py); system calls are counted from --trace-syscalls.
2. Time. Drains without valgrind, of TIMING and of TIMING_BASE packets,
   REPEATS of each: user and system CPU time per packet from the
   difference (see timing()), since valgrind sees user space only, and
   packets per second (median).
3. Python only: the Python-level calls per packet (cProfile's call counts,
   same difference), which callgrind cannot see inside the interpreter.

Writes OUT/NAME.txt per consumer, OUT/summary.txt and OUT/profile.json.

Usage: python per_packet.py --build-dir DIR --python PY [--count N] [--base N]
                         [--timing N] [--repeats N] [--out DIR] [NAME...]
"""
import argparse
import collections
import json
import os
import pstats
import statistics
import sys
import tempfile
from pathlib import Path

import drain
import layers
import valgrind_files

REPO = Path(__file__).resolve().parents[3]


def consumers(build, python):
    """name -> (family, argv without QUEUE COUNT)."""
    bench = f"{build}/tests/bench"
    py = [python, str(REPO / "tests/bench/consumer.py")]
    return {
        "c-batch": ("c", [f"{bench}/nfqueue-bench-consumer", "batch"]),
        "c-run": ("c", [f"{bench}/nfqueue-bench-consumer", "run"]),
        "nfq": ("c", [f"{bench}/nfqueue-bench-nfq", "nfq"]),
        "nfq-batch": ("c", [f"{bench}/nfqueue-bench-nfq", "nfq-batch"]),
        "py-batch": ("python", py + ["py-batch"]),
        "py-run": ("python", py + ["py-run"]),
        "go-batch": ("go", [f"{build}/go/nfqueue-bench-go", "go-batch"]),
        "rs-batch": ("rust", [f"{build}/rust/nfqueue-bench-consumer-rust", "rs-batch"]),
        # The foreign rows (tests/bench/foreign/): "binding" is their library.
        "gonfq": ("go", [f"{build}/foreign/gonfq", "gonfq"]),
        "nfq-rs": ("rust", [f"{build}/foreign/nfq-rs", "nfq-rs"]),
    }


def valgrind_drain(ns, family, argv, count, workdir):
    """One drain under valgrind: ({(object, file, function) or (file,
    function): Ir}, {syscall: n})."""
    tool = "cachegrind" if family == "go" else "callgrind"
    out = Path(workdir) / f"{tool}.{count}.out"
    log = Path(workdir) / f"{tool}.{count}.log"
    vg = ["valgrind", f"--tool={tool}", f"--{tool}-out-file={out}", f"--log-file={log}",
          "--trace-syscalls=yes"]
    if tool == "cachegrind":
        vg.append("--cache-sim=no")
    result = drain.drain(ns, vg + argv, count)
    if result["judged"] != count:
        raise RuntimeError(f"{argv[1]} judged {result['judged']} of {count} packets under valgrind")
    costs = (valgrind_files.cachegrind_costs if tool == "cachegrind" else valgrind_files.self_costs)(out)
    return costs, valgrind_files.syscall_counts(log)


def per_packet(big, small, packets):
    keys = set(big) | set(small)
    return {k: (big.get(k, 0) - small.get(k, 0)) / packets for k in keys}


def layer_split(family, costs, capi):
    if family == "go":
        return layers.by_source(costs)
    out = dict.fromkeys(layers.LAYERS, 0.0)
    for (obj, fl, fn), ir in costs.items():
        out[layers.by_object(obj, fl, fn, family, capi)] += ir
    return out


def python_calls(ns, argv, count, base, workdir):
    """Python-level calls per packet: {function: calls}, from cProfile."""
    counts = {}
    for n in (count, base):
        path = Path(workdir) / f"cprofile.{n}"
        drain.drain(ns, [argv[0], "-m", "cProfile", "-o", str(path), *argv[1:]], n)
        stats = pstats.Stats(str(path)).stats
        counts[n] = {f"{Path(f).name}:{line}({name})": v[1] for (f, line, name), v in stats.items()}
    return {k: v for k, v in per_packet(counts[count], counts[base], count - base).items() if v >= 0.001}


def timing(ns, argv, count, base, repeats):
    """CPU per packet from the difference of a drain of `count` and one of
    `base` packets (each process's whole user and system time from
    wait4(), so startup cancels out), summed over `repeats` pairs: the
    kernel splits user from system time by 10 ms ticks, so a split needs
    many of them."""
    big = [drain.drain(ns, argv, count) for _ in range(repeats)]
    small = [drain.drain(ns, argv, base) for _ in range(repeats)]
    short = [r["output"] for r in big + small if r["judged"] not in (count, base)]
    if short:
        raise RuntimeError(f"drains stopped short: {short}")
    packets = (count - base) * repeats
    total = lambda runs, key: sum(r[key] for r in runs)
    return {"pps": statistics.median(r["judged"] / r["seconds"] for r in big),
            "user_ns": (total(big, "user_total_s") - total(small, "user_total_s")) / packets * 1e9,
            "system_ns": (total(big, "system_total_s") - total(small, "system_total_s")) / packets * 1e9,
            "runs": [{k: r[k] for k in ("judged", "seconds", "user_total_s", "system_total_s")}
                     for r in big + small]}


def profile_one(ns, name, family, argv, args):
    with tempfile.TemporaryDirectory(prefix=f"nfqprof-{name}-") as work:
        big_costs, big_calls = valgrind_drain(ns, family, argv, args.count, work)
        small_costs, small_calls = valgrind_drain(ns, family, argv, args.base, work)
        packets = args.count - args.base
        functions = per_packet(big_costs, small_costs, packets)
        result = {
            "family": family,
            "ir_per_packet": sum(functions.values()),
            "layers": {k: round(v, 1) for k, v in layer_split(family, functions, args.capi).items()},
            "syscalls_per_packet": {k: round(v, 4) for k, v in
                                    sorted(per_packet(big_calls, small_calls, packets).items(),
                                           key=lambda kv: -kv[1]) if v >= 0.001},
            "top_functions": [(f"{key[-1]} [{os.path.basename(key[0])}]", round(ir, 1)) for key, ir in
                              sorted(functions.items(), key=lambda kv: -kv[1])[:args.top]],
        }
        if family == "python":
            calls = python_calls(ns, argv, args.count, args.base, work)
            result["python_calls_per_packet"] = sorted(((k, round(v, 3)) for k, v in calls.items()),
                                                       key=lambda kv: -kv[1])[:args.top]
    result["time"] = timing(ns, argv, args.timing, args.timing_base, args.repeats)
    return result


def report(name, r):
    t = r["time"]
    lines = [f"{name}: {r['ir_per_packet']:.0f} user instructions (Ir) per packet; "
             f"CPU {t['user_ns']:.0f} ns user + {t['system_ns']:.0f} ns system per packet "
             f"({t['system_ns'] / max(t['user_ns'] + t['system_ns'], 1e-9):.0%} kernel), "
             f"{t['pps']:.0f} packets/s without valgrind",
             "", "Ir per packet by layer:"]
    lines += [f"  {k:<14} {v:>8.1f}" for k, v in r["layers"].items() if abs(v) >= 0.05]
    lines += ["", "system calls per packet:"]
    lines += [f"  {k:<14} {v:>8.4f}" for k, v in r["syscalls_per_packet"].items()]
    lines += ["", "top functions, self Ir per packet:"]
    lines += [f"  {ir:>8.1f}  {fn}" for fn, ir in r["top_functions"]]
    if "python_calls_per_packet" in r:
        lines += ["", "Python-level calls per packet (cProfile call counts):"]
        lines += [f"  {v:>7.3f}  {k}" for k, v in r["python_calls_per_packet"]]
    return "\n".join(lines) + "\n"


def summary(results):
    head = f"{'consumer':<10} {'Ir/pkt':>7} " + " ".join(f"{k:>13}" for k in layers.LAYERS[:6]) + \
        f" {'syscalls/pkt':>12} {'user ns':>8} {'sys ns':>7} {'kernel':>6} {'pps':>8}"
    rows = [head]
    for name, r in results.items():
        t = r["time"]
        rows.append(f"{name:<10} {r['ir_per_packet']:>7.0f} " +
                    " ".join(f"{r['layers'][k]:>13.0f}" for k in layers.LAYERS[:6]) +
                    f" {sum(r['syscalls_per_packet'].values()):>12.3f} {t['user_ns']:>8.0f} "
                    f"{t['system_ns']:>7.0f} {t['system_ns'] / (t['user_ns'] + t['system_ns']):>6.0%} "
                    f"{t['pps']:>8.0f}")
    return "\n".join(rows) + "\n"


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--python", required=True)
    parser.add_argument("--count", type=int, default=20000, help="packets of the large valgrind drain")
    parser.add_argument("--base", type=int, default=2000, help="packets of the small one")
    parser.add_argument("--timing", type=int, default=60000, help="packets of the large timed drain")
    parser.add_argument("--timing-base", type=int, default=2000, help="packets of the small timed drain")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--out")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args(argv)
    build = str(Path(args.build_dir).resolve())
    known = consumers(build, args.python)
    args.capi = layers.capi_functions(f"{build}/capi/libnfqueue.so")
    names = args.names or list(known)
    missing = [n for n in names if not Path(known.get(n, ("", ["."]))[1][0]).exists()]
    if missing and not args.names:
        print(f"profile: left out (not built): {' '.join(missing)}", file=sys.stderr)
        names = [n for n in names if n not in missing]
    unknown = [n for n in names if n not in known]
    if unknown:
        parser.error(f"unknown consumer(s) {unknown}; known: {' '.join(known)}")
    out = Path(args.out or f"{build}/profile")
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    for name in names:
        family, command = known[name]
        # A namespace per consumer: nothing one leaves queued meets the next.
        with drain.Namespace() as ns:
            print(f"profile: {name} ...", file=sys.stderr, flush=True)
            results[name] = profile_one(ns, name, family, command, args)
        (out / f"{name}.txt").write_text(report(name, results[name]))
    text = summary(results)
    (out / "summary.txt").write_text(text)
    (out / "profile.json").write_text(json.dumps(
        {"count": args.count, "base": args.base, "timing": args.timing, "repeats": args.repeats,
         "machine": f"{os.uname().release}, {os.cpu_count()} cores", "consumers": results},
        indent=2) + "\n")
    print(text, end="")
    print(f"profile: reports in {out}/ (NAME.txt, summary.txt, profile.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
