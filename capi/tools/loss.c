/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loss.c - the loss watcher of `nfqueue dump` (see loss.h).
 */
#include "loss.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

struct loss_watch {
	nfqueue_queue *queue;
	uint32_t queue_num;
	int available;       /* the counters could be read at start */
	pthread_t thread;
	int running;         /* the thread was started */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stopping;        /* under lock */
	/* Starting values, and those of the last report (thread only). */
	uint64_t base_user, base_queue;
	uint64_t last_user, last_queue;
	struct timespec last_time;
	int hinted;          /* the advice on what to change was given */
};

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static int read_counters(nfqueue_queue *queue, uint64_t *user, uint64_t *queued)
{
	nfqueue_stats s = {.size = sizeof(s)};
	int rc = nfqueue_queue_stats(&s, queue);

	if (rc == 0) {
		*user = s.user_dropped;
		*queued = s.queue_dropped;
	}
	return rc;
}

/* One look at the counters; a line on stderr if they grew. */
static void check_once(struct loss_watch *w)
{
	uint64_t user, queued;
	struct timespec now;

	if (read_counters(w->queue, &user, &queued) != 0)
		return; /* closing, or a transient read error: the summary will tell */
	clock_gettime(CLOCK_MONOTONIC, &now);
	uint64_t d_user = user - w->last_user, d_queue = queued - w->last_queue;
	if (d_user + d_queue != 0) {
		uint64_t total = (user - w->base_user) + (queued - w->base_queue);

		fprintf(stderr,
			"nfqueue dump: queue %u lost %llu packet%s in the last %.1f s (%llu total): "
			"socket buffer full (user_dropped) %llu, queue full (queue_dropped) %llu\n",
			w->queue_num, (unsigned long long)(d_user + d_queue),
			d_user + d_queue == 1 ? "" : "s", seconds_between(&w->last_time, &now),
			(unsigned long long)total, (unsigned long long)d_user,
			(unsigned long long)d_queue);
		if (!w->hinted) {
			fprintf(stderr, "nfqueue dump: %s\n",
				d_user ? "a larger --rcvbuf (or a smaller --copy-range) keeps the socket "
					 "from overflowing"
				       : "a larger --max-len lets the kernel hold more packets; "
					 "--fail-open accepts those it cannot hold");
			w->hinted = 1;
		}
	}
	w->last_user = user;
	w->last_queue = queued;
	w->last_time = now;
}

static void *watch_main(void *arg)
{
	struct loss_watch *w = arg;
	struct timespec deadline;

	pthread_mutex_lock(&w->lock);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	while (!w->stopping) {
		deadline.tv_sec += 1;
		while (!w->stopping &&
		       pthread_cond_timedwait(&w->wake, &w->lock, &deadline) != ETIMEDOUT)
			;
		if (w->stopping)
			break;
		/* Outside the lock: stop must never wait for a read of /proc. */
		pthread_mutex_unlock(&w->lock);
		check_once(w);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct loss_watch *loss_watch_start(nfqueue_queue *queue, uint32_t queue_num)
{
	struct loss_watch *w = calloc(1, sizeof(*w));
	pthread_condattr_t attr;

	if (!w)
		return NULL;
	w->queue = queue;
	w->queue_num = queue_num;
	int rc = read_counters(queue, &w->base_user, &w->base_queue);
	if (rc != 0) {
		nfq_report("cannot watch the kernel's loss counters (only ENOBUFS events are "
			   "counted)", rc);
		return w;
	}
	w->available = 1;
	w->last_user = w->base_user;
	w->last_queue = w->base_queue;
	clock_gettime(CLOCK_MONOTONIC, &w->last_time);

	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &attr);
	pthread_condattr_destroy(&attr);

	/* Signals (Ctrl+C) stay with the main thread, which owns the queue. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, watch_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		warnx_("cannot start the loss watcher: %s; losses are reported at exit only",
		       strerror(rc));
	else
		w->running = 1;
	return w;
}

void loss_watch_stop(struct loss_watch *w, struct loss_totals *out)
{
	memset(out, 0, sizeof(*out));
	if (!w)
		return;
	if (w->running) {
		pthread_mutex_lock(&w->lock);
		w->stopping = 1;
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
	}
	if (w->available) {
		uint64_t user, queued;
		int rc;

		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->wake);
		rc = read_counters(w->queue, &user, &queued);
		if (rc == 0) {
			out->available = 1;
			out->user_dropped = user - w->base_user;
			out->queue_dropped = queued - w->base_queue;
		} else {
			nfq_report("reading the kernel's loss counters at exit", rc);
		}
	}
	free(w);
}
