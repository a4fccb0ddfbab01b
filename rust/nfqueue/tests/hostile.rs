// SPDX-License-Identifier: GPL-2.0-or-later

//! Hostile input on a live queue's own netlink port (the Rust side of
//! tests/reliability/hostile.c): another NETLINK_NETFILTER socket in the
//! namespace sends the port from `Stats::portid` datagrams with lying
//! lengths (0, 8, 15, past the end, 2^31, 0xffffffff), a valid message
//! followed by a lie, a truncated attribute, forged packet messages that
//! parse (ids the kernel may have used too), 64 KiB of random bytes and an
//! empty datagram, before, between and after 300 real UDP datagrams. The
//! library must hand out no forged packet, count every foreign datagram
//! the kernel delivered in `Stats::skipped`, and hand out, verdict and
//! deliver every real packet exactly once.
mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::forge::{self, Attacker};
use common::{udp_data, Lab, PORT};
use nfqueue::{Config, Queue, Verdict};

const REAL: u32 = 300;
const FORGED_ID: u32 = 0x7f00_0000;
const FORGED_SEQ: u32 = 900_000;

/// A real datagram's UDP data: its number and a tag.
fn numbered(seq: u32) -> Vec<u8> {
    let mut data = seq.to_be_bytes().to_vec();
    data.extend_from_slice(b"NFQR");
    data
}

fn number_of(data: &[u8]) -> Option<u32> {
    (data.len() == 8 && &data[4..] == b"NFQR").then(|| u32::from_be_bytes(data[..4].try_into().unwrap()))
}

