# SPDX-License-Identifier: GPL-2.0-or-later
"""A packet's life after its callback: retained and verdicted later from
another thread, settled by a batch verdict, a second verdict refused, the
default verdict when a packet is let go without one, and what the kernel
does when the agent dies."""
import signal
import time

import pytest

from checks import needs
from scenes import payloads, udp_scene


@needs("plan:group", "plan:index", "retain:later", "verdict:drop")
def test_retained_packets_verdicted_in_reverse_from_another_thread(lab):
    """Three packets retained, then verdicted newest first by another
    thread; the middle one is dropped, so each verdict must reach its own
    packet for the receiver to get exactly the outer two."""
    scene = udp_scene(lab, plan={"group": 3, "rules": [
        {"index": 1, "retain": "later", "verdict": "drop"},
        {"retain": "later", "verdict": "accept"}]})
    sent = payloads(3)
    scene.send(*sent)
    packets = scene.agent.packets(3)
    got = [(p["verdict"], p["result"]) for p in packets]
    assert got == [("later", "ok")] * 3, f"expected later/ok for each, the agent reported {got}"
    verdicts = scene.agent.verdicts(3)
    assert [v["index"] for v in verdicts] == [2, 1, 0], "reverse order of arrival"
    assert [v["id"] for v in verdicts] == [p["id"] for p in reversed(packets)]
    assert [v["verdict"] for v in verdicts] == ["accept", "drop", "accept"]
    got = [(v["result"], v["thread"]) for v in verdicts]
    assert got == [("ok", "other")] * 3, \
        f"expected each verdict ok from another thread, the agent reported {got}"
    assert sorted(scene.receiver.expect([sent[0], sent[2]])) == [sent[0], sent[2]]


@needs("plan:group", "retain:batch", "plan:mark", "plan:second_verdict", "verdict:drop")
def test_batch_verdict_settles_a_group_with_its_mark(lab):
    """One batch verdict (accept, mark 5) for four retained packets: all
    arrive, an INPUT rule counts four packets with mark 5, and a verdict
    for one of them afterwards is refused as a second verdict."""
    scene = udp_scene(lab, plan={"group": 4, "rules": [
        {"retain": "batch", "verdict": "accept", "mark": 5, "second_verdict": "drop"}]})
    scene.ns.iptables("-A", "INPUT", "-p", "udp", "-m", "mark", "--mark", "5")
    sent = payloads(4)
    scene.send(*sent)
    packets = scene.agent.packets(4)
    batch, = scene.agent.batches(1)
    assert batch["result"] == "ok", \
        f"expected result 'ok', the agent reported {batch['result']!r}"
    assert (batch["up_to_id"], batch["count"]) == (packets[-1]["id"], 4)
    assert batch["has_verdict"] == [True] * 4, \
        f"expected has_verdict {[True] * 4!r}, the agent reported {batch['has_verdict']!r}"
    assert batch["second_result"] == "NFQUEUE_E_VERDICT_GIVEN", \
        f"expected second_result 'NFQUEUE_E_VERDICT_GIVEN', the agent reported {batch['second_result']!r}"
    assert sorted(scene.receiver.expect(sent)) == sent
    assert scene.ns.rule_packets("INPUT") == [4]
    assert scene.ns.queues()[1]["pending"] == 0


@needs("plan:second_verdict", "verdict:drop")
def test_second_verdict_is_refused_and_changes_nothing(lab):
    scene = udp_scene(lab, plan={"rules": [{"verdict": "accept", "second_verdict": "drop"}]})
    scene.send(b"once")
    packet, = scene.agent.packets(1)
    assert packet["result"] == "ok", \
        f"expected result 'ok', the agent reported {packet['result']!r}"
    assert packet["second_result"] == "NFQUEUE_E_VERDICT_GIVEN", \
        f"expected second_result 'NFQUEUE_E_VERDICT_GIVEN', the agent reported {packet['second_result']!r}"
    assert scene.receiver.expect([b"once"]) == [b"once"]


@needs("option:default-verdict", "retain:hold")
@pytest.mark.parametrize("default", ["accept", "drop"])
def test_close_gives_pending_packets_the_default_verdict(lab, default):
    """Packets held without a verdict when the agent closes its queue get
    the configured default verdict from close."""
    scene = udp_scene(lab, "--default-verdict", default, plan={"rules": [{"retain": "hold"}]})
    sent = payloads(2)
    scene.send(*sent)
    scene.agent.packets(2)
    assert scene.receiver.expect([]) == [], "held packets stay in the kernel"
    assert scene.ns.queues()[1]["pending"] == 2
    scene.agent.shutdown()
    expected = sent if default == "accept" else []
    assert sorted(scene.receiver.expect(expected)) == expected


