// SPDX-License-Identifier: GPL-2.0-or-later

//! Find libnfqueue and tell cargo how to link it.
//!
//! Two ways, in this order:
//! 1. `NFQUEUE_LIB_DIR` (a directory holding libnfqueue.so), with
//!    `NFQUEUE_INCLUDE_DIR` for the header if a dependent needs it: for a
//!    library that is built but not installed, without a .pc file.
//! 2. pkg-config's `libnfqueue` (at least 1.1). For the in-tree meson build
//!    point it at the uninstalled file:
//!    `PKG_CONFIG_PATH=$PWD/build/meson-uninstalled`.
//!
//! Dependents' build scripts get `DEP_NFQUEUE_INCLUDE` (the header's
//! directories, separated by `:`) and `DEP_NFQUEUE_LIBDIR` (the library's
//! directories), so that in-tree programs can set an rpath.
use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=NFQUEUE_LIB_DIR");
    println!("cargo:rerun-if-env-changed=NFQUEUE_INCLUDE_DIR");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");

    if let Some(dir) = env::var_os("NFQUEUE_LIB_DIR") {
        let dir = PathBuf::from(dir);
        println!("cargo:rustc-link-search=native={}", dir.display());
        println!("cargo:rustc-link-lib=dylib=nfqueue");
        println!("cargo:libdir={}", dir.display());
        if let Some(include) = env::var_os("NFQUEUE_INCLUDE_DIR") {
            println!("cargo:include={}", PathBuf::from(include).display());
        }
        return;
    }

    match pkg_config::Config::new().atleast_version("1.1").probe("libnfqueue") {
        Ok(lib) => {
            let join = |paths: &[PathBuf]| {
                paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(":")
            };
            println!("cargo:include={}", join(&lib.include_paths));
            println!("cargo:libdir={}", join(&lib.link_paths));
        }
        Err(err) => {
            eprintln!(
                "nfqueue1-sys: libnfqueue 1.1 or newer was not found.\n\
                 Install it (meson install), or point the build at a built tree:\n  \
                 PKG_CONFIG_PATH=/path/to/build/meson-uninstalled cargo build\n\
                 or\n  NFQUEUE_LIB_DIR=/path/to/build/capi cargo build\n\
                 pkg-config said: {err}"
            );
            std::process::exit(1);
        }
    }
}
