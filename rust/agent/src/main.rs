// SPDX-License-Identifier: GPL-2.0-or-later

//! nfqueue-agent-rust: the conformance suite's Rust agent.
//!
//! Binds one queue with the configuration its options describe, judges
//! every packet by a verdict plan, and reports each event as one JSON line
//! on stdout; tests/conformance/PROTOCOL.md is the contract. It uses the
//! nfqueue1 crate's public API only, except for the misuse that API makes
//! impossible to write (raw.rs, through nfqueue1-sys).
//!
//! Signals: SIGTERM and SIGINT are handled on a thread of their own
//! (signal-hook), which stops the queue with a StopHandle. Every thread
//! but the main one blocks them (and SIGUSR1), so the handler runs on the
//! main thread and a wait of an interruptible queue ends there.
#![deny(clippy::undocumented_unsafe_blocks)]

mod judge;
mod plan;
mod raw;
mod report;

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::process::exit;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;

use nfqueue::{Config, CopyMode, ErrorKind, Flags, Queue, StopHandle, Verdict};
use nix::sys::signal::{SigSet, Signal};

use judge::{Agent, Due, Together};
use plan::Plan;
use report::Line;

const EXIT_CLEAN: i32 = 0;
const EXIT_RUNTIME: i32 = 1;
const EXIT_OPEN: i32 = 2;
const EXIT_USAGE: i32 = 64;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Run,
    Dispatch,
    Pull,
}

fn usage_error(message: &str) -> ! {
    let mut l = Line::new("error");
    l.set("call", "usage").set("code", 0).set("name", "USAGE").set("message", message);
    l.emit();
    exit(EXIT_USAGE);
}

fn number(text: &str, option: &str) -> u32 {
    let parsed = if let Some(hex) = text.strip_prefix("0x") {
        u32::from_str_radix(hex, 16).ok()
    } else {
        text.parse().ok()
    };
    parsed.unwrap_or_else(|| usage_error(&format!("{option} needs a number in 0..4294967295")))
}

fn flags(text: &str) -> Flags {
    let mut flags = Flags::NONE;
    for word in text.split(',').filter(|w| !w.is_empty()) {
        flags |= match word {
            "fail-open" => Flags::FAIL_OPEN,
            "conntrack" => Flags::CONNTRACK,
            "gso" => Flags::GSO,
            "uid-gid" => Flags::UID_GID,
            "secctx" => Flags::SECCTX,
            _ => usage_error(&format!(
                "unknown flag \"{word}\": use fail-open, conntrack, gso, uid-gid, secctx"
            )),
        };
    }
    flags
}

/// Report a configuration failure with the setter's C name and exit.
fn must(config: Config, call: &str) -> Config {
    if let Err(e) = config.check() {
        report::error(call, &e);
        exit(EXIT_OPEN);
    }
    config
}

struct Options {
    queue: u32,
    mode: Mode,
    plan: Option<String>,
    adopt_socket: bool,
    interruptible: bool,
    hex_max: usize,
}

fn parse_options(mut config: Config) -> (Config, Options) {
    let mut opts = Options {
        queue: 0,
        mode: Mode::Run,
        plan: None,
        adopt_socket: false,
        interruptible: false,
        hex_max: 256,
    };
    let mut queue = None;
    let (mut copy_mode, mut copy_range, mut copy_given) = (None, 0, false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next().unwrap_or_else(|| usage_error(&format!("unknown or incomplete option {name}")))
        };
        match arg.as_str() {
            "--queue" => queue = Some(number(&value("--queue"), "--queue")),
            "--mode" => {
                opts.mode = match value("--mode").as_str() {
                    "run" => Mode::Run,
                    "dispatch" => Mode::Dispatch,
                    "pull" => Mode::Pull,
                    other => usage_error(&format!("--mode \"{other}\": use run, dispatch or pull")),
                }
            }
            "--copy-mode" => {
                copy_given = true;
                copy_mode = Some(match value("--copy-mode").as_str() {
                    "none" => 0,
                    "meta" => 1,
                    "packet" => 2,
                    other => usage_error(&format!("--copy-mode \"{other}\": use none, meta or packet")),
                });
            }
            "--copy-range" => {
                copy_given = true;
                copy_range = number(&value("--copy-range"), "--copy-range");
            }
            "--max-len" => {
                let n = number(&value("--max-len"), "--max-len");
                config = must(config.max_len(n), "nfqueue_config_set_max_len");
            }
            "--flags" => config = must(config.flags(flags(&value("--flags"))), "nfqueue_config_set_flags"),
            "--rcvbuf" => {
                let n = number(&value("--rcvbuf"), "--rcvbuf");
                config = must(config.rcvbuf(n), "nfqueue_config_set_rcvbuf");
            }
            "--no-enobufs" => config = must(config.no_enobufs(true), "nfqueue_config_set_no_enobufs"),
            "--default-verdict" => {
                let verdict = match value("--default-verdict").as_str() {
                    "accept" => Verdict::Accept,
                    "drop" => Verdict::Drop,
                    other => usage_error(&format!("--default-verdict \"{other}\": use accept or drop")),
                };
                config = must(config.default_verdict(verdict), "nfqueue_config_set_default_verdict");
            }
            "--netns" => config = must(config.netns(value("--netns")), "nfqueue_config_set_netns"),
            "--adopt-socket" => opts.adopt_socket = true,
            "--batch-size" => {
                let n = number(&value("--batch-size"), "--batch-size");
                config = must(config.batch_size(n), "nfqueue_config_set_batch_size");
            }
            "--plan" => opts.plan = Some(value("--plan")),
            "--payload-hex-max" => {
                opts.hex_max = number(&value("--payload-hex-max"), "--payload-hex-max") as usize
            }
            "--interruptible" => {
                config = must(config.interruptible(true), "nfqueue_config_set_interruptible");
                opts.interruptible = true;
            }
            other if other.starts_with("--") => usage_error(&format!("unknown or incomplete option {other}")),
            other => usage_error(&format!("unexpected argument {other}")),
        }
    }
    opts.queue = queue.unwrap_or_else(|| usage_error("--queue N is required"));
    if copy_given {
        let mode = match copy_mode.unwrap_or(2) {
            0 => CopyMode::None,
            1 => CopyMode::Meta,
            _ => CopyMode::Packet(copy_range),
        };
        config = must(config.copy_mode(mode), "nfqueue_config_set_copy_mode");
    }
    (config, opts)
}

