/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * glue.h - small C helpers of the Go package, so that a hot path is one
 * cgo call: they only chain public libnfqueue calls and decide nothing
 * (every semantic is the library's).
 */
#ifndef GONFQ_GLUE_H
#define GONFQ_GLUE_H

#include <stddef.h>
#include <stdint.h>

#include <nfqueue.h>

/* The header this package was written against. */
#if NFQUEUE_VERSION_MAJOR != 1 || NFQUEUE_VERSION_MINOR < 1
#error "the Go package nfqueue needs nfqueue.h 1.x with x >= 1 (NFQUEUE_1.1): update libnfqueue"
#endif

/* A call's status and which step of a chain failed (0 when none did). */
typedef struct gonfq_result {
	int rc;
	int step;
	size_t count;
} gonfq_result;

/* Steps of gonfq_verdict() and gonfq_retain(), for the error's Op. */
enum {
	GONFQ_STEP_NONE = 0,
	GONFQ_STEP_PULL,
	GONFQ_STEP_ATTRS,
	GONFQ_STEP_SET_PAYLOAD,
	GONFQ_STEP_SET_MARK,
	GONFQ_STEP_VERDICT,
	GONFQ_STEP_VERDICT_QUEUE,
	GONFQ_STEP_RETAIN
};

/* Option bits of gonfq_verdict(). */
enum {
	GONFQ_MARK = 1 << 0,
	GONFQ_PAYLOAD = 1 << 1,
	GONFQ_QUEUE = 1 << 2,
	GONFQ_BYPASS = 1 << 3
};

/*
 * nfqueue_queue_pull(), then nfqueue_packet_attrs() for each packet into
 * attrs[i] (status[i] its result): a whole batch in one crossing.
 */
gonfq_result gonfq_pull(nfqueue_packet **out, nfqueue_attrs *attrs, int *status, size_t max,
			nfqueue_queue *queue, int timeout_ms);

/*
 * Set the replacement payload and the mark if asked, then give the
 * verdict (or send it to another queue): one crossing per verdict. Once a
 * replacement is set, *attrs is read again, so that it shows the
 * replacement as nfqueue_packet_payload() would.
 */
gonfq_result gonfq_verdict(nfqueue_packet *packet, nfqueue_attrs *attrs, int verdict,
			   uint32_t options, uint32_t mark, uint32_t queue_num,
			   const void *payload, size_t payload_len);

/* nfqueue_packet_retain(), then nfqueue_packet_attrs() into *attrs. */
gonfq_result gonfq_retain(nfqueue_packet *packet, nfqueue_attrs *attrs);

#endif
