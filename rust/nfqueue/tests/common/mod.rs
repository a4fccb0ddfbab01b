// SPDX-License-Identifier: GPL-2.0-or-later

//! A throwaway network namespace per test, with an NFQUEUE rule on its
//! loopback: every rule and packet of a test stays inside it, and it is
//! deleted when the test ends, also when it fails (Drop).
//!
//! The queue is opened inside it with `Config::netns`, the library's own
//! way; the test's sockets are made inside it by a short-lived thread
//! that enters it (setns affects only that thread).
#![allow(dead_code)]

use std::fs::File;
use std::net::UdpSocket;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use nix::sched::{setns, CloneFlags};

/// The port the NFQUEUE rule catches; the receiver listens on it.
pub const PORT: u16 = 9999;

static NEXT: AtomicUsize = AtomicUsize::new(0);

pub struct Lab {
    pub name: String,
    pub queue_num: u32,
}

fn run(args: &[&str]) {
    let status = Command::new(args[0]).args(&args[1..]).status().expect("run a command");
    assert!(status.success(), "{args:?} failed: {status}");
}

impl Lab {
    /// A namespace whose OUTPUT to udp port PORT goes to queue `queue_num`;
    /// `None` (the test is skipped) without root, except under CI=true.
    pub fn new(queue_num: u32) -> Option<Lab> {
        if !nix::unistd::geteuid().is_root() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true: kernel tests must run, as root (CAP_NET_ADMIN and network namespaces)"
            );
            eprintln!("skipped: needs root for a network namespace and an NFQUEUE rule");
            return None;
        }
        let name = format!("nfq-rs-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
        run(&["ip", "netns", "add", &name]);
        let lab = Lab { name, queue_num };
        run(&["ip", "-n", &lab.name, "link", "set", "lo", "up"]);
        let rule = format!("-A OUTPUT -p udp --dport {PORT} -j NFQUEUE --queue-num {queue_num}");
        let mut args = vec!["ip", "netns", "exec", &lab.name, "iptables"];
        args.extend(rule.split(' '));
        run(&args);
        Some(lab)
    }

    /// The namespace's path, for `Config::netns`.
    pub fn path(&self) -> String {
        format!("/run/netns/{}", self.name)
    }

    /// A UDP socket made inside the namespace, bound to `port` (0: any).
    pub fn socket(&self, port: u16) -> UdpSocket {
        let path = self.path();
        std::thread::spawn(move || {
            let ns = File::open(&path).expect("open the namespace");
            setns(ns, CloneFlags::CLONE_NEWNET).expect("enter the namespace");
            UdpSocket::bind(("127.0.0.1", port)).expect("bind in the namespace")
        })
        .join()
        .expect("the socket thread")
    }

    /// The receiver the queued datagrams go to once accepted.
    pub fn receiver(&self) -> Receiver {
        let socket = self.socket(PORT);
        socket.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
        Receiver(socket)
    }

    /// Send each payload as one datagram to PORT, from inside the namespace.
    pub fn send(&self, payloads: &[&[u8]]) {
        let socket = self.socket(0);
        for p in payloads {
            socket.send_to(p, ("127.0.0.1", PORT)).expect("send");
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.name]).status();
    }
}

pub struct Receiver(UdpSocket);

impl Receiver {
    /// Every datagram that arrives until none came for 300 ms.
    pub fn drain(&self) -> Vec<Vec<u8>> {
        let mut got = Vec::new();
        let mut buf = [0u8; 65536];
        while let Ok((n, _)) = self.0.recv_from(&mut buf) {
            got.push(buf[..n].to_vec());
        }
        got
    }
}

/// The UDP payload of an IPv4 packet (20-byte header, no options, as the
/// kernel sends for these tests).
pub fn udp_data(ip: &[u8]) -> &[u8] {
    &ip[28..]
}
