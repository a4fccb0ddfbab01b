# SPDX-License-Identifier: GPL-2.0-or-later
"""Queue configuration: copy mode and range, whole large packets, GSO,
queue length and fail-open, the conntrack flag, a busy queue, and a queue
opened inside another namespace."""
import pytest

import kernel
import traffic
from answers import integer
from checks import check_error, check_wording, needs
from packets import Packet
from scenes import PORT, V4, payloads, queue_rule, udp_scene

SKB_GSO = 1 << 1


@needs("option:copy-mode")
def test_copy_meta_reports_no_payload(lab):
    scene = udp_scene(lab, "--copy-mode", "meta")
    data = b"m" * 100
    scene.send(data)
    packet, = scene.agent.packets(1)
    assert (packet["payload_len"], packet["payload_hex"]) == (None, None), \
        f"expected no payload (null, null) in copy mode meta, the agent reported {packet}"
    # The kernel sends the original length (NFQA_CAP_LEN) only with copy
    # mode packet: without it the length is unknown, reported as absent.
    if lab.supports("attribute:orig_len"):
        assert packet["orig_len"] is None, f"expected orig_len null, got {packet['orig_len']!r}"
    got = (packet["verdict"], packet["result"])
    assert got == ("accept", "ok"), f"expected accept/ok, the agent reported {got}"
    assert scene.receiver.expect([data]) == [data], "the packet itself is whole"


@needs("option:copy-range", "attribute:orig_len")
def test_short_copy_range_truncates_the_copy_only(lab):
    scene = udp_scene(lab, "--copy-range", "40")
    data = traffic.pattern(100)
    scene.send(data)
    packet, = scene.agent.packets(1)
    assert (packet["payload_len"], packet["orig_len"]) == (40, 128), \
        f"expected payload_len 40 of orig_len 128, the agent reported {packet}"
    copy = Packet.from_hex(packet["payload_hex"]).raw
    assert copy[28:] == data[:12], "the first 40 bytes of the packet"
    assert Packet(copy).total_len == 128
    assert scene.receiver.expect([data]) == [data]


@needs("option:payload-hex-max")
def test_60k_datagram_arrives_whole(lab):
    """Loopback's MTU (65536) lets a 60 KiB datagram travel unfragmented;
    the agent must get all of it, and the receiver too."""
    size = 60 * 1024
    scene = udp_scene(lab, "--payload-hex-max", "70000")
    scene.send(size=size)
    packet, = scene.agent.packets(1)
    assert packet["payload_len"] == 20 + 8 + size, \
        f"expected payload_len {20 + 8 + size}, got {packet['payload_len']!r}"
    if lab.supports("attribute:orig_len"):
        assert packet["orig_len"] == 20 + 8 + size, f"expected orig_len {20 + 8 + size}: {packet}"
    assert Packet.from_hex(packet["payload_hex"]).data == traffic.pattern(size), \
        "expected the whole 60 KiB pattern in payload_hex"
    assert scene.receiver.expect([traffic.pattern(size)]) == [traffic.pattern(size)]


def gso_scene(lab, *options):
    """TCP over loopback with a 1500-byte MTU: TCP builds segments larger
    than the MTU (GSO) and the device would split them."""
    ns = lab.namespace()
    ns.ip("link", "set", "lo", "mtu", "1500")
    queue_rule(ns, proto="tcp")
    receiver = lab.tcp_receiver(ns, V4, PORT)
    agent = lab.agent(ns, 1, *options)
    return ns, agent, receiver


@needs("flag:gso", "attribute:skbinfo")
def test_gso_flag_delivers_segments_larger_than_the_mtu(lab):
    ns, agent, receiver = gso_scene(lab, "--flags", "gso")
    size = 512 * 1024
    traffic.tcp_send(ns, V4, PORT, size=size)
    stream, = receiver.streams(1)
    assert (stream["len"], stream["sha256"]) == (size, traffic.sha256(traffic.pattern(size)))
    big = [p for p in agent.all_packets() if (integer(p, "payload_len") or 0) > 1500]
    assert big, "expected packets larger than the MTU (1500) at the agent, none came"
    not_gso = [p for p in big if not (integer(p, "skbinfo") or 0) & SKB_GSO]
    assert not not_gso, f"expected skbinfo with SKB_GSO on every big packet, got {not_gso[0]}"
    if lab.supports("attribute:orig_len"):
        short = [p for p in big if p["orig_len"] != p["payload_len"]]
        assert not short, f"expected orig_len == payload_len, got {short[0]}"


