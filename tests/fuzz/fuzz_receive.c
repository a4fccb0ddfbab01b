/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_receive.c - libFuzzer target: the whole receive path on one
 * datagram of arbitrary bytes, as if the kernel (port 0) had sent it,
 * through the test hook (capi/src/testhook.c): the length walk, parsing,
 * batching and handing out by a pull, then what a consumer does with the
 * packets (attributes, payload, retain, a replacement payload, marks,
 * single, batch and spec verdicts, release). One queue lives across all
 * inputs, so state carried from datagram to datagram is exercised too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testhook.h"

static struct nfqueue_queue *q;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void use_packet(nfqueue_packet *p, unsigned how)
{
	nfqueue_attrs attrs = { .size = sizeof(attrs) };
	const uint8_t *payload;
	size_t len;
	uint32_t mark;
	volatile uint8_t sink = 0;

	if (nfqueue_packet_attrs(&attrs, p) == 0 && attrs.payload)
		for (size_t i = 0; i < attrs.payload_len; i += 64)
			sink ^= attrs.payload[i];
	if (nfqueue_packet_payload(&payload, &len, p) == 0 && len)
		sink ^= payload[len - 1];
	(void)nfqueue_packet_mark(&mark, p);
	(void)sink;
	switch (how % 6) {
	case 0:
		(void)nfqueue_packet_verdict(p, NFQUEUE_ACCEPT);
		break;
	case 1:
		(void)nfqueue_packet_set_mark(p, 7);
		(void)nfqueue_packet_verdict(p, NFQUEUE_DROP);
		break;
	case 2:
		if (nfqueue_packet_retain(p) == 0) {
			static const uint8_t repl[40] = { 0x45 };

			(void)nfqueue_packet_set_payload(p, repl, sizeof(repl));
			(void)nfqueue_packet_verdict(p, NFQUEUE_ACCEPT);
			nfqueue_packet_free(p);
		}
		break;
	case 3:
		(void)nfqueue_packet_release(p);
		break;
	case 4: {
		nfqueue_verdict_spec spec = { .size = sizeof(spec), .packet = p,
					      .verdict = NFQUEUE_ACCEPT, .flags = NFQUEUE_SPEC_MARK,
					      .mark = 3 };

		(void)nfqueue_queue_verdict_packets(NULL, q, &spec, 1);
		break;
	}
	default:
		break; /* left to expire at the next pull: the default verdict */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nfqueue_packet *out[64];
	size_t n = 0;

	if (!q && nfqueue__test_queue_new(&q, NULL) != 0)
		abort();
	if (nfqueue__feed_datagram(out, 64, &n, q, data, size, 0) != 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		use_packet(out[i], nfqueue_packet_id(out[i]) ^ (unsigned)i);
	if (n && (nfqueue_packet_id(out[0]) & 0x10))
		(void)nfqueue_queue_verdict_batch(q, nfqueue_packet_id(out[n - 1]), NFQUEUE_ACCEPT, 0, 0);
	return 0;
}
