/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * allocfail.c - every allocation of libnfqueue fails in turn, in the style
 * of curl's torture tests. The program is linked with --wrap for malloc,
 * calloc, realloc, strdup and free (see meson.build), so the library's
 * calls reach the wrappers below. For N = 1, 2, ... a full scenario runs
 * with its Nth allocation failing: a config with a namespace path, open,
 * real packets pulled in batches, most of them retained with a
 * replacement payload and verdicted together (more than 64, so the
 * verdict call allocates too), the rest verdicted borrowed, stats, close,
 * free. It ends when a scenario makes fewer than N allocations.
 *
 * Each run must: return only 0 or NFQUEUE_E_NOMEM (with a message) from
 * the call that met the failure, and the documented outcome elsewhere;
 * leave the queue usable (the scenario goes on: a failed retain leaves
 * the packet borrowed, a failed verdict call is retried per packet);
 * deliver every datagram sent (a packet the library could not keep gets
 * the default verdict, accept); and leak nothing (every allocation made
 * during the scenario is freed by its end).
 *
 * Usage (inside the namespace run-reliability makes): nfqueue-allocfail QUEUE PORT
 */
#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rel.h"

#define COUNT 80     /* datagrams per scenario */
#define KEEP_EVERY 10 /* packets not retained: seq % 10 == 9 */

/* ---- the allocator ---- */

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *ptr, size_t size);
char *__real_strdup(const char *s);
void __real_free(void *ptr);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *ptr, size_t size);
char *__wrap_strdup(const char *s);
void __wrap_free(void *ptr);

static pthread_mutex_t alloc_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long fail_at;  /* 0: never */
static unsigned long allocs;   /* allocations counted since arming */
static bool failed;            /* the Nth one was refused */
static bool armed;

/* Live allocations made while armed: a leak is one still here at the end. */
#define LIVE_MAX 4096
static void *live[LIVE_MAX];
static size_t live_count;
static bool live_overflow;

static bool refuse(void)
{
	bool no;

	pthread_mutex_lock(&alloc_lock);
	no = armed && ++allocs == fail_at;
	if (no)
		failed = true;
	pthread_mutex_unlock(&alloc_lock);
	/* NFQUEUE_ALLOCFAIL_TRACE=1: where each refused allocation was made. */
	if (no && getenv("NFQUEUE_ALLOCFAIL_TRACE")) {
		void *frames[8];
		int depth = backtrace(frames, 8);

		fprintf(stderr, "allocation %lu refused at:\n", fail_at);
		backtrace_symbols_fd(frames, depth, 2);
	}
	return no;
}

static void track(void *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&alloc_lock);
	if (armed) {
		if (live_count < LIVE_MAX)
			live[live_count++] = p;
		else
			live_overflow = true;
	}
	pthread_mutex_unlock(&alloc_lock);
}

static void untrack(void *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&alloc_lock);
	for (size_t i = live_count; i-- > 0;) {
		if (live[i] == p) {
			live[i] = live[--live_count];
			break;
		}
	}
	pthread_mutex_unlock(&alloc_lock);
}

void *__wrap_malloc(size_t size)
{
	void *p;

	if (refuse())
		return errno = ENOMEM, NULL;
	p = __real_malloc(size);
	track(p);
	return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
	void *p;

	if (refuse())
		return errno = ENOMEM, NULL;
	p = __real_calloc(n, size);
	track(p);
	return p;
}

void *__wrap_realloc(void *ptr, size_t size)
{
	void *p;

	if (refuse())
		return errno = ENOMEM, NULL;
	p = __real_realloc(ptr, size);
	if (p) {
		untrack(ptr);
		track(p);
	}
	return p;
}

char *__wrap_strdup(const char *s)
{
	char *p;

	if (refuse())
		return errno = ENOMEM, NULL;
	p = __real_strdup(s);
	track(p);
	return p;
}

void __wrap_free(void *ptr)
{
	untrack(ptr);
	__real_free(ptr);
}

static void arm(unsigned long n)
{
	pthread_mutex_lock(&alloc_lock);
	fail_at = n;
	allocs = 0;
	failed = false;
	live_count = 0;
	live_overflow = false;
	armed = true;
	pthread_mutex_unlock(&alloc_lock);
}

static void disarm(void)
{
	pthread_mutex_lock(&alloc_lock);
	armed = false;
	pthread_mutex_unlock(&alloc_lock);
}

/* ---- the scenario ---- */

static uint32_t queue_num;
static uint16_t port;
static int rx, tx;
static char netns_path[300];
static unsigned long nomem_seen; /* failures reported as NFQUEUE_E_NOMEM */

/* A call met the injected failure or did not: 0, or NOMEM with a message. */
#define OK_OR_NOMEM(rc, what) \
	do { \
		REL_CHECK((rc) == 0 || ((rc) == NFQUEUE_E_NOMEM && nfqueue_last_error()[0]), \
			  "N=%lu: %s returned %d (%s)", n, what, rc, nfqueue_strerror(rc)); \
		if ((rc) == NFQUEUE_E_NOMEM) \
			nomem_seen++; \
	} while (0)

/* Returns the datagrams that arrived, or -1 if the queue never opened
 * (then nothing was sent). */
