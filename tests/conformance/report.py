# SPDX-License-Identifier: GPL-2.0-or-later
"""The conformance matrix: every case against every agent, with its
outcome (pass, fail, unsupported, skipped) and, for a failure, the
message of the failing assertion. Written by --report FILE as FILE.json
(for tools) and FILE.md (for people); conftest.py feeds it.

FILE.json:
  {"agents": ["c", ...],
   "summary": {"c": {"pass": N, "fail": N, "unsupported": N, "skipped": N}, ...},
   "cases": [{"case": "test_x.py::test_y[run]",
              "results": {"c": {"outcome": "fail", "message": "...",
                                "suite_error": false}, ...}}, ...]}

"suite_error" is true when the failure is an exception of the suite
itself (TypeError, KeyError, ...): a bug in tests/conformance, never an
agent's.
"""
import json
import sys
from pathlib import Path

UNSUPPORTED = "UNSUPPORTED:"
MESSAGE_MAX = 1500


class SuiteError(Exception):
    """A bug of the suite itself (never the agent's fault)."""


# Exceptions that mean the suite's own code broke on an answer it should
# have judged: every answer PROTOCOL.md allows must end in a verdict of
# the suite (an AssertionError), never in one of these.
_SUITE_ERRORS = (SuiteError, TypeError, KeyError, IndexError, ValueError, AttributeError,
                 ZeroDivisionError, NameError, UnboundLocalError, RecursionError)


def is_suite_error(exc_type):
    return isinstance(exc_type, type) and issubclass(exc_type, _SUITE_ERRORS) \
        and not issubclass(exc_type, AssertionError)


def unsupported_reason(report):
    """The reason of a skip that reports an unsupported case, else None."""
    if not report.skipped or not isinstance(report.longrepr, tuple):
        return None
    reason = str(report.longrepr[2])
    if reason.startswith("Skipped: "):
        reason = reason[len("Skipped: "):]
    return reason if reason.startswith(UNSUPPORTED) else None


def split_nodeid(nodeid, agents):
    """("test_x.py::test_y[run]", "c") from "test_x.py::test_y[c-run]"
    (the agent's id may come first or last among the parameters)."""
    if not nodeid.endswith("]") or "[" not in nodeid:
        return nodeid, None
    base, _, params = nodeid[:-1].partition("[")
    for agent in sorted(agents, key=len, reverse=True):
        rest = None
        if params == agent:
            rest = ""
        elif params.startswith(agent + "-"):
            rest = params[len(agent) + 1:]
        elif params.endswith("-" + agent):
            rest = params[:-len(agent) - 1]
        if rest is not None:
            return (f"{base}[{rest}]" if rest else base), agent
    return nodeid, None


def failure_message(report):
    crash = getattr(report.longrepr, "reprcrash", None)
    message = crash.message if crash is not None else str(report.longrepr)
    return message if len(message) <= MESSAGE_MAX else message[:MESSAGE_MAX] + " ..."


class Matrix:
    def __init__(self):
        self.rows = {}       # case -> agent -> result
        self.agents = []

    def add(self, report):
        agents = getattr(self, "known_agents", None) or []
        case, agent = split_nodeid(report.nodeid.split("conformance/")[-1], agents)
        if agent is None:
            return
        if agent not in self.agents:
            self.agents.append(agent)
        results = self.rows.setdefault(case, {})
        result = results.get(agent, {"outcome": "pass"})
        if report.failed:
            if result["outcome"] != "fail":  # the first failure is the one to show
                result = {"outcome": "fail", "message": failure_message(report),
                          "suite_error": bool(getattr(report, "suite_error", False)),
                          "phase": report.when}
        elif report.skipped:
            reason = unsupported_reason(report)
            if reason is not None:
                result = {"outcome": "unsupported", "message": reason[len(UNSUPPORTED):].strip()}
            else:
                result = {"outcome": "skipped", "message": failure_message(report)}
        elif report.when == "call" and result["outcome"] == "pass":
            result = {"outcome": "pass"}
        results[agent] = result

    def summary(self):
        counts = {a: {"pass": 0, "fail": 0, "unsupported": 0, "skipped": 0} for a in self.agents}
        for results in self.rows.values():
            for agent, result in results.items():
                counts[agent][result["outcome"]] += 1
        return counts

    def summary_lines(self):
        return [f"conformance {agent}: " + ", ".join(f"{n} {k}" for k, n in c.items())
                for agent, c in self.summary().items()]

    def suite_errors(self):
        return [(case, agent, r["message"]) for case, results in self.rows.items()
                for agent, r in results.items() if r.get("suite_error")]

    def write(self, path, agents):
        stem = Path(path)
        if stem.suffix in (".json", ".md"):
            stem = stem.with_suffix("")
        stem.parent.mkdir(parents=True, exist_ok=True)
        order = [a for a in agents if a in self.agents] + \
            [a for a in self.agents if a not in agents]
        data = {"agents": order, "summary": self.summary(),
                "cases": [{"case": case, "results": results}
                          for case, results in sorted(self.rows.items())]}
        stem.with_suffix(".json").write_text(json.dumps(data, indent=1) + "\n")
        stem.with_suffix(".md").write_text(markdown(data))


