// Attributes borrow the packet: its payload cannot be replaced while a
// slice of the old one is still in use.
fn main() -> nfqueue::Result<()> {
    let mut queue = nfqueue::Queue::open(1, &nfqueue::Config::new())?;
    for mut packet in queue.recv()? {
        let attrs = packet.attrs()?;
        packet.set_payload(b"new")?;
        println!("{:?}", attrs.payload());
    }
    Ok(())
}
