// SPDX-License-Identifier: GPL-2.0-or-later

//! Configurations read back what was set, and refuse bad values with the
//! library's message, before any queue is opened (no kernel needed).
use nfqueue::{Config, CopyMode, ErrorKind, Flags, Verdict};

#[test]
fn every_setting_reads_back() {
    let config = Config::new()
        .copy_mode(CopyMode::Packet(100_000))
        .max_len(77)
        .flags(Flags::FAIL_OPEN | Flags::GSO)
        .rcvbuf(1 << 20)
        .no_enobufs(true)
        .default_verdict(Verdict::Drop)
        .netns("/run/netns/x")
        .batch_size(8)
        .coalesce(false)
        .interruptible(true)
        .nobufs_errors(false);
    let s = config.settings().unwrap();
    assert_eq!(s.copy_mode, CopyMode::Packet(nfqueue::PAYLOAD_MAX), "the range is clamped");
    assert_eq!((s.max_len, s.flags, s.rcvbuf), (77, Flags::FAIL_OPEN | Flags::GSO, 1 << 20));
    assert!(s.no_enobufs && s.interruptible && !s.coalesce && !s.nobufs_errors);
    assert_eq!(s.default_verdict, Verdict::Drop);
    assert_eq!(s.netns.as_deref(), Some(std::path::Path::new("/run/netns/x")));
    assert_eq!((s.batch_size, s.fd), (8, None));
}

#[test]
fn the_defaults_are_the_library_defaults() {
    let s = Config::new().settings().unwrap();
    assert_eq!(s.copy_mode, CopyMode::Packet(nfqueue::PAYLOAD_MAX));
    assert_eq!((s.max_len, s.batch_size, s.rcvbuf), (4096, 64, 0));
    assert_eq!(s.default_verdict, Verdict::Accept);
    assert!(s.coalesce && s.nobufs_errors && !s.interruptible && !s.no_enobufs);
}

#[test]
fn the_first_bad_value_is_kept_and_returned_by_open() {
    let config = Config::new().max_len(0).batch_size(8);
    let error = config.check().unwrap_err();
    assert_eq!((error.kind(), error.code()), (ErrorKind::InvalidArgument, -22));
    assert!(!error.message().is_empty(), "the library says which value");
    let open = nfqueue::Queue::open(1, &config).unwrap_err();
    assert_eq!(open, error);

    let bad = Config::new().default_verdict(Verdict::Queue { num: 2, bypass: false });
    assert_eq!(bad.check().unwrap_err().kind(), ErrorKind::InvalidArgument);
    let bad = Config::new().batch_size(nfqueue::BATCH_SIZE_MAX + 1);
    assert_eq!(bad.check().unwrap_err().kind(), ErrorKind::InvalidArgument);
    let nul = Config::new().netns("/run/\0netns").check().unwrap_err();
    assert!(nul.message().contains("NUL"), "{nul}");
}

#[test]
fn versions_and_checksums_need_no_queue() {
    assert!(nfqueue::version().starts_with("1."));
    assert_eq!(nfqueue::abi_version(), 1);
    let mut junk = [1u8, 2, 3];
    assert_eq!(nfqueue::checksum::update(&mut junk).unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(junk, [1, 2, 3], "a refused packet is left unchanged");
}
