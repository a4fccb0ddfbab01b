// SPDX-License-Identifier: GPL-2.0-or-later

//! Property tests through a real queue in a throwaway namespace, over
//! what the crate reads from the library's memory as Rust slices
//! (`Packet::payload`, `Attrs::payload`, `orig_len`) and what it hands
//! back (`set_payload`, a decision with a payload): for arbitrary UDP data
//! the packet reads back exactly what was sent; an arbitrary replacement,
//! even one that is no IP packet at all, reads back exactly; a rewritten
//! datagram of another length and content arrives as rewritten.
mod common;

use std::cell::RefCell;
use std::time::Duration;

use common::{udp_data, Lab, PORT};
use nfqueue::{checksum, Config, Queue, Verdict};
use proptest::prelude::*;
use proptest::test_runner::{Config as Cases, TestRunner};

/// `packet` (IPv4, 20-byte header, UDP) with its UDP data replaced by
/// `data`, lengths and checksums fixed.
fn with_udp_data(packet: &[u8], data: &[u8]) -> Vec<u8> {
    let mut out = packet[..28].to_vec();
    out.extend_from_slice(data);
    let total = out.len() as u16;
    out[2..4].copy_from_slice(&total.to_be_bytes());
    out[24..26].copy_from_slice(&((8 + data.len()) as u16).to_be_bytes());
    checksum::update(&mut out).expect("a well-formed rewrite");
    out
}

#[test]
fn payloads_read_back_and_rewrite_exactly() {
    let Some(lab) = Lab::new(61) else { return };
    let receiver = lab.receiver();
    let sender = lab.socket(0);
    let queue = RefCell::new(Queue::open(lab.queue_num, &Config::new().netns(lab.path())).expect("open"));
    let cases = prop::collection::vec(any::<u8>(), 0..1400);
    let strategy = (cases.clone(), any::<bool>(), prop::collection::vec(any::<u8>(), 0..3000), cases);
    let mut runner = TestRunner::new(Cases { cases: 150, failure_persistence: None, ..Cases::default() });
    let outcome = runner.run(&strategy, |(sent, garbage, replacement, rewrite)| {
        sender.send_to(&sent, ("127.0.0.1", PORT)).expect("send");
        let mut queue = queue.borrow_mut();
        let mut packet = queue
            .recv_timeout(Duration::from_secs(5))
            .expect("recv")
            .into_iter()
            .next()
            .expect("the datagram was queued");
        let original = packet.payload().to_vec();
        prop_assert_eq!(udp_data(&original), &sent[..]);
        let attrs = packet.attrs().expect("attrs");
        prop_assert_eq!(attrs.payload(), Some(&original[..]));
        prop_assert_eq!(attrs.orig_len(), Some(28 + sent.len() as u32));
        if garbage {
            // Any bytes may replace the payload; they read back as they are.
            packet.set_payload(&replacement).expect("set a replacement");
            prop_assert_eq!(packet.payload(), &replacement[..]);
            prop_assert_eq!(packet.attrs().expect("attrs").payload(), Some(&replacement[..]));
            packet.verdict(Verdict::Drop).expect("drop");
            prop_assert!(receiver.count(1, Duration::from_millis(20)) == 0, "a dropped packet arrived");
        } else {
            let rewritten = with_udp_data(&original, &rewrite);
            packet.verdict(Verdict::Accept.with_payload(&rewritten)).expect("accept rewritten");
            drop(queue);
            // A duplicate would be what the next case receives, and fail it.
            let got = receiver.recv_one(Duration::from_secs(2));
            prop_assert_eq!(got, Some(rewrite.clone()), "the rewrite arrives as made");
        }
        Ok(())
    });
    // A failure names the minimal input found; there is no file to keep it in.
    outcome.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(receiver.count(1, Duration::from_millis(200)), 0, "nothing arrived twice");
    assert_eq!(queue.borrow().stats().expect("stats").waiting, 0);
}
