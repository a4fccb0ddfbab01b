// SPDX-License-Identifier: GPL-2.0-or-later

//! A test that needs a second process (one holding a queue, one without
//! CAP_NET_ADMIN) runs its own test binary again, in a role named by an
//! environment variable, optionally under a wrapper (setpriv, unshare,
//! ip netns exec). The same test function plays both sides: the child
//! side asserts in the child and reports by its exit status and a line on
//! stdout that proves it ran.
use std::process::{Child, Command, Stdio};

const ROLE: &str = "NFQUEUE_RS_TEST_ROLE";

/// The role this process was started in, if it is such a child.
pub fn role() -> Option<String> {
    std::env::var(ROLE).ok()
}

/// This test binary, running only test `name` (module path included, as
/// the harness names it) in `role`, under `wrapper` (may be empty);
/// stdin and stdout piped.
pub fn spawn(name: &str, role: &str, wrapper: &[&str]) -> Child {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut argv: Vec<String> = wrapper.iter().map(|s| s.to_string()).collect();
    argv.push(exe.to_string_lossy().into_owned());
    argv.extend(["--exact", name, "--nocapture", "--test-threads=1"].map(String::from));
    Command::new(&argv[0])
        .args(&argv[1..])
        .env(ROLE, role)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {argv:?}: {e}"))
}
