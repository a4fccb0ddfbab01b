// SPDX-License-Identifier: GPL-2.0-or-later

//! Property tests of what the crate converts between Rust and C without
//! a kernel: every configuration value, valid or not, is either accepted
//! and read back through `Config::settings` as the library stored it, or
//! refused by the library with InvalidArgument and a message, and the
//! first refusal of a chain is the one kept; any path (NUL bytes, non-UTF-8)
//! is an error, never a panic; every status code has a kind, distinct
//! codes have distinct kinds; flags combine as bit sets.
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use nfqueue::{Config, CopyMode, ErrorKind, Flags, Verdict, PAYLOAD_MAX};
use proptest::prelude::*;

/// A refusal must be the library's InvalidArgument, saying what is wrong.
fn refused_clearly(config: &Config) -> Result<(), TestCaseError> {
    let error = config.check().unwrap_err();
    prop_assert_eq!(error.kind(), ErrorKind::InvalidArgument);
    prop_assert!(!error.message().is_empty(), "a refusal says what is wrong");
    let shown = error.to_string();
    prop_assert!(shown.contains("NFQUEUE_E_INVAL") && shown.contains(error.message()), "{}", shown);
    prop_assert_eq!(std::io::Error::from(error).kind(), std::io::ErrorKind::InvalidInput);
    prop_assert!(config.settings().is_err(), "a refused configuration cannot be read back");
    Ok(())
}

fn verdicts() -> impl Strategy<Value = Verdict> {
    prop_oneof![
        Just(Verdict::Accept),
        Just(Verdict::Drop),
        Just(Verdict::Repeat),
        Just(Verdict::Stop),
        (any::<u32>(), any::<bool>()).prop_map(|(num, bypass)| Verdict::Queue { num, bypass }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn numeric_settings_are_stored_or_refused(
        max_len in prop_oneof![Just(0u32), any::<u32>(), 1..5000u32],
        rcvbuf in prop_oneof![Just(0u32), any::<u32>(), 0..(1u32 << 24)],
        batch in prop_oneof![Just(0u32), any::<u32>(), 1..300u32],
        range in prop_oneof![Just(0u32), any::<u32>(), 1..70000u32],
        flags in prop_oneof![any::<u32>(), 0..32u32],
    ) {
        let config = Config::new()
            .max_len(max_len)
            .rcvbuf(rcvbuf)
            .batch_size(batch)
            .copy_mode(CopyMode::Packet(range))
            .flags(Flags::from_bits(flags));
        match config.settings() {
            Ok(s) => {
                prop_assert_eq!(s.max_len, max_len);
                prop_assert_eq!(s.rcvbuf, rcvbuf);
                prop_assert_eq!(s.batch_size, batch);
                prop_assert_eq!(s.flags.bits(), flags);
                let stored = if range == 0 || range > PAYLOAD_MAX { PAYLOAD_MAX } else { range };
                prop_assert_eq!(s.copy_mode, CopyMode::Packet(stored));
            }
            Err(_) => refused_clearly(&config)?,
        }
    }

    #[test]
    fn the_first_refusal_of_a_chain_is_kept(valid in 1..1000u32) {
        let config = Config::new().max_len(0).batch_size(0).max_len(valid);
        let error = config.check().unwrap_err();
        prop_assert!(error.message().contains("max length"), "the first setter's failure: {}", error);
        refused_clearly(&config)?;
    }

    #[test]
    fn a_default_verdict_is_accept_or_drop_or_refused(verdict in verdicts()) {
        let config = Config::new().default_verdict(verdict);
        match config.settings() {
            Ok(s) => {
                prop_assert!(matches!(verdict, Verdict::Accept | Verdict::Drop), "{:?} accepted", verdict);
                prop_assert_eq!(s.default_verdict, verdict);
            }
            Err(_) => refused_clearly(&config)?,
        }
    }

    #[test]
    fn any_namespace_path_is_stored_or_refused(path in prop::collection::vec(any::<u8>(), 0..300)) {
        let config = Config::new().netns(OsStr::from_bytes(&path));
        match config.settings() {
            Ok(s) => {
                prop_assert!(!path.contains(&0), "a path with a NUL byte was accepted");
                prop_assert_eq!(s.netns.as_deref().map(|p| p.as_os_str().as_bytes()), Some(&path[..]));
            }
            Err(_) => refused_clearly(&config)?,
        }
    }

    #[test]
    fn flags_combine_as_bit_sets(a in any::<u32>(), b in any::<u32>()) {
        let (fa, fb) = (Flags::from_bits(a), Flags::from_bits(b));
        prop_assert_eq!((fa | fb).bits(), a | b);
        prop_assert!((fa | fb).contains(fa) && (fa | fb).contains(fb));
        let mut both = fa;
        both |= fb;
        prop_assert_eq!(both, fa | fb);
    }
}

#[test]
fn every_status_code_has_a_kind_and_known_ones_are_distinct() {
    let mut seen = std::collections::HashMap::new();
    for code in (-2000..=2000).chain([i32::MIN, i32::MAX]) {
        let kind = ErrorKind::from_code(code);
        if kind == ErrorKind::Other {
            assert_eq!(kind.name(), "UNKNOWN");
            continue;
        }
        assert!(code < 0, "a non-negative code {code} has the kind {kind:?}");
        assert!(kind.name().starts_with("NFQUEUE_E_"), "{kind:?}");
        if let Some(other) = seen.insert(kind, code) {
            panic!("codes {other} and {code} share the kind {kind:?}");
        }
    }
    assert_eq!(seen.len(), 17, "every NFQUEUE_E_* code maps to its own kind: {seen:?}");
}