static int scenario(unsigned long n, nfqueue_queue **qp)
{
	nfqueue_config *c = NULL;
	nfqueue_queue *q = NULL;
	nfqueue_packet *kept[COUNT];
	size_t nkept = 0, pulled = 0;
	nfqueue_stats st;
	int rc;

	rc = nfqueue_config_new(&c);
	OK_OR_NOMEM(rc, "nfqueue_config_new");
	if (c) {
		REL_CHECK(nfqueue_config_set_batch_size(c, 32) == 0, "batch size");
		rc = nfqueue_config_set_netns(c, netns_path);
		OK_OR_NOMEM(rc, "nfqueue_config_set_netns");
	}
	rc = nfqueue_queue_open(&q, queue_num, c);
	OK_OR_NOMEM(rc, "nfqueue_queue_open");
	nfqueue_config_free(c);
	if (rc) {
		REL_CHECK(q == NULL, "N=%lu: a failed open left a queue", n);
		return -1;
	}
	*qp = q;
	for (uint32_t s = 0; s < COUNT; s++)
		rel_send(tx, port, s);
	while (pulled < COUNT) {
		nfqueue_packet *pk[32];
		size_t got = 0;

		rc = nfqueue_queue_pull(pk, 32, &got, q, 100);
		OK_OR_NOMEM(rc, "nfqueue_queue_pull");
		if (rc == 0 && got == 0)
			break; /* the rest got the default verdict: the library could not keep them */
		for (size_t i = 0; i < got; i++, pulled++) {
			const uint8_t *data;
			size_t len;
			int64_t seq = nfqueue_packet_payload(&data, &len, pk[i]) == 0 ?
					      rel_seq_of(data, len, port) : -1;

			REL_CHECK(seq >= 0, "N=%lu: a packet without our payload", n);
			if (seq % KEEP_EVERY != KEEP_EVERY - 1) {
				rc = nfqueue_packet_retain(pk[i]);
				OK_OR_NOMEM(rc, "nfqueue_packet_retain");
				if (rc == 0) {
					uint8_t copy[64];

					memcpy(copy, data, len < sizeof(copy) ? len : sizeof(copy));
					rc = nfqueue_packet_set_payload(pk[i], copy, len < sizeof(copy) ? len : sizeof(copy));
					OK_OR_NOMEM(rc, "nfqueue_packet_set_payload");
					kept[nkept++] = pk[i];
					continue;
				}
			}
			rc = nfqueue_packet_verdict(pk[i], NFQUEUE_ACCEPT);
			REL_CHECK(rc == 0, "N=%lu: verdict on a borrowed packet: %d", n, rc);
		}
	}
	if (nkept) {
		nfqueue_verdict_spec specs[COUNT];
		size_t bad = 0;

		memset(specs, 0, sizeof(specs));
		for (size_t i = 0; i < nkept; i++) {
			specs[i].size = sizeof(specs[i]);
			specs[i].packet = kept[i];
			specs[i].verdict = NFQUEUE_ACCEPT;
		}
		rc = nfqueue_queue_verdict_packets(&bad, q, specs, nkept);
		OK_OR_NOMEM(rc, "nfqueue_queue_verdict_packets");
		for (size_t i = 0; i < nkept; i++) {
			/* Nothing was sent: each one on its own, then. */
			if (rc)
				REL_CHECK(nfqueue_packet_verdict(kept[i], NFQUEUE_ACCEPT) == 0,
					  "N=%lu: verdict after a failed verdict_packets", n);
			nfqueue_packet_free(kept[i]);
		}
	}
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	rc = nfqueue_queue_stats(&st, q);
	OK_OR_NOMEM(rc, "nfqueue_queue_stats");
	REL_CHECK(nfqueue_queue_close(q) == 0, "N=%lu: close", n);
	nfqueue_queue_free(q);
	*qp = NULL;
	return (int)rel_receive(rx, COUNT, 1000, NULL, 0);
}

static void test_every_allocation_fails_in_turn(void)
{
	unsigned long n, total = 0;

	for (n = 1; n < 2000; n++) {
		nfqueue_queue *q = NULL;
		int arrived;
		size_t leaks;

		arm(n);
		arrived = scenario(n, &q);
		disarm();
		leaks = live_count;
		REL_CHECK(leaks == 0 && !live_overflow, "N=%lu: %zu allocations leaked", n, leaks);
		REL_CHECK(arrived == -1 || arrived == COUNT, "N=%lu: %d of %d datagrams arrived", n,
			  arrived, COUNT);
		if (rel_failures)
			break; /* the first broken N says enough */
		if (!failed) {
			total = allocs;
			break;
		}
	}
	printf("  %lu allocations in a full scenario; each failed in turn (%lu runs), %lu NFQUEUE_E_NOMEM reported\n",
	       total, n - 1, nomem_seen);
	REL_CHECK(total > 0, "the scenario never passed without an injected failure");
}

int main(int argc, char **argv)
{
	rel_start(argc, argv, &queue_num, &port);
	snprintf(netns_path, sizeof(netns_path), "/run/netns/%s", getenv("NFQUEUE_REL_NETNS"));
	rx = rel_udp_receiver(port);
	tx = rel_udp_sender();
	if (rx < 0 || tx < 0)
		return 1;
	REL_RUN(test_every_allocation_fails_in_turn);
	return rel_summary("allocfail");
}
