// SPDX-License-Identifier: GPL-2.0-or-later

//! nfq-rs: a foreign row of scripts/bench, the bench consumer contract
//! (tests/bench/benchkit/consumers.py) on the `nfq` crate from crates.io,
//! in the style its documentation teaches: `recv()` a message,
//! `set_verdict(Accept)`, `verdict(msg)` (one verdict message per packet).
//!
//!   nfq-rs MODE QUEUE COUNT     MODE is nfq-rs
//!   COUNT > 0: bind, print "ready", wait for SIGUSR1, drain COUNT packets
//!   (or stop after a second without one); COUNT 0: serve until SIGTERM.
//!   Then print "MODE JUDGED SECONDS".
//!   NFQUEUE_BENCH_QUEUE_LEN, NFQUEUE_BENCH_COPY_RANGE, NFQUEUE_BENCH_GSO=1
//!   set the queue as for every other consumer.
use std::io::ErrorKind;
use std::process::exit;
use std::time::Instant;

use nfq::{Queue, Verdict};

const IDLE_MS: i32 = 1000;
const COPY_ALL: u32 = 65531; // the kernel's largest copy range
const RCVBUF_MAX: u64 = (1 << 30) - 1;

fn fail(what: &str, e: impl std::fmt::Display) -> ! {
    eprintln!("nfq-rs: {what}: {e}");
    exit(1);
}

/// One NFQUEUE_BENCH_* number in [min, max], or `fallback` when unset.
fn setting(name: &str, min: u64, max: u64, fallback: u64) -> u64 {
    match std::env::var(name) {
        Err(_) => fallback.min(max),
        Ok(text) if text.is_empty() => fallback.min(max),
        Ok(text) => match text.parse::<u64>() {
            Ok(v) if (min..=max).contains(&v) => v,
            _ => {
                eprintln!("{name}={text}: want a number from {min} to {max}");
                exit(2);
            }
        },
    }
}

fn open_fds() -> Vec<i32> {
    std::fs::read_dir("/proc/self/fd")
        .map(|dir| dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect())
        .unwrap_or_default()
}

/// The crate keeps its socket to itself: it is the one netlink socket
/// this process has (none before Queue::open()), and only through it can
/// the receive buffer be sized for the load, as every other row's is.
fn open_queue() -> (Queue, i32) {
    if open_fds().into_iter().any(is_netlink) {
        fail("open", "a netlink socket is open already: cannot tell the crate's");
    }
    let queue = Queue::open().unwrap_or_else(|e| fail("open", e));
    let fd = open_fds().into_iter().find(|&fd| is_netlink(fd)).unwrap_or_else(|| {
        fail("open", "cannot find the crate's netlink socket in /proc/self/fd")
    });
    (queue, fd)
}

fn is_netlink(fd: i32) -> bool {
    let mut domain: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: a plain getsockopt into a local int.
    let rc = unsafe {
        libc::getsockopt(fd, libc::SOL_SOCKET, libc::SO_DOMAIN, &mut domain as *mut _ as *mut _, &mut len)
    };
    rc == 0 && domain == libc::AF_NETLINK
}

/// The size libnfqueue picks for a queue this long (capi/src/queue.c):
/// each message is charged its truesize, a power of two above the copy.
fn rcvbuf_for(queue_len: u64, copy_range: u64) -> libc::c_int {
    let mut charge = 1024u64;
    while charge < copy_range + 1024 {
        charge *= 2;
    }
    (queue_len * (charge + 512)).min(RCVBUF_MAX) as libc::c_int
}

fn signals(sigs: &[libc::c_int]) -> libc::sigset_t {
    // SAFETY: sigset_t is plain data, initialised by sigemptyset.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for &s in sigs {
            libc::sigaddset(&mut set, s);
        }
        set
    }
}

/// True once SIGTERM is pending (it is blocked, so it waits to be taken).
fn terminated(term: &libc::sigset_t) -> bool {
    let zero = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: valid set and timeout; no siginfo wanted.
    unsafe { libc::sigtimedwait(term, std::ptr::null_mut(), &zero) == libc::SIGTERM }
}

/// True if `fd` became readable within `ms`.
fn readable(fd: i32, ms: i32) -> bool {
    let mut pfd = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
    // SAFETY: one valid pollfd.
    unsafe { libc::poll(&mut pfd, 1, ms) > 0 }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 || args[1] != "nfq-rs" {
        eprintln!("usage: {} nfq-rs QUEUE COUNT", args[0]);
        exit(2);
    }
    let (num, wanted): (u16, u64) = match (args[2].parse(), args[3].parse()) {
        (Ok(n), Ok(c)) => (n, c),
        _ => {
            eprintln!("QUEUE (0..65535) and COUNT must be numbers");
            exit(2);
        }
    };
    let queue_len = setting("NFQUEUE_BENCH_QUEUE_LEN", 1, u32::MAX as u64,
                            if wanted > 0 { wanted + 1024 } else { 1024 });
    let copy_range = setting("NFQUEUE_BENCH_COPY_RANGE", 0, COPY_ALL as u64, COPY_ALL as u64);
    let gso = setting("NFQUEUE_BENCH_GSO", 0, 1, 0) == 1;
    // Blocked before anything else, so only sigwait/sigtimedwait take them.
    let (usr1, term) = (signals(&[libc::SIGUSR1]), signals(&[libc::SIGTERM]));
    let both = signals(&[libc::SIGUSR1, libc::SIGTERM]);
    // SAFETY: blocking signals of this (only) thread.
    unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &both, std::ptr::null_mut()) };

    let (mut queue, fd) = open_queue();
    let size = rcvbuf_for(queue_len, copy_range);
    // SAFETY: an int option on the crate's socket, which stays open.
    if unsafe {
        libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, &size as *const _ as *const _,
                         std::mem::size_of_val(&size) as libc::socklen_t)
    } != 0
    {
        fail("SO_RCVBUFFORCE", std::io::Error::last_os_error());
    }
    queue.bind(num).unwrap_or_else(|e| fail("bind", e));
    queue.set_copy_range(num, copy_range as u16).unwrap_or_else(|e| fail("copy range", e));
    queue.set_queue_max_len(num, queue_len as u32).unwrap_or_else(|e| fail("queue length", e));
    if gso {
        queue.set_recv_gso(num, true).unwrap_or_else(|e| fail("GSO flag", e));
    }
    // Non-blocking, so that a second without packets ends a drain and a
    // SIGTERM is seen while serving.
    queue.set_nonblocking(true);
    println!("ready");
    if wanted > 0 {
        let mut sig = 0;
        // SAFETY: waits for the blocked SIGUSR1.
        unsafe { libc::sigwait(&usr1, &mut sig) };
    }

    let start = Instant::now();
    let mut judged = 0u64;
    while wanted == 0 || judged < wanted {
        match queue.recv() {
            Ok(mut msg) => {
                msg.set_verdict(Verdict::Accept);
                queue.verdict(msg).unwrap_or_else(|e| fail("verdict", e));
                judged += 1;
                if wanted == 0 && judged % 1024 == 0 && terminated(&term) {
                    break;
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                if wanted == 0 {
                    if terminated(&term) {
                        break;
                    }
                    readable(fd, 100);
                } else if !readable(fd, IDLE_MS) {
                    break; // the load stopped short
                }
            }
            Err(e) if e.raw_os_error() == Some(libc::EINTR) || e.raw_os_error() == Some(libc::ENOBUFS) => {}
            Err(e) => fail("recv", e),
        }
    }
    println!("nfq-rs {judged} {:.6}", start.elapsed().as_secs_f64());
}
