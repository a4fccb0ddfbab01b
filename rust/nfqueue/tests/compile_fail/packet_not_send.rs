// A borrowed packet belongs to the thread that drives its queue: it is
// not Send (retain() it to get a packet that is).
fn main() -> nfqueue::Result<()> {
    let mut queue = nfqueue::Queue::open(1, &nfqueue::Config::new())?;
    for packet in queue.recv()? {
        std::thread::scope(|s| {
            s.spawn(move || packet.accept());
        });
    }
    Ok(())
}
