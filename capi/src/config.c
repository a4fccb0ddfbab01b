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
	config->max_len = 1024; /* the kernel's own default */
	config->default_verdict = NFQUEUE_ACCEPT;
	config->fd = -1;
	config->batch_size = 64;
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
	if (mode == NFQUEUE_COPY_PACKET && range > NFQUEUE_PAYLOAD_MAX)
		return nfqueue__fail(NFQUEUE_E_INVAL,
				     "copy range %u exceeds the kernel's maximum of %u bytes; use 0 for the maximum",
				     range, NFQUEUE_PAYLOAD_MAX);
	config->copy_mode = mode;
	config->copy_range = (mode == NFQUEUE_COPY_PACKET && range > 0) ? range : NFQUEUE_PAYLOAD_MAX;
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
