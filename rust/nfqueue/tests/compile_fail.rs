// SPDX-License-Identifier: GPL-2.0-or-later

//! What the borrow checker forbids: each program in compile_fail/ must be
//! refused by the compiler, with the error its .stderr file shows.
#[test]
fn misuse_of_borrowed_packets_does_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/compile_fail/*.rs");
}
