/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * consumer.c - the benchmark's C consumer. It binds a queue, says "ready",
 * waits for SIGUSR1 (sent once the kernel holds the whole load), then
 * drains COUNT packets in one style and prints how many it judged and in
 * how long, so the styles can be compared side by side in one run:
 *
 *   run       nfqueue_queue_run(), a callback and a verdict per packet
 *   pull      nfqueue_queue_pull() batches, a verdict per packet
 *   batch     nfqueue_queue_pull() batches, one batch verdict per batch
 *   specs     nfqueue_queue_pull() batches, per-packet verdicts in one call
 *   run-1.0, pull-1.0
 *             as run and pull with coalescing off: every verdict its own
 *             send, as libnfqueue 1.0 did
 *
 * A load that does not arrive whole (the kernel dropped some) ends the
 * drain after a second without packets; the count then says so.
 *
 * COUNT 0 serves instead: "ready", then consume at once until SIGTERM
 * (the workloads with live traffic); SECONDS is then the time served.
 * Settings every consumer takes from the environment (bench-settings.h):
 * NFQUEUE_BENCH_QUEUE_LEN, NFQUEUE_BENCH_COPY_RANGE, NFQUEUE_BENCH_GSO=1.
 *
 * Usage: nfqueue-bench-consumer MODE QUEUE COUNT
 * Output: "MODE JUDGED SECONDS"
 */
#include "bench-settings.h"

#include <nfqueue.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH 64
#define IDLE_MS 1000

static unsigned long long judged, wanted;
static int serving; /* COUNT 0: until SIGTERM */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int accept_one(nfqueue_packet *packet, void *userdata)
{
	int rc = nfqueue_packet_verdict(packet, NFQUEUE_ACCEPT);

	(void)userdata;
	if (rc)
		return rc;
	return ++judged >= wanted; /* positive: the run ends, with its own status */
}

/* Ends a run whose load stopped short, as an application's control thread would. */
static void *watch_idle(void *arg)
{
	nfqueue_queue *q = arg;
	unsigned long long seen = (unsigned long long)-1;

	for (;;) {
		struct timespec idle = { IDLE_MS / 1000, (IDLE_MS % 1000) * 1000000L };

		nanosleep(&idle, NULL);
		if (__atomic_load_n(&judged, __ATOMIC_RELAXED) == seen)
			break;
		seen = __atomic_load_n(&judged, __ATOMIC_RELAXED);
	}
	nfqueue_queue_stop(q);
	return NULL;
}

static int consume_run(nfqueue_queue *q)
{
	pthread_t watcher;
	int rc;

	if (serving)
		return nfqueue_queue_run(q, accept_one, NULL); /* 0 once SIGTERM stopped it */
	pthread_create(&watcher, NULL, watch_idle, q);
	rc = nfqueue_queue_run(q, accept_one, NULL);
	pthread_cancel(watcher);
	pthread_join(watcher, NULL);
	return rc > 0 ? 0 : rc;
}

static int verdict_specs(nfqueue_queue *q, nfqueue_packet **packets, size_t n)
{
	nfqueue_verdict_spec specs[BATCH];
	size_t i;

	memset(specs, 0, sizeof(specs));
	for (i = 0; i < n; i++) {
		specs[i].size = sizeof(specs[i]);
		specs[i].packet = packets[i];
		specs[i].verdict = NFQUEUE_ACCEPT;
	}
	return nfqueue_queue_verdict_packets(NULL, q, specs, n);
}

static int consume_pull(nfqueue_queue *q, const char *style)
{
	nfqueue_packet *packets[BATCH];

	while (judged < wanted) {
		size_t n, i;
		int rc = nfqueue_queue_pull(packets, BATCH, &n, q, IDLE_MS);

		if (rc == NFQUEUE_E_STOPPED && serving)
			return 0; /* SIGTERM */
		if (rc == NFQUEUE_E_NOBUFS)
			continue; /* counted by the kernel; receiving goes on */
		if (rc)
			return rc;
		if (n == 0 && serving)
			continue;
		if (n == 0)
			return 0; /* the load stopped short */
		if (!strcmp(style, "batch"))
			rc = nfqueue_queue_verdict_batch(q, nfqueue_packet_id(packets[n - 1]),
							 NFQUEUE_ACCEPT, 0, 0);
		else if (!strcmp(style, "specs"))
			rc = verdict_specs(q, packets, n);
		else
			for (i = 0; i < n && !rc; i++)
				rc = nfqueue_packet_verdict(packets[i], NFQUEUE_ACCEPT);
		if (rc)
			return rc;
		judged += n;
	}
	return 0;
}

/* Serving: SIGTERM ends the run or pull. */
static void *wait_term(void *arg)
{
	sigset_t term;
	int sig;

	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigwait(&term, &sig);
	nfqueue_queue_stop(arg);
	return NULL;
}

static const char *const styles[] = { "run", "pull", "batch", "specs", "run-1.0", "pull-1.0" };

static int known_style(const char *mode)
{
	size_t i;

	for (i = 0; i < sizeof(styles) / sizeof(styles[0]); i++)
		if (!strcmp(mode, styles[i]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	nfqueue_config *config;
	struct bench_settings settings;
	pthread_t terminator;
	nfqueue_queue *q;
	const char *mode;
	sigset_t usr1;
	double start;
	int sig, rc;

	if (argc != 4 || !known_style(argv[1])) {
		fprintf(stderr, "usage: %s run|pull|batch|specs|run-1.0|pull-1.0 QUEUE COUNT\n", argv[0]);
		return 2;
	}
	mode = argv[1];
	wanted = strtoull(argv[3], NULL, 10);
	serving = wanted == 0;
	if (serving)
		wanted = ~0ull;
	if (bench_settings_read(&settings, serving ? 0 : wanted))
		return 2;
	/* Blocked before any thread starts, so only sigwait() takes them. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigaddset(&usr1, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	sigdelset(&usr1, SIGTERM);

	/* A drain's whole load fits in the kernel's queue; the receive buffer
	 * is the library's default, sized for that queue. */
	nfqueue_config_new(&config);
	if (settings.queue_len)
		nfqueue_config_set_max_len(config, settings.queue_len);
	nfqueue_config_set_copy_mode(config, NFQUEUE_COPY_PACKET, settings.copy_range);
	if (settings.gso)
		nfqueue_config_set_flags(config, NFQUEUE_FLAG_GSO);
	nfqueue_config_set_coalesce(config, strstr(mode, "-1.0") == NULL);
	rc = nfqueue_queue_open(&q, (uint32_t)atoi(argv[2]), config);
	nfqueue_config_free(config);
	if (rc) {
		fprintf(stderr, "open: %s: %s\n", nfqueue_strerror(rc), nfqueue_last_error());
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	if (serving) {
		pthread_create(&terminator, NULL, wait_term, q);
	} else {
		sigwait(&usr1, &sig);
	}

	start = now();
	rc = !strncmp(mode, "run", 3) ? consume_run(q) : consume_pull(q, strncmp(mode, "pull", 4) ? mode : "pull");
	if (rc) {
		fprintf(stderr, "%s: %s: %s\n", mode, nfqueue_strerror(rc), nfqueue_last_error());
		return 1;
	}
	printf("%s %llu %.6f\n", mode, judged, now() - start);
	fflush(stdout); /* the harness reads our CPU time the moment this is out */
	if (serving)
		pthread_join(terminator, NULL);
	nfqueue_queue_free(q);
	return 0;
}
