# SPDX-License-Identifier: GPL-2.0-or-later
"""The SWIG core, nfqueue._nfqueue: every C function has its counterpart,
constants equal the header's, errors raise their classes, buffers and
handles are checked, and nothing crashes on bad input.

Needs no kernel, except `test_packets_in_a_private_namespace`, which
queues real packets in a namespace of its own (`unshare -n`); it skips
without CAP_NET_ADMIN outside CI only, like every kernel test.
"""
import array
import ast
import gc
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from nfqueue import _nfqueue as c
from nfqueue import errors
from conftest import require_privileges
from packets import ones_complement_sum  # tests/conformance, on the path by conftest

REPO = Path(__file__).resolve().parents[2]
HEADER = REPO / "capi" / "include" / "nfqueue.h"
MAP = REPO / "capi" / "libnfqueue.map"


# ---- coverage and constants: nothing retyped, nothing missing ----

def map_symbols():
    return re.findall(r"^\s*(nfqueue_\w+);", MAP.read_text(), re.M)


def test_every_exported_c_function_has_a_python_counterpart():
    symbols = map_symbols()
    assert len(symbols) > 50
    node_1_1 = MAP.read_text().split("NFQUEUE_1.1", 1)[1]
    assert {"nfqueue_packet_release", "nfqueue_queue_verdict_packets",
            "nfqueue_check_permission"} <= set(re.findall(r"(nfqueue_\w+);", node_1_1)) <= set(symbols)
    missing = [s for s in symbols if not callable(getattr(c, s[len("nfqueue_"):], None))]
    assert missing == []


def header_constants():
    """NAME -> value for every #define with a value and every enum item."""
    text = re.sub(r"/\*.*?\*/", "", HEADER.read_text(), flags=re.S)
    found = {}
    for name, value in re.findall(r"^#define NFQUEUE_(\w+)[ \t]+(.+)$", text, re.M):
        if name != "API":
            found[name] = value.strip()
    for name, value in re.findall(r"\bNFQUEUE_(\w+)\s*=\s*([^,}\n]+)", text):
        found[name] = value.strip()
    return {name: evaluate(value) for name, value in found.items()}


def evaluate(expr):
    if expr.startswith('"'):
        return ast.literal_eval(expr)
    expr = re.sub(r"(\d+)u\b", r"\1", expr)
    assert re.fullmatch(r"[\d\s<()+-]+", expr), expr
    return eval(expr, {"__builtins__": {}})  # digits, shifts and signs only


def test_constants_equal_the_header():
    constants = header_constants()
    assert {"E_BUSY", "ACCEPT", "QUEUE_BYPASS", "VERSION_STRING", "IFNAMSIZ"} <= set(constants)
    actual = {name: getattr(c, name, "<missing>") for name in constants}
    assert actual == constants


def test_versions():
    assert c.version() == c.VERSION_STRING
    assert c.abi_version() == c.ABI_VERSION
    from importlib.metadata import version
    assert version("nfqueue") == c.VERSION_STRING


def test_the_extension_is_the_module_itself():
    # -noproxy -interface _nfqueue: no generated shadow module to keep in step.
    assert Path(c.__file__).suffix == ".so"
    assert not (Path(c.__file__).parent / "_nfqueue.py").exists()


# ---- errors ----

@pytest.fixture
def cfg():
    config = c.config_new()
    yield config
    c.config_free(config)


def test_negative_status_raises_the_class_for_its_code_with_the_c_message(cfg):
    with pytest.raises(errors.InvalidArgumentError) as info:
        c.config_set_max_len(cfg, 0)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.code == c.E_INVAL
    assert err.detail and err.detail == c.last_error()


def test_queue_open_rejects_a_queue_number_out_of_range():
    with pytest.raises(errors.InvalidArgumentError, match="out of range"):
        c.queue_open(c.QUEUE_NUM_MAX + 1, None)


