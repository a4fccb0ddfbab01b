// SPDX-License-Identifier: GPL-2.0-or-later

//! The tokio feature with real packets: AsyncQueue::recv, the packet
//! stream, and cancellation that loses no packet.
#![cfg(feature = "tokio")]
mod common;

use std::time::Duration;

use common::{udp_data, Lab};
use futures_util::StreamExt;
use nfqueue::{AsyncQueue, Config, Queue, Verdict};

fn open(lab: &Lab, config: Config) -> AsyncQueue {
    AsyncQueue::new(Queue::open(lab.queue_num, &config.netns(lab.path())).unwrap()).unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn recv_waits_on_the_reactor_and_survives_cancellation() {
    let Some(lab) = Lab::new(21) else { return };
    let receiver = lab.receiver();
    let mut queue = open(&lab, Config::new());
    // Nothing comes: the wait is cancelled by the timeout, taking nothing.
    assert!(tokio::time::timeout(Duration::from_millis(100), queue.recv()).await.is_err());
    lab.send(&[b"first", b"drop me"]);
    let mut seen = 0;
    while seen < 2 {
        let batch = tokio::time::timeout(Duration::from_secs(5), queue.recv())
            .await
            .expect("packets within 5 s")
            .unwrap();
        for packet in batch {
            seen += 1;
            let verdict =
                if udp_data(packet.payload()) == b"drop me" { Verdict::Drop } else { Verdict::Accept };
            packet.verdict(verdict).unwrap();
        }
    }
    assert_eq!(receiver.drain(), vec![b"first".to_vec()]);
}

#[tokio::test(flavor = "current_thread")]
async fn the_stream_yields_owned_packets_and_dropping_it_loses_none() {
    let Some(lab) = Lab::new(22) else { return };
    let receiver = lab.receiver();
    let mut stream = open(&lab, Config::new().default_verdict(Verdict::Accept)).into_stream();
    lab.send(&[b"a", b"b", b"c"]);
    let mut first =
        tokio::time::timeout(Duration::from_secs(5), stream.next()).await.unwrap().unwrap().unwrap();
    // Owned: it can move to another task (Send) and be verdicted there.
    let verdict = tokio::spawn(async move {
        let result = first.verdict(Verdict::Drop);
        (udp_data(first.payload()).to_vec(), result)
    })
    .await
    .unwrap();
    assert!(verdict.1.is_ok());
    // The others were received (or are still queued) but never yielded:
    // dropping the stream gives each the default verdict.
    drop(stream);
    let mut got = receiver.drain();
    got.sort();
    let mut expected: Vec<Vec<u8>> =
        [b"a", b"b", b"c"].iter().map(|d| d.to_vec()).filter(|d| *d != verdict.0).collect();
    expected.sort();
    assert_eq!(got, expected);
}

#[test]
fn outside_a_runtime_it_is_an_error_not_a_panic() {
    let Some(lab) = Lab::new(23) else { return };
    let queue = Queue::open(lab.queue_num, &Config::new().netns(lab.path())).unwrap();
    let error = AsyncQueue::new(queue).unwrap_err();
    assert_eq!(error.kind(), nfqueue::ErrorKind::InvalidArgument);
    assert!(error.message().contains("tokio runtime"), "{error}");
}
