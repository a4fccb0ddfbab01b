// SPDX-License-Identifier: GPL-2.0-or-later

//! Run the soak consumer without LD_LIBRARY_PATH against a libnfqueue that is
//! built but not installed: an rpath to the directory nfqueue1-sys found.
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_NFQUEUE_LIBDIR");
    for dir in std::env::var("DEP_NFQUEUE_LIBDIR").unwrap_or_default().split(':') {
        if !dir.is_empty() {
            println!("cargo:rustc-link-arg-bins=-Wl,-rpath,{dir}");
        }
    }
}
