# SPDX-License-Identifier: GPL-2.0-or-later
"""The conformance suite's options, its registry of agents, and the `lab`
fixture every case uses.

  pytest tests/conformance                 every language whose agent is built
  pytest tests/conformance --lang c        one language (--lang repeats)
  pytest tests/conformance --agent 'CMD'   any program speaking PROTOCOL.md
  pytest tests/conformance --lang libnetfilter_queue
                                           the reference agent on plain libnetfilter_queue
  ... --report FILE                        also write the case x agent matrix as
                                           FILE.json and FILE.md (report.py)

Each agent declares what its binding supports in its "ready" event
(capabilities.py); a case needing what its agent does not declare is
reported as unsupported, its own outcome. The project's own agents (c,
python, go, rust) support everything: under CI=true an unsupported case
of theirs fails.

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
import capabilities
import kernel
import report as report_mod
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
    # Not one of ours: plain libnetfilter_queue, for comparison and as an
    # example of an agent not built on libnfqueue. Runs only when named.
    "libnetfilter_queue": "tests/agents/libnetfilter_queue/nfqueue-agent-libnetfilter_queue",
}

# The project's own bindings: the default set, held to everything.
OWN_AGENTS = ("c", "python", "go", "rust")

# The reason of a skip that means "unsupported" starts with this.
UNSUPPORTED = report_mod.UNSUPPORTED

# No case may take longer than this (setup and teardown have their own
# timeouts on every wait and command).
CASE_TIMEOUT = 30


def pytest_addoption(parser):
    group = parser.getgroup("conformance")
    group.addoption("--lang", action="append", default=[], choices=sorted(AGENTS),
                    help="run the suite against this language's agent (repeatable); "
                         "default: every one of " + ", ".join(OWN_AGENTS) + " that is built")
    group.addoption("--agent", metavar="COMMAND",
                    help="run the suite against COMMAND, any program speaking PROTOCOL.md "
                         "(not together with --lang)")
    group.addoption("--report", metavar="FILE",
                    help="write the matrix of cases x agents (pass, fail, unsupported, with "
                         "the failure's message) to FILE.json and FILE.md (a .json or .md "
                         "suffix of FILE is dropped first)")
    group.addoption("--allow-failures", action="store_true",
                    help="exit 0 when the only failures are the agents' (assertions, hangs): "
                         "for agents not expected to pass, such as libnetfilter_queue; an "
                         "exception of the suite itself still fails the run")
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
    config.addinivalue_line("markers", "needs(*capabilities): what the case needs of its "
                            "agent (capabilities.py); '{param}' is filled in from the case's "
                            "parameters")
    config.conformance_caps = {}
    config.conformance_report = report_mod.Matrix()
    if config.getoption("--agent"):
        if config.getoption("--lang"):
            raise pytest.UsageError("--agent COMMAND and --lang NAME exclude each other: "
                                    "--agent runs the suite against COMMAND alone")
        config.conformance_agents = [("agent", shlex.split(config.getoption("--agent")))]
        return
    builddir = build_dir(config)
    wanted = list(dict.fromkeys(config.getoption("--lang")))  # in order, once each
    agents = []
    for lang in wanted or list(OWN_AGENTS):
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
        metafunc.parametrize("agent_command", [name for name, _ in agents],
                             ids=[name for name, _ in agents], indirect=True)


def pytest_report_teststatus(report, config):
    """An unsupported case is neither passed nor skipped: its own word in
    pytest's summary line, and "U" in the progress."""
    if report_mod.unsupported_reason(report) is not None:
        return "unsupported", "U", "UNSUPPORTED"
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    report.suite_error = bool(call.excinfo) and report_mod.is_suite_error(call.excinfo.type)


def pytest_runtest_logreport(report):
    matrix = getattr(report_config, "matrix", None)
    if matrix is not None:
        matrix.add(report)


def pytest_sessionstart(session):
    matrix = getattr(session.config, "conformance_report", None)
    if matrix is not None:
        matrix.known_agents = [n for n, _ in getattr(session.config, "conformance_agents", [])]
    report_config.matrix = matrix


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    matrix = getattr(config, "conformance_report", None)
    if matrix is None:
        return
    path = config.getoption("--report")
    if path:
        matrix.write(path, [name for name, _ in getattr(config, "conformance_agents", [])])
    if config.getoption("--allow-failures") and exitstatus == pytest.ExitCode.TESTS_FAILED \
            and not matrix.suite_errors():
        session.exitstatus = pytest.ExitCode.OK


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    agents = getattr(config, "conformance_agents", None)
    if agents:
        terminalreporter.write_line(
            "conformance languages: " + ", ".join(name for name, _ in agents))
        for name, argv in agents:
            terminalreporter.write_line(f"  {name}: {shlex.join(argv)}")
    matrix = getattr(config, "conformance_report", None)
    if matrix is not None and matrix.rows:
        for line in matrix.summary_lines():
            terminalreporter.write_line(line)
        errors = matrix.suite_errors()
        if errors:
            terminalreporter.write_line(f"SUITE ERRORS (an exception of the suite itself, "
                                        f"a bug to fix in tests/conformance): {len(errors)}")
            for case, agent, message in errors:
                terminalreporter.write_line(f"  {case} [{agent}]: {message}")
        if config.getoption("--report"):
            terminalreporter.write_line(f"conformance report: {config.getoption('--report')}"
                                        f" (.json, .md)")