def test_without_gso_flag_the_kernel_segments_first(lab):
    ns, agent, receiver = gso_scene(lab)
    size = 256 * 1024
    traffic.tcp_send(ns, V4, PORT, size=size)
    stream, = receiver.streams(1)
    assert (stream["len"], stream["sha256"]) == (size, traffic.sha256(traffic.pattern(size)))
    packets = agent.all_packets()
    assert len(packets) > size // 1500, f"expected over {size // 1500} segments, got {len(packets)}"
    failed = [p["result"] for p in packets if p["result"] != "ok"]
    assert not failed, f"expected every verdict ok, the first others: {failed[:5]}"
    largest = max(integer(p, "payload_len") or 0 for p in packets)
    assert largest <= 1500, f"expected no packet over the MTU (1500), got one of {largest}"
    if lab.supports("attribute:skbinfo"):
        gso = [p for p in packets if (integer(p, "skbinfo") or 0) & SKB_GSO]
        assert not gso, f"expected no SKB_GSO without the flag, got {gso[0]}"


@needs("option:max-len", "retain:hold")
def test_queue_full_drops_without_fail_open(lab):
    """Queue length 1, and the agent holds the first packet: the kernel
    drops the next ones and counts them. Closing the queue then gives the
    held packet the default verdict (accept)."""
    scene = udp_scene(lab, "--max-len", "1", plan={"rules": [{"retain": "hold"}]})
    sent = payloads(4)
    scene.send(*sent)
    held, = scene.agent.packets(1)
    assert (held["verdict"], held["result"]) == ("hold", "ok")
    assert scene.receiver.expect([]) == []
    table = scene.ns.queues()[1]
    assert (table["pending"], table["dropped"]) == (1, 3)
    assert len(scene.agent.all_packets()) == 1
    scene.agent.shutdown()
    assert scene.receiver.expect([sent[0]]) == [sent[0]]


@needs("option:max-len", "flag:fail-open", "retain:hold")
def test_queue_full_accepts_with_fail_open(lab):
    scene = udp_scene(lab, "--max-len", "1", "--flags", "fail-open",
                      plan={"rules": [{"retain": "hold"}]})
    sent = payloads(4)
    scene.send(*sent)
    scene.agent.packets(1)
    assert sorted(scene.receiver.expect(sent[1:])) == sent[1:], "passed while the queue was full"
    table = scene.ns.queues()[1]
    assert (table["pending"], table["dropped"]) == (1, 0)
    assert len(scene.agent.all_packets()) == 1
    scene.agent.shutdown()
    assert sorted(scene.receiver.expect(sent)) == sent


@needs("flag:conntrack", "attribute:ct")
def test_conntrack_flag(lab):
    """Where the kernel has CONFIG_NETFILTER_NETLINK_GLUE_CT the agent
    reports the conntrack state of a new flow; where it lacks it, opening
    the queue fails with NFQUEUE_E_NOTSUP and a message naming the flag.
    Which one applies is decided from the kernel, not from the agent."""
    ns = lab.namespace()
    queue_rule(ns)
    # A conntrack match makes the namespace track connections at all.
    ns.iptables("-A", "OUTPUT", "-m", "conntrack", "--ctstate", "NEW,ESTABLISHED")
    receiver = lab.udp_receiver(ns, V4, PORT)
    if kernel.conntrack_flag_supported(ns):
        agent = lab.agent(ns, 1, "--flags", "conntrack")
        traffic.udp_send(ns, V4, PORT, b"new flow")
        packet, = agent.packets(1)
        assert packet["ct_info"] == 2, \
            f"expected ct_info 2 (IP_CT_NEW) for a flow's first packet, got {packet['ct_info']!r}"
        assert integer(packet, "ct_id") is not None and integer(packet, "ct_status") is not None, \
            f"expected ct_id and ct_status, the agent reported {packet}"
        assert receiver.expect([b"new flow"]) == [b"new flow"]
    else:
        agent = lab.agent(ns, 1, "--flags", "conntrack", ready=False)
        error = agent.wait_error()
        check_error(lab, error, "NFQUEUE_E_NOTSUP", -95, "nfqueue_queue_open")
        check_wording(lab, error, "message", "conntrack")
        assert agent.wait_exit() != 0
        assert 1 not in ns.queues(), "a refused flag must leave no queue bound"