@pytest.mark.parametrize("call", [
    lambda cfg: c.config_set_copy_mode(cfg, 99, 0),
    lambda cfg: c.config_set_batch_size(cfg, 0),
    lambda cfg: c.config_set_batch_size(cfg, 4097),
    lambda cfg: c.config_set_default_verdict(cfg, c.REPEAT),
    lambda cfg: c.config_set_flags(cfg, 1 << 20),
])
def test_invalid_configuration_values_raise(cfg, call):
    with pytest.raises(errors.InvalidArgumentError) as info:
        call(cfg)
    assert info.value.detail == c.last_error() != ""


def test_valid_configuration_returns_none(cfg):
    assert c.config_set_copy_mode(cfg, c.COPY_PACKET, 1500) is None
    assert c.config_set_max_len(cfg, 10) is None
    assert c.config_set_flags(cfg, c.FLAG_FAIL_OPEN | c.FLAG_GSO) is None
    assert c.config_set_rcvbuf(cfg, 1 << 20) is None
    assert c.config_set_no_enobufs(cfg, True) is None
    assert c.config_set_default_verdict(cfg, c.DROP) is None
    assert c.config_set_batch_size(cfg, 128) is None
    assert c.config_set_netns(cfg, "/run/netns/x") is None
    assert c.config_set_netns(cfg, None) is None


def test_stop_reports_no_stale_message():
    # queue_stop records no message (it is async-signal-safe): the detail
    # must not be whatever an earlier call left.
    with pytest.raises(errors.InvalidArgumentError):
        c.queue_open(c.QUEUE_NUM_MAX + 1, None)
    with pytest.raises(errors.InvalidArgumentError) as info:
        c.queue_stop(None)
    assert info.value.detail == c.strerror(c.E_INVAL)


def test_strerror():
    assert c.strerror(c.E_BUSY) == "queue busy"
    assert isinstance(c.strerror(-123456), str)
    assert c.last_error() is not None


# ---- checksums: in place, writable buffers only ----

def fold(data):
    """The Internet checksum of `data` (our own RFC 1071 reference)."""
    return ~ones_complement_sum(data) & 0xFFFF


def ipv4_udp(body=b"hello, world"):
    udp_len = 8 + len(body)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 1, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    udp = struct.pack("!HHHH", 1234, 53, udp_len, 0) + body
    ip_sum = fold(ip)
    pseudo = ip[12:20] + struct.pack("!BBH", 0, 17, udp_len)
    udp_sum = fold(pseudo + udp) or 0xFFFF
    return bytearray(ip + udp), ip_sum, udp_sum


def ipv6_tcp(body=b"GET / HTTP/1.0\r\n\r\n"):
    tcp = struct.pack("!HHIIBBHHH", 40000, 80, 1, 0, 5 << 4, 0x18, 65535, 0, 0) + body
    src, dst = bytes(15) + b"\1", bytes(15) + b"\2"
    ip = struct.pack("!IHBB16s16s", 6 << 28, len(tcp), 6, 64, src, dst)
    pseudo = src + dst + struct.pack("!I3xB", len(tcp), 6)
    return bytearray(ip + tcp), fold(pseudo + tcp)


def test_checksum_update_fixes_ipv4_and_udp_in_place():
    packet, ip_sum, udp_sum = ipv4_udp()
    assert c.checksum_update(packet) is None
    assert struct.unpack_from("!H", packet, 10)[0] == ip_sum
    assert struct.unpack_from("!H", packet, 26)[0] == udp_sum


def test_checksum_helpers_fix_only_their_part():
    packet, ip_sum, udp_sum = ipv4_udp()
    c.checksum_ipv4_header(packet)
    assert struct.unpack_from("!HH", packet, 10)[0] == ip_sum
    assert struct.unpack_from("!H", packet, 26)[0] == 0
    c.checksum_transport(packet)
    assert struct.unpack_from("!H", packet, 26)[0] == udp_sum


