/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * plan.c - reading the --plan JSON into rules, and choosing a rule per packet.
 */
#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static const char *const verdict_names[] = {
	[PLAN_ACCEPT] = "accept", [PLAN_DROP] = "drop", [PLAN_REPEAT] = "repeat",
	[PLAN_STOP] = "stop", [PLAN_QUEUE] = "queue", [PLAN_NONE] = "none",
};

static const char *const retain_names[] = {
	[RETAIN_NO] = "no", [RETAIN_HOLD] = "hold", [RETAIN_LATER] = "later",
	[RETAIN_BATCH] = "batch", [RETAIN_FREE] = "free",
	[RETAIN_AFTER_CLOSE] = "after_close", [RETAIN_EXPIRE] = "expire",
};

const char *plan_verdict_name(enum plan_verdict verdict)
{
	return verdict_names[verdict];
}

static int lookup(const char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return (int)i;
	return -1;
}

/* Decode a hex string into a new buffer; NULL if it is not hex. */
static uint8_t *unhex(const char *hex, size_t *out_len)
{
	size_t n = strlen(hex), i;
	uint8_t *bytes;

	if (n % 2)
		return NULL;
	bytes = malloc(n / 2 + 1);
	if (!bytes)
		return NULL;
	for (i = 0; i < n / 2; i++) {
		int hi = json_hex_digit(hex[2 * i]), lo = json_hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(bytes);
			return NULL;
		}
		bytes[i] = (uint8_t)(hi << 4 | lo);
	}
	*out_len = n / 2;
	return bytes;
}

#define FAIL(...) do { snprintf(error, size, __VA_ARGS__); return -1; } while (0)

static int parse_verdict(enum plan_verdict *out, const struct json *v, const char *what,
			 char *error, size_t size)
{
	int i;

	if (v->type != JSON_STRING)
		FAIL("%s must be a string", what);
	i = lookup(verdict_names, sizeof(verdict_names) / sizeof(*verdict_names), v->string);
	if (i < 0)
		FAIL("%s \"%s\" is not accept, drop, repeat, stop, queue or none", what, v->string);
	*out = (enum plan_verdict)i;
	return 0;
}

static int parse_u32(uint32_t *out, const struct json *v, const char *what, char *error,
		     size_t size)
{
	if (v->type != JSON_INT || v->integer < 0 || v->integer > 0xffffffffLL)
		FAIL("%s must be an integer in 0..4294967295", what);
	*out = (uint32_t)v->integer;
	return 0;
}

static int parse_hex(uint8_t **out, size_t *out_len, const struct json *v, const char *what,
		     char *error, size_t size)
{
	if (v->type != JSON_STRING || !(*out = unhex(v->string, out_len)) || !*out_len)
		FAIL("%s must be a non-empty string of hex digits", what);
	return 0;
}

static int parse_rule(struct rule *r, const struct json *o, char *error, size_t size)
{
	const struct json *v;
	size_t i;

	if (o->type != JSON_OBJECT)
		FAIL("each rule must be an object");
	/* Unknown members are refused: a misspelt action must not pass silently. */
	for (i = 0; i < o->count; i++) {
		static const char *const known[] = {
			"index", "contains", "verdict", "queue_num", "bypass", "mark",
			"replace", "fix_checksums", "second_verdict", "retain", "delay_ms",
			"set_payload_len", "release", "late_by",
		};
		size_t k;

		for (k = 0; k < sizeof(known) / sizeof(*known); k++)
			if (!strcmp(o->keys[i], known[k]))
				break;
		if (k == sizeof(known) / sizeof(*known))
			FAIL("unknown rule member \"%s\"", o->keys[i]);
	}

	r->verdict = PLAN_ACCEPT;
	r->fix_checksums = true;
	if ((v = json_get(o, "index"))) {
		if (v->type != JSON_INT || v->integer < 0)
			FAIL("index must be a non-negative integer");
		r->has_index = true;
		r->index = v->integer;
	}
	if ((v = json_get(o, "contains")) &&
	    parse_hex(&r->contains, &r->contains_len, v, "contains", error, size))
		return -1;
	if ((v = json_get(o, "verdict")) && parse_verdict(&r->verdict, v, "verdict", error, size))
		return -1;
	if ((v = json_get(o, "queue_num")) && parse_u32(&r->queue_num, v, "queue_num", error, size))
		return -1;
	if ((v = json_get(o, "bypass"))) {
		if (v->type != JSON_BOOL)
			FAIL("bypass must be true or false");
		r->bypass = v->boolean;
	}
	if ((v = json_get(o, "mark"))) {
		if (parse_u32(&r->mark, v, "mark", error, size))
			return -1;
		r->has_mark = true;
	}
	if ((v = json_get(o, "replace"))) {
		const struct json *from = json_get(v, "from"), *to = json_get(v, "to");
		size_t to_len = 0;

		if (!from || !to)
			FAIL("replace needs \"from\" and \"to\"");
		if (parse_hex(&r->replace_from, &r->replace_len, from, "replace.from", error, size) ||
		    parse_hex(&r->replace_to, &to_len, to, "replace.to", error, size))
			return -1;
		if (to_len != r->replace_len)
			FAIL("replace.from and replace.to must have the same length");
	}
	if ((v = json_get(o, "fix_checksums"))) {
		if (v->type != JSON_BOOL)
			FAIL("fix_checksums must be true or false");
		r->fix_checksums = v->boolean;
	}
	if ((v = json_get(o, "second_verdict"))) {
		if (parse_verdict(&r->second_verdict, v, "second_verdict", error, size))
			return -1;
		r->has_second = true;
	}
	if ((v = json_get(o, "retain"))) {
		int k = v->type == JSON_STRING ?
			lookup(retain_names, sizeof(retain_names) / sizeof(*retain_names), v->string) : -1;

		if (k < 0)
			FAIL("retain must be \"no\", \"hold\", \"later\", \"batch\", \"free\", "
			     "\"after_close\" or \"expire\"");
		r->retain = (enum plan_retain)k;
	}
	if ((v = json_get(o, "delay_ms")) && parse_u32(&r->delay_ms, v, "delay_ms", error, size))
		return -1;
	if ((v = json_get(o, "set_payload_len"))) {
		if (parse_u32(&r->set_payload_len, v, "set_payload_len", error, size))
			return -1;
		r->has_set_payload_len = true;
	}
	if ((v = json_get(o, "release"))) {
		if (v->type != JSON_BOOL)
			FAIL("release must be true or false");
		r->release = v->boolean;
	}
	if ((v = json_get(o, "late_by"))) {
		if (parse_u32(&r->late_by, v, "late_by", error, size))
			return -1;
		if (r->late_by < 1)
			FAIL("late_by must be at least 1");
		r->has_late_by = true;
	}
	/* The released packet's fate is the default verdict: nothing else
	 * may be asked of it, or the case would not say what it tests. */
	if (r->release && (r->verdict != PLAN_NONE || r->retain != RETAIN_NO || r->has_mark ||
			   r->replace_from || r->has_second || r->has_set_payload_len))
		FAIL("release needs \"verdict\": \"none\" and takes no retain, mark, replace, "
		     "second_verdict or set_payload_len");
	if (r->has_late_by && r->retain != RETAIN_EXPIRE)
		FAIL("late_by needs \"retain\": \"expire\"");
	/* Both try their verdict late, to see it refused: there must be one. */
	if ((r->retain == RETAIN_AFTER_CLOSE || r->retain == RETAIN_EXPIRE) && r->verdict == PLAN_NONE)
		FAIL("retain \"%s\" needs a verdict to try late", retain_names[r->retain]);
	if (r->retain == RETAIN_BATCH && (r->verdict == PLAN_QUEUE || r->verdict == PLAN_NONE))
		FAIL("a batch verdict must be accept, drop, repeat or stop");
	return 0;
}

