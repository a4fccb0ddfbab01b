# SPDX-License-Identifier: GPL-2.0-or-later
"""The agent under test, as a process inside a namespace (PROTOCOL.md).

Agent.start() runs `AGENT --queue N [options]` in the namespace and
waits for its "ready" (or "error") event; the helpers below wait for the
events a case needs, each with a timeout.
"""
import json
import signal
import subprocess

from process import JsonLineProcess

READY_TIMEOUT = 5.0


class AgentFailed(AssertionError):
    """The agent reported an error event where the case expected it to work."""


class Agent(JsonLineProcess):
    def __init__(self, command, ns, queue, options=(), plan=None):
        argv = [*command, "--queue", str(queue), *[str(o) for o in options]]
        if plan is not None:
            argv += ["--plan", json.dumps(plan)]
        super().__init__(ns.argv(argv), f"agent[queue {queue} in {ns.name}]")
        self.queue = queue

    def reported_error(self):
        """Whether the agent reported an "error" event (after which it exits
        on its own, PROTOCOL.md)."""
        return any(e.get("event") == "error" for e in self.events)

    def wait_gone(self, timeout=READY_TIMEOUT):
        """Let an agent that reported an error exit by itself; stop it only
        if it does not within `timeout` (the case judges its status)."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        self.stop()

    def wait_ready(self, timeout=READY_TIMEOUT):
        """Wait for "ready"; an "error" instead fails the case with its message."""
        event = self.wait_for(lambda e: e["event"] in ("ready", "error"), timeout=timeout,
                              what='"ready"')[0]
        if event["event"] == "error":
            raise AgentFailed(f"the agent could not start: {event}\n{self.describe()}")
        return event

    def wait_error(self, timeout=READY_TIMEOUT):
        """Wait for the "error" event of an agent that must fail to start."""
        event = self.wait_for(lambda e: e["event"] in ("ready", "error"), timeout=timeout,
                              what='"error"')[0]
        assert event["event"] == "error", f"expected an error, the agent started:\n{self.describe()}"
        return event

    def packets(self, count, timeout=5.0):
        return self.wait_for(lambda e: e["event"] == "packet", count, timeout, '"packet"')

    def verdicts(self, count, timeout=5.0):
        return self.wait_for(lambda e: e["event"] == "verdict", count, timeout, '"verdict"')

    def batches(self, count=1, timeout=5.0):
        return self.wait_for(lambda e: e["event"] == "batch", count, timeout, '"batch"')

    def all_packets(self):
        return self.select(lambda e: e["event"] == "packet")

    def shutdown(self, timeout=5.0):
        """SIGTERM: the agent stops, closes its queue and exits 0 after a
        "closed" event. Returns that event."""
        self.signal(signal.SIGTERM)
        status = self.wait_exit(timeout)
        closed = self.select(lambda e: e["event"] == "closed")
        assert status == 0 and closed, f"the agent did not stop cleanly:\n{self.describe()}"
        assert closed[0]["result"] == "ok", f"closing the queue failed:\n{self.describe()}"
        return closed[0]


def start(command, ns, queue, *options, plan=None, ready=True, registry=None):
    """Start an agent; with `ready`, wait until its queue is bound."""
    agent = Agent(command, ns, queue, options, plan)
    if registry is not None:
        registry.append(agent)
    if ready:
        agent.wait_ready()
    return agent
