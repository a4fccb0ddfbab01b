# SPDX-License-Identifier: GPL-2.0-or-later
"""How long packets, payloads and queues live: borrowed views that expire,
retained packets, default verdicts, and what garbage collection does. None
of it may crash, whatever the order of calls."""
import gc
import pickle
import threading
import warnings

import pytest

import nfqueue

PORT = 5301
QUEUE = 5


@pytest.fixture
def lab(netns):
    netns.nfqueue_rule(queue=QUEUE, port=PORT)
    receiver = netns.udp_receiver(PORT)
    return netns, receiver


def one_packet(netns, queue, data=b"data"):
    netns.send_udp(PORT, data)
    [packet] = queue.recv(timeout=5)
    return packet


def test_a_borrowed_payload_is_a_view_that_expires(lab):
    netns, receiver = lab
    with nfqueue.Queue(QUEUE, netns=netns.path) as queue:
        packet = one_packet(netns, queue, b"zero-copy")
        view = packet.payload
        assert isinstance(view, memoryview) and view.readonly
        assert view[28:] == b"zero-copy" and packet.payload is view
        queue.recv(timeout=0)  # the next receive ends the borrow
        with pytest.raises(nfqueue.PacketExpiredError, match="retain()"):
            packet.payload
        with pytest.raises(nfqueue.PacketExpiredError):
            packet.accept()
        with pytest.raises(ValueError, match="released"):
            view[0]
        assert packet.expired and packet.verdict_given  # the default verdict
    assert receiver.expect([b"zero-copy"]) == [b"zero-copy"]


def test_a_slice_kept_past_its_queue_reads_memory_that_still_exists(lab):
    netns, _ = lab
    queue = nfqueue.Queue(QUEUE, netns=netns.path)
    part = one_packet(netns, queue).payload[28:]  # a slice outlives its view's release
    queue.close()
    del queue
    gc.collect()
    # The receive buffer lives as long as any view of it, and nothing was
    # received since: these are still the packet's bytes.
    assert bytes(part) == b"data"


def test_a_view_read_while_its_cycle_is_collected_is_still_valid(lab):
    """The collector runs every finalizer of a reference cycle before it
    frees anything: the queue's own finalizer (which closes it) must not
    free memory that another __del__ in the cycle still reads."""
    netns, _ = lab
    read = []

    class Session:
        def __del__(self):
            read.append(bytes(self.head))

    session = Session()
    session.queue = nfqueue.Queue(QUEUE, netns=netns.path)
    session.queue.session = session
    session.head = one_packet(netns, session.queue).payload[28:]
    del session
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    assert read == [b"data"]


def test_a_view_exported_elsewhere_does_not_stop_expiry(lab):
    netns, receiver = lab
    with nfqueue.Queue(QUEUE, netns=netns.path) as queue:
        packet = one_packet(netns, queue, b"exported")
        exported = pickle.PickleBuffer(packet.payload)  # holds a buffer export
        assert queue.recv(timeout=0.1) == []  # expiry must not fail on it
        assert packet.expired and packet.verdict_given
        del exported
    assert receiver.expect([b"exported"]) == [b"exported"]


def test_a_retained_packet_outlives_its_batch(lab):
    netns, receiver = lab
    with nfqueue.Queue(QUEUE, netns=netns.path) as queue:
        packet = one_packet(netns, queue, b"later").retain()
        queue.recv(timeout=0.1)
        assert packet.retained and not packet.expired
        assert isinstance(packet.payload, bytes) and packet.payload[28:] == b"later"
        assert packet.id >= 1 and packet.hook is nfqueue.Hook.OUTPUT
        done = threading.Thread(target=packet.accept)  # from another thread
        done.start()
        done.join()
        assert packet.verdict_given
    assert receiver.expect([b"later"]) == [b"later"]


