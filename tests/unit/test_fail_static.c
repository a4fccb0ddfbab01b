/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_fail_static.c - the two ways the library records a failure
 * (nfqueue__fail() formats into a buffer, nfqueue__fail_static() keeps a
 * literal) share one "last error": the newer wins, clearing empties both.
 */
#include <pthread.h>

#include "harness.h"
#include "internal.h"

static void test_static_message_is_the_last_error(void)
{
	static const char msg[] = "the kernel sent no mark for this packet";

	nfqueue_clear_error();
	CHECK_RC(nfqueue__fail_static(NFQUEUE_E_NOATTR, msg), NFQUEUE_E_NOATTR);
	CHECK(nfqueue_last_error() == msg); /* not copied */
	CHECK_STR(nfqueue_last_error(), msg);
}

static void test_newest_failure_wins(void)
{
	CHECK_RC(nfqueue__fail_static(NFQUEUE_E_NOATTR, "static one"), NFQUEUE_E_NOATTR);
	CHECK_RC(nfqueue__fail(NFQUEUE_E_INVAL, "formatted %d", 2), NFQUEUE_E_INVAL);
	CHECK_STR(nfqueue_last_error(), "formatted 2");
	CHECK_RC(nfqueue__fail_static(NFQUEUE_E_NOATTR, "static three"), NFQUEUE_E_NOATTR);
	CHECK_STR(nfqueue_last_error(), "static three");
	/* Through the public path too: a config error after a static one. */
	CHECK_RC(nfqueue_config_set_max_len(NULL, 1), NFQUEUE_E_INVAL);
	CHECK(strstr(nfqueue_last_error(), "config") != NULL);
}

static void test_clear_forgets_both(void)
{
	(void)nfqueue__fail(NFQUEUE_E_INVAL, "formatted");
	(void)nfqueue__fail_static(NFQUEUE_E_NOATTR, "static");
	nfqueue_clear_error();
	CHECK_STR(nfqueue_last_error(), "");
	(void)nfqueue__fail_static(NFQUEUE_E_NOATTR, "static");
	nfqueue__clear_error();
	CHECK_STR(nfqueue_last_error(), "");
	/* The formatted buffer does not come back once a static message is
	 * cleared. */
	(void)nfqueue__fail(NFQUEUE_E_INVAL, "old formatted");
	(void)nfqueue__fail_static(NFQUEUE_E_NOATTR, "static");
	nfqueue_clear_error();
	CHECK_STR(nfqueue_last_error(), "");
}

static void *other_thread(void *arg)
{
	const char **seen = arg;

	*seen = nfqueue_last_error();
	return NULL;
}

static void test_static_message_is_per_thread(void)
{
	const char *seen = NULL;
	pthread_t t;

	(void)nfqueue__fail_static(NFQUEUE_E_NOATTR, "only on the main thread");
	pthread_create(&t, NULL, other_thread, &seen);
	pthread_join(t, NULL);
	CHECK_STR(seen, "");
	CHECK_STR(nfqueue_last_error(), "only on the main thread");
}

int main(void)
{
	RUN(test_static_message_is_the_last_error);
	RUN(test_newest_failure_wins);
	RUN(test_clear_forgets_both);
	RUN(test_static_message_is_per_thread);
	return harness_summary();
}
