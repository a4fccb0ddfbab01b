# SPDX-License-Identifier: GPL-2.0-or-later
"""The Python soak consumer (tests/soak/README.md is the contract): every
IPv4 UDP packet whose payload carries the soak header gets its body
inverted (each byte XOR 0xFF, by bytes.translate), its checksums
recomputed by nfqueue.checksum.update, and ACCEPT with the new payload;
anything else is accepted as it is. SIGTERM or SIGINT calls
Queue.stop(), which ends the receive; then the queue is closed and the
counts printed.

Usage: PYTHON tests/soak/consumer.py [batch|run|iter] QUEUE
  batch (default)  Queue.recv() batches, one Queue.verdict_packets() each
  run              Queue.run() with a callback, as the C consumer does
  iter             for packet in queue
Output: "ready", then at the end "judged J rewritten R".
"""
import signal
import sys

import nfqueue
from nfqueue import checksum

SOAK_HEADER = 10  # sequence number (8) and body length (2)
UDP_HEADER = 8
INVERT = bytes(b ^ 0xFF for b in range(256))
ACCEPT = nfqueue.Verdict.ACCEPT


class Consumer:
    def __init__(self) -> None:
        self.judged = 0
        self.rewritten = 0

    def rewrite(self, data):
        """The rewritten packet, or None if `data` is not a soak datagram."""
        self.judged += 1
        if len(data) < 20 or data[0] >> 4 != 4 or data[9] != 17:  # IPv4, UDP
            return None
        body = (data[0] & 0x0F) * 4 + UDP_HEADER + SOAK_HEADER
        if body < 20 + UDP_HEADER + SOAK_HEADER or len(data) < body:
            return None
        new = bytearray(data)  # one copy out of the receive buffer
        new[body:] = new[body:].translate(INVERT)
        checksum.update(new)  # the IPv4 header and the UDP checksum
        self.rewritten += 1
        return new

    # ---- the three receive styles ----

    def batch(self, queue) -> None:
        rewrite = self.rewrite
        while True:
            packets = queue.recv()  # waits; [] once stop() was called
            if not packets:
                return
            queue.verdict_packets([(p, ACCEPT, None, rewrite(p.payload)) for p in packets])

    def judge(self, packet) -> None:
        """One packet's verdict: ACCEPT, with the rewrite if there is one."""
        new = self.rewrite(packet.payload)
        if new is None:
            packet.accept()
        else:
            packet.accept(payload=new)

    def run(self, queue) -> None:
        queue.run(self.judge)

    def iter(self, queue) -> None:
        judge = self.judge
        for packet in queue:
            judge(packet)


STYLES = ("batch", "run", "iter")


def on_stop_signals(action) -> None:
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, action)


def main(argv) -> int:
    if len(argv) == 2 and argv[0] in STYLES:
        style, number = argv
    elif len(argv) == 1:
        style, number = STYLES[0], argv[0]
    else:
        print(f"usage: consumer.py [{'|'.join(STYLES)}] QUEUE", file=sys.stderr)
        return 2
    if not number.isdigit():
        print(f"consumer.py: QUEUE must be a queue number (0..{nfqueue.QUEUE_NUM_MAX}), "
              f"not {number!r}", file=sys.stderr)
        return 2
    consumer = Consumer()
    try:
        queue = nfqueue.Queue(int(number))
    except (nfqueue.NfqueueError, ValueError) as error:
        print(f"consumer.py: open queue {number}: {error}", file=sys.stderr)
        return 1
    try:
        on_stop_signals(lambda *_: queue.stop())
        print("ready", flush=True)
        getattr(consumer, style)(queue)
        on_stop_signals(signal.SIG_IGN)  # stopped: another signal must not meet a closed queue
        queue.close()
    except nfqueue.NfqueueError as error:
        print(f"consumer.py: {style}: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(f"judged {consumer.judged} rewritten {consumer.rewritten}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
