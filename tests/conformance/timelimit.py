# SPDX-License-Identifier: GPL-2.0-or-later
"""A time limit for one test: a hang becomes a failure, raised in the test
itself, so its fixtures still tear down (namespaces, processes)."""
import contextlib
import signal


class TimeLimitExceeded(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds, what):
    """Raise TimeLimitExceeded in the main thread after `seconds`."""
    def expired(signum, frame):
        raise TimeLimitExceeded(f"{what} took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
