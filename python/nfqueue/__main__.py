# SPDX-License-Identifier: GPL-2.0-or-later
"""``python -m nfqueue stats|dump``: the ``nfqueue`` tool's two commands for
someone who installed only the Python package.

``stats`` reads the kernel's queue table, /proc/net/netfilter/nfnetlink_queue,
in plain Python (once, or ``--watch`` every few seconds); ``dump`` binds a
queue with :class:`nfqueue.Queue`, prints a line per packet, accepts it, and
reports on stderr the packets the kernel lost, as they are lost. The columns
and messages are those of the C tool (capi/tools), so one README serves both.
"""
import argparse
import ipaddress
import os
import signal
import sys
import time
from typing import TYPE_CHECKING, Any, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

if TYPE_CHECKING:
    from .queue import Queue

TABLE = "/proc/net/netfilter/nfnetlink_queue"
NETLINK_NETFILTER = 12
COPY_MODES = {0: "none", 1: "meta", 2: "packet"}


class Row(NamedTuple):
    """One line of the kernel's table (net/netfilter/nfnetlink_queue.c)."""
    queue: int
    portid: int
    waiting: int
    copy_mode: int
    copy_range: int
    dropped: int        # dropped because the queue was full
    user_dropped: int   # dropped because the socket buffer was full
    last_id: int        # id_sequence: the id of the last packet queued
    use: int


class CliError(Exception):
    """A failure with its message for the user; exit status 1."""


def read_table(path: str) -> List[Row]:
    """The rows of `path`; CliError saying what is needed if unreadable."""
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        if path == TABLE:  # appears when nfnetlink_queue is loaded
            return []
        raise CliError(f"cannot read {path}: no such file")
    except PermissionError:
        # The kernel makes the table readable by root only (0440).
        raise CliError(f"cannot read {path}: permission denied: the kernel lets only "
                       f"root read it; run 'sudo python3 -m nfqueue stats'")
    rows = []
    for number, line in enumerate(lines, 1):
        fields = line.split()
        if len(fields) != 9 or not all(x.isdigit() for x in fields):
            raise CliError(f"{path}:{number}: unexpected line {line!r}")
        rows.append(Row(*map(int, fields)))
    return rows


def socket_owner(netlink_table: str, portid: int) -> Optional[str]:
    """"PID/COMM" of the process holding the netfilter netlink socket with
    `portid`, or None when it cannot be seen (other users' /proc/PID/fd
    need root)."""
    inode = None
    try:
        with open(netlink_table) as f:
            next(f, None)  # header: sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
            for line in f:
                fields = line.split()
                if len(fields) >= 10 and int(fields[1]) == NETLINK_NETFILTER \
                        and int(fields[2]) == portid:
                    inode = fields[9]
                    break
    except OSError:
        return None
    if inode is None:
        return None
    want = f"socket:[{inode}]"
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == want:
                    with open(f"/proc/{pid}/comm") as f:
                        return f"{pid}/{f.read().strip()}"
            except OSError:
                continue
    return None


class Owners:
    """Owner lookups, remembering whether one failed for want of root."""

    def __init__(self, table: str, enabled: bool) -> None:
        suffix = "netfilter/nfnetlink_queue"
        self.netlink = table[:-len(suffix)] + "netlink" if table.endswith(suffix) else None
        self.enabled = enabled and self.netlink is not None
        self.missing = False
        self._cache: Dict[int, Optional[str]] = {}

    def of(self, row: Row, cached: bool = False) -> str:
        if not self.enabled:
            return "-"
        if not cached or self._cache.get(row.portid) is None:
            assert self.netlink is not None
            self._cache[row.portid] = socket_owner(self.netlink, row.portid)
        owner = self._cache[row.portid]
        if owner is None:
            self.missing = True
        return owner or "-"

    def hint(self) -> None:
        if self.missing and os.geteuid() != 0:
            print("nfqueue: process '-': finding the process that holds a queue's socket "
                  "reads other users' /proc/PID/fd, which needs root (or CAP_SYS_PTRACE)",
                  file=sys.stderr)


def stats_once(table: str, owners: Owners) -> int:
    rows = read_table(table)
    if not rows:
        print(f"no queues are bound in this network namespace ({table} is empty)"
              if os.path.exists(table) else
              f"no queues: the nfnetlink_queue module is not loaded ({table} does not exist)")
        return 0
    print(f"{'queue':>5} {'portid':>10} {'waiting':>7} {'copy_mode':<9} {'copy_range':>10} "
          f"{'dropped':>10} {'user_dropped':>12} {'last_id':>10} {'use':>3}  process")
    for r in rows:
        print(f"{r.queue:5} {r.portid:10} {r.waiting:7} {COPY_MODES.get(r.copy_mode, '?'):<9} "
              f"{r.copy_range:10} {r.dropped:10} {r.user_dropped:12} {r.last_id:10} "
              f"{r.use:3}  {owners.of(r)}")
    owners.hint()
    return 0


