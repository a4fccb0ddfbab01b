# SPDX-License-Identifier: GPL-2.0-or-later
"""``python -m nfqueue stats|dump`` against real queues in throwaway
namespaces: the table and its owners, --watch's per-interval counts
against the kernel's counters, the message without root, and dump's
packet lines and loss reports."""
import os
import re
import signal
import subprocess
import sys
import time

import nfqueue
from conftest import python_path


def run_cli(netns, *args, wrapper=(), timeout=30.0):
    env = dict(os.environ, PYTHONPATH=python_path())
    return subprocess.run(netns.argv([*wrapper, sys.executable, "-m", "nfqueue", *args]),
                          capture_output=True, text=True, timeout=timeout, env=env)


def start_cli(netns, *args):
    env = dict(os.environ, PYTHONPATH=python_path())
    return subprocess.Popen(netns.argv([sys.executable, "-m", "nfqueue", *args]),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def wait_for(stream, pattern, timeout=10.0):
    """Lines of `stream` up to and including one matching `pattern`."""
    lines, end = [], time.monotonic() + timeout
    while time.monotonic() < end:
        line = stream.readline()
        if not line:
            break
        lines.append(line)
        if re.search(pattern, line):
            return lines
    raise AssertionError(f"no line matching {pattern!r} in {lines!r}")


def own_name():
    with open("/proc/self/comm") as f:
        return f"{os.getpid()}/{f.read().strip()}"


def test_stats_shows_the_queue_and_its_process(netns):
    netns.nfqueue_rule(queue=3, port=5003)
    with nfqueue.Queue(3, netns=netns.path):
        result = run_cli(netns, "stats")
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()[1:]]
    assert [(r[0], r[-1]) for r in rows] == [("3", own_name())], result.stdout


def test_stats_without_root_says_what_it_needs(netns):
    netns.nfqueue_rule(queue=3, port=5003)
    with nfqueue.Queue(3, netns=netns.path):
        for args in (["stats"], ["stats", "--watch", "0.2", "--count", "1"]):
            result = run_cli(netns, *args, wrapper=["setpriv", "--reuid=65534",
                                                    "--regid=65534", "--clear-groups"])
            assert result.returncode == 1, result
            assert "only root read it; run 'sudo python3 -m nfqueue stats'" in result.stderr


def test_watch_counts_add_up_to_the_kernels(netns):
    netns.nfqueue_rule(queue=3, port=5003)
    netns.nfqueue_rule(queue=4, port=5004)
    # While nobody reads, a burst overflows queue 3's 4 KiB socket buffer
    # (user_dropped) and queue 4's room for 4 packets (dropped).
    with nfqueue.Queue(3, netns=netns.path, rcvbuf=4096) as q3, \
            nfqueue.Queue(4, netns=netns.path, rcvbuf=8 << 20, max_len=4) as q4:
        watch = start_cli(netns, "stats", "--watch", "0.3", "--count", "7")
        try:
            wait_for(watch.stdout, r"^time ")
            netns.send_udp(5003, *[b"x" * 200] * 2000)
            netns.send_udp(5004, *[b"x" * 200] * 2000)
            end = time.monotonic() + 1.0
            while time.monotonic() < end:  # verdicts too, for verdicts/s
                for queue in (q3, q4):
                    for packet in queue.recv(timeout=0.05):
                        packet.accept()
            out, err = watch.communicate(timeout=20)
        finally:
            watch.kill()
        stats = {3: q3.stats(), 4: q4.stats()}
    assert watch.returncode == 0, err
    for num, lost in ((3, "user_dropped"), (4, "queue_dropped")):
        rows = [line.split() for line in out.splitlines() if re.match(rf"^\S+ +{num} ", line)]
        assert len(rows) == 7, out
        assert sum(int(r[5]) for r in rows) == stats[num].queue_dropped, out
        assert sum(int(r[6]) for r in rows) == stats[num].user_dropped, out
        assert getattr(stats[num], lost) > 0, (num, stats[num])
        assert any(float(r[2]) > 0 for r in rows) and any(float(r[3]) > 0 for r in rows), out
        assert {r[7] for r in rows} == {own_name()}, out


def test_dump_prints_and_accepts_packets(netns):
    netns.nfqueue_rule(queue=4, port=5004)
    receiver = netns.udp_receiver(5004)
    dump = start_cli(netns, "dump", "4", "--count", "3")
    try:
        wait_for(dump.stderr, "dumping queue 4")
        netns.send_udp(5004, b"one", b"two", b"three")
        out, err = dump.communicate(timeout=20)
    finally:
        dump.kill()
    assert dump.returncode == 0, err
    lines = out.splitlines()
    assert len(lines) == 3, out
    assert all(re.search(r"hook=OUTPUT .* 127\.0\.0\.1:\d+ > 127\.0\.0\.1:5004 UDP$", line)
               for line in lines), out
    assert receiver.expect([b"one", b"two", b"three"]) == [b"one", b"two", b"three"]
    assert "the kernel lost 0 packets of queue 4" in err


def test_dump_reports_losses_as_they_happen(netns):
    netns.nfqueue_rule(queue=5, port=5005)
    dump = start_cli(netns, "dump", "5", "--rcvbuf", "4K")
    try:
        wait_for(dump.stderr, "dumping queue 5")
        netns.send_udp(5005, *[b"x" * 200] * 3000)
        report = wait_for(dump.stderr, r"lost \d+ packets in the last", timeout=10)[-1]
        dump.send_signal(signal.SIGTERM)
        out, err = dump.communicate(timeout=20)
    finally:
        dump.kill()
    assert dump.returncode == 0, err
    assert re.search(r"socket buffer full \(user_dropped\) [1-9]\d*", report), report
    summary = re.search(r"the kernel lost (\d+) packets of queue 5: (\d+) for a full socket "
                        r"buffer \(user_dropped\), (\d+) for a full queue", err)
    assert summary and int(summary.group(2)) > 0, err


def test_bad_arguments_are_usage_errors():
    for args, says in ((["stats", "--count", "2"], "--count goes with --watch"),
                       (["stats", "--watch", "0"], "from 0.1 to 3600"),
                       (["dump", "7", "--rcvbuf", "12Q"], "wants a number of bytes")):
        result = subprocess.run([sys.executable, "-m", "nfqueue", *args], capture_output=True,
                                text=True, env=dict(os.environ, PYTHONPATH=python_path()))
        assert result.returncode == 2 and says in result.stderr, (args, result.stderr)
