/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * traffic.h - the UDP flood of tests/stress: one sender, one receiver,
 * both on 127.0.0.1 inside the namespace the test runs in.
 */
#ifndef NFQUEUE_STRESS_TRAFFIC_H
#define NFQUEUE_STRESS_TRAFFIC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "ledger.h"

/* The datagram's payload: its sequence number, big-endian, then padding. */
#define STRESS_PAYLOAD_LEN 32

struct traffic {
	struct ledger *ledger;
	uint16_t port;
	uint32_t count;      /* datagrams to send */
	uint32_t window;     /* at most this many sent and not yet settled */
	atomic_bool stop;    /* ends the receiver (and an unfinished sender) */
	atomic_int failed;   /* a socket call failed, or flow control stalled */
	int rx_fd;
	pthread_t sender, receiver;
};

/* Bind the receiver's socket (before the queue sees traffic) and start
 * both threads. 0 or -1 with a message. */
int traffic_start(struct traffic *t);

/* Wait for the sender to finish sending `count` datagrams. */
void traffic_join_sender(struct traffic *t);

/* End the receiver and close its socket. */
void traffic_stop(struct traffic *t);

/* The sequence number in a queued packet's payload (an IPv4 UDP
 * datagram of ours); -1 if it is not one. */
int64_t traffic_seq_of(const uint8_t *ip, size_t len, uint16_t port);

#endif