def test_a_replaced_payload_reaches_the_receiver(lab):
    netns, receiver = lab
    with nfqueue.Queue(QUEUE, netns=netns.path) as queue:
        packet = one_packet(netns, queue, b"hello")
        data = bytearray(packet.payload)
        data[28:] = b"HELLO"
        nfqueue.checksum.update(data)
        packet.accept(payload=data)
        # The replacement, as bytes: no view of C's copy to outlive it.
        assert packet.payload == bytes(data) and isinstance(packet.payload, bytes)
    assert receiver.expect([b"HELLO"]) == [b"HELLO"]


@pytest.mark.parametrize("default", [nfqueue.Verdict.ACCEPT, nfqueue.Verdict.DROP])
def test_default_verdict_at_callback_end_and_for_collected_retained_packets(netns, default):
    netns.nfqueue_rule(queue=QUEUE, port=PORT)
    receiver = netns.udp_receiver(PORT)
    with nfqueue.Queue(QUEUE, netns=netns.path, default_verdict=default) as queue:
        netns.send_udp(PORT, b"ignored", b"forgotten", b"kept")

        def callback(packet):
            data = bytes(packet.payload[28:])
            if data == b"forgotten":
                packet.retain()  # and then let go of it: garbage
            if data == b"kept":
                packet.accept()
                queue.stop()

        queue.run(callback)
        gc.collect()
        # Both got the default verdict already, while the queue is open.
        assert QUEUE not in netns.queues() or netns.queues()[QUEUE]["pending"] == 0
        expected = [b"ignored", b"forgotten", b"kept"] \
            if default == nfqueue.Verdict.ACCEPT else [b"kept"]
        assert sorted(receiver.expect(expected)) == sorted(expected)


def test_release_frees_a_retained_packet_with_the_default_verdict(netns):
    netns.nfqueue_rule(queue=QUEUE, port=PORT)
    receiver = netns.udp_receiver(PORT)
    with nfqueue.Queue(QUEUE, netns=netns.path,
                       default_verdict=nfqueue.Verdict.DROP) as queue:
        released = one_packet(netns, queue, b"released").retain()
        kept = one_packet(netns, queue, b"kept").retain()
        released.release()
        released.release()  # once only
        assert released.expired and released.verdict_given
        with pytest.raises(nfqueue.PacketExpiredError):
            released.accept()
        kept.accept()
        kept.release()  # after its verdict: nothing more is sent
    assert receiver.expect([b"kept"]) == [b"kept"]


def test_a_packet_kept_after_its_queue_is_gone_fails_cleanly(lab):
    netns, _ = lab
    queue = nfqueue.Queue(QUEUE, netns=netns.path)
    retained = one_packet(netns, queue).retain()
    borrowed = one_packet(netns, queue)
    queue.close()
    del queue
    gc.collect()
    with pytest.raises(nfqueue.QueueClosedError, match="closed"):
        retained.accept()
    with pytest.raises(nfqueue.PacketExpiredError):
        borrowed.drop()
    assert retained.payload[28:] == b"data"  # its own copy stays readable
    del retained, borrowed
    gc.collect()


def test_an_unclosed_queue_is_closed_by_the_garbage_collector(lab):
    netns, receiver = lab
    queue = nfqueue.Queue(QUEUE, netns=netns.path)
    netns.send_udp(PORT, b"pending")
    assert queue.recv(timeout=5)  # borrowed, no verdict
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del queue
        gc.collect()
    assert any(issubclass(w.category, ResourceWarning) and "not closed" in str(w.message)
               for w in caught), caught
    assert QUEUE not in netns.queues()
    # Its pending packet got the default verdict, and the number is free.
    assert receiver.expect([b"pending"]) == [b"pending"]
    nfqueue.Queue(QUEUE, netns=netns.path).close()


def test_close_gives_pending_packets_the_default_verdict(lab):
    netns, receiver = lab
    queue = nfqueue.Queue(QUEUE, netns=netns.path)
    netns.send_udp(PORT, b"p1", b"p2", b"p3")
    batch = queue.recv(max_packets=1, timeout=5)  # p2 and p3 not handed out yet
    assert len(batch) == 1
    queue.close()
    assert receiver.expect([b"p1", b"p2", b"p3"]) == [b"p1", b"p2", b"p3"]
