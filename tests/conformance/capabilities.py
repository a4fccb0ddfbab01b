# SPDX-License-Identifier: GPL-2.0-or-later
"""What an agent says its binding supports (PROTOCOL.md, "Capabilities"),
and what a case needs of it.

A capability is a string KIND:NAME, for instance "option:batch-size",
"mode:pull", "flag:gso", "verdict:repeat", "retain:later", "plan:replace",
"attribute:orig_len", "report:enobufs". VOCABULARY is the whole list; an
agent of protocol 2 declares, for each kind, the names it supports, in
the "capabilities" object of its "ready" event. An agent of protocol 1
(no "protocol" member) declares nothing and is taken to support all.

Every case declares its needs with the `needs` marker; the lab checks
that the options and plan a case passes to the agent are covered by what
it declared (derived_needs), so a declaration cannot fall behind the case.
"""
import json

# The protocol versions this suite knows (PROTOCOL.md, "Protocol versions").
PROTOCOL_VERSIONS = (1, 2)

# The plural key of each kind in the "capabilities" object, and its names.
KINDS = {
    "option": "options",
    "mode": "modes",
    "flag": "flags",
    "verdict": "verdicts",
    "retain": "retain",
    "plan": "plan",
    "attribute": "attributes",
    "report": "reports",
}

VOCABULARY = {
    # --flags is declared by its values (flag:...), --mode by its modes.
    "options": ["copy-mode", "copy-range", "max-len", "rcvbuf", "no-enobufs",
                "default-verdict", "netns", "adopt-socket", "batch-size", "payload-hex-max",
                "interruptible"],
    "modes": ["run", "dispatch", "pull"],
    "flags": ["fail-open", "conntrack", "gso", "uid-gid", "secctx"],
    "verdicts": ["accept", "drop", "repeat", "stop", "queue", "none"],
    "retain": ["hold", "later", "batch", "free", "after_close", "expire"],
    # "verdict" is baseline, "retain" is declared by its kinds (retain:...).
    "plan": ["index", "contains", "queue_num", "bypass", "mark", "replace",
             "fix_checksums", "second_verdict", "set_payload_len", "delay_ms",
             "release", "late_by", "group", "verdicts"],
    "attributes": ["orig_len", "mark", "timestamp", "indev", "outdev", "physindev",
                   "physoutdev", "ifnames", "hwaddr", "uid", "gid", "secctx", "skbinfo",
                   "priority", "vlan", "l2hdr", "ct"],
    "reports": ["enobufs"],
}

# What every agent must do, declared or not: --queue, --plan with rules
# whose "verdict" is accept, run mode. (The plan members "verdict" and
# "retain" are not capabilities of their own: their values are.)
BASELINE = {"mode:run", "verdict:accept"}

# Options that take no value (for derived_needs).
_SWITCHES = {"--no-enobufs", "--adopt-socket", "--interruptible"}

# Packet event members of each attribute capability.
ATTRIBUTE_MEMBERS = {
    "orig_len": ["orig_len"], "mark": ["mark"], "timestamp": ["timestamp"],
    "indev": ["indev"], "outdev": ["outdev"], "physindev": ["physindev"],
    "physoutdev": ["physoutdev"],
    "ifnames": ["indev_name", "outdev_name", "physindev_name", "physoutdev_name"],
    "hwaddr": ["hwaddr"], "uid": ["uid"], "gid": ["gid"], "secctx": ["secctx"],
    "skbinfo": ["skbinfo"], "priority": ["priority"], "vlan": ["vlan"], "l2hdr": ["l2hdr"],
    "ct": ["ct_info", "ct_id", "ct_status"],
}


def everything():
    return {f"{kind}:{name}" for kind, key in KINDS.items() for name in VOCABULARY[key]}


class BadDeclaration(Exception):
    """A "ready" event whose protocol or capabilities the suite cannot read."""


def declared(ready):
    """The set of capabilities a "ready" event declares."""
    version = ready.get("protocol", 1)
    if version not in PROTOCOL_VERSIONS:
        raise BadDeclaration(f"\"protocol\": {json.dumps(version)} is not a version this suite "
                             f"knows ({', '.join(map(str, PROTOCOL_VERSIONS))})")
    if version == 1:
        return everything()
    caps = ready.get("capabilities")
    if not isinstance(caps, dict):
        raise BadDeclaration(f"protocol 2 needs a \"capabilities\" object, got "
                             f"{json.dumps(caps)}")
    result = set(BASELINE)
    for key, names in caps.items():
        if key not in VOCABULARY:
            raise BadDeclaration(f"unknown capability kind {key!r}: use "
                                 f"{', '.join(VOCABULARY)}")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise BadDeclaration(f"capabilities {key!r} must be a list of strings, got "
                                 f"{json.dumps(names)}")
        unknown = sorted(set(names) - set(VOCABULARY[key]))
        if unknown:
            raise BadDeclaration(f"unknown {key} {unknown}: the vocabulary is "
                                 f"{VOCABULARY[key]}")
        kind = next(k for k, v in KINDS.items() if v == key)
        result |= {f"{kind}:{name}" for name in names}
    return result


def check_names(needs):
    """Raise ValueError for a need outside the vocabulary (a typo in a case)."""
    known = everything()
    bad = sorted(set(needs) - known)
    if bad:
        raise ValueError(f"unknown capabilities {bad} in a case's needs")


def derived_needs(options, plan):
    """The capabilities that passing `options` and `plan` to an agent uses."""
    needs = set()
    options = [str(o) for o in options]
    i = 0
    while i < len(options):
        option = options[i]
        value = None
        if option not in _SWITCHES and i + 1 < len(options):
            value = options[i + 1]
            i += 1
        i += 1
        if option == "--mode":
            needs.add(f"mode:{value}")
            continue
        if option == "--flags":
            needs |= {f"flag:{f}" for f in (value or "").split(",") if f}
        elif option.startswith("--"):
            needs.add(f"option:{option[2:]}")
    if isinstance(plan, dict):
        needs |= {f"plan:{m}" for m in plan if m != "rules"}
        for rule in plan.get("rules", []) if isinstance(plan.get("rules"), list) else []:
            if not isinstance(rule, dict):
                continue
            needs |= {f"plan:{m}" for m in rule}
            if "verdict" in rule:
                needs.add(f"verdict:{rule['verdict']}")
            if "second_verdict" in rule:
                needs.add(f"verdict:{rule['second_verdict']}")
            if "retain" in rule:
                needs.add(f"retain:{rule['retain']}")
    # "verdict": "accept" and the baseline need no declaration.
    return {n for n in needs if n not in BASELINE and n in everything()}
