// SPDX-License-Identifier: GPL-2.0-or-later

//! Drop UDP datagrams that say "drop me", accept the rest: queue 1, until
//! Ctrl+C or SIGTERM. Send it packets with, for example,
//!
//!     iptables -A OUTPUT -p udp --dport 9999 -j NFQUEUE --queue-num 1
//!
//! (in a network namespace of your own), then run it as root:
//!
//!     cargo run --example filter
use nfqueue::{Config, ErrorKind, Queue, Verdict};

fn main() -> Result<(), nfqueue::Error> {
    let mut queue = Queue::open(1, &Config::new().interruptible(true))?;
    println!("bound queue {} (libnfqueue {})", queue.num(), nfqueue::version());
    loop {
        let batch = match queue.recv() {
            Ok(batch) => batch,
            // Ctrl+C: the default action ends the process; a program that
            // handles the signal itself would look at its flag here.
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        for packet in batch {
            // 20 bytes of IPv4 header, 8 of UDP, then the datagram.
            let drop_it = packet.payload().get(28..) == Some(&b"drop me"[..]);
            let attrs = packet.attrs()?;
            println!(
                "packet {} len {} -> {}",
                attrs.id(),
                packet.payload().len(),
                if drop_it { "drop" } else { "accept" }
            );
            packet.verdict(if drop_it { Verdict::Drop } else { Verdict::Accept })?;
        }
    }
}
