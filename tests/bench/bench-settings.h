/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench-settings.h - the queue settings every benchmark consumer takes
 * from its environment, the same for every language, so that a workload
 * sets them once for all its rows:
 *
 *   NFQUEUE_BENCH_QUEUE_LEN   kernel queue length; default: a drain's
 *                             whole load plus 1024, 1024 when serving;
 *                             "default" (the C consumers only): the
 *                             library's own default, left unset
 *   NFQUEUE_BENCH_COPY_RANGE  payload bytes copied; default: all of it
 *   NFQUEUE_BENCH_GSO=1       the GSO flag (GSO packets unsegmented)
 */
#ifndef NFQUEUE_BENCH_SETTINGS_H
#define NFQUEUE_BENCH_SETTINGS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_COPY_ALL 65531u /* the kernel's largest copy range */

struct bench_settings {
	uint32_t queue_len, copy_range;
	int gso;
};

/* One variable as a number in [min, max], or `fallback` when unset. */
static inline int bench_env_number(const char *name, unsigned long long min, unsigned long long max,
			    unsigned long long fallback, uint32_t *out)
{
	const char *text = getenv(name);
	unsigned long long value;
	char *end;

	if (!text || !*text) {
		*out = (uint32_t)(fallback > max ? max : fallback);
		return 0;
	}
	value = strtoull(text, &end, 10);
	if (*end || value < min || value > max) {
		fprintf(stderr, "%s=%s: want a number from %llu to %llu\n", name, text, min, max);
		return -1;
	}
	*out = (uint32_t)value;
	return 0;
}

/* `drain_count` is the drain's load, 0 when serving. Returns -1 (said so
 * on stderr) for a value that is not a setting. */
static inline int bench_settings_read(struct bench_settings *s, unsigned long long drain_count)
{
	uint32_t flag;
	const char *len = getenv("NFQUEUE_BENCH_QUEUE_LEN");

	if (len && !strcmp(len, "default")) {
		s->queue_len = 0; /* not set: the library's (or kernel's) default */
	} else if (bench_env_number("NFQUEUE_BENCH_QUEUE_LEN", 1, 0xffffffffu,
			     drain_count ? drain_count + 1024 : 1024, &s->queue_len)) {
		return -1;
	}
	if (bench_env_number("NFQUEUE_BENCH_COPY_RANGE", 0, BENCH_COPY_ALL, BENCH_COPY_ALL,
			     &s->copy_range) ||
	    bench_env_number("NFQUEUE_BENCH_GSO", 0, 1, 0, &flag))
		return -1;
	s->gso = (int)flag;
	return 0;
}

#endif
