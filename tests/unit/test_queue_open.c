/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_queue_open.c - nfqueue_queue_open() refuses what it can refuse
 * without asking the kernel.
 *
 * Each check runs in a child process whose open-file limit is 0, so any
 * socket or pipe the library tried to create would fail: a queue number
 * refused with NFQUEUE_E_INVAL there was refused before the kernel was
 * touched. (It also means a root test run can never bind a real queue,
 * e.g. 65536 wrapped to 0.)
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "harness.h"

/* Run `fn` in a child that cannot create file descriptors; its failed
 * checks come back as the exit status. */
static void in_sandbox(void (*fn)(void), const char *name)
{
	pid_t pid;
	int status = 0;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		harness_fail(__FILE__, __LINE__, "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		struct rlimit none = { 0, 0 };
		int fd;

		harness_case_failures = 0;
		if (setrlimit(RLIMIT_NOFILE, &none) < 0)
			_exit(100);
		fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER);
		if (fd >= 0 || errno != EMFILE) /* the sandbox itself must hold */
			_exit(101);
		fn();
		fflush(stdout);
		_exit(harness_case_failures > 99 ? 99 : harness_case_failures);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		harness_fail(__FILE__, __LINE__, "%s: child did not exit normally", name);
	else if (WEXITSTATUS(status) >= 100)
		harness_fail(__FILE__, __LINE__, "%s: could not set up the sandbox (%d)", name,
			     WEXITSTATUS(status));
	else if (WEXITSTATUS(status) != 0)
		harness_fail(__FILE__, __LINE__, "%s: %d checks failed in the child", name,
			     WEXITSTATUS(status));
}

static void open_out_of_range(void)
{
	static const uint32_t bad[] = { NFQUEUE_QUEUE_NUM_MAX + 1, 100000, UINT32_MAX };
	nfqueue_config *config = NULL;
	nfqueue_queue *q;
	size_t i;

	CHECK_RC(nfqueue_config_new(&config), NFQUEUE_OK);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		q = (nfqueue_queue *)&q; /* must be overwritten */
		CHECK_RC(nfqueue_queue_open(&q, bad[i], NULL), NFQUEUE_E_INVAL);
		CHECK(q == NULL);
		CHECK(strstr(nfqueue_last_error(), "queue number") != NULL);
		CHECK_RC(nfqueue_queue_open(&q, bad[i], config), NFQUEUE_E_INVAL);
	}
	nfqueue_config_free(config);
}

static void open_without_out(void)
{
	CHECK_RC(nfqueue_queue_open(NULL, 0, NULL), NFQUEUE_E_INVAL);
	CHECK(nfqueue_last_error()[0] != '\0');
}

/* The largest valid number passes validation and only then fails, on
 * the descriptor it cannot create: the bound is inclusive. */
static void open_largest_number_reaches_the_kernel_step(void)
{
	nfqueue_queue *q = NULL;
	int rc = nfqueue_queue_open(&q, NFQUEUE_QUEUE_NUM_MAX, NULL);

	CHECK(rc != NFQUEUE_OK && rc != NFQUEUE_E_INVAL);
	CHECK(q == NULL);
}

static void test_queue_number_above_65535_is_invalid(void)
{
	in_sandbox(open_out_of_range, "open_out_of_range");
}

static void test_null_out_is_invalid(void)
{
	in_sandbox(open_without_out, "open_without_out");
}

static void test_queue_number_65535_is_valid(void)
{
	in_sandbox(open_largest_number_reaches_the_kernel_step, "open_largest_number");
}

int main(void)
{
	RUN(test_queue_number_above_65535_is_invalid);
	RUN(test_null_out_is_invalid);
	RUN(test_queue_number_65535_is_valid);
	return harness_summary();
}
