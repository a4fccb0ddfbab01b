// SPDX-License-Identifier: GPL-2.0-or-later

//! nfqueue-bench-consumer-rust: scripts/bench's Rust consumer, in the
//! shape of tests/bench/consumer.c. It binds a queue, says "ready", waits
//! for SIGUSR1 (sent once the kernel holds the whole load), then drains
//! COUNT packets in one style and prints how many it judged and in how
//! long:
//!
//!   rs-run    Queue::run, a closure and a verdict per packet
//!   rs-recv   Queue::recv batches, a verdict per packet (coalesced by C)
//!   rs-batch  Queue::recv batches, one batch verdict per batch
//!   rs-specs  Queue::recv batches, per-packet verdicts in one call
//!
//! A load that does not arrive whole ends the drain after a second
//! without packets; the count then says so.
//!
//! COUNT 0 serves, as every bench consumer does: "ready", consume at once
//! until SIGTERM. Settings from the environment, as
//! tests/bench/bench-settings.h reads them: NFQUEUE_BENCH_QUEUE_LEN,
//! NFQUEUE_BENCH_COPY_RANGE, NFQUEUE_BENCH_GSO=1.
//!
//! Usage: nfqueue-bench-consumer-rust MODE QUEUE COUNT
//! Output: "MODE JUDGED SECONDS"
use std::ops::ControlFlow;
use std::process::exit;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use nfqueue::{Config, CopyMode, ErrorKind, Flags, Queue, Verdict};
use nix::sys::signal::{SigSet, Signal};

const IDLE: Duration = Duration::from_secs(1);
const COPY_ALL: u64 = 65531; // the kernel's largest copy range

/// One NFQUEUE_BENCH_* number, or `fallback` when unset.
fn setting(name: &str, low: u64, high: u64, fallback: u64) -> u64 {
    let Ok(text) = std::env::var(name) else { return fallback };
    if text.is_empty() {
        return fallback;
    }
    match text.parse::<u64>() {
        Ok(v) if (low..=high).contains(&v) => v,
        _ => {
            eprintln!("{name}={text}: want a number from {low} to {high}");
            exit(2);
        }
    }
}

/// The environment's settings; `wanted` 0 is serving.
fn config(wanted: u64) -> Config {
    let queue_len = if wanted == 0 { 1024 } else { wanted + 1024 };
    let max_len = setting("NFQUEUE_BENCH_QUEUE_LEN", 1, u32::MAX.into(), queue_len.min(u32::MAX.into()));
    let range = setting("NFQUEUE_BENCH_COPY_RANGE", 0, COPY_ALL, COPY_ALL);
    let config = Config::new().max_len(max_len as u32).copy_mode(CopyMode::Packet(range as u32));
    if setting("NFQUEUE_BENCH_GSO", 0, 1, 0) == 1 {
        config.flags(Flags::GSO)
    } else {
        config
    }
}

fn consume_run(queue: &mut Queue, wanted: u64) -> nfqueue::Result<u64> {
    let judged = Arc::new(AtomicU64::new(0));
    // Ends a run whose load stopped short, as an application's control
    // thread would: a second without progress. Dropping `done` wakes it
    // at once when the run ended by itself.
    let (stop, seen) = (queue.stop_handle(), Arc::clone(&judged));
    let (done, ended) = mpsc::channel::<()>();
    let watcher = thread::spawn(move || {
        if wanted == u64::MAX {
            return; // serving: SIGTERM stops it
        }
        let mut last = u64::MAX;
        while let Err(mpsc::RecvTimeoutError::Timeout) = ended.recv_timeout(IDLE) {
            let now = seen.load(Ordering::Relaxed);
            if now == last {
                let _ = stop.stop();
                return;
            }
            last = now;
        }
    });
    let mut count = 0;
    // Break(None): the whole load is judged; Break(Some(e)): a verdict failed.
    let outcome = queue.run(|packet| {
        if let Err(e) = packet.accept() {
            return ControlFlow::Break(Some(e));
        }
        count += 1;
        judged.store(count, Ordering::Relaxed);
        if count >= wanted {
            ControlFlow::Break(None)
        } else {
            ControlFlow::Continue(())
        }
    });
    drop(done);
    let _ = watcher.join();
    match outcome? {
        Some(Some(e)) => Err(e),
        _ => Ok(count),
    }
}

fn consume_recv(queue: &mut Queue, wanted: u64, style: &str) -> nfqueue::Result<u64> {
    let mut judged = 0u64;
    let serving = wanted == u64::MAX;
    while judged < wanted {
        let batch = match queue.recv_timeout(IDLE) {
            Ok(batch) => batch,
            Err(e) if e.kind() == ErrorKind::Stopped && serving => break, // SIGTERM
            Err(e) if e.kind() == ErrorKind::NoBuffers => continue, // counted by the kernel
            Err(e) => return Err(e),
        };
        if batch.is_empty() {
            if serving {
                continue;
            }
            break; // the load stopped short
        }
        let n = batch.len() as u64;
        match style {
            "rs-batch" => batch.verdict_all(Verdict::Accept, None)?,
            "rs-specs" => {
                let mut verdicts = batch.verdicts();
                for packet in batch {
                    verdicts.push(packet, Verdict::Accept);
                }
                verdicts.send()?;
            }
            _ => {
                for packet in batch {
                    packet.accept()?;
                }
            }
        }
        judged += n;
    }
    Ok(judged)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let styles = ["rs-run", "rs-recv", "rs-batch", "rs-specs"];
    if args.len() != 4 || !styles.contains(&args[1].as_str()) {
        eprintln!("usage: {} rs-run|rs-recv|rs-batch|rs-specs QUEUE COUNT", args[0]);
        exit(2);
    }
    let mode = args[1].as_str();
    let (num, mut wanted): (u32, u64) = match (args[2].parse(), args[3].parse()) {
        (Ok(num), Ok(wanted)) => (num, wanted),
        _ => {
            eprintln!("QUEUE and COUNT must be numbers");
            exit(2);
        }
    };
    // Blocked before any thread starts, so only the wait below takes it.
    let mut usr1 = SigSet::empty();
    usr1.add(Signal::SIGUSR1);
    usr1.add(Signal::SIGTERM);
    let _ = usr1.thread_block();
    usr1.remove(Signal::SIGTERM);

    // A drain's whole load fits in the kernel's queue; the receive buffer
    // is the library's default, sized for that queue.
    let mut queue = Queue::open(num, &config(wanted)).unwrap_or_else(|e| {
        eprintln!("open: {e}");
        exit(1);
    });
    println!("ready");
    let serving = wanted == 0;
    if serving {
        wanted = u64::MAX;
        let stop = queue.stop_handle();
        thread::spawn(move || {
            let mut term = SigSet::empty();
            term.add(Signal::SIGTERM);
            let _ = term.wait();
            let _ = stop.stop();
        });
    } else {
        let _ = usr1.wait();
    }

    let start = Instant::now();
    let judged = if mode == "rs-run" {
        consume_run(&mut queue, wanted)
    } else {
        consume_recv(&mut queue, wanted, mode)
    };
    match judged {
        Ok(judged) => println!("{mode} {judged} {:.6}", start.elapsed().as_secs_f64()),
        Err(e) => {
            eprintln!("{mode}: {e}");
            exit(1);
        }
    }
}
