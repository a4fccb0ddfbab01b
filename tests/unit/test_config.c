/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_config.c - every nfqueue_config setter with values it must take and
 * values it must refuse.
 *
 * A refused value must give NFQUEUE_E_INVAL, a detail message that names
 * what was wrong (not just "invalid argument"), and leave the config as it
 * was. Links the internal library so the stored values can be read back,
 * both directly and through the 1.1 getters.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strcasestr */
#endif
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "internal.h"

static nfqueue_config *fresh(void)
{
	nfqueue_config *c = NULL;

	CHECK_RC(nfqueue_config_new(&c), NFQUEUE_OK);
	CHECK(c != NULL);
	return c;
}

/* Field by field: a struct copy need not preserve padding bytes. */
static int config_equal(const struct nfqueue_config *a, const struct nfqueue_config *b)
{
	return a->copy_mode == b->copy_mode && a->copy_range == b->copy_range &&
	       a->max_len == b->max_len && a->flags == b->flags && a->rcvbuf == b->rcvbuf &&
	       a->no_enobufs == b->no_enobufs && a->default_verdict == b->default_verdict &&
	       a->fd == b->fd && a->netns == b->netns && a->batch_size == b->batch_size &&
	       a->coalesce == b->coalesce && a->interruptible == b->interruptible &&
	       a->nobufs_errors == b->nobufs_errors;
}

/*
 * `rc` must be NFQUEUE_E_INVAL with a detail message containing `word`,
 * and the config must equal `before`.
 */
static void expect_refused(int rc, const char *call, const char *word,
			   const nfqueue_config *config, const struct nfqueue_config *before)
{
	const char *msg = nfqueue_last_error();

	if (rc != NFQUEUE_E_INVAL)
		harness_fail(__FILE__, __LINE__, "%s returned %d (%s), expected NFQUEUE_E_INVAL",
			     call, rc, nfqueue_strerror(rc));
	if (!msg || !strcasestr(msg, word))
		harness_fail(__FILE__, __LINE__, "%s: last error \"%s\" does not mention \"%s\"",
			     call, msg ? msg : "(null)", word);
	if (config && before && !config_equal(config, before))
		harness_fail(__FILE__, __LINE__, "%s changed the config although it failed", call);
}

/* Call a setter on `c` expecting a refusal that mentions `word`. The
 * thread's message is cleared first, so the call must set its own. */
