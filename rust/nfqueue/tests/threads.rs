// SPDX-License-Identifier: GPL-2.0-or-later

//! Retained packets verdicted concurrently from 8 threads: all 8 race for
//! every packet (each in its own Mutex, since an OwnedPacket is Send but
//! not Sync), so each packet must take exactly one verdict and refuse the
//! other seven with VerdictGiven, while different packets are verdicted
//! in parallel; every datagram must then arrive exactly once.
mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::Duration;

use common::{udp_data, Lab, PORT};
use nfqueue::{Config, ErrorKind, OwnedPacket, Queue, Verdict};

const THREADS: usize = 8;
const PACKETS: u32 = 800;

#[test]
fn retained_packets_from_8_threads_take_exactly_one_verdict_each() {
    let Some(lab) = Lab::new(41) else { return };
    let receiver = lab.receiver();
    let sender = lab.socket(0);
    let mut queue = Queue::open(lab.queue_num, &Config::new().netns(lab.path())).expect("open");
    for seq in 0..PACKETS {
        sender.send_to(&seq.to_be_bytes(), ("127.0.0.1", PORT)).expect("send");
    }
    let mut held: Vec<(u32, OwnedPacket)> = Vec::new();
    while held.len() < PACKETS as usize {
        let batch = queue.recv_timeout(Duration::from_secs(5)).expect("recv");
        assert!(!batch.is_empty(), "{} of {PACKETS} packets came", held.len());
        for packet in batch {
            let seq = u32::from_be_bytes(udp_data(packet.payload()).try_into().expect("a 4-byte datagram"));
            held.push((seq, packet.retain().expect("retain")));
        }
    }
    let packets: Arc<Vec<(u32, Mutex<OwnedPacket>)>> =
        Arc::new(held.into_iter().map(|(seq, p)| (seq, Mutex::new(p))).collect());
    let wins: Arc<Vec<AtomicU32>> = Arc::new((0..PACKETS).map(|_| AtomicU32::new(0)).collect());
    let start = Arc::new(Barrier::new(THREADS));
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (packets, wins, start) = (Arc::clone(&packets), Arc::clone(&wins), Arc::clone(&start));
            thread::spawn(move || {
                start.wait();
                let n = packets.len();
                let mut refused = 0u32;
                // Each thread walks the packets from its own starting point.
                for i in (0..n).map(|i| (i + t * n / THREADS) % n) {
                    let (seq, packet) = &packets[i];
                    match packet.lock().unwrap().verdict(Verdict::Accept.with_mark(t as u32 + 1)) {
                        Ok(()) => {
                            wins[*seq as usize].fetch_add(1, Ordering::SeqCst);
                        }
                        Err(e) if e.kind() == ErrorKind::VerdictGiven => refused += 1,
                        Err(e) => panic!("thread {t}: verdict of packet {seq}: {e}"),
                    }
                }
                refused
            })
        })
        .collect();
    let refused: u32 = workers.into_iter().map(|w| w.join().expect("a verdict thread")).sum();
    queue.flush().expect("flush");
    drop(packets);

    let mut arrived = vec![0u32; PACKETS as usize];
    for data in receiver.drain_for(Duration::from_millis(1000)) {
        arrived[u32::from_be_bytes(data[..].try_into().expect("4 bytes")) as usize] += 1;
    }
    eprintln!("{PACKETS} packets, {THREADS} threads: {refused} second verdicts refused");
    for seq in 0..PACKETS as usize {
        assert_eq!(wins[seq].load(Ordering::SeqCst), 1, "packet {seq}: verdicts that succeeded");
        assert_eq!(arrived[seq], 1, "datagram {seq}: times it arrived");
    }
    assert_eq!(refused, PACKETS * (THREADS as u32 - 1), "every other attempt got VerdictGiven");
    assert_eq!(queue.stats().expect("stats").waiting, 0, "nothing waits for a verdict");
}
