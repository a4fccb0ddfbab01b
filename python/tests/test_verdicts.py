# SPDX-License-Identifier: GPL-2.0-or-later
"""libnfqueue 1.1 through the package: a borrow ended at once (release),
verdicts coalesced into one send and flushed, per-packet verdicts in one
call (verdict_packets), and the queue's counters (stats). What the kernel
still holds is read from its own /proc counters, inside the namespace."""
import time

import pytest

import nfqueue
from nfqueue import Decision, Verdict

PORT = 5401
QUEUE = 6


@pytest.fixture
def lab(netns):
    netns.nfqueue_rule(queue=QUEUE, port=PORT)
    receiver = netns.udp_receiver(PORT)
    return netns, receiver


def udp_data(packet):
    return bytes(packet.payload[28:])


def pending(netns):
    return netns.queues().get(QUEUE, {}).get("pending", 0)


def receive(netns, queue, *data):
    """Send `data` as datagrams and receive them as one batch."""
    netns.send_udp(PORT, *data)
    deadline = time.monotonic() + 5
    while pending(netns) < len(data) and time.monotonic() < deadline:
        time.sleep(0.01)
    got = queue.recv(timeout=5)
    assert [udp_data(p) for p in got] == list(data)
    return got


def test_release_ends_a_borrow_at_once(lab):
    netns, receiver = lab
    with nfqueue.Queue(QUEUE, netns=netns.path, default_verdict=Verdict.DROP) as queue:
        first, second = receive(netns, queue, b"released", b"kept")
        view = first.payload
        first.release()
        assert first.expired and first.verdict_given  # the default verdict, now
        with pytest.raises(nfqueue.PacketExpiredError):
            first.payload
        with pytest.raises(nfqueue.PacketExpiredError):
            first.accept()
        with pytest.raises(ValueError, match="released"):
            view[0]
        first.release()  # once only
        queue.flush()
        assert pending(netns) == 1  # no later receive was needed
        assert not second.expired
        second.accept()
    assert receiver.expect([b"kept"]) == [b"kept"]


def test_verdicts_are_coalesced_and_flushed(lab):
    netns, receiver = lab
    with nfqueue.Queue(QUEUE, netns=netns.path) as queue:
        a, b, c = receive(netns, queue, b"a", b"b", b"c")
        a.accept()
        assert pending(netns) == 3, "a coalesced verdict waits for the batch"
        queue.flush()
        assert pending(netns) == 2
        assert receiver.expect([b"a"]) == [b"a"]
        b.accept()
        c.accept()  # the last of the batch: sent with b at once, no receive needed
        assert pending(netns) == 0
    assert receiver.expect([b"a", b"b", b"c"]) == [b"a", b"b", b"c"]


def test_without_coalescing_each_verdict_goes_at_once(lab):
    netns, _ = lab
    with nfqueue.Queue(QUEUE, netns=netns.path, coalesce=False) as queue:
        a, _, _ = receive(netns, queue, b"a", b"b", b"c")
        a.accept()
        assert pending(netns) == 2


def test_run_sends_its_batch_of_verdicts_before_it_waits(lab):
    netns, receiver = lab
    with nfqueue.Queue(QUEUE, netns=netns.path) as queue:
        netns.send_udp(PORT, b"1", b"2", b"3")
        seen = []

        def accept(packet):
            seen.append(udp_data(packet))
            packet.accept()
            if len(seen) == 3:
                # No fourth packet comes; the verdicts must not wait for one.
                queue.stop()

        queue.run(accept)
        assert pending(netns) == 0
    assert receiver.expect([b"1", b"2", b"3"]) == [b"1", b"2", b"3"]


def test_verdict_packets_gives_each_its_own_verdict_in_one_call(lab):
    netns, receiver = lab
    with nfqueue.Queue(QUEUE, netns=netns.path) as queue:
        a, b, c, d = receive(netns, queue, b"a", b"b", b"c", b"d")
        rewritten = bytearray(d.payload)
        rewritten[28:] = b"D"
        nfqueue.checksum.update(rewritten)
        queue.verdict_packets([(a, Verdict.ACCEPT), (b, Verdict.DROP),
                               Decision(c, Verdict.ACCEPT, mark=7),
                               Decision(d, payload=rewritten)])
        assert all(p.verdict_given for p in (a, b, c, d))
        assert d.payload == bytes(rewritten)  # the replacement, as bytes
        assert pending(netns) == 0
    assert receiver.expect([b"a", b"c", b"D"]) == [b"a", b"c", b"D"]


def test_verdict_packets_sends_nothing_if_one_is_wrong(lab):
    netns, receiver = lab
    with nfqueue.Queue(QUEUE, netns=netns.path) as queue:
        x, y = receive(netns, queue, b"x", b"y")
        x.accept()
        with pytest.raises(nfqueue.VerdictGivenError) as info:
            queue.verdict_packets([(y, Verdict.DROP), (x, Verdict.DROP)])
        assert info.value.index == 1
        assert not y.verdict_given
        with pytest.raises(nfqueue.InvalidArgumentError, match="verdict") as info:
            queue.verdict_packets([(y, Verdict.ACCEPT), (y, 99)])
        assert info.value.index == 1
        with pytest.raises(TypeError, match="nfqueue.Packet"):
            queue.verdict_packets([("y", Verdict.ACCEPT)])
        queue.verdict_packets([Decision(y, queue=QUEUE + 1, bypass=True)])  # nobody there
    assert receiver.expect([b"x", b"y"]) == [b"x", b"y"]


def test_stats_count_what_the_kernel_holds(lab):
    netns, _ = lab
    with nfqueue.Queue(QUEUE, netns=netns.path) as queue:
        netns.send_udp(PORT, b"1", b"2")
        deadline = time.monotonic() + 5
        while queue.stats().waiting < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        stats = queue.stats()
        assert stats.waiting == 2 and stats.id_sequence >= 2
        assert stats.queue_dropped == 0 and stats.user_dropped == 0 and stats.enobufs == 0
        assert stats.rcvbuf > 0 and stats.portid > 0
        for packet in queue.recv(timeout=5):
            packet.accept()
        assert queue.stats().waiting == 0
    with pytest.raises(nfqueue.QueueClosedError):
        queue.stats()
