/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.c - the opaque configuration object and the validation of each
 * value, so a bad value is reported where it is set, not at open.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define ALL_FLAGS (NFQUEUE_FLAG_FAIL_OPEN | NFQUEUE_FLAG_CONNTRACK | NFQUEUE_FLAG_GSO | \
		   NFQUEUE_FLAG_UID_GID | NFQUEUE_FLAG_SECCTX)

void nfqueue__config_defaults(struct nfqueue_config *config)
{
	memset(config, 0, sizeof(*config));
	config->copy_mode = NFQUEUE_COPY_PACKET;
	config->copy_range = NFQUEUE_PAYLOAD_MAX;
	/* Four times the kernel's own default: 1024 overflowed on one plain
	 * TCP download through a router without the GSO flag (tests/bench,
	 * workload bulk), 4096 lost nothing there. */
	config->max_len = 4096;
	config->default_verdict = NFQUEUE_ACCEPT;
	config->fd = -1;
	config->batch_size = 64;
	config->coalesce = true;
	config->interruptible = false;
	config->nobufs_errors = true; /* as 1.0 did */
	/* rcvbuf stays 0: sized automatically at open (queue.c). */
}

#define CHECK_CONFIG(config) \
	do { \
		if (!(config)) \
			return nfqueue__fail(NFQUEUE_E_INVAL, "config is NULL"); \
	} while (0)

NFQUEUE_API int nfqueue_config_new(nfqueue_config **out)
{
	struct nfqueue_config *config;

	if (!out)
		return nfqueue__fail(NFQUEUE_E_INVAL, "out is NULL");
	config = malloc(sizeof(*config));
	if (!config)
		return nfqueue__fail(NFQUEUE_E_NOMEM, "cannot allocate a config");
	nfqueue__config_defaults(config);
	*out = config;
	return 0;
}

NFQUEUE_API void nfqueue_config_free(nfqueue_config *config)
{
	if (!config)
		return;
	free(config->netns);
	free(config);
}

NFQUEUE_API int nfqueue_config_set_copy_mode(nfqueue_config *config, int mode, uint32_t range)
{
	CHECK_CONFIG(config);
	if (mode != NFQUEUE_COPY_NONE && mode != NFQUEUE_COPY_META && mode != NFQUEUE_COPY_PACKET)
		return nfqueue__fail(NFQUEUE_E_INVAL,
				     "copy mode %d is unknown: use NFQUEUE_COPY_NONE, _META or _PACKET", mode);
	/* The kernel cannot copy more than one attribute holds, so a larger
	 * range means "everything" just as 0 does: clamp it, as the header says. */
	if (mode != NFQUEUE_COPY_PACKET || range == 0 || range > NFQUEUE_PAYLOAD_MAX)
		range = NFQUEUE_PAYLOAD_MAX;
	config->copy_mode = mode;
	config->copy_range = range;
	return 0;
}

NFQUEUE_API int nfqueue_config_set_max_len(nfqueue_config *config, uint32_t max_len)
{
	CHECK_CONFIG(config);
	if (max_len == 0)
		return nfqueue__fail(NFQUEUE_E_INVAL, "queue max length must be at least 1");
	config->max_len = max_len;
	return 0;
}

NFQUEUE_API int nfqueue_config_set_flags(nfqueue_config *config, uint32_t flags)
{
	CHECK_CONFIG(config);
	if (flags & ~(uint32_t)ALL_FLAGS)
		return nfqueue__fail(NFQUEUE_E_INVAL,
				     "unknown queue flags 0x%x: only NFQUEUE_FLAG_* values are defined",
				     flags & ~(uint32_t)ALL_FLAGS);
	config->flags = flags;
	return 0;
}

NFQUEUE_API int nfqueue_config_set_rcvbuf(nfqueue_config *config, uint32_t bytes)
{
	CHECK_CONFIG(config);
	if (bytes > NFQUEUE_RCVBUF_MAX)
		return nfqueue__fail(NFQUEUE_E_INVAL, "receive buffer of %u bytes is too large (at most %u)",
				     bytes, NFQUEUE_RCVBUF_MAX);
	config->rcvbuf = bytes;
	return 0;
}

NFQUEUE_API int nfqueue_config_set_no_enobufs(nfqueue_config *config, int enable)
{
	CHECK_CONFIG(config);
	if (enable != 0 && enable != 1)
		return nfqueue__fail(NFQUEUE_E_INVAL, "no_enobufs takes 0 or 1, not %d", enable);
	config->no_enobufs = enable;
	return 0;
}

NFQUEUE_API int nfqueue_config_set_default_verdict(nfqueue_config *config, int verdict)
{
	CHECK_CONFIG(config);
	if (verdict != NFQUEUE_ACCEPT && verdict != NFQUEUE_DROP)
		return nfqueue__fail(NFQUEUE_E_INVAL,
				     "default verdict %d is not allowed: use NFQUEUE_ACCEPT or NFQUEUE_DROP",
				     verdict);
	config->default_verdict = verdict;
	return 0;
}

NFQUEUE_API int nfqueue_config_set_fd(nfqueue_config *config, int fd)
{
	CHECK_CONFIG(config);
	if (fd < -1)
		return nfqueue__fail(NFQUEUE_E_INVAL, "fd %d is invalid: pass a socket or -1", fd);
	if (fd >= 0 && config->netns)
		return nfqueue__fail(NFQUEUE_E_INVAL,
				     "an adopted socket already has its namespace: unset netns first");
	config->fd = fd;
	return 0;
}

