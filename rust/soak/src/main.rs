// SPDX-License-Identifier: GPL-2.0-or-later

//! The Rust soak consumer; tests/soak/README.md is the contract. Every
//! IPv4 UDP packet that carries the soak header gets its body (UDP payload
//! from offset 10) inverted byte by byte, its checksums recomputed by the
//! library's helper, and ACCEPT with the new payload; anything else is
//! accepted as it is. Batches from `Queue::recv`, the crate's main style.
//! SIGTERM or SIGINT stops the receive through a `StopHandle` (from a
//! signal-hook thread); then the queue is closed and the counts printed.
//!
//! Usage: nfqueue-soak-rust QUEUE
//! Output: "ready", then at the end "judged J rewritten R".

use std::io::Write;
use std::process::ExitCode;

use nfqueue::{checksum, Config, ErrorKind, Packet, Queue, Verdict};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// The soak header (sequence number, body length) before the body.
const SOAK_HEADER: usize = 10;
const UDP_HEADER: usize = 8;

/// Where the soak body starts in an IPv4 UDP packet, if it is one.
fn body_offset(data: &[u8]) -> Option<usize> {
    if data.len() < 20 || data[0] >> 4 != 4 || data[9] != 17 {
        return None;
    }
    let ip_header = usize::from(data[0] & 0x0f) * 4;
    let body = ip_header + UDP_HEADER + SOAK_HEADER;
    (ip_header >= 20 && data.len() >= body).then_some(body)
}

#[derive(Default)]
struct Counts {
    judged: u64,
    rewritten: u64,
}

/// Judge one packet; `scratch` is reused for every rewrite.
fn judge(packet: Packet<'_>, scratch: &mut Vec<u8>, counts: &mut Counts) -> nfqueue::Result<()> {
    counts.judged += 1;
    let Some(body) = body_offset(packet.payload()) else {
        return packet.verdict(Verdict::Accept);
    };
    scratch.clear();
    scratch.extend_from_slice(packet.payload());
    for byte in &mut scratch[body..] {
        *byte ^= 0xff;
    }
    checksum::update(scratch)?;
    packet.verdict(Verdict::Accept.with_payload(scratch))?;
    counts.rewritten += 1;
    Ok(())
}

fn run(num: u32) -> nfqueue::Result<Counts> {
    let mut queue = Queue::open(num, &Config::new())?;
    let stop = queue.stop_handle();
    let mut signals = Signals::new([SIGTERM, SIGINT]).expect("install the signal handlers");
    std::thread::spawn(move || {
        // One stop per signal: it ends the wait in progress or the next.
        for _ in signals.forever() {
            let _ = stop.stop();
        }
    });
    println!("ready");
    let _ = std::io::stdout().flush();

    let mut counts = Counts::default();
    let mut scratch = Vec::with_capacity(nfqueue::PAYLOAD_MAX as usize);
    loop {
        let batch = match queue.recv() {
            Ok(batch) => batch,
            Err(e) if e.kind() == ErrorKind::Stopped => break,
            Err(e) => return Err(e),
        };
        for packet in batch {
            judge(packet, &mut scratch, &mut counts)?;
        }
    }
    queue.close()?;
    Ok(counts)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let Some(num) = args.get(1).filter(|_| args.len() == 2).and_then(|a| a.parse::<u32>().ok()) else {
        eprintln!("usage: nfqueue-soak-rust QUEUE (a queue number, 0..=65535)");
        return ExitCode::from(2);
    };
    match run(num) {
        Ok(counts) => {
            println!("judged {} rewritten {}", counts.judged, counts.rewritten);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("nfqueue-soak-rust: queue {num}: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::body_offset;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]

        /// Any bytes: a body offset only for IPv4 UDP long enough to hold
        /// the headers and the soak header, and always inside the data.
        #[test]
        fn the_body_is_found_only_inside_an_ipv4_udp_packet(
            mut data in prop::collection::vec(any::<u8>(), 0..120),
            steer in any::<bool>(),
        ) {
            if steer && data.len() > 9 {
                data[0] = 0x40 | (data[0] & 0x0f);
                data[9] = 17;
            }
            if let Some(body) = body_offset(&data) {
                prop_assert!(data[0] >> 4 == 4 && data[9] == 17);
                let ihl = usize::from(data[0] & 0x0f) * 4;
                prop_assert!(ihl >= 20);
                prop_assert_eq!(body, ihl + 18);
                prop_assert!(body <= data.len());
            }
        }
    }
}
