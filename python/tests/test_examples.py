# SPDX-License-Identifier: GPL-2.0-or-later
"""The programs in python/examples run as their docstrings say: each is
started inside a namespace whose UDP traffic goes to queue 1, judges real
packets, and ends cleanly on SIGTERM."""
import os
import signal
import subprocess
import sys

import pytest

from conftest import REPO, python_path
from test_readme import wait_bound

PORT = 5402
EXAMPLES = REPO / "python" / "examples"


def run_example(netns, args, sent, expected):
    netns.nfqueue_rule(queue=1, port=PORT)
    receiver = netns.udp_receiver(PORT)
    env = dict(os.environ, PYTHONPATH=python_path())
    example = subprocess.Popen(netns.argv([sys.executable, str(EXAMPLES / args[0]), *args[1:]]),
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_bound(netns, 1, example)
        netns.send_udp(PORT, *sent)
        got = receiver.expect(expected)
        example.send_signal(signal.SIGTERM)
        out, err = example.communicate(timeout=10)
    finally:
        if example.poll() is None:
            example.kill()
            example.wait()
    assert got == expected, f"the receiver got {got!r}, expected {expected!r}"
    assert example.returncode == 0, f"exit {example.returncode}:\n{out}\n{err}"
    return out


def test_drop_matching_drops_what_holds_the_pattern(netns):
    out = run_example(netns, ["drop_matching.py", "1", "secret"],
                      [b"hello", b"a secret", b"bye"], [b"hello", b"bye"])
    assert out.startswith("accepted 2, dropped 1; lost by the kernel: 0 (socket buffer), "
                          "0 (queue full)"), out


def test_rewrite_replaces_the_bytes_and_fixes_checksums(netns):
    # The receiver's kernel checks the UDP checksum: a wrong one would be dropped.
    run_example(netns, ["rewrite.py", "1", "hello", "HOWDY"],
                [b"hello world", b"other"], [b"HOWDY world", b"other"])


def test_judge_later_accepts_every_packet_from_its_own_task(netns):
    out = run_example(netns, ["judge_later.py", "1", "0.2"],
                      [b"one", b"two", b"three"], [b"one", b"two", b"three"])
    assert out.startswith("stopped with 0 packet(s) still held"), out


@pytest.mark.parametrize("name", ["drop_matching.py", "rewrite.py", "judge_later.py"])
def test_an_example_without_arguments_says_how_to_use_it(name):
    done = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=python_path()), timeout=30)
    assert done.returncode == 1 and "iptables" in done.stderr, done.stderr
