# SPDX-License-Identifier: GPL-2.0-or-later
"""A queue on a netlink socket the application opened itself and handed
to the library (nfqueue_config_set_fd): packets flow and take verdicts
as on the library's own socket, and the socket stays the application's."""
import pytest

from checks import needs
from scenes import payloads, udp_scene


@needs("option:adopt-socket", "mode:{mode}", "plan:index", "verdict:drop")
@pytest.mark.parametrize("mode", ["run", "dispatch"])
def test_adopted_socket_serves_the_queue_and_stays_open(lab, mode):
    """The agent's socket is non-blocking, as an event loop's would be.
    Closing and freeing the queue must leave it open: the agent checks
    with fcntl() before it closes the socket itself."""
    scene = udp_scene(lab, "--adopt-socket", "--mode", mode,
                      plan={"rules": [{"index": 0, "verdict": "drop"}]})
    sent = payloads(2)
    scene.send(*sent)
    dropped, accepted = scene.agent.packets(2)
    assert (dropped["verdict"], dropped["result"]) == ("drop", "ok")
    assert (accepted["verdict"], accepted["result"]) == ("accept", "ok")
    assert scene.receiver.expect([sent[1]]) == [sent[1]]
    assert scene.ns.queues()[1]["pending"] == 0
    closed = scene.agent.shutdown()
    assert closed.get("adopted_fd_open") is True, \
        f"the library closed a socket it did not own: {closed}"
