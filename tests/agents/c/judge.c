/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * judge.c - what the C agent does with each packet: find its rule in the
 * plan, report it, rewrite and mark it, and verdict it now or keep it for
 * later (held, verdicted from another thread, or by a batch verdict).
 */
#include "agent.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "report.h"

static int give_verdict(nfqueue_packet *p, enum plan_verdict verdict, const struct rule *r)
{
	switch (verdict) {
	case PLAN_ACCEPT: return nfqueue_packet_verdict(p, NFQUEUE_ACCEPT);
	case PLAN_DROP: return nfqueue_packet_verdict(p, NFQUEUE_DROP);
	case PLAN_REPEAT: return nfqueue_packet_verdict(p, NFQUEUE_REPEAT);
	case PLAN_STOP: return nfqueue_packet_verdict(p, NFQUEUE_STOP);
	case PLAN_QUEUE:
		return nfqueue_packet_verdict_queue(p, r->queue_num,
						    r->bypass ? NFQUEUE_QUEUE_BYPASS : 0);
	case PLAN_NONE: return 0;
	}
	return NFQUEUE_E_INVAL;
}

static int plain_verdict(enum plan_verdict verdict)
{
	switch (verdict) {
	case PLAN_DROP: return NFQUEUE_DROP;
	case PLAN_REPEAT: return NFQUEUE_REPEAT;
	case PLAN_STOP: return NFQUEUE_STOP;
	default: return NFQUEUE_ACCEPT;
	}
}

/* "accept", "queue:2", "queue:2:bypass", ... */
static void verdict_member(struct line *l, enum plan_verdict verdict, const struct rule *r)
{
	char label[48];

	if (verdict == PLAN_QUEUE) {
		snprintf(label, sizeof(label), "queue:%u%s", r->queue_num, r->bypass ? ":bypass" : "");
		line_str(l, "verdict", label);
	} else {
		line_str(l, "verdict", plan_verdict_name(verdict));
	}
}

static void thread_member(struct line *l, const struct agent *a)
{
	line_str(l, "thread", pthread_equal(pthread_self(), a->main_thread) ? "main" : "other");
}

/* The library's detail message of the call that just failed with `rc`,
 * as `key`; nothing when it succeeded. Call it before any other library
 * call: the message lasts only until the next one on this thread. */
static void message_member(struct line *l, const char *key, int rc)
{
	if (rc)
		line_str(l, key, nfqueue_last_error());
}

static bool push(struct kept_list *list, nfqueue_packet *p, const struct rule *r, long long index)
{
	if (list->count == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 8;
		struct kept *items = realloc(list->items, cap * sizeof(*items));

		if (!items)
			return false;
		list->items = items;
		list->cap = cap;
	}
	list->items[list->count++] = (struct kept){ .packet = p, .rule = r, .index = index,
						    .id = nfqueue_packet_id(p), .due = -1 };
	return true;
}

/* Replace the rule's bytes in a copy of the payload, fix checksums unless
 * the rule says not to, and hand the copy to the packet; or, with
 * `pending` ("verdicts": "together"), to the packet's verdict spec, which
 * carries it to the kernel with the verdict. */
static void rewrite(struct line *l, nfqueue_packet *p, const struct rule *r,
		    struct pending_verdict *pending)
{
	const uint8_t *data;
	uint8_t *copy;
	size_t len, i;
	int rc = nfqueue_packet_payload(&data, &len, p);

	if (rc) {
		line_str(l, "rewrite_result", error_name(rc));
		return;
	}
	for (i = 0; i + r->replace_len <= len; i++)
		if (!memcmp(data + i, r->replace_from, r->replace_len))
			break;
	if (i + r->replace_len > len) {
		line_str(l, "rewrite_result", "not_found");
		return;
	}
	copy = malloc(len);
	if (!copy) {
		line_str(l, "rewrite_result", "out_of_memory");
		return;
	}
	memcpy(copy, data, len);
	memcpy(copy + i, r->replace_to, r->replace_len);
	if (r->fix_checksums) {
		rc = nfqueue_checksum_update(copy, len);
		line_str(l, "checksum_result", result_name(rc));
	}
	line_hex(l, "rewritten_hex", copy, len);
	if (pending) {
		pending->payload = copy;
		pending->payload_len = len;
		line_str(l, "rewrite_result", "ok");
		return;
	}
	rc = nfqueue_packet_set_payload(p, copy, len);
	line_str(l, "rewrite_result", result_name(rc));
	free(copy);
}

