# SPDX-License-Identifier: GPL-2.0-or-later
"""Set-ups many cases share: one namespace where the UDP (or TCP) traffic
to one port on loopback goes through an NFQUEUE rule to the agent.
"""
import time
from dataclasses import dataclass

import traffic
from answers import hexbytes

PORT = 9000
QUEUE = 1
V4 = "127.0.0.1"
V6 = "::1"


@dataclass
class Scene:
    ns: object
    agent: object
    receiver: object
    addr: str
    port: int

    def send(self, *payloads, **kwargs):
        traffic.udp_send(self.ns, self.addr, self.port, *payloads, **kwargs)


def queue_rule(ns, queue=QUEUE, port=PORT, proto="udp", chain="OUTPUT", table="filter",
               v6=False, extra=()):
    """Append `-p PROTO --dport PORT -j NFQUEUE --queue-num QUEUE` to `chain`.
    `extra` holds more options: matches (before the target) and
    "--queue-bypass" (after it)."""
    matches = [o for o in extra if o != "--queue-bypass"]
    target = ["--queue-bypass"] if "--queue-bypass" in extra else []
    ns.iptables("-t", table, "-A", chain, "-p", proto, "--dport", str(port), *matches,
                "-j", "NFQUEUE", "--queue-num", str(queue), *target, v6=v6)


def udp_scene(lab, *options, plan=None, queue=QUEUE, chain="OUTPUT", table="filter", v6=False,
              rule_extra=()):
    """A namespace, a queue rule for UDP to PORT, a receiver there, and the
    agent started with `options` and `plan`."""
    ns = lab.namespace()
    addr = V6 if v6 else V4
    queue_rule(ns, queue=queue, chain=chain, table=table, v6=v6, extra=rule_extra)
    receiver = lab.udp_receiver(ns, addr, PORT)
    agent = lab.agent(ns, queue, *options, plan=plan)
    return Scene(ns, agent, receiver, addr, PORT)


def payloads(count, tag="pkt"):
    """`count` distinct small payloads: b"pkt-0", b"pkt-1", ..."""
    return [f"{tag}-{i}".encode() for i in range(count)]


def udp_data(packet_hex):
    """The UDP payload of an IPv4 or IPv6 packet reported as hex."""
    packet = hexbytes(packet_hex)
    if not packet:
        raise AssertionError("expected an IP packet in payload_hex, the agent reported none")
    header = (packet[0] & 15) * 4 if packet[0] >> 4 == 4 else 40
    return packet[header + 8:]


# ---- several packets in one batch, and the kernel's view of a verdict ----

# The primer's handling sleeps this long (plan rule PRIMER), and the
# packets behind it are sent this long after it: they wait together in
# the socket until the agent receives again.
PRIMER_DELAY_MS = 600
PRIMER_LEAD = 0.15
PRIMER = {"index": 0, "delay_ms": PRIMER_DELAY_MS}


def send_behind_primer(scene, *payloads):
    """Send b"primer" (packet 0: make PRIMER the plan's first rule), then,
    while the agent is busy with it, `payloads`: the agent finds them all
    waiting at its next receive, so a pull (or a run's receive) gets them in
    one batch, up to the batch size."""
    scene.send(b"primer")
    time.sleep(PRIMER_LEAD)
    scene.send(*payloads)


def wait_pending(ns, queue, count, within):
    """Wait up to `within` seconds until the kernel holds `count` packets of
    `queue` waiting for a verdict (0: every verdict reached the kernel).
    Returns how many it held at the last look."""
    deadline = time.monotonic() + within
    while True:
        pending = ns.queues().get(queue, {}).get("pending")
        if pending == count or time.monotonic() > deadline:
            return pending
        time.sleep(0.02)