@needs("option:default-verdict", "option:batch-size", "plan:index", "plan:delay_ms", "verdict:drop")
@pytest.mark.parametrize("default", ["accept", "drop"])
def test_close_gives_unread_packets_the_default_verdict(lab, default):
    """Packets the kernel queued but the agent never read are pending too:
    close gives them the default verdict, where unbinding alone would make
    the kernel drop them. The agent reads one packet at a time and sleeps
    in the first callback, so the other two are still unread at SIGTERM;
    had it read them, the plan's opposite verdict would show."""
    opposite = "drop" if default == "accept" else "accept"
    scene = udp_scene(lab, "--default-verdict", default, "--batch-size", "1", plan={"rules": [
        {"index": 0, "delay_ms": 1500, "verdict": "accept"},
        {"verdict": opposite}]})
    sent = payloads(3)
    scene.send(*sent)
    time.sleep(0.5)  # the agent is asleep in the first packet's callback
    assert scene.ns.queues()[1]["pending"] == 3
    scene.agent.shutdown()
    assert len(scene.agent.all_packets()) == 1, "the agent read past the first packet"
    expected = sent if default == "accept" else sent[:1]
    assert sorted(scene.receiver.expect(expected)) == expected
    assert 1 not in scene.ns.queues()


def let_go_scene(lab, default, rule):
    scene = udp_scene(lab, *rule.pop("options", ()), "--default-verdict", default,
                      plan={"rules": [rule]})
    scene.send(b"let go", b"sentinel")
    let_go, _ = scene.agent.packets(2)
    assert let_go["result"] == "ok", \
        f"expected result 'ok', the agent reported {let_go['result']!r}"
    expected = [b"let go", b"sentinel"] if default == "accept" else [b"sentinel"]
    assert sorted(scene.receiver.expect(expected)) == sorted(expected)
    assert scene.ns.queues()[1]["pending"] == 0, "nothing may be left pending"


@needs("mode:{mode}", "option:default-verdict", "plan:index", "verdict:none")
@pytest.mark.parametrize("default", ["accept", "drop"])
@pytest.mark.parametrize("mode", ["run", "dispatch", "pull"])
def test_packet_expiring_without_verdict_gets_the_default(lab, mode, default):
    """A packet handed out and neither verdicted nor retained expires (at
    the end of its callback, or at the next pull) with the default
    verdict, while the queue stays open."""
    let_go_scene(lab, default, {"index": 0, "verdict": "none", "options": ("--mode", mode)})


@needs("option:default-verdict", "plan:index", "retain:free")
@pytest.mark.parametrize("default", ["accept", "drop"])
def test_retained_packet_freed_without_verdict_gets_the_default(lab, default):
    let_go_scene(lab, default, {"index": 0, "retain": "free"})


@needs("retain:hold")
def test_killed_agent_leaves_nothing_behind(lab):
    """SIGKILL with packets pending: the kernel unbinds the queue when the
    socket goes and drops what was pending; the receiver gets nothing."""
    scene = udp_scene(lab, plan={"rules": [{"retain": "hold"}]})
    scene.send(*payloads(2))
    got = [(p["verdict"], p["result"]) for p in scene.agent.packets(2)]
    assert got == [("hold", "ok")] * 2, f"expected hold/ok for both, the agent reported {got}"
    assert scene.ns.queues()[1]["pending"] == 2
    scene.agent.signal(signal.SIGKILL)
    assert scene.agent.wait_exit() == -signal.SIGKILL
    assert 1 not in scene.ns.queues(), "the queue must disappear with its socket"
    assert scene.receiver.expect([], grace=0.5) == []


@pytest.mark.parametrize("bypass", [False, True], ids=["plain", "queue-bypass"])
def test_closed_queue_leaves_no_program_bound(lab, bypass):
    """After the agent closes its queue nobody is bound: the kernel drops
    what the rule queues, unless the rule has --queue-bypass."""
    scene = udp_scene(lab, rule_extra=("--queue-bypass",) if bypass else ())
    scene.agent.shutdown()
    assert 1 not in scene.ns.queues(), "close must unbind the queue"
    scene.send(b"nobody home")
    expected = [b"nobody home"] if bypass else []
    assert scene.receiver.expect(expected, grace=0.5) == expected
