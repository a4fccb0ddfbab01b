/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * errors.c - status code descriptions, the thread-local detail message,
 * and the version queries.
 */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

/* One message per thread, so threads driving different queues (or giving
 * verdicts on retained packets) never read each other's failures. */
static _Thread_local char last_error[512];
/* A fixed message recorded by nfqueue__fail_static(): when set, it is the
 * last error, and the buffer above is stale. Keeping a pointer instead of
 * copying lets hot paths (an absent attribute on every packet) record
 * their failure with one store. */
static _Thread_local const char *last_static;

int nfqueue__fail(int code, const char *fmt, ...)
{
	va_list ap;

	last_static = NULL;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return code;
}

int nfqueue__fail_static(int code, const char *msg)
{
	last_static = msg;
	return code;
}

void nfqueue__clear_error(void)
{
	last_static = NULL;
	last_error[0] = '\0';
}

NFQUEUE_API void nfqueue_clear_error(void)
{
	nfqueue__clear_error();
}

NFQUEUE_API const char *nfqueue_last_error(void)
{
	const char *msg = last_static;

	return msg ? msg : last_error;
}

NFQUEUE_API const char *nfqueue_strerror(int code)
{
	switch (code) {
	case NFQUEUE_OK: return "success";
	case NFQUEUE_E_PERM: return "operation not permitted";
	case NFQUEUE_E_NOENT: return "no such object";
	case NFQUEUE_E_INTR: return "interrupted by a signal";
	case NFQUEUE_E_IO: return "netlink socket error";
	case NFQUEUE_E_AGAIN: return "no packet ready";
	case NFQUEUE_E_NOMEM: return "out of memory";
	case NFQUEUE_E_BUSY: return "queue busy";
	case NFQUEUE_E_INVAL: return "invalid argument";
	case NFQUEUE_E_NOATTR: return "attribute not present in this packet";
	case NFQUEUE_E_TOOBIG: return "payload too large";
	case NFQUEUE_E_NOTSUP: return "not supported by the running kernel";
	case NFQUEUE_E_NOBUFS: return "kernel dropped messages: socket receive buffer full";
	case NFQUEUE_E_CLOSED: return "queue is closed";
	case NFQUEUE_E_VERDICT_GIVEN: return "packet already has a verdict";
	case NFQUEUE_E_EXPIRED: return "borrowed packet has expired";
	case NFQUEUE_E_STOPPED: return "stopped by nfqueue_queue_stop()";
	case NFQUEUE_E_CALLBACK: return "the callback returned a negative value";
	default: return "unknown error";
	}
}

NFQUEUE_API const char *nfqueue_version(void)
{
	return NFQUEUE_BUILD_VERSION;
}

NFQUEUE_API int nfqueue_abi_version(void)
{
	return NFQUEUE_ABI_VERSION;
}
