// SPDX-License-Identifier: GPL-2.0-or-later

//! Real packets through a real queue, in a throwaway namespace: receive,
//! attributes, verdicts one by one, for a whole batch and in one call,
//! default verdicts on drop, retained packets verdicted on another thread.
mod common;

use std::ops::ControlFlow;
use std::thread;
use std::time::Duration;

use common::{udp_data, Lab};
use nfqueue::{checksum, Config, ErrorKind, Hook, Iface, Queue, Verdict};

fn open(lab: &Lab, config: Config) -> Queue {
    Queue::open(lab.queue_num, &config.netns(lab.path())).expect("open the queue in the namespace")
}

/// Receive until `n` packets were handed to `each`.
fn receive(queue: &mut Queue, n: usize, mut each: impl FnMut(nfqueue::Packet<'_>)) {
    let mut seen = 0;
    while seen < n {
        let batch = queue.recv_timeout(Duration::from_secs(5)).expect("recv");
        assert!(!batch.is_empty(), "no packet within 5 s ({seen} of {n} came)");
        for packet in batch {
            seen += 1;
            each(packet);
        }
    }
}

#[test]
fn packets_arrive_with_their_attributes_and_take_their_verdicts() {
    let Some(lab) = Lab::new(3) else { return };
    let receiver = lab.receiver();
    let mut queue = open(&lab, Config::new());
    assert_eq!(queue.num(), 3);
    lab.send(&[b"one", b"two", b"drop me"]);
    receive(&mut queue, 3, |packet| {
        let attrs = packet.attrs().unwrap();
        assert_eq!(attrs.queue_num(), 3);
        assert_eq!(attrs.hw_protocol(), 0x0800);
        assert_eq!(attrs.hook(), Hook::Output);
        assert_eq!(attrs.mark(), None, "no mark is absent, not 0");
        assert!(attrs.ifindex(Iface::Out).is_some());
        assert_eq!(attrs.ifindex(Iface::In), None);
        assert_eq!(packet.ifname(Iface::Out).unwrap().as_deref(), Some("lo"));
        assert_eq!(packet.ifname(Iface::In).unwrap(), None);
        assert_eq!(attrs.payload(), Some(packet.payload()));
        assert_eq!(attrs.orig_len(), Some(packet.payload().len() as u32));
        let verdict = if udp_data(packet.payload()) == b"drop me" { Verdict::Drop } else { Verdict::Accept };
        packet.verdict(verdict).unwrap();
    });
    assert_eq!(receiver.drain(), vec![b"one".to_vec(), b"two".to_vec()]);
}

#[test]
fn a_dropped_packet_gets_the_default_verdict() {
    let Some(lab) = Lab::new(4) else { return };
    let receiver = lab.receiver();
    let mut queue = open(&lab, Config::new().default_verdict(Verdict::Drop));
    lab.send(&[b"let go"]);
    receive(&mut queue, 1, |packet| drop(packet));
    assert!(receiver.drain().is_empty(), "the default verdict (drop) applies");

    let mut queue = {
        drop(queue);
        open(&lab, Config::new())
    };
    lab.send(&[b"let go"]);
    receive(&mut queue, 1, |packet| drop(packet));
    assert_eq!(receiver.drain(), vec![b"let go".to_vec()], "the default verdict (accept) applies");
}

#[test]
fn a_whole_batch_takes_one_verdict() {
    let Some(lab) = Lab::new(5) else { return };
    let receiver = lab.receiver();
    let mut queue = open(&lab, Config::new());
    lab.send(&[b"a", b"b", b"c"]);
    let mut got = 0;
    while got < 3 {
        let batch = queue.recv_timeout(Duration::from_secs(5)).unwrap();
        assert!(!batch.is_empty());
        got += batch.len();
        assert!(batch.iter().all(|p| !p.has_verdict()));
        batch.verdict_all(Verdict::Accept, Some(7)).unwrap();
    }
    assert_eq!(receiver.drain().len(), 3);
}

#[test]
fn per_packet_verdicts_in_one_call_carry_marks_and_payloads() {
    let Some(lab) = Lab::new(6) else { return };
    let receiver = lab.receiver();
    let mut queue = open(&lab, Config::new());
    lab.send(&[b"hello", b"other"]);
    let mut seen = 0;
    while seen < 2 {
        let batch = queue.recv_timeout(Duration::from_secs(5)).unwrap();
        assert!(!batch.is_empty());
        let rewritten: Vec<Vec<u8>> = batch
            .iter()
            .map(|p| {
                let mut bytes = p.payload().to_vec();
                if udp_data(&bytes) == b"hello" {
                    bytes[28..].copy_from_slice(b"HOWDY");
                    checksum::update(&mut bytes).unwrap();
                }
                bytes
            })
            .collect();
        let mut verdicts = batch.verdicts();
        for (packet, bytes) in batch.into_iter().zip(&rewritten) {
            seen += 1;
            verdicts.push(packet, Verdict::Accept.with_mark(9).with_payload(bytes));
        }
        assert_eq!(verdicts.len(), rewritten.len());
        verdicts.send().unwrap();
    }
    let mut got = receiver.drain();
    got.sort();
    assert_eq!(got, vec![b"HOWDY".to_vec(), b"other".to_vec()]);
}

#[test]
fn retained_packets_are_verdicted_on_another_thread() {
    let Some(lab) = Lab::new(7) else { return };
    let receiver = lab.receiver();
    let mut queue = open(&lab, Config::new());
    lab.send(&[b"later", b"never"]);
    let mut kept = Vec::new();
    receive(&mut queue, 2, |packet| kept.push(packet.retain().unwrap()));
    let worker = thread::spawn(move || {
        let mut results = Vec::new();
        for mut packet in kept {
            let verdict =
                if udp_data(packet.payload()) == b"later" { Verdict::Accept } else { Verdict::Drop };
            results.push(packet.verdict(verdict));
            let again = packet.verdict(Verdict::Accept).unwrap_err();
            assert_eq!(again.kind(), ErrorKind::VerdictGiven);
            assert!(packet.has_verdict());
        }
        results
    });
    assert!(worker.join().unwrap().iter().all(Result::is_ok));
    assert_eq!(receiver.drain(), vec![b"later".to_vec()]);
}

#[test]
fn an_owned_packet_outlives_its_queue_and_reports_it_closed() {
    let Some(lab) = Lab::new(8) else { return };
    let receiver = lab.receiver();
    let mut queue = open(&lab, Config::new());
    lab.send(&[b"held"]);
    let mut kept = None;
    receive(&mut queue, 1, |packet| kept = Some(packet.retain().unwrap()));
    queue.close().unwrap(); // gives the held packet the default verdict (accept)
    let mut packet = kept.unwrap();
    let error = packet.verdict(Verdict::Drop).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Closed);
    assert!(!error.message().is_empty(), "the library says what happened");
    drop(packet);
    assert_eq!(receiver.drain(), vec![b"held".to_vec()]);
}

