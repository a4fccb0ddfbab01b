# SPDX-License-Identifier: GPL-2.0-or-later
"""consume.py - the three ways the Python agent consumes its queue
(PROTOCOL.md, "Modes"), each as a Python program would write it:

  run       Queue.run(callback): the package's blocking loop.
  dispatch  the application's own event loop: asyncio, with
            `async for packet in queue.packets()` on the running loop.
  pull      Queue.recv(): a batch per call, each packet handled in turn.

Each returns 0 when a stop ended it, or 1 after reporting an "error"
event for a receive that failed. A kernel report of lost messages
(ENOBUFS) does not end any of them: the package counts it
(Queue.enobufs_count) and goes on. The agent reports the count at exit.
"""
from __future__ import annotations

import asyncio
from typing import Callable

import nfqueue

from judge import Judge
from report import emit, error_event


def consume_run(queue: "nfqueue.Queue", judge: Judge, stopping: Callable[[], bool]) -> int:
    # run() hands each packet to the callback; it expires when the callback
    # returns, so Judge uses stale handles at the next callback's start.
    try:
        queue.run(judge.on_packet)
    except nfqueue.NfqueueError as error:
        judge.use_stale()
        emit(error_event("nfqueue_queue_run", error))
        return 1
    judge.use_stale()  # the run returned: the last packet expired
    return 0


def consume_pull(queue: "nfqueue.Queue", judge: Judge, stopping: Callable[[], bool]) -> int:
    while not stopping():
        try:
            batch = queue.recv()  # [] once stopped
        except nfqueue.NfqueueError as error:
            judge.use_stale()
            emit(error_event("nfqueue_queue_pull", error))
            return 1
        judge.use_stale()  # the last batch expired as this receive began
        for packet in batch:
            judge.on_packet(packet)
        judge.end_batch()  # "verdicts": "together": the batch's verdicts in one call
    return 0


def consume_dispatch(queue: "nfqueue.Queue", judge: Judge,
                     stopping: Callable[[], bool]) -> int:
    return asyncio.run(_dispatch(queue, judge, stopping))


async def _dispatch(queue: "nfqueue.Queue", judge: Judge, stopping: Callable[[], bool]) -> int:
    # packets() waits on the queue's socket with the loop's own reader, no
    # thread; each packet stays borrowed until the next one is asked for.
    # The stop signals still go through the agent's handler (signal.signal),
    # which asyncio lets run on the loop's thread.
    try:
        async for packet in queue.packets():
            # Judge uses stale handles first: this step expired the last packet.
            judge.on_packet(packet)
    except nfqueue.NfqueueError as error:
        judge.use_stale()
        emit(error_event("nfqueue_queue_dispatch", error))
        return 1
    judge.use_stale()  # the iteration ended: the last packet expired
    return 0


CONSUMERS = {"run": consume_run, "dispatch": consume_dispatch, "pull": consume_pull}