def stats_watch(table: str, owners: Owners, interval: float, count: int) -> int:
    """Per queue and interval: in/s (growth of last_id), verdicts/s (in,
    minus user_dropped, minus the growth of waiting), waiting, and the
    drops of the interval; a queue bound anew starts from zero counters."""
    stopping: List[int] = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    prev = {r.queue: r for r in read_table(table)}
    prev_time = time.monotonic()
    print(f"{'time':<8} {'queue':>5} {'in/s':>10} {'verdicts/s':>10} {'waiting':>7} "
          f"{'dropped':>8} {'user_dropped':>12}  process", flush=True)
    done, said_empty = 0, False
    try:
        while not stopping and (count == 0 or done < count):
            time.sleep(interval)
            rows = read_table(table)
            now = time.monotonic()
            dt, clock = now - prev_time, time.strftime("%H:%M:%S")
            if not rows and not said_empty:
                print(f"{clock:<8} {'-':>5}  no queues are bound in this network namespace")
            said_empty = not rows
            for r in rows:
                p = prev.get(r.queue)
                if p is None or p.portid != r.portid:
                    p = Row(r.queue, r.portid, 0, 0, 0, 0, 0, 0, 0)
                d_in = (r.last_id - p.last_id) % 2**32
                d_drop = (r.dropped - p.dropped) % 2**32
                d_user = (r.user_dropped - p.user_dropped) % 2**32
                verdicts = max(0, d_in - d_user - (r.waiting - p.waiting))
                print(f"{clock:<8} {r.queue:5} {d_in / dt:10.1f} {verdicts / dt:10.1f} "
                      f"{r.waiting:7} {d_drop:8} {d_user:12}  {owners.of(r, cached=True)}")
            sys.stdout.flush()
            owners.hint()
            owners.missing = False
            prev, prev_time, done = {r.queue: r for r in rows}, now, done + 1
    except KeyboardInterrupt:
        pass
    return 0


# ---- dump ----------------------------------------------------------------

def describe(payload: bytes) -> str:
    """"SRC > DST PROTO" of an IPv4 or IPv6 packet, ports for TCP and UDP."""
    src: Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
    dst: Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
    if len(payload) >= 20 and payload[0] >> 4 == 4:
        header, proto = (payload[0] & 0xF) * 4, payload[9]
        src, dst = ipaddress.IPv4Address(payload[12:16]), ipaddress.IPv4Address(payload[16:20])
    elif len(payload) >= 40 and payload[0] >> 4 == 6:
        header, proto = 40, payload[6]
        src, dst = ipaddress.IPv6Address(payload[8:24]), ipaddress.IPv6Address(payload[24:40])
    else:
        return f"{len(payload)} bytes, not IP"
    names = {1: "ICMP", 6: "TCP", 17: "UDP", 58: "ICMPv6"}
    name = names.get(proto, f"proto {proto}")
    if proto in (6, 17) and len(payload) >= header + 4:
        sport = int.from_bytes(payload[header:header + 2], "big")
        dport = int.from_bytes(payload[header + 2:header + 4], "big")
        return f"{src}:{sport} > {dst}:{dport} {name}"
    return f"{src} > {dst} {name}"


class LossReport:
    """The kernel's loss counters of a queue: a line on stderr when they
    grew since the last look, and the totals at the end."""

    def __init__(self, queue: "Queue", num: int) -> None:
        self.queue, self.num = queue, num
        s = queue.stats()
        self.base: Tuple[int, int] = (s.user_dropped, s.queue_dropped)
        self.last = self.base
        self.last_time = time.monotonic()

    def check(self) -> None:
        s = self.queue.stats()
        now = time.monotonic()
        user, queued = s.user_dropped - self.last[0], s.queue_dropped - self.last[1]
        if user or queued:
            total = s.user_dropped - self.base[0] + s.queue_dropped - self.base[1]
            print(f"nfqueue dump: queue {self.num} lost {user + queued} packets in the last "
                  f"{now - self.last_time:.1f} s ({total} total): socket buffer full "
                  f"(user_dropped) {user}, queue full (queue_dropped) {queued}",
                  file=sys.stderr, flush=True)
        self.last, self.last_time = (s.user_dropped, s.queue_dropped), now

    def summary(self) -> None:
        self.check()
        user, queued = self.last[0] - self.base[0], self.last[1] - self.base[1]
        print(f"nfqueue: the kernel lost {user + queued} packets of queue {self.num}: "
              f"{user} for a full socket buffer (user_dropped), {queued} for a full "
              f"queue (queue_dropped)", file=sys.stderr)


