# SPDX-License-Identifier: GPL-2.0-or-later
"""Decide later, in another asyncio task: every packet of queue QUEUE is
retained, held for DELAY seconds by a task of its own (as a program that
asks a slow service would), then accepted. The queue goes on receiving in
the meantime. Ctrl+C or SIGTERM ends it; packets still held then get the
queue's default verdict when the queue closes.

    iptables -A OUTPUT -p udp --dport 5353 -j NFQUEUE --queue-num 1
    python judge_later.py 1 0.2
"""
import asyncio
import signal
import sys

import nfqueue


async def decide(packet, delay):
    await asyncio.sleep(delay)
    packet.accept()
    packet.release()


async def main(queue_num, delay):
    tasks = set()
    with nfqueue.Queue(queue_num) as queue:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, queue.stop)
        async for packet in queue.packets():
            task = asyncio.create_task(decide(packet.retain(), delay))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        print(f"stopped with {len(tasks)} packet(s) still held")
        for task in tasks:
            task.cancel()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    asyncio.run(main(int(sys.argv[1]), float(sys.argv[2])))
