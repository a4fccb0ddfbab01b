# SPDX-License-Identifier: GPL-2.0-or-later
"""valgrind_files.py - read what valgrind's callgrind, cachegrind and
--trace-syscalls wrote.

self_costs(path): the instructions (Ir) each function executed itself,
keyed by (object file, source file, function name), from a callgrind.out
file (the source file tells the C library's functions from the SWIG
wrappers where both are linked into one extension). Only
self cost: a cost line right after a `calls=` line is the inclusive cost
of that call, which belongs to the callee and is counted there.

cachegrind_costs(path): the same from a cachegrind.out file, keyed by
(source file, function): cachegrind names no object file. Used where
callgrind cannot run (Go: callgrind 3.19 asserts on the return from Go's
signal handler, which the SIGUSR1 of the bench contract takes).

syscall_counts(path): how many times each system call was entered, from
a valgrind log written with --trace-syscalls=yes.
"""
import collections
import re

# ob=, fn=, cob=, cfn=, ... with name compression: "(id) name" defines,
# "(id)" refers back. cob shares ob's table, cfn/cfi/cfl share fn's/fl's.
_TABLE = {"ob": "ob", "cob": "ob", "fn": "fn", "cfn": "fn",
          "fl": "fl", "fi": "fl", "fe": "fl", "cfi": "fl", "cfl": "fl"}
_NAMED = re.compile(r"^\((\d+)\)(?: (.*))?$")


def _name(tables, kind, value):
    table = tables[_TABLE[kind]]
    match = _NAMED.match(value)
    if not match:
        return value
    ident, name = match.groups()
    if name is not None:
        table[ident] = name
    return table.get(ident, f"({ident})")


def self_costs(path):
    """{(object, source file, function): self Ir} over the whole file."""
    tables = {"ob": {}, "fn": {}, "fl": {}}
    costs = collections.Counter()
    ob, fl, fn = "???", "???", "???"
    after_calls = False
    with open(path, errors="replace") as f:
        for line in f:
            if not line or line[0] in "\n#":
                continue
            first = line[0]
            if first.isdigit() or first in "+-*":
                if after_calls:
                    after_calls = False  # inclusive cost of a call: the callee's
                    continue
                fields = line.split()
                if len(fields) >= 2:
                    costs[(ob, fl, fn)] += int(fields[1])
                continue
            key, _, value = line.rstrip("\n").partition("=")
            if key == "ob":
                ob = _name(tables, key, value)
            elif key == "fl":
                fl = _name(tables, key, value)
            elif key == "fn":
                fn = _name(tables, key, value)
            elif key in _TABLE:
                _name(tables, key, value)  # defines a name used later
            elif key == "calls":
                after_calls = True
    return costs


def cachegrind_costs(path):
    """{(source file, function): Ir}."""
    costs = collections.Counter()
    fl, fn = "???", "???"
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("fl="):
                fl = line[3:].rstrip("\n")
            elif line.startswith("fn="):
                fn = line[3:].rstrip("\n")
            elif line[:1].isdigit():
                fields = line.split()
                if len(fields) >= 2:
                    costs[(fl, fn)] += int(fields[1])
    return costs


_SYSCALL = re.compile(r"^SYSCALL\[\d+,\d+\]\(\s*\d+\) (?:sys_)?(\w+) \(")


def syscall_counts(path):
    """{syscall name: times entered}; the lines that report an async
    syscall's end ("... [async] -->") are not entries and do not match."""
    counts = collections.Counter()
    with open(path, errors="replace") as f:
        for line in f:
            match = _SYSCALL.match(line)
            if match:
                counts[match.group(1)] += 1
    return counts
