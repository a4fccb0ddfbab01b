# SPDX-License-Identifier: GPL-2.0-or-later
"""nfqueue's exceptions: their classes, their messages, and bad input that
must fail in Python before it reaches C."""
import errno

import pytest

import nfqueue
from nfqueue import _nfqueue, errors

PORT = 5101


def error_constants():
    return {name: getattr(_nfqueue, name) for name in dir(_nfqueue) if name.startswith("E_")}


def test_every_c_error_code_has_its_own_class():
    classes = {code: errors.error_class(code) for code in error_constants().values()}
    assert all(cls is not nfqueue.NfqueueError for cls in classes.values()), classes
    assert len(set(classes.values())) == len(classes), "two codes share a class"
    for code, cls in classes.items():
        assert cls.status == code and issubclass(cls, nfqueue.NfqueueError)


@pytest.mark.parametrize("cls, builtin", [
    (nfqueue.PermissionDeniedError, PermissionError),
    (nfqueue.NotFoundError, FileNotFoundError),
    (nfqueue.NetlinkError, OSError),
    (nfqueue.WouldBlockError, BlockingIOError),
    (nfqueue.OutOfMemoryError, MemoryError),
    (nfqueue.QueueBusyError, OSError),
    (nfqueue.InvalidArgumentError, ValueError),
    (nfqueue.AttributeMissingError, LookupError),
    (nfqueue.PayloadTooLargeError, ValueError),
    (nfqueue.NotSupportedError, OSError),
    (nfqueue.BufferOverflowError, OSError),
    (nfqueue.QueueClosedError, RuntimeError),
    (nfqueue.VerdictGivenError, RuntimeError),
    (nfqueue.PacketExpiredError, RuntimeError),
    (nfqueue.WaitInterruptedError, InterruptedError),
    (nfqueue.CallbackFailedError, RuntimeError),
])
def test_each_error_is_also_the_matching_builtin(cls, builtin):
    err = cls("what went wrong", cls.status)
    assert isinstance(err, builtin) and isinstance(err, nfqueue.NfqueueError)
    assert str(err) == "what went wrong" and err.detail == "what went wrong"
    assert err.code == cls.status
    if isinstance(err, OSError) and cls.status > -1000:
        assert err.errno == -cls.status


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(num="1"), TypeError, "queue number must be an integer"),
    (dict(num=True), TypeError, "not bool"),
    (dict(num=-1), ValueError, "0..65535"),
    (dict(num=65536), ValueError, "0..65535"),
    (dict(num=1, copy_mode=7), ValueError, "copy_mode"),
    (dict(num=1, copy_range=70000), ValueError, "copy_range"),
    (dict(num=1, max_len=0), ValueError, "max_len"),
    (dict(num=1, fail_open=1), TypeError, "fail_open must be True or False"),
    (dict(num=1, rcvbuf="big"), TypeError, "rcvbuf"),
    (dict(num=1, default_verdict=nfqueue.Verdict.REPEAT), ValueError, "default_verdict"),
    (dict(num=1, batch_size=5000), ValueError, "batch_size"),
    (dict(num=1, fd=-3), ValueError, "fd"),
    (dict(num=1, netns=""), TypeError, "netns"),
])
def test_bad_queue_options_fail_before_c(kwargs, exc, words):
    # No namespace needed: these never reach the kernel.
    with pytest.raises(exc, match=words) as info:
        nfqueue.Queue(**kwargs)
    if exc is ValueError:
        # The code C would have given, for programs that report it.
        assert isinstance(info.value, nfqueue.InvalidArgumentError)
        assert info.value.code == _nfqueue.E_INVAL


def test_checksum_helpers_want_writable_bytes():
    with pytest.raises(TypeError, match="read-only"):
        nfqueue.checksum.update(b"\x45" + bytes(27))
    with pytest.raises(TypeError, match="writable bytes-like"):
        nfqueue.checksum.update("not bytes")
    with pytest.raises(nfqueue.InvalidArgumentError):
        nfqueue.checksum.update(bytearray(b"\x45\x00"))  # truncated IPv4 header


def test_a_missing_namespace_is_file_not_found():
    with pytest.raises(FileNotFoundError) as info:
        nfqueue.Queue(1, netns="/run/netns/nfq-does-not-exist")
    assert isinstance(info.value, nfqueue.NotFoundError)
    assert "nfq-does-not-exist" in str(info.value)