class report_config:
    """The session's matrix, for the hooks that get no config."""
    matrix = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Bound every case: a hang fails the case, and the lab's teardown
    still removes its namespaces and processes."""
    with time_limit(CASE_TIMEOUT, "the case"):
        yield


@pytest.fixture
def agent_command(request):
    """(name, argv) of the agent this case runs against."""
    return request.param, dict(request.config.conformance_agents)[request.param]


def is_own(config, name):
    """Whether `name` is one of the project's own agents (not --agent,
    not the libnetfilter_queue reference)."""
    return name in OWN_AGENTS and not config.getoption("--agent")


PROBE_QUEUE = 4242


def probe(argv):
    """Start the agent once, in a namespace of its own, to read the
    capabilities its "ready" event declares. Returns (capabilities, None)
    or (None, why the agent could not tell)."""
    ns = Namespace.create()
    agent = None
    try:
        agent = agent_mod.Agent(argv, ns, PROBE_QUEUE)
        try:
            ready = agent.wait_ready()
            return capabilities.declared(ready), None
        except (AssertionError, capabilities.BadDeclaration) as error:
            return None, f"its capabilities could not be read: {error}"
    finally:
        if agent is not None:
            agent.stop()
        ns.delete()


def agent_capabilities(config, name, argv):
    cache = config.conformance_caps
    if name not in cache:
        cache[name] = probe(argv)
    return cache[name]


def case_needs(item):
    """The capabilities the case declares with @pytest.mark.needs, with
    '{param}' filled in from its parameters."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    needs = set()
    for mark in item.iter_markers("needs"):
        for need in mark.args:
            needs.add(need.format(**params))
    capabilities.check_names(needs)
    return needs


class Lab:
    """One case's namespaces and processes, all removed at the end."""

    def __init__(self, command, name="agent", caps=None, needs=None, own=False):
        self.command = command
        self.name = name
        self.caps = capabilities.everything() if caps is None else caps
        self.needs = set() if needs is None else needs
        self.own = own
        self._namespaces = []
        self._processes = []

    def supports(self, capability):
        return capability in self.caps

    def namespace(self):
        ns = Namespace.create()
        self._namespaces.append(ns)
        return ns

    def agent(self, ns, queue, *options, plan=None, ready=True, refused=False):
        """Start the agent under test on `queue` inside `ns`; see PROTOCOL.md
        for `options` and `plan`. What they use must be among the case's
        declared needs: a declaration that fell behind its case is the
        suite's bug, and fails the case as such. With `refused`, the case
        expects the agent to refuse the command line or plan as a USAGE
        error, which every agent must, whether it lacks what they name or
        knows it and sees the misuse: those are not needs."""
        undeclared = capabilities.derived_needs(options, plan) - self.needs
        if undeclared and not refused:
            raise SuiteError(f"the case passes the agent {sorted(undeclared)} but does not "
                             f"declare them in @pytest.mark.needs (tests/conformance)")
        agent = agent_mod.start(self.command, ns, queue, *options, plan=plan, ready=False,
                                registry=self._processes)
        agent.caps = self.caps
        if ready:
            agent.wait_ready()
        return agent

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
                if isinstance(process, agent_mod.Agent) and process.reported_error():
                    # It reported an error and is exiting by the protocol
                    # (status 1, 2 or 64): let it, and leave its status to
                    # the case, which checks it where it matters; a SIGTERM
                    # now would only add a second, misleading failure.
                    process.wait_gone()
                    continue
                running = process.proc.poll() is None
                process.stop()
                if running and isinstance(process, agent_mod.Agent) and process.proc.returncode != 0:
                    unclean.append(process.describe())
            except Exception as error:
                unclean.append(f"stopping {process.label} failed: {error}")
        for ns in reversed(self._namespaces):
            ns.delete()
        return unclean


SuiteError = report_mod.SuiteError


@pytest.fixture
def lab(agent_command, request):
    missing = kernel.privileges_missing()
    if missing:
        if kernel.in_ci():
            pytest.fail(f"{missing}; under CI=true the suite must run, not skip")
        pytest.skip(missing)
    name, argv = agent_command
    config = request.config
    own = is_own(config, name)
    needs = case_needs(request.node)
    caps, why = agent_capabilities(config, name, argv)
    if caps is None:
        pytest.fail(f"the agent {name} ({shlex.join(argv)}) {why}")
    lacking = sorted(needs - caps)
    if lacking:
        if own and kernel.in_ci():
            pytest.fail(f"the agent {name} does not declare {lacking}: the project's own "
                        f"agents support everything, and under CI=true an unsupported case "
                        f"of theirs fails")
        pytest.skip(f"{UNSUPPORTED} the agent does not declare {', '.join(lacking)}")
    lab = Lab(argv, name, caps, needs, own)
    try:
        yield lab
    finally:
        unclean = lab.close()
    assert not unclean, "an agent did not stop cleanly at the end of the case:\n" + "\n".join(unclean)
