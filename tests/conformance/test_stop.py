# SPDX-License-Identifier: GPL-2.0-or-later
"""Stopping an agent that is blocked in the library waiting for packets
that do not come: SIGTERM's handler asks the queue to stop (an
async-signal-safe call), the wait ends at once, and the agent closes its
queue and exits cleanly."""
import signal
import time

import pytest

from checks import needs
from scenes import udp_scene

# The stop only writes to a pipe the wait watches: it should take
# milliseconds. The bound leaves room for a slow interpreter's exit.
STOP_WITHIN = 1.0


@needs("mode:{mode}")
@pytest.mark.parametrize("mode", ["run", "pull"])
def test_sigterm_ends_a_blocked_wait(lab, mode):
    scene = udp_scene(lab, "--mode", mode)
    # Not just started: every thread asleep, so the signal finds the
    # agent inside the library's blocking wait, not before it.
    scene.agent.wait_asleep()
    started = time.monotonic()
    scene.agent.signal(signal.SIGTERM)
    status = scene.agent.wait_exit(timeout=3 * STOP_WITHIN)
    took = time.monotonic() - started
    assert status == 0, scene.agent.describe()
    assert took < STOP_WITHIN, f"stopping took {took:.2f} s"
    closed = scene.agent.select(lambda e: e["event"] == "closed")
    assert closed and closed[-1]["result"] == "ok", scene.agent.describe()
    assert scene.agent.select()[-1]["event"] == "closed", "closed is the last event"
