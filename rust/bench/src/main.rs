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
//! Usage: nfqueue-bench-consumer-rust MODE QUEUE COUNT
//! Output: "MODE JUDGED SECONDS"
use std::ops::ControlFlow;
use std::process::exit;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use nfqueue::{Config, Queue, Verdict};
use nix::sys::signal::{SigSet, Signal};

const IDLE: Duration = Duration::from_secs(1);

fn consume_run(queue: &mut Queue, wanted: u64) -> nfqueue::Result<u64> {
    let judged = Arc::new(AtomicU64::new(0));
    // Ends a run whose load stopped short, as an application's control
    // thread would: a second without progress. Dropping `done` wakes it
    // at once when the run ended by itself.
    let (stop, seen) = (queue.stop_handle(), Arc::clone(&judged));
    let (done, ended) = mpsc::channel::<()>();
    let watcher = thread::spawn(move || {
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
    while judged < wanted {
        let batch = queue.recv_timeout(IDLE)?;
        if batch.is_empty() {
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
    let (num, wanted): (u32, u64) = match (args[2].parse(), args[3].parse()) {
        (Ok(num), Ok(wanted)) => (num, wanted),
        _ => {
            eprintln!("QUEUE and COUNT must be numbers");
            exit(2);
        }
    };
    // Blocked before any thread starts, so only the wait below takes it.
    let mut usr1 = SigSet::empty();
    usr1.add(Signal::SIGUSR1);
    let _ = usr1.thread_block();

    // The whole load must fit in the kernel's queue; the receive buffer is
    // the library's default, sized for that queue.
    let max_len = u32::try_from(wanted + 1024).unwrap_or(u32::MAX);
    let mut queue = Queue::open(num, &Config::new().max_len(max_len)).unwrap_or_else(|e| {
        eprintln!("open: {e}");
        exit(1);
    });
    println!("ready");
    let _ = usr1.wait();

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
