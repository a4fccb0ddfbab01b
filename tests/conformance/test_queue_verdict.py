"""The queue verdict: a packet sent on to another queue, with and without
bypass when no program is bound to that queue."""
import pytest

from scenes import payloads, udp_scene


def test_queue_verdict_hands_the_packet_to_a_second_queue(lab):
    scene = udp_scene(lab, plan={"rules": [{"verdict": "queue", "queue_num": 2}]})
    second = lab.agent(scene.ns, 2, plan={"rules": [{"verdict": "accept", "mark": 3}]})
    scene.send(b"pass it on")
    first, = scene.agent.packets(1)
    assert (first["queue"], first["verdict"], first["result"]) == (1, "queue:2", "ok")
    handed, = second.packets(1)
    assert handed["queue"] == 2
    assert handed["payload_hex"] == first["payload_hex"], "the same packet, unchanged"
    assert scene.receiver.expect([b"pass it on"]) == [b"pass it on"]
    assert len(scene.agent.all_packets()) == 1, "it does not come back to the first queue"


@pytest.mark.parametrize("bypass", [False, True], ids=["plain", "bypass"])
def test_queue_verdict_to_an_unbound_queue(lab, bypass):
    """No program on queue 7: the packet is dropped, unless the verdict
    carries the bypass flag, which accepts it instead."""
    scene = udp_scene(lab, plan={"rules": [
        {"index": 0, "verdict": "queue", "queue_num": 7, "bypass": bypass}]})
    sent = payloads(2)
    scene.send(*sent)
    redirected, _ = scene.agent.packets(2)
    assert redirected["verdict"] == "queue:7" + (":bypass" if bypass else "")
    assert redirected["result"] == "ok"
    expected = sent if bypass else sent[1:]
    assert sorted(scene.receiver.expect(expected)) == expected
