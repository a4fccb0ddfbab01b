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

#include "plan.h"

/* A retained packet and what the plan said about it. */
struct kept {
	nfqueue_packet *packet;
	const struct rule *rule;
	long long index;
	uint32_t id; /* noted while the handle was valid */
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

	pthread_t main_thread;  /* to tell which thread gave a verdict */
	/* The thread verdicting the last "later" group, if any. */
	pthread_t later_thread;
	bool later_running;
};

/* nfqueue_callback: judge one packet by the plan and report it. */
int judge_packet(nfqueue_packet *packet, void *agent);

/* Wait for a "later" group still being verdicted. */
void judge_join_later(struct agent *agent);

/* Use the handles of "expire" packets, which have expired by now: read the
 * payload and try the verdict, and report both outcomes. */
void judge_use_stale(struct agent *agent);

/* After close: try the verdict of each "after_close" packet and report it. */
void judge_after_close(struct agent *agent);

/* Free every packet still retained (after close, which gave each its
 * default verdict). */
void judge_free_kept(struct agent *agent);

#endif
