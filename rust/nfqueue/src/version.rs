// SPDX-License-Identifier: GPL-2.0-or-later

//! The library's version, as found at run time.
use std::ffi::CStr;

use nfqueue_sys as sys;

/// The library's version, "MAJOR.MINOR.PATCH".
pub fn version() -> &'static str {
    // SAFETY: a static NUL-terminated string owned by the library.
    unsafe { CStr::from_ptr(sys::nfqueue_version()) }.to_str().unwrap_or("unknown")
}

/// The library's ABI version (1 for libnfqueue.so.1).
pub fn abi_version() -> i32 {
    // SAFETY: no arguments, no state.
    unsafe { sys::nfqueue_abi_version() }
}