def test_a_bound_queue_is_busy(netns):
    with nfqueue.Queue(7, netns=netns.path):
        with pytest.raises(nfqueue.QueueBusyError) as info:
            nfqueue.Queue(7, netns=netns.path)
    assert info.value.errno == errno.EBUSY and isinstance(info.value, OSError)
    assert "queue 7 is bound by another socket" in str(info.value)
    # Once closed, the number is free again.
    nfqueue.Queue(7, netns=netns.path).close()


def test_without_cap_net_admin_it_is_permission_error(netns):
    code = ("import nfqueue\n"
            "try:\n"
            "    nfqueue.Queue(1)\n"
            "except PermissionError as err:\n"
            "    print(type(err).__name__, err.errno, err)\n")
    drop = ["setpriv", "--inh-caps=-net_admin", "--bounding-set=-net_admin"]
    result = netns.python(code, wrapper=drop, check=True)
    assert result.stdout.startswith("PermissionDeniedError 1 "), result
    assert "CAP_NET_ADMIN" in result.stdout


def test_a_flag_the_kernel_lacks_is_not_supported_and_binds_nothing(netns):
    # This kernel has no NETFILTER_NETLINK_GLUE_CT; a kernel with it opens.
    try:
        nfqueue.Queue(3, conntrack=True, netns=netns.path).close()
    except nfqueue.NotSupportedError as err:
        assert err.errno == errno.EOPNOTSUPP and "CONNTRACK" in str(err)
        assert 3 not in netns.queues()


def test_verdict_arguments_are_checked(netns):
    netns.nfqueue_rule(queue=2, port=PORT)
    with nfqueue.Queue(2, netns=netns.path) as queue:
        netns.send_udp(PORT, b"x")
        [packet] = queue.recv(timeout=5)
        with pytest.raises(ValueError, match="mark"):
            packet.accept(mark=-1)
        with pytest.raises(ValueError, match="mark"):
            packet.accept(mark=1 << 32)
        with pytest.raises(TypeError, match="mark"):
            packet.accept(mark="7")
        with pytest.raises(TypeError, match="encode it first"):
            packet.accept(payload="text")
        with pytest.raises(TypeError, match="bytes-like"):
            packet.accept(payload=12)
        with pytest.raises(nfqueue.PayloadTooLargeError, match="65531"):
            packet.accept(payload=bytes(nfqueue.PAYLOAD_MAX + 1))
        with pytest.raises(ValueError, match="queue number"):
            packet.queue_to(65536)
        with pytest.raises(nfqueue.InvalidArgumentError, match="ACCEPT"):
            packet.verdict(99)
        with pytest.raises(nfqueue.InvalidArgumentError, match="interface"):
            packet.ifindex(4)
        assert not packet.verdict_given  # nothing above reached the kernel
        packet.drop()
        with pytest.raises(nfqueue.VerdictGivenError, match="already has its verdict"):
            packet.accept()
        with pytest.raises(ValueError, match="timeout"):
            queue.recv(timeout=-1)
        with pytest.raises(ValueError, match="max_packets"):
            queue.recv(max_packets=0)
        with pytest.raises(TypeError, match="callable"):
            queue.run(None)


def test_a_closed_queue_says_so(netns):
    queue = nfqueue.Queue(4, netns=netns.path)
    queue.close()
    queue.close()  # idempotent
    assert queue.closed
    for call in (queue.fileno, queue.recv, queue.stop, lambda: queue.run(print),
                 lambda: next(iter(queue))):
        with pytest.raises(nfqueue.QueueClosedError, match="queue 4.* closed"):
            call()


def test_messages_name_the_python_option_not_the_c_setter():
    # Where the library's message names one of its calls, the exception
    # says what the Python program calls it.
    with pytest.raises(nfqueue.InvalidArgumentError) as info:
        errors._raise_status(_nfqueue.E_INVAL,
                             "too large: see nfqueue_config_set_rcvbuf() and nfqueue_config_set_max_len")
    assert str(info.value) == "too large: see rcvbuf= and max_len="
    with pytest.raises(nfqueue.QueueBusyError) as info:
        errors._raise_status(_nfqueue.E_BUSY, "call nfqueue_queue_stop() and close after")
    assert str(info.value) == "call stop() and close after"
    with pytest.raises(nfqueue.NfqueueError) as info:
        errors._raise_status(_nfqueue.E_IO, "nfqueue_unknown_call() failed")
    assert str(info.value) == "nfqueue_unknown_call() failed"  # not ours to rename