/// Deterministic noise (xorshift64), so a failure can be replayed.
fn noise(len: usize, mut state: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// Every kind of hostile datagram once.
fn hostile_datagrams(queue_num: u16) -> Vec<Vec<u8>> {
    let mut all: Vec<Vec<u8>> = [0, 8, 15, 1000, 0x8000_0000, 0xffff_ffff]
        .iter()
        .map(|&claimed| forge::lying_length(claimed, 64))
        .collect();
    // A message that parses, then one that lies, in one datagram.
    let mut two = forge::packet(queue_num, FORGED_ID + 1, &forge::ipv4_udp(PORT, &numbered(FORGED_SEQ)));
    two.extend(forge::lying_length(0x8000_0000, 64));
    all.push(two);
    all.push(forge::truncated_attribute(queue_num, FORGED_ID + 2));
    // Forged packets that parse, some with ids the kernel may have used:
    // a consumer that trusted them would verdict real packets.
    for id in 0..8 {
        let forged_id = if id < 4 { FORGED_ID + 10 + id } else { id + 1 };
        all.push(forge::packet(queue_num, forged_id, &forge::ipv4_udp(PORT, &numbered(FORGED_SEQ + id))));
    }
    all.push(noise(65536, 12345));
    all.push(Vec::new()); // the kernel refuses to deliver it
    all
}

/// Send every hostile datagram to `portid`; how many the kernel delivered.
fn attack(attacker: &Attacker, portid: u32, queue_num: u16) -> u64 {
    let mut delivered = 0;
    for (i, datagram) in hostile_datagrams(queue_num).iter().enumerate() {
        match attacker.send(portid, datagram) {
            Ok(()) => delivered += 1,
            // The refusals are the same every round: say them once.
            Err(e) if !REPORTED.load(Ordering::Relaxed) => {
                eprintln!("hostile datagram {i} ({} bytes) refused by the kernel: {e}", datagram.len())
            }
            Err(_) => {}
        }
    }
    REPORTED.store(true, Ordering::Relaxed);
    delivered
}

static REPORTED: AtomicBool = AtomicBool::new(false);

/// Receive until `want` real packets were handed out or the queue stays
/// silent for 2 s; verdict each (every other one retained first).
fn consume(queue: &mut Queue, want: u32, handed: &mut [u8]) -> u32 {
    let mut got = 0;
    let mut idle = 0;
    while got < want && idle < 4 {
        let batch = queue.recv_timeout(Duration::from_millis(500)).expect("recv between hostile datagrams");
        idle = if batch.is_empty() { idle + 1 } else { 0 };
        for packet in batch {
            let id = packet.id();
            assert!(id < FORGED_ID, "a forged packet (id {id:#x}) was handed out");
            let seq = number_of(udp_data(packet.payload()));
            let seq = seq
                .filter(|&s| s < REAL)
                .unwrap_or_else(|| panic!("a packet not ours was handed out: id {id}"));
            handed[seq as usize] += 1;
            if seq % 2 == 1 {
                let mut owned = packet.retain().expect("retain");
                owned.verdict(Verdict::Accept).expect("verdict a retained packet");
            } else {
                packet.verdict(Verdict::Accept).expect("verdict");
            }
            got += 1;
        }
    }
    got
}

#[test]
fn hostile_datagrams_are_skipped_and_counted_while_real_packets_pass() {
    let Some(lab) = Lab::new(21) else { return };
    let receiver = lab.receiver();
    let sender = lab.socket(0);
    let send = |from: u32, to: u32| {
        for seq in from..to {
            sender.send_to(&numbered(seq), ("127.0.0.1", PORT)).expect("send a real datagram");
        }
    };
    let mut queue = Queue::open(lab.queue_num, &Config::new().netns(lab.path())).expect("open the queue");
    let portid = queue.stats().expect("stats").portid;
    assert_ne!(portid, 0, "the queue's socket has a port");
    let attacker = lab.within(|| Attacker::new().expect("a NETLINK_NETFILTER socket in the namespace"));
    let q = lab.queue_num as u16;

    let mut handed = vec![0u8; REAL as usize];
    let mut delivered = attack(&attacker, portid, q);
    send(0, REAL / 3);
    delivered += attack(&attacker, portid, q);
    let mut got = consume(&mut queue, REAL / 3, &mut handed);
    send(REAL / 3, 2 * REAL / 3);
    delivered += attack(&attacker, portid, q);
    got += consume(&mut queue, REAL / 3, &mut handed);
    for seq in 2 * REAL / 3..REAL {
        send(seq, seq + 1);
        if seq % 25 == 0 {
            delivered += attack(&attacker, portid, q);
        }
    }
    got += consume(&mut queue, REAL - 2 * REAL / 3, &mut handed);
    queue.flush().expect("flush");

    let mut arrived = vec![0u8; REAL as usize];
    for data in receiver.drain_for(Duration::from_millis(1000)) {
        let seq = number_of(&data).filter(|&s| s < REAL).expect("only real datagrams arrive");
        arrived[seq as usize] += 1;
    }
    let stats = queue.stats().expect("stats");
    eprintln!(
        "{delivered} hostile datagrams delivered to port {portid}, {got} real packets handed out; \
         skipped {}, waiting {}",
        stats.skipped, stats.waiting
    );
    assert!(delivered > 0, "the kernel let no hostile datagram through: nothing was tested");
    assert_eq!(got, REAL, "real packets handed out");
    for seq in 0..REAL as usize {
        assert_eq!(handed[seq], 1, "datagram {seq} handed out {} times", handed[seq]);
        assert_eq!(arrived[seq], 1, "datagram {seq} arrived {} times", arrived[seq]);
    }
    assert_eq!(stats.skipped, delivered, "every foreign datagram delivered is counted as skipped");
    assert_eq!(stats.waiting, 0, "no packet waits for a verdict");
}

#[test]
fn a_sender_without_capabilities_is_refused_by_the_kernel() {
    let Some(lab) = Lab::new(22) else { return };
    let queue = Queue::open(lab.queue_num, &Config::new().netns(lab.path())).expect("open the queue");
    let portid = queue.stats().expect("stats").portid;
    let attacker = lab.within(|| Attacker::new().expect("a NETLINK_NETFILTER socket in the namespace"));
    let datagram = forge::lying_length(0x8000_0000, 64);
    // SAFETY: the child only makes async-signal-safe system calls (setresgid,
    // setresuid, sendto through a socket made before the fork) and _exits.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    if pid == 0 {
        // uid 65534 holds no capability in any namespace.
        // SAFETY: see above.
        unsafe {
            if libc::setresgid(65534, 65534, 65534) != 0 || libc::setresuid(65534, 65534, 65534) != 0 {
                libc::_exit(3);
            }
            let refused = match attacker.send(portid, &datagram) {
                Err(e) => e.raw_os_error() == Some(libc::EPERM),
                Ok(()) => false,
            };
            libc::_exit(if refused { 0 } else { 1 });
        }
    }
    let mut status = 0;
    // SAFETY: waiting for the child just forked.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "an unprivileged sender was not refused with EPERM (child status {status:#x})"
    );
    assert_eq!(queue.stats().expect("stats").skipped, 0, "nothing reached the queue");
}