/// --adopt-socket: a non-blocking NETLINK_NETFILTER socket of our own.
fn adopt_socket() -> OwnedFd {
    use nix::sys::socket::{socket, AddressFamily, SockFlag, SockProtocol, SockType};
    match socket(
        AddressFamily::Netlink,
        SockType::Raw,
        SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK,
        SockProtocol::NetlinkNetFilter,
    ) {
        Ok(fd) => fd,
        Err(errno) => {
            let mut l = Line::new("error");
            l.set("call", "socket")
                .set("code", nfqueue_sys::NFQUEUE_E_IO)
                .set("name", "NFQUEUE_E_IO")
                .set("message", format!("cannot open a NETLINK_NETFILTER socket: {}", errno.desc()));
            l.emit();
            exit(EXIT_OPEN);
        }
    }
}

/// State shared with the signal thread.
struct Signals {
    stop_requested: AtomicBool,
    stop: Mutex<Option<StopHandle>>,
    usr1: Arc<AtomicBool>,
}

impl Signals {
    fn stopping(&self) -> bool {
        self.stop_requested.load(Ordering::SeqCst)
    }

    /// Write "interrupted" if SIGUSR1 came since the last look.
    fn report_interrupts(&self) {
        if self.usr1.swap(false, Ordering::SeqCst) {
            let mut l = Line::new("interrupted");
            l.set("signal", "SIGUSR1");
            l.emit();
        }
    }
}

fn signal_set(interruptible: bool) -> SigSet {
    let mut set = SigSet::empty();
    set.add(Signal::SIGTERM);
    set.add(Signal::SIGINT);
    if interruptible {
        set.add(Signal::SIGUSR1);
    }
    set
}

fn install_signals(interruptible: bool) -> Arc<Signals> {
    let signals = Arc::new(Signals {
        stop_requested: AtomicBool::new(false),
        stop: Mutex::new(None),
        usr1: Arc::new(AtomicBool::new(false)),
    });
    if interruptible {
        signal_hook::flag::register(signal_hook::consts::SIGUSR1, Arc::clone(&signals.usr1))
            .unwrap_or_else(|e| usage_error(&format!("cannot handle SIGUSR1: {e}")));
    }
    let mut stops =
        signal_hook::iterator::Signals::new([signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT])
            .unwrap_or_else(|e| usage_error(&format!("cannot handle SIGTERM: {e}")));
    let shared = Arc::clone(&signals);
    thread::spawn(move || {
        for _ in stops.forever() {
            shared.stop_requested.store(true, Ordering::SeqCst);
            if let Some(stop) = shared.stop.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
                let _ = stop.stop();
            }
        }
    });
    signals
}

fn consume_run(queue: &mut Queue, agent: &mut Agent, signals: &Signals) -> i32 {
    loop {
        match queue.run(|packet| {
            agent.judge(packet, None);
            std::ops::ControlFlow::<()>::Continue(())
        }) {
            Ok(_) => return EXIT_CLEAN,
            Err(e) if e.kind() == ErrorKind::Interrupted => {
                // The run returned, so the last packet has expired.
                agent.use_stale(Due::Now);
                signals.report_interrupts();
                if signals.stopping() {
                    return EXIT_CLEAN;
                }
            }
            Err(e) => {
                report::error("nfqueue_queue_run", &e);
                return EXIT_RUNTIME;
            }
        }
    }
}

