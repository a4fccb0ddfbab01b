// SPDX-License-Identifier: GPL-2.0-or-later

//! Fuzz-style property test of the whole receive path under the binding,
//! on a live queue: arbitrary datagrams (random bytes, forged packet
//! messages with random bytes changed, any claimed length) sent to the
//! queue's netlink port from another socket of its namespace. Each one
//! the kernel delivers must be skipped and counted exactly once, nothing
//! may be handed out, and a real packet afterwards passes as usual.
mod common;

use std::cell::{Cell, RefCell};
use std::time::Duration;

use common::forge::{self, Attacker};
use common::{udp_data, Lab, PORT};
use nfqueue::{Config, Queue, Verdict};
use proptest::prelude::*;
use proptest::test_runner::{Config as Cases, TestRunner};

fn datagrams(queue_num: u16) -> impl Strategy<Value = Vec<u8>> {
    let forged = (
        any::<u32>(),
        prop::collection::vec(any::<u8>(), 0..200),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
    )
        .prop_map(move |(id, payload, changes)| {
            let mut msg = forge::packet(queue_num, id, &forge::ipv4_udp(PORT, &payload));
            for (at, byte) in changes {
                let i = at.index(msg.len());
                msg[i] = byte;
            }
            msg
        });
    let lying =
        (any::<u32>(), 16..256usize).prop_map(|(claimed, actual)| forge::lying_length(claimed, actual));
    prop_oneof![prop::collection::vec(any::<u8>(), 1..4096), forged, lying]
}

#[test]
fn foreign_datagrams_of_any_shape_are_skipped_once_each() {
    let Some(lab) = Lab::new(62) else { return };
    let receiver = lab.receiver();
    let queue = RefCell::new(Queue::open(lab.queue_num, &Config::new().netns(lab.path())).expect("open"));
    let portid = queue.borrow().stats().expect("stats").portid;
    let attacker = lab.within(|| Attacker::new().expect("a NETLINK_NETFILTER socket in the namespace"));
    let delivered = Cell::new(0u64);
    let mut runner = TestRunner::new(Cases { cases: 1000, failure_persistence: None, ..Cases::default() });
    let outcome = runner.run(&datagrams(lab.queue_num as u16), |datagram| {
        if attacker.send(portid, &datagram).is_err() {
            return Ok(()); // refused by the kernel: nothing reached the queue
        }
        delivered.set(delivered.get() + 1);
        let mut queue = queue.borrow_mut();
        let batch = queue.recv_timeout(Duration::from_millis(0)).expect("receive after a foreign datagram");
        prop_assert!(batch.is_empty(), "a foreign datagram was handed out as {} packets", batch.len());
        drop(batch);
        let skipped = queue.stats().expect("stats").skipped;
        prop_assert_eq!(skipped, delivered.get(), "each foreign datagram is counted once");
        Ok(())
    });
    // A failure names the minimal input found; there is no file to keep it in.
    outcome.unwrap_or_else(|e| panic!("{e}"));
    eprintln!("{} foreign datagrams delivered and skipped", delivered.get());
    assert!(delivered.get() > 0, "the kernel let none through: nothing was tested");

    // The queue still works.
    lab.send(&[b"after the storm"]);
    let mut queue = queue.into_inner();
    let packet =
        queue.recv_timeout(Duration::from_secs(5)).expect("recv").into_iter().next().expect("queued");
    assert_eq!(udp_data(packet.payload()), b"after the storm");
    packet.verdict(Verdict::Accept).expect("verdict");
    queue.flush().expect("flush");
    assert_eq!(receiver.drain(), vec![b"after the storm".to_vec()]);
}
