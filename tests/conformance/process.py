# SPDX-License-Identifier: GPL-2.0-or-later
"""A child process that reports in JSON lines: the agents and the traffic
tools both do. Lines are read on a thread as they come, so a test can wait
for an event with a timeout instead of blocking on a pipe.

Every wait has a timeout, and stop() ends the process by its own pid
(SIGTERM, then SIGKILL): nothing here signals a process it did not start.
"""
import json
import os
import signal
import subprocess
import threading
import time

from answers import Event


class ProtocolError(AssertionError):
    """The process wrote something on stdout that is not a JSON object."""


class JsonLineProcess:
    def __init__(self, argv, label):
        self.argv = list(argv)
        self.label = label
        self.events = []
        self.stderr_lines = []
        self.protocol_errors = []
        self._cond = threading.Condition()
        self._eof = False
        # A session of its own: a Ctrl-C at the terminal reaches pytest,
        # which then stops the process in an orderly way.
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     start_new_session=True)
        self._readers = [threading.Thread(target=self._read_stdout, daemon=True),
                         threading.Thread(target=self._read_stderr, daemon=True)]
        for reader in self._readers:
            reader.start()

    @property
    def pid(self):
        return self.proc.pid

    def _read_stdout(self):
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            try:
                event = json.loads(line)
                if not isinstance(event, dict) or "event" not in event:
                    raise ValueError("not an object with an \"event\" member")
                event = Event(event)
            except ValueError as err:
                with self._cond:
                    self.protocol_errors.append(f"{line!r}: {err}")
                    self._cond.notify_all()
                continue
            with self._cond:
                self.events.append(event)
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def _read_stderr(self):
        for raw in self.proc.stderr:
            self.stderr_lines.append(raw.decode(errors="replace").rstrip("\n"))

    def describe(self):
        """What the process said so far, for assertion messages."""
        lines = [f"{self.label} (pid {self.pid}): {' '.join(self.argv)}"]
        lines += [f"  event: {json.dumps(e)[:600]}" for e in self.events[-30:]]
        lines += [f"  not JSON: {p}" for p in self.protocol_errors]
        lines += [f"  stderr: {s}" for s in self.stderr_lines[-20:]]
        if self.proc.poll() is not None:
            lines.append(f"  exit status: {self.proc.returncode}")
        return "\n".join(lines)

    def _check_protocol(self):
        if self.protocol_errors:
            raise ProtocolError(f"{self.label} broke the JSON-lines protocol:\n{self.describe()}")

    def select(self, predicate=lambda e: True):
        with self._cond:
            self._check_protocol()
            return [e for e in self.events if predicate(e)]

    def wait_for(self, predicate, count=1, timeout=5.0, what="an event"):
        """Wait until `count` events satisfy `predicate`; return them.
        Fails (AssertionError) on timeout or when the process ends first."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                self._check_protocol()
                found = [e for e in self.events if predicate(e)]
                if len(found) >= count:
                    return found[:count]
                left = deadline - time.monotonic()
                if self._eof or left <= 0:
                    why = "ended" if self._eof else f"did not report it within {timeout:g} s"
                    raise AssertionError(
                        f"waiting for {count} x {what}: {self.label} {why} "
                        f"({len(found)} so far)\n{self.describe()}")
                self._cond.wait(left)

    def settle(self, seconds):
        """Let `seconds` pass, so events that should NOT come have had their chance."""
        time.sleep(seconds)
        self._check_protocol()

    def asleep(self):
        """Whether every thread of the process is asleep (state S): blocked
        waiting, for instance for packets. From /proc, not from the process."""
        try:
            tasks = os.listdir(f"/proc/{self.pid}/task")
            states = []
            for task in tasks:
                with open(f"/proc/{self.pid}/task/{task}/stat") as f:
                    # The state follows the command name, which is in parentheses.
                    states.append(f.read().rpartition(")")[2].split()[0])
        except OSError:
            return False  # gone, or a thread ended while we looked
        return bool(states) and all(state == "S" for state in states)

    def wait_asleep(self, timeout=3.0, samples=3, interval=0.05):
        """Wait until the process has been asleep for `samples` looks in a
        row, `interval` seconds apart: it is blocked, not just between two
        steps. Fails (AssertionError) on timeout."""
        deadline = time.monotonic() + timeout
        row = 0
        while row < samples:
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.label} did not settle into a blocking wait "
                                     f"within {timeout:g} s\n{self.describe()}")
            row = row + 1 if self.asleep() else 0
            time.sleep(interval)

    def signal(self, signum):
        if self.proc.poll() is None:
            self.proc.send_signal(signum)

    def wait_exit(self, timeout=5.0):
        """Wait for the process to end and its output to be read; return its status."""
        try:
            status = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.label} did not exit within {timeout:g} s\n{self.describe()}")
        for reader in self._readers:
            reader.join(timeout)
        return status

    def stop(self, timeout=3.0):
        """SIGTERM, then SIGKILL if it does not end in time. Idempotent; used
        by fixtures at teardown, so it never raises."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        for reader in self._readers:
            reader.join(1.0)
