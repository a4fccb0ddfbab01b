/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ledger.h - what became of every datagram the stress test sent.
 *
 * Each datagram carries its sequence number. A datagram is settled when
 * the receiving socket got it (an accept, given by the test, by default or
 * by a batch verdict) or when a DROP verdict the test gave returned 0. At
 * the end every sequence number must be settled exactly once: not lost
 * (the kernel dropped it, or a verdict never reached the kernel) and not
 * twice (delivered and dropped, or delivered twice).
 */
#ifndef NFQUEUE_STRESS_LEDGER_H
#define NFQUEUE_STRESS_LEDGER_H

#include <stdatomic.h>
#include <stdint.h>

struct ledger {
	uint32_t capacity;
	atomic_uint sent;           /* datagrams the sender handed to the kernel */
	atomic_uint settled;        /* delivered + dropped, for flow control */
	atomic_uchar *delivered;    /* per sequence number: times received */
	atomic_uchar *dropped;      /* per sequence number: DROP verdicts that returned 0 */
};

int ledger_init(struct ledger *l, uint32_t capacity);
void ledger_free(struct ledger *l);

void ledger_delivered(struct ledger *l, uint32_t seq);
void ledger_dropped(struct ledger *l, uint32_t seq);

/* Wait up to `ms` for `settled` to reach `target`; 0 or -1. */
int ledger_wait_settled(struct ledger *l, uint32_t target, int ms);

/* Check every datagram sent; print the first few problems. Returns the
 * number of sequence numbers not settled exactly once. */
uint32_t ledger_check(struct ledger *l);

#endif
