/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * harness.h - the smallest test harness that does the job.
 *
 * A test file is a list of `static void test_x(void)` cases run by RUN();
 * CHECK macros record a failure (with file, line and the library's own
 * explanation) and go on, so one run shows every broken expectation.
 * harness_summary() prints "N passed, N failed" and gives the exit status
 * meson reads: 0 when every case passed.
 */
#ifndef NFQUEUE_TEST_HARNESS_H
#define NFQUEUE_TEST_HARNESS_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nfqueue.h"

static int harness_case_failures;
static int harness_passed, harness_failed;

static inline void harness_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("  %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	harness_case_failures++;
}

#define CHECK(cond) \
	do { \
		if (!(cond)) \
			harness_fail(__FILE__, __LINE__, "CHECK(%s) failed", #cond); \
	} while (0)

/* Integers of any width, shown in decimal and hex. */
#define CHECK_EQ(actual, expected) \
	do { \
		long long a_ = (long long)(actual), e_ = (long long)(expected); \
		if (a_ != e_) \
			harness_fail(__FILE__, __LINE__, "%s is %lld (0x%llx), expected %s = %lld (0x%llx)", \
				     #actual, a_, (unsigned long long)a_, #expected, e_, \
				     (unsigned long long)e_); \
	} while (0)

/* A libnfqueue status; on a mismatch the thread's detail message is shown. */
#define CHECK_RC(call, expected) \
	do { \
		int r_ = (call), x_ = (expected); \
		if (r_ != x_) \
			harness_fail(__FILE__, __LINE__, "%s returned %d (%s), expected %d (%s); last error: \"%s\"", \
				     #call, r_, nfqueue_strerror(r_), x_, nfqueue_strerror(x_), \
				     nfqueue_last_error()); \
	} while (0)

#define CHECK_STR(actual, expected) \
	do { \
		const char *a_ = (actual), *e_ = (expected); \
		if (!a_ || strcmp(a_, e_) != 0) \
			harness_fail(__FILE__, __LINE__, "%s is \"%s\", expected \"%s\"", #actual, \
				     a_ ? a_ : "(null)", e_); \
	} while (0)

/* Byte ranges; the first difference is shown. */
#define CHECK_MEM(actual, expected, len) \
	do { \
		const unsigned char *a_ = (const unsigned char *)(actual); \
		const unsigned char *e_ = (const unsigned char *)(expected); \
		size_t n_ = (len), i_; \
		for (i_ = 0; i_ < n_ && a_[i_] == e_[i_]; i_++) \
			; \
		if (i_ < n_) \
			harness_fail(__FILE__, __LINE__, "%s differs from %s at byte %zu: 0x%02x, expected 0x%02x", \
				     #actual, #expected, i_, a_[i_], e_[i_]); \
	} while (0)

static inline void harness_run(const char *name, void (*fn)(void))
{
	harness_case_failures = 0;
	fn();
	if (harness_case_failures) {
		harness_failed++;
		printf("FAIL %s (%d failed checks)\n", name, harness_case_failures);
	} else {
		harness_passed++;
		printf("ok   %s\n", name);
	}
	fflush(stdout);
}

#define RUN(fn) harness_run(#fn, fn)

static inline int harness_summary(void)
{
	printf("%d passed, %d failed\n", harness_passed, harness_failed);
	return harness_failed ? 1 : 0;
}

#endif
