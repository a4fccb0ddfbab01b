// SPDX-License-Identifier: GPL-2.0-or-later

//! Run bindgen on nfqueue.h and write, next to its output, one check per
//! declaration it found, comparing it with the hand-written one in
//! nfqueue1-sys. The checks are compiled into the test (tests/header.rs):
//! a function whose signature differs fails to compile, a constant or a
//! struct layout that differs fails at run time, and a declaration of the
//! header that nfqueue1-sys lacks fails to compile.
//!
//! The header is found through nfqueue1-sys (DEP_NFQUEUE_INCLUDE), that is
//! the same pkg-config search or NFQUEUE_INCLUDE_DIR; without either it
//! falls back to the header of this source tree.
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// The opaque types: bindgen must refer to nfqueue1-sys's, so that the
/// generated functions and the hand-written ones can be compared as types.
const OPAQUE: [&str; 3] = ["nfqueue_config", "nfqueue_queue", "nfqueue_packet"];

/// The structs the header defines: compared field by field from a second
/// run of bindgen, and taken from nfqueue1-sys in the first, so that the
/// functions that take them compare as types too.
const STRUCTS: [&str; 3] = ["nfqueue_attrs", "nfqueue_verdict_spec", "nfqueue_stats"];

fn find_header() -> PathBuf {
    let mut dirs: Vec<PathBuf> = env::var("DEP_NFQUEUE_INCLUDE")
        .unwrap_or_default()
        .split(':')
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .collect();
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    dirs.push(manifest.join("../../capi/include"));
    dirs.into_iter()
        .map(|d| d.join("nfqueue.h"))
        .find(|h| h.is_file())
        .expect("nfqueue.h not found: set NFQUEUE_INCLUDE_DIR or PKG_CONFIG_PATH")
}

/// Names after `pub fn`, `pub const`, `pub type` or `pub struct` in bindgen's output.
fn items<'a>(text: &'a str, keyword: &str) -> Vec<(&'a str, &'a str)> {
    let marker = format!("pub {keyword} ");
    text.lines()
        .filter_map(|line| {
            let rest = line.trim_start().strip_prefix(&marker)?;
            let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
            Some((&rest[..end], line))
        })
        .collect()
}

/// The fields of `pub struct NAME { ... }` in bindgen's output.
fn fields<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
    let start = text
        .find(&format!("pub struct {name} {{"))
        .unwrap_or_else(|| panic!("bindgen emitted no struct {name}"));
    let body = &text[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find('}').unwrap()];
    body.split(',').filter_map(|f| f.trim().strip_prefix("pub ")?.split(':').next()).map(str::trim).collect()
}

fn main() {
    let header = find_header();
    println!("cargo:rerun-if-changed={}", header.display());
    println!("cargo:rerun-if-env-changed=DEP_NFQUEUE_INCLUDE");

    let bindings = |structs_from_sys: bool| {
        let mut builder = bindgen::Builder::default()
            .header(header.to_string_lossy())
            .prepend_enum_name(false)
            .layout_tests(false)
            .derive_debug(false)
            .derive_copy(false)
            .use_core()
            .raw_line(
                "#[allow(unused_imports)] use nfqueue_sys::{nfqueue_config, nfqueue_queue, nfqueue_packet};",
            );
        for name in OPAQUE {
            builder = builder.blocklist_type(name);
        }
        if structs_from_sys {
            builder = builder
                .allowlist_item("(nfqueue|NFQUEUE)_.*")
                .raw_line("#[allow(unused_imports)] use nfqueue_sys::{nfqueue_attrs, nfqueue_verdict_spec, nfqueue_stats};");
            for name in STRUCTS {
                builder = builder.blocklist_type(name);
            }
        } else {
            for name in STRUCTS {
                builder = builder.allowlist_type(name);
            }
        }
        builder.generate().expect("bindgen could not read nfqueue.h").to_string()
    };
    let generated = bindings(true);
    let layouts = bindings(false);

    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::write(out.join("generated.rs"), &generated).unwrap();
    fs::write(out.join("layouts.rs"), &layouts).unwrap();
    write_checks(&generated, &layouts, &out.join("checks.rs"));
}

fn write_checks(generated: &str, layouts: &str, path: &Path) {
    let mut s = String::new();

    // Functions: an `if` whose branches are the two function items only
    // compiles when both coerce to one function-pointer type.
    s.push_str("pub const FUNCTIONS: &[&str] = &[\n");
    for (name, _) in items(generated, "fn") {
        writeln!(s, "    \"{name}\",").unwrap();
    }
    s.push_str(
        "];\n\n#[allow(unused_variables)]\npub fn functions_have_the_header_signatures(which: bool) {\n",
    );
    for (name, _) in items(generated, "fn") {
        writeln!(s, "    let _f = if which {{ nfqueue_sys::{name} }} else {{ generated::{name} }};").unwrap();
    }
    s.push_str("}\n\n");

    // Type aliases (the enums' integer types, the callback): an identity
    // function from one to the other only compiles when they are the same type.
    s.push_str("pub fn type_aliases_are_the_same_types() {\n");
    for (name, _) in items(generated, "type") {
        writeln!(s, "    let _: fn(generated::{name}) -> nfqueue_sys::{name} = |x| x;").unwrap();
    }
    s.push_str("}\n\n");

    // Constants: equal values; a string macro as bytes.
    s.push_str("pub fn constants() -> Vec<(&'static str, String, String)> {\n    vec![\n");
    for (name, line) in items(generated, "const") {
        if line.contains("&[u8") {
            writeln!(
                s,
                "        (\"{name}\", format!(\"{{:?}}\", &generated::{name}[..]), format!(\"{{:?}}\", &nfqueue_sys::{name}[..])),"
            )
            .unwrap();
        } else {
            writeln!(
                s,
                "        (\"{name}\", (generated::{name} as i128).to_string(), (nfqueue_sys::{name} as i128).to_string()),"
            )
            .unwrap();
        }
    }
    s.push_str("    ]\n}\n\n");

    // Structs: size, alignment, and each field's offset and type.
    s.push_str("pub fn struct_layouts() -> Vec<(String, usize, usize)> {\n    let mut v = Vec::new();\n");
    for name in STRUCTS {
        writeln!(
            s,
            "    v.push((\"size_of {name}\".to_string(), core::mem::size_of::<layouts::{name}>(), core::mem::size_of::<nfqueue_sys::{name}>()));"
        )
        .unwrap();
        writeln!(
            s,
            "    v.push((\"align_of {name}\".to_string(), core::mem::align_of::<layouts::{name}>(), core::mem::align_of::<nfqueue_sys::{name}>()));"
        )
        .unwrap();
        for field in fields(layouts, name) {
            writeln!(
                s,
                "    v.push((\"offset_of {name}.{field}\".to_string(), core::mem::offset_of!(layouts::{name}, {field}), core::mem::offset_of!(nfqueue_sys::{name}, {field})));"
            )
            .unwrap();
            writeln!(
                s,
                "    let _same_type = |g: &layouts::{name}, h: &nfqueue_sys::{name}, w: bool| if w {{ g.{field} }} else {{ h.{field} }};"
            )
            .unwrap();
        }
    }
    s.push_str("    v\n}\n");
    fs::write(path, s).unwrap();
}
