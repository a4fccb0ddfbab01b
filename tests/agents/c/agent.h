/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * agent.h - state shared by the C agent's main loop (agent.c) and its
 * packet handling (judge.c).
 */
#ifndef AGENT_AGENT_H
#define AGENT_AGENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <nfqueue.h>

#include "json.h"
#include "plan.h"

/* A retained packet and what the plan said about it. */
struct kept {
	nfqueue_packet *packet;
	const struct rule *rule;
	long long index;
	uint32_t id; /* noted while the handle was valid */
	/* "expire" with late_by: the index of the packet whose handling
	 * starts with the use of this stale handle; -1: as soon as the
	 * packet has surely expired. */
	long long due;
};

/* "verdicts": "together": one packet of a pulled batch whose verdict
 * waits for the batch's one nfqueue_queue_verdict_packets() call, with
 * its "packet" event, written once the call's outcome is known. */
struct pending_verdict {
	nfqueue_packet *packet;
	const struct rule *rule;
	struct line line;   /* the "packet" event so far */
	uint8_t *payload;   /* the rewritten payload of the spec, or NULL */
	size_t payload_len;
};

struct pending_list {
	struct pending_verdict *items;
	size_t count, cap;
};

/* A list of retained packets. */
struct kept_list {
	struct kept *items;
	size_t count, cap;
};

struct agent {
	nfqueue_queue *queue;
	struct plan plan;
	size_t hex_max;
	long long next_index;   /* arrival number of the next packet */

	struct kept_list held;  /* "hold": verdicted by close */
	struct kept_list later; /* "later": filling up the next group */
	struct kept_list batch; /* "batch": filling up the next group */
	struct kept_list after_close; /* "after_close": verdict tried once the queue closed */
	/* "expire": handles of packets that were NOT retained, kept to be
	 * used (wrongly, on purpose) once they expired. */
	struct kept_list stale;
	/* Whether a packet's callback starting means the earlier packets'
	 * callbacks returned, so they expired (run, dispatch); with pull
	 * they expire only at the next pull. */
	bool stale_at_callback;

	/* The plan's "verdicts": "together" (pull mode only): the batch's
	 * verdicts so far, given in one call by judge_verdicts_together(). */
	struct pending_list together;

	pthread_t main_thread;  /* to tell which thread gave a verdict */
	/* The thread verdicting the last "later" group, if any. */
	pthread_t later_thread;
	bool later_running;
};

/* nfqueue_callback: judge one packet by the plan and report it. */
int judge_packet(nfqueue_packet *packet, void *agent);

/* Wait for a "later" group still being verdicted. */
void judge_join_later(struct agent *agent);

/* Use the handles of "expire" packets (without late_by), which have
 * expired by now: read the payload and try the verdict, and report both
 * outcomes. */
void judge_use_stale(struct agent *agent);

/* The same for every stale handle still unused (late_by included): at the
 * end, before the queue closes. */
void judge_use_all_stale(struct agent *agent);

/* "verdicts": "together": give the pulled batch's collected verdicts in
 * one call, then write their "packet" events and one "verdicts" event. */
void judge_verdicts_together(struct agent *agent);

/* After close: try the verdict of each "after_close" packet and report it. */
void judge_after_close(struct agent *agent);

/* Free every packet still retained (after close, which gave each its
 * default verdict). */
void judge_free_kept(struct agent *agent);

#endif