def test_checksum_ipv6_tcp_through_a_writable_memoryview():
    packet, tcp_sum = ipv6_tcp()
    framed = bytearray(b"xx") + packet + bytearray(b"yy")
    c.checksum_update(memoryview(framed)[2:-2])
    assert struct.unpack_from("!H", framed, 2 + 40 + 16)[0] == tcp_sum
    assert framed[:2] == b"xx" and framed[-2:] == b"yy"


@pytest.mark.parametrize("helper", ["checksum_update", "checksum_ipv4_header", "checksum_transport"])
@pytest.mark.parametrize("buf", [b"E" * 28, memoryview(b"E" * 28), "E" * 28, None, 28, [0x45] * 28])
def test_checksum_helpers_reject_read_only_and_non_buffers(helper, buf):
    with pytest.raises(TypeError):
        getattr(c, helper)(buf)


def test_checksum_of_a_malformed_packet_raises_and_leaves_the_bytes():
    packet = bytearray(b"\x70" + bytes(27))
    with pytest.raises(errors.InvalidArgumentError):
        c.checksum_update(packet)
    assert packet == b"\x70" + bytes(27)


# ---- argument types and ranges ----

@pytest.mark.parametrize("data", [b"abc", bytearray(b"abc"), memoryview(b"abc"),
                                  array.array("B", b"abc"), b""])
def test_set_payload_accepts_any_bytes_like(data):
    # The buffer is taken; only then does C refuse the missing packet.
    with pytest.raises(errors.InvalidArgumentError, match="packet is NULL"):
        c.packet_set_payload(None, data)


@pytest.mark.parametrize("data", ["abc", None, 3, [1, 2, 3]])
def test_set_payload_rejects_non_buffers(data):
    with pytest.raises(TypeError):
        c.packet_set_payload(None, data)


def test_wrong_types_raise_type_error(cfg):
    calls = [
        lambda: c.queue_close("queue"),
        lambda: c.queue_close(1),
        lambda: c.queue_close(cfg),          # a config is not a queue
        lambda: c.packet_mark(cfg),
        lambda: c.queue_free(cfg),
        lambda: c.packet_free(cfg),
        lambda: c.config_free("config"),
        lambda: c.config_set_max_len(cfg, "1"),
        lambda: c.config_set_max_len(cfg, 1.5),
        lambda: c.config_set_netns(cfg, 5),
        lambda: c.packet_verdict(None, "accept"),
        lambda: c.queue_pull(None, "1", 0),
        lambda: c.queue_run(None, 5),
        lambda: c.queue_dispatch(None, None),
        lambda: c.packet_payload(cfg, None),
        lambda: c.strerror("x"),
    ]
    for call in calls:
        with pytest.raises(TypeError):
            call()


def test_out_of_range_integers_raise_overflow_error(cfg):
    calls = [
        lambda: c.config_set_max_len(cfg, -1),
        lambda: c.config_set_max_len(cfg, 2**32),
        lambda: c.queue_open(-1, None),
        lambda: c.packet_set_mark(None, 2**32),
        lambda: c.packet_verdict_queue(None, -1, 0),
        lambda: c.queue_pull(None, -1, 0),
        lambda: c.queue_pull(None, 1, 2**31),
        lambda: c.config_set_copy_mode(cfg, 2**31, 0),
    ]
    for call in calls:
        with pytest.raises(OverflowError):
            call()


# ---- handles: None and freed handles never crash ----