def dump(args: argparse.Namespace) -> int:
    import nfqueue  # the C extension: only dump needs it

    options: Dict[str, Any] = dict(copy_range=args.copy_range, fail_open=args.fail_open)
    if args.max_len is not None:
        options["max_len"] = args.max_len
    if args.rcvbuf is not None:
        options["rcvbuf"] = args.rcvbuf
    try:
        queue = nfqueue.Queue(args.queue, **options)
    except nfqueue.NfqueueError as e:
        raise CliError(f"cannot open queue {args.queue}: {e}")
    seen, stopping = 0, []

    def on_sigterm(*_: Any) -> None:
        stopping.append(1)
        queue.stop()

    with queue:
        signal.signal(signal.SIGTERM, on_sigterm)
        losses = LossReport(queue, args.queue)
        print(f"nfqueue: dumping queue {args.queue}; Ctrl+C to stop", file=sys.stderr, flush=True)
        next_check = time.monotonic() + 1.0
        try:
            while not stopping and (args.count == 0 or seen < args.count):
                batch = queue.recv(timeout=0.25)
                for packet in batch:
                    payload = bytes(packet.payload or b"")
                    print(f"id={packet.id} hook={packet.hook.name} mark=0x{packet.mark or 0:x} "
                          f"len={packet.orig_len or len(payload)} {describe(payload)}")
                    packet.accept()
                    seen += 1
                    if args.count and seen >= args.count:
                        break
                sys.stdout.flush()
                if time.monotonic() >= next_check:
                    losses.check()
                    next_check = time.monotonic() + 1.0
        except (KeyboardInterrupt, nfqueue.QueueStoppedError):
            pass
        losses.summary()
    return 0


def positive_float(text: str) -> float:
    value = float(text)
    if not 0.1 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"wants seconds from 0.1 to 3600, not '{text}'")
    return value


def bytes_value(text: str) -> int:
    """A byte count with an optional K, M or G (binary) suffix."""
    scale = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}.get(text[-1:].lower(), 1)
    digits = text[:-1] if scale > 1 else text
    if not digits.isdigit():
        raise argparse.ArgumentTypeError(f"wants a number of bytes (e.g. 4096, 64K, 16M), "
                                         f"not '{text}'")
    return int(digits) * scale


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m nfqueue",
                                description="Inspect Linux netfilter NFQUEUE queues.")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("stats", help="the kernel's table of bound queues and their counters")
    s.add_argument("--file", default=TABLE, help="read this table instead (e.g. "
                   "/proc/PID/net/netfilter/nfnetlink_queue for PID's namespace)")
    s.add_argument("--no-process", action="store_true",
                   help="do not look up the process holding each queue")
    s.add_argument("-w", "--watch", nargs="?", type=positive_float, const=1.0, metavar="SECONDS",
                   help="print rates every SECONDS (default 1) until Ctrl+C")
    s.add_argument("--count", type=int, default=0, help="with --watch: stop after N intervals")
    d = sub.add_parser("dump", help="print the packets of a queue, accepting them")
    d.add_argument("queue", type=int, help="the queue number (0 to 65535)")
    d.add_argument("--count", type=int, default=0, help="stop after N packets")
    d.add_argument("--copy-range", type=bytes_value, default=0xFFFF,
                   help="bytes of each packet to copy (default 65535)")
    d.add_argument("--max-len", type=int, help="packets the kernel may hold for us")
    d.add_argument("--rcvbuf", type=bytes_value, help="socket receive buffer, e.g. 16M")
    d.add_argument("--fail-open", action="store_true",
                   help="the kernel accepts what it cannot queue, instead of dropping it")
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    try:
        if args.command == "stats":
            if args.count and args.watch is None:
                p.error("--count goes with --watch")
            if args.count < 0:
                p.error(f"--count wants a positive number, not '{args.count}'")
            owners = Owners(args.file, not args.no_process)
            if args.watch is not None:
                return stats_watch(args.file, owners, args.watch, args.count)
            return stats_once(args.file, owners)
        if args.count < 0:
            p.error(f"--count wants a positive number, not '{args.count}'")
        return dump(args)
    except CliError as e:
        print(f"nfqueue: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
