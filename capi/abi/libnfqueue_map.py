# SPDX-License-Identifier: GPL-2.0-or-later
"""Read capi/libnfqueue.map, the version script, for the ABI checks.

A small parser for the subset of the GNU ld version-script language the
project uses: nodes `NAME { global: a; b; local: *; } PARENT;` with C
comments. It also checks the rules DESIGN.md sets for the map, so every
check that reads the map enforces them.
"""
import re

NODE_RE = re.compile(r"([A-Za-z_][\w.]*)\s*\{(.*?)\}\s*([A-Za-z_][\w.]*)?\s*;", re.S)
NODE_NAME_RE = re.compile(r"NFQUEUE_(\d+)\.(\d+)$")


class MapError(Exception):
    pass


class VersionMap:
    def __init__(self, nodes):
        self.nodes = nodes  # [(name, parent, [symbols], has_local_star)], in file order

    @property
    def symbols(self):
        """{symbol: node name}"""
        return {sym: name for name, _, syms, _ in self.nodes for sym in syms}

    @property
    def newest(self):
        return self.nodes[-1][0]


def parse(path):
    with open(path) as f:
        text = re.sub(r"/\*.*?\*/", " ", f.read(), flags=re.S)
    text = re.sub(r"#[^\n]*", " ", text)
    nodes, seen, consumed = [], {}, 0
    for m in NODE_RE.finditer(text):
        if text[consumed:m.start()].strip():
            raise MapError(f"{path}: cannot parse {text[consumed:m.start()].strip()[:40]!r}")
        consumed = m.end()
        name, body, parent = m.group(1), m.group(2), m.group(3)
        syms, local_star, section = [], False, None
        for item in (s.strip() for s in body.split(";")):
            if not item:
                continue
            label = re.match(r"(global|local)\s*:\s*(.*)", item, re.S)
            if label:
                section, item = label.group(1), label.group(2).strip()
                if not item:
                    continue
            if section == "local":
                if item != "*":
                    raise MapError(f"{name}: only 'local: *;' is expected, got {item!r}")
                local_star = True
            elif section == "global":
                if not re.fullmatch(r"[A-Za-z_]\w*", item):
                    raise MapError(f"{name}: {item!r} is not a plain symbol name (no wildcards)")
                syms.append(item)
            else:
                raise MapError(f"{name}: {item!r} is outside a global: or local: section")
        nodes.append((name, parent, syms, local_star))
        for sym in syms:
            if sym in seen:
                raise MapError(f"{sym} is listed in both {seen[sym]} and {name}")
            seen[sym] = name
    if text[consumed:].strip():
        raise MapError(f"{path}: cannot parse {text[consumed:].strip()[:40]!r}")
    vmap = VersionMap(nodes)
    check_rules(vmap)
    return vmap


def check_rules(vmap):
    """One node per release, each inheriting the one before; 'local: *' in
    the first only; names in the project's namespace."""
    if not vmap.nodes:
        raise MapError("the map has no version node")
    previous = None
    for i, (name, parent, syms, local_star) in enumerate(vmap.nodes):
        if not NODE_NAME_RE.match(name):
            raise MapError(f"node {name} is not named NFQUEUE_MAJOR.MINOR")
        if parent != previous:
            raise MapError(f"node {name} must inherit {previous or 'nothing'}, not {parent or 'nothing'}")
        if local_star != (i == 0):
            raise MapError(f"node {name}: 'local: *;' belongs in the first node only")
        for sym in syms:
            if not sym.startswith("nfqueue_"):
                raise MapError(f"{sym} (in {name}) is outside the nfqueue_ namespace")
        previous = name