NONE_SWEEP = """
import faulthandler; faulthandler.enable()
from nfqueue import _nfqueue as c
calls = {
    "strerror": (0,), "last_error": (), "version": (), "abi_version": (),
    "config_new": (), "config_free": (None,), "config_set_copy_mode": (None, 2, 0),
    "config_set_max_len": (None, 1), "config_set_flags": (None, 0),
    "config_set_rcvbuf": (None, 0), "config_set_no_enobufs": (None, 1),
    "config_set_default_verdict": (None, 1), "config_set_fd": (None, -1),
    "config_set_netns": (None, None), "config_set_batch_size": (None, 1),
    "config_set_coalesce": (None, 1), "config_set_interruptible": (None, 1),
    "config_set_nobufs_errors": (None, 0),
    "queue_open": (70000, None), "queue_close": (None,), "queue_free": (None,),
    "queue_num": (None,),
    "queue_fd": (None,), "queue_run": (None, print), "queue_dispatch": (None, print),
    "queue_pull": (None, 4, 0), "queue_stop": (None,),
    "queue_verdict_batch": (None, 1, 1, 0, 0), "queue_enobufs_count": (None,),
    "queue_verdict_packets": (None, []), "queue_owner": (None, c.packet_base()),
    "clear_error": (), "packet_base": (),
    "packet_decide": (None, 1, None, None, -1, 0),
    "packet_ifindex": (None, 0), "packet_ifname": (None, 0),
    "packet_set_mark": (None, 1),
    "packet_set_payload": (None, b"x"), "packet_verdict": (None, 1),
    "packet_verdict_queue": (None, 1, 0),
    "checksum_update": (bytearray(),), "checksum_ipv4_header": (bytearray(),),
    "checksum_transport": (bytearray(),),
}
names = [n for n in dir(c) if callable(getattr(c, n)) and not n.startswith("_")]
for name in names:
    args = calls.get(name, (None,))  # every packet_* getter takes one handle
    try:
        getattr(c, name)(*args)
    except Exception as err:
        # check_permission(NULL) asks the kernel about this process.
        allowed = ("InvalidArgumentError", "PermissionDeniedError") \
            if name == "check_permission" else ("InvalidArgumentError",)
        assert type(err).__name__ in allowed, (name, err)
cfg = c.config_new()
c.config_free(cfg)
c.config_free(cfg)                   # a second free is harmless...
try:
    c.config_set_max_len(cfg, 1)     # ...and a freed handle reads as NULL
except Exception as err:
    assert "NULL" in str(err), err
print("swept", len(names))
"""


