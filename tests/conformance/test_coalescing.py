# SPDX-License-Identifier: GPL-2.0-or-later
"""Verdicts reach the kernel while no further packet arrives.

The library may collect the verdicts of a batch and send them together
(coalescing), but it must send them before it waits for more packets or
hands control back: a verdict that waited for the next packet would hold
a lone packet, or the last of a burst, for as long as the traffic pauses.
Each case sends its packets and then nothing, and requires every verdict
in the kernel within a second."""
import time

import pytest

from checks import needs
from scenes import PRIMER, QUEUE, send_behind_primer, udp_scene, wait_pending

WITHIN = 1.0


def delivered_within(scene, wanted, seconds=WITHIN):
    """Wait for the datagrams `wanted` for `seconds` at most, and fail with
    what the receiver and the agent reported if they do not all come."""
    started = time.monotonic()
    try:
        scene.receiver.wait_datagrams(len(wanted), timeout=seconds)
    except AssertionError:
        got = scene.receiver.datagrams()
        raise AssertionError(
            f"expected {len(wanted)} datagram(s) {wanted} within {seconds} s with no further "
            f"traffic, the receiver got {got}; the kernel holds "
            f"{scene.ns.queues().get(QUEUE, {}).get('pending')} packet(s)\n"
            f"{scene.agent.describe()}") from None
    return time.monotonic() - started


def settled_within(scene, seconds=WITHIN):
    pending = wait_pending(scene.ns, QUEUE, 0, seconds)
    assert pending == 0, (f"expected every verdict in the kernel within {seconds} s with no "
                          f"further traffic, it still holds {pending} packet(s)\n"
                          f"{scene.agent.describe()}")


@needs("mode:{mode}")
@pytest.mark.parametrize("mode", ["run", "dispatch", "pull"])
def test_lone_packet_is_delivered_without_further_traffic(lab, mode):
    """Exactly one packet, then nothing: its verdict, given in the callback
    (run, dispatch) or on the pulled packet, must not wait for a second one."""
    scene = udp_scene(lab, "--mode", mode)
    scene.agent.wait_asleep()
    scene.send(b"alone")
    delivered_within(scene, [b"alone"])
    packet, = scene.agent.packets(1)
    assert (packet["verdict"], packet["result"]) == ("accept", "ok"), packet
    settled_within(scene)
    scene.agent.shutdown()


@needs("mode:{mode}", "option:batch-size", "plan:index", "plan:delay_ms", "plan:contains",
       "verdict:drop")
@pytest.mark.parametrize("mode", ["run", "dispatch", "pull"])
def test_last_verdicts_of_a_burst_are_sent_without_further_traffic(lab, mode):
    """A burst handled as one batch, accepted and dropped in turn, then
    nothing: the accepted ones arrive and the dropped ones leave the kernel
    within the second, the last of the batch included."""
    scene = udp_scene(lab, "--mode", mode, "--batch-size", "16", plan={"rules": [
        PRIMER, {"contains": b"drop".hex(), "verdict": "drop"}]})
    burst = [b"keep-1", b"drop-2", b"keep-3", b"drop-4", b"keep-5", b"drop-6"]
    send_behind_primer(scene, *burst)
    kept = [b"primer"] + [p for p in burst if p.startswith(b"keep")]
    delivered_within(scene, kept, seconds=WITHIN + scene_primer_seconds())
    settled_within(scene)
    packets = scene.agent.packets(1 + len(burst))
    assert all(p["result"] == "ok" for p in packets), [p["result"] for p in packets]
    got = sorted(scene.receiver.expect([]))
    assert got == sorted(kept), f"expected exactly {sorted(kept)}, the receiver got {got}"
    scene.agent.shutdown()


@needs("mode:{mode}", "option:batch-size", "plan:index", "plan:delay_ms", "plan:contains",
       "retain:hold")
@pytest.mark.parametrize("mode", ["run", "dispatch", "pull"])
def test_verdicts_go_out_while_a_packet_of_the_batch_is_held(lab, mode):
    """In one batch, two packets are accepted and one is retained without a
    verdict (held until the agent exits): the batch is never complete, so
    the two verdicts must go out when the library waits again, not when the
    held packet is settled."""
    scene = udp_scene(lab, "--mode", mode, "--batch-size", "16", plan={"rules": [
        PRIMER, {"contains": b"held".hex(), "retain": "hold"}]})
    send_behind_primer(scene, b"first", b"held", b"last")
    delivered_within(scene, [b"primer", b"first", b"last"],
                     seconds=WITHIN + scene_primer_seconds())
    pending = wait_pending(scene.ns, QUEUE, 1, WITHIN)
    assert pending == 1, f"expected only the held packet in the kernel, it holds {pending}"
    got = sorted(scene.receiver.expect([]))
    assert got == sorted([b"primer", b"first", b"last"]), f"the held packet must wait, got {got}"
    scene.agent.shutdown()
    got = sorted(scene.receiver.expect([b"primer", b"first", b"last", b"held"]))
    assert b"held" in got, f"close gives the held packet the default (accept), got {got}"


def scene_primer_seconds():
    """How long the primer keeps the agent busy before the batch behind it."""
    return PRIMER["delay_ms"] / 1000
