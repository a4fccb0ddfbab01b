// SPDX-License-Identifier: GPL-2.0-or-later

//! Every function libnfqueue exports (capi/libnfqueue.map) has its
//! counterpart in this crate: a call in src/, or an entry below that says
//! what serves it instead.
use std::fs;
use std::path::Path;

/// Getters served by the one nfqueue_packet_attrs() call per packet, each
/// with the Attrs method that reads the value.
const FROM_ATTRS: [(&str, &str); 18] = [
    ("nfqueue_packet_queue_num", "fn queue_num("),
    ("nfqueue_packet_hw_protocol", "fn hw_protocol("),
    ("nfqueue_packet_hook", "fn hook("),
    ("nfqueue_packet_mark", "fn mark("),
    ("nfqueue_packet_timestamp", "fn timestamp("),
    ("nfqueue_packet_ifindex", "fn ifindex("),
    ("nfqueue_packet_hwaddr", "fn hwaddr("),
    ("nfqueue_packet_uid", "fn uid("),
    ("nfqueue_packet_gid", "fn gid("),
    ("nfqueue_packet_secctx", "fn secctx("),
    ("nfqueue_packet_skbinfo", "fn skbinfo("),
    ("nfqueue_packet_priority", "fn priority("),
    ("nfqueue_packet_orig_len", "fn orig_len("),
    ("nfqueue_packet_vlan", "fn vlan("),
    ("nfqueue_packet_l2hdr", "fn l2hdr("),
    ("nfqueue_packet_ct_info", "fn ct_info("),
    ("nfqueue_packet_ct_id", "fn ct_id("),
    ("nfqueue_packet_ct_status", "fn ct_status("),
];

/// Functions a Rust program has no use for, and why.
const NOT_NEEDED: [(&str, &str); 1] =
    [("nfqueue_clear_error", "an Error copies the thread's message right after the failing call")];

#[test]
fn every_library_function_has_a_counterpart() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let map = fs::read_to_string(root.join("../../capi/libnfqueue.map")).expect("the version script");
    let mut src = String::new();
    for entry in fs::read_dir(root.join("src")).unwrap() {
        src.push_str(&fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    let symbols: Vec<&str> = map
        .lines()
        .filter_map(|l| l.trim().strip_suffix(';'))
        .filter(|s| s.starts_with("nfqueue_"))
        .collect();
    assert!(symbols.len() >= 79, "only {} symbols in the version script", symbols.len());
    let missing: Vec<&str> = symbols
        .iter()
        .copied()
        .filter(|name| {
            if NOT_NEEDED.iter().any(|(n, _)| n == name) {
                return false;
            }
            if let Some((_, method)) = FROM_ATTRS.iter().find(|(n, _)| n == name) {
                return !(src.contains(method) && src.contains("sys::nfqueue_packet_attrs("));
            }
            !src.contains(&format!("sys::{name}("))
        })
        .collect();
    assert!(missing.is_empty(), "library functions without a Rust counterpart: {missing:?}");
}
