// SPDX-License-Identifier: GPL-2.0-or-later

//! The kernel's side going wrong, with real packets in a throwaway
//! namespace (the Rust side of tests/reliability/faults.c, whose README
//! gives the figures asserted here): a receive buffer too small for the
//! load (also with NETLINK_NO_ENOBUFS), the kernel queue full without and
//! with fail-open, a consumer killed holding packets (with and without
//! --queue-bypass), the NFQUEUE rule removed and added again while a
//! queue runs, a queue held by another process, CAP_NET_ADMIN dropped
//! after open (the kernel refuses the verdict, counted), and a process
//! without CAP_NET_ADMIN or with capabilities only in a child user namespace.
//! Cases that need a second process run this test binary again in a role
//! (common::reexec).
mod common;

use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::time::Duration;

use common::{reexec, Lab, Receiver, PORT};
use nfqueue::{Config, ErrorKind, Flags, Queue, Verdict};

fn open(lab: &Lab, config: Config) -> Queue {
    Queue::open(lab.queue_num, &config.netns(lab.path())).expect("open the queue in the namespace")
}

fn send(sender: &UdpSocket, from: u32, to: u32) {
    for seq in from..to {
        sender.send_to(&seq.to_be_bytes(), ("127.0.0.1", PORT)).expect("send");
    }
}

/// Receive and accept until `want` packets or `quiet` passed without one;
/// each NoBuffers error is counted in `nobufs`, not a failure.
fn drain(queue: &mut Queue, want: u32, quiet: Duration, nobufs: &mut u32) -> u32 {
    let mut got = 0;
    while got < want {
        let batch = match queue.recv_timeout(quiet) {
            Ok(batch) => batch,
            Err(e) if e.kind() == ErrorKind::NoBuffers => {
                *nobufs += 1;
                continue;
            }
            Err(e) => panic!("recv: {e}"),
        };
        if batch.is_empty() {
            break;
        }
        got += batch.len() as u32;
        batch.verdict_all(Verdict::Accept, None).expect("verdict");
    }
    got
}

fn arrived(receiver: &Receiver, quiet_ms: u64) -> u32 {
    receiver.drain_for(Duration::from_millis(quiet_ms)).len() as u32
}

#[test]
fn a_receive_buffer_too_small_loses_packets_counted_in_user_dropped() {
    const SENT: u32 = 400;
    const LATER: u32 = 50;
    let Some(lab) = Lab::new(31) else { return };
    let (receiver, sender) = (lab.receiver(), lab.socket(0));
    let mut queue = open(&lab, Config::new().rcvbuf(4096));
    send(&sender, 0, SENT); // nobody reads meanwhile: the socket overflows
    let mut nobufs = 0;
    let got = drain(&mut queue, SENT, Duration::from_millis(200), &mut nobufs);
    let passed = arrived(&receiver, 500);
    let stats = queue.stats().expect("stats");
    eprintln!(
        "rcvbuf {}: {SENT} sent, {got} received, {} user_dropped, {} ENOBUFS, {nobufs} NoBuffers errors",
        stats.rcvbuf, stats.user_dropped, stats.enobufs
    );
    assert!(got < SENT, "the buffer was not too small: nothing was lost");
    assert_eq!(stats.user_dropped, u64::from(SENT - got), "every lost packet is counted");
    assert_eq!(passed, got, "every packet received and accepted arrived");
    assert!(nobufs >= 1 && stats.enobufs >= 1, "the loss was reported");
    // Still working: paced traffic passes whole.
    let mut later = 0;
    for seq in SENT..SENT + LATER {
        send(&sender, seq, seq + 1);
        later += drain(&mut queue, 1, Duration::from_millis(500), &mut nobufs);
    }
    assert_eq!(later, LATER, "after the loss every paced packet is received");
    assert_eq!(arrived(&receiver, 500), LATER, "and arrives");
}

