# SPDX-License-Identifier: GPL-2.0-or-later
"""The ways to receive: run(callback), iteration, recv batches, asyncio,
fileno() in an event loop, and stop() from threads and signal handlers."""
import asyncio
import os
import selectors
import signal
import threading
import time

import pytest

import nfqueue

PORT = 5201
QUEUE = 3


@pytest.fixture
def lab(netns):
    """A namespace whose UDP to PORT goes to QUEUE, a receiver on PORT,
    and the queue, open inside the namespace."""
    netns.nfqueue_rule(queue=QUEUE, port=PORT)
    receiver = netns.udp_receiver(PORT)
    with nfqueue.Queue(QUEUE, netns=netns.path) as queue:
        yield netns, receiver, queue


def udp_data(packet):
    """The UDP payload of an IPv4 packet (20-byte header, as loopback sends)."""
    return bytes(packet.payload[28:])


def on_alarm(seconds, action):
    """Run `action` from a SIGALRM handler after `seconds`."""
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: action())
    signal.setitimer(signal.ITIMER_REAL, seconds)
    return previous


def test_run_calls_back_until_stop(lab):
    netns, receiver, queue = lab
    netns.send_udp(PORT, b"one", b"two", b"three")
    seen = []

    def judge(packet):
        seen.append(udp_data(packet))
        packet.drop() if seen[-1] == b"two" else packet.accept()
        if len(seen) == 3:
            queue.stop()

    queue.run(judge)
    assert seen == [b"one", b"two", b"three"]
    assert receiver.expect([b"one", b"three"]) == [b"one", b"three"]


def test_stop_from_another_thread_ends_a_waiting_run(lab):
    _, _, queue = lab
    timer = threading.Timer(0.2, queue.stop)
    timer.start()
    started = time.monotonic()
    queue.run(lambda packet: None)
    assert 0.15 < time.monotonic() - started < 3


def test_stop_from_a_signal_handler_ends_run(lab):
    _, _, queue = lab
    previous = on_alarm(0.2, queue.stop)
    try:
        queue.run(lambda packet: None)
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_ctrl_c_ends_run_and_the_queue_stays_usable(lab):
    netns, receiver, queue = lab
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()
    try:
        with pytest.raises(KeyboardInterrupt):
            queue.run(lambda packet: None)
    finally:
        signal.signal(signal.SIGINT, previous)
    netns.send_udp(PORT, b"after")
    [packet] = queue.recv(timeout=5)
    packet.accept()
    assert receiver.expect([b"after"]) == [b"after"]


def test_a_callback_exception_propagates_and_the_rest_waits(lab):
    netns, receiver, queue = lab
    netns.send_udp(PORT, b"a", b"b", b"c")  # queued before run: one batch

    def fail_on_a(packet):
        if udp_data(packet) == b"a":
            raise LookupError("no rule for a")
        packet.accept()

    with pytest.raises(LookupError, match="no rule for a"):
        queue.run(fail_on_a)
    # "a" got the default verdict; b and c are handed to the next receive.
    rest = queue.recv(timeout=5)
    assert [udp_data(p) for p in rest] == [b"b", b"c"]
    for packet in rest:
        packet.accept()
    assert receiver.expect([b"a", b"b", b"c"]) == [b"a", b"b", b"c"]


def test_run_from_its_own_callback_is_busy(lab):
    netns, _, queue = lab
    netns.send_udp(PORT, b"x")
    caught = []

    def reenter(packet):
        for call in (lambda: queue.run(print), queue.recv, queue.close):
            try:
                call()
            except nfqueue.QueueBusyError as err:
                caught.append(str(err))
        packet.accept()
        queue.stop()

    queue.run(reenter)
    assert len(caught) == 3, caught
    # C's words: one receiver at a time, and what to do about close.
    assert "in progress" in caught[0] and "call stop()" in caught[2]


def test_iteration_hands_out_one_packet_at_a_time(lab):
    netns, receiver, queue = lab
    netns.send_udp(PORT, b"1", b"2", b"3")
    got = []
    for packet in queue:
        got.append(udp_data(packet))
        packet.accept(mark=len(got))
        if len(got) == 3:
            break
    assert got == [b"1", b"2", b"3"]
    assert receiver.expect(got) == got


