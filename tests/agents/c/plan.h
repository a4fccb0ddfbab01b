/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * plan.h - the verdict plan of the C agent: which packet gets what
 * (the "rules" of --plan, see tests/conformance/PROTOCOL.md).
 */
#ifndef AGENT_PLAN_H
#define AGENT_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the agent does with the packet right away. */
enum plan_verdict {
	PLAN_ACCEPT,
	PLAN_DROP,
	PLAN_REPEAT,
	PLAN_STOP,
	PLAN_QUEUE, /* to queue_num, with bypass */
	PLAN_NONE   /* no verdict: the packet expires and gets the default */
};

/* Whether, and why, the packet is retained instead of verdicted now. */
enum plan_retain {
	RETAIN_NO,
	RETAIN_HOLD,  /* keep it without a verdict until the agent exits */
	RETAIN_LATER, /* verdict a full group in reverse order from another thread */
	RETAIN_BATCH, /* verdict a full group with one batch verdict */
	RETAIN_FREE,  /* retain, then free at once: the free gives the default verdict */
	RETAIN_AFTER_CLOSE, /* keep it without a verdict; try its verdict after the queue closed */
	RETAIN_EXPIRE /* do NOT retain, but keep the handle: use it once the packet expired */
};

struct rule {
	/* Selectors: a rule applies when every one present matches. */
	bool has_index;
	long long index;
	uint8_t *contains;
	size_t contains_len;

	/* Actions. */
	enum plan_verdict verdict;
	uint32_t queue_num;
	bool bypass;
	bool has_mark;
	uint32_t mark;
	uint8_t *replace_from, *replace_to; /* same length */
	size_t replace_len;
	bool fix_checksums;
	bool has_second;
	enum plan_verdict second_verdict;
	bool has_set_payload_len;
	uint32_t set_payload_len; /* replace the payload with this many bytes */
	enum plan_retain retain;
	uint32_t delay_ms; /* sleep this long in the callback before acting */
	/* End the borrow at once (nfqueue_packet_release), then read the
	 * payload through the released handle. */
	bool release;
	/* With RETAIN_EXPIRE: use the stale handle only when packet number
	 * index + late_by starts being handled, many batches later. */
	bool has_late_by;
	uint32_t late_by;
};

struct plan {
	struct rule *rules;
	size_t count;
	size_t group; /* packets per "later" or "batch" group */
	/* "verdicts": "together": a pulled batch's verdicts in one call
	 * (nfqueue_queue_verdict_packets) instead of one call per packet. */
	bool together;
};

/* Parse the --plan JSON into *plan. Returns 0, or -1 with a reason in
 * error[0..size). */
int plan_parse(struct plan *plan, const char *text, char *error, size_t size);
void plan_free(struct plan *plan);

/* The first rule that matches packet number `index` (0-based, in arrival
 * order) with `payload`; a built-in "accept" rule when none does. */
const struct rule *plan_match(const struct plan *plan, long long index,
			      const uint8_t *payload, size_t len);

/* "accept", "drop", ... as in the plan. */
const char *plan_verdict_name(enum plan_verdict verdict);

#endif