#define REFUSED(c, call, word) \
	do { \
		struct nfqueue_config before_ = *(c); \
		nfqueue_clear_error(); \
		expect_refused((call), #call, (word), (c), &before_); \
	} while (0)

static void test_defaults_are_documented_ones(void)
{
	nfqueue_config *c = fresh();

	CHECK_EQ(c->copy_mode, NFQUEUE_COPY_PACKET);
	CHECK_EQ(c->copy_range, NFQUEUE_PAYLOAD_MAX);
	CHECK_EQ(c->max_len, 4096);
	CHECK_EQ(c->flags, 0);
	CHECK_EQ(c->rcvbuf, 0);
	CHECK_EQ(c->no_enobufs, 0);
	CHECK_EQ(c->default_verdict, NFQUEUE_ACCEPT);
	CHECK_EQ(c->fd, -1);
	CHECK(c->netns == NULL);
	CHECK_EQ(c->batch_size, 64);
	CHECK_EQ(c->coalesce, 1);
	CHECK_EQ(c->interruptible, 0);
	CHECK_EQ(c->nobufs_errors, 1);
	nfqueue_config_free(c);

	/* The same defaults for a config that never went through _new(). */
	struct nfqueue_config plain;
	nfqueue__config_defaults(&plain);
	CHECK_EQ(plain.rcvbuf, 0); /* 0: sized automatically at open */
	CHECK_EQ(plain.coalesce, 1);
	CHECK_EQ(plain.interruptible, 0);
	CHECK_EQ(plain.nobufs_errors, 1);

	nfqueue_clear_error();
	expect_refused(nfqueue_config_new(NULL), "nfqueue_config_new(NULL)", "NULL", NULL, NULL);
	nfqueue_config_free(NULL); /* allowed, does nothing */
}

static void test_copy_mode(void)
{
	nfqueue_config *c = fresh();

	CHECK_RC(nfqueue_config_set_copy_mode(c, NFQUEUE_COPY_PACKET, 1), NFQUEUE_OK);
	CHECK_EQ(c->copy_range, 1);
	CHECK_RC(nfqueue_config_set_copy_mode(c, NFQUEUE_COPY_PACKET, 1500), NFQUEUE_OK);
	CHECK_EQ(c->copy_range, 1500);
	CHECK_RC(nfqueue_config_set_copy_mode(c, NFQUEUE_COPY_PACKET, NFQUEUE_PAYLOAD_MAX), NFQUEUE_OK);
	CHECK_EQ(c->copy_range, NFQUEUE_PAYLOAD_MAX);
	CHECK_RC(nfqueue_config_set_copy_mode(c, NFQUEUE_COPY_PACKET, 0), NFQUEUE_OK); /* 0 = maximum */
	CHECK_EQ(c->copy_range, NFQUEUE_PAYLOAD_MAX);
	CHECK_RC(nfqueue_config_set_copy_mode(c, NFQUEUE_COPY_META, 0), NFQUEUE_OK);
	CHECK_EQ(c->copy_mode, NFQUEUE_COPY_META);
	/* The range means nothing without payload, so any value is ignored. */
	CHECK_RC(nfqueue_config_set_copy_mode(c, NFQUEUE_COPY_META, UINT32_MAX), NFQUEUE_OK);
	CHECK_RC(nfqueue_config_set_copy_mode(c, NFQUEUE_COPY_NONE, 123), NFQUEUE_OK);
	CHECK_EQ(c->copy_mode, NFQUEUE_COPY_NONE);

	CHECK_RC(nfqueue_config_set_copy_mode(c, NFQUEUE_COPY_PACKET, 900), NFQUEUE_OK);
	REFUSED(c, nfqueue_config_set_copy_mode(c, -1, 100), "copy mode");
	REFUSED(c, nfqueue_config_set_copy_mode(c, 3, 100), "copy mode");
	REFUSED(c, nfqueue_config_set_copy_mode(c, 0x7fffffff, 100), "copy mode");
	CHECK_EQ(c->copy_mode, NFQUEUE_COPY_PACKET);
	CHECK_EQ(c->copy_range, 900);
	nfqueue_config_free(c);
}

/* 1.1: a range the kernel cannot copy is clamped to what it can, as the
 * header says, instead of refused. */
static void test_copy_range_is_clamped(void)
{
	static const uint32_t too_large[] = {
		NFQUEUE_PAYLOAD_MAX + 1, 65535, 65536, 1u << 20, UINT32_MAX,
	};
	nfqueue_config *c = fresh();
	uint32_t range = 0;
	int mode = -1;

	for (size_t i = 0; i < sizeof(too_large) / sizeof(too_large[0]); i++) {
		CHECK_RC(nfqueue_config_set_copy_mode(c, NFQUEUE_COPY_PACKET, 100), NFQUEUE_OK);
		CHECK_RC(nfqueue_config_set_copy_mode(c, NFQUEUE_COPY_PACKET, too_large[i]), NFQUEUE_OK);
		CHECK_EQ(c->copy_range, NFQUEUE_PAYLOAD_MAX);
		CHECK_RC(nfqueue_config_get_copy_mode(&mode, &range, c), NFQUEUE_OK);
		CHECK_EQ(mode, NFQUEUE_COPY_PACKET);
		CHECK_EQ(range, NFQUEUE_PAYLOAD_MAX); /* read back as stored: clamped */
	}
	/* The edge itself is kept as given, one below it too. */
	CHECK_RC(nfqueue_config_set_copy_mode(c, NFQUEUE_COPY_PACKET, NFQUEUE_PAYLOAD_MAX - 1), NFQUEUE_OK);
	CHECK_RC(nfqueue_config_get_copy_mode(&mode, &range, c), NFQUEUE_OK);
	CHECK_EQ(range, NFQUEUE_PAYLOAD_MAX - 1);
	nfqueue_config_free(c);
}

static void test_max_len(void)
{
	nfqueue_config *c = fresh();

	CHECK_RC(nfqueue_config_set_max_len(c, 1), NFQUEUE_OK);
	CHECK_EQ(c->max_len, 1);
	CHECK_RC(nfqueue_config_set_max_len(c, UINT32_MAX), NFQUEUE_OK);
	CHECK_EQ(c->max_len, UINT32_MAX);
	REFUSED(c, nfqueue_config_set_max_len(c, 0), "max");
	nfqueue_config_free(c);
}

static void test_flags(void)
{
	static const uint32_t known[] = {
		NFQUEUE_FLAG_FAIL_OPEN, NFQUEUE_FLAG_CONNTRACK, NFQUEUE_FLAG_GSO,
		NFQUEUE_FLAG_UID_GID, NFQUEUE_FLAG_SECCTX,
	};
	uint32_t all = 0;
	nfqueue_config *c = fresh();
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		CHECK_RC(nfqueue_config_set_flags(c, known[i]), NFQUEUE_OK);
		CHECK_EQ(c->flags, known[i]); /* replaces, does not accumulate */
		all |= known[i];
	}
	CHECK_RC(nfqueue_config_set_flags(c, all), NFQUEUE_OK);
	CHECK_EQ(c->flags, all);
	CHECK_RC(nfqueue_config_set_flags(c, 0), NFQUEUE_OK);
	CHECK_EQ(c->flags, 0);

	CHECK_RC(nfqueue_config_set_flags(c, NFQUEUE_FLAG_GSO), NFQUEUE_OK);
	REFUSED(c, nfqueue_config_set_flags(c, 1u << 5), "flag");
	REFUSED(c, nfqueue_config_set_flags(c, all | 1u << 31), "flag");
	REFUSED(c, nfqueue_config_set_flags(c, UINT32_MAX), "flag");
	CHECK_EQ(c->flags, NFQUEUE_FLAG_GSO);
	nfqueue_config_free(c);
}

