/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * util.c - error reporting and argument parsing shared by the subcommands.
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <nfqueue.h>

void warnx_(const char *fmt, ...)
{
	va_list ap;

	fputs("nfqueue: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void nfq_report(const char *what, int code)
{
	/* Read the detail first: it is only valid until the next library call. */
	const char *detail = nfqueue_last_error();

	if (detail[0] != '\0')
		warnx_("%s: %s: %s", what, nfqueue_strerror(code), detail);
	else
		warnx_("%s: %s", what, nfqueue_strerror(code));
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("nfqueue: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'nfqueue %s--help' for more information.\n", cmd ? cmd : "");
	return EXIT_USAGE;
}

int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;

	/* strtoul accepts "-1" and wraps it; a count or queue never has a sign. */
	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int parse_bytes(const char *s, uint32_t max, uint32_t *out)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	unsigned shift = 0;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: return -1;
	}
	if (*end != '\0' || v > (unsigned long long)max >> shift)
		return -1;
	*out = (uint32_t)(v << shift);
	return 0;
}
