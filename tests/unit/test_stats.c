/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_stats.c - nfqueue__parse_proc_stats() on the text of
 * /proc/net/netfilter/nfnetlink_queue, written here the way the kernel's
 * seq_show() prints it ("%5u %6u %5u %1u %5u %5u %5u %8u %2d\n"), and on
 * text it must refuse. The public nfqueue_queue_stats() is exercised
 * against the real kernel by tests/stress and the tool's test.
 */
#include <stdint.h>
#include <stdio.h>

#include "harness.h"
#include "internal.h"

/* One line exactly as the kernel formats it. */
static int kernel_line(char *out, size_t size, uint32_t queue, uint32_t portid, uint32_t total,
		       uint32_t mode, uint32_t range, uint32_t dropped, uint32_t user_dropped,
		       uint32_t id_sequence)
{
	return snprintf(out, size, "%5u %6u %5u %1u %5u %5u %5u %8u %2d\n", queue, portid, total,
			mode, range, dropped, user_dropped, id_sequence, 1);
}

static nfqueue_stats blank(void)
{
	nfqueue_stats s;

	memset(&s, 0xa5, sizeof(s)); /* so an unwritten field shows */
	s.size = sizeof(s);
	return s;
}

static int parse(nfqueue_stats *s, const char *text, uint32_t queue)
{
	return nfqueue__parse_proc_stats(s, text, strlen(text), queue);
}

static void test_one_queue(void)
{
	char text[128];
	nfqueue_stats s = blank();

	kernel_line(text, sizeof(text), 1, 3210, 17, 2, 65531, 4, 5027, 123456);
	CHECK_RC(parse(&s, text, 1), NFQUEUE_OK);
	CHECK_EQ(s.portid, 3210);
	CHECK_EQ(s.waiting, 17);
	CHECK_EQ(s.queue_dropped, 4);
	CHECK_EQ(s.user_dropped, 5027);
	CHECK_EQ(s.id_sequence, 123456);
	/* Only the kernel's fields are the parser's to fill. */
	CHECK_EQ(s.size, sizeof(s));
	CHECK_EQ(s.enobufs, 0xa5a5a5a5a5a5a5a5ull);
}

/* Several queues: the right line, wherever it is; a queue number that
 * appears inside another line's columns is not mistaken for it. */
static void test_finds_its_line_among_others(void)
{
	char text[512];
	size_t n = 0;
	nfqueue_stats s = blank();

	n += kernel_line(text + n, sizeof(text) - n, 7, 1, 7, 2, 7, 7, 7, 7);
	n += kernel_line(text + n, sizeof(text) - n, 65535, 4294967295u, 0, 1, 0, 0, 0, 0);
	n += kernel_line(text + n, sizeof(text) - n, 0, 42, 1, 2, 1500, 2, 3, 4294967295u);
	n += kernel_line(text + n, sizeof(text) - n, 70, 99, 0, 0, 0, 0, 0, 1);

	CHECK_RC(parse(&s, text, 0), NFQUEUE_OK);
	CHECK_EQ(s.portid, 42);
	CHECK_EQ(s.waiting, 1);
	CHECK_EQ(s.queue_dropped, 2);
	CHECK_EQ(s.user_dropped, 3);
	CHECK_EQ(s.id_sequence, 4294967295u);

	s = blank();
	CHECK_RC(parse(&s, text, 65535), NFQUEUE_OK);
	CHECK_EQ(s.portid, 4294967295u); /* the widest value fits */

	s = blank();
	CHECK_RC(parse(&s, text, 70), NFQUEUE_OK); /* the last line */
	CHECK_EQ(s.portid, 99);
	CHECK_EQ(s.id_sequence, 1);
}

static void test_absent_queue(void)
{
	char text[128];
	nfqueue_stats s = blank();

	kernel_line(text, sizeof(text), 3, 1, 0, 2, 100, 0, 0, 0);
	nfqueue_clear_error();
	CHECK_RC(parse(&s, text, 4), NFQUEUE_E_NOENT);
	CHECK(strstr(nfqueue_last_error(), "queue 4") != NULL);
	CHECK_EQ(s.portid, 0xa5a5a5a5u); /* untouched */

	nfqueue_clear_error();
	CHECK_RC(nfqueue__parse_proc_stats(&s, "", 0, 0), NFQUEUE_E_NOENT); /* no queue bound */
	CHECK(nfqueue_last_error()[0] != '\0');
}

