# SPDX-License-Identifier: GPL-2.0-or-later
"""Throwaway network namespaces: every rule and every packet of the
benchmark stays inside one made here, and each is removed on exit, also
on failure. Never the root namespace."""
import os
import subprocess

# Fields of a line of /proc/net/netfilter/nfnetlink_queue, in order.
QUEUE_FIELDS = ("queue", "portid", "waiting", "copy_mode", "copy_range",
                "queue_dropped", "user_dropped", "id_sequence", "one")

_made = 0


class Namespace:
    """One namespace, named after this process; `tag` tells a workload's
    namespaces apart (router topologies have three)."""

    def __init__(self, tag):
        global _made
        _made += 1
        self.name = f"nfqbench-{os.getpid()}-{tag}-{_made}"
        self.made = False

    def __enter__(self):
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        self.made = True
        try:
            self.run("ip", "link", "set", "lo", "up")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        if self.made:
            subprocess.run(["ip", "netns", "del", self.name], check=False)
            self.made = False

    def command(self, *argv):
        """argv run inside the namespace (`ip netns exec` execs in place,
        so a Popen of it has the program's own pid)."""
        return ["ip", "netns", "exec", self.name, *[str(a) for a in argv]]

    def run(self, *argv, **kwargs):
        kwargs.setdefault("check", True)
        return subprocess.run(self.command(*argv), **kwargs)

    def output(self, *argv):
        return self.run(*argv, capture_output=True, text=True).stdout

    def iptables(self, *rule):
        self.run("iptables", "-w", *rule)

    def queues(self):
        """{queue number: {field: int}} as the kernel reports them."""
        found = {}
        for line in self.output("cat", "/proc/net/netfilter/nfnetlink_queue").splitlines():
            fields = dict(zip(QUEUE_FIELDS, (int(f) for f in line.split())))
            if fields:
                found[fields["queue"]] = fields
        return found

    def snmp(self, protocol, counter):
        """One counter of /proc/net/snmp (e.g. "Udp", "RcvbufErrors")."""
        lines = [l.split() for l in self.output("cat", "/proc/net/snmp").splitlines()
                 if l.startswith(protocol + ":")]
        names, values = lines[0], lines[1]
        return int(values[names.index(counter)])


_pairs = 0


def veth(left, left_addr, right, right_addr):
    """A veth pair between two namespaces, addresses in CIDR form."""
    global _pairs
    _pairs += 1
    a, b = f"nfqb{os.getpid() % 100000}a{_pairs}", f"nfqb{os.getpid() % 100000}b{_pairs}"
    left.run("ip", "link", "add", a, "type", "veth", "peer", "name", b, "netns", right.name)
    left.run("ip", "addr", "add", left_addr, "dev", a)
    right.run("ip", "addr", "add", right_addr, "dev", b)
    left.run("ip", "link", "set", a, "up")
    right.run("ip", "link", "set", b, "up")
