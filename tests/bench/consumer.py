# SPDX-License-Identifier: GPL-2.0-or-later
"""consumer.py - the benchmark's Python consumer, in the C consumer's
shape: bind, say "ready", wait for SIGUSR1 (sent once the kernel holds the
whole load), drain COUNT packets in one style through the Python package,
print "MODE JUDGED SECONDS".

  py-run     Queue.run(callback), a verdict per packet
  py-recv    Queue.recv() batches, a verdict per packet
  py-batch   Queue.recv() batches, one verdict_batch() per batch
  py-dropin  netfilterqueue's NetfilterQueue.run(), as a program written
             for the NetfilterQueue package would do it
  nfq-py     the same program on NetfilterQueue 1.1 itself (PyPI), run by
             scripts/bench with the python of its own virtual environment

A load that does not arrive whole ends the drain after a second without
packets; the count then says so.

COUNT 0 serves, as every consumer does: "ready", consume at once until
SIGTERM. Settings from the environment, as tests/bench/bench-settings.h
reads them: NFQUEUE_BENCH_QUEUE_LEN, NFQUEUE_BENCH_COPY_RANGE,
NFQUEUE_BENCH_GSO=1 (not for py-dropin and nfq-py: NetfilterQueue has no
flags).

Usage: python consumer.py MODE QUEUE COUNT
"""
import os
import signal
import sys
import threading
import time

try:
    import nfqueue
except ImportError:  # nfq-py runs where only NetfilterQueue 1.1 is installed
    nfqueue = None

IDLE_SECONDS = 1.0
COPY_ALL = 65531


def settings(wanted):
    """(queue length, copy range, GSO flag) from the environment."""
    def number(name, low, high, default):
        text = os.environ.get(name, "")
        if not text:
            return default
        if not text.isdigit() or not low <= int(text) <= high:
            sys.exit(f"{name}={text}: want a number from {low} to {high}")
        return int(text)
    return (number("NFQUEUE_BENCH_QUEUE_LEN", 1, 2**32 - 1, wanted + 1024 if wanted else 1024),
            number("NFQUEUE_BENCH_COPY_RANGE", 0, COPY_ALL, COPY_ALL),
            bool(number("NFQUEUE_BENCH_GSO", 0, 1, 0)))


def open_queue(queue_num, wanted):
    max_len, copy_range, gso = settings(0 if serving(wanted) else wanted)
    return nfqueue.Queue(queue_num, max_len=max_len, copy_range=copy_range, gso=gso)


def serving(wanted):
    return wanted == float("inf")


class Accept:
    """The callback of the callback styles: accept, count, and end the
    drain once `wanted` packets were judged."""

    def __init__(self, wanted, stop):
        self.judged = 0
        self.wanted = wanted
        self.stop = stop

    def __call__(self, packet):
        packet.accept()
        self.judged += 1
        if self.judged == self.wanted:
            self.stop()


def watch_idle(accept):
    """End a drain whose load stopped short, as a control thread would;
    when serving, end it at SIGTERM."""
    def watch():
        if serving(accept.wanted):
            signal.sigwait({signal.SIGTERM})
            accept.stop()
            return
        seen = -1
        while accept.judged != seen and accept.judged < accept.wanted:
            seen = accept.judged
            time.sleep(IDLE_SECONDS)
        if accept.judged < accept.wanted:  # else the callback stopped it
            accept.stop()
    threading.Thread(target=watch, daemon=True).start()


def py_run(queue_num, wanted):
    with open_queue(queue_num, wanted) as queue:
        accept = Accept(wanted, queue.stop)
        start = go(serving(wanted))
        watch_idle(accept)
        queue.run(accept)
        return accept.judged, start


def py_recv(queue_num, wanted, batch_verdict=False):
    judged = 0
    with open_queue(queue_num, wanted) as queue:
        start = go(serving(wanted))
        stopped = []
        if serving(wanted):
            watch_idle(Accept(wanted, lambda: (stopped.append(1), queue.stop())))
        while judged < wanted:
            try:
                batch = queue.recv(timeout=IDLE_SECONDS)
            except nfqueue.BufferOverflowError:
                continue  # counted by the kernel; receiving goes on
            if not batch and (stopped or not serving(wanted)):
                break
            if batch_verdict:
                queue.verdict_batch(batch[-1])
            else:
                for packet in batch:
                    packet.accept()
            judged += len(batch)
        return judged, start


class Drained(Exception):
    """Ends NetfilterQueue.run(), the one way both implementations share."""


def netfilterqueue_drain(queue_num, wanted):
    """py-dropin and nfq-py: one program for the NetfilterQueue API, run on
    the drop-in and on the original. Both end run() by an exception from
    the callback (the idle watcher raises it in the main thread with a
    signal); sock_len holds the whole load, as every row's buffer does."""
    from netfilterqueue import NetfilterQueue

    main_thread = threading.get_ident()

    def finish():
        if threading.get_ident() != main_thread:
            signal.pthread_kill(main_thread, signal.SIGALRM)
            return
        raise Drained

    signal.signal(signal.SIGALRM, lambda *_: finish())
    queue = NetfilterQueue()
    accept = Accept(wanted, finish)
    max_len, copy_range, _ = settings(0 if serving(wanted) else wanted)
    queue.bind(queue_num, accept, max_len=max_len, range=copy_range, sock_len=max_len * 2048)
    start = go(serving(wanted))
    watch_idle(accept)
    try:
        queue.run()
    except Drained:
        pass
    queue.unbind()
    return accept.judged, start


def go(serve=False):
    """Say ready, wait for the load (unless serving), and start the clock."""
    print("ready", flush=True)
    if not serve:
        signal.sigwait({signal.SIGUSR1})
    return time.monotonic()


MODES = {
    "py-run": py_run,
    "py-recv": py_recv,
    "py-batch": lambda num, wanted: py_recv(num, wanted, batch_verdict=True),
    "py-dropin": netfilterqueue_drain,
    "nfq-py": netfilterqueue_drain,
}


def main(argv):
    if len(argv) != 4 or argv[1] not in MODES:
        print(f"usage: {argv[0]} {'|'.join(MODES)} QUEUE COUNT", file=sys.stderr)
        return 2
    # Blocked before anything starts a thread, so only sigwait() takes it.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGTERM})
    mode, queue_num, wanted = argv[1], int(argv[2]), int(argv[3])
    wanted = wanted or float("inf")  # 0: serve until SIGTERM
    judged, start = MODES[mode](queue_num, wanted)
    print(f"{mode} {judged} {time.monotonic() - start:.6f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
