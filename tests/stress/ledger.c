/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ledger.c - the accounting of tests/stress (see ledger.h).
 */
#include "ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int ledger_init(struct ledger *l, uint32_t capacity)
{
	l->capacity = capacity;
	atomic_init(&l->sent, 0);
	atomic_init(&l->settled, 0);
	l->delivered = calloc(capacity, sizeof(*l->delivered));
	l->dropped = calloc(capacity, sizeof(*l->dropped));
	return l->delivered && l->dropped ? 0 : -1;
}

void ledger_free(struct ledger *l)
{
	free(l->delivered);
	free(l->dropped);
}

void ledger_delivered(struct ledger *l, uint32_t seq)
{
	if (seq < l->capacity)
		atomic_fetch_add(&l->delivered[seq], 1);
	atomic_fetch_add(&l->settled, 1);
}

void ledger_dropped(struct ledger *l, uint32_t seq)
{
	if (seq < l->capacity)
		atomic_fetch_add(&l->dropped[seq], 1);
	atomic_fetch_add(&l->settled, 1);
}

int ledger_wait_settled(struct ledger *l, uint32_t target, int ms)
{
	struct timespec pause = {0, 1000000};

	for (int waited = 0; atomic_load(&l->settled) < target; waited++) {
		if (waited >= ms)
			return -1;
		nanosleep(&pause, NULL);
	}
	return 0;
}

uint32_t ledger_check(struct ledger *l)
{
	uint32_t sent = atomic_load(&l->sent), bad = 0;

	for (uint32_t seq = 0; seq < sent && seq < l->capacity; seq++) {
		unsigned d = atomic_load(&l->delivered[seq]), x = atomic_load(&l->dropped[seq]);

		if (d + x == 1)
			continue;
		if (bad++ < 10)
			fprintf(stderr, "stress: datagram %u was delivered %u time%s and dropped by a "
				"verdict %u time%s (expected exactly one of the two)\n", seq, d,
				d == 1 ? "" : "s", x, x == 1 ? "" : "s");
	}
	if (bad > 10)
		fprintf(stderr, "stress: ... %u datagrams in all\n", bad);
	return bad;
}
