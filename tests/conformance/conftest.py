"""The conformance suite's options, its registry of agents, and the `lab`
fixture every case uses.

  pytest tests/conformance                 every language whose agent is built
  pytest tests/conformance --lang c        one language (--lang repeats)
  pytest tests/conformance --agent 'CMD'   any program speaking PROTOCOL.md

The Python agent is a script, not a build product: it runs under the
interpreter given by --python (else $NFQUEUE_PYTHON, else the one running
pytest), and counts as built when that interpreter can import nfqueue.

Each case takes `lab`, which is parametrised over the languages: a case is
written once and runs against every agent. The lab creates the case's
namespaces and processes and removes them when the case ends, also when
it fails.
"""
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import agent as agent_mod
import kernel
import traffic
from netns import Namespace
from timelimit import time_limit

REPO = Path(__file__).resolve().parents[2]

# Where each language's agent lives, relative to the build directory
# (python: relative to the repository, see python_agent()).
# An agent that is not there is not built: its language is simply not
# parametrised (a language named with --lang must be there).
AGENTS = {
    "c": "tests/agents/c/nfqueue-agent-c",
    "python": "tests/agents/python/agent.py",
    "go": "go/nfqueue-agent-go",
    "rust": "rust/nfqueue-agent-rust",
}

# No case may take longer than this (setup and teardown have their own
# timeouts on every wait and command).
CASE_TIMEOUT = 30


def pytest_addoption(parser):
    group = parser.getgroup("conformance")
    group.addoption("--lang", action="append", default=[], choices=sorted(AGENTS),
                    help="run the suite against this language's agent (repeatable); "
                         "default: every language whose agent is built")
    group.addoption("--agent", metavar="COMMAND",
                    help="run the suite against COMMAND, any program speaking PROTOCOL.md")
    group.addoption("--python", metavar="PATH",
                    help="interpreter for the Python agent (default: $NFQUEUE_PYTHON, "
                         "else the one running pytest)")
    group.addoption("--build-dir", metavar="DIR",
                    help="meson build directory holding the agents "
                         "(default: $NFQUEUE_BUILD_DIR, else build/ at the repository root)")


def build_dir(config):
    chosen = config.getoption("--build-dir") or os.environ.get("NFQUEUE_BUILD_DIR")
    if not chosen:
        return REPO / "build"
    path = Path(chosen)
    return path if path.is_absolute() else Path.cwd() / path


def python_interpreter(config):
    return config.getoption("--python") or os.environ.get("NFQUEUE_PYTHON") or sys.executable


def python_agent(config):
    """[PY, agent.py] when the interpreter PY can import nfqueue, else None."""
    python = python_interpreter(config)
    try:
        found = subprocess.run([python, "-c", "import nfqueue"], stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        found = False
    return [python, str(REPO / AGENTS["python"])] if found else None


def find_agent(lang, builddir, config):
    if lang == "python":
        return python_agent(config)
    path = builddir / AGENTS[lang]
    return [str(path)] if path.is_file() and os.access(path, os.X_OK) else None


def missing_agent(lang, builddir, config):
    """Why --lang LANG cannot run, and what to do."""
    if lang == "python":
        return (f"{python_interpreter(config)} cannot import nfqueue; install the package "
                f"into it, or pass --python PATH (or set NFQUEUE_PYTHON)")
    return (f"no agent at {builddir / AGENTS[lang]}; build it "
            f"(meson compile -C {builddir}) or pass --build-dir")


def pytest_configure(config):
    """Decide once which agents the suite runs against: [(name, argv)]."""
    if config.getoption("--help", default=False):
        return
    if config.getoption("--agent"):
        config.conformance_agents = [("agent", shlex.split(config.getoption("--agent")))]
        return
    builddir = build_dir(config)
    wanted = list(dict.fromkeys(config.getoption("--lang")))  # in order, once each
    agents = []
    for lang in wanted or list(AGENTS):
        argv = find_agent(lang, builddir, config)
        if argv:
            agents.append((lang, argv))
        elif wanted:
            raise pytest.UsageError(f"--lang {lang}: {missing_agent(lang, builddir, config)}")
    if not agents:
        raise pytest.UsageError(
            f"no conformance agent is built under {builddir}: run 'meson compile -C {builddir}', "
            f"pass --build-dir, or name a program with --agent")
    config.conformance_agents = agents


def pytest_generate_tests(metafunc):
    if "agent_command" in metafunc.fixturenames:
        agents = metafunc.config.conformance_agents
        metafunc.parametrize("agent_command", [argv for _, argv in agents],
                             ids=[name for name, _ in agents], indirect=True)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    agents = getattr(config, "conformance_agents", None)
    if agents:
        terminalreporter.write_line(
            "conformance languages: " + ", ".join(name for name, _ in agents))
        for name, argv in agents:
            terminalreporter.write_line(f"  {name}: {shlex.join(argv)}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Bound every case: a hang fails the case, and the lab's teardown
    still removes its namespaces and processes."""
    with time_limit(CASE_TIMEOUT, "the case"):
        yield


@pytest.fixture
def agent_command(request):
    return request.param


class Lab:
    """One case's namespaces and processes, all removed at the end."""

    def __init__(self, command):
        self.command = command
        self._namespaces = []
        self._processes = []

    def namespace(self):
        ns = Namespace.create()
        self._namespaces.append(ns)
        return ns

    def agent(self, ns, queue, *options, plan=None, ready=True):
        """Start the agent under test on `queue` inside `ns`; see PROTOCOL.md
        for `options` and `plan`."""
        return agent_mod.start(self.command, ns, queue, *options, plan=plan, ready=ready,
                               registry=self._processes)

    def udp_receiver(self, ns, addr, port, timestamps=False):
        return self._track(traffic.UdpReceiver(ns, addr, port, timestamps)).wait_ready()

    def tcp_receiver(self, ns, addr, port):
        return self._track(traffic.TcpReceiver(ns, addr, port)).wait_ready()

    def track(self, process):
        """Have the lab stop `process` (a JsonLineProcess) at the end."""
        return self._track(process)

    def _track(self, process):
        self._processes.append(process)
        return process

    def close(self):
        """Stop every process and remove every namespace. Returns how the
        agents that were still running ended, when that was not cleanly: an
        agent asked to stop must close its queue and exit 0, so a crash, a
        hang or a sanitizer's report at exit fails the case."""
        unclean = []
        for process in reversed(self._processes):
            try:
                running = process.proc.poll() is None
                process.stop()
                if running and isinstance(process, agent_mod.Agent) and process.proc.returncode != 0:
                    unclean.append(process.describe())
            except Exception as error:
                unclean.append(f"stopping {process.label} failed: {error}")
        for ns in reversed(self._namespaces):
            ns.delete()
        return unclean


@pytest.fixture
def lab(agent_command):
    missing = kernel.privileges_missing()
    if missing:
        if kernel.in_ci():
            pytest.fail(f"{missing}; under CI=true the suite must run, not skip")
        pytest.skip(missing)
    lab = Lab(agent_command)
    try:
        yield lab
    finally:
        unclean = lab.close()
    assert not unclean, "an agent did not stop cleanly at the end of the case:\n" + "\n".join(unclean)
