// SPDX-License-Identifier: GPL-2.0-or-later

//! A throwaway network namespace per test, with an NFQUEUE rule on its
//! loopback: every rule and packet of a test stays inside it, and it is
//! deleted when the test ends, also when it fails (Drop).
//!
//! The queue is opened inside it with `Config::netns`, the library's own
//! way; the test's sockets are made inside it by a short-lived thread
//! that enters it (setns affects only that thread).
#![allow(dead_code)]

pub mod forge;
pub mod reexec;
pub mod resources;

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
        lab.iptables("-A");
        Some(lab)
    }

    /// Add (`-A`) or delete (`-D`) the namespace's NFQUEUE rule.
    pub fn iptables(&self, op: &str) {
        self.rule(&format!("{op} OUTPUT"), "");
    }

    /// Replace the rule by one with (or without) `--queue-bypass`: with
    /// it, packets pass when no program is bound to the queue.
    pub fn set_bypass(&self, bypass: bool) {
        self.rule("-R OUTPUT 1", if bypass { " --queue-bypass" } else { "" });
    }

    fn rule(&self, op: &str, extra: &str) {
        let rule = format!("{op} -p udp --dport {PORT} -j NFQUEUE --queue-num {}{extra}", self.queue_num);
        let mut args = vec!["ip", "netns", "exec", &self.name, "iptables", "-w"];
        args.extend(rule.split(' '));
        run(&args);
    }

    /// Run `f` on a short-lived thread that entered the namespace, so the
    /// sockets it makes live there (setns affects only that thread).
    pub fn within<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> T {
        let path = self.path();
        std::thread::spawn(move || {
            let ns = File::open(&path).expect("open the namespace");
            setns(ns, CloneFlags::CLONE_NEWNET).expect("enter the namespace");
            f()
        })
        .join()
        .expect("the thread in the namespace")
    }

    /// The namespace's path, for `Config::netns`.
    pub fn path(&self) -> String {
        format!("/run/netns/{}", self.name)
    }

    /// A UDP socket made inside the namespace, bound to `port` (0: any).
    /// Its buffers are large (8 MiB) for what tests do: a queued packet
    /// stays charged to its sender's send buffer until its verdict (the
    /// default lets about 256 small ones wait), and a receiver may be
    /// read only after hundreds arrived.
    pub fn socket(&self, port: u16) -> UdpSocket {
        let socket =
            self.within(move || UdpSocket::bind(("127.0.0.1", port)).expect("bind in the namespace"));
        for option in [libc::SO_SNDBUFFORCE, libc::SO_RCVBUFFORCE] {
            let size: libc::c_int = 8 << 20;
            // SAFETY: setsockopt on an open socket with a valid int option.
            let rc = unsafe {
                libc::setsockopt(
                    std::os::fd::AsRawFd::as_raw_fd(&socket),
                    libc::SOL_SOCKET,
                    option,
                    (&size as *const libc::c_int).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                )
            };
            assert_eq!(rc, 0, "socket buffer size: {}", std::io::Error::last_os_error());
        }
        socket
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
        self.drain_for(Duration::from_millis(300))
    }

    /// Receive up to `n` datagrams, stopping early once none came for
    /// `quiet`; how many came.
    pub fn count(&self, n: usize, quiet: Duration) -> usize {
        self.0.set_read_timeout(Some(quiet)).unwrap();
        let mut buf = [0u8; 2048];
        (0..n).take_while(|_| self.0.recv_from(&mut buf).is_ok()).count()
    }

    /// The next datagram, if one comes within `wait`.
    pub fn recv_one(&self, wait: Duration) -> Option<Vec<u8>> {
        self.0.set_read_timeout(Some(wait)).unwrap();
        let mut buf = [0u8; 65536];
        self.0.recv_from(&mut buf).ok().map(|(n, _)| buf[..n].to_vec())
    }

    /// Every datagram that arrives until none came for `quiet`.
    pub fn drain_for(&self, quiet: Duration) -> Vec<Vec<u8>> {
        self.0.set_read_timeout(Some(quiet)).unwrap();
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
