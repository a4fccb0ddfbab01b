#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A fake agent for testing the conformance suite itself, not a binding.

  liar.py --mode MODE -- AGENT [ARGS...]

runs the real AGENT (with the suite's arguments appended) and passes its
events on, each distorted by MODE, so the suite meets answers it must
judge without breaking:

  names    every member but "event" replaced by an error name (PROTOCOL.md
           lets an agent put one in place of any metadata value)
  missing  every member but "event" left out
  nulls    every member but "event" set to null
  types    every member but "event" set to a value of another type ({})

The "ready" event passes unchanged, so the agent's capabilities still
decide which cases run. Signals are passed on to AGENT, which dies with
this process (PR_SET_PDEATHSIG).
"""
import ctypes
import json
import signal
import subprocess
import sys

PR_SET_PDEATHSIG = 1
MODES = {
    "names": lambda value: "NFQUEUE_E_IO",
    "nulls": lambda value: None,
    "types": lambda value: {},
}


def distort(event, mode):
    if event.get("event") == "ready":
        return event
    if mode == "missing":
        return {"event": event.get("event")}
    return {key: (value if key == "event" else MODES[mode](value)) for key, value in event.items()}


def die_with_parent():
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def main():
    args = sys.argv[1:]
    if len(args) < 4 or args[0] != "--mode" or args[1] not in [*MODES, "missing"] or \
            args[2] != "--":
        sys.exit(f"usage: liar.py --mode {'|'.join([*MODES, 'missing'])} -- AGENT [ARGS...]")
    mode, command = args[1], args[3:]
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             preexec_fn=die_with_parent)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1):
        signal.signal(signum, lambda s, frame: child.send_signal(s))
    for raw in child.stdout:
        try:
            event = json.loads(raw)
        except ValueError:
            sys.stdout.write(raw.decode(errors="replace"))
        else:
            sys.stdout.write(json.dumps(distort(event, mode)) + "\n")
        sys.stdout.flush()
    status = child.wait()
    sys.exit(status if status >= 0 else 128 - status)


if __name__ == "__main__":
    main()