/// max_len 8, 40 sent before any verdict.
fn queue_full(queue_num: u32, flags: Flags) {
    const MAX: u32 = 8;
    const SENT: u32 = 40;
    let Some(lab) = Lab::new(queue_num) else { return };
    let (receiver, sender) = (lab.receiver(), lab.socket(0));
    let mut queue = open(&lab, Config::new().max_len(MAX).flags(flags));
    send(&sender, 0, SENT);
    let early = arrived(&receiver, 200); // before any verdict
    let stats = queue.stats().expect("stats");
    let got = drain(&mut queue, SENT, Duration::from_millis(200), &mut 0);
    let late = arrived(&receiver, 500);
    eprintln!(
        "{flags:?}: {SENT} sent: {early} passed at once, {got} queued, {} queue_dropped, {late} arrived after verdicts",
        stats.queue_dropped
    );
    assert_eq!(got, MAX, "the queue holds max_len packets");
    assert_eq!(late, MAX, "each queued packet arrives after its verdict");
    if flags.contains(Flags::FAIL_OPEN) {
        assert_eq!(early, SENT - MAX, "fail-open accepts what does not fit");
        assert_eq!(stats.queue_dropped, 0, "fail-open drops nothing");
    } else {
        assert_eq!(early, 0, "nothing passes a full queue without fail-open");
        assert_eq!(stats.queue_dropped, u64::from(SENT - MAX), "every drop is counted");
    }
}

#[test]
fn with_no_enobufs_the_loss_is_still_counted_in_user_dropped() {
    const SENT: u32 = 400;
    let Some(lab) = Lab::new(38) else { return };
    let (receiver, sender) = (lab.receiver(), lab.socket(0));
    let mut queue = open(&lab, Config::new().rcvbuf(4096).no_enobufs(true));
    send(&sender, 0, SENT);
    let mut nobufs = 0;
    let got = drain(&mut queue, SENT, Duration::from_millis(200), &mut nobufs);
    let stats = queue.stats().expect("stats");
    eprintln!("NETLINK_NO_ENOBUFS: {SENT} sent, {got} received, {} user_dropped", stats.user_dropped);
    assert!(got < SENT, "the buffer was not too small: nothing was lost");
    assert_eq!(stats.user_dropped, u64::from(SENT - got), "the kernel's counter holds every loss");
    assert_eq!(nobufs, 0, "NETLINK_NO_ENOBUFS: the kernel reports no overflow");
    assert_eq!(arrived(&receiver, 500), got);
}

#[test]
fn a_full_queue_without_fail_open_drops_and_counts() {
    queue_full(32, Flags::NONE);
}

#[test]
fn a_full_queue_with_fail_open_accepts_what_does_not_fit() {
    queue_full(33, Flags::FAIL_OPEN);
}

#[test]
fn the_rule_removed_and_added_again_while_the_queue_runs() {
    let Some(lab) = Lab::new(34) else { return };
    let (receiver, sender) = (lab.receiver(), lab.socket(0));
    let mut queue = open(&lab, Config::new());
    let quiet = Duration::from_millis(500);
    send(&sender, 0, 10);
    assert_eq!(drain(&mut queue, 10, quiet, &mut 0), 10, "before: queued");
    assert_eq!(arrived(&receiver, 500), 10, "before: arrived");

    // Five held without a verdict while the rule goes.
    send(&sender, 10, 15);
    let mut held = Vec::new();
    while held.len() < 5 {
        let batch = queue.recv_timeout(Duration::from_secs(2)).expect("recv");
        assert!(!batch.is_empty(), "only {} of 5 packets came", held.len());
        held.extend(batch.into_iter().map(|p| p.retain().expect("retain")));
    }
    lab.iptables("-D");
    send(&sender, 15, 25);
    assert_eq!(arrived(&receiver, 500), 10, "without the rule packets pass directly");
    assert_eq!(drain(&mut queue, 10, Duration::from_millis(200), &mut 0), 0, "nothing queued without a rule");
    for packet in &mut held {
        packet.verdict(Verdict::Accept).expect("a late verdict for a packet held across the removal");
    }
    drop(held);
    assert_eq!(arrived(&receiver, 500), 5, "the held packets pass after their late verdicts");

    lab.iptables("-A");
    send(&sender, 25, 35);
    assert_eq!(drain(&mut queue, 10, quiet, &mut 0), 10, "queued again once the rule is back");
    assert_eq!(arrived(&receiver, 500), 10, "after: arrived");
}

