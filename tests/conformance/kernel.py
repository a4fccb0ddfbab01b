# SPDX-License-Identifier: GPL-2.0-or-later
"""What the running kernel and this process can do, decided without asking
the library under test: a case must not let the agent's answer decide
what the right answer is.
"""
import errno
import gzip
import os
import platform
import socket
import struct
import subprocess
import sys

# CAP_NET_ADMIN is bit 12 of the capability sets; CAP_SYS_ADMIN bit 21.
CAP_NET_ADMIN = 12
CAP_SYS_ADMIN = 21


def effective_capabilities():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("CapEff:"):
                return int(line.split()[1], 16)
    return 0


def privileges_missing():
    """Why the suite cannot run here, or None. Namespaces need CAP_SYS_ADMIN,
    queues and rules CAP_NET_ADMIN."""
    caps = effective_capabilities()
    missing = [name for bit, name in ((CAP_NET_ADMIN, "CAP_NET_ADMIN"),
                                      (CAP_SYS_ADMIN, "CAP_SYS_ADMIN"))
               if not caps & (1 << bit)]
    if missing:
        return f"the conformance suite needs {' and '.join(missing)} (run it as root)"
    return None


def kernel_config():
    """The running kernel's build configuration as a dict, or None if the
    kernel does not publish it."""
    candidates = ["/proc/config.gz", f"/boot/config-{platform.release()}"]
    for path in candidates:
        try:
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rt") as f:
                config = {}
                for line in f:
                    line = line.strip()
                    if line.startswith("CONFIG_") and "=" in line:
                        key, value = line.split("=", 1)
                        config[key] = value
                return config
        except OSError:
            continue
    return None


# ---- a direct question to nfnetlink_queue, for kernels without a config file ----

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_CONFIG = 2
NFQA_CFG_MASK = 4
NFQA_CFG_FLAGS = 5
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLMSG_ERROR = 2


def _nfqueue_flag_probe(flag, queue_num=65000):
    """Ask the kernel to set `flag` on a queue nobody bound: it checks the
    flag's support before it looks for the queue, so EOPNOTSUPP means the
    flag is unsupported and anything else (ENODEV) means it is supported.
    Returns the kernel's (negative) errno."""
    def attr(kind, value):
        return struct.pack("=HH", 8, kind) + struct.pack("!I", value)

    body = struct.pack("=BBH", socket.AF_UNSPEC, 0, socket.htons(queue_num))
    body += attr(NFQA_CFG_FLAGS, flag) + attr(NFQA_CFG_MASK, flag)
    header = struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_CONFIG,
                         NLM_F_REQUEST | NLM_F_ACK, 1, 0)
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER) as sock:
        sock.settimeout(2.0)
        sock.send(header + body)
        while True:
            reply = sock.recv(65536)
            _, kind = struct.unpack_from("=IH", reply)
            if kind == NLMSG_ERROR:
                return struct.unpack_from("=i", reply, 16)[0]


def _flag_supported(ns, config_key, bit):
    """Whether the kernel accepts queue flag `bit`, which needs `config_key`:
    from the kernel's configuration if it is published, else from the
    kernel's own answer to a raw netlink request made inside the test's
    namespace `ns` (never from the library under test)."""
    config = kernel_config()
    if config is not None:
        return config.get(config_key) == "y"
    out = ns.run([sys.executable, os.path.abspath(__file__), "probe-flag", str(bit)]).stdout
    return int(out) != -errno.EOPNOTSUPP


def conntrack_flag_supported(ns):
    """Whether NFQUEUE_FLAG_CONNTRACK works: CONFIG_NETFILTER_NETLINK_GLUE_CT."""
    return _flag_supported(ns, "CONFIG_NETFILTER_NETLINK_GLUE_CT", 2)


def secctx_flag_supported(ns):
    """Whether NFQUEUE_FLAG_SECCTX works: CONFIG_NETWORK_SECMARK."""
    return _flag_supported(ns, "CONFIG_NETWORK_SECMARK", 16)


# Security modules that can put a security context on a packet (through
# its secmark): only these can make the kernel send NFQA_SECCTX.
SECMARK_LSMS = {"selinux", "smack", "apparmor"}


def active_lsms():
    """The security modules active in the running kernel, as the kernel
    lists them in securityfs, or None if that cannot be read. Where
    securityfs is not mounted it is mounted in a private mount namespace of
    a child process (unshare), which leaves the system's mounts alone."""
    path = "/sys/kernel/security/lsm"
    try:
        with open(path) as f:
            return set(f.read().strip().split(","))
    except OSError:
        pass
    try:
        result = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c",
             f"mount -t securityfs securityfs /sys/kernel/security && cat {path}"],
            capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0 or not result.stdout.strip():
        return None
    return set(result.stdout.strip().split(","))


def in_ci():
    return os.environ.get("CI") == "true"


if __name__ == "__main__":
    # `kernel.py probe-flag BIT`: print the kernel's answer to the flag
    # probe, run by conntrack_flag_supported() inside a test namespace.
    if sys.argv[1:2] == ["probe-flag"]:
        bit = int(sys.argv[2])
        answer = _nfqueue_flag_probe(bit)
        if answer == -errno.EAGAIN:  # a module was loaded: ask again
            answer = _nfqueue_flag_probe(bit)
        print(answer)
