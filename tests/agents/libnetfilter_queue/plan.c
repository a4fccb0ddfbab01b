/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * plan.c - the verdict plan (PROTOCOL.md, "The verdict plan"), as far as
 * plain libnetfilter_queue can follow it: selectors index and contains;
 * the verdicts accept, drop, repeat, stop and queue (with bypass); a
 * mark; replace (with or without the checksum fix); delay_ms. Anything
 * else is refused as a USAGE error rather than half done, as the
 * protocol asks, and is not declared in the "ready" event's capabilities.
 */
#include <linux/netfilter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnfq.h"

static bool hex_bytes(const struct json *v, uint8_t **out, size_t *len)
{
	size_t n, i;

	if (!v || v->type != JSON_STRING)
		return false;
	n = strlen(v->string);
	if (n == 0 || n % 2)
		return false;
	*out = malloc(n / 2);
	if (!*out)
		return false;
	for (i = 0; i < n / 2; i++) {
		int hi = json_hex_digit(v->string[2 * i]), lo = json_hex_digit(v->string[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		(*out)[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return true;
}

static bool verdict_of(const char *name, struct rule *r)
{
	static const struct { const char *name; int verdict; } verdicts[] = {
		{ "accept", NF_ACCEPT }, { "drop", NF_DROP }, { "repeat", NF_REPEAT },
		{ "stop", NF_STOP }, { "queue", NF_QUEUE },
	};
	size_t i;

	for (i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++) {
		if (!strcmp(name, verdicts[i].name)) {
			r->verdict = verdicts[i].verdict;
			r->verdict_name = verdicts[i].name;
			return true;
		}
	}
	return false;
}

static bool parse_rule(const struct json *o, struct rule *r, char *why, size_t why_len)
{
	size_t i;

	*r = (struct rule){ .index = -1, .verdict = NF_ACCEPT, .verdict_name = "accept",
			    .fix_checksums = true };
	if (o->type != JSON_OBJECT) {
		snprintf(why, why_len, "a rule must be an object");
		return false;
	}
	for (i = 0; i < o->count; i++) {
		const char *k = o->keys[i];
		const struct json *v = o->items[i];

		if (!strcmp(k, "index") && v->type == JSON_INT) {
			r->index = v->integer;
		} else if (!strcmp(k, "contains") && hex_bytes(v, &r->contains, &r->contains_len)) {
		} else if (!strcmp(k, "verdict") && v->type == JSON_STRING && verdict_of(v->string, r)) {
		} else if (!strcmp(k, "queue_num") && v->type == JSON_INT && v->integer >= 0 &&
			   v->integer <= 65535) {
			r->queue_num = (uint16_t)v->integer;
		} else if (!strcmp(k, "bypass") && v->type == JSON_BOOL) {
			r->bypass = v->boolean;
		} else if (!strcmp(k, "mark") && v->type == JSON_INT && v->integer >= 0 &&
			   v->integer <= 0xffffffffLL) {
			r->has_mark = true;
			r->mark = (uint32_t)v->integer;
		} else if (!strcmp(k, "replace") && v->type == JSON_OBJECT) {
			size_t from_len = 0, to_len = 0;

			if (v->count != 2 || !hex_bytes(json_get(v, "from"), &r->from, &from_len) ||
			    !hex_bytes(json_get(v, "to"), &r->to, &to_len) || from_len != to_len) {
				snprintf(why, why_len, "replace needs {\"from\": HEX, \"to\": HEX} of equal length");
				return false;
			}
			r->replace_len = from_len;
		} else if (!strcmp(k, "fix_checksums") && v->type == JSON_BOOL) {
			r->fix_checksums = v->boolean;
		} else if (!strcmp(k, "delay_ms") && v->type == JSON_INT && v->integer >= 0) {
			r->delay_ms = v->integer;
		} else {
			snprintf(why, why_len, "plan member \"%s\" (or its value) is not supported by "
				 "plain libnetfilter_queue's agent", k);
			return false;
		}
	}
	return true;
}

bool plan_parse(struct plan *plan, const char *text, char *why, size_t why_len)
{
	const char *error = NULL;
	struct json *root = json_parse(text, &error);
	const struct json *rules;
	size_t i;
	bool ok = false;

	if (!root) {
		snprintf(why, why_len, "--plan is not JSON: %s", error);
		return false;
	}
	if (root->type != JSON_OBJECT) {
		snprintf(why, why_len, "--plan must be an object");
		goto out;
	}
	for (i = 0; i < root->count; i++) {
		if (strcmp(root->keys[i], "rules")) {
			snprintf(why, why_len, "plan member \"%s\" is not supported by plain "
				 "libnetfilter_queue's agent", root->keys[i]);
			goto out;
		}
	}
	rules = json_get(root, "rules");
	if (rules && rules->type != JSON_ARRAY) {
		snprintf(why, why_len, "\"rules\" must be an array");
		goto out;
	}
	plan->count = rules ? rules->count : 0;
	plan->rules = calloc(plan->count ? plan->count : 1, sizeof(*plan->rules));
	if (!plan->rules) {
		snprintf(why, why_len, "out of memory");
		goto out;
	}
	for (i = 0; i < plan->count; i++)
		if (!parse_rule(rules->items[i], &plan->rules[i], why, why_len))
			goto out;
	ok = true;
out:
	json_free(root);
	return ok;
}

const struct rule *plan_match(const struct plan *plan, long long index,
			      const uint8_t *payload, size_t len)
{
	size_t i;

	for (i = 0; i < plan->count; i++) {
		const struct rule *r = &plan->rules[i];

		if (r->index >= 0 && r->index != index)
			continue;
		if (r->contains && (!payload || !memmem(payload, len, r->contains, r->contains_len)))
			continue;
		return r;
	}
	return NULL;
}