/// A child retains `HELD` packets without verdicts and is killed: the
/// kernel drops them with its socket, with or without --queue-bypass;
/// packets sent afterwards, with nobody bound, pass only with the bypass.
fn consumer_killed(name: &str, queue_num: u32, bypass: bool) {
    const HELD: u32 = 10;
    const AFTER: u32 = 5;
    if let Some(role) = reexec::role() {
        let (num, path) =
            role.strip_prefix("retain:").and_then(|r| r.split_once(':')).expect("retain:NUM:PATH");
        let mut queue =
            Queue::open(num.parse().unwrap(), &Config::new().netns(path)).expect("the child's open");
        println!("open");
        let mut held = Vec::new();
        while held.len() < HELD as usize {
            let batch = queue.recv_timeout(Duration::from_secs(5)).expect("the child's recv");
            assert!(!batch.is_empty(), "the child got {} of {HELD} packets", held.len());
            held.extend(batch.into_iter().map(|p| p.retain().expect("retain")));
        }
        println!("holding");
        let _ = std::io::stdin().lines().count(); // until killed
        std::process::exit(1); // never reached in the test: it is killed first
    }
    let Some(lab) = Lab::new(queue_num) else { return };
    let (receiver, sender) = (lab.receiver(), lab.socket(0));
    if bypass {
        lab.set_bypass(true);
    }
    let mut child = reexec::spawn(name, &format!("retain:{}:{}", lab.queue_num, lab.path()), &[]);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines().map_while(Result::ok);
    assert!(lines.any(|l| l.ends_with("open")), "the consumer did not open its queue");
    send(&sender, 0, HELD);
    assert!(lines.any(|l| l.ends_with("holding")), "the consumer did not get its packets");
    child.kill().expect("SIGKILL the consumer");
    child.wait().expect("reap the consumer");
    let pending = arrived(&receiver, 500);
    send(&sender, HELD, HELD + AFTER);
    let after = arrived(&receiver, 500);
    eprintln!(
        "bypass {bypass}: consumer killed holding {HELD}: {pending} arrived; {after} of {AFTER} sent since"
    );
    assert_eq!(pending, 0, "the kernel drops what a dead consumer held");
    assert_eq!(after, if bypass { AFTER } else { 0 }, "with nobody bound only the bypass passes packets");
}

#[test]
fn a_consumer_killed_with_packets_pending_loses_them() {
    consumer_killed("a_consumer_killed_with_packets_pending_loses_them", 39, false);
}

#[test]
fn a_consumer_killed_with_queue_bypass_loses_them_then_packets_pass() {
    consumer_killed("a_consumer_killed_with_queue_bypass_loses_them_then_packets_pass", 40, true);
}

#[test]
fn a_queue_held_by_another_process_is_busy() {
    const NAME: &str = "a_queue_held_by_another_process_is_busy";
    if let Some(role) = reexec::role() {
        // The other process: hold the queue until stdin closes.
        let (num, path) =
            role.strip_prefix("hold:").and_then(|r| r.split_once(':')).expect("role hold:NUM:PATH");
        let _queue =
            Queue::open(num.parse().unwrap(), &Config::new().netns(path)).expect("the holder's open");
        println!("held");
        let _ = std::io::stdin().lines().count();
        return;
    }
    let Some(lab) = Lab::new(35) else { return };
    let mut holder = reexec::spawn(NAME, &format!("hold:{}:{}", lab.queue_num, lab.path()), &[]);
    // The harness's own lines come first; "held" ends the one of the test.
    let mut lines = BufReader::new(holder.stdout.take().unwrap()).lines().map_while(Result::ok);
    let held = lines.any(|line| line.ends_with("held"));
    assert!(held, "the other process did not open the queue");

    let busy = Queue::open(lab.queue_num, &Config::new().netns(lab.path())).unwrap_err();
    eprintln!("held elsewhere: {busy}");
    assert_eq!(busy.kind(), ErrorKind::Busy, "{busy}");
    assert!(busy.message().contains("another socket"), "the message says why: {busy}");
    nfqueue::check_permission(Some(&Config::new().netns(lab.path()))).expect("root may bind queues");

    drop(holder.stdin.take()); // the holder closes its queue and exits
    let _ = lines.count(); // read its last words, so it never writes to a closed pipe
    assert!(holder.wait().expect("wait for the holder").success(), "the holder failed");
    Queue::open(lab.queue_num, &Config::new().netns(lab.path())).expect("free again once the holder is gone");
}

/// Drop CAP_NET_ADMIN from this process's effective set (capset).
fn drop_effective_cap_net_admin() {
    const CAP_NET_ADMIN: u32 = 12;
    const VERSION_3: u32 = 0x2008_0522;
    let mut header = [VERSION_3, 0u32]; // version, pid 0: this thread
    let mut data = [0u32; 6]; // {effective, permitted, inheritable} x 2
                              // SAFETY: capget/capset with a v3 header and room for two data structs.
    unsafe {
        assert_eq!(libc::syscall(libc::SYS_capget, header.as_mut_ptr(), data.as_mut_ptr()), 0, "capget");
        data[0] &= !(1 << CAP_NET_ADMIN);
        assert_eq!(libc::syscall(libc::SYS_capset, header.as_mut_ptr(), data.as_ptr()), 0, "capset");
    }
}