/* "set_payload_len": a replacement payload of exactly `r->set_payload_len`
 * bytes (the packet's own, cut or zero-padded), to probe the size limit. */
static void set_payload_len(struct line *l, nfqueue_packet *p, const struct rule *r)
{
	size_t want = r->set_payload_len, len = 0;
	const uint8_t *data = NULL;
	uint8_t *bytes;
	int rc = nfqueue_packet_payload(&data, &len, p);

	if (rc == NFQUEUE_E_NOATTR)
		len = 0; /* copy mode meta: all zeros */
	else if (rc) {
		line_str(l, "set_payload_result", error_name(rc));
		message_member(l, "set_payload_message", rc);
		return;
	}
	bytes = calloc(1, want ? want : 1);
	if (!bytes) {
		line_str(l, "set_payload_result", "out_of_memory");
		return;
	}
	if (len && want)
		memcpy(bytes, data, len < want ? len : want);
	rc = nfqueue_packet_set_payload(p, bytes, want);
	line_str(l, "set_payload_result", result_name(rc));
	message_member(l, "set_payload_message", rc);
	free(bytes);
}

/* ---- "expire" and "after_close": verdicts the library must refuse ---- */

/* Which stale handles use_stale() uses now. */
enum stale_due { DUE_NOW, DUE_AT_INDEX, DUE_ALL };

/* Use the stale handles that are due (see agent.h), and forget them. */
static void use_stale(struct agent *a, enum stale_due which, long long index)
{
	struct line l = { 0 };
	size_t i, kept = 0;

	for (i = 0; i < a->stale.count; i++) {
		struct kept *k = &a->stale.items[i];
		const uint8_t *data = NULL;
		size_t len = 0;
		int rc;

		if ((which == DUE_NOW && k->due >= 0) ||
		    (which == DUE_AT_INDEX && (k->due < 0 || k->due > index))) {
			a->stale.items[kept++] = *k; /* not yet */
			continue;
		}
		line_begin(&l, "expired");
		line_int(&l, "index", k->index);
		/* The id was noted while the handle was valid: asking the
		 * stale handle would already be a use. */
		line_int(&l, "id", k->id);
		rc = nfqueue_packet_payload(&data, &len, k->packet);
		line_str(&l, "payload_result", result_name(rc));
		message_member(&l, "payload_message", rc);
		rc = give_verdict(k->packet, k->rule->verdict, k->rule);
		verdict_member(&l, k->rule->verdict, k->rule);
		line_str(&l, "verdict_result", result_name(rc));
		message_member(&l, "verdict_message", rc);
		line_emit(&l);
	}
	a->stale.count = kept;
	free(l.buf);
}

void judge_use_stale(struct agent *a)
{
	use_stale(a, DUE_NOW, 0);
}

void judge_use_all_stale(struct agent *a)
{
	use_stale(a, DUE_ALL, 0);
}

void judge_after_close(struct agent *a)
{
	struct line l = { 0 };
	size_t i;

	for (i = 0; i < a->after_close.count; i++) {
		struct kept *k = &a->after_close.items[i];
		int rc = give_verdict(k->packet, k->rule->verdict, k->rule);

		line_begin(&l, "verdict");
		line_int(&l, "index", k->index);
		line_int(&l, "id", k->id);
		verdict_member(&l, k->rule->verdict, k->rule);
		line_str(&l, "result", result_name(rc));
		message_member(&l, "message", rc);
		thread_member(&l, a);
		line_emit(&l);
	}
	free(l.buf);
}

/* ---- "later": a group verdicted in reverse order from another thread ---- */

struct later_job {
	struct agent *agent;
	struct kept_list group;
};

