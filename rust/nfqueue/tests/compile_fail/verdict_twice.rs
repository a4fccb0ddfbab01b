// A borrowed packet gets exactly one verdict: the first consumes it.
fn main() -> nfqueue::Result<()> {
    let mut queue = nfqueue::Queue::open(1, &nfqueue::Config::new())?;
    for packet in queue.recv()? {
        packet.accept()?;
        packet.accept()?;
    }
    Ok(())
}
