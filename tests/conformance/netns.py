# SPDX-License-Identifier: GPL-2.0-or-later
"""Throwaway network namespaces, and what a test does inside them: links,
iptables rules and their counters, sysctls, the kernel's queue table.

Every command here runs inside a namespace this suite created (named
nfqc-<random>), through `ip -n NS` or `ip netns exec NS`: no rule, link or
packet ever touches the root namespace.
"""
import json
import secrets
import subprocess

COMMAND_TIMEOUT = 10.0


class CommandError(AssertionError):
    pass


def run(argv, check=True, timeout=COMMAND_TIMEOUT, input=None):
    result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, input=input)
    if check and result.returncode != 0:
        raise CommandError(f"{' '.join(argv)} failed ({result.returncode}): "
                           f"{result.stderr.strip() or result.stdout.strip()}")
    return result


class Namespace:
    # Names are PREFIX-<random>; a namespace left behind names its suite.
    PREFIX = "nfqc"

    def __init__(self, name):
        self.name = name
        self.path = f"/run/netns/{name}"

    @classmethod
    def create(cls):
        ns = cls(f"{cls.PREFIX}-{secrets.token_hex(4)}")
        run(["ip", "netns", "add", ns.name])
        try:
            ns.ip("link", "set", "lo", "up")
        except Exception:
            ns.delete()
            raise
        return ns

    def delete(self):
        run(["ip", "netns", "del", self.name], check=False)

    def __repr__(self):
        return f"Namespace({self.name})"

    # ---- running things inside ----

    def argv(self, argv):
        """The command line that runs `argv` inside this namespace."""
        return ["ip", "netns", "exec", self.name, *argv]

    def run(self, argv, check=True, timeout=COMMAND_TIMEOUT):
        return run(self.argv(argv), check=check, timeout=timeout)

    def ip(self, *args):
        return run(["ip", "-n", self.name, *args])

    def read(self, path):
        """A file as this namespace sees it (/proc/net/..., /proc/sys/...)."""
        return self.run(["cat", path]).stdout

    def sysctl(self, key, value):
        path = "/proc/sys/" + key.replace(".", "/")
        self.run(["sh", "-c", f"echo {value} > {path}"])

    # ---- iptables ----

    def iptables(self, *args, v6=False):
        return self.run(["ip6tables" if v6 else "iptables", "-w", "5", *args])

    def rule_packets(self, chain, table="filter", v6=False):
        """Packet counters of the rules of `chain`, in rule order."""
        out = self.iptables("-t", table, "-L", chain, "-v", "-x", "-n", v6=v6).stdout
        counts = []
        for line in out.splitlines()[2:]:
            fields = line.split()
            if fields:
                counts.append(int(fields[0]))
        return counts

    # ---- the kernel's table of bound queues ----

    def queues(self):
        """/proc/net/netfilter/nfnetlink_queue of this namespace, by queue
        number: portid, pending (queue_total), copy_mode, copy_range,
        dropped (queue full), user_dropped (socket full), id_sequence."""
        names = ("portid", "pending", "copy_mode", "copy_range", "dropped",
                 "user_dropped", "id_sequence")
        table = QueueTable()
        for line in self.read("/proc/net/netfilter/nfnetlink_queue").splitlines():
            fields = [int(f) for f in line.split()]
            if fields:
                table[fields[0]] = dict(zip(names, fields[1:]))
        return table

    # ---- links ----

    def link_info(self, dev):
        """(ifindex, mac) of a link in this namespace."""
        info = json.loads(self.ip("-j", "link", "show", "dev", dev).stdout)[0]
        return info["ifindex"], info.get("address")


class QueueTable(dict):
    """The kernel's queues by number; a queue that is not bound fails the
    case by name (the agent did not bind it) instead of raising KeyError."""

    def __missing__(self, queue):
        raise AssertionError(f"expected queue {queue} bound in the kernel, it is not "
                             f"(bound: {sorted(self) or 'none'})")


def veth(a, a_dev, b, b_dev):
    """A veth pair with one end in namespace `a`, the other in `b`, both up."""
    # Created inside `a` (ip -n), so the names only need to be unique there and in `b`.
    a.ip("link", "add", a_dev, "type", "veth", "peer", "name", b_dev, "netns", b.name)
    a.ip("link", "set", a_dev, "up")
    b.ip("link", "set", b_dev, "up")
