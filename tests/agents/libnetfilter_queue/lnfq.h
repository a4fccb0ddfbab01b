/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lnfq.h - the libnetfilter_queue agent's shared state: the plan it
 * follows (plan.c) and the handling of one packet (packet.c), driven by
 * the receive loop in agent.c.
 */
#ifndef LNFQ_AGENT_H
#define LNFQ_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libnetfilter_queue/libnetfilter_queue.h>

#include "json.h"

#define EXIT_CLEAN 0
#define EXIT_RUNTIME 1
#define EXIT_OPEN 2
#define EXIT_USAGE 64

/* One rule of the plan: only the members this agent declares. */
struct rule {
	long long index;        /* -1: any */
	uint8_t *contains;      /* NULL: any */
	size_t contains_len;
	int verdict;            /* NF_ACCEPT, NF_DROP, NF_REPEAT, NF_STOP, NF_QUEUE */
	const char *verdict_name;
	uint16_t queue_num;
	bool bypass;
	bool has_mark;
	uint32_t mark;
	uint8_t *from, *to;     /* replace */
	size_t replace_len;
	bool fix_checksums;
	long long delay_ms;
};

struct plan {
	struct rule *rules;
	size_t count;
};

/* Parse --plan; on failure a message in why[] and false. */
bool plan_parse(struct plan *plan, const char *text, char *why, size_t why_len);
/* The first rule matching packet `index` with this payload, or NULL. */
const struct rule *plan_match(const struct plan *plan, long long index,
			      const uint8_t *payload, size_t len);

struct agent {
	struct nfq_q_handle *qh;
	struct plan plan;
	size_t hex_max;
	long long next_index;
};

/* nfq_callback: report one packet and give it its rule's verdict. */
int packet_handle(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfad, void *data);

/* The protocol's error name (PROTOCOL.md, "Error names") for an errno. */
const char *errno_name(int err);

#endif
