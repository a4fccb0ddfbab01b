# SPDX-License-Identifier: GPL-2.0-or-later
"""The kernel's side going wrong, seen through the Python package, with
real packets in a throwaway namespace (one per test; its rule queues UDP
to PORT to QUEUE). The C library decides every outcome; these tests check
that Python reports it as C does (tests/reliability/README.md has the
figures measured in C, asserted here the same way):

- a receive buffer too small for the offered load: nothing raises, the
  queue keeps working, every lost packet is counted in
  ``stats().user_dropped``, the overflow in ``enobufs_count``;
- the kernel queue full, without and with ``fail_open``: exact counts;
- the consumer killed (SIGKILL) with packets pending, without and with
  ``--queue-bypass``;
- the NFQUEUE rule removed and added again while a queue runs;
- a queue held by another process: QueueBusyError;
- CAP_NET_ADMIN dropped after open: the kernel refuses the verdicts,
  counted in ``stats().verdict_errors``;
- no CAP_NET_ADMIN, and capabilities only in a child user namespace:
  PermissionDeniedError naming CAP_NET_ADMIN, never QueueBusyError.
"""
import json
import os
import signal
import sys

import pytest

import nfqueue
from conftest import python_path
from netns_sockets import LoopbackUdp, numbered

PORT = 5404
QUEUE = 8
# The rule every test starts with; some remove it and add it again.
RULE = ("OUTPUT", "-p", "udp", "--dport", str(PORT), "-j", "NFQUEUE", "--queue-num", str(QUEUE))


def udp_data(packet):
    return bytes(packet.payload[28:])  # after 20 bytes of IPv4, 8 of UDP


def drain(queue, most, quiet=0.2):
    """Receive and accept until `most` packets or `quiet` seconds without
    one; the UDP payloads received, in order."""
    got = []
    while len(got) < most:
        batch = queue.recv(timeout=quiet)
        if not batch:
            break
        for packet in batch:
            got.append(udp_data(packet))
            packet.accept()
    return got


@pytest.fixture
def lab(netns):
    """The namespace with RULE in place and a sender and receiver on PORT."""
    netns.iptables("-A", *RULE)
    with LoopbackUdp(netns, PORT) as udp:
        yield netns, udp


def start_child(netns, code, label):
    """`code` run by this interpreter inside the namespace as a JSON-lines
    process (stopped, by its pid, when the test ends); argv[1] is QUEUE."""
    return netns.start(["env", f"PYTHONPATH={python_path()}", sys.executable, "-c", code,
                        str(QUEUE)], label)


def test_small_receive_buffer_counts_every_loss_and_keeps_working(lab):
    netns, udp = lab
    sent, later = 400, 50
    with nfqueue.Queue(QUEUE, netns=netns.path, rcvbuf=4096) as queue:
        udp.send_numbered(0, sent)  # nobody reads meanwhile: the socket overflows
        got = drain(queue, sent)    # a full buffer never raises (see Queue's docstring)
        arrived = udp.receive(sent)
        stats = queue.stats()
        print(f"rcvbuf {stats.rcvbuf} bytes: {sent} sent, {len(got)} received by the queue, "
              f"{stats.user_dropped} user_dropped, {queue.enobufs_count} ENOBUFS")
        assert len(got) < sent, "the buffer was not too small: nothing was lost"
        assert stats.user_dropped == sent - len(got), \
            f"user_dropped is {stats.user_dropped}, but {sent - len(got)} packets were lost"
        assert arrived == got, "the packets accepted are not the ones that arrived"
        assert got == sorted(got, key=lambda d: int(d.split()[1])), "the survivors came out of order"
        assert queue.enobufs_count >= 1 and stats.enobufs == queue.enobufs_count, \
            f"the overflow was not reported (enobufs_count {queue.enobufs_count}, " \
            f"stats().enobufs {stats.enobufs})"
        # Still working: paced traffic passes whole.
        paced = []
        for payload in numbered(sent, sent + later):
            udp.send(payload)
            paced += drain(queue, 1, quiet=1.0)
        assert paced == numbered(sent, sent + later), "packets lost after the overflow"
        assert udp.receive(later) == paced
        assert queue.stats().user_dropped == stats.user_dropped, "paced packets were dropped"


