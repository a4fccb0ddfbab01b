# SPDX-License-Identifier: GPL-2.0-or-later
"""The consumers' processes, by the contract every bench consumer keeps
(tests/bench/consumer.c, consumer-nfq.c, consumer.py, the Go and Rust
ones, tests/bench/foreign/):

    CONSUMER MODE QUEUE COUNT   prints "ready"; COUNT > 0: waits for
                                SIGUSR1, drains COUNT packets; COUNT 0:
                                serves at once until SIGTERM; then prints
                                "MODE JUDGED SECONDS" and exits 0
    NFQUEUE_BENCH_QUEUE_LEN, NFQUEUE_BENCH_COPY_RANGE, NFQUEUE_BENCH_GSO=1
                                the queue's settings, from the environment
                                (QUEUE_LEN=default, C consumers only: unset)
"""
import os
import select
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

READY_SECONDS = 30


@dataclass(frozen=True)
class Row:
    """One row of a table: a consumer mode (None: no queue at all) with
    its settings, labelled; `baseline` names the row its ratio is to."""
    label: str
    mode: object = None
    env: dict = field(default_factory=dict, hash=False, compare=False)
    baseline: object = None


def consumer_command(mode, build, python):
    """The command line of each consumer family. A binding adds its rows here."""
    foreign = os.environ.get("NFQUEUE_BENCH_FOREIGN", "")
    families = [
        # NetfilterQueue 1.1 itself, in the virtual environment scripts/bench made for it.
        ("nfq-py", [os.environ.get("NFQUEUE_BENCH_ORIGINAL_PYTHON", "python3"),
                    "tests/bench/consumer.py"]),
        ("py-", [python, "tests/bench/consumer.py"]),
        ("go-", [f"{build}/go/nfqueue-bench-go"]),
        ("rs-", [f"{build}/rust/nfqueue-bench-consumer-rust"]),
        ("nfq", [f"{build}/tests/bench/nfqueue-bench-nfq"]),
    ]
    # Foreign consumers (tests/bench/foreign/, the profile engineer's):
    # NFQUEUE_BENCH_FOREIGN="PREFIX=COMMAND;..." adds a family.
    for entry in filter(None, foreign.split(";")):
        prefix, _, command = entry.partition("=")
        families.insert(0, (prefix, command.split()))
    for prefix, command in families:
        if mode.startswith(prefix):
            return command + [mode]
    return [f"{build}/tests/bench/nfqueue-bench-consumer", mode]


def cpu_ns(pid):
    """CPU time of every thread of `pid` so far (scheduler time, so kernel
    work done on its behalf counts), or None once it is gone."""
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


class Consumer:
    """One consumer process in a namespace: started, ready, then either
    drained (SIGUSR1, wait for its line) or served (SIGTERM, its line).
    Its stdout is a pipe, so the harness wakes the moment a line is out
    (and costs the machine nothing meanwhile)."""

    def __init__(self, ns, row, queue, count, ctx):
        self.row, self.count = row, count
        self.err = tempfile.TemporaryFile("w+")
        self.lines, self.partial = [], b""
        env = dict(os.environ, **row.env)
        self.process = subprocess.Popen(
            ns.command(*consumer_command(row.mode, ctx.build, ctx.python), queue, count),
            stdout=subprocess.PIPE, stderr=self.err, env=env)
        self.pid = self.process.pid
        self.stdout = self.process.stdout.fileno()

    def read_line(self, timeout):
        """Its next line, or None at the timeout or its end of output."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.partial:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.stdout], [], [], left)[0]:
                return None
            chunk = os.read(self.stdout, 4096)
            if not chunk:
                return None
            self.partial += chunk
        line, self.partial = self.partial.split(b"\n", 1)
        self.lines.append(line.decode())
        return self.lines[-1]

    def wait_ready(self):
        if self.read_line(READY_SECONDS) != "ready":
            self.process.kill()
            self.process.wait()
            raise RuntimeError(f"{self.row.mode} did not get ready: {self._errors()}")

    def cpu_ns(self):
        return cpu_ns(self.pid)

    def peak_rss_kib(self):
        return peak_rss_kib(self.pid)

    def finish(self, timeout=30):
        """Its result line and exit: (judged, seconds)."""
        line = self.lines[-1] if len(self.lines) > 1 else self.read_line(timeout)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"{self.row.mode} did not end within {timeout} s") from None
        if self.process.returncode or not line:
            raise RuntimeError(f"{self.row.mode} failed ({self.process.returncode}): {self._errors()}")
        words = line.split()
        return int(words[-2]), float(words[-1])

    def terminate(self):
        """End a serving consumer: (judged, seconds)."""
        self.process.send_signal(signal.SIGTERM)
        return self.finish()

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        self.err.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _errors(self):
        """The end of its stderr: the error, not the whole traceback."""
        self.err.seek(0)
        return " | ".join(self.err.read().strip().splitlines()[-2:])[-400:]


def settings_text(queue_fields, row):
    """The settings the kernel reports for a row's queue (and the flag it
    cannot report, as asked for)."""
    if queue_fields is None:
        return "no queue"
    text = f"copy mode {queue_fields['copy_mode']}, range {queue_fields['copy_range']}"
    if row.env.get("NFQUEUE_BENCH_GSO") == "1":
        text += ", GSO flag asked"
    return text
