"""Waiting for a queue's socket in a way Python can interrupt.

The C library's blocking calls retry when a signal interrupts them, so a
Python signal handler (Ctrl+C's KeyboardInterrupt, or one that calls
``queue.stop()``) would only run once a packet arrives. The Python layer
therefore waits itself, in ``poll(2)`` through the ``select`` module, which
runs signal handlers on EINTR, and receives from C without blocking.
``stop()`` wakes the wait through a pipe: writing to a pipe is safe from a
signal handler and from any thread.
"""
from __future__ import annotations

import asyncio
import os
import select
from typing import Optional


class Wakeup:
    """A wait on one socket that stop() can end from anywhere."""

    def __init__(self) -> None:
        self._read_fd, self._write_fd = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.stop_requested = False

    def close(self) -> None:
        for fd in (self._read_fd, self._write_fd):
            if fd >= 0:
                os.close(fd)
        self._read_fd = self._write_fd = -1

    def request_stop(self) -> None:
        """Ask the current (or next) wait to end. Signal- and thread-safe."""
        self.stop_requested = True
        try:
            os.write(self._write_fd, b"s")
        except BlockingIOError:
            pass  # the pipe is full of wake-ups already: the wait ends anyway

    def take_stop(self) -> bool:
        """True if a stop was requested; the request is consumed."""
        if not self.stop_requested:
            return False
        self.stop_requested = False
        self._drain()
        return True

    def _drain(self) -> None:
        try:
            while os.read(self._read_fd, 64):
                pass
        except BlockingIOError:
            pass

    def wait(self, fd: int, timeout: Optional[float]) -> None:
        """Wait until `fd` is readable, the timeout in seconds passes or a
        stop is requested (the caller checks stop_requested). Signal
        handlers run during the wait; an exception they raise propagates."""
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        poller.register(self._read_fd, select.POLLIN)
        millis = None if timeout is None else max(0, int(timeout * 1000))
        ready = dict(poller.poll(millis))
        if self._read_fd in ready:
            # The flag, not the byte, says whether to stop: a byte may be
            # left over from a stop that was consumed already.
            self._drain()

    async def wait_async(self, fd: int) -> None:
        """Wait on the running asyncio loop until `fd` is readable or a
        stop is requested, without a thread."""
        loop = asyncio.get_running_loop()
        woken = loop.create_future()

        def wake() -> None:
            if not woken.done():
                woken.set_result(None)

        loop.add_reader(fd, wake)
        loop.add_reader(self._read_fd, wake)
        try:
            await woken
        finally:
            loop.remove_reader(fd)
            loop.remove_reader(self._read_fd)
        self._drain()