@pytest.mark.parametrize("fail_open", [False, True], ids=["without_fail_open", "with_fail_open"])
def test_full_queue_drops_or_fails_open_and_counts_exactly(lab, fail_open):
    """max_len 8, 40 sent while nobody reads: without fail-open 8 are
    queued and 32 dropped (queue_dropped 32); with it 32 pass at once
    without being queued, 8 are queued, queue_dropped stays 0."""
    netns, udp = lab
    most, sent = 8, 40
    with nfqueue.Queue(QUEUE, netns=netns.path, max_len=most, fail_open=fail_open) as queue:
        udp.send_numbered(0, sent)
        early = udp.receive(sent, quiet=0.2)  # before any verdict
        stats = queue.stats()
        got = drain(queue, sent)
        late = udp.receive(sent)
        print(f"fail_open={fail_open}: {len(early)} passed at once, {len(got)} queued, "
              f"{stats.queue_dropped} queue_dropped, {len(late)} arrived after verdicts")
        assert got == numbered(0, most), f"queued {len(got)} packets, the queue holds {most}"
        assert late == got, "the queued packets did not all arrive after their verdicts"
        if fail_open:
            assert sorted(early) == sorted(numbered(most, sent)), \
                f"fail-open let {len(early)} pass, expected {sent - most}"
            assert stats.queue_dropped == 0, f"fail-open counted {stats.queue_dropped} drops"
        else:
            assert early == [], f"{len(early)} packets passed a full queue without fail-open"
            assert stats.queue_dropped == sent - most, \
                f"queue_dropped {stats.queue_dropped}, expected {sent - most}"
        assert stats.user_dropped == 0


HOLD_WITHOUT_VERDICT = """
import json, sys, time, nfqueue
queue = nfqueue.Queue(int(sys.argv[1]))
print(json.dumps({"event": "open"}), flush=True)
held, deadline = [], time.monotonic() + 20
while len(held) < 10 and time.monotonic() < deadline:
    held += [packet.retain() for packet in queue.recv(timeout=0.5)]
print(json.dumps({"event": "held", "count": len(held)}), flush=True)
time.sleep(60)  # until killed
"""


@pytest.mark.parametrize("bypass", [False, True], ids=["without_bypass", "with_bypass"])
def test_consumer_killed_with_packets_pending(netns, bypass):
    """What the kernel does when a consumer dies without closing (SIGKILL)
    while it holds 10 packets without a verdict: it destroys the queue
    with the socket and DROPS every packet the queue held, with or without
    --queue-bypass (bypass only decides for packets that find no queue).
    Packets sent afterwards, with nobody bound, are dropped without
    --queue-bypass and accepted with it. (A clean close() or exit gives
    every held packet the default verdict instead: only a consumer that
    dies loses its packets.)"""
    rule = list(RULE) + (["--queue-bypass"] if bypass else [])
    netns.iptables("-A", *rule)
    with LoopbackUdp(netns, PORT) as udp:
        child = start_child(netns, HOLD_WITHOUT_VERDICT, "consumer holding 10 packets")
        child.wait_for(lambda e: e["event"] == "open", timeout=10, what='"open"')
        udp.send_numbered(0, 10)
        held = child.wait_for(lambda e: e["event"] == "held", timeout=15, what='"held"')
        assert held[0]["count"] == 10, child.describe()
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait_exit() == -signal.SIGKILL
        pending_arrived = udp.receive(10)
        assert QUEUE not in netns.queues(), "the kernel kept the dead consumer's queue"
        udp.send_numbered(10, 15)
        after = udp.receive(5)
    print(f"bypass={bypass}: {len(pending_arrived)} of 10 held packets arrived; "
          f"{len(after)} of 5 sent with nobody bound")
    assert pending_arrived == [], f"the kernel passed {len(pending_arrived)} packets of a dead consumer"
    assert after == (numbered(10, 15) if bypass else []), \
        f"{len(after)} of 5 packets passed with nobody bound"