static void test_rcvbuf(void)
{
	nfqueue_config *c = fresh();

	CHECK_RC(nfqueue_config_set_rcvbuf(c, 4u << 20), NFQUEUE_OK);
	CHECK_EQ(c->rcvbuf, 4u << 20);
	CHECK_RC(nfqueue_config_set_rcvbuf(c, NFQUEUE_RCVBUF_MAX), NFQUEUE_OK);
	CHECK_EQ(c->rcvbuf, NFQUEUE_RCVBUF_MAX);
	CHECK_RC(nfqueue_config_set_rcvbuf(c, 0), NFQUEUE_OK); /* sized automatically */
	CHECK_EQ(c->rcvbuf, 0);
	/* The kernel takes an int and doubles it: beyond INT_MAX / 2 it would
	 * overflow, so the library refuses rather than let it wrap. */
	REFUSED(c, nfqueue_config_set_rcvbuf(c, UINT32_MAX), "buffer");
	REFUSED(c, nfqueue_config_set_rcvbuf(c, NFQUEUE_RCVBUF_MAX + 1), "1073741824");
	nfqueue_config_free(c);
}

static void test_no_enobufs(void)
{
	nfqueue_config *c = fresh();

	CHECK_RC(nfqueue_config_set_no_enobufs(c, 1), NFQUEUE_OK);
	CHECK_EQ(c->no_enobufs, 1);
	CHECK_RC(nfqueue_config_set_no_enobufs(c, 0), NFQUEUE_OK);
	CHECK_EQ(c->no_enobufs, 0);
	REFUSED(c, nfqueue_config_set_no_enobufs(c, 2), "enobufs");
	REFUSED(c, nfqueue_config_set_no_enobufs(c, -1), "enobufs");
	nfqueue_config_free(c);
}

static void test_default_verdict(void)
{
	nfqueue_config *c = fresh();

	CHECK_RC(nfqueue_config_set_default_verdict(c, NFQUEUE_DROP), NFQUEUE_OK);
	CHECK_EQ(c->default_verdict, NFQUEUE_DROP);
	CHECK_RC(nfqueue_config_set_default_verdict(c, NFQUEUE_ACCEPT), NFQUEUE_OK);
	CHECK_EQ(c->default_verdict, NFQUEUE_ACCEPT);
	/* Only accept and drop settle a packet for good. */
	REFUSED(c, nfqueue_config_set_default_verdict(c, NFQUEUE_REPEAT), "verdict");
	REFUSED(c, nfqueue_config_set_default_verdict(c, NFQUEUE_STOP), "verdict");
	REFUSED(c, nfqueue_config_set_default_verdict(c, 2), "verdict");
	REFUSED(c, nfqueue_config_set_default_verdict(c, -1), "verdict");
	nfqueue_config_free(c);
}

