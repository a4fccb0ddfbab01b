// SPDX-License-Identifier: GPL-2.0-or-later

//! bindgen's reading of nfqueue.h, and checks generated from it that
//! compare every declaration with nfqueue1-sys (see build.rs and
//! tests/header.rs).
#![allow(non_camel_case_types, non_upper_case_globals, dead_code, clippy::all)]

/// bindgen's declarations of nfqueue.h, with nfqueue1-sys's opaque types.
pub mod generated {
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
}

/// bindgen's reading of the header's structs, for their layouts.
pub mod layouts {
    include!(concat!(env!("OUT_DIR"), "/layouts.rs"));
}

/// One check per declaration bindgen found.
pub mod checks {
    use super::{generated, layouts};
    include!(concat!(env!("OUT_DIR"), "/checks.rs"));
}
