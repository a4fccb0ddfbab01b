# SPDX-License-Identifier: GPL-2.0-or-later
"""Bad input and misuse, each refused with its own error code and a
message that says what was wrong: a queue number out of range, a
replacement payload larger than the kernel takes, a verdict on a queue
that was closed, and a borrowed packet used after it expired. Each case
also checks that the refusal cost no packet its fate."""
import pytest

from answers import text
from checks import check_error, check_wording, needs
from scenes import udp_data, udp_scene

EXIT_OPEN = 2  # PROTOCOL.md: the queue could not be configured or opened


def test_queue_number_out_of_range_is_refused(lab):
    """65535 is the largest queue number. 70000 must be refused by the
    library: passed on, the kernel would take it modulo 2^16 and bind
    queue 4464 instead."""
    ns = lab.namespace()
    agent = lab.agent(ns, 70000, ready=False)
    error = agent.wait_error()
    check_error(lab, error, "NFQUEUE_E_INVAL", -22, "nfqueue_queue_open")
    message = text(error, "message")
    assert "70000" in message, f"expected the message to name the number 70000: {message!r}"
    assert agent.wait_exit() == EXIT_OPEN
    assert ns.queues() == {}, "nothing may be bound, not even queue 70000 % 65536"


@needs("plan:set_payload_len")
@pytest.mark.parametrize("size, outcome", [(65531, "ok"), (65532, "NFQUEUE_E_TOOBIG")],
                         ids=["at-limit", "over-limit"])
def test_replacement_payload_over_the_kernel_limit(lab, size, outcome):
    """A netlink attribute holds at most 65535 bytes, 4 of them its header:
    a replacement payload of NFQUEUE_PAYLOAD_MAX (65531) bytes is taken, one
    byte more is NFQUEUE_E_TOOBIG. The refused packet still gets its own
    verdict (accept) and arrives as it was sent. (At the limit, the zeros
    that pad the datagram lie beyond its IP total length, and the
    receiving kernel trims them: it arrives unchanged too.)"""
    scene = udp_scene(lab, plan={"rules": [{"set_payload_len": size}]})
    scene.send(b"sized to fit")
    packet, = scene.agent.packets(1)
    assert packet["set_payload_result"] == outcome, \
        f"expected set_payload_result {outcome!r} for {size} bytes, the agent reported {packet}"
    if outcome == "ok":
        assert "set_payload_message" not in packet, packet
    else:
        message = text(packet, "set_payload_message")
        assert str(size) in message or "65531" in message, \
            f"the message must name the size or the limit: {message!r}"
    assert (packet["verdict"], packet["result"]) == ("accept", "ok")
    # Before any shutdown: its own verdict let it through, not close's default.
    assert scene.receiver.expect([b"sized to fit"]) == [b"sized to fit"]
    assert scene.ns.queues()[1]["pending"] == 0


@needs("option:default-verdict", "retain:after_close")
@pytest.mark.parametrize("default", [pytest.param("accept", marks=needs("verdict:drop")), "drop"])
def test_verdict_after_close_is_refused(lab, default):
    """A retained packet outlives its queue. Closing the queue gives it the
    default verdict; the verdict tried after that is NFQUEUE_E_CLOSED and
    changes nothing. The late verdict is the opposite of the default, so
    the receiver shows which of the two counted."""
    late = "drop" if default == "accept" else "accept"
    scene = udp_scene(lab, "--default-verdict", default,
                      plan={"rules": [{"retain": "after_close", "verdict": late}]})
    scene.send(b"outlives its queue")
    packet, = scene.agent.packets(1)
    assert (packet["verdict"], packet["result"]) == ("after_close", "ok")
    assert scene.receiver.expect([]) == [], "no verdict before the close"
    scene.agent.shutdown()
    verdict, = scene.agent.select(lambda e: e["event"] == "verdict")
    assert (verdict["id"], verdict["verdict"], verdict["result"]) == \
        (packet["id"], late, "NFQUEUE_E_CLOSED"), \
        f"expected the late {late} of packet {packet['id']} refused as NFQUEUE_E_CLOSED: {verdict}"
    check_wording(lab, verdict, "message", "closed")
    expected = [b"outlives its queue"] if default == "accept" else []
    assert scene.receiver.expect(expected) == expected


@needs("mode:{mode}", "option:default-verdict", "plan:index", "retain:expire", "verdict:drop")
@pytest.mark.parametrize("mode", ["run", "dispatch", "pull"])
def test_borrowed_packet_used_after_it_expired(lab, mode):
    """The agent keeps the handle of a packet it neither verdicted nor
    retained and uses it once the packet expired (its callback returned,
    or the next pull came): reading the payload and giving a verdict must
    both fail with NFQUEUE_E_EXPIRED. The packet itself got the default
    verdict (accept) when it expired. The sentinel is sent on its own, so
    it comes in a later batch, where the library may reuse memory: the
    stale handle must not reach it, or the late "drop" would drop it."""
    scene = udp_scene(lab, "--mode", mode, "--default-verdict", "accept",
                      plan={"rules": [{"index": 0, "retain": "expire", "verdict": "drop"}]})
    scene.send(b"let go")
    stale, = scene.agent.packets(1)
    assert (stale["verdict"], stale["result"]) == ("expire", "ok")
    # Expired, so settled: at its callback's end, or as the next pull began.
    assert scene.receiver.expect([b"let go"]) == [b"let go"]
    assert scene.ns.queues()[1]["pending"] == 0
    scene.send(b"sentinel")
    _, sentinel = scene.agent.packets(2)
    assert udp_data(sentinel["payload_hex"]) == b"sentinel"
    assert (sentinel["verdict"], sentinel["result"]) == ("accept", "ok")
    used, = scene.agent.wait_for(lambda e: e["event"] == "expired", what='"expired"')
    assert (used["index"], used["id"], used["verdict"]) == (0, stale["id"], "drop"), \
        f"expected the stale use of packet 0 (id {stale['id']}, drop), got {used}"
    for use in ("payload", "verdict"):
        assert used[f"{use}_result"] == "NFQUEUE_E_EXPIRED", \
            f"expected NFQUEUE_E_EXPIRED for the {use} through the stale handle, got {used}"
        check_wording(lab, used, f"{use}_message", "expired")
    assert sorted(scene.receiver.expect([b"let go", b"sentinel"])) == [b"let go", b"sentinel"]
    scene.agent.shutdown()
