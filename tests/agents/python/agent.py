#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""nfqueue-agent-python - the Python agent of the conformance suite.

Binds one queue with the configuration its options describe, judges every
packet by a verdict plan, and reports each event as one JSON line on
stdout. tests/conformance/PROTOCOL.md is the contract; this program uses
only the public Pythonic package `nfqueue` (never nfqueue._nfqueue), like
any application would.

    python agent.py --queue N [--mode run|dispatch|pull] [--copy-mode M]
        [--copy-range N] [--max-len N] [--flags a,b] [--rcvbuf N] [--no-enobufs]
        [--default-verdict accept|drop] [--netns PATH] [--adopt-socket]
        [--batch-size N] [--interruptible] [--plan JSON] [--payload-hex-max N]

It stops cleanly on SIGTERM or SIGINT: the handler calls Queue.stop(),
which the package makes safe from a signal handler.
"""
from __future__ import annotations

import fcntl
import gc
import signal
import socket
import sys
import traceback
import weakref
from types import FrameType
from typing import List, NoReturn, Optional

import nfqueue

import options
import plan
from consume import CONSUMERS
from judge import Judge
from report import Event, emit, error_event, outcome

# Exit statuses (PROTOCOL.md).
EXIT_CLEAN, EXIT_RUNTIME, EXIT_OPEN, EXIT_USAGE = 0, 1, 2, 64

# <linux/netlink.h>; not every Python exposes it as socket.NETLINK_NETFILTER.
NETLINK_NETFILTER = 12


class Stopper:
    """What SIGTERM and SIGINT do: remember the request and stop the queue.
    Python runs the handler on the main thread between bytecodes; the
    package's waits let it run at once (its queues are interruptible: C
    returns on a signal and the package runs the handler, then waits on)."""

    def __init__(self) -> None:
        self.requested = False
        self.queue: Optional[nfqueue.Queue] = None

    def handle(self, signum: int, frame: Optional[FrameType]) -> None:
        self.requested = True
        queue = self.queue
        if queue is not None:
            queue.stop()

    def stopping(self) -> bool:
        return self.requested


def on_sigusr1(signum: int, frame: Optional[FrameType]) -> None:
    """--interruptible: report the signal at once, from Python's own
    handler, which the package lets run during a wait."""
    emit({"event": "interrupted", "signal": "SIGUSR1"})


def usage_error(message: str) -> NoReturn:
    emit({"event": "error", "call": "usage", "code": 0, "name": "USAGE", "message": message})
    sys.exit(EXIT_USAGE)


def adopt_socket() -> socket.socket:
    """--adopt-socket: open the netlink socket ourselves, non-blocking as an
    event loop's sockets usually are, to hand its fd to the queue. It stays
    ours: the socket object keeps it open until we close it."""
    try:
        return socket.socket(socket.AF_NETLINK,
                             socket.SOCK_RAW | socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC,
                             NETLINK_NETFILTER)
    except OSError as error:
        failure = nfqueue.NetlinkError(
            f"cannot open a NETLINK_NETFILTER socket: {error.strerror}")
        emit(error_event("socket", failure))
        sys.exit(EXIT_OPEN)


def fd_is_open(fd: int) -> bool:
    try:
        fcntl.fcntl(fd, fcntl.F_GETFD)
    except OSError:
        return False
    return True


def main(argv: List[str]) -> int:
    stopper = Stopper()
    signal.signal(signal.SIGTERM, stopper.handle)
    signal.signal(signal.SIGINT, stopper.handle)
    try:
        opts = options.parse(argv)
        rules = plan.parse(opts.plan) if opts.plan is not None else plan.Plan()
        if rules.together and opts.mode != "pull":
            raise plan.PlanError('"verdicts": "together" needs --mode pull')
    except (options.UsageError, plan.PlanError) as error:
        usage_error(str(error))
    if opts.interruptible:
        signal.signal(signal.SIGUSR1, on_sigusr1)
    adopted = adopt_socket() if opts.adopt_socket else None
    kwargs = dict(opts.queue_kwargs)
    if adopted is not None:
        kwargs["fd"] = adopted.fileno()
    # run and dispatch hand out one packet at a time: the next one starting
    # means the last one expired. A pull expires a batch only at the next pull.
    judge = Judge(rules, opts.hex_max, stale_at_callback=opts.mode != "pull")

    try:
        # Queue() is the package's nfqueue_config_* plus nfqueue_queue_open.
        queue = nfqueue.Queue(opts.queue, **kwargs)
    except (nfqueue.NfqueueError, ValueError, TypeError) as error:
        # A plain ValueError/TypeError is the package refusing in Python:
        # reported under its class name, so a case expecting the library's
        # code fails visibly.
        emit(error_event("nfqueue_queue_open", error))
        return EXIT_OPEN
    judge.queue = queue
    stopper.queue = queue
    if stopper.requested:  # a signal that came during the open
        queue.stop()
    emit({"event": "ready", "queue": queue.num, "library": nfqueue.library_version()})

    try:
        status = CONSUMERS[opts.mode](queue, judge, stopper.stopping)
    except Exception as error:  # a bug of the agent's own: say so, then close cleanly
        traceback.print_exc()
        emit({"event": "error", "call": "agent", "code": 0, "name": type(error).__name__,
              "message": str(error)})
        status = EXIT_RUNTIME

    # From here on the queue goes away: the handler must not touch it.
    stopper.queue = None
    judge.use_stale(final=True)  # before close, which ends what they point to
    judge.join_later()
    closed: Event = {"event": "closed"}
    enobufs = queue.enobufs_count
    # Close first, so the packets still held get the default verdict from
    # close, as the suite checks; letting them go after sends nothing.
    outcome(queue.close, closed, "result")
    judge.verdict_after_close()
    judge.free_kept()
    # Free the queue: drop every reference and collect (its packets and
    # the queue refer to each other), so its finalizer frees the C queue
    # before the adopted socket is checked.
    judge.queue = None
    gone = weakref.ref(queue)
    del queue
    gc.collect()
    if gone() is not None:
        print("nfqueue-agent-python: the queue was not freed", file=sys.stderr)
    closed["enobufs"] = enobufs
    if adopted is not None:
        # The package unbinds an adopted socket at close, but neither close
        # nor free may close it: it is still ours.
        closed["adopted_fd_open"] = fd_is_open(adopted.fileno())
        try:
            adopted.close()
        except OSError:
            pass  # someone closed it already: adopted_fd_open said so

    emit(closed)
    return EXIT_RUNTIME if status else EXIT_CLEAN


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
