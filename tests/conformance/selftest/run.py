#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A test of the conformance suite itself: run it against liar.py (a fake
agent that wraps the C agent and distorts every answer) and check that
the suite judged every case (pass, fail, unsupported) and never raised an
exception of its own (TypeError, KeyError, ...: "suite_error" in the
report), and that the run itself did not break (pytest's status 1, some
cases failed, not 2..4: interrupted, internal or usage error).

  python3 tests/conformance/selftest/run.py --build-dir DIR [--mode M ...] [--out DIR]

Needs root, like the suite. Exit status 0 when the suite held up.
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUITE = HERE.parent
LIAR = HERE / "liar.py"


def run_mode(mode, agent, out, extra):
    report = out / f"selftest-{mode}"
    command = f"{sys.executable} {LIAR} --mode {mode} -- {agent}"
    argv = [sys.executable, "-m", "pytest", str(SUITE), "--agent", command,
            "--report", str(report), "-q", "-p", "no:cacheprovider", "--tb=no", *extra]
    status = subprocess.run(argv, stdin=subprocess.DEVNULL).returncode
    problems = []
    if status != 1:
        problems.append(f"pytest exited {status}, expected 1 (cases failed, the run whole)")
    try:
        data = json.loads(report.with_suffix(".json").read_text())
    except (OSError, ValueError) as error:
        return problems + [f"no readable report at {report}.json: {error}"]
    counts = data["summary"].get("agent", {})
    for row in data["cases"]:
        result = row["results"].get("agent", {})
        if result.get("suite_error"):
            problems.append(f"{row['case']}: the suite raised {result['message']}")
    if not counts.get("fail"):
        problems.append(f"no case failed against answers distorted by {mode!r}: {counts}")
    print(f"selftest {mode}: {counts}; {len(problems)} problem(s)")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", required=True, help="meson build directory with the C agent")
    parser.add_argument("--mode", action="append", choices=["names", "missing", "nulls", "types"],
                        help="distortion(s) to try (default: names and missing)")
    parser.add_argument("--out", help="where the reports go (default: a temporary directory)")
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments (after --)")
    args = parser.parse_args()
    agent = Path(args.build_dir).resolve() / "tests/agents/c/nfqueue-agent-c"
    if not agent.is_file():
        sys.exit(f"selftest: no C agent at {agent}; build it (meson compile -C {args.build_dir})")
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="nfqueue-selftest-"))
    out.mkdir(parents=True, exist_ok=True)
    problems = []
    for mode in args.mode or ["names", "missing"]:
        problems += run_mode(mode, agent, out, args.pytest_args)
    for problem in problems:
        print(f"selftest: {problem}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
