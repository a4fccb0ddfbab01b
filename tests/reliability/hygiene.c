/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hygiene.c - resources that must not grow: 10,000 queue open/close
 * cycles, then 1,000,000 real packets (10,000,000 with NFQUEUE_TEST_LONG=1,
 * as `scripts/test --long` sets) each retained, held with up to 255
 * others, and freed (half with a verdict, half left to the default one).
 * The process's open file descriptors (/proc/self/fd) and resident memory
 * (VmRSS in /proc/self/status) are measured after a warm-up and at the
 * end: the descriptors must be the same, memory may not grow by more than
 * allocator noise. Every packet must arrive.
 *
 * Usage (inside the namespace run-reliability makes): nfqueue-hygiene QUEUE PORT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rel.h"

#define CYCLES 10000
#define WINDOW 256
#define RSS_SLACK_KB 2048 /* malloc's arenas and the kernel's page accounting */

static uint32_t queue_num;
static uint16_t port;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_open_close_cycles(void)
{
	int fd_before = 0;
	long rss_before = 0;
	double t0 = 0;

	for (int i = 0; i < CYCLES + 100; i++) {
		nfqueue_queue *q = NULL;
		int rc;

		if (i == 100) { /* after a warm-up: the allocator has its arenas */
			fd_before = rel_fd_count();
			rss_before = rel_rss_kb();
			t0 = now_s();
		}
		rc = nfqueue_queue_open(&q, queue_num, NULL);
		if (rc) {
			REL_CHECK(rc == 0, "cycle %d: open returned %d", i, rc);
			return;
		}
		REL_CHECK(nfqueue_queue_close(q) == 0, "cycle %d: close", i);
		nfqueue_queue_free(q);
	}
	printf("  %d open/close cycles in %.1f s: fds %d -> %d, VmRSS %ld -> %ld kB\n", CYCLES,
	       now_s() - t0, fd_before, rel_fd_count(), rss_before, rel_rss_kb());
	REL_CHECK(rel_fd_count() == fd_before, "file descriptors grew from %d to %d", fd_before,
		  rel_fd_count());
	REL_CHECK(rel_rss_kb() - rss_before <= RSS_SLACK_KB, "VmRSS grew from %ld to %ld kB", rss_before,
		  rel_rss_kb());
}

static void test_retained_packets_freed(void)
{
	const char *long_run = getenv("NFQUEUE_TEST_LONG");
	uint32_t total = long_run && strcmp(long_run, "1") == 0 ? 10000000 : 1000000;
	uint32_t warm = total / 10, sent = 0, arrived = 0;
	int rx = rel_udp_receiver(port), tx = rel_udp_sender();
	nfqueue_queue *q = NULL;
	int fd_before = 0, rc;
	long rss_before = 0;
	bool measured = false;
	double t0 = now_s();

	if (rx < 0 || tx < 0 || (rc = nfqueue_queue_open(&q, queue_num, NULL)) != 0) {
		rel_failures++;
		return;
	}
	while (sent < total) {
		nfqueue_packet *held[WINDOW];
		size_t nheld = 0;
		uint32_t window = total - sent < WINDOW ? total - sent : WINDOW;

		if (sent >= warm && !measured) {
			measured = true;
			fd_before = rel_fd_count();
			rss_before = rel_rss_kb();
		}
		for (uint32_t s = 0; s < window; s++)
			rel_send(tx, port, sent + s);
		while (nheld < window) {
			nfqueue_packet *pk[64];
			size_t n = 0;

			rc = nfqueue_queue_pull(pk, 64, &n, q, 2000);
			if (rc || n == 0) {
				REL_CHECK(rc == 0 && n > 0, "after %u packets: pull returned %d with %zu", sent, rc, n);
				goto out;
			}
			for (size_t i = 0; i < n; i++) {
				rc = nfqueue_packet_retain(pk[i]);
				REL_CHECK(rc == 0, "retain: %d", rc);
				held[nheld++] = pk[i];
			}
		}
		for (size_t i = 0; i < nheld; i++) {
			if (i % 2)
				REL_CHECK(nfqueue_packet_verdict(held[i], NFQUEUE_ACCEPT) == 0, "verdict");
			nfqueue_packet_free(held[i]); /* without a verdict: the default, accept */
		}
		sent += window;
		arrived += rel_receive(rx, window, 2000, NULL, 0);
		if (rel_failures)
			goto out;
	}
out:
	printf("  %u packets retained and freed in %.1f s, %u arrived: fds %d -> %d, VmRSS %ld -> %ld kB (after %u)\n",
	       sent, now_s() - t0, arrived, fd_before, rel_fd_count(), rss_before, rel_rss_kb(), warm);
	REL_CHECK(arrived == total, "%u of %u packets arrived", arrived, total);
	REL_CHECK(rel_fd_count() == fd_before, "file descriptors grew from %d to %d", fd_before,
		  rel_fd_count());
	REL_CHECK(rel_rss_kb() - rss_before <= RSS_SLACK_KB, "VmRSS grew from %ld to %ld kB", rss_before,
		  rel_rss_kb());
	nfqueue_queue_free(q);
}

int main(int argc, char **argv)
{
	rel_start(argc, argv, &queue_num, &port);
	REL_RUN(test_open_close_cycles);
	REL_RUN(test_retained_packets_freed);
	return rel_summary("hygiene");
}
