/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_feed.c - the receive path on crafted datagrams, without a kernel,
 * through the test hook (capi/src/testhook.c): lying message lengths
 * (2^31, 0xffffffff, 0, < 16, past the datagram) end the walk and are
 * counted; a foreign sender's datagram is never looked at; a kernel
 * datagram with good messages before a lying one hands the good ones out;
 * handles used after their queue was freed report it instead of reading
 * freed memory.
 */
#include <stdio.h>
#include <string.h>

#include "forge.h"
#include "rel.h"
#include "testhook.h"

static union {
	uint64_t align;
	uint8_t bytes[65536];
} dgram;

static struct nfqueue_queue *q;

static size_t feed(const uint8_t *data, size_t len, uint32_t sender, nfqueue_packet **out)
{
	size_t n = 99;
	int rc = nfqueue__feed_datagram(out, 64, &n, q, data, len, sender);

	REL_CHECK(rc == 0, "feed returned %d (%s)", rc, nfqueue_strerror(rc));
	return n;
}

static void test_lying_lengths_end_the_walk(void)
{
	static const uint32_t lengths[] = { 0x80000000u, 0xffffffffu, 0x7fffffffu, 0, 8, 15, 100000 };
	nfqueue_packet *out[64];

	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		uint64_t before = atomic_load(&q->skipped);
		size_t len = forge_lying_length(dgram.bytes, lengths[i], 256);

		REL_CHECK(feed(dgram.bytes, len, 0, out) == 0, "nlmsg_len %u gave a packet", lengths[i]);
		REL_CHECK(atomic_load(&q->skipped) == before + 1, "nlmsg_len %u not counted", lengths[i]);
	}
}

static void test_good_messages_before_a_lie_are_kept(void)
{
	uint8_t payload[36];
	nfqueue_packet *out[64];
	size_t at = 0, n;
	uint32_t id;

	for (id = 1; id <= 3; id++) {
		size_t plen = forge_udp_payload(payload, 9988, id);

		at += forge_packet(dgram.bytes + at, sizeof(dgram.bytes) - at, 0, id, payload, plen);
	}
	at += forge_lying_length(dgram.bytes + at, 0x80000000u, 64);
	n = feed(dgram.bytes, at, 0, out);
	REL_CHECK(n == 3, "%zu packets handed out, expected 3", n);
	for (size_t i = 0; i < n; i++) {
		REL_CHECK(nfqueue_packet_id(out[i]) == i + 1, "packet %zu has id %u", i,
			  nfqueue_packet_id(out[i]));
		REL_CHECK(nfqueue_packet_verdict(out[i], NFQUEUE_ACCEPT) == 0, "verdict");
	}
}

static void test_foreign_sender_is_ignored(void)
{
	uint8_t payload[36];
	nfqueue_packet *out[64];
	uint64_t before = atomic_load(&q->skipped);
	size_t len = forge_packet(dgram.bytes, sizeof(dgram.bytes), 0, 77, payload,
				  forge_udp_payload(payload, 9988, 77));

	REL_CHECK(feed(dgram.bytes, len, 4242, out) == 0, "a foreign sender's packet was handed out");
	REL_CHECK(atomic_load(&q->skipped) == before + 1, "the foreign datagram was not counted");
	REL_CHECK(feed(dgram.bytes, len, 0, out) == 1, "the same packet from the kernel was not handed out");
}

static void test_truncated_attribute_is_skipped(void)
{
	nfqueue_packet *out[64];
	uint64_t before = atomic_load(&q->skipped);
	size_t len = forge_truncated_attribute(dgram.bytes, sizeof(dgram.bytes), 0, 88);

	REL_CHECK(feed(dgram.bytes, len, 0, out) == 0, "a truncated message was handed out");
	REL_CHECK(atomic_load(&q->skipped) == before + 1, "the truncated message was not counted");
}

/* Handles are numbers, not pointers: once nfqueue_queue_free() returned, a
 * borrowed packet's handle reports NFQUEUE_E_EXPIRED (ASan would see any
 * read of the freed queue), while a retained packet lives on until freed
 * and its verdict reports the queue closed. */
static void test_handles_after_the_queue_is_freed(void)
{
	uint8_t payload[36];
	nfqueue_packet *out[64];
	struct nfqueue_queue *other;
	size_t at = 0, n;
	uint32_t id;

	REL_CHECK(nfqueue__test_queue_new(&other, NULL) == 0, "second test queue: %s",
		  nfqueue_last_error());
	for (id = 1; id <= 2; id++)
		at += forge_packet(dgram.bytes + at, sizeof(dgram.bytes) - at, 0, id, payload,
				   forge_udp_payload(payload, 9988, id));
	REL_CHECK(nfqueue__feed_datagram(out, 64, &n, other, dgram.bytes, at, 0) == 0 && n == 2,
		  "2 packets expected, %zu handed out", n);
	REL_CHECK(nfqueue_packet_retain(out[1]) == 0, "retain: %s", nfqueue_last_error());
	nfqueue_queue_free(other);

	REL_CHECK(nfqueue_packet_id(out[0]) == 0, "a borrowed packet of a freed queue has id %u",
		  nfqueue_packet_id(out[0]));
	REL_CHECK(nfqueue_packet_verdict(out[0], NFQUEUE_ACCEPT) == NFQUEUE_E_EXPIRED,
		  "a borrowed packet of a freed queue did not report EXPIRED");
	REL_CHECK(nfqueue_packet_id(out[1]) == 2, "the retained packet lost its id");
	REL_CHECK(nfqueue_packet_verdict(out[1], NFQUEUE_ACCEPT) == NFQUEUE_E_CLOSED,
		  "a retained packet of a freed queue did not report CLOSED");
	nfqueue_packet_free(out[1]);
	/* Now the queue's memory is gone too: the borrowed handle still only expires. */
	REL_CHECK(nfqueue_packet_verdict(out[0], NFQUEUE_DROP) == NFQUEUE_E_EXPIRED,
		  "a borrowed packet of a queue gone for good did not report EXPIRED");
	REL_CHECK(nfqueue_packet_verdict(out[1], NFQUEUE_DROP) == NFQUEUE_E_EXPIRED,
		  "a freed retained packet did not report EXPIRED");
}

int main(void)
{
	int rc = nfqueue__test_queue_new(&q, NULL);

	if (rc) {
		printf("test queue: %s\n", nfqueue_last_error());
		return 1;
	}
	REL_RUN(test_lying_lengths_end_the_walk);
	REL_RUN(test_good_messages_before_a_lie_are_kept);
	REL_RUN(test_foreign_sender_is_ignored);
	REL_RUN(test_truncated_attribute_is_skipped);
	REL_RUN(test_handles_after_the_queue_is_freed);
	nfqueue_queue_free(q);
	REL_CHECK(nfqueue__test_sent_bytes() > 0, "no verdict reached the hook");
	return rel_summary("feed");
}