static void test_fd_and_netns(void)
{
	char path[] = "/run/netns/unit-test";
	nfqueue_config *c = fresh();

	CHECK_RC(nfqueue_config_set_fd(c, 7), NFQUEUE_OK); /* checked at open, not here */
	CHECK_EQ(c->fd, 7);
	CHECK_RC(nfqueue_config_set_fd(c, -1), NFQUEUE_OK);
	CHECK_EQ(c->fd, -1);
	REFUSED(c, nfqueue_config_set_fd(c, -2), "-2");

	CHECK_RC(nfqueue_config_set_netns(c, path), NFQUEUE_OK);
	path[0] = 'X'; /* the string was copied */
	CHECK_STR(c->netns, "/run/netns/unit-test");
	REFUSED(c, nfqueue_config_set_netns(c, ""), "netns");
	/* An adopted socket already lives in a namespace: not both. */
	REFUSED(c, nfqueue_config_set_fd(c, 7), "netns");
	CHECK_RC(nfqueue_config_set_netns(c, NULL), NFQUEUE_OK);
	CHECK(c->netns == NULL);
	CHECK_RC(nfqueue_config_set_fd(c, 7), NFQUEUE_OK);
	REFUSED(c, nfqueue_config_set_netns(c, "/proc/1/ns/net"), "fd");
	nfqueue_config_free(c);
}

static void test_batch_size(void)
{
	nfqueue_config *c = fresh();

	CHECK_RC(nfqueue_config_set_batch_size(c, 1), NFQUEUE_OK);
	CHECK_EQ(c->batch_size, 1);
	CHECK_RC(nfqueue_config_set_batch_size(c, 4096), NFQUEUE_OK);
	CHECK_EQ(c->batch_size, 4096);
	REFUSED(c, nfqueue_config_set_batch_size(c, 0), "batch");
	REFUSED(c, nfqueue_config_set_batch_size(c, 4097), "batch");
	REFUSED(c, nfqueue_config_set_batch_size(c, UINT32_MAX), "batch");
	CHECK_EQ(c->batch_size, 4096);
	nfqueue_config_free(c);
}

/* A NULL config is an argument error like any other, never a crash. */
static void test_null_config(void)
{
#define NULL_REFUSED(call) \
	do { \
		nfqueue_clear_error(); \
		expect_refused((call), #call, "config", NULL, NULL); \
	} while (0)
	NULL_REFUSED(nfqueue_config_set_copy_mode(NULL, NFQUEUE_COPY_PACKET, 0));
	NULL_REFUSED(nfqueue_config_set_max_len(NULL, 10));
	NULL_REFUSED(nfqueue_config_set_flags(NULL, 0));
	NULL_REFUSED(nfqueue_config_set_rcvbuf(NULL, 0));
	NULL_REFUSED(nfqueue_config_set_no_enobufs(NULL, 0));
	NULL_REFUSED(nfqueue_config_set_default_verdict(NULL, NFQUEUE_ACCEPT));
	NULL_REFUSED(nfqueue_config_set_fd(NULL, -1));
	NULL_REFUSED(nfqueue_config_set_netns(NULL, NULL));
	NULL_REFUSED(nfqueue_config_set_batch_size(NULL, 64));
	NULL_REFUSED(nfqueue_config_set_coalesce(NULL, 1));
	NULL_REFUSED(nfqueue_config_set_interruptible(NULL, 0));
	NULL_REFUSED(nfqueue_config_set_nobufs_errors(NULL, 1));
#undef NULL_REFUSED
}

/* Different mistakes get different explanations, not one canned text. */
static void test_messages_differ_per_mistake(void)
{
	nfqueue_config *c = fresh();
	char first[512];

	(void)nfqueue_config_set_batch_size(c, 0);
	snprintf(first, sizeof(first), "%s", nfqueue_last_error());
	(void)nfqueue_config_set_max_len(c, 0);
	CHECK(strcmp(first, nfqueue_last_error()) != 0);
	CHECK(strcmp(nfqueue_last_error(), nfqueue_strerror(NFQUEUE_E_INVAL)) != 0);
	nfqueue_config_free(c);
}

/* ---- 1.1: the boolean setters ---- */

/* `set` takes 0 and 1, stores them in the field `get` reads back, and
 * refuses anything else with a message naming `name` and the value. */
static void check_bool_option(int (*set)(nfqueue_config *, int),
			      int (*get)(int *, const nfqueue_config *), const char *name,
			      int expected_default)
{
	nfqueue_config *c = fresh();
	int v = -7;

	CHECK_RC(get(&v, c), NFQUEUE_OK);
	if (v != expected_default)
		harness_fail(__FILE__, __LINE__, "%s defaults to %d, expected %d", name, v,
			     expected_default);
	for (int want = 0; want <= 1; want++) {
		CHECK_RC(set(c, want), NFQUEUE_OK);
		CHECK_RC(get(&v, c), NFQUEUE_OK);
		if (v != want)
			harness_fail(__FILE__, __LINE__, "%s set to %d reads back %d", name, want, v);
	}
	static const int bad[] = { 2, -1, 0x7fffffff };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char value[16];

		snprintf(value, sizeof(value), "%d", bad[i]);
		REFUSED(c, set(c, bad[i]), name);
		REFUSED(c, set(c, bad[i]), value);
	}
	CHECK_RC(get(&v, c), NFQUEUE_OK);
	CHECK_EQ(v, 1); /* the refusals left the last good value */
	nfqueue_config_free(c);
}

