# SPDX-License-Identifier: GPL-2.0-or-later
"""What the agent reports about a packet: hook, interfaces, protocol,
owner, security context, for senders and paths the case controls. An attribute the
kernel does not send must be reported as null, never as 0."""
import kernel
from answers import text
from capabilities import ATTRIBUTE_MEMBERS
from checks import check_error, check_wording, needs
from netns import veth
from scenes import PORT, V4, queue_rule, udp_scene
from traffic import udp_send

ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
HOOK_INPUT, HOOK_FORWARD, HOOK_OUTPUT = 1, 2, 3
SENDER_UID, SENDER_GID = 12345, 23456


def assert_absent(lab, packet, *names):
    """Members the kernel cannot have sent must be null; checked for the
    attributes the agent declares (the others it cannot report at all)."""
    for name in names:
        attribute = next(a for a, members in ATTRIBUTE_MEMBERS.items() if name in members)
        if lab.supports(f"attribute:{attribute}"):
            assert packet[name] is None, f"{name} must be null (absent), got {packet[name]!r}"


@needs("flag:uid-gid", "attribute:uid", "attribute:gid", "attribute:outdev", "attribute:ifnames")
def test_local_sender_in_output(lab):
    """A datagram sent on loopback by a known user, queued in OUTPUT with
    the uid/gid flag."""
    scene = udp_scene(lab, "--flags", "uid-gid")
    scene.send(b"who am i", uid=SENDER_UID, gid=SENDER_GID)
    packet, = scene.agent.packets(1)
    lo_index, _ = scene.ns.link_info("lo")
    assert packet["hook"] == HOOK_OUTPUT, \
        f"expected hook {HOOK_OUTPUT!r}, the agent reported {packet['hook']!r}"
    assert packet["hw_protocol"] == ETH_P_IP, \
        f"expected hw_protocol {ETH_P_IP!r}, the agent reported {packet['hw_protocol']!r}"
    assert packet["queue"] == 1, \
        f"expected queue {1!r}, the agent reported {packet['queue']!r}"
    assert (packet["outdev"], packet["outdev_name"]) == (lo_index, "lo")
    assert (packet["uid"], packet["gid"]) == (SENDER_UID, SENDER_GID)
    assert packet["payload_len"] == 20 + 8 + len(b"who am i"), packet
    # Locally generated: no input device, no bridge, no link-layer source,
    # no receive timestamp; no mark was set; conntrack was not asked for.
    assert_absent(lab, packet, "indev", "indev_name", "physindev", "physindev_name",
                  "physoutdev", "physoutdev_name", "hwaddr", "timestamp", "mark",
                  "ct_info", "vlan")
    assert scene.receiver.expect([b"who am i"]) == [b"who am i"]


@needs("attribute:uid", "attribute:gid")
def test_owner_absent_without_the_flag(lab):
    scene = udp_scene(lab)
    scene.send(b"anonymous", uid=SENDER_UID, gid=SENDER_GID)
    packet, = scene.agent.packets(1)
    assert_absent(lab, packet, "uid", "gid")
    got = (packet["verdict"], packet["result"])
    assert got == ("accept", "ok"), f"expected accept/ok, the agent reported {got}"


@needs("flag:secctx", "attribute:secctx")
def test_security_context_flag(lab):
    """NFQUEUE_FLAG_SECCTX needs CONFIG_NETWORK_SECMARK: where the kernel
    lacks it, opening fails with NFQUEUE_E_NOTSUP naming the flag. Which
    applies is decided from the kernel, never from the agent.

    With the flag, the kernel sends a context only for a packet with a
    secmark, which only a labelling security module (SELinux, Smack,
    AppArmor) can give it. Where none is active (securityfs lists the
    active ones) no packet can have one, so secctx must be null: that
    holds on the suite's reference machine. Where one is active, or the
    list cannot be read, the context is up to its policy, and only the
    form is certain: a non-empty string or null."""
    ns = lab.namespace()
    queue_rule(ns)
    receiver = lab.udp_receiver(ns, V4, PORT)
    if not kernel.secctx_flag_supported(ns):
        agent = lab.agent(ns, 1, "--flags", "secctx", ready=False)
        error = agent.wait_error()
        check_error(lab, error, "NFQUEUE_E_NOTSUP", -95, "nfqueue_queue_open")
        check_wording(lab, error, "message", "secctx")
        assert agent.wait_exit() != 0
        assert 1 not in ns.queues(), "a refused flag must leave no queue bound"
        return
    agent = lab.agent(ns, 1, "--flags", "secctx")
    udp_send(ns, V4, PORT, b"labelled?")
    packet, = agent.packets(1)
    lsms = kernel.active_lsms()
    if lsms is not None and not lsms & kernel.SECMARK_LSMS:
        assert packet["secctx"] is None, f"no module can label a packet here ({sorted(lsms)})"
    else:
        secctx = packet["secctx"]
        assert secctx is None or (isinstance(secctx, str) and secctx), repr(secctx)
    assert (packet["verdict"], packet["result"]) == ("accept", "ok")
    assert receiver.expect([b"labelled?"]) == [b"labelled?"]


