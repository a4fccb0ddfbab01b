# SPDX-License-Identifier: GPL-2.0-or-later
"""A borrow ended early (plan member "release", nfqueue_packet_release):
the packet gets the default verdict at once, not when its callback
returns or the next pull starts, and its handle reports NFQUEUE_E_EXPIRED
from then on."""
import pytest

from checks import needs
from scenes import PRIMER, QUEUE, send_behind_primer, udp_scene, wait_pending

RELEASE = {"release": True, "verdict": "none"}

# The default verdict of a released packet needs no further packet to
# reach the kernel: the library flushes before it waits.
SETTLED_WITHIN = 1.0


def check_released(packet):
    """The outcomes PROTOCOL.md requires of a released packet's event."""
    wanted = {"release_result": "ok", "after_release_result": "NFQUEUE_E_EXPIRED",
              "verdict": "none", "result": "ok"}
    got = {key: packet.get(key) for key in wanted}
    assert got == wanted, f"expected {wanted} for the released packet, the agent reported {packet}"


@needs("mode:{mode}", "option:default-verdict", "plan:index", "plan:release", "verdict:none")
@pytest.mark.parametrize("default", ["accept", "drop"])
@pytest.mark.parametrize("mode", ["run", "dispatch", "pull"])
def test_released_packet_gets_the_default_verdict(lab, mode, default):
    """Released without a verdict, alone: it gets the default verdict, which
    reaches the kernel while no other packet comes, and a read through the
    released handle fails. The sentinel sent afterwards gets its own rule's
    verdict (accept) and arrives, whatever the default."""
    scene = udp_scene(lab, "--mode", mode, "--default-verdict", default,
                      plan={"rules": [{"index": 0, **RELEASE}]})
    scene.send(b"released")
    released, = scene.agent.packets(1)
    check_released(released)
    pending = wait_pending(scene.ns, QUEUE, 0, SETTLED_WITHIN)
    assert pending == 0, (f"expected the released packet's default verdict in the kernel within "
                          f"{SETTLED_WITHIN} s, the kernel still holds {pending} packet(s)\n"
                          f"{scene.agent.describe()}")
    expected = [b"released"] if default == "accept" else []
    got = scene.receiver.expect(expected)
    assert got == expected, f"default {default}: expected {expected} to arrive, got {got}"
    scene.send(b"sentinel")
    _, sentinel = scene.agent.packets(2)
    assert (sentinel["verdict"], sentinel["result"]) == ("accept", "ok"), sentinel
    got = sorted(scene.receiver.expect(expected + [b"sentinel"]))
    assert got == sorted(expected + [b"sentinel"]), f"expected {expected + [b'sentinel']}, got {got}"
    scene.agent.shutdown()


@needs("mode:pull", "option:default-verdict", "plan:index", "plan:delay_ms", "plan:release",
       "verdict:none", "retain:batch")
@pytest.mark.parametrize("default", [pytest.param("accept", marks=needs("verdict:drop")), "drop"])
def test_release_settles_the_packet_before_the_rest_of_its_batch(lab, default):
    """In one pulled batch, packet A is released, then packet B is retained
    and settled with a batch verdict up to B's id (the opposite of the
    default), which the kernel applies to every packet still waiting with
    an id up to B's, A's included. A released at once has its verdict, which
    the library must have sent before the batch verdict ("packets that
    already have a verdict are not touched"): A's fate is the default. A
    release that only took effect at the next pull would leave A to the
    batch verdict. The primer ahead of them, slow to handle, makes the pull
    find A and B waiting together."""
    opposite = "drop" if default == "accept" else "accept"
    scene = udp_scene(lab, "--mode", "pull", "--default-verdict", default, plan={"rules": [
        PRIMER, {"index": 1, **RELEASE}, {"index": 2, "retain": "batch", "verdict": opposite}]})
    send_behind_primer(scene, b"released", b"batched")
    primer, released, batched = scene.agent.packets(3)
    check_released(released)
    batch, = scene.agent.batches(1)
    assert (batch["result"], batch["up_to_id"]) == ("ok", batched["id"]), \
        f"expected a batch verdict up to id {batched['id']}, the agent reported {batch}"
    assert released["id"] < batched["id"], "the batch verdict's range covers the released packet"
    expected = sorted([b"primer", b"released" if default == "accept" else b"batched"])
    got = sorted(scene.receiver.expect(expected))
    assert got == expected, (f"default {default}, batch verdict {opposite}: expected {expected} "
                             f"(the released packet keeps the default), got {got}")
    assert wait_pending(scene.ns, QUEUE, 0, SETTLED_WITHIN) == 0
    scene.agent.shutdown()


@pytest.mark.parametrize("extra", [{"verdict": "accept"}, {"retain": "hold"}, {"mark": 3}],
                         ids=["verdict", "retain", "mark"])
def test_release_beside_another_action_is_a_usage_error(lab, extra):
    """A released packet's fate is the default verdict: a rule that also
    asks for something else is refused rather than half done (by every
    agent: one without "release" refuses the member it does not know)."""
    ns = lab.namespace()
    agent = lab.agent(ns, 1, plan={"rules": [{**RELEASE, **extra}]}, ready=False, refused=True)
    error = agent.wait_error()
    assert (error["call"], error["name"]) == ("usage", "USAGE"), \
        f"expected a USAGE error for release with {extra}, the agent reported {error}"
    assert agent.wait_exit() == 64
