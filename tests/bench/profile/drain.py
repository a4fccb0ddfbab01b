# SPDX-License-Identifier: GPL-2.0-or-later
"""drain.py - one drain of a bench consumer inside the profiler's own
namespace: start the consumer (`CONSUMER... QUEUE COUNT`, the bench
consumer contract), wait for its "ready", fill the queue with COUNT UDP
datagrams of SIZE bytes, wait until the kernel holds them all, send
SIGUSR1 and wait for "MODE JUDGED SECONDS".

The consumer's user and system CPU time over the drain are taken from
/proc/PID/stat when SIGUSR1 goes out and from wait4()'s rusage at its
exit (the consumer is our child: `ip netns exec` execs it in place), so
startup does not count and the kernel's work on the consumer's behalf
(the netlink messages, the verdicts, the rest of each packet's way
through the stack after its verdict) shows as system time.
"""
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

QUEUE = 7
PORT = 9
HERE = Path(__file__).resolve().parent
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


class Namespace:
    """Loopback only; UDP to PORT is queued on OUTPUT and dropped on INPUT
    after its verdict (no ICMP answers). Removed on exit, also on failure."""

    def __init__(self):
        self.name = f"nfqprof-{secrets.token_hex(4)}"

    def __enter__(self):
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        try:
            self.run("ip", "link", "set", "lo", "up")
            self.run("iptables", "-w", "5", "-A", "OUTPUT", "-p", "udp", "--dport", str(PORT),
                     "-j", "NFQUEUE", "--queue-num", str(QUEUE))
            self.run("iptables", "-w", "5", "-A", "INPUT", "-p", "udp", "--dport", str(PORT),
                     "-j", "DROP")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        subprocess.run(["ip", "netns", "del", self.name], check=False)

    def argv(self, *argv):
        return ["ip", "netns", "exec", self.name, *argv]

    def run(self, *argv, **kwargs):
        return subprocess.run(self.argv(*argv), check=True, **kwargs)

    def queued(self):
        """Packets the kernel holds in QUEUE now (0 if it is not bound)."""
        text = self.run("cat", "/proc/net/netfilter/nfnetlink_queue",
                        capture_output=True, text=True).stdout
        for line in text.splitlines():
            fields = line.split()
            if fields and int(fields[0]) == QUEUE:
                return int(fields[2])
        return 0


def _ticks(pid):
    """utime and stime of process `pid` so far, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / CLOCK_TICK, int(fields[12]) / CLOCK_TICK


def drain(ns, consumer, count, size=64, env=None, ready_seconds=180, drain_seconds=900):
    """One drain by `consumer` (an argv, QUEUE and COUNT are appended).
    Returns {judged, seconds, user_s, system_s (over the drain, to a 10 ms
    tick), user_total_s, system_total_s (the whole process), output}."""
    proc = subprocess.Popen(ns.argv(*consumer, str(QUEUE), str(count)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})
    try:
        line = _readline(proc, ready_seconds)
        if not line.startswith("ready"):
            raise RuntimeError(f"{consumer} did not get ready ({line!r}): {_stderr(proc)}")
        ns.run(sys.executable, str(HERE / "send.py"), str(PORT), str(count), str(size))
        deadline = time.monotonic() + 30
        while ns.queued() < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the kernel holds {ns.queued()} of {count} packets")
            time.sleep(0.05)
        user0, system0 = _ticks(proc.pid)
        proc.send_signal(signal.SIGUSR1)
        _, status, usage = _wait4(proc, drain_seconds)
        out = proc.stdout.read()
        if status:
            raise RuntimeError(f"{consumer} failed ({status}): {_stderr(proc)}")
    finally:
        if proc.returncode is None and proc.poll() is None:
            proc.kill()
            proc.wait()
    words = out.split()
    judged, seconds = int(words[-2]), float(words[-1])
    return {"judged": judged, "seconds": seconds,
            "user_s": usage.ru_utime - user0, "system_s": usage.ru_stime - system0,
            "user_total_s": usage.ru_utime, "system_total_s": usage.ru_stime,
            "output": out.strip()}


def _readline(proc, seconds):
    """The consumer's first line, or "" if it exits or takes too long."""
    import selectors
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(seconds):
            return ""
    return proc.stdout.readline()


def _wait4(proc, seconds):
    deadline = time.monotonic() + seconds
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return pid, proc.returncode, usage
        if time.monotonic() > deadline:
            raise RuntimeError(f"consumer {proc.args} did not finish in {seconds} s")
        time.sleep(0.01)


def _stderr(proc):
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    return proc.stderr.read().strip()[-2000:]