int plan_parse(struct plan *plan, const char *text, char *error, size_t size)
{
	const char *why = NULL;
	struct json *root = json_parse(text, &why);
	const struct json *rules, *group, *verdicts;
	size_t i;
	int rc = -1;

	memset(plan, 0, sizeof(*plan));
	plan->group = 1;
	if (!root) {
		snprintf(error, size, "--plan is not valid JSON: %s", why ? why : "?");
		return -1;
	}
	if (root->type != JSON_OBJECT) {
		snprintf(error, size, "--plan must be a JSON object");
		goto out;
	}
	for (i = 0; i < root->count; i++) {
		if (strcmp(root->keys[i], "group") && strcmp(root->keys[i], "rules") &&
		    strcmp(root->keys[i], "verdicts")) {
			snprintf(error, size, "unknown plan member \"%s\": use group, rules, verdicts",
				 root->keys[i]);
			goto out;
		}
	}
	if ((verdicts = json_get(root, "verdicts"))) {
		if (verdicts->type != JSON_STRING ||
		    (strcmp(verdicts->string, "each") && strcmp(verdicts->string, "together"))) {
			snprintf(error, size, "verdicts must be \"each\" or \"together\"");
			goto out;
		}
		plan->together = !strcmp(verdicts->string, "together");
	}
	if ((group = json_get(root, "group"))) {
		if (group->type != JSON_INT || group->integer < 1 || group->integer > 4096) {
			snprintf(error, size, "group must be an integer in 1..4096");
			goto out;
		}
		plan->group = (size_t)group->integer;
	}
	rules = json_get(root, "rules");
	if (rules && rules->type != JSON_ARRAY) {
		snprintf(error, size, "rules must be an array");
		goto out;
	}
	if (rules && rules->count) {
		plan->rules = calloc(rules->count, sizeof(*plan->rules));
		if (!plan->rules) {
			snprintf(error, size, "out of memory");
			goto out;
		}
		plan->count = rules->count;
		for (i = 0; i < rules->count; i++)
			if (parse_rule(&plan->rules[i], rules->items[i], error, size))
				goto out;
	}
	rc = 0;
out:
	json_free(root);
	if (rc)
		plan_free(plan);
	return rc;
}

void plan_free(struct plan *plan)
{
	size_t i;

	for (i = 0; i < plan->count; i++) {
		free(plan->rules[i].contains);
		free(plan->rules[i].replace_from);
		free(plan->rules[i].replace_to);
	}
	free(plan->rules);
	memset(plan, 0, sizeof(*plan));
}

static bool contains(const uint8_t *hay, size_t hay_len, const uint8_t *needle, size_t len)
{
	size_t i;

	if (!hay || len > hay_len)
		return false;
	for (i = 0; i + len <= hay_len; i++)
		if (!memcmp(hay + i, needle, len))
			return true;
	return false;
}

const struct rule *plan_match(const struct plan *plan, long long index,
			      const uint8_t *payload, size_t len)
{
	static const struct rule accept_all = { .verdict = PLAN_ACCEPT, .fix_checksums = true };
	size_t i;

	for (i = 0; i < plan->count; i++) {
		const struct rule *r = &plan->rules[i];

		if (r->has_index && r->index != index)
			continue;
		if (r->contains && !contains(payload, len, r->contains, r->contains_len))
			continue;
		return r;
	}
	return &accept_all;
}
