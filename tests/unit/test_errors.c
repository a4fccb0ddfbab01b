/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_errors.c - nfqueue_strerror() and the thread-local
 * nfqueue_last_error().
 */
#include <limits.h>
#include <pthread.h>

#include "harness.h"

static const int all_codes[] = {
	NFQUEUE_OK, NFQUEUE_E_PERM, NFQUEUE_E_NOENT, NFQUEUE_E_INTR, NFQUEUE_E_IO, NFQUEUE_E_AGAIN,
	NFQUEUE_E_NOMEM, NFQUEUE_E_BUSY, NFQUEUE_E_INVAL, NFQUEUE_E_NOATTR, NFQUEUE_E_TOOBIG,
	NFQUEUE_E_NOTSUP, NFQUEUE_E_NOBUFS, NFQUEUE_E_CLOSED, NFQUEUE_E_VERDICT_GIVEN,
	NFQUEUE_E_EXPIRED, NFQUEUE_E_STOPPED, NFQUEUE_E_CALLBACK,
};
#define N_CODES (sizeof(all_codes) / sizeof(all_codes[0]))

/* Values no code has: positive, between codes, past both ends. */
static const int unknown_codes[] = { 1, 22, -3, -999, -1000, -1006, INT_MIN, INT_MAX };

static void test_every_code_has_its_own_text(void)
{
	const char *generic = nfqueue_strerror(unknown_codes[0]);
	size_t i, j;

	for (i = 0; i < N_CODES; i++) {
		const char *s = nfqueue_strerror(all_codes[i]);

		CHECK(s != NULL && s[0] != '\0');
		if (s && strcmp(s, generic) == 0)
			harness_fail(__FILE__, __LINE__, "code %d has the generic text \"%s\"",
				     all_codes[i], s);
		for (j = 0; j < i; j++)
			if (s && strcmp(s, nfqueue_strerror(all_codes[j])) == 0)
				harness_fail(__FILE__, __LINE__, "codes %d and %d share \"%s\"",
					     all_codes[i], all_codes[j], s);
	}
}

static void test_unknown_codes_get_one_generic_text(void)
{
	const char *generic = nfqueue_strerror(unknown_codes[0]);
	size_t i;

	CHECK(generic != NULL && generic[0] != '\0');
	for (i = 0; i < sizeof(unknown_codes) / sizeof(unknown_codes[0]); i++)
		CHECK_STR(nfqueue_strerror(unknown_codes[i]), generic);
}

/* ---- thread-local detail message ---- */

struct thread_view {
	pthread_barrier_t *barrier;
	char seen_before[512]; /* this thread's message before it failed */
	char seen_after[512];  /* after its own failure and the other's */
	const char *pointer;
	uint32_t bad_batch;    /* the failure this thread provokes */
};

static void *thread_main(void *arg)
{
	struct thread_view *v = arg;
	nfqueue_config *c = NULL;

	snprintf(v->seen_before, sizeof(v->seen_before), "%s", nfqueue_last_error());
	(void)nfqueue_config_new(&c);
	(void)nfqueue_config_set_batch_size(c, v->bad_batch);
	v->pointer = nfqueue_last_error();
	/* Both have failed; now each reads its own message. */
	pthread_barrier_wait(v->barrier);
	snprintf(v->seen_after, sizeof(v->seen_after), "%s", nfqueue_last_error());
	pthread_barrier_wait(v->barrier);
	nfqueue_config_free(c);
	return NULL;
}

static void test_last_error_is_never_null(void)
{
	CHECK(nfqueue_last_error() != NULL);
	(void)nfqueue_config_set_max_len(NULL, 1);
	CHECK(nfqueue_last_error() != NULL && nfqueue_last_error()[0] != '\0');
}

static void test_last_error_is_per_thread(void)
{
	pthread_barrier_t barrier;
	struct thread_view a = { &barrier, "", "", NULL, 5000 };
	struct thread_view b = { &barrier, "", "", NULL, 6000 };
	pthread_t ta, tb;

	/* A failure on this thread must not show up in the new ones. */
	(void)nfqueue_config_set_max_len(NULL, 1);
	pthread_barrier_init(&barrier, NULL, 2);
	pthread_create(&ta, NULL, thread_main, &a);
	pthread_create(&tb, NULL, thread_main, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_barrier_destroy(&barrier);

	CHECK_STR(a.seen_before, ""); /* "" when nothing failed yet */
	CHECK_STR(b.seen_before, "");
	CHECK(strstr(a.seen_after, "5000") != NULL);
	CHECK(strstr(b.seen_after, "6000") != NULL);
	CHECK(a.pointer != b.pointer);
	/* And this thread still has its own. */
	CHECK(strstr(nfqueue_last_error(), "5000") == NULL);
	CHECK(strstr(nfqueue_last_error(), "6000") == NULL);
	CHECK(nfqueue_last_error()[0] != '\0');
}

/* 1.1: clearing empties the message, and the next failure sets its own. */
static void test_clear_error(void)
{
	CHECK_RC(nfqueue_config_set_max_len(NULL, 1), NFQUEUE_E_INVAL);
	CHECK(nfqueue_last_error()[0] != '\0');
	nfqueue_clear_error();
	CHECK_STR(nfqueue_last_error(), "");
	nfqueue_clear_error(); /* idempotent */
	CHECK_STR(nfqueue_last_error(), "");
	CHECK_RC(nfqueue_config_set_batch_size(NULL, 1), NFQUEUE_E_INVAL);
	CHECK(strstr(nfqueue_last_error(), "config") != NULL);
}

/* A clear on one thread leaves the others' messages alone. */
static void *clear_on_other_thread(void *arg)
{
	(void)arg;
	nfqueue_clear_error();
	return NULL;
}

static void test_clear_error_is_per_thread(void)
{
	pthread_t t;

	(void)nfqueue_config_set_max_len(NULL, 1);
	pthread_create(&t, NULL, clear_on_other_thread, NULL);
	pthread_join(t, NULL);
	CHECK(nfqueue_last_error()[0] != '\0');
}

int main(void)
{
	RUN(test_every_code_has_its_own_text);
	RUN(test_unknown_codes_get_one_generic_text);
	RUN(test_last_error_is_never_null);
	RUN(test_last_error_is_per_thread);
	RUN(test_clear_error);
	RUN(test_clear_error_is_per_thread);
	return harness_summary();
}
