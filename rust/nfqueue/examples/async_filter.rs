// SPDX-License-Identifier: GPL-2.0-or-later

//! The filter of examples/filter.rs on tokio (feature `tokio`): receive
//! on the reactor, decide in place, and stop cleanly on Ctrl+C. Dropping
//! the queue there gives every packet still pending the default verdict.
//!
//!     cargo run --example async_filter --features tokio
use nfqueue::{AsyncQueue, Config, Queue, Verdict};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), nfqueue::Error> {
    let mut queue = AsyncQueue::new(Queue::open(1, &Config::new())?)?;
    loop {
        tokio::select! {
            batch = queue.recv() => {
                for packet in batch? {
                    let drop_it = packet.payload().get(28..) == Some(&b"drop me"[..]);
                    packet.verdict(if drop_it { Verdict::Drop } else { Verdict::Accept })?;
                }
            }
            // Cancelling recv() takes no packet from the queue.
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}
