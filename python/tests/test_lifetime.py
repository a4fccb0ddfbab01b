"""How long packets, payloads and queues live: borrowed views that expire,
retained packets, default verdicts, and what garbage collection does. None
of it may crash, whatever the order of calls."""
import gc
import threading
import warnings
import weakref

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


def test_a_slice_kept_past_close_reads_memory_that_still_exists(lab):
    netns, _ = lab
    queue = nfqueue.Queue(QUEUE, netns=netns.path)
    packet = one_packet(netns, queue)
    part = packet.payload[28:]  # a slice outlives the release of its parent
    queue.close()
    assert len(bytes(part)) == 4  # stale perhaps, but never freed memory
    owner = weakref.ref(queue)
    del queue, packet
    gc.collect()
    assert owner() is not None, "the view must keep its queue's memory alive"
    del part
    gc.collect()
    assert owner() is None


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


def test_default_verdict_at_callback_end_and_for_dropped_retained_packets(netns):
    netns.nfqueue_rule(queue=QUEUE, port=PORT)
    receiver = netns.udp_receiver(PORT)
    with nfqueue.Queue(QUEUE, netns=netns.path,
                       default_verdict=nfqueue.Verdict.DROP) as queue:
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
    assert receiver.expect([b"kept"]) == [b"kept"]


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
