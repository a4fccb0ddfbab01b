# SPDX-License-Identifier: GPL-2.0-or-later
"""A borrowed handle used many batches after its packet expired ("retain":
"expire" with "late_by"): by then the library has long reused the memory
that held it for newer packets, and the stale handle must still report
NFQUEUE_E_EXPIRED, never read a newer packet's bytes or give it a verdict.

The stale verdict is "drop" and every other packet is accepted, so a
verdict that reached the packet now in that memory would show twice: that
packet's own verdict would be refused (NFQUEUE_E_VERDICT_GIVEN), and the
receiver would miss it."""
import pytest

from checks import check_wording, needs
from scenes import QUEUE, payloads, udp_data, udp_scene, wait_pending


def late_rule(index, late_by):
    return {"index": index, "retain": "expire", "verdict": "drop", "late_by": late_by}


def check_late_uses(lab, scene, stale, late_by, sent):
    """Every packet seen once with its own verdict, each stale handle used
    at the start of packet index + late_by and refused twice, and every
    packet delivered (the expired ones by the default verdict, accept)."""
    agent = scene.agent
    stale = sorted(stale)  # a list: an agent's odd index must not need hashing
    packets = agent.packets(len(sent), timeout=10.0)
    seen = [udp_data(p["payload_hex"]) for p in packets]
    assert seen == sent, f"expected each packet once, in order; the agent saw {seen}"
    wrong = [(p["index"], p["verdict"], p["result"]) for p in packets
             if p["index"] not in stale and (p["verdict"], p["result"]) != ("accept", "ok")]
    assert not wrong, f"expected accept/ok for every packet but the stale ones, got {wrong}"
    uses = agent.wait_for(lambda e: e["event"] == "expired", len(stale), what='"expired"')
    events = agent.select()
    for use in uses:
        index = use["index"]
        assert index in stale, f"an unexpected stale use {use}"
        assert use["id"] == packets[index]["id"], \
            f"expected the stale use of packet {index} with id {packets[index]['id']}, got {use}"
        for what in ("payload", "verdict"):
            assert use[f"{what}_result"] == "NFQUEUE_E_EXPIRED", \
                f"expected NFQUEUE_E_EXPIRED for the {what} through the stale handle, got {use}"
            check_wording(lab, use, f"{what}_message", "expired")
        # Late indeed: after packet index+late_by-1 was handled, before index+late_by was.
        at = events.index(use)
        before = [e["index"] for e in events[:at] if e["event"] == "packet"]
        handled = [i for i in before if isinstance(i, int)]
        last = max(handled) if handled else None
        assert last == index + late_by - 1, \
            (f"expected the handle of packet {index} used at the start of packet "
             f"{index + late_by}, the agent had handled up to {last}")
    got = sorted(scene.receiver.expect(sent))
    assert got == sorted(sent), (f"expected all {len(sent)} packets delivered (a stale verdict "
                                 f"must not drop a newer packet); missing "
                                 f"{sorted(set(sent) - set(got))}")
    assert wait_pending(scene.ns, QUEUE, 0, 1.0) == 0


@needs("mode:{mode}", "option:batch-size", "option:default-verdict", "plan:index",
       "retain:expire", "verdict:drop", "plan:late_by")
@pytest.mark.parametrize("mode", ["run", "pull"])
def test_handle_used_twenty_batches_late(lab, mode):
    """One packet per batch (--batch-size 1): packets 0 and 3 are used 20
    batches after they expired."""
    late_by = 20
    scene = udp_scene(lab, "--mode", mode, "--batch-size", "1", "--default-verdict", "accept",
                      plan={"rules": [late_rule(0, late_by), late_rule(3, late_by)]})
    sent = payloads(30)
    scene.send(*sent)
    check_late_uses(lab, scene, {0, 3}, late_by, sent)
    scene.agent.shutdown()


@needs("mode:{mode}", "option:default-verdict", "option:rcvbuf", "option:payload-hex-max",
       "plan:index", "retain:expire", "verdict:drop", "plan:late_by")
@pytest.mark.parametrize("mode", ["run", "pull"])
def test_handle_used_many_full_batches_late(lab, mode):
    """The default batch size and a burst of 300: the uses 200 packets
    later come at least three batches on, whatever the batches' sizes. The
    receive buffer is set large so the burst itself loses nothing (what the
    default buffer takes is test_tcp_flow.py's concern)."""
    late_by = 200
    scene = udp_scene(lab, "--mode", mode, "--default-verdict", "accept", "--rcvbuf", "8388608",
                      "--payload-hex-max", "64",
                      plan={"rules": [late_rule(0, late_by), late_rule(50, late_by)]})
    sent = payloads(300)
    scene.send(*sent)
    check_late_uses(lab, scene, {0, 50}, late_by, sent)
    scene.agent.shutdown()


@pytest.mark.parametrize("plan", [
    {"rules": [{"late_by": 5}]},
    {"rules": [{"retain": "hold", "late_by": 5}]},
    {"rules": [], "lately": True},
], ids=["without-retain", "with-hold", "unknown-plan-member"])
def test_plan_the_agent_cannot_follow_is_a_usage_error(lab, plan):
    """late_by belongs to "retain": "expire"; an unknown plan member is
    refused, not ignored. Every agent must refuse these plans: one that
    knows late_by sees the misuse, one that does not, a member it does not
    know."""
    ns = lab.namespace()
    agent = lab.agent(ns, 1, plan=plan, ready=False, refused=True)
    error = agent.wait_error()
    assert (error["call"], error["name"]) == ("usage", "USAGE"), \
        f"expected a USAGE error for the plan {plan}, the agent reported {error}"
    assert agent.wait_exit() == 64