/* The last line may come without its newline (read() cut it off there),
 * and `len` is the end of the text, not a NUL. */
static void test_bounds(void)
{
	char text[128];
	nfqueue_stats s = blank();
	int n = kernel_line(text, sizeof(text), 9, 77, 1, 2, 100, 0, 0, 5);

	CHECK_RC(nfqueue__parse_proc_stats(&s, text, (size_t)n - 1, 9), NFQUEUE_OK);
	CHECK_EQ(s.id_sequence, 5);

	/* "... 5  1\n" cut before the final "1": now a field is missing. */
	s = blank();
	nfqueue_clear_error();
	CHECK_RC(nfqueue__parse_proc_stats(&s, text, (size_t)n - 2, 9), NFQUEUE_E_IO);
	CHECK(strstr(nfqueue_last_error(), "nine numbers") != NULL);

	/* A digit past `len` must not be read. */
	char cut[] = "    9     77     1 2   100     0     0        5  1";
	s = blank();
	CHECK_RC(nfqueue__parse_proc_stats(&s, cut, strlen(cut) - 8, 9), NFQUEUE_E_IO);
}

/* Fields a future kernel appends after the nine are ignored. */
static void test_appended_fields(void)
{
	nfqueue_stats s = blank();

	CHECK_RC(parse(&s, "    2    100     0 2 65531     0     0        8  1 42 7\n", 2),
		 NFQUEUE_OK);
	CHECK_EQ(s.portid, 100);
	CHECK_EQ(s.id_sequence, 8);
}

/* Text not in the kernel's format is an error, not a guess. Every line
 * must parse, even one that is not the queue's. */
static void test_malformed(void)
{
	static const char *const bad[] = {
		"    1    100     0 2 65531     0     0        8\n",           /* eight fields */
		"    1    100     0 2 65531     0     0\n",                    /* seven */
		"    1    100     0 2 65531     0   abc        8  1\n",        /* a word */
		"    1    100     0 2 65531     0     0       8x  1\n",        /* glued text */
		"    1    100     0 2 65531    -3     0        8  1\n",        /* a sign */
		"    1    100     0 2 65531     0 4294967296   8  1\n",        /* above 32 bits */
		"    1    100     0 2 65531     0 99999999999999999999999 8 1\n", /* far above */
		"\n",                                                            /* blank line */
		"garbage\n",
		"    1    100     0 2 65531     0     0        8  1\n"
		"queue table v2\n", /* our line is fine, the next is not */
		"    5      1     0 2     1     0     0        0  1\n"
		"    1    100     0 2 65531     0     0        8\n",   /* ours is the broken one */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		nfqueue_stats s = blank();
		int rc;

		nfqueue_clear_error();
		rc = parse(&s, bad[i], 1);
		if (rc != NFQUEUE_E_IO)
			harness_fail(__FILE__, __LINE__, "case %zu (\"%s\") gave %d (%s), expected "
				     "NFQUEUE_E_IO", i, bad[i], rc, nfqueue_strerror(rc));
		if (!strstr(nfqueue_last_error(), "nfnetlink_queue"))
			harness_fail(__FILE__, __LINE__, "case %zu: message \"%s\" does not name the file",
				     i, nfqueue_last_error());
	}
}

/* A huge malformed line is quoted only in part. */
static void test_message_quotes_a_bounded_excerpt(void)
{
	char text[2000];
	nfqueue_stats s = blank();

	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	CHECK_RC(parse(&s, text, 1), NFQUEUE_E_IO);
	CHECK(strlen(nfqueue_last_error()) < 300);
}

int main(void)
{
	RUN(test_one_queue);
	RUN(test_finds_its_line_among_others);
	RUN(test_absent_queue);
	RUN(test_bounds);
	RUN(test_appended_fields);
	RUN(test_malformed);
	RUN(test_message_quotes_a_bounded_excerpt);
	return harness_summary();
}