static void test_coalesce(void)
{
	check_bool_option(nfqueue_config_set_coalesce, nfqueue_config_get_coalesce,
			  "coalesce", 1);
}

static void test_interruptible(void)
{
	check_bool_option(nfqueue_config_set_interruptible, nfqueue_config_get_interruptible,
			  "interruptible", 0);
}

static void test_nobufs_errors(void)
{
	check_bool_option(nfqueue_config_set_nobufs_errors, nfqueue_config_get_nobufs_errors,
			  "nobufs_errors", 1);
}

/* ---- 1.1: every getter reads back what its setter stored ---- */

static void test_getters_read_defaults(void)
{
	nfqueue_config *c = fresh();
	uint32_t u = 7;
	int i = 7, mode = 7;
	const char *s = "x";

	CHECK_RC(nfqueue_config_get_copy_mode(&mode, &u, c), NFQUEUE_OK);
	CHECK_EQ(mode, NFQUEUE_COPY_PACKET);
	CHECK_EQ(u, NFQUEUE_PAYLOAD_MAX);
	CHECK_RC(nfqueue_config_get_max_len(&u, c), NFQUEUE_OK);
	CHECK_EQ(u, 4096);
	CHECK_RC(nfqueue_config_get_flags(&u, c), NFQUEUE_OK);
	CHECK_EQ(u, 0);
	CHECK_RC(nfqueue_config_get_rcvbuf(&u, c), NFQUEUE_OK);
	CHECK_EQ(u, 0);
	CHECK_RC(nfqueue_config_get_no_enobufs(&i, c), NFQUEUE_OK);
	CHECK_EQ(i, 0);
	CHECK_RC(nfqueue_config_get_default_verdict(&i, c), NFQUEUE_OK);
	CHECK_EQ(i, NFQUEUE_ACCEPT);
	CHECK_RC(nfqueue_config_get_fd(&i, c), NFQUEUE_OK);
	CHECK_EQ(i, -1);
	CHECK_RC(nfqueue_config_get_netns(&s, c), NFQUEUE_OK);
	CHECK(s == NULL);
	CHECK_RC(nfqueue_config_get_batch_size(&u, c), NFQUEUE_OK);
	CHECK_EQ(u, 64);
	CHECK_RC(nfqueue_config_get_coalesce(&i, c), NFQUEUE_OK);
	CHECK_EQ(i, 1);
	CHECK_RC(nfqueue_config_get_interruptible(&i, c), NFQUEUE_OK);
	CHECK_EQ(i, 0);
	CHECK_RC(nfqueue_config_get_nobufs_errors(&i, c), NFQUEUE_OK);
	CHECK_EQ(i, 1);
	nfqueue_config_free(c);
}

