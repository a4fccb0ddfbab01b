/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * glue.c - see glue.h: public libnfqueue calls chained so that the Go
 * side crosses into C once per batch or per verdict.
 */
#include "glue.h"

gonfq_result gonfq_pull(nfqueue_packet **out, nfqueue_attrs *attrs, int *status, size_t max,
			nfqueue_queue *queue, int timeout_ms)
{
	gonfq_result r = { 0, GONFQ_STEP_NONE, 0 };
	size_t i;

	r.rc = nfqueue_queue_pull(out, max, &r.count, queue, timeout_ms);
	if (r.rc) {
		r.step = GONFQ_STEP_PULL;
		r.count = 0;
		return r;
	}
	for (i = 0; i < r.count; i++) {
		attrs[i].size = sizeof(attrs[i]);
		status[i] = nfqueue_packet_attrs(&attrs[i], out[i]);
	}
	return r;
}

gonfq_result gonfq_verdict(nfqueue_packet *packet, nfqueue_attrs *attrs, int verdict,
			   uint32_t options, uint32_t mark, uint32_t queue_num,
			   const void *payload, size_t payload_len)
{
	gonfq_result r = { 0, GONFQ_STEP_NONE, 0 };

	/* The payload first: if it is refused, nothing about the packet changed. */
	if (options & GONFQ_PAYLOAD) {
		r.rc = nfqueue_packet_set_payload(packet, payload, payload_len);
		if (r.rc) {
			r.step = GONFQ_STEP_SET_PAYLOAD;
			return r;
		}
		if (attrs) {
			attrs->size = sizeof(*attrs);
			(void)nfqueue_packet_attrs(attrs, packet);
		}
	}
	if (options & GONFQ_MARK) {
		r.rc = nfqueue_packet_set_mark(packet, mark);
		if (r.rc) {
			r.step = GONFQ_STEP_SET_MARK;
			return r;
		}
	}
	if (options & GONFQ_QUEUE) {
		r.rc = nfqueue_packet_verdict_queue(packet, queue_num,
						    (options & GONFQ_BYPASS) ? NFQUEUE_QUEUE_BYPASS : 0);
		r.step = r.rc ? GONFQ_STEP_VERDICT_QUEUE : GONFQ_STEP_NONE;
		return r;
	}
	r.rc = nfqueue_packet_verdict(packet, verdict);
	r.step = r.rc ? GONFQ_STEP_VERDICT : GONFQ_STEP_NONE;
	return r;
}

gonfq_result gonfq_retain(nfqueue_packet *packet, nfqueue_attrs *attrs)
{
	gonfq_result r = { 0, GONFQ_STEP_NONE, 0 };

	r.rc = nfqueue_packet_retain(packet);
	if (r.rc) {
		r.step = GONFQ_STEP_RETAIN;
		return r;
	}
	attrs->size = sizeof(*attrs);
	r.rc = nfqueue_packet_attrs(attrs, packet);
	if (r.rc)
		r.step = GONFQ_STEP_ATTRS;
	return r;
}
