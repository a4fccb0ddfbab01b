/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * watch.c - `nfqueue stats --watch` (see watch.h).
 *
 * The kernel keeps running counters per queue; a rate is the growth of one
 * between two reads divided by the time between them:
 *   in/s        growth of id_sequence: the kernel numbers every packet it
 *               sends to the socket (also those lost because the socket
 *               buffer was full), not those dropped for a full queue;
 *   verdicts/s  in, minus the packets lost to the socket (user_dropped),
 *               minus the growth of the packets waiting: what left the
 *               queue, i.e. got a verdict;
 *   dropped, user_dropped  the growth in this interval, as counts.
 * A queue bound anew (a new port id) starts from zero counters, as the
 * kernel makes a new instance for it.
 */
#include "watch.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "owner.h"
#include "table.h"

static volatile sig_atomic_t stopping;

static void on_signal(int signo)
{
	(void)signo;
	stopping = 1;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleep `seconds`, cut short by a stop signal. */
static void pause_for(double seconds)
{
	struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
	while (!stopping && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static const struct queue_row *find_row(const struct queue_table *t, unsigned queue)
{
	for (size_t i = 0; i < t->count; i++)
		if (t->rows[i].queue == queue)
			return &t->rows[i];
	return NULL;
}

/* The owner of each queue, looked up again only when its port id changes. */
struct owner_cache {
	unsigned queue, portid;
	char name[96];
	int found;
};

static const char *owner_of(struct owner_cache *cache, size_t *n, const char *netlink_table,
			    const struct queue_row *r, int *missing)
{
	size_t i;
	for (i = 0; i < *n; i++)
		if (cache[i].queue == r->queue)
			break;
	if (i == *n) {
		if (*n == TABLE_ROWS_MAX)
			i = 0; /* never in practice; reuse a slot rather than fail */
		else
			(*n)++;
		cache[i].queue = r->queue;
		cache[i].portid = r->portid + 1; /* force a lookup */
	}
	if (cache[i].portid != r->portid || !cache[i].found) {
		cache[i].portid = r->portid;
		cache[i].found = find_socket_owner(cache[i].name, sizeof(cache[i].name),
						   netlink_table, r->portid) == 0;
	}
	if (!cache[i].found)
		*missing = 1;
	return cache[i].name;
}

static void print_header(void)
{
	printf("%-8s %5s %10s %10s %7s %8s %12s  %s\n", "time", "queue", "in/s", "verdicts/s",
	       "waiting", "dropped", "user_dropped", "process");
}

int stats_watch(const char *table, double interval, unsigned count, int want_process)
{
	static struct queue_table prev, cur;
	static struct owner_cache owners[TABLE_ROWS_MAX];
	size_t owners_n = 0;
	char netlink_table[4096];
	int owner_missing = 0, hinted = 0, said_empty = 0;

	if (want_process && netlink_table_for(netlink_table, sizeof(netlink_table), table) != 0)
		want_process = 0;

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: end the sleep at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (queue_table_read(&prev, table) != 0) {
		if (errno == ENOENT)
			prev.count = 0; /* the module is not loaded yet: no queues so far */
		else if (errno == EACCES) {
			warnx_("cannot read %s: %s: the kernel lets only root read it; "
			       "run 'sudo nfqueue stats --watch'", table, strerror(errno));
			return EXIT_FAIL;
		} else {
			warnx_("cannot read %s: %s", table, strerror(errno));
			return EXIT_FAIL;
		}
	}
	double prev_time = now_seconds();
	print_header();
	fflush(stdout);

	for (unsigned done = 0; !stopping && (count == 0 || done < count); done++) {
		pause_for(interval);
		if (stopping)
			break;
		if (queue_table_read(&cur, table) != 0) {
			if (errno != ENOENT) {
				warnx_("cannot read %s: %s", table, strerror(errno));
				return EXIT_FAIL;
			}
			cur.count = 0;
		}
		double now = now_seconds(), dt = now - prev_time;
		char clock[16];
		time_t wall = time(NULL);
		strftime(clock, sizeof(clock), "%H:%M:%S", localtime(&wall));

		if (cur.count == 0 && !said_empty)
			printf("%-8s %5s  no queues are bound in this network namespace\n", clock, "-");
		said_empty = cur.count == 0;
		for (size_t i = 0; i < cur.count; i++) {
			const struct queue_row *r = &cur.rows[i];
			const struct queue_row *p = find_row(&prev, r->queue);
			static const struct queue_row fresh;
			if (!p || p->portid != r->portid)
				p = &fresh; /* bound since the last read: counters from 0 */
			/* Unsigned 32-bit differences survive a counter's wrap. */
			uint32_t d_in = r->last_id - p->last_id;
			uint32_t d_drop = r->dropped - p->dropped;
			uint32_t d_user = r->user_dropped - p->user_dropped;
			double verdicts = (double)d_in - (double)d_user -
					  ((double)r->waiting - (double)p->waiting);
			if (verdicts < 0)
				verdicts = 0; /* a rebind inside the interval */
			const char *owner = want_process
				? owner_of(owners, &owners_n, netlink_table, r, &owner_missing) : "-";
			printf("%-8s %5u %10.1f %10.1f %7u %8u %12u  %s\n", clock, r->queue,
			       d_in / dt, verdicts / dt, r->waiting, d_drop, d_user, owner);
		}
		if (cur.truncated)
			warnx_("%zu more queues not shown", cur.truncated);
		fflush(stdout);
		if (owner_missing && !hinted) {
			owner_hint();
			hinted = 1;
		}
		prev = cur;
		prev_time = now;
	}
	return EXIT_OK;
}
