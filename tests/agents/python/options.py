# SPDX-License-Identifier: GPL-2.0-or-later
"""options.py - the Python agent's command line (PROTOCOL.md, "Options").

Each queue option becomes one keyword argument of nfqueue.Queue, the
package's counterpart of the C config setters; an option that is not
given is not passed, so the package's (the library's) default applies.
--interruptible has no keyword: the package's waits always are (Python
must run its signal handlers); the option only makes the agent handle
SIGUSR1 (agent.py).
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Any, Dict, List, NoReturn, Optional

import nfqueue

U32_MAX = 0xFFFFFFFF
MODES = ("run", "dispatch", "pull")
FLAGS = {"fail-open": "fail_open", "conntrack": "conntrack", "gso": "gso",
         "uid-gid": "uid_gid", "secctx": "secctx"}


class UsageError(ValueError):
    """A bad command line: reported as a USAGE error, exit status 64."""


@dataclass
class Options:
    queue: int
    mode: str = "run"
    plan: Optional[str] = None
    adopt_socket: bool = False
    interruptible: bool = False
    hex_max: int = 256
    # Keyword arguments for nfqueue.Queue (besides the number and fd).
    queue_kwargs: Dict[str, Any] = field(default_factory=dict)


class _Parser(argparse.ArgumentParser):
    # argparse would print and exit 2; the protocol wants a USAGE event.
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _number(option: str):
    """A converter for 0..4294967295, like the C agent's strtoull check."""
    def convert(text: str) -> int:
        try:
            value = int(text, 0)
        except ValueError:
            value = -1
        if not 0 <= value <= U32_MAX or text.startswith("-"):
            raise argparse.ArgumentTypeError(f"{option} needs a number in 0..{U32_MAX}")
        return value
    return convert


def _choice(option: str, names: tuple):
    def convert(text: str) -> str:
        if text not in names:
            raise argparse.ArgumentTypeError(f'{option} "{text}": use {", ".join(names)}')
        return text
    return convert


def _flags(text: str) -> List[str]:
    words = [w for w in text.split(",") if w]
    for word in words:
        if word not in FLAGS:
            raise argparse.ArgumentTypeError(
                f'unknown flag "{word}": use {", ".join(FLAGS)}')
    return words


def _parser() -> _Parser:
    p = _Parser(prog="nfqueue-agent-python", add_help=False, allow_abbrev=False)
    p.add_argument("--queue", type=_number("--queue"), required=True)
    p.add_argument("--mode", type=_choice("--mode", MODES), default="run")
    p.add_argument("--copy-mode", type=_choice("--copy-mode", ("none", "meta", "packet")))
    p.add_argument("--copy-range", type=_number("--copy-range"))
    p.add_argument("--max-len", type=_number("--max-len"))
    p.add_argument("--flags", type=_flags, action="append", default=[])
    p.add_argument("--rcvbuf", type=_number("--rcvbuf"))
    p.add_argument("--no-enobufs", action="store_true")
    p.add_argument("--default-verdict", type=_choice("--default-verdict", ("accept", "drop")))
    p.add_argument("--netns")
    p.add_argument("--adopt-socket", action="store_true")
    p.add_argument("--interruptible", action="store_true")
    p.add_argument("--batch-size", type=_number("--batch-size"))
    p.add_argument("--plan")
    p.add_argument("--payload-hex-max", type=_number("--payload-hex-max"), default=256)
    return p


def parse(argv: List[str]) -> Options:
    args = _parser().parse_args(argv)
    kwargs: Dict[str, Any] = {}
    # --copy-range implies copy mode packet unless a mode was given.
    if args.copy_mode is not None or args.copy_range is not None:
        kwargs["copy_mode"] = {"none": nfqueue.CopyMode.NONE, "meta": nfqueue.CopyMode.META,
                               "packet": nfqueue.CopyMode.PACKET}[args.copy_mode or "packet"]
    if args.copy_range is not None:
        kwargs["copy_range"] = args.copy_range
    if args.max_len is not None:
        kwargs["max_len"] = args.max_len
    for word in (w for words in args.flags for w in words):
        kwargs[FLAGS[word]] = True
    if args.rcvbuf is not None:
        kwargs["rcvbuf"] = args.rcvbuf
    if args.no_enobufs:
        kwargs["no_enobufs"] = True
    if args.default_verdict is not None:
        kwargs["default_verdict"] = (nfqueue.Verdict.ACCEPT if args.default_verdict == "accept"
                                     else nfqueue.Verdict.DROP)
    if args.netns is not None:
        kwargs["netns"] = args.netns
    if args.batch_size is not None:
        kwargs["batch_size"] = args.batch_size
    return Options(queue=args.queue, mode=args.mode, plan=args.plan,
                   adopt_socket=args.adopt_socket, interruptible=args.interruptible,
                   hex_max=args.payload_hex_max,
                   queue_kwargs=kwargs)
