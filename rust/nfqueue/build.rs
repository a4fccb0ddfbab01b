// SPDX-License-Identifier: GPL-2.0-or-later

//! In-tree builds only: let this crate's tests and examples find a
//! libnfqueue that is built but not installed (nfqueue1-sys reports its
//! directory), without LD_LIBRARY_PATH. A library in a system directory
//! needs no rpath, and pkg-config reports none for it.
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_NFQUEUE_LIBDIR");
    for dir in std::env::var("DEP_NFQUEUE_LIBDIR").unwrap_or_default().split(':') {
        if !dir.is_empty() {
            println!("cargo:rustc-link-arg-tests=-Wl,-rpath,{dir}");
            println!("cargo:rustc-link-arg-examples=-Wl,-rpath,{dir}");
        }
    }
}
