use nfqueue::{Config, Queue, Verdict};

fn main() -> Result<(), nfqueue::Error> {
    let mut queue = Queue::open(1, &Config::new())?;
    let mut held = Vec::new();
    loop {
        // Each packet borrows the queue until the next recv(): the
        // compiler rejects any use of one after that.
        for packet in queue.recv()? {
            // 28 bytes of IPv4 and UDP headers, then the datagram.
            match packet.payload().get(28..) {
                Some(b"drop me") => packet.verdict(Verdict::Drop)?,
                Some(b"later") => held.push(packet.retain()?), // owned, Send
                _ => packet.verdict(Verdict::Accept.with_mark(7))?,
            }
        }
        for mut packet in held.drain(..) {
            packet.verdict(Verdict::Accept)?;
        }
    }
}
