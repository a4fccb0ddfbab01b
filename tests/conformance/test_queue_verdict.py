# SPDX-License-Identifier: GPL-2.0-or-later
"""The queue verdict: a packet sent on to another queue, with and without
bypass when no program is bound to that queue."""
import pytest

from checks import needs
from scenes import payloads, udp_scene


@needs("verdict:queue", "plan:queue_num")
def test_queue_verdict_hands_the_packet_to_a_second_queue(lab):
    scene = udp_scene(lab, plan={"rules": [{"verdict": "queue", "queue_num": 2}]})
    second = lab.agent(scene.ns, 2)
    scene.send(b"pass it on")
    first, = scene.agent.packets(1)
    assert (first["queue"], first["verdict"], first["result"]) == (1, "queue:2", "ok")
    handed, = second.packets(1)
    assert handed["queue"] == 2, \
        f"expected queue {2!r}, the agent reported {handed['queue']!r}"
    assert handed["payload_hex"] == first["payload_hex"], "the same packet, unchanged"
    assert scene.receiver.expect([b"pass it on"]) == [b"pass it on"]
    assert len(scene.agent.all_packets()) == 1, "it does not come back to the first queue"


@needs("plan:index", "verdict:queue", "plan:queue_num")
@pytest.mark.parametrize("bypass", [False, pytest.param(True, marks=needs("plan:bypass"))],
                         ids=["plain", "bypass"])
def test_queue_verdict_to_an_unbound_queue(lab, bypass):
    """No program on queue 7: the packet is dropped, unless the verdict
    carries the bypass flag, which accepts it instead."""
    rule = {"index": 0, "verdict": "queue", "queue_num": 7, **({"bypass": True} if bypass else {})}
    scene = udp_scene(lab, plan={"rules": [rule]})
    sent = payloads(2)
    scene.send(*sent)
    redirected, _ = scene.agent.packets(2)
    assert redirected["verdict"] == "queue:7" + (":bypass" if bypass else ""), \
        f"expected verdict {'queue:7' + (':bypass' if bypass else '')!r}, the agent reported {redirected['verdict']!r}"
    assert redirected["result"] == "ok", \
        f"expected result 'ok', the agent reported {redirected['result']!r}"
    expected = sent if bypass else sent[1:]
    assert sorted(scene.receiver.expect(expected)) == expected
