"""Queue configuration: copy mode and range, whole large packets, GSO,
queue length and fail-open, the conntrack flag, a busy queue, and a queue
opened inside another namespace."""
import pytest

import kernel
import traffic
from packets import Packet
from scenes import PORT, V4, payloads, queue_rule, udp_scene

SKB_GSO = 1 << 1


def test_copy_meta_reports_no_payload(lab):
    scene = udp_scene(lab, "--copy-mode", "meta")
    data = b"m" * 100
    scene.send(data)
    packet, = scene.agent.packets(1)
    assert packet["payload_len"] is None and packet["payload_hex"] is None
    # The kernel sends the original length (NFQA_CAP_LEN) only with copy
    # mode packet: without it the length is unknown, reported as absent.
    assert packet["orig_len"] is None
    assert scene.receiver.expect([data]) == [data], "the packet itself is whole"


def test_short_copy_range_truncates_the_copy_only(lab):
    scene = udp_scene(lab, "--copy-range", "40")
    data = traffic.pattern(100)
    scene.send(data)
    packet, = scene.agent.packets(1)
    assert packet["payload_len"] == 40
    assert packet["orig_len"] == 128
    copy = bytes.fromhex(packet["payload_hex"])
    assert copy[28:] == data[:12], "the first 40 bytes of the packet"
    assert Packet(copy).total_len == 128
    assert scene.receiver.expect([data]) == [data]


def test_60k_datagram_arrives_whole(lab):
    """Loopback's MTU (65536) lets a 60 KiB datagram travel unfragmented;
    the agent must get all of it, and the receiver too."""
    size = 60 * 1024
    scene = udp_scene(lab, "--payload-hex-max", "70000")
    scene.send(size=size)
    packet, = scene.agent.packets(1)
    assert packet["orig_len"] == packet["payload_len"] == 20 + 8 + size
    assert Packet.from_hex(packet["payload_hex"]).data == traffic.pattern(size)
    assert scene.receiver.expect([traffic.pattern(size)]) == [traffic.pattern(size)]


def gso_scene(lab, *options):
    """TCP over loopback with a 1500-byte MTU: TCP builds segments larger
    than the MTU (GSO) and the device would split them."""
    ns = lab.namespace()
    ns.ip("link", "set", "lo", "mtu", "1500")
    queue_rule(ns, proto="tcp")
    receiver = lab.tcp_receiver(ns, V4, PORT)
    agent = lab.agent(ns, 1, "--payload-hex-max", "0", *options)
    return ns, agent, receiver


def test_gso_flag_delivers_segments_larger_than_the_mtu(lab):
    ns, agent, receiver = gso_scene(lab, "--flags", "gso")
    size = 512 * 1024
    traffic.tcp_send(ns, V4, PORT, size=size)
    stream, = receiver.streams(1)
    assert (stream["len"], stream["sha256"]) == (size, traffic.sha256(traffic.pattern(size)))
    big = [p for p in agent.all_packets() if p["payload_len"] > 1500]
    assert big, "no packet larger than the MTU reached the agent"
    assert all(p["skbinfo"] is not None and p["skbinfo"] & SKB_GSO for p in big), big[0]
    assert all(p["orig_len"] == p["payload_len"] for p in big)


def test_without_gso_flag_the_kernel_segments_first(lab):
    ns, agent, receiver = gso_scene(lab)
    size = 256 * 1024
    traffic.tcp_send(ns, V4, PORT, size=size)
    stream, = receiver.streams(1)
    assert (stream["len"], stream["sha256"]) == (size, traffic.sha256(traffic.pattern(size)))
    packets = agent.all_packets()
    assert len(packets) > size // 1500
    assert max(p["payload_len"] for p in packets) <= 1500
    assert not any(p["skbinfo"] and p["skbinfo"] & SKB_GSO for p in packets)


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
        assert packet["ct_info"] == 2, "IP_CT_NEW for the first packet of a flow"
        assert packet["ct_id"] is not None and packet["ct_status"] is not None
        assert receiver.expect([b"new flow"]) == [b"new flow"]
    else:
        agent = lab.agent(ns, 1, "--flags", "conntrack", ready=False)
        error = agent.wait_error()
        assert (error["name"], error["code"], error["call"]) == \
            ("NFQUEUE_E_NOTSUP", -95, "nfqueue_queue_open")
        assert "CONNTRACK" in error["message"].upper(), error["message"]
        assert agent.wait_exit() != 0
        assert 1 not in ns.queues(), "a refused flag must leave no queue bound"


def test_busy_queue_is_a_clear_error(lab):
    scene = udp_scene(lab)
    second = lab.agent(scene.ns, 1, ready=False)
    error = second.wait_error()
    assert (error["name"], error["code"], error["call"]) == \
        ("NFQUEUE_E_BUSY", -16, "nfqueue_queue_open")
    assert error["message"], "a message that says what to do"
    assert second.wait_exit() != 0
    scene.send(b"still served")
    scene.agent.packets(1)
    assert scene.receiver.expect([b"still served"]) == [b"still served"]


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


def test_invalid_configuration_is_refused(lab):
    ns = lab.namespace()
    agent = lab.agent(ns, 1, "--max-len", "0", ready=False)
    error = agent.wait_error()
    assert (error["name"], error["code"]) == ("NFQUEUE_E_INVAL", -22)
    assert agent.wait_exit() != 0


@pytest.mark.parametrize("no_enobufs", [False, True], ids=["enobufs", "no-enobufs"])
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
    scene.agent.wait_for(lambda e: e["event"] == "packet" and
                         e["payload_hex"].endswith(b"after the flood".hex()), what="the sentinel")
    assert b"after the flood" in scene.receiver.expect([])
    closed = scene.agent.shutdown()
    if no_enobufs:
        assert closed["enobufs"] == 0
    else:
        assert closed["enobufs"] >= 1