static void test_getters_read_what_was_set(void)
{
	nfqueue_config *c = fresh();
	uint32_t u = 0;
	int i = 0, mode = 0;
	const char *s = NULL;

	CHECK_RC(nfqueue_config_set_copy_mode(c, NFQUEUE_COPY_META, 0), NFQUEUE_OK);
	CHECK_RC(nfqueue_config_get_copy_mode(&mode, &u, c), NFQUEUE_OK);
	CHECK_EQ(mode, NFQUEUE_COPY_META);
	CHECK_RC(nfqueue_config_set_copy_mode(c, NFQUEUE_COPY_PACKET, 128), NFQUEUE_OK);
	CHECK_RC(nfqueue_config_get_copy_mode(&mode, &u, c), NFQUEUE_OK);
	CHECK_EQ(mode, NFQUEUE_COPY_PACKET);
	CHECK_EQ(u, 128);
	CHECK_RC(nfqueue_config_set_max_len(c, 50000), NFQUEUE_OK);
	CHECK_RC(nfqueue_config_get_max_len(&u, c), NFQUEUE_OK);
	CHECK_EQ(u, 50000);
	CHECK_RC(nfqueue_config_set_flags(c, NFQUEUE_FLAG_FAIL_OPEN | NFQUEUE_FLAG_GSO), NFQUEUE_OK);
	CHECK_RC(nfqueue_config_get_flags(&u, c), NFQUEUE_OK);
	CHECK_EQ(u, NFQUEUE_FLAG_FAIL_OPEN | NFQUEUE_FLAG_GSO);
	CHECK_RC(nfqueue_config_set_rcvbuf(c, 8u << 20), NFQUEUE_OK);
	CHECK_RC(nfqueue_config_get_rcvbuf(&u, c), NFQUEUE_OK);
	CHECK_EQ(u, 8u << 20);
	CHECK_RC(nfqueue_config_set_no_enobufs(c, 1), NFQUEUE_OK);
	CHECK_RC(nfqueue_config_get_no_enobufs(&i, c), NFQUEUE_OK);
	CHECK_EQ(i, 1);
	CHECK_RC(nfqueue_config_set_default_verdict(c, NFQUEUE_DROP), NFQUEUE_OK);
	CHECK_RC(nfqueue_config_get_default_verdict(&i, c), NFQUEUE_OK);
	CHECK_EQ(i, NFQUEUE_DROP);
	CHECK_RC(nfqueue_config_set_netns(c, "/run/netns/getter"), NFQUEUE_OK);
	CHECK_RC(nfqueue_config_get_netns(&s, c), NFQUEUE_OK);
	CHECK_STR(s, "/run/netns/getter");
	CHECK_RC(nfqueue_config_set_netns(c, NULL), NFQUEUE_OK);
	CHECK_RC(nfqueue_config_get_netns(&s, c), NFQUEUE_OK);
	CHECK(s == NULL);
	CHECK_RC(nfqueue_config_set_fd(c, 9), NFQUEUE_OK);
	CHECK_RC(nfqueue_config_get_fd(&i, c), NFQUEUE_OK);
	CHECK_EQ(i, 9);
	CHECK_RC(nfqueue_config_set_batch_size(c, 1000), NFQUEUE_OK);
	CHECK_RC(nfqueue_config_get_batch_size(&u, c), NFQUEUE_OK);
	CHECK_EQ(u, 1000);
	nfqueue_config_free(c);
}

/* A getter fails only for NULL pointers, each with a message saying which
 * pointer of which call; `out` is not written on failure. */
