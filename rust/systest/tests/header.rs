// SPDX-License-Identifier: GPL-2.0-or-later

//! nfqueue1-sys declares exactly what nfqueue.h declares.
//!
//! That every function's signature and every type alias matches is proven
//! by this crate compiling (see build.rs); these tests check the values
//! and layouts, and that nothing is declared twice or left out.
use nfqueue1_systest::checks;

/// The names nfqueue1-sys declares after `keyword` (read from its source).
fn declared(keyword: &str) -> Vec<&'static str> {
    include_str!("../../nfqueue-sys/src/lib.rs")
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix(keyword))
        .filter_map(|rest| rest.split(|c: char| !(c.is_alphanumeric() || c == '_')).next())
        .collect()
}

#[test]
fn every_constant_has_the_header_value() {
    let constants = checks::constants();
    let mut header: Vec<&str> = constants.iter().map(|(name, _, _)| *name).collect();
    header.sort_unstable();
    let mut declared = declared("pub const ");
    declared.sort_unstable();
    assert_eq!(declared, header, "nfqueue1-sys's constants differ from nfqueue.h's");
    let wrong: Vec<_> = constants.iter().filter(|(_, header, sys)| header != sys).collect();
    assert!(wrong.is_empty(), "constants that differ (name, header, sys): {wrong:?}");
}

#[test]
fn every_struct_has_the_header_layout() {
    let layouts = checks::struct_layouts();
    for name in ["nfqueue_attrs", "nfqueue_verdict_spec", "nfqueue_stats"] {
        assert!(
            layouts.iter().any(|(what, _, _)| what == &format!("size_of {name}")),
            "bindgen emitted no struct {name}"
        );
    }
    let wrong: Vec<_> = layouts.iter().filter(|(_, header, sys)| header != sys).collect();
    assert!(wrong.is_empty(), "layouts that differ (what, header, sys): {wrong:?}");
}

#[test]
fn every_function_of_the_header_is_declared_once_and_no_other() {
    // The signatures themselves are compared when this crate compiles
    // (checks::functions_have_the_header_signatures); here the names.
    checks::type_aliases_are_the_same_types();
    let declared = declared("pub fn ");
    let mut header: Vec<&str> = checks::FUNCTIONS.to_vec();
    header.sort_unstable();
    let mut sorted = declared.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, header, "nfqueue1-sys's functions differ from nfqueue.h's");
    assert!(header.len() >= 79, "bindgen found only {} functions", header.len());
}
