// SPDX-License-Identifier: GPL-2.0-or-later

//! An interruptible queue: a signal handled by the program ends a blocking
//! receive with ErrorKind::Interrupted, and receiving goes on afterwards.
mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::Lab;
use nfqueue::{Config, ErrorKind, Queue};
use nix::sys::pthread::{pthread_kill, pthread_self};
use nix::sys::signal::Signal;

#[test]
fn a_signal_ends_the_wait_and_the_next_receive_goes_on() {
    let Some(lab) = Lab::new(31) else { return };
    let receiver = lab.receiver();
    let arrived = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGUSR1, Arc::clone(&arrived)).unwrap();
    let mut queue = Queue::open(lab.queue_num, &Config::new().interruptible(true).netns(lab.path())).unwrap();
    let me = pthread_self();
    // Signalled until the receive returned: a signal that lands before
    // the wait began interrupts nothing (it is handled, and the wait that
    // follows has not seen it), so one alone could leave the test hanging.
    let returned = Arc::new(AtomicBool::new(false));
    let signaller = {
        let returned = Arc::clone(&returned);
        thread::spawn(move || {
            while !returned.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(100));
                pthread_kill(me, Signal::SIGUSR1).unwrap();
            }
        })
    };
    let error = queue.recv().unwrap_err();
    returned.store(true, Ordering::SeqCst);
    signaller.join().unwrap();
    assert_eq!(error.kind(), ErrorKind::Interrupted, "{error}");
    assert!(arrived.load(Ordering::SeqCst), "the program's own handler ran");

    lab.send(&[b"after the signal"]);
    let batch = queue.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(batch.len(), 1);
    for packet in batch {
        packet.accept().unwrap();
    }
    assert_eq!(receiver.drain(), vec![b"after the signal".to_vec()]);
}