static void *verdict_later(void *arg)
{
	struct later_job *job = arg;
	size_t i = job->group.count;
	struct line l = { 0 };

	while (i-- > 0) {
		struct kept *k = &job->group.items[i];
		int rc = give_verdict(k->packet, k->rule->verdict, k->rule);

		line_begin(&l, "verdict");
		line_int(&l, "index", k->index);
		line_int(&l, "id", nfqueue_packet_id(k->packet));
		verdict_member(&l, k->rule->verdict, k->rule);
		line_str(&l, "result", result_name(rc));
		message_member(&l, "message", rc);
		thread_member(&l, job->agent);
		if (k->rule->has_second)
			line_str(&l, "second_result",
				 result_name(give_verdict(k->packet, k->rule->second_verdict, k->rule)));
		line_emit(&l);
		nfqueue_packet_free(k->packet);
	}
	free(l.buf);
	free(job->group.items);
	free(job);
	return NULL;
}

void judge_join_later(struct agent *a)
{
	if (a->later_running) {
		pthread_join(a->later_thread, NULL);
		a->later_running = false;
	}
}

static void start_later_group(struct agent *a)
{
	struct later_job *job = malloc(sizeof(*job));
	sigset_t stop_signals, previous;
	int started;

	judge_join_later(a);
	if (!job) {
		fputs("nfqueue-agent-c: out of memory\n", stderr);
		return; /* the packets stay in the list and are freed at exit */
	}
	job->agent = a;
	job->group = a->later;
	memset(&a->later, 0, sizeof(a->later));
	/* The thread starts with SIGTERM, SIGINT and SIGUSR1 blocked, so
	 * their handlers always run on the main thread, which is the one
	 * waiting in the library (see agent.c). */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
	started = pthread_create(&a->later_thread, NULL, verdict_later, job);
	pthread_sigmask(SIG_SETMASK, &previous, NULL);
	if (started != 0) {
		fputs("nfqueue-agent-c: cannot start a thread\n", stderr);
		a->later = job->group;
		free(job);
		return;
	}
	a->later_running = true;
}

/* ---- "batch": a group verdicted with one batch verdict ---- */

static void verdict_batch_group(struct agent *a)
{
	struct kept_list *g = &a->batch;
	const struct kept *last = &g->items[g->count - 1];
	const struct rule *r = last->rule;
	uint32_t up_to = nfqueue_packet_id(last->packet);
	struct line l = { 0 };
	char *list = malloc(g->count * 8 + 2);
	size_t i, used = 0;
	int rc = nfqueue_queue_verdict_batch(a->queue, up_to, plain_verdict(r->verdict),
					     r->has_mark, r->mark);

	line_begin(&l, "batch");
	line_int(&l, "up_to_id", up_to);
	line_int(&l, "count", (long long)g->count);
	verdict_member(&l, r->verdict, r);
	if (r->has_mark)
		line_int(&l, "mark", r->mark);
	line_str(&l, "result", result_name(rc));
	if (list) {
		/* Whether each packet of the group now counts as verdicted. */
		list[used++] = '[';
		for (i = 0; i < g->count; i++)
			used += (size_t)sprintf(list + used, "%s%s", i ? "," : "",
						nfqueue_packet_has_verdict(g->items[i].packet) ? "true" : "false");
		list[used++] = ']';
		list[used] = '\0';
		line_raw(&l, "has_verdict", list);
		free(list);
	}
	if (r->has_second)
		line_str(&l, "second_result",
			 result_name(give_verdict(g->items[0].packet, r->second_verdict, r)));
	line_emit(&l);
	free(l.buf);
	for (i = 0; i < g->count; i++)
		nfqueue_packet_free(g->items[i].packet);
	g->count = 0;
}

/* ---- "verdicts": "together": a pulled batch's verdicts in one call ---- */

/* A new entry for packet `p` in the batch's list, or NULL without memory. */
static struct pending_verdict *pending_add(struct agent *a)
{
	struct pending_list *list = &a->together;

	if (list->count == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 16;
		struct pending_verdict *items = realloc(list->items, cap * sizeof(*items));

		if (!items)
			return NULL;
		list->items = items;
		list->cap = cap;
	}
	memset(&list->items[list->count], 0, sizeof(*list->items));
	return &list->items[list->count++];
}

