# SPDX-License-Identifier: GPL-2.0-or-later
"""The README's Python examples run as written: each is started unchanged
inside a namespace whose UDP traffic goes to queue 1, judges real packets,
and ends cleanly on Ctrl+C (SIGINT)."""
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO, python_path

PORT = 5401
SENT = [b"hello", b"drop me", b"later"]

# What the receiver gets while each example runs, and once it has ended.
EXPECTED = {
    "callback": ([b"hello", b"later"], []),
    "iterator": ([b"hello", b"DROP ME"], [b"later"]),
    "asyncio": ([b"hello", b"later"], []),
    "batch": ([b"hello", b"later"], []),
    "drop-in": ([b"hello", b"drop me", b"later"], []),
}


def python_examples():
    """The ```python blocks of the README's "## Python" section, in order."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_the_readme_has_the_five_examples():
    examples = python_examples()
    assert len(examples) == len(EXPECTED)
    assert "queue.run(" in examples[0] and "for packet in queue" in examples[1]
    assert "queue.packets()" in examples[2] and "verdict_packets(" in examples[3]
    assert "NetfilterQueue()" in examples[4]


def wait_bound(netns, queue, process, timeout=10.0):
    deadline = time.monotonic() + timeout
    while queue not in netns.queues():
        if process.poll() is not None or time.monotonic() > deadline:
            out, err = process.communicate(timeout=5)
            pytest.fail(f"the example did not bind queue {queue}:\n{out}\n{err}")
        time.sleep(0.05)


@pytest.mark.parametrize("index, name", list(enumerate(EXPECTED)))
def test_readme_example_runs(netns, index, name):
    code = python_examples()[index]
    netns.nfqueue_rule(queue=1, port=PORT)
    receiver = netns.udp_receiver(PORT)
    env = dict(os.environ, PYTHONPATH=python_path())
    example = subprocess.Popen(netns.argv([sys.executable, "-c", code]), env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_bound(netns, 1, example)
        during, after = EXPECTED[name]
        netns.send_udp(PORT, *SENT)
        assert receiver.expect(during) == during
        example.send_signal(signal.SIGINT)
        out, err = example.communicate(timeout=10)
    finally:
        if example.poll() is None:
            example.kill()
            example.wait()
    assert example.returncode == 0, f"exit {example.returncode}:\n{out}\n{err}"
    assert receiver.expect(during + after) == during + after
    if name == "iterator":
        assert len(out.splitlines()) == 3 and "OUTPUT lo" in out, out
    if name == "drop-in":
        assert out.splitlines()[:3] == ["UDP packet, 33 bytes", "UDP packet, 35 bytes",
                                        "UDP packet, 33 bytes"], out