NFQUEUE_API int nfqueue_config_set_netns(nfqueue_config *config, const char *path)
{
	char *copy = NULL;

	CHECK_CONFIG(config);
	if (path && !path[0])
		return nfqueue__fail(NFQUEUE_E_INVAL, "netns path is empty: pass NULL for the caller's namespace");
	if (path && config->fd >= 0)
		return nfqueue__fail(NFQUEUE_E_INVAL,
				     "an adopted socket already has its namespace: unset the fd first");
	if (path) {
		copy = strdup(path);
		if (!copy)
			return nfqueue__fail(NFQUEUE_E_NOMEM, "cannot copy the netns path");
	}
	free(config->netns);
	config->netns = copy;
	return 0;
}

NFQUEUE_API int nfqueue_config_set_batch_size(nfqueue_config *config, uint32_t packets)
{
	CHECK_CONFIG(config);
	if (packets < 1 || packets > NFQUEUE_BATCH_SIZE_MAX)
		return nfqueue__fail(NFQUEUE_E_INVAL, "batch size %u is out of range 1..%u", packets,
				     NFQUEUE_BATCH_SIZE_MAX);
	config->batch_size = packets;
	return 0;
}

/* A boolean option: 0 or 1 only, so that a typo such as 2 or -1 (or a
 * binding passing an unconverted value) is caught where it is made. */
static int set_bool(bool *field, int enable, const char *name)
{
	if (enable != 0 && enable != 1)
		return nfqueue__fail(NFQUEUE_E_INVAL, "%s takes 0 or 1, not %d", name, enable);
	*field = enable;
	return 0;
}

NFQUEUE_API int nfqueue_config_set_coalesce(nfqueue_config *config, int enable)
{
	CHECK_CONFIG(config);
	return set_bool(&config->coalesce, enable, "coalesce");
}

NFQUEUE_API int nfqueue_config_set_interruptible(nfqueue_config *config, int enable)
{
	CHECK_CONFIG(config);
	return set_bool(&config->interruptible, enable, "interruptible");
}

NFQUEUE_API int nfqueue_config_set_nobufs_errors(nfqueue_config *config, int enable)
{
	CHECK_CONFIG(config);
	return set_bool(&config->nobufs_errors, enable, "nobufs_errors");
}

/* ---- getters: `out` first; only NULL pointers fail ---- */

#define CHECK_GET(out, config, getter) \
	do { \
		if (!(out)) \
			return nfqueue__fail(NFQUEUE_E_INVAL, getter ": out is NULL"); \
		if (!(config)) \
			return nfqueue__fail(NFQUEUE_E_INVAL, getter ": config is NULL"); \
	} while (0)

NFQUEUE_API int nfqueue_config_get_copy_mode(int *out_mode, uint32_t *out_range,
					     const nfqueue_config *config)
{
	if (!out_mode)
		return nfqueue__fail(NFQUEUE_E_INVAL, "nfqueue_config_get_copy_mode: out_mode is NULL");
	CHECK_GET(out_range, config, "nfqueue_config_get_copy_mode");
	*out_mode = config->copy_mode;
	*out_range = config->copy_range;
	return 0;
}

NFQUEUE_API int nfqueue_config_get_max_len(uint32_t *out, const nfqueue_config *config)
{
	CHECK_GET(out, config, "nfqueue_config_get_max_len");
	*out = config->max_len;
	return 0;
}

NFQUEUE_API int nfqueue_config_get_flags(uint32_t *out, const nfqueue_config *config)
{
	CHECK_GET(out, config, "nfqueue_config_get_flags");
	*out = config->flags;
	return 0;
}

NFQUEUE_API int nfqueue_config_get_rcvbuf(uint32_t *out, const nfqueue_config *config)
{
	CHECK_GET(out, config, "nfqueue_config_get_rcvbuf");
	*out = config->rcvbuf;
	return 0;
}

NFQUEUE_API int nfqueue_config_get_no_enobufs(int *out, const nfqueue_config *config)
{
	CHECK_GET(out, config, "nfqueue_config_get_no_enobufs");
	*out = config->no_enobufs;
	return 0;
}

NFQUEUE_API int nfqueue_config_get_default_verdict(int *out, const nfqueue_config *config)
{
	CHECK_GET(out, config, "nfqueue_config_get_default_verdict");
	*out = config->default_verdict;
	return 0;
}

NFQUEUE_API int nfqueue_config_get_fd(int *out, const nfqueue_config *config)
{
	CHECK_GET(out, config, "nfqueue_config_get_fd");
	*out = config->fd;
	return 0;
}

NFQUEUE_API int nfqueue_config_get_netns(const char **out, const nfqueue_config *config)
{
	CHECK_GET(out, config, "nfqueue_config_get_netns");
	*out = config->netns;
	return 0;
}

NFQUEUE_API int nfqueue_config_get_batch_size(uint32_t *out, const nfqueue_config *config)
{
	CHECK_GET(out, config, "nfqueue_config_get_batch_size");
	*out = config->batch_size;
	return 0;
}

NFQUEUE_API int nfqueue_config_get_coalesce(int *out, const nfqueue_config *config)
{
	CHECK_GET(out, config, "nfqueue_config_get_coalesce");
	*out = config->coalesce;
	return 0;
}

NFQUEUE_API int nfqueue_config_get_interruptible(int *out, const nfqueue_config *config)
{
	CHECK_GET(out, config, "nfqueue_config_get_interruptible");
	*out = config->interruptible;
	return 0;
}

NFQUEUE_API int nfqueue_config_get_nobufs_errors(int *out, const nfqueue_config *config)
{
	CHECK_GET(out, config, "nfqueue_config_get_nobufs_errors");
	*out = config->nobufs_errors;
	return 0;
}