def test_iteration_ends_after_stop(lab):
    netns, _, queue = lab
    netns.send_udp(PORT, b"1")
    for packet in queue:
        packet.accept()
        queue.stop()
    # A stop is consumed by the loop it ended: the next one receives again.
    netns.send_udp(PORT, b"2")
    packet = next(iter(queue))
    assert udp_data(packet) == b"2"


def test_recv_returns_batches_and_times_out(lab):
    netns, receiver, queue = lab
    started = time.monotonic()
    assert queue.recv(timeout=0.2) == []
    assert time.monotonic() - started >= 0.19
    netns.send_udp(PORT, *[b"%d" % i for i in range(10)])
    time.sleep(0.2)
    first = queue.recv(max_packets=4, timeout=5)
    assert [udp_data(p) for p in first] == [b"0", b"1", b"2", b"3"]
    queue.verdict_batch(first[-1])  # accepts 0..3 in one message
    rest = queue.recv(timeout=5)
    assert [udp_data(p) for p in rest] == [b"%d" % i for i in range(4, 10)]
    assert all(p.expired for p in first)
    queue.verdict_batch(rest[-1].id, nfqueue.Verdict.DROP)
    assert all(p.verdict_given for p in rest)
    assert receiver.expect([b"0", b"1", b"2", b"3"]) == [b"0", b"1", b"2", b"3"]


def test_fileno_drives_a_selector(lab):
    netns, receiver, queue = lab
    netns.send_udp(PORT, b"ready")
    with selectors.DefaultSelector() as selector:
        selector.register(queue, selectors.EVENT_READ)
        assert selector.select(timeout=5), "the queue's socket never became readable"
    [packet] = queue.recv(timeout=0)
    packet.accept()
    assert receiver.expect([b"ready"]) == [b"ready"]


def test_asyncio_iterates_on_the_running_loop(lab):
    netns, receiver, queue = lab

    async def main():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticking = asyncio.create_task(ticker())
        loop = asyncio.get_running_loop()
        # Nothing is queued for the first 0.3 s: the loop must keep ticking
        # while the iteration waits.
        await asyncio.sleep(0)
        sending = loop.run_in_executor(None, lambda: (time.sleep(0.3),
                                                      netns.send_udp(PORT, b"a1", b"a2")))
        got = []
        async for packet in queue.packets():
            got.append(udp_data(packet))
            packet.accept()
            if len(got) == 2:
                break
        await sending
        ticking.cancel()
        return got, ticks

    got, ticks = asyncio.run(main())
    assert got == [b"a1", b"a2"]
    assert ticks >= 10, f"waiting for packets blocked the event loop ({ticks} ticks)"
    assert receiver.expect(got) == got


def test_asyncio_iteration_ends_after_stop(lab):
    _, _, queue = lab

    async def main():
        asyncio.get_running_loop().call_later(0.1, queue.stop)
        return [packet async for packet in queue.packets()]

    assert asyncio.run(main()) == []


def test_repeat_with_a_mark_goes_past_the_rule(netns):
    # Packets marked 7 skip the queue rule: repeat(mark=7) sends it on.
    netns.nfqueue_rule(queue=QUEUE, port=PORT, match=("-m", "mark", "!", "--mark", "7"))
    receiver = netns.udp_receiver(PORT)
    with nfqueue.Queue(QUEUE, netns=netns.path) as queue:
        netns.send_udp(PORT, b"again")
        [packet] = queue.recv(timeout=5)
        assert packet.mark is None or packet.mark == 0
        packet.repeat(mark=7)
        assert receiver.expect([b"again"]) == [b"again"]


def test_queue_to_hands_a_packet_to_another_queue(netns):
    netns.nfqueue_rule(queue=QUEUE, port=PORT)
    receiver = netns.udp_receiver(PORT)
    with nfqueue.Queue(QUEUE, netns=netns.path) as first, \
            nfqueue.Queue(QUEUE + 1, netns=netns.path) as second:
        netns.send_udp(PORT, b"hop")
        first.recv(timeout=5)[0].queue_to(QUEUE + 1)
        [packet] = second.recv(timeout=5)
        assert packet.queue_num == QUEUE + 1 and udp_data(packet) == b"hop"
        packet.accept()
    assert receiver.expect([b"hop"]) == [b"hop"]
