# SPDX-License-Identifier: GPL-2.0-or-later
"""Per-packet verdicts for a pulled batch in one call (plan member
"verdicts": "together", nfqueue_queue_verdict_packets): each packet its own
verdict, mark and replacement payload, all given at once."""
import pytest

from checks import needs
from packets import Packet
from scenes import PORT, PRIMER, QUEUE, send_behind_primer, udp_scene, wait_pending

EXIT_USAGE = 64

ACCEPTED = b"plain accept"
DROPPED = b"please drop"
MARKED = b"mark me"          # accepted with mark 7, which an INPUT rule then drops
ORIGINAL = b"say hello"
REWRITTEN = b"say HOWDY"
MARK = 7


@needs("mode:pull", "option:batch-size", "plan:verdicts", "plan:index", "plan:delay_ms",
       "plan:contains", "verdict:drop", "plan:mark", "plan:replace")
def test_mixed_verdicts_for_a_pulled_batch_in_one_call(lab):
    """A batch of four: accepted, dropped, accepted with a mark, accepted
    with a rewritten payload. The receiver gets exactly the accepted ones,
    the rewritten one with its new bytes. The mark must travel with its own
    packet: an INPUT rule drops mark 7, so the marked packet alone goes
    missing, and the rule counts it once."""
    scene = udp_scene(lab, "--mode", "pull", "--batch-size", "16", plan={
        "verdicts": "together",
        "rules": [PRIMER,
                  {"contains": b"drop".hex(), "verdict": "drop"},
                  {"contains": b"mark".hex(), "mark": MARK},
                  {"contains": b"hello".hex(),
                   "replace": {"from": b"hello".hex(), "to": b"HOWDY".hex()}}]})
    scene.ns.iptables("-A", "INPUT", "-p", "udp", "--dport", str(PORT),
                      "-m", "mark", "--mark", str(MARK), "-j", "DROP")
    batch = [ACCEPTED, DROPPED, MARKED, ORIGINAL]
    send_behind_primer(scene, *batch)
    packets = scene.agent.packets(1 + len(batch))
    by_data = {Packet.from_hex(p["payload_hex"]).data: p for p in packets}
    assert sorted(by_data) == sorted([b"primer"] + batch), f"the agent saw {sorted(by_data)}"

    calls = scene.agent.wait_for(lambda e: e["event"] == "verdicts", 2, what='"verdicts"')
    wanted = [{"count": 1, "ids": [by_data[b"primer"]["id"]], "result": "ok"},
              {"count": 4, "ids": [by_data[d]["id"] for d in batch], "result": "ok"}]
    got = [{k: c.get(k) for k in ("count", "ids", "result")} for c in calls]
    assert got == wanted, (f"expected one call for the primer's batch and one for the four "
                           f"behind it, {wanted}; the agent reported {calls}")

    verdicts = {d: (by_data[d]["verdict"], by_data[d]["result"]) for d in batch}
    assert verdicts == {ACCEPTED: ("accept", "ok"), DROPPED: ("drop", "ok"),
                        MARKED: ("accept", "ok"), ORIGINAL: ("accept", "ok")}, verdicts
    rewritten = by_data[ORIGINAL]
    assert (rewritten.get("rewrite_result"), rewritten.get("checksum_result")) == ("ok", "ok"), \
        f"expected the replacement found and its checksums fixed, the agent reported {rewritten}"
    new = Packet.from_hex(rewritten["rewritten_hex"])
    assert new.data == REWRITTEN and new.ip_header_ok() and new.transport_checksum_ok(), new

    expected = sorted([b"primer", ACCEPTED, REWRITTEN])
    got = sorted(scene.receiver.expect(expected))
    assert got == expected, (f"expected exactly {expected} (dropped, and marked then dropped by "
                             f"the mark rule, missing), the receiver got {got}")
    assert scene.ns.rule_packets("INPUT") == [1], "the mark rule must match exactly one packet"
    assert wait_pending(scene.ns, QUEUE, 0, 1.0) == 0
    scene.agent.shutdown()


@needs("mode:pull", "option:batch-size", "option:default-verdict", "plan:verdicts",
       "plan:index", "plan:delay_ms", "plan:contains", "verdict:none", "retain:hold")
def test_left_out_packets_keep_their_own_fate(lab):
    """Packets whose rule says "none" or retains them are left out of the
    call: the one without a verdict gets the default (drop) at the next
    pull, the held one waits for the close; only the other two are named in
    the call."""
    scene = udp_scene(lab, "--mode", "pull", "--batch-size", "16", "--default-verdict", "drop",
                      plan={"verdicts": "together", "rules": [
                          PRIMER,
                          {"contains": b"none".hex(), "verdict": "none"},
                          {"contains": b"held".hex(), "retain": "hold"}]})
    send_behind_primer(scene, b"first", b"let none", b"held", b"last")
    packets = scene.agent.packets(5)
    ids = {Packet.from_hex(p["payload_hex"]).data: p["id"] for p in packets}
    calls = scene.agent.wait_for(lambda e: e["event"] == "verdicts", 2, what='"verdicts"')
    assert (calls[1]["ids"], calls[1]["result"]) == ([ids[b"first"], ids[b"last"]], "ok"), \
        f"expected one call naming {[ids[b'first'], ids[b'last']]}, the agent reported {calls}"
    expected = sorted([b"primer", b"first", b"last"])
    got = sorted(scene.receiver.expect(expected))
    assert got == expected, f"expected {expected}, the receiver got {got}"
    assert wait_pending(scene.ns, QUEUE, 1, 1.0) == 1, "only the held packet is left"
    scene.agent.shutdown()
    assert sorted(scene.receiver.expect([])) == expected, "close gives the held one drop"


@needs("mode:{mode}")
@pytest.mark.parametrize("mode", ["run", "dispatch"])
def test_together_outside_pull_mode_is_a_usage_error(lab, mode):
    ns = lab.namespace()
    # Refused by every agent: for the mode, or as a member it does not know.
    agent = lab.agent(ns, 1, "--mode", mode, plan={"verdicts": "together", "rules": []},
                      ready=False, refused=True)
    error = agent.wait_error()
    assert (error["call"], error["name"], error["code"]) == ("usage", "USAGE", 0), \
        f"expected a USAGE error for \"together\" in {mode} mode, the agent reported {error}"
    assert agent.wait_exit() == EXIT_USAGE