static void test_getters_refuse_null(void)
{
	nfqueue_config *c = fresh();
	uint32_t u = 0;
	int i = 0;
	const char *s = NULL;

/* The message names the pointer (`word`) and the getter itself. */
#define GETTER_REFUSED(call, word) \
	do { \
		char getter_[64]; \
		snprintf(getter_, sizeof(getter_), "%.*s", (int)strcspn(#call, "("), #call); \
		nfqueue_clear_error(); \
		expect_refused((call), #call, (word), NULL, NULL); \
		if (!strstr(nfqueue_last_error(), getter_)) \
			harness_fail(__FILE__, __LINE__, "%s: last error \"%s\" does not name %s", \
				     #call, nfqueue_last_error(), getter_); \
	} while (0)
	GETTER_REFUSED(nfqueue_config_get_copy_mode(NULL, &u, c), "out_mode");
	GETTER_REFUSED(nfqueue_config_get_copy_mode(&i, NULL, c), "out");
	GETTER_REFUSED(nfqueue_config_get_copy_mode(&i, &u, NULL), "config");
	GETTER_REFUSED(nfqueue_config_get_max_len(NULL, c), "out");
	GETTER_REFUSED(nfqueue_config_get_max_len(&u, NULL), "config");
	GETTER_REFUSED(nfqueue_config_get_flags(NULL, c), "out");
	GETTER_REFUSED(nfqueue_config_get_flags(&u, NULL), "config");
	GETTER_REFUSED(nfqueue_config_get_rcvbuf(NULL, c), "out");
	GETTER_REFUSED(nfqueue_config_get_rcvbuf(&u, NULL), "config");
	GETTER_REFUSED(nfqueue_config_get_no_enobufs(NULL, c), "out");
	GETTER_REFUSED(nfqueue_config_get_no_enobufs(&i, NULL), "config");
	GETTER_REFUSED(nfqueue_config_get_default_verdict(NULL, c), "out");
	GETTER_REFUSED(nfqueue_config_get_default_verdict(&i, NULL), "config");
	GETTER_REFUSED(nfqueue_config_get_fd(NULL, c), "out");
	GETTER_REFUSED(nfqueue_config_get_fd(&i, NULL), "config");
	GETTER_REFUSED(nfqueue_config_get_netns(NULL, c), "out");
	GETTER_REFUSED(nfqueue_config_get_netns(&s, NULL), "config");
	GETTER_REFUSED(nfqueue_config_get_batch_size(NULL, c), "out");
	GETTER_REFUSED(nfqueue_config_get_batch_size(&u, NULL), "config");
	GETTER_REFUSED(nfqueue_config_get_coalesce(NULL, c), "out");
	GETTER_REFUSED(nfqueue_config_get_coalesce(&i, NULL), "config");
	GETTER_REFUSED(nfqueue_config_get_interruptible(NULL, c), "out");
	GETTER_REFUSED(nfqueue_config_get_interruptible(&i, NULL), "config");
	GETTER_REFUSED(nfqueue_config_get_nobufs_errors(NULL, c), "out");
	GETTER_REFUSED(nfqueue_config_get_nobufs_errors(&i, NULL), "config");
#undef GETTER_REFUSED
	CHECK_EQ(u, 0);
	CHECK_EQ(i, 0);
	CHECK(s == NULL);
	nfqueue_config_free(c);
}

/* A getter that succeeds leaves the message of the last failure alone:
 * only failures write it, only nfqueue_clear_error() empties it. */
static void test_clear_error_empties_message(void)
{
	nfqueue_config *c = fresh();
	uint32_t u;

	(void)nfqueue_config_set_max_len(c, 0);
	CHECK(strstr(nfqueue_last_error(), "max") != NULL);
	CHECK_RC(nfqueue_config_get_max_len(&u, c), NFQUEUE_OK);
	CHECK(strstr(nfqueue_last_error(), "max") != NULL);
	nfqueue_clear_error();
	CHECK_STR(nfqueue_last_error(), "");
	CHECK_RC(nfqueue_config_set_max_len(c, 5), NFQUEUE_OK);
	CHECK_STR(nfqueue_last_error(), ""); /* success writes nothing */
	nfqueue_config_free(c);
}

int main(void)
{
	RUN(test_defaults_are_documented_ones);
	RUN(test_copy_mode);
	RUN(test_copy_range_is_clamped);
	RUN(test_max_len);
	RUN(test_flags);
	RUN(test_rcvbuf);
	RUN(test_no_enobufs);
	RUN(test_default_verdict);
	RUN(test_fd_and_netns);
	RUN(test_batch_size);
	RUN(test_null_config);
	RUN(test_messages_differ_per_mistake);
	RUN(test_coalesce);
	RUN(test_interruptible);
	RUN(test_nobufs_errors);
	RUN(test_getters_read_defaults);
	RUN(test_getters_read_what_was_set);
	RUN(test_getters_refuse_null);
	RUN(test_clear_error_empties_message);
	return harness_summary();
}