/// The application's own event loop: poll the queue's fd, dispatch what is ready.
fn consume_dispatch(queue: &mut Queue, agent: &mut Agent, signals: &Signals) -> i32 {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    // A second descriptor of the same socket, so polling it needs no
    // borrow of the queue while the queue dispatches.
    let fd = match queue.as_fd().try_clone_to_owned() {
        Ok(fd) => fd,
        Err(e) => {
            let mut l = Line::new("error");
            l.set("call", "dup")
                .set("code", nfqueue_sys::NFQUEUE_E_IO)
                .set("name", "NFQUEUE_E_IO")
                .set("message", format!("cannot duplicate the queue's socket to poll it: {e}"));
            l.emit();
            return EXIT_RUNTIME;
        }
    };
    while !signals.stopping() {
        let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
        // The timeout only bounds how late a stop is noticed.
        let ready = poll(&mut fds, PollTimeout::from(200u16)).unwrap_or(0);
        signals.report_interrupts(); // our own wait is the one a signal ends here
        if ready <= 0 {
            continue;
        }
        let handled = queue.dispatch(|packet| agent.judge(packet, None));
        agent.use_stale(Due::Now); // their callbacks returned: expired
        match handled {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::NoBuffers => {}
            Err(e) => {
                report::error("nfqueue_queue_dispatch", &e);
                return EXIT_RUNTIME;
            }
        }
    }
    EXIT_CLEAN
}

fn consume_pull(queue: &mut Queue, agent: &mut Agent, signals: &Signals) -> i32 {
    loop {
        let received = queue.recv();
        agent.use_stale(Due::Now); // the last batch expired as this pull began
        let batch = match received {
            Ok(batch) => batch,
            Err(e) if e.kind() == ErrorKind::Stopped => return EXIT_CLEAN,
            Err(e) if e.kind() == ErrorKind::Interrupted => {
                signals.report_interrupts();
                if signals.stopping() {
                    return EXIT_CLEAN;
                }
                continue;
            }
            Err(e) if e.kind() == ErrorKind::NoBuffers => continue,
            Err(e) => {
                report::error("nfqueue_queue_pull", &e);
                return EXIT_RUNTIME;
            }
        };
        if agent.plan.together {
            let mut together = Together::default();
            for packet in batch {
                agent.judge(packet, Some(&mut together));
            }
            agent.verdicts_together(together);
        } else {
            for packet in batch {
                agent.judge(packet, None);
            }
        }
    }
}

fn main() {
    let (config, opts) = parse_options(Config::new());
    let plan = match &opts.plan {
        Some(text) => Plan::parse(text).unwrap_or_else(|why| usage_error(&why)),
        None => Plan::default(),
    };
    if plan.together && opts.mode != Mode::Pull {
        usage_error("the plan's \"verdicts\": \"together\" needs --mode pull");
    }
    let adopted = opts.adopt_socket.then(adopt_socket);
    let config = match &adopted {
        Some(fd) => must(config.socket(fd.as_fd()), "nfqueue_config_set_fd"),
        None => config,
    };

    // Threads started from here on block the signals, so that they reach
    // the main thread; it unblocks them once they are started.
    let blocked = signal_set(opts.interruptible);
    let _ = blocked.thread_block();
    let signals = install_signals(opts.interruptible);
    let (later_jobs, later_queue) = mpsc::channel();
    let later_thread = thread::spawn(move || judge::verdict_later_groups(later_queue));

    let mut queue = match Queue::open(opts.queue, &config) {
        Ok(queue) => queue,
        Err(e) => {
            report::error("nfqueue_queue_open", &e);
            exit(EXIT_OPEN);
        }
    };
    drop(config);
    *signals.stop.lock().unwrap_or_else(|e| e.into_inner()) = Some(queue.stop_handle());
    let _ = blocked.thread_unblock();
    if signals.stopping() {
        // A signal that came during the open.
        let _ = queue.stop_handle().stop();
    }

    let mut agent = Agent::new(plan, opts.hex_max, queue.handle());
    agent.stale_at_callback = opts.mode != Mode::Pull;
    agent.set_later_thread(later_jobs, later_thread);

    let mut l = Line::new("ready");
    l.set("queue", queue.num()).set("library", nfqueue::version());
    l.emit();

    let rc = match opts.mode {
        Mode::Run => consume_run(&mut queue, &mut agent, &signals),
        Mode::Dispatch => consume_dispatch(&mut queue, &mut agent, &signals),
        Mode::Pull => consume_pull(&mut queue, &mut agent, &signals),
    };
    // Before close, which would take their memory along.
    agent.use_stale(Due::All);

    // Close first, so the packets still held get the default verdict
    // from close, as the suite checks; freeing them after sends nothing.
    let _ = blocked.thread_block();
    agent.join_later();
    *signals.stop.lock().unwrap_or_else(|e| e.into_inner()) = None;
    let enobufs = queue.enobufs_count();
    let closed = queue.close();
    agent.after_close();
    agent.free_kept();
    drop(agent);
    let mut l = Line::new("closed");
    l.set("result", report::result(&closed)).set("enobufs", enobufs);
    if let Some(fd) = adopted {
        // The library unbinds an adopted socket at close, but must not close it.
        let open = nix::fcntl::fcntl(fd.as_raw_fd(), nix::fcntl::FcntlArg::F_GETFD).is_ok();
        l.set("adopted_fd_open", open);
        drop(fd);
    }
    l.emit();
    exit(rc);
}
