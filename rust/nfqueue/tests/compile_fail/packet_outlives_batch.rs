// A borrowed packet cannot be used after the next receive: the next
// recv() needs the queue while the packet still borrows it.
fn main() -> nfqueue::Result<()> {
    let mut queue = nfqueue::Queue::open(1, &nfqueue::Config::new())?;
    let first = queue.recv()?.into_iter().next();
    let _second = queue.recv()?;
    drop(first);
    Ok(())
}
