// SPDX-License-Identifier: GPL-2.0-or-later

//! Resources that must not grow (the Rust side of
//! tests/reliability/hygiene.c): 10,000 queue open/close cycles, then
//! 1,000,000 real packets (10,000,000 with NFQUEUE_TEST_LONG=1) each
//! retained as an OwnedPacket, held with up to 255 others and dropped,
//! half after a verdict, half left to the default verdict. Open file
//! descriptors and VmRSS are measured after a warm-up and at the end:
//! descriptors must be the same, VmRSS may grow by at most 2 MiB
//! (allocator arenas and page accounting). Every packet must arrive.
mod common;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::resources::{fd_count, rss_kib};
use common::{Lab, PORT};
use nfqueue::{Config, OwnedPacket, Queue, Verdict};

const CYCLES: usize = 10_000;
const WARM_UP: usize = 100;
const WINDOW: usize = 256;
const RSS_SLACK_KIB: u64 = 2048;

/// The counts are the process's: the two tests must not overlap.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn long_run() -> bool {
    std::env::var("NFQUEUE_TEST_LONG").as_deref() == Ok("1")
}

#[test]
fn open_close_cycles_leave_descriptors_and_memory_flat() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let Some(lab) = Lab::new(51) else { return };
    let config = Config::new().netns(lab.path());
    let (mut fds, mut rss, mut started) = (0, 0, Instant::now());
    for i in 0..WARM_UP + CYCLES {
        if i == WARM_UP {
            (fds, rss, started) = (fd_count(), rss_kib(), Instant::now());
        }
        let queue = Queue::open(lab.queue_num, &config).unwrap_or_else(|e| panic!("cycle {i}: open: {e}"));
        queue.close().unwrap_or_else(|e| panic!("cycle {i}: close: {e}"));
    }
    let (fds_after, rss_after) = (fd_count(), rss_kib());
    eprintln!(
        "{CYCLES} open/close cycles in {:.1} s: fds {fds} -> {fds_after}, VmRSS {rss} -> {rss_after} KiB",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(fds_after, fds, "file descriptors after {CYCLES} cycles");
    assert!(rss_after <= rss + RSS_SLACK_KIB, "VmRSS grew from {rss} to {rss_after} KiB");
}

#[test]
fn a_million_retained_and_freed_packets_leave_descriptors_and_memory_flat() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let total: usize = if long_run() { 10_000_000 } else { 1_000_000 };
    let Some(lab) = Lab::new(52) else { return };
    let receiver = lab.receiver();
    let sender = lab.socket(0);
    let mut queue = Queue::open(lab.queue_num, &Config::new().netns(lab.path())).expect("open");
    let mut baseline = None;
    let (mut sent, mut arrived) = (0, 0);
    let started = Instant::now();
    let mut held: Vec<OwnedPacket> = Vec::with_capacity(WINDOW);
    while sent < total {
        if sent >= total / 10 && baseline.is_none() {
            baseline = Some((fd_count(), rss_kib())); // after a warm-up
        }
        let window = WINDOW.min(total - sent);
        for seq in sent..sent + window {
            sender.send_to(&(seq as u32).to_be_bytes(), ("127.0.0.1", PORT)).expect("send");
        }
        while held.len() < window {
            let batch = queue.recv_timeout(Duration::from_secs(2)).expect("recv");
            assert!(!batch.is_empty(), "after {sent} packets: nothing came within 2 s");
            for packet in batch {
                held.push(packet.retain().expect("retain"));
            }
        }
        for (i, mut packet) in held.drain(..).enumerate() {
            if i % 2 == 1 {
                packet.verdict(Verdict::Accept).expect("verdict");
            }
            drop(packet); // without a verdict: the default one, accept
        }
        sent += window;
        arrived += receiver.count(window, Duration::from_secs(2));
        assert_eq!(arrived, sent, "every packet arrives");
    }
    let (fds, rss) = baseline.expect("measured after the warm-up");
    let (fds_after, rss_after) = (fd_count(), rss_kib());
    eprintln!(
        "{total} packets retained and freed in {:.1} s: fds {fds} -> {fds_after}, VmRSS {rss} -> {rss_after} KiB",
        started.elapsed().as_secs_f64()
    );
    let queued = queue.stats().expect("stats").id_sequence;
    assert_eq!(queued as usize, total, "the kernel queued every packet (its newest id)");
    assert_eq!(fds_after, fds, "file descriptors after {total} packets");
    assert!(rss_after <= rss + RSS_SLACK_KIB, "VmRSS grew from {rss} to {rss_after} KiB");
}