static void fill_spec(nfqueue_verdict_spec *spec, const struct pending_verdict *pv)
{
	const struct rule *r = pv->rule;

	memset(spec, 0, sizeof(*spec));
	spec->size = sizeof(*spec);
	spec->packet = pv->packet;
	spec->verdict = plain_verdict(r->verdict);
	if (r->verdict == PLAN_QUEUE) {
		spec->flags |= NFQUEUE_SPEC_QUEUE | (r->bypass ? NFQUEUE_SPEC_BYPASS : 0);
		spec->queue_num = r->queue_num;
	}
	if (r->has_mark) {
		spec->flags |= NFQUEUE_SPEC_MARK;
		spec->mark = r->mark;
	}
	if (pv->payload) {
		spec->flags |= NFQUEUE_SPEC_PAYLOAD;
		spec->payload = pv->payload;
		spec->payload_len = pv->payload_len;
	}
}

void judge_verdicts_together(struct agent *a)
{
	struct pending_list *t = &a->together;
	nfqueue_verdict_spec *specs;
	struct line l = { 0 };
	char *ids, *message = NULL;
	size_t i, bad = 0, used = 0;
	int rc;

	if (!t->count)
		return;
	specs = calloc(t->count, sizeof(*specs));
	ids = malloc(t->count * 12 + 2);
	if (specs && ids) {
		for (i = 0; i < t->count; i++)
			fill_spec(&specs[i], &t->items[i]);
		rc = nfqueue_queue_verdict_packets(&bad, a->queue, specs, t->count);
		if (rc)
			message = strdup(nfqueue_last_error());
	} else {
		rc = NFQUEUE_E_NOMEM;
	}

	for (i = 0; i < t->count; i++) {
		struct pending_verdict *pv = &t->items[i];
		const struct rule *r = pv->rule;

		verdict_member(&pv->line, r->verdict, r);
		line_str(&pv->line, "result", result_name(rc));
		if (r->has_second)
			line_str(&pv->line, "second_result",
				 result_name(give_verdict(pv->packet, r->second_verdict, r)));
		line_emit(&pv->line);
		free(pv->line.buf);
	}

	line_begin(&l, "verdicts");
	line_int(&l, "count", (long long)t->count);
	if (ids) {
		ids[used++] = '[';
		for (i = 0; i < t->count; i++)
			used += (size_t)sprintf(ids + used, "%s%u", i ? "," : "",
						nfqueue_packet_id(t->items[i].packet));
		ids[used++] = ']';
		ids[used] = '\0';
		line_raw(&l, "ids", ids);
	}
	line_str(&l, "result", result_name(rc));
	if (rc) {
		line_int(&l, "bad_index", (long long)bad);
		line_str(&l, "message", message ? message : "");
	}
	line_emit(&l);

	for (i = 0; i < t->count; i++)
		free(t->items[i].payload);
	t->count = 0;
	free(l.buf);
	free(message);
	free(ids);
	free(specs);
}

/* ---- "release": a borrow ended early ---- */

static void release_members(struct line *l, nfqueue_packet *p)
{
	const uint8_t *data = NULL;
	size_t len = 0;
	int rc = nfqueue_packet_release(p);

	line_str(l, "release_result", result_name(rc));
	message_member(l, "release_message", rc);
	rc = nfqueue_packet_payload(&data, &len, p);
	line_str(l, "after_release_result", result_name(rc));
	message_member(l, "after_release_message", rc);
}

/* ---- one packet ---- */

