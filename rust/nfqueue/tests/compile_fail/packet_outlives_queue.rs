// A borrowed packet cannot outlive its queue.
fn main() -> nfqueue::Result<()> {
    let kept;
    {
        let mut queue = nfqueue::Queue::open(1, &nfqueue::Config::new())?;
        kept = queue.recv()?.into_iter().next();
    }
    drop(kept);
    Ok(())
}