def test_rule_removed_and_added_again_while_the_queue_runs(lab):
    """Packets held when their rule goes stay queued: their late verdicts
    succeed (the kernel still holds them; the library cannot know more
    than that the kernel took the message, so success means "sent", and
    a packet the kernel no longer holds shows up in stats().verdict_errors
    once its refusal is read) and they pass. Meanwhile new packets go
    around the queue; with the rule back they are queued again."""
    netns, udp = lab
    with nfqueue.Queue(QUEUE, netns=netns.path) as queue:
        udp.send_numbered(0, 10)
        assert drain(queue, 10) == numbered(0, 10), "before: packets not queued"
        assert udp.receive(10) == numbered(0, 10), "before: packets lost"
        udp.send_numbered(10, 15)
        held = []
        while len(held) < 5:
            batch = queue.recv(timeout=2.0)
            assert batch, f"held {len(held)} of 5 packets"
            held += [packet.retain() for packet in batch]
        netns.iptables("-D", *RULE)
        udp.send_numbered(15, 25)
        assert udp.receive(10) == numbered(15, 25), "without the rule packets did not pass"
        assert drain(queue, 10) == [], "packets were queued without a rule"
        for packet in held:
            packet.accept()  # late: must not raise
            packet.release()
        assert udp.receive(5) == numbered(10, 15), "packets held across the removal were lost"
        netns.iptables("-A", *RULE)
        udp.send_numbered(25, 35)
        assert drain(queue, 10, quiet=0.5) == numbered(25, 35), "the rule came back, the queue did not"
        assert udp.receive(10) == numbered(25, 35)
        stats = queue.stats()
        assert (stats.waiting, stats.verdict_errors) == (0, 0), stats


HOLD_QUEUE = """
import json, sys, time, nfqueue
queue = nfqueue.Queue(int(sys.argv[1]))
print(json.dumps({"event": "open"}), flush=True)
time.sleep(60)  # until killed
"""


def test_queue_held_by_another_process_is_busy(netns):
    other = start_child(netns, HOLD_QUEUE, "process holding the queue")
    other.wait_for(lambda e: e["event"] == "open", timeout=10, what='"open"')
    with pytest.raises(nfqueue.QueueBusyError) as caught:
        nfqueue.Queue(QUEUE, netns=netns.path)
    error = caught.value
    print(f"held elsewhere: {type(error).__name__}: {error}")
    assert isinstance(error, OSError) and error.code == nfqueue.QueueBusyError.status
    # C's message, word for word (the README's; C may add where to look).
    assert str(error).startswith(f"queue {QUEUE} is bound by another socket: stop that program "
                                 "or choose another queue number"), str(error)
    nfqueue.check_permission(netns=netns.path)  # busy is not a lack of permission
    os.kill(other.pid, signal.SIGKILL)
    other.wait_exit()
    with nfqueue.Queue(QUEUE, netns=netns.path) as queue:  # free again once it died
        assert queue.stats().portid != 0


# Run without the capability: every way to bind must be refused with
# PermissionDeniedError. Prints what each call raised, as JSON.
TRY_WITHOUT_ADMIN = """
import json, sys, nfqueue

def attempt(call):
    try:
        call()
    except Exception as error:
        return {"class": type(error).__name__, "message": str(error),
                "code": getattr(error, "code", None),
                "is_permission_error": isinstance(error, PermissionError)}
    return None

print(json.dumps({"check_permission": attempt(nfqueue.check_permission),
                  "open": attempt(lambda: nfqueue.Queue(int(sys.argv[1])).close())}))
"""

WITHOUT_ADMIN = {
    "setpriv": ["setpriv", "--inh-caps=-all", "--bounding-set=-net_admin"],
    "child_user_namespace": ["unshare", "--user", "--map-root-user"],
}