def _cell(result):
    if result is None:
        return ""
    return {"pass": "pass", "fail": "**fail**", "unsupported": "unsupported",
            "skipped": "skipped"}[result["outcome"]]


def _escape(text):
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(data):
    agents = data["agents"]
    lines = ["# Conformance matrix", "",
             "Written by `pytest tests/conformance --report FILE` (tests/conformance/report.py).",
             "", "| agent | pass | fail | unsupported | skipped |", "|---|---|---|---|---|"]
    for agent in agents:
        c = data["summary"][agent]
        lines.append(f"| {agent} | {c['pass']} | {c['fail']} | {c['unsupported']} | "
                     f"{c['skipped']} |")
    lines += ["", "| case | " + " | ".join(agents) + " |",
              "|---|" + "---|" * len(agents)]
    for row in data["cases"]:
        cells = [_cell(row["results"].get(a)) for a in agents]
        lines.append(f"| `{row['case']}` | " + " | ".join(cells) + " |")
    notes = [(row["case"], a, row["results"][a]) for row in data["cases"] for a in agents
             if a in row["results"] and row["results"][a]["outcome"] in ("fail", "unsupported")]
    if notes:
        lines += ["", "## Failures and unsupported cases", ""]
        for case, agent, result in notes:
            label = "SUITE ERROR" if result.get("suite_error") else result["outcome"]
            lines.append(f"- `{case}` [{agent}] {label}: {_escape(result.get('message', ''))}")
    return "\n".join(lines) + "\n"


def merge(out, inputs):
    """One matrix from the reports of several runs (scripts/test runs the
    suite for some languages apart)."""
    merged = {"agents": [], "summary": {}, "cases": []}
    rows = {}
    for path in inputs:
        if not Path(path).is_file():  # a language that was not built this time
            print(f"report.py merge: {path} does not exist, left out", file=sys.stderr)
            continue
        data = json.loads(Path(path).read_text())
        for agent in data["agents"]:
            if agent not in merged["agents"]:
                merged["agents"].append(agent)
            merged["summary"][agent] = data["summary"][agent]
        for row in data["cases"]:
            rows.setdefault(row["case"], {}).update(row["results"])
    # The project's own agents first, in their usual order, then the others.
    own = [a for a in ("c", "python", "go", "rust") if a in merged["agents"]]
    merged["agents"] = own + [a for a in merged["agents"] if a not in own]
    merged["cases"] = [{"case": case, "results": rows[case]} for case in sorted(rows)]
    stem = Path(out)
    if stem.suffix in (".json", ".md"):
        stem = stem.with_suffix("")
    stem.with_suffix(".json").write_text(json.dumps(merged, indent=1) + "\n")
    stem.with_suffix(".md").write_text(markdown(merged))
    return merged


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[1] != "merge":
        sys.exit("usage: report.py merge OUT IN.json [IN.json ...]  (writes OUT.json, OUT.md)")
    merge(sys.argv[2], sys.argv[3:])
