# SPDX-License-Identifier: GPL-2.0-or-later
"""Signals during waits: the package opens its queues interruptible, so a
Python signal handler runs at once while run(), recv() or an iteration
waits for packets that do not come. A handler that returns lets the wait
go on (no packet lost); one that raises, KeyboardInterrupt included, ends
the wait with its exception, and the queue stays usable."""
import os
import signal
import threading
import time

import pytest

import nfqueue

PORT = 5501
QUEUE = 8
SOON = 0.2     # when the signal comes
PROMPT = 1.0   # a handler must have run by then


@pytest.fixture
def lab(netns):
    netns.nfqueue_rule(queue=QUEUE, port=PORT)
    receiver = netns.udp_receiver(PORT)
    with nfqueue.Queue(QUEUE, netns=netns.path) as queue:
        yield netns, receiver, queue


@pytest.fixture
def alarm():
    """alarm(handler): call `handler` from SIGALRM after SOON seconds;
    returns the list of times it ran, relative to now."""
    previous = signal.getsignal(signal.SIGALRM)
    started = time.monotonic()
    ran = []

    def install(handler):
        def on_alarm(signum, frame):
            ran.append(time.monotonic() - started)
            handler()
        signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, SOON)
        return ran

    yield install
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


class Raised(Exception):
    pass


def raise_it():
    raise Raised("from the handler")


def send_later(netns, seconds, data):
    timer = threading.Timer(seconds, netns.send_udp, (PORT, data))
    timer.start()
    return timer


def test_a_handler_runs_at_once_during_run_which_goes_on(lab, alarm):
    netns, receiver, queue = lab
    ran = alarm(lambda: None)
    sender = send_later(netns, 2 * PROMPT, b"after")
    seen = []

    def callback(packet):
        seen.append((time.monotonic(), bytes(packet.payload[28:])))
        packet.accept()
        queue.stop()

    queue.run(callback)
    sender.join()
    assert ran and ran[0] < PROMPT, f"the handler ran at {ran}, not at once"
    assert [data for _, data in seen] == [b"after"]
    assert receiver.expect([b"after"]) == [b"after"]


def test_a_raising_handler_ends_run(lab, alarm):
    _, _, queue = lab
    ran = alarm(raise_it)
    with pytest.raises(Raised):
        queue.run(lambda packet: None)
    assert ran[0] < PROMPT


def test_a_handler_runs_during_recv_which_keeps_its_timeout(lab, alarm):
    netns, receiver, queue = lab
    ran = alarm(lambda: None)
    started = time.monotonic()
    assert queue.recv(timeout=3 * SOON) == []
    took = time.monotonic() - started
    assert ran and ran[0] < PROMPT
    assert 3 * SOON - 0.02 <= took < PROMPT + 3 * SOON, took
    sender = send_later(netns, 0.1, b"later")
    [packet] = queue.recv(timeout=5)
    sender.join()
    packet.accept()
    assert receiver.expect([b"later"]) == [b"later"]


def test_a_raising_handler_ends_recv_and_iteration(lab, alarm):
    netns, receiver, queue = lab
    alarm(raise_it)
    started = time.monotonic()
    with pytest.raises(Raised):
        queue.recv(timeout=10)
    assert time.monotonic() - started < PROMPT
    signal.setitimer(signal.ITIMER_REAL, SOON)
    with pytest.raises(Raised):
        for _ in queue:
            pass
    netns.send_udp(PORT, b"usable")
    [packet] = queue.recv(timeout=5)
    packet.accept()
    assert receiver.expect([b"usable"]) == [b"usable"]


@pytest.mark.parametrize("how", ["recv", "iteration", "run"])
def test_ctrl_c_interrupts_every_wait(lab, how):
    netns, receiver, queue = lab
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(SOON, os.kill, (os.getpid(), signal.SIGINT))
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            if how == "recv":
                queue.recv()
            elif how == "iteration":
                next(iter(queue))
            else:
                queue.run(lambda packet: None)
    finally:
        timer.join()
        signal.signal(signal.SIGINT, previous)
    assert time.monotonic() - started < PROMPT + SOON
    netns.send_udp(PORT, b"after")
    [packet] = queue.recv(timeout=5)
    packet.accept()
    assert receiver.expect([b"after"]) == [b"after"]


def test_stop_from_another_thread_ends_asyncio_iteration(lab):
    import asyncio

    _, _, queue = lab

    async def main():
        threading.Timer(SOON, queue.stop).start()
        return [packet async for packet in queue.packets()]

    started = time.monotonic()
    assert asyncio.run(main()) == []
    assert time.monotonic() - started < PROMPT + SOON