#[test]
fn a_verdict_after_cap_net_admin_was_dropped_is_refused_by_the_kernel() {
    if reexec::role().as_deref() == Some("dropcap") {
        // In the namespace (ip netns exec), as root, then without CAP_NET_ADMIN.
        let receiver = UdpSocket::bind(("127.0.0.1", PORT)).expect("bind the receiver");
        receiver.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
        let sender = UdpSocket::bind(("127.0.0.1", 0)).expect("bind the sender");
        let mut queue = Queue::open(42, &Config::new()).expect("open as root");
        drop_effective_cap_net_admin();
        send(&sender, 0, 1);
        let packet =
            queue.recv_timeout(Duration::from_secs(2)).expect("recv").into_iter().next().expect("queued");
        // The kernel checks the capability on each message: it refuses the
        // verdict; the library cannot tell at once (the call succeeds).
        packet.verdict(Verdict::Accept).expect("the verdict call itself");
        queue.flush().expect("flush");
        assert!(receiver.recv_from(&mut [0; 64]).is_err(), "a verdict without CAP_NET_ADMIN took effect");
        assert_eq!(queue.stats().expect("stats").waiting, 1, "the packet still waits");
        let _ = queue.recv_timeout(Duration::from_millis(200)); // reads the kernel's error reply
        let errors = queue.stats().expect("stats").verdict_errors;
        assert!(errors >= 1, "the refusal is counted in verdict_errors");
        println!("refused and counted: verdict_errors {errors}");
        return;
    }
    let Some(lab) = Lab::new(42) else { return };
    let argv = ["ip", "netns", "exec", lab.name.as_str()];
    let child =
        reexec::spawn("a_verdict_after_cap_net_admin_was_dropped_is_refused_by_the_kernel", "dropcap", &argv);
    let output = child.wait_with_output().expect("wait for the child");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "the child failed: {}\n{stdout}", output.status);
    assert!(stdout.contains("refused and counted"), "the child did not check: {stdout}");
}

/// The child's side of the two permission tests: in the namespace, this
/// process must be refused with PermissionDenied naming CAP_NET_ADMIN.
fn refused_without_admin(role: &str) {
    let num: u32 = role.strip_prefix("noadmin:").and_then(|n| n.parse().ok()).expect("role noadmin:NUM");
    let probe = nfqueue::check_permission(None).unwrap_err();
    assert_eq!(probe.kind(), ErrorKind::PermissionDenied, "check_permission: {probe}");
    let error = Queue::open(num, &Config::new()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::PermissionDenied, "open: {error}");
    assert!(error.message().contains("CAP_NET_ADMIN"), "the message names the capability: {error}");
    println!("refused: {error}");
}

/// Run this test again in the lab's namespace under `wrapper`, in the
/// role that must be refused; check that it ran and passed.
fn run_without_admin(name: &str, queue_num: u32, wrapper: &[&str]) {
    let Some(lab) = Lab::new(queue_num) else { return };
    let mut argv = vec!["ip", "netns", "exec", &lab.name];
    argv.extend_from_slice(wrapper);
    let child = reexec::spawn(name, &format!("noadmin:{queue_num}"), &argv);
    let output = child.wait_with_output().expect("wait for the unprivileged run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    eprintln!("{wrapper:?}: {}", stdout.lines().find(|l| l.contains("refused:")).unwrap_or("(no answer)"));
    assert!(output.status.success(), "{wrapper:?}: the unprivileged run failed: {}\n{stdout}", output.status);
    assert!(
        stdout.contains("refused:") && stdout.contains("CAP_NET_ADMIN"),
        "the child did not check: {stdout}"
    );
}

#[test]
fn without_cap_net_admin_open_is_refused_naming_it() {
    if let Some(role) = reexec::role() {
        return refused_without_admin(&role);
    }
    run_without_admin(
        "without_cap_net_admin_open_is_refused_naming_it",
        36,
        &["setpriv", "--inh-caps=-all", "--bounding-set=-net_admin"],
    );
}

#[test]
fn capabilities_only_in_a_child_user_namespace_are_refused_not_busy() {
    if let Some(role) = reexec::role() {
        return refused_without_admin(&role);
    }
    run_without_admin(
        "capabilities_only_in_a_child_user_namespace_are_refused_not_busy",
        37,
        &["unshare", "--user", "--map-root-user"],
    );
}