def test_none_and_freed_handles_never_crash():
    # In a child, so a crash fails this test instead of ending the run.
    done = subprocess.run([sys.executable, "-c", NONE_SWEEP], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("swept")


def test_pull_run_dispatch_on_no_queue_raise():
    for call in (lambda: c.queue_pull(None, 1, 0), lambda: c.queue_run(None, print),
                 lambda: c.queue_dispatch(None, print)):
        with pytest.raises(errors.InvalidArgumentError, match="queue is NULL"):
            call()


def test_no_reference_leak_on_error_paths(cfg):
    data = b"payload"
    before = sys.getrefcount(data)
    for _ in range(1000):
        with pytest.raises(errors.InvalidArgumentError):
            c.packet_set_payload(None, data)
        with pytest.raises(TypeError):
            c.checksum_update(data)
    gc.collect()
    assert sys.getrefcount(data) == before


# ---- real packets, in a private network namespace ----

IN_NAMESPACE = r"""
import gc, select, socket, subprocess, sys, threading, weakref
from nfqueue import _nfqueue as c
from nfqueue import errors

subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
subprocess.run(["iptables", "-A", "OUTPUT", "-o", "lo", "-p", "udp", "--dport", "9999",
                "-j", "NFQUEUE", "--queue-num", "7"], check=True)
config = c.config_new()
c.config_set_interruptible(config, 1)
assert c.config_get_interruptible(config) == 1 and c.config_get_coalesce(config) == 1
assert c.config_get_copy_mode(config)[0] == c.COPY_PACKET and c.config_get_netns(config) is None
q = c.queue_open(7, config)
c.config_free(config)
owner = c.queue_owner(q, c.packet_base())            # frees q when it goes
base = sys.getrefcount(owner)
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
send = lambda body: sock.sendto(body, ("127.0.0.1", 9999))

# pull, getters, attributes in one call, and the payload view
send(b"payload-1")
packets = c.queue_pull(owner, 8, 2000)
assert len(packets) == 1, packets
p = packets[0]
assert c.packet_hook(p) == c.HOOK_OUTPUT and c.packet_queue_num(p) == 7
assert c.packet_mark(p) is None                      # absent, not 0
attrs = c.packet_attrs(p)
assert attrs[0] == c.packet_id(p) and attrs[1] == 7 and attrs[4] is None
assert c.packet_attrs(p) is attrs                    # one crossing per packet
view = c.packet_payload(p)
assert view.readonly and bytes(view[-9:]) == b"payload-1"
assert c.packet_payload(p) is view
part = view[20:]
assert c.packet_status(p) == (False, False)

c.packet_verdict(p, c.ACCEPT)
assert c.packet_has_verdict(p) is True and c.packet_status(p) == (False, True)
try:
    c.packet_verdict(p, c.ACCEPT)
except errors.VerdictGivenError:
    pass
else:
    raise AssertionError("second verdict accepted")

# the next pull ends the borrow: C says so, the view is released
assert c.queue_pull(owner, 8, 0) == []
assert c.packet_status(p) == (True, True)
try:
    c.packet_payload(p)
except errors.PacketExpiredError:
    pass
else:
    raise AssertionError("expired payload readable")
try:
    view[0]
except ValueError:
    pass
else:
    raise AssertionError("view not released")
assert bytes(part[-9:]) == b"payload-1"              # a slice keeps the memory

# release ends a borrow now; verdict_packets gives several in one call
send(b"r"); send(b"v1"); send(b"v2")
got = []
while len(got) < 3:
    got += c.queue_pull(owner, 8, 2000)
c.packet_release(got[0])
assert c.packet_status(got[0]) == (True, True)
c.queue_verdict_packets(q, [(got[1], c.ACCEPT, 5, None, -1, False),
                            (got[2], c.DROP, None, b"x" * 28, -1, False)])
assert c.packet_has_verdict(got[1]) and c.packet_payload(got[2]) == b"x" * 28
try:
    c.queue_verdict_packets(q, [(got[1], c.ACCEPT, None, None, -1, False)])
except errors.VerdictGivenError as err:
    assert err.index == 0
else:
    raise AssertionError("second verdict accepted")
c.queue_flush(q)
stats = c.queue_stats(q)
assert stats["waiting"] == 0 and stats["rcvbuf"] > 0, stats

# run: an exception from the callback propagates unchanged
send(b"2")
class Boom(Exception): pass
def boom(packet):
    raise Boom()
try:
    c.queue_run(owner, boom)
except Boom:
    pass
else:
    raise AssertionError("exception lost")

# run: ends at stop, whatever the callback returns
send(b"3")
assert c.queue_run(owner, lambda packet: (c.packet_verdict(packet, c.ACCEPT),
                                          c.queue_stop(q))) is None

# dispatch: the count
send(b"6"); send(b"7")
seen = []
while len(seen) < 2:
    select.select([c.queue_fd(q)], [], [], 2)
    c.queue_dispatch(owner, seen.append)

# run releases the GIL: another thread stops it
threading.Timer(0.2, c.queue_stop, (q,)).start()
assert c.queue_run(owner, lambda packet: None) is None

# every packet and view holds the owner, and lets go of it
del p, packets, got, seen, part, view, attrs
gc.collect()
assert sys.getrefcount(owner) == base, (sys.getrefcount(owner), base)
assert c.queue_pull(owner, 8, 0) == []
assert sys.getrefcount(owner) == base, (sys.getrefcount(owner), base)

c.owner_close(owner)
try:
    c.queue_pull(owner, 1, 0)
except errors.QueueClosedError:
    pass
del owner
gc.collect()                                         # the owner frees q
other = c.queue_open(8, None)
c.queue_close(other)
c.queue_free(other)
c.queue_free(other)
print("ok")
"""


def test_packets_in_a_private_namespace():
    require_privileges()  # skips only outside CI
    done = subprocess.run(["unshare", "-n", sys.executable, "-c", IN_NAMESPACE],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "ok"