#[test]
fn the_callback_loop_stops_breaks_and_resumes_panics() {
    let Some(lab) = Lab::new(9) else { return };
    let receiver = lab.receiver();
    let mut queue = open(&lab, Config::new());
    lab.send(&[b"1", b"2"]);
    let mut seen = 0;
    let outcome = queue.run(|packet| {
        seen += 1;
        packet.accept().unwrap();
        if seen == 2 {
            ControlFlow::Break("two")
        } else {
            ControlFlow::Continue(())
        }
    });
    assert_eq!(outcome.unwrap(), Some("two"));

    // A stop from another thread ends a run that waits for nothing.
    let stop = queue.stop_handle();
    let stopper = thread::spawn(move || {
        thread::sleep(Duration::from_millis(200));
        stop.stop().unwrap();
    });
    assert_eq!(queue.run(|_| ControlFlow::<()>::Continue(())).unwrap(), None);
    stopper.join().unwrap();

    // A panic in the callback unwinds out of run, after C returned.
    lab.send(&[b"boom"]);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = queue.run(|_packet| -> ControlFlow<()> { panic!("in the callback") });
    }));
    assert!(caught.is_err(), "the panic reaches the caller");
    // The queue is still usable, and the panicking packet got the default verdict.
    lab.send(&[b"after"]);
    receive(&mut queue, 1, |p| p.accept().unwrap());
    assert_eq!(receiver.drain(), vec![b"1".to_vec(), b"2".to_vec(), b"boom".to_vec(), b"after".to_vec()]);
}

#[test]
fn stop_ends_a_blocking_receive() {
    let Some(lab) = Lab::new(10) else { return };
    let mut queue = open(&lab, Config::new());
    let stop = queue.stop_handle();
    let stopper = thread::spawn(move || {
        thread::sleep(Duration::from_millis(200));
        stop.stop().unwrap();
    });
    let error = queue.recv().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Stopped);
    stopper.join().unwrap();
    let late = queue.stop_handle();
    drop(queue);
    assert_eq!(
        late.stop().unwrap_err().kind(),
        ErrorKind::Closed,
        "a stop after close is refused, not a crash"
    );
}

#[test]
fn bad_input_is_an_error_with_the_library_message() {
    let Some(lab) = Lab::new(11) else { return };
    let error = Queue::open(70000, &Config::new().netns(lab.path())).unwrap_err();
    assert_eq!((error.kind(), error.code()), (ErrorKind::InvalidArgument, -22));
    assert!(error.message().contains("70000"), "{error}");

    let _first = open(&lab, Config::new());
    let busy = Queue::open(lab.queue_num, &Config::new().netns(lab.path())).unwrap_err();
    assert_eq!(busy.kind(), ErrorKind::Busy);
    let shown = busy.to_string();
    assert!(shown.contains("NFQUEUE_E_BUSY") && shown.contains(busy.message()), "{shown}");

    let mut queue = _first;
    lab.send(&[b"too big"]);
    receive(&mut queue, 1, |mut packet| {
        let huge = vec![0u8; nfqueue::PAYLOAD_MAX as usize + 1];
        assert_eq!(packet.set_payload(&huge).unwrap_err().kind(), ErrorKind::TooBig);
        let error = packet.verdict(Verdict::Accept.with_payload(&huge)).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::TooBig);
    });
    let stats = queue.stats().unwrap();
    assert_eq!(stats.waiting, 0, "the refused packet still got its (default) verdict");
}