@needs("attribute:indev", "attribute:ifnames")
def test_local_receiver_in_input(lab):
    scene = udp_scene(lab, chain="INPUT")
    scene.send(b"inbound")
    packet, = scene.agent.packets(1)
    lo_index, _ = scene.ns.link_info("lo")
    assert packet["hook"] == HOOK_INPUT, \
        f"expected hook {HOOK_INPUT!r}, the agent reported {packet['hook']!r}"
    assert (packet["indev"], packet["indev_name"]) == (lo_index, "lo")
    assert_absent(lab, packet, "outdev", "outdev_name", "physindev", "physoutdev")
    assert scene.receiver.expect([b"inbound"]) == [b"inbound"]


@needs("attribute:outdev", "attribute:ifnames")
def test_ipv6(lab):
    scene = udp_scene(lab, v6=True)
    scene.send(b"over v6")
    packet, = scene.agent.packets(1)
    lo_index, _ = scene.ns.link_info("lo")
    assert packet["hw_protocol"] == ETH_P_IPV6, packet
    assert packet["hook"] == HOOK_OUTPUT, packet
    assert text(packet, "payload_hex")[:1] == "6", f"expected an IPv6 header: {packet}"
    assert packet["payload_len"] == 40 + 8 + len(b"over v6"), packet
    assert (packet["outdev"], packet["outdev_name"]) == (lo_index, "lo"), packet
    assert scene.receiver.expect([b"over v6"]) == [b"over v6"]


@needs("attribute:indev", "attribute:outdev", "attribute:physindev", "attribute:physoutdev",
       "attribute:ifnames", "attribute:hwaddr")
def test_bridge_ports_and_hardware_address(lab):
    """Host A and host B on a bridge br0 (ports pa and pb) in a third
    namespace; the bridge's FORWARD hook queues A's datagram to B."""
    host_a, host_b, bridge = lab.namespace(), lab.namespace(), lab.namespace()
    veth(host_a, "eth0", bridge, "pa")
    veth(host_b, "eth0", bridge, "pb")
    bridge.ip("link", "add", "br0", "type", "bridge")
    for port in ("pa", "pb"):
        bridge.ip("link", "set", port, "master", "br0")
    bridge.ip("link", "set", "br0", "up")
    bridge.sysctl("net.bridge.bridge-nf-call-iptables", 1)
    host_a.ip("addr", "add", "10.77.0.1/24", "dev", "eth0")
    host_b.ip("addr", "add", "10.77.0.2/24", "dev", "eth0")
    bridge.iptables("-A", "FORWARD", "-m", "physdev", "--physdev-in", "pa", "-p", "udp",
                    "--dport", str(PORT), "-j", "NFQUEUE", "--queue-num", "1")
    receiver = lab.udp_receiver(host_b, "10.77.0.2", PORT)
    agent = lab.agent(bridge, 1)
    udp_send(host_a, "10.77.0.2", PORT, b"across the bridge")
    packet, = agent.packets(1)
    br0, _ = bridge.link_info("br0")
    pa, _ = bridge.link_info("pa")
    pb, _ = bridge.link_info("pb")
    _, mac_a = host_a.link_info("eth0")
    assert packet["hook"] == HOOK_FORWARD, \
        f"expected hook {HOOK_FORWARD!r}, the agent reported {packet['hook']!r}"
    assert packet["hw_protocol"] == ETH_P_IP, \
        f"expected hw_protocol {ETH_P_IP!r}, the agent reported {packet['hw_protocol']!r}"
    assert (packet["indev"], packet["indev_name"]) == (br0, "br0")
    assert (packet["outdev"], packet["outdev_name"]) == (br0, "br0")
    assert (packet["physindev"], packet["physindev_name"]) == (pa, "pa")
    assert (packet["physoutdev"], packet["physoutdev_name"]) == (pb, "pb")
    assert packet["hwaddr"] == mac_a.replace(":", ""), "the source MAC of host A"
    assert receiver.expect([b"across the bridge"]) == [b"across the bridge"]
