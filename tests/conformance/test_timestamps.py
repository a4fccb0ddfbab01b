# SPDX-License-Identifier: GPL-2.0-or-later
"""Receive timestamps. The kernel stamps a packet when it arrives on a
device, but only while some socket has asked for receive timestamps:
asking turns on a global switch (the netstamp static key), and without
it no packet carries a stamp, received or not. So the receiver here asks
(nettool --timestamps) and reports ready only once the kernel stamps
packets. Then a packet received over a veth pair carries its stamp
through PREROUTING and INPUT, while a locally generated one has none in
OUTPUT. (On the reference kernel, 6.18, a forwarded packet keeps its
arrival stamp through FORWARD too, and loses it only after that hook;
no case relies on that.)"""
import time

import pytest

import traffic
from answers import integer
from checks import needs
from netns import veth
from scenes import PORT, V4, queue_rule

HOOK_PREROUTING, HOOK_INPUT, HOOK_OUTPUT = 0, 1, 3
SENDER, RECEIVER = "10.78.0.1", "10.78.0.2"
# The stamp is the kernel's wall clock at arrival; the suite reads the same
# clock just before and after sending. The slack only absorbs scheduling.
SLACK = 2.0


def seconds(stamp):
    ok = isinstance(stamp, list) and len(stamp) == 2 and all(
        isinstance(v, int) and not isinstance(v, bool) for v in stamp)
    assert ok, f"expected a timestamp [seconds, microseconds], the agent reported {stamp!r}"
    sec, usec = stamp
    return sec + usec / 1e6


@needs("attribute:timestamp", "attribute:ifnames")
@pytest.mark.parametrize("chain", ["PREROUTING", "INPUT"])
def test_received_packet_carries_its_arrival_time(lab, chain):
    """Host A sends to host B over veth; B queues the datagram in `chain`.
    The agent's stamp is within a few seconds of the suite's clock and is
    the very stamp B's socket then receives with the datagram (in
    microseconds: the kernel sends NFQUEUE stamps at that precision)."""
    host_a, host_b = lab.namespace(), lab.namespace()
    veth(host_a, "eth0", host_b, "eth0")
    host_a.ip("addr", "add", f"{SENDER}/24", "dev", "eth0")
    host_b.ip("addr", "add", f"{RECEIVER}/24", "dev", "eth0")
    queue_rule(host_b, chain=chain, table="mangle" if chain == "PREROUTING" else "filter")
    receiver = lab.udp_receiver(host_b, RECEIVER, PORT, timestamps=True)
    agent = lab.agent(host_b, 1)
    before = time.time()
    traffic.udp_send(host_a, RECEIVER, PORT, b"stamped")
    after = time.time()
    packet, = agent.packets(1)
    hook = HOOK_PREROUTING if chain == "PREROUTING" else HOOK_INPUT
    assert packet["hook"] == hook, f"expected hook {hook}, the agent reported {packet['hook']!r}"
    assert packet["indev_name"] == "eth0", \
        f"expected indev_name 'eth0', the agent reported {packet['indev_name']!r}"
    stamp = packet["timestamp"]
    assert stamp is not None, "a packet received on a device carries a timestamp"
    assert before - SLACK <= seconds(stamp) <= after + SLACK, \
        f"stamp {stamp} is not near the send ({before:.6f}..{after:.6f})"
    assert 0 <= stamp[1] < 1_000_000, "microseconds"
    arrived, = receiver.wait_events(1)
    assert bytes.fromhex(arrived["hex"]) == b"stamped"
    sec, nsec = arrived["tstamp"]
    assert stamp == [sec, nsec // 1000], "the same stamp the receiving socket sees"


@needs("attribute:timestamp")
def test_locally_generated_packet_has_no_timestamp(lab):
    """With the kernel stamping (the receiver asked), a datagram sent on
    loopback has no stamp in OUTPUT: it has not arrived anywhere yet. It
    gets one only when loopback delivers it, as the receiver shows."""
    ns = lab.namespace()
    queue_rule(ns, chain="OUTPUT")
    receiver = lab.udp_receiver(ns, V4, PORT, timestamps=True)
    agent = lab.agent(ns, 1)
    traffic.udp_send(ns, V4, PORT, b"outbound")
    packet, = agent.packets(1)
    assert packet["hook"] == HOOK_OUTPUT, \
        f"expected hook {HOOK_OUTPUT!r}, the agent reported {packet['hook']!r}"
    assert packet["timestamp"] is None, "a locally generated packet has no receive stamp"
    arrived, = receiver.wait_events(1)
    assert arrived["tstamp"] is not None, "stamped on arrival: the kernel was stamping"
