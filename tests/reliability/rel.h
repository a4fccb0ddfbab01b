/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rel.h - what the reliability programs share: a guard that they run in
 * a namespace of their own, UDP traffic on the namespace's loopback, and
 * the process's file descriptor and memory figures.
 */
#ifndef NFQUEUE_RELIABILITY_REL_H
#define NFQUEUE_RELIABILITY_REL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nfqueue.h>

/* Failures so far; rel_summary() turns them into the exit status. */
extern int rel_failures;
extern int rel_passed;

#define REL_CHECK(cond, ...) \
	do { \
		if (!(cond)) { \
			printf("  %s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
			printf(__VA_ARGS__); \
			printf(" [last error: %s]\n", nfqueue_last_error()); \
			rel_failures++; \
		} \
	} while (0)

/* Exit with 2 unless this process is in the network namespace that
 * run-reliability made (named in $NFQUEUE_REL_NETNS): every rule and
 * packet of these tests stays in it. */
void rel_require_own_netns(void);

/* The start every test program shares: check `PROGRAM QUEUE PORT` (exit 2
 * otherwise), require the runner's namespace, line-buffer stdout, and
 * read the queue number and port. */
void rel_start(int argc, char **argv, uint32_t *queue_num, uint16_t *port);

/* Run `cmd` (iptables inside the namespace); false if it failed. */
bool rel_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A UDP socket bound to 127.0.0.1:port that receives our datagrams, and
 * one that sends them. -1 on failure (with a message). */
int rel_udp_receiver(uint16_t port);
int rel_udp_sender(void);
/* Send datagram `seq` (its payload: seq big-endian, then "NFQR"). */
bool rel_send(int fd, uint16_t port, uint32_t seq);
/* Receive datagrams until `want` arrived or `timeout_ms` passed with
 * none; counts them per seq in seen[0..nseen) (may be NULL). */
uint32_t rel_receive(int fd, uint32_t want, int timeout_ms, uint8_t *seen, uint32_t nseen);

/* The seq in a queued packet's payload (our IPv4 UDP datagram to
 * `port`), or -1 for any other packet. */
int64_t rel_seq_of(const uint8_t *ip, size_t len, uint16_t port);

/* The queue's counters; false (with a message) if they cannot be read. */
bool rel_stats(nfqueue_stats *out, nfqueue_queue *q);

/* Open file descriptors and resident memory of this process. */
int rel_fd_count(void);
long rel_rss_kb(void);

/* Run one case: it passes if no REL_CHECK failed in it. */
void rel_run(const char *name, void (*fn)(void));
#define REL_RUN(fn) rel_run(#fn, fn)

/* "name: N passed, N failed" (cases) and the exit status. */
int rel_summary(const char *name);

#endif
