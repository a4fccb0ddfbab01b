"""consumer.py - the benchmark's Python consumer: drains one queue for a
fixed time in one of four styles, through the Python package, and prints
how many packets it judged, in the C consumer's format, so scripts/bench
can set Python beside C in one run.

  py-run     Queue.run(callback), a verdict per packet
  py-recv    Queue.recv() batches, a verdict per packet
  py-batch   Queue.recv() batches, one verdict_batch() per batch
  py-dropin  netfilterqueue's NetfilterQueue.run(), as a program written
             for the NetfilterQueue package would do it

Usage: python consumer.py MODE QUEUE SECONDS
"""
import sys
import threading
import time

import nfqueue

# As the C consumer: a long kernel queue that fails open and a large socket
# buffer, so the figures measure the consumer, not drops.
OPTIONS = dict(max_len=65536, fail_open=True, rcvbuf=8 << 20)


def stop_after(seconds, stop):
    """End the measurement from another thread, as a control thread would."""
    timer = threading.Timer(seconds, stop)
    timer.daemon = True
    timer.start()


class Accept:
    """The callback of the callback styles: accept, and count."""

    def __init__(self):
        self.judged = 0

    def __call__(self, packet):
        self.judged += 1
        packet.accept()


def py_run(queue_num, seconds):
    accept = Accept()
    with nfqueue.Queue(queue_num, **OPTIONS) as queue:
        ready()
        stop_after(seconds, queue.stop)
        queue.run(accept)
    return accept.judged


def py_recv(queue_num, seconds, batch_verdict=False):
    judged = 0
    with nfqueue.Queue(queue_num, **OPTIONS) as queue:
        ready()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                batch = queue.recv(timeout=0.1)
            except nfqueue.BufferOverflowError:
                continue
            if not batch:
                continue
            if batch_verdict:
                queue.verdict_batch(batch[-1])
            else:
                for packet in batch:
                    packet.accept()
            judged += len(batch)
    return judged


def py_dropin(queue_num, seconds):
    from netfilterqueue import NetfilterQueue

    accept = Accept()
    queue = NetfilterQueue()
    queue.bind(queue_num, accept, max_len=65536, sock_len=4 << 20)
    ready()
    stop_after(seconds, queue.unbind)  # ends a blocked run() (see its docs)
    queue.run()
    return accept.judged


def ready():
    print("ready", flush=True)


MODES = {
    "py-run": py_run,
    "py-recv": py_recv,
    "py-batch": lambda num, seconds: py_recv(num, seconds, batch_verdict=True),
    "py-dropin": py_dropin,
}


def main(argv):
    if len(argv) != 4 or argv[1] not in MODES:
        print(f"usage: {argv[0]} {'|'.join(MODES)} QUEUE SECONDS", file=sys.stderr)
        return 2
    mode, queue_num, seconds = argv[1], int(argv[2]), int(argv[3])
    start = time.monotonic()
    judged = MODES[mode](queue_num, seconds)
    print(f"{mode} {judged} {time.monotonic() - start:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
