# SPDX-License-Identifier: GPL-2.0-or-later
"""plan.py - the verdict plan of the Python agent: reading the --plan JSON
into rules, and choosing the rule for each packet (PROTOCOL.md, "The
verdict plan").

A plan the agent does not fully understand is refused (PlanError, which
the agent reports as a USAGE error): a misspelt member must not pass
silently as "accept".
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

VERDICTS = ("accept", "drop", "repeat", "stop", "queue", "none")
RETAINS = ("no", "hold", "later", "batch", "free", "after_close", "expire")
U32_MAX = 0xFFFFFFFF
GROUP_MAX = 4096


class PlanError(ValueError):
    """The plan is not one this agent understands."""


@dataclass(frozen=True)
class Rule:
    # Selectors: the rule applies when every one present matches.
    index: Optional[int] = None
    contains: Optional[bytes] = None
    # Actions.
    verdict: str = "accept"
    queue_num: int = 0
    bypass: bool = False
    mark: Optional[int] = None
    replace_from: Optional[bytes] = None
    replace_to: Optional[bytes] = None
    fix_checksums: bool = True
    second_verdict: Optional[str] = None
    set_payload_len: Optional[int] = None
    retain: str = "no"
    delay_ms: int = 0
    release: bool = False
    late_by: Optional[int] = None

    def matches(self, index: int, payload: Optional[bytes]) -> bool:
        if self.index is not None and self.index != index:
            return False
        if self.contains is not None and (payload is None or self.contains not in payload):
            return False
        return True

    def verdict_label(self, verdict: Optional[str] = None) -> str:
        """"accept", "queue:2", "queue:2:bypass", ... as in the events."""
        verdict = verdict or self.verdict
        if verdict == "queue":
            return f"queue:{self.queue_num}" + (":bypass" if self.bypass else "")
        return verdict


ACCEPT_ALL = Rule()


@dataclass(frozen=True)
class Plan:
    rules: List[Rule] = field(default_factory=list)
    group: int = 1  # packets per "later" or "batch" group
    together: bool = False  # "verdicts": "together": a pulled batch's verdicts in one call

    def match(self, index: int, payload: Optional[bytes]) -> Rule:
        """The first rule that matches packet number `index`; accept if none."""
        for rule in self.rules:
            if rule.matches(index, payload):
                return rule
        return ACCEPT_ALL


# ---- reading the JSON ----

def _is_int(value: Any) -> bool:
    # JSON true/false arrive as bool, which Python counts as int.
    return isinstance(value, int) and not isinstance(value, bool)


def _u32(value: Any, what: str) -> int:
    if not _is_int(value) or not 0 <= value <= U32_MAX:
        raise PlanError(f"{what} must be an integer in 0..{U32_MAX}")
    return value


def _bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise PlanError(f"{what} must be true or false")
    return value


def _hex(value: Any, what: str) -> bytes:
    try:
        if not isinstance(value, str) or len(value) % 2:
            raise ValueError
        data = bytes.fromhex(value)
    except ValueError:
        data = b""
    if not data or data.hex() != value.lower():  # fromhex skips spaces: refuse them
        raise PlanError(f"{what} must be a non-empty string of hex digits")
    return data


def _choice(value: Any, names: tuple, what: str) -> str:
    if not isinstance(value, str) or value not in names:
        raise PlanError(f"{what} must be one of {', '.join(names)}")
    return value


def _index(value: Any, what: str) -> int:
    if not _is_int(value) or value < 0:
        raise PlanError(f"{what} must be a non-negative integer")
    return value


# How each plain rule member is read (Rule has a field of the same name);
# "replace" has two parts and is read on its own.
_MEMBERS: Dict[str, Callable[[Any, str], Any]] = {
    "index": _index,
    "contains": _hex,
    "verdict": lambda value, what: _choice(value, VERDICTS, what),
    "queue_num": _u32,
    "bypass": _bool,
    "mark": _u32,
    "fix_checksums": _bool,
    "second_verdict": lambda value, what: _choice(value, VERDICTS, what),
    "retain": lambda value, what: _choice(value, RETAINS, what),
    "delay_ms": _u32,
    "set_payload_len": _u32,
    "release": _bool,
    "late_by": _u32,
}


def _rule(member: Any) -> Rule:
    if not isinstance(member, dict):
        raise PlanError("each rule must be an object")
    unknown = sorted(set(member) - set(_MEMBERS) - {"replace"})
    if unknown:
        raise PlanError(f'unknown rule member "{unknown[0]}"')
    args: Dict[str, Any] = {name: read(member[name], name)
                            for name, read in _MEMBERS.items() if name in member}
    if "replace" in member:
        replace = member["replace"]
        if not isinstance(replace, dict) or set(replace) != {"from", "to"}:
            raise PlanError('replace needs exactly "from" and "to"')
        args["replace_from"] = _hex(replace["from"], "replace.from")
        args["replace_to"] = _hex(replace["to"], "replace.to")
        if len(args["replace_from"]) != len(args["replace_to"]):
            raise PlanError("replace.from and replace.to must have the same length")
    rule = Rule(**args)
    # Both try their verdict late, to see it refused: there must be one.
    if rule.retain in ("after_close", "expire") and rule.verdict == "none":
        raise PlanError(f'retain "{rule.retain}" needs a verdict to try late')
    if rule.retain == "batch" and rule.verdict in ("queue", "none"):
        raise PlanError("a batch verdict must be accept, drop, repeat or stop")
    # A released packet's fate is the default verdict: nothing else may act on it.
    if rule.release and (rule.verdict != "none" or rule.retain != "no" or rule.mark is not None
                         or rule.replace_from is not None or rule.second_verdict is not None
                         or rule.set_payload_len is not None):
        raise PlanError('release needs "verdict": "none" and takes no retain, mark, replace, '
                        "second_verdict or set_payload_len")
    if rule.late_by is not None:
        if rule.late_by < 1:
            raise PlanError("late_by must be at least 1")
        if rule.retain != "expire":
            raise PlanError('late_by needs "retain": "expire"')
    return rule


def parse(text: str) -> Plan:
    """The plan that `text` (the --plan argument) describes."""
    try:
        root = json.loads(text)
    except ValueError as error:
        raise PlanError(f"--plan is not valid JSON: {error}") from None
    if not isinstance(root, dict):
        raise PlanError("--plan must be a JSON object")
    unknown = sorted(set(root) - {"group", "rules", "verdicts"})
    if unknown:
        raise PlanError(f'unknown plan member "{unknown[0]}"')
    verdicts = root.get("verdicts", "each")
    if verdicts not in ("each", "together"):
        raise PlanError('verdicts must be "each" or "together"')
    group = root.get("group", 1)
    if not _is_int(group) or not 1 <= group <= GROUP_MAX:
        raise PlanError(f"group must be an integer in 1..{GROUP_MAX}")
    rules = root.get("rules", [])
    if not isinstance(rules, list):
        raise PlanError("rules must be an array")
    return Plan([_rule(member) for member in rules], group, verdicts == "together")