def test_busy_queue_is_a_clear_error(lab):
    scene = udp_scene(lab)
    second = lab.agent(scene.ns, 1, ready=False)
    error = second.wait_error()
    check_error(lab, error, "NFQUEUE_E_BUSY", -16, "nfqueue_queue_open")
    check_wording(lab, error, "message", "")
    assert second.wait_exit() != 0
    scene.send(b"still served")
    scene.agent.packets(1)
    assert scene.receiver.expect([b"still served"]) == [b"still served"]


@needs("option:netns", "attribute:outdev", "attribute:ifnames")
def test_queue_opened_in_another_namespace(lab):
    """The agent runs in namespace A and opens its queue in B (by path):
    B's traffic reaches it, names resolve in B, and A has no queue."""
    home, away = lab.namespace(), lab.namespace()
    queue_rule(away)
    receiver = lab.udp_receiver(away, V4, PORT)
    agent = lab.agent(home, 1, "--netns", away.path)
    traffic.udp_send(away, V4, PORT, b"from B")
    packet, = agent.packets(1)
    assert (packet["outdev"], packet["outdev_name"]) == (away.link_info("lo")[0], "lo")
    assert receiver.expect([b"from B"]) == [b"from B"]
    assert 1 in away.queues() and 1 not in home.queues()


@needs("option:max-len")
def test_invalid_configuration_is_refused(lab):
    ns = lab.namespace()
    agent = lab.agent(ns, 1, "--max-len", "0", ready=False)
    error = agent.wait_error()
    check_error(lab, error, "NFQUEUE_E_INVAL", -22)
    assert agent.wait_exit() != 0


@needs("option:rcvbuf", "plan:index", "plan:delay_ms", "report:enobufs")
@pytest.mark.parametrize("no_enobufs", [False, pytest.param(True, marks=needs("option:no-enobufs"))],
                         ids=["enobufs", "no-enobufs"])
def test_small_receive_buffer_overflows_and_is_reported(lab, no_enobufs):
    """A tiny socket buffer and a consumer asleep on the first packet: the
    kernel cannot deliver the flood and counts it (user_dropped). The
    agent goes on afterwards; it is told of the loss (ENOBUFS) unless
    NETLINK_NO_ENOBUFS was set."""
    options = ["--rcvbuf", "4096"] + (["--no-enobufs"] if no_enobufs else [])
    scene = udp_scene(lab, *options, plan={"rules": [{"index": 0, "delay_ms": 400}]})
    scene.send(*[bytes(1000) for _ in range(40)])
    scene.agent.packets(1, timeout=5)
    scene.agent.settle(0.3)
    assert scene.ns.queues()[1]["user_dropped"] > 0, "the flood must overflow the buffer"
    scene.send(b"after the flood")
    sentinel = b"after the flood".hex()
    scene.agent.wait_for(lambda e: e["event"] == "packet" and isinstance(e.get("payload_hex"), str)
                         and e["payload_hex"].endswith(sentinel), what="the sentinel")
    assert b"after the flood" in scene.receiver.expect([])
    closed = scene.agent.shutdown()
    enobufs = integer(closed, "enobufs", nullable=False)
    if no_enobufs:
        assert enobufs == 0, f"expected no ENOBUFS with --no-enobufs, the agent counted {enobufs}"
    else:
        assert enobufs >= 1, f"expected the loss reported (ENOBUFS >= 1), the agent counted {enobufs}"
