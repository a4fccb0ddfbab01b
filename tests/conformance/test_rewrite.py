# SPDX-License-Identifier: GPL-2.0-or-later
"""A payload rewritten by the agent, with checksums fixed, reaches the
receiver with the new bytes: UDP over IPv4 and IPv6, and TCP.

The receiver's kernel verifies checksums here: the kernel marks a
rewritten packet's checksum as unverified, so a wrong one is dropped.
test_rewrite_with_stale_checksum_is_dropped shows that, so the other
cases prove the checksums right rather than merely unchecked."""
import pytest

import traffic
from checks import needs
from packets import Packet
from scenes import PORT, V4, queue_rule, udp_scene

ORIGINAL = b"greeting: hello, world"
REWRITTEN = b"greeting: HOWDY, world"


def replace_rule(**extra):
    return {"contains": b"hello".hex(),
            "replace": {"from": b"hello".hex(), "to": b"HOWDY".hex()}, **extra}


def check_rewritten(packet):
    got = {k: packet.get(k) for k in ("rewrite_result", "checksum_result", "result")}
    wanted = dict.fromkeys(got, "ok")
    assert got == wanted, f"expected {wanted}, the agent reported {got}"
    rewritten = Packet.from_hex(packet["rewritten_hex"])
    assert b"HOWDY" in rewritten.data
    assert rewritten.ip_header_ok() and rewritten.transport_checksum_ok(), \
        f"the library's checksums do not verify: {rewritten}"


@needs("plan:contains", "plan:replace")
@pytest.mark.parametrize("v6", [False, True], ids=["ipv4", "ipv6"])
def test_udp_rewrite_arrives_with_new_bytes(lab, v6):
    scene = udp_scene(lab, v6=v6, plan={"rules": [replace_rule()]})
    scene.send(ORIGINAL)
    packet, = scene.agent.packets(1)
    assert Packet.from_hex(packet["payload_hex"]).data == ORIGINAL, "the agent saw the original"
    check_rewritten(packet)
    assert scene.receiver.expect([REWRITTEN]) == [REWRITTEN]


@needs("plan:contains", "plan:replace", "plan:fix_checksums")
def test_rewrite_with_stale_checksum_is_dropped(lab):
    """The control: without fixed checksums the receiving kernel drops the
    datagram, and counts it in UDP InCsumErrors."""
    scene = udp_scene(lab, plan={"rules": [replace_rule(fix_checksums=False),
                                           {"verdict": "accept"}]})
    scene.send(ORIGINAL, b"sentinel")
    rewritten, sentinel = scene.agent.packets(2)
    assert rewritten["rewrite_result"] == "ok", rewritten
    assert rewritten.get("checksum_result") is None, \
        f"expected no checksum_result (no fix was asked), the agent reported {rewritten}"
    assert scene.receiver.expect([b"sentinel"]) == [b"sentinel"]
    snmp = scene.ns.read("/proc/net/snmp").splitlines()
    names, values = [line.split() for line in snmp if line.startswith("Udp:")]
    assert int(values[names.index("InCsumErrors")]) == 1


@needs("plan:contains", "plan:replace")
def test_tcp_rewrite_arrives_with_new_bytes(lab):
    """Same-length bytes replaced in one TCP segment's payload: the stream
    the receiver reads carries them, and the connection completes."""
    ns = lab.namespace()
    queue_rule(ns, proto="tcp")
    receiver = lab.tcp_receiver(ns, V4, PORT)
    agent = lab.agent(ns, 1, plan={"rules": [replace_rule()]})
    traffic.tcp_send(ns, V4, PORT, ORIGINAL)
    stream, = receiver.streams(1)
    assert bytes.fromhex(stream["hex"]) == REWRITTEN, \
        f"expected the receiver to read {REWRITTEN!r}, it read {bytes.fromhex(stream['hex'])!r}"
    rewritten = [p for p in agent.all_packets() if "rewrite_result" in p]
    assert len(rewritten) == 1, "exactly one segment carried the bytes"
    check_rewritten(rewritten[0])
    results = [p["result"] for p in agent.all_packets()]
    assert all(r == "ok" for r in results), f"expected every verdict ok, got {results}"
