# SPDX-License-Identifier: GPL-2.0-or-later
"""Waits a signal can interrupt (--interruptible): SIGUSR1 reaches the
agent's own signal handling at once, also while it is blocked in the
library waiting for packets that do not come, and receiving then goes on
as before, with no packet lost or handled twice."""
import signal
import threading
import time

import pytest

import traffic
from checks import needs
from scenes import PORT, payloads, udp_data, udp_scene

WITHIN = 1.0


def interrupt(agent, count):
    """Send SIGUSR1 to the blocked agent; its `count`th "interrupted" event
    must come within WITHIN seconds. Returns the event."""
    agent.wait_asleep()
    started = time.monotonic()
    agent.signal(signal.SIGUSR1)
    try:
        event = agent.wait_for(lambda e: e["event"] == "interrupted", count, timeout=WITHIN,
                               what='"interrupted"')[-1]
    except AssertionError as error:
        raise AssertionError(f"expected an \"interrupted\" event within {WITHIN} s of SIGUSR1 "
                             f"to the blocked agent: {error}") from None
    took = time.monotonic() - started
    assert event == {"event": "interrupted", "signal": "SIGUSR1"}, \
        f"expected {{'event': 'interrupted', 'signal': 'SIGUSR1'}}, the agent reported {event}"
    return took


def check_every_packet_once(scene, sent):
    packets = scene.agent.packets(len(sent))
    seen = [udp_data(p["payload_hex"]) for p in packets]
    assert seen == sent, f"expected the agent to see {sent} once each, in order; it saw {seen}"
    assert all(p["result"] == "ok" for p in packets), [p["result"] for p in packets]
    got = sorted(scene.receiver.expect(sent))
    assert got == sorted(sent), f"expected {sorted(sent)} to arrive once each, got {got}"
    extra = len(scene.agent.all_packets()) - len(sent)
    assert extra == 0, f"{extra} packet event(s) more than packets sent\n{scene.agent.describe()}"


@needs("mode:{mode}", "option:interruptible")
@pytest.mark.parametrize("mode", ["run", "dispatch", "pull"])
def test_sigusr1_interrupts_a_blocked_wait(lab, mode):
    """Twice, so the wait after an interruption is interruptible again;
    then traffic flows as before, and SIGTERM still stops the agent."""
    scene = udp_scene(lab, "--mode", mode, "--interruptible")
    for count in (1, 2):
        interrupt(scene.agent, count)
    sent = payloads(10)
    scene.send(*sent)
    check_every_packet_once(scene, sent)
    scene.agent.shutdown()


@needs("mode:{mode}", "option:interruptible", "option:batch-size")
@pytest.mark.parametrize("mode", ["run", "pull"])
def test_signals_amid_traffic_lose_no_packet(lab, mode):
    """SIGUSR1 again and again while packets come and go: whether a signal
    finds the agent waiting or handling a packet, none is lost or handled
    twice. A signal that came while a packet was handled may be reported
    only at the next interrupted wait, so each one is not required to show;
    the one sent once the traffic ended, to the blocked agent, is."""
    scene = udp_scene(lab, "--mode", mode, "--interruptible", "--batch-size", "4")
    sent = payloads(60)
    sender = threading.Thread(target=traffic.udp_send,
                              args=(scene.ns, scene.addr, PORT, *sent), kwargs={"gap": 0.01})
    sender.start()
    signals = 0
    while sender.is_alive():
        scene.agent.signal(signal.SIGUSR1)
        signals += 1
        time.sleep(0.05)
    sender.join()
    check_every_packet_once(scene, sent)
    reported = len(scene.agent.select(lambda e: e["event"] == "interrupted"))
    assert reported <= signals, f"{reported} interruptions reported for {signals} signals"
    interrupt(scene.agent, reported + 1)
    scene.agent.shutdown()