int judge_packet(nfqueue_packet *p, void *arg)
{
	struct agent *a = arg;
	long long index = a->next_index++;
	const uint8_t *payload = NULL;
	size_t len = 0;
	const struct rule *r;
	struct pending_verdict *pending = NULL;
	struct line l = { 0 };
	int rc;

	/* An earlier packet's callback has returned: its handle is stale. */
	if (a->stale_at_callback)
		judge_use_stale(a);
	/* late_by: handles whose packets are many packets (batches) old now. */
	use_stale(a, DUE_AT_INDEX, index);
	(void)nfqueue_packet_payload(&payload, &len, p); /* none: no "contains" matches */
	r = plan_match(&a->plan, index, payload, len);

	if (r->delay_ms) {
		/* A slow consumer: the kernel's messages pile up meanwhile. */
		struct timespec pause = { .tv_sec = r->delay_ms / 1000,
					  .tv_nsec = (long)(r->delay_ms % 1000) * 1000000L };

		while (nanosleep(&pause, &pause) < 0)
			;
	}

	line_begin(&l, "packet");
	line_int(&l, "index", index);
	report_packet(&l, p, a->hex_max);
	thread_member(&l, a);

	if (r->release) {
		/* Ended now: it gets the default verdict, the handle expires. */
		release_members(&l, p);
		line_str(&l, "verdict", "none");
		line_str(&l, "result", "ok");
		line_emit(&l);
		free(l.buf);
		return 0;
	}
	/* "together": the verdict, mark and new payload wait for the batch's
	 * one call; retained packets and "none" are left out of it. */
	if (a->plan.together && r->retain == RETAIN_NO && r->verdict != PLAN_NONE) {
		pending = pending_add(a);
		if (!pending) {
			line_str(&l, "result", "out_of_memory");
			line_emit(&l);
			free(l.buf);
			return 0;
		}
		pending->packet = p;
		pending->rule = r;
	}

	if (r->replace_from)
		rewrite(&l, p, r, pending);
	/* A batch carries its mark in the batch verdict itself, a spec in
	 * the spec. */
	if (r->has_mark && r->retain != RETAIN_BATCH && !pending)
		line_str(&l, "set_mark_result", result_name(nfqueue_packet_set_mark(p, r->mark)));
	if (r->has_set_payload_len)
		set_payload_len(&l, p, r);
	if (pending) {
		pending->line = l; /* written by judge_verdicts_together() */
		return 0;
	}

	if (r->retain == RETAIN_EXPIRE) {
		/* Not retained, no verdict: it expires with the default
		 * verdict. Only its handle is kept, for judge_use_stale(). */
		bool kept = push(&a->stale, p, r, index);

		if (kept && r->has_late_by)
			a->stale.items[a->stale.count - 1].due = index + r->late_by;
		line_str(&l, "verdict", "expire");
		line_str(&l, "result", kept ? "ok" : "out_of_memory");
		line_emit(&l);
		free(l.buf);
		return 0;
	}
	if (r->retain == RETAIN_NO) {
		verdict_member(&l, r->verdict, r);
		line_str(&l, "result", result_name(give_verdict(p, r->verdict, r)));
		if (r->has_second)
			line_str(&l, "second_result",
				 result_name(give_verdict(p, r->second_verdict, r)));
		line_emit(&l);
		free(l.buf);
		return 0;
	}

	static const char *const retain_labels[] = {
		[RETAIN_HOLD] = "hold", [RETAIN_LATER] = "later",
		[RETAIN_BATCH] = "batch", [RETAIN_FREE] = "free",
		[RETAIN_AFTER_CLOSE] = "after_close",
	};
	rc = nfqueue_packet_retain(p);
	line_str(&l, "verdict", retain_labels[r->retain]);
	if (!rc && r->retain == RETAIN_FREE) {
		nfqueue_packet_free(p); /* no verdict yet: the free gives the default */
		line_str(&l, "result", "ok");
	} else if (!rc) {
		struct kept_list *list = r->retain == RETAIN_HOLD ? &a->held :
					 r->retain == RETAIN_LATER ? &a->later :
					 r->retain == RETAIN_AFTER_CLOSE ? &a->after_close : &a->batch;
		bool kept = push(list, p, r, index);

		line_str(&l, "result", kept ? "ok" : "out_of_memory");
		if (!kept)
			nfqueue_packet_free(p);
	} else {
		line_str(&l, "result", error_name(rc));
	}
	line_emit(&l);
	free(l.buf);

	if (a->later.count >= a->plan.group)
		start_later_group(a);
	if (a->batch.count >= a->plan.group)
		verdict_batch_group(a);
	return 0;
}

static void free_list(struct kept_list *list)
{
	size_t i;

	for (i = 0; i < list->count; i++)
		nfqueue_packet_free(list->items[i].packet);
	free(list->items);
	memset(list, 0, sizeof(*list));
}

void judge_free_kept(struct agent *a)
{
	free_list(&a->held);
	free_list(&a->later);
	free_list(&a->batch);
	free_list(&a->after_close);
	/* Never retained: the library owns them, only the list is ours. */
	free(a->stale.items);
	memset(&a->stale, 0, sizeof(a->stale));
	free(a->together.items); /* empty: each batch's call emptied it */
	memset(&a->together, 0, sizeof(a->together));
}