@pytest.mark.parametrize("how", sorted(WITHOUT_ADMIN))
def test_without_cap_net_admin_binding_is_refused_with_permission_error(netns, how):
    """setpriv: CAP_NET_ADMIN dropped from the bounding set, so the
    interpreter runs without it. unshare --user --map-root-user: root only
    in a child user namespace, which does not own the network namespace
    (rootless containers), so the kernel refuses as it would any
    unprivileged process; C must say so, not report the queue busy."""
    netns.iptables("-A", *RULE)
    result = netns.python(TRY_WITHOUT_ADMIN, str(QUEUE), wrapper=WITHOUT_ADMIN[how])
    assert result.returncode == 0, f"the unprivileged child failed:\n{result.stdout}{result.stderr}"
    outcome = json.loads(result.stdout)
    print(f"{how}: {outcome}")
    for call in ("check_permission", "open"):
        raised = outcome[call]
        assert raised is not None, f"{call} succeeded without CAP_NET_ADMIN ({how})"
        assert raised["class"] == "PermissionDeniedError", f"{call} raised {raised}"
        assert raised["code"] == nfqueue.PermissionDeniedError.status and \
            raised["is_permission_error"], raised
        assert "CAP_NET_ADMIN" in raised["message"], \
            f"{call}: the message does not name the capability: {raised['message']}"
        assert "setcap" in raised["message"] or "root" in raised["message"], \
            f"{call}: the message does not say what to do: {raised['message']}"
    assert f"queue {QUEUE}" in outcome["open"]["message"], outcome["open"]["message"]


# Open with CAP_NET_ADMIN, drop it from the effective set (capset through
# ctypes: Python has no call for it), then verdict one packet. Prints what
# happened, as JSON.
VERDICT_AFTER_DROPPING_ADMIN = """
import ctypes, json, socket, sys, nfqueue

class Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

class Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]

libc = ctypes.CDLL(None, use_errno=True)
queue_num, port = int(sys.argv[1]), int(sys.argv[2])
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.bind(("127.0.0.1", port))
rx.settimeout(0.3)
queue = nfqueue.Queue(queue_num)
header, data = Header(0x20080522, 0), (Data * 2)()  # _LINUX_CAPABILITY_VERSION_3
if libc.capget(ctypes.byref(header), data) != 0:
    sys.exit(f"capget: errno {ctypes.get_errno()}")
data[0].effective &= ~(1 << 12)  # CAP_NET_ADMIN
if libc.capset(ctypes.byref(header), data) != 0:
    sys.exit(f"capset: errno {ctypes.get_errno()}")
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"late", ("127.0.0.1", port))
packets = queue.recv(timeout=2.0)
raised = None
try:
    packets[0].accept()
    queue.flush()
except nfqueue.NfqueueError as error:
    raised = f"{type(error).__name__}: {error}"
try:
    arrived = len(rx.recv(65536))
except socket.timeout:
    arrived = 0
waiting = queue.stats().waiting
queue.recv(timeout=0.2)  # reads the kernel's refusal
print(json.dumps({"received": len(packets), "raised": raised, "arrived": arrived,
                  "waiting": waiting, "verdict_errors": queue.stats().verdict_errors}))
"""


def test_verdict_after_dropping_cap_net_admin_is_refused_by_the_kernel(netns):
    """The kernel checks CAP_NET_ADMIN on every message, not only at bind:
    a consumer that drops it after opening has its verdicts refused. The
    call cannot know (it returns once the message is sent; the refusal
    comes back later), so accept() does not raise; the packet stays
    waiting, and the refusal is counted in stats().verdict_errors once the
    next receive reads it. The kernel drops the packet when the socket
    closes."""
    netns.iptables("-A", *RULE)
    result = netns.python(VERDICT_AFTER_DROPPING_ADMIN, str(QUEUE), str(PORT))
    assert result.returncode == 0, f"the child failed:\n{result.stdout}{result.stderr}"
    outcome = json.loads(result.stdout)
    print(f"CAP_NET_ADMIN dropped after open: {outcome}")
    assert outcome["received"] == 1, outcome
    assert outcome["raised"] is None, outcome
    assert (outcome["arrived"], outcome["waiting"]) == (0, 1), \
        f"a verdict without CAP_NET_ADMIN took effect: {outcome}"
    assert outcome["verdict_errors"] >= 1, f"the kernel's refusal was not counted: {outcome}"
