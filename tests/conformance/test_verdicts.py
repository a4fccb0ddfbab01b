# SPDX-License-Identifier: GPL-2.0-or-later
"""The plain verdicts (accept, drop, repeat, stop) and a mark given with a
verdict, seen by the kernel's own rules and by a receiver."""
import pytest

from answers import integer
from checks import needs
from scenes import PORT, payloads, udp_data, udp_scene


@needs("mode:{mode}")
@pytest.mark.parametrize("mode", ["run", "dispatch", "pull"])
def test_accept_delivers_every_packet(lab, mode):
    """Each consumption style (run loop, dispatch from an event loop, pull
    in batches) sees every packet once, in order, and accepts it."""
    scene = udp_scene(lab, "--mode", mode)
    sent = payloads(5)
    scene.send(*sent)
    packets = scene.agent.packets(5)
    seen = [udp_data(p["payload_hex"]) for p in packets]
    assert seen == sent, f"expected the agent to see {sent} in order, it saw {seen}"
    outcomes = [(p["verdict"], p["result"]) for p in packets]
    assert outcomes == [("accept", "ok")] * 5, f"expected accept/ok for each, got {outcomes}"
    ids = [integer(p, "id", nullable=False) for p in packets]
    assert ids == sorted(set(ids)), f"expected 5 distinct rising ids, got {ids}"
    assert sorted(scene.receiver.expect(sent)) == sorted(sent)
    scene.agent.shutdown()


@needs("plan:index", "verdict:drop")
def test_drop_discards_only_that_packet(lab):
    scene = udp_scene(lab, plan={"rules": [{"index": 0, "verdict": "drop"}]})
    sent = payloads(2)
    scene.send(*sent)
    first, second = scene.agent.packets(2)
    assert (first["verdict"], first["result"]) == ("drop", "ok")
    assert (second["verdict"], second["result"]) == ("accept", "ok")
    # Waiting for the second proves the first had its chance to arrive.
    assert scene.receiver.expect([sent[1]]) == [sent[1]]


@needs("verdict:repeat", "plan:mark")
def test_repeat_sends_the_packet_through_the_hook_again(lab):
    """REPEAT restarts the hook: a rule ahead of the queue rule counts the
    packet on its second pass (ACCEPT would skip it), and the new mark
    keeps it out of the queue that second time."""
    scene = udp_scene(lab, plan={"rules": [{"verdict": "repeat", "mark": 1}]},
                      rule_extra=("-m", "mark", "!", "--mark", "1"))
    # The counting rule must come first: insert it at position 1.
    scene.ns.iptables("-I", "OUTPUT", "1", "-p", "udp", "--dport", str(PORT),
                      "-m", "mark", "--mark", "1")
    scene.send(b"again")
    packet, = scene.agent.packets(1)
    assert (packet["verdict"], packet["result"], packet["set_mark_result"]) == ("repeat", "ok", "ok")
    assert scene.receiver.expect([b"again"]) == [b"again"]
    counted_second_pass, queued = scene.ns.rule_packets("OUTPUT")
    assert (counted_second_pass, queued) == (1, 1)
    assert len(scene.agent.all_packets()) == 1, "the repeated packet must not be queued again"


@needs("plan:index", "verdict:stop")
def test_stop_skips_the_rest_of_the_hook(lab):
    """STOP accepts the packet and skips the rest of the hook, ACCEPT goes
    on with it: queued from the mangle table, a stopped packet passes a
    DROP rule of the later filter table, an accepted one meets it."""
    scene = udp_scene(lab, table="mangle", plan={"rules": [{"index": 0, "verdict": "stop"},
                                                           {"index": 1, "verdict": "accept"}]})
    scene.ns.iptables("-A", "OUTPUT", "-p", "udp", "--dport", str(PORT), "-j", "DROP")
    sent = payloads(2)
    scene.send(*sent)
    stopped, accepted = scene.agent.packets(2)
    assert (stopped["verdict"], stopped["result"]) == ("stop", "ok")
    assert (accepted["verdict"], accepted["result"]) == ("accept", "ok")
    assert scene.receiver.expect([sent[0]]) == [sent[0]]
    assert scene.ns.rule_packets("OUTPUT") == [1], "the accepted packet meets the DROP rule"


@needs("plan:index", "plan:mark")
def test_mark_from_the_verdict_is_matched_by_a_later_rule(lab):
    """The mark set with the verdict is the packet's mark from then on: an
    INPUT rule dropping mark 7 drops the first packet and counts it; the
    second, marked 8, passes."""
    scene = udp_scene(lab, plan={"rules": [{"index": 0, "mark": 7}, {"index": 1, "mark": 8}]})
    scene.ns.iptables("-A", "INPUT", "-p", "udp", "--dport", str(PORT),
                      "-m", "mark", "--mark", "7", "-j", "DROP")
    scene.ns.iptables("-A", "INPUT", "-p", "udp", "--dport", str(PORT), "-m", "mark", "--mark", "8")
    sent = payloads(2)
    scene.send(*sent)
    marked7, marked8 = scene.agent.packets(2)
    got = [marked7["set_mark_result"], marked8["set_mark_result"]]
    assert got == ["ok", "ok"], f"expected set_mark_result ok for both, the agent reported {got}"
    assert scene.receiver.expect([sent[1]]) == [sent[1]]
    assert scene.ns.rule_packets("INPUT") == [1, 1]
