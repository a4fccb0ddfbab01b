/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_checksum.c - nfqueue_checksum_ipv4_header, _transport and _update.
 *
 * Expected values come from two places the library has no part in: packets
 * whose checksums the kernel computed (checksum_vectors.h) and a plain
 * RFC 1071 reference (rfc1071_reference.h). Links the shared library, so
 * the exported symbols are what is tested.
 */
#include <stdlib.h>

#include "checksum_vectors.h"
#include "harness.h"
#include "nfqueue.h"
#include "rfc1071_reference.h"

enum { TCP = 6, UDP = 17 };

/* ---- building packets ---- */

static uint32_t lcg_state;

/* Deterministic filler bytes, so a failure reproduces. */
static uint8_t next_byte(void)
{
	lcg_state = lcg_state * 1103515245u + 12345u;
	return (uint8_t)(lcg_state >> 16);
}

/* A TCP (20-byte header) or UDP segment with `payload_len` filler bytes and
 * a zero checksum field. Returns the segment's length. */
static size_t put_segment(uint8_t *l4, uint8_t proto, size_t payload_len)
{
	size_t hdr = proto == TCP ? 20 : 8, i;

	memset(l4, 0, hdr);
	ref_put16(l4, 40000);      /* source port */
	ref_put16(l4 + 2, 8080);   /* destination port */
	if (proto == TCP) {
		for (i = 4; i < 12; i++)  /* sequence and ack numbers */
			l4[i] = next_byte();
		l4[12] = 5 << 4;          /* data offset: 5 words */
		l4[13] = 0x18;            /* PSH, ACK */
		ref_put16(l4 + 14, 502);  /* window */
	} else {
		ref_put16(l4 + 4, (uint16_t)(8 + payload_len));
	}
	for (i = 0; i < payload_len; i++)
		l4[hdr + i] = next_byte();
	return hdr + payload_len;
}

/* IPv4 with `ihl_words` (5..15) of header, options of NOPs ended by EOL. */
static size_t build_ipv4(uint8_t *buf, size_t ihl_words, uint8_t proto, size_t payload_len)
{
	size_t ihl = ihl_words * 4, total;

	memset(buf, 0, ihl);
	buf[0] = (uint8_t)(0x40 | ihl_words);
	ref_put16(buf + 4, 0x1234); /* identification */
	buf[6] = 0x40;              /* don't fragment */
	buf[8] = 64;                /* TTL */
	buf[9] = proto;
	memcpy(buf + 12, "\xc6\x33\x64\x07\xcb\x00\x71\xfe", 8); /* 198.51.100.7 -> 203.0.113.254 */
	if (ihl > 20) {
		memset(buf + 20, 1, ihl - 20); /* NOP */
		buf[ihl - 1] = 0;              /* EOL */
	}
	total = ihl + put_segment(buf + ihl, proto, payload_len);
	ref_put16(buf + 2, (uint16_t)total);
	return total;
}

/*
 * IPv6 whose header says `first_next`, followed by `ext` (extension
 * headers, their next-header fields already chained to `proto`).
 */
static size_t build_ipv6(uint8_t *buf, uint8_t first_next, const uint8_t *ext, size_t ext_len,
			 uint8_t proto, size_t payload_len)
{
	size_t seg;

	memset(buf, 0, 40);
	buf[0] = 0x60;
	buf[6] = first_next;
	buf[7] = 64; /* hop limit */
	memcpy(buf + 8, "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x07", 16);
	memcpy(buf + 24, "\x20\x01\x0d\xb8\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00\xfe\xfe", 16);
	if (ext_len)
		memcpy(buf + 40, ext, ext_len);
	seg = put_segment(buf + 40 + ext_len, proto, payload_len);
	ref_put16(buf + 4, (uint16_t)(ext_len + seg));
	return 40 + ext_len + seg;
}

static size_t ipv4_ihl(const uint8_t *pkt)
{
	return (size_t)(pkt[0] & 0x0f) * 4;
}

/* The transport checksum stored in the packet. */
static uint16_t stored_l4(const uint8_t *pkt, size_t l4_offset, uint8_t proto)
{
	return ref_get16(pkt + l4_offset + ref_l4_check_offset(proto));
}

/* Check every checksum of a packet built here against the reference. */
static void check_against_reference(const uint8_t *pkt, size_t len, int family, size_t l4_offset,
				    uint8_t proto, const char *what)
{
	uint16_t want = ref_l4_checksum(pkt, family, l4_offset, len - l4_offset, proto);
	uint16_t got = stored_l4(pkt, l4_offset, proto);

	if (got != want)
		harness_fail(__FILE__, __LINE__, "%s: transport checksum 0x%04x, reference says 0x%04x",
			     what, got, want);
	if (family == 4 && ref_get16(pkt + 10) != ref_ipv4_header_checksum(pkt, ipv4_ihl(pkt)))
		harness_fail(__FILE__, __LINE__, "%s: IPv4 header checksum 0x%04x, reference says 0x%04x",
			     what, ref_get16(pkt + 10), ref_ipv4_header_checksum(pkt, ipv4_ihl(pkt)));
}

/* ---- known vectors ---- */

/* The worked example of an IPv4 header checksum that every textbook and
 * Wikipedia's "Internet checksum" article use: the answer is 0xb861. */
static void test_textbook_ipv4_header(void)
{
	uint8_t pkt[0x73] = {
		0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
		0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
	};

	CHECK_RC(nfqueue_checksum_ipv4_header(pkt, sizeof(pkt)), NFQUEUE_OK);
	CHECK_EQ(ref_get16(pkt + 10), 0xb861);
}

/* Guards the test itself: the reference must agree with the kernel. */
static void test_reference_agrees_with_kernel_vectors(void)
{
	size_t i;

	for (i = 0; i < N_CHECKSUM_VECTORS; i++) {
		const struct checksum_vector *v = &checksum_vectors[i];

		check_against_reference(v->data, v->len, v->family, v->l4_offset, v->proto, v->name);
	}
}

/* Corrupt what the function is meant to fix; it must give back the
 * kernel's bytes exactly, and leave alone what it is not meant to fix. */
static void test_update_restores_kernel_vectors(void)
{
	uint8_t pkt[128];
	size_t i;

	for (i = 0; i < N_CHECKSUM_VECTORS; i++) {
		const struct checksum_vector *v = &checksum_vectors[i];
		size_t field = v->l4_offset + ref_l4_check_offset(v->proto);

		memcpy(pkt, v->data, v->len);
		CHECK_RC(nfqueue_checksum_update(pkt, v->len), NFQUEUE_OK); /* already right */
		CHECK_MEM(pkt, v->data, v->len);

		ref_put16(pkt + field, 0xdead);
		if (v->family == 4)
			ref_put16(pkt + 10, 0xbeef);
		CHECK_RC(nfqueue_checksum_update(pkt, v->len), NFQUEUE_OK);
		CHECK_MEM(pkt, v->data, v->len);
	}
}

static void test_transport_restores_only_transport(void)
{
	uint8_t pkt[128];
	size_t i;

	for (i = 0; i < N_CHECKSUM_VECTORS; i++) {
		const struct checksum_vector *v = &checksum_vectors[i];
		size_t field = v->l4_offset + ref_l4_check_offset(v->proto);

		memcpy(pkt, v->data, v->len);
		ref_put16(pkt + field, 0x0000);
		if (v->family == 4)
			ref_put16(pkt + 10, 0xbeef);
		CHECK_RC(nfqueue_checksum_transport(pkt, v->len), NFQUEUE_OK);
		CHECK_EQ(stored_l4(pkt, v->l4_offset, v->proto), stored_l4(v->data, v->l4_offset, v->proto));
		if (v->family == 4)
			CHECK_EQ(ref_get16(pkt + 10), 0xbeef);
	}
}

static void test_ipv4_header_restores_only_header(void)
{
	uint8_t pkt[128];
	size_t i;

	for (i = 0; i < N_CHECKSUM_VECTORS; i++) {
		const struct checksum_vector *v = &checksum_vectors[i];
		size_t field = v->l4_offset + ref_l4_check_offset(v->proto);

		memcpy(pkt, v->data, v->len);
		ref_put16(pkt + field, 0xdead);
		if (v->family == 6) {
			/* IPv6 has no header checksum to fix. */
			CHECK_RC(nfqueue_checksum_ipv4_header(pkt, v->len), NFQUEUE_E_INVAL);
			CHECK(nfqueue_last_error()[0] != '\0');
			CHECK_EQ(stored_l4(pkt, v->l4_offset, v->proto), 0xdead);
			continue;
		}
		ref_put16(pkt + 10, 0xffff);
		CHECK_RC(nfqueue_checksum_ipv4_header(pkt, v->len), NFQUEUE_OK);
		CHECK_MEM(pkt, v->data, v->l4_offset);
		CHECK_EQ(stored_l4(pkt, v->l4_offset, v->proto), 0xdead);
	}
}

/* What an application does: rewrite an address and a payload byte, as a
 * NAT or a payload filter would, then fix the checksums. */
static void test_edited_kernel_vectors_match_reference(void)
{
	uint8_t pkt[128];
	size_t i;

	for (i = 0; i < N_CHECKSUM_VECTORS; i++) {
		const struct checksum_vector *v = &checksum_vectors[i];

		memcpy(pkt, v->data, v->len);
		pkt[v->family == 4 ? 19 : 39] ^= 0x5a; /* last byte of the destination address */
		pkt[v->len - 1] ^= 0xff;               /* last byte of the segment */
		CHECK_RC(nfqueue_checksum_update(pkt, v->len), NFQUEUE_OK);
		check_against_reference(pkt, v->len, v->family, v->l4_offset, v->proto, v->name);
	}
}

/* ---- built packets against the reference ---- */

/* Every segment length from 0 to 80 payload bytes, odd ones included. */
static void test_all_lengths_match_reference(void)
{
	static const uint8_t protos[] = { UDP, TCP };
	uint8_t pkt[256];
	size_t p, n, len;
	char what[64];

	lcg_state = 1;
	for (p = 0; p < 2; p++) {
		for (n = 0; n <= 80; n++) {
			len = build_ipv4(pkt, 5, protos[p], n);
			snprintf(what, sizeof(what), "IPv4 proto %u, %zu payload bytes", protos[p], n);
			CHECK_RC(nfqueue_checksum_update(pkt, len), NFQUEUE_OK);
			check_against_reference(pkt, len, 4, 20, protos[p], what);

			len = build_ipv6(pkt, protos[p], NULL, 0, protos[p], n);
			snprintf(what, sizeof(what), "IPv6 proto %u, %zu payload bytes", protos[p], n);
			CHECK_RC(nfqueue_checksum_update(pkt, len), NFQUEUE_OK);
			check_against_reference(pkt, len, 6, 40, protos[p], what);
		}
	}
}

/* An odd segment length pads its last byte with zero (RFC 1071), also in
 * a large packet where a carry fold could go wrong. */
static void test_odd_lengths_match_reference(void)
{
	static const size_t lengths[] = { 1, 3, 1001, 1471, 8999 };
	static uint8_t pkt[9100];
	size_t i, len;

	lcg_state = 7;
	for (i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		len = build_ipv4(pkt, 5, UDP, lengths[i]);
		CHECK_RC(nfqueue_checksum_update(pkt, len), NFQUEUE_OK);
		check_against_reference(pkt, len, 4, 20, UDP, "odd IPv4 UDP");
		len = build_ipv6(pkt, TCP, NULL, 0, TCP, lengths[i]);
		CHECK_RC(nfqueue_checksum_transport(pkt, len), NFQUEUE_OK);
		check_against_reference(pkt, len, 6, 40, TCP, "odd IPv6 TCP");
	}
}

/* The header checksum covers the options; the transport header starts
 * after them. */
static void test_ipv4_options_match_reference(void)
{
	uint8_t pkt[256];
	size_t ihl, len;
	char what[64];

	lcg_state = 3;
	for (ihl = 5; ihl <= 15; ihl++) {
		len = build_ipv4(pkt, ihl, ihl & 1 ? UDP : TCP, 33);
		snprintf(what, sizeof(what), "IPv4 with IHL %zu", ihl);
		CHECK_RC(nfqueue_checksum_update(pkt, len), NFQUEUE_OK);
		check_against_reference(pkt, len, 4, ihl * 4, ihl & 1 ? UDP : TCP, what);
	}
}

/* RFC 768: a UDP checksum that computes to 0 is sent as 0xffff, because 0
 * means "no checksum". TCP has no such rule: 0 stays 0. The packet is made
 * to sum to zero by putting the checksum it would have into its payload. */
static void test_udp_zero_is_sent_as_ffff(void)
{
	static const int families[] = { 4, 6 };
	static const uint8_t protos[] = { UDP, TCP };
	uint8_t pkt[128];
	size_t f, p, len, l4, data;

	lcg_state = 11;
	for (f = 0; f < 2; f++) {
		for (p = 0; p < 2; p++) {
			len = families[f] == 4 ? build_ipv4(pkt, 5, protos[p], 6)
					       : build_ipv6(pkt, protos[p], NULL, 0, protos[p], 6);
			l4 = families[f] == 4 ? 20 : 40;
			data = l4 + (protos[p] == TCP ? 20 : 8);
			ref_put16(pkt + data, 0);
			ref_put16(pkt + data, ref_l4_checksum(pkt, families[f], l4, len - l4, protos[p]));
			CHECK_RC(nfqueue_checksum_update(pkt, len), NFQUEUE_OK);
			CHECK_EQ(stored_l4(pkt, l4, protos[p]), protos[p] == UDP ? 0xffff : 0x0000);
		}
	}
}

/* The library walks hop-by-hop, routing, destination options, fragment
 * and AH headers to the transport header; the pseudo-header carries the
 * upper-layer protocol and length, not the first next-header value. */
static void test_ipv6_extension_headers_are_walked(void)
{
	/* hop-by-hop (8) -> destination options (16) -> routing, segments left 0 (8) */
	static const uint8_t chain[] = {
		60, 0, 1, 4, 0, 0, 0, 0,
		43, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		UDP, 0, 0, 0, 0, 0, 0, 0,
	};
	/* an atomic fragment: offset 0, no more fragments, so a whole datagram */
	static const uint8_t atomic_fragment[] = { TCP, 0, 0, 0, 0x12, 0x34, 0x56, 0x78 };
	/* authentication header, payload length 4 -> (4 + 2) * 4 = 24 bytes */
	static const uint8_t ah[24] = { UDP, 4 };
	uint8_t pkt[256];
	size_t len;

	lcg_state = 5;
	len = build_ipv6(pkt, 0, chain, sizeof(chain), UDP, 17);
	CHECK_RC(nfqueue_checksum_update(pkt, len), NFQUEUE_OK);
	check_against_reference(pkt, len, 6, 40 + sizeof(chain), UDP, "hop-by-hop, dstopts, routing");

	len = build_ipv6(pkt, 44, atomic_fragment, sizeof(atomic_fragment), TCP, 10);
	CHECK_RC(nfqueue_checksum_transport(pkt, len), NFQUEUE_OK);
	check_against_reference(pkt, len, 6, 48, TCP, "atomic fragment");

	len = build_ipv6(pkt, 51, ah, sizeof(ah), UDP, 9);
	CHECK_RC(nfqueue_checksum_update(pkt, len), NFQUEUE_OK);
	check_against_reference(pkt, len, 6, 64, UDP, "authentication header");
}

/* A fragment carries part of a datagram: its transport checksum covers
 * bytes the library cannot see. _transport refuses; _update fixes what it
 * can (the IPv4 header) and leaves the rest. */
static void test_fragments_keep_transport_checksum(void)
{
	static const uint8_t more_fragments[] = { UDP, 0, 0x00, 0x01, 0, 0, 0, 1 }; /* M set */
	static const uint8_t later_fragment[] = { UDP, 0, 0x00, 0xb8, 0, 0, 0, 1 }; /* offset 23 */
	uint8_t pkt[256], before[256];
	size_t len, ihl;

	lcg_state = 9;
	for (ihl = 0; ihl < 2; ihl++) {
		len = build_ipv4(pkt, 5, UDP, 24);
		if (ihl == 0)
			pkt[6] = 0x20; /* MF */
		else
			ref_put16(pkt + 6, 0x0010); /* fragment offset 16 * 8 */
		ref_put16(pkt + 26, 0xdead);
		memcpy(before, pkt, len);
		CHECK_RC(nfqueue_checksum_transport(pkt, len), NFQUEUE_E_INVAL);
		CHECK(nfqueue_last_error()[0] != '\0');
		CHECK_MEM(pkt, before, len);
		CHECK_RC(nfqueue_checksum_update(pkt, len), NFQUEUE_OK);
		CHECK_EQ(ref_get16(pkt + 10), ref_ipv4_header_checksum(pkt, 20));
		CHECK_EQ(ref_get16(pkt + 26), 0xdead);
	}

	len = build_ipv6(pkt, 44, more_fragments, 8, UDP, 24);
	memcpy(before, pkt, len);
	CHECK_RC(nfqueue_checksum_transport(pkt, len), NFQUEUE_E_INVAL);
	CHECK_RC(nfqueue_checksum_update(pkt, len), NFQUEUE_OK);
	CHECK_MEM(pkt, before, len);

	len = build_ipv6(pkt, 44, later_fragment, 8, UDP, 24);
	memcpy(before, pkt, len);
	CHECK_RC(nfqueue_checksum_transport(pkt, len), NFQUEUE_E_INVAL);
	CHECK_RC(nfqueue_checksum_update(pkt, len), NFQUEUE_OK);
	CHECK_MEM(pkt, before, len);
}

/* "Other protocols keep their bytes": ICMP, ICMPv6, no-next-header. */
static void test_other_protocols_keep_their_bytes(void)
{
	uint8_t pkt[256], before[256];
	size_t len;

	lcg_state = 13;
	len = build_ipv4(pkt, 5, UDP, 20);
	pkt[9] = 1; /* ICMP */
	memcpy(before, pkt, len);
	CHECK_RC(nfqueue_checksum_transport(pkt, len), NFQUEUE_OK);
	CHECK_MEM(pkt, before, len);
	CHECK_RC(nfqueue_checksum_update(pkt, len), NFQUEUE_OK);
	CHECK_EQ(ref_get16(pkt + 10), ref_ipv4_header_checksum(pkt, 20));
	CHECK_MEM(pkt + 20, before + 20, len - 20);

	len = build_ipv6(pkt, 58, NULL, 0, UDP, 20); /* ICMPv6 */
	memcpy(before, pkt, len);
	CHECK_RC(nfqueue_checksum_update(pkt, len), NFQUEUE_OK);
	CHECK_MEM(pkt, before, len);

	len = build_ipv6(pkt, 59, NULL, 0, UDP, 20); /* no next header */
	memcpy(before, pkt, len);
	CHECK_RC(nfqueue_checksum_update(pkt, len), NFQUEUE_OK);
	CHECK_MEM(pkt, before, len);
}

/* Bytes after the IP length (link-layer padding) are not part of the
 * packet: they neither enter the sum nor get touched. */
static void test_bytes_past_ip_length_are_ignored(void)
{
	uint8_t pkt[128];
	size_t i;

	for (i = 0; i < N_CHECKSUM_VECTORS; i++) {
		const struct checksum_vector *v = &checksum_vectors[i];

		memcpy(pkt, v->data, v->len);
		memset(pkt + v->len, 0xa5, 6);
		ref_put16(pkt + v->l4_offset + ref_l4_check_offset(v->proto), 0xdead);
		CHECK_RC(nfqueue_checksum_update(pkt, v->len + 6), NFQUEUE_OK);
		CHECK_MEM(pkt, v->data, v->len);
		CHECK_EQ(pkt[v->len + 5], 0xa5);
	}
}

/* ---- malformed input ---- */

/*
 * Run `fn` on an exact-size heap copy (so a sanitizer catches a read past
 * the end) and expect NFQUEUE_E_INVAL, an explanation, and the bytes as
 * they were.
 */
static void expect_invalid(int (*fn)(uint8_t *, size_t), const char *fn_name,
			   const uint8_t *data, size_t len, const char *what)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	if (len)
		memcpy(copy, data, len);
	rc = fn(copy, len);
	if (rc != NFQUEUE_E_INVAL)
		harness_fail(__FILE__, __LINE__, "%s on %s (%zu bytes) returned %d (%s), expected NFQUEUE_E_INVAL",
			     fn_name, what, len, rc, nfqueue_strerror(rc));
	else if (nfqueue_last_error()[0] == '\0')
		harness_fail(__FILE__, __LINE__, "%s on %s: no explanation in nfqueue_last_error()",
			     fn_name, what);
	if (len && memcmp(copy, data, len) != 0)
		harness_fail(__FILE__, __LINE__, "%s on %s changed the bytes although it failed",
			     fn_name, what);
	free(copy);
}

#define EXPECT_INVALID_ALL(data, len, what) \
	do { \
		expect_invalid(nfqueue_checksum_update, "update", data, len, what); \
		expect_invalid(nfqueue_checksum_transport, "transport", data, len, what); \
		expect_invalid(nfqueue_checksum_ipv4_header, "ipv4_header", data, len, what); \
	} while (0)

/* Every proper prefix of every vector is a truncated packet. */
static void test_truncated_packets_are_invalid(void)
{
	size_t i, n;
	char what[64];

	for (i = 0; i < N_CHECKSUM_VECTORS; i++) {
		const struct checksum_vector *v = &checksum_vectors[i];

		for (n = 1; n < v->len; n++) {
			snprintf(what, sizeof(what), "%s cut to %zu bytes", v->name, n);
			EXPECT_INVALID_ALL(v->data, n, what);
		}
	}
	EXPECT_INVALID_ALL(vector_udp4, 0, "an empty buffer");
	CHECK_RC(nfqueue_checksum_update(NULL, 20), NFQUEUE_E_INVAL);
	CHECK_RC(nfqueue_checksum_transport(NULL, 20), NFQUEUE_E_INVAL);
	CHECK_RC(nfqueue_checksum_ipv4_header(NULL, 20), NFQUEUE_E_INVAL);
}

static void test_malformed_headers_are_invalid(void)
{
	uint8_t pkt[256];
	size_t len;

	lcg_state = 17;
	len = build_ipv4(pkt, 5, UDP, 12);
	pkt[0] = 0x55; /* version 5 */
	EXPECT_INVALID_ALL(pkt, len, "IP version 5");
	pkt[0] = 0x05; /* version 0 */
	EXPECT_INVALID_ALL(pkt, len, "IP version 0");

	len = build_ipv4(pkt, 5, UDP, 12);
	pkt[0] = 0x44; /* IHL 4: shorter than the fixed header */
	EXPECT_INVALID_ALL(pkt, len, "IPv4 IHL 4");
	pkt[0] = 0x4f; /* IHL 15 = 60 bytes, more than the 40 given */
	EXPECT_INVALID_ALL(pkt, len, "IPv4 IHL past the end");

	len = build_ipv4(pkt, 5, UDP, 12);
	ref_put16(pkt + 2, 12); /* total length shorter than the header */
	EXPECT_INVALID_ALL(pkt, len, "IPv4 total length < IHL");
	ref_put16(pkt + 2, (uint16_t)(len + 1));
	EXPECT_INVALID_ALL(pkt, len, "IPv4 total length past the end");

	len = build_ipv6(pkt, UDP, NULL, 0, UDP, 12);
	ref_put16(pkt + 4, 0); /* a jumbogram's payload length, no jumbo option */
	EXPECT_INVALID_ALL(pkt, len, "IPv6 payload length 0");
	ref_put16(pkt + 4, (uint16_t)(len - 40 + 1));
	EXPECT_INVALID_ALL(pkt, len, "IPv6 payload length past the end");

	/* A hop-by-hop header claiming 24 bytes where 16 remain. */
	len = build_ipv6(pkt, 0, (const uint8_t *)"\x11\x02\x01\x04\x00\x00\x00\x00", 8, UDP, 0);
	EXPECT_INVALID_ALL(pkt, len, "IPv6 extension header past the end");

	/* Transport headers that do not fit in the IP payload. */
	len = build_ipv4(pkt, 5, TCP, 0);
	ref_put16(pkt + 2, 20 + 19);
	expect_invalid(nfqueue_checksum_transport, "transport", pkt, 39, "19-byte TCP header");
	expect_invalid(nfqueue_checksum_update, "update", pkt, 39, "19-byte TCP header");
	len = build_ipv6(pkt, UDP, NULL, 0, UDP, 0);
	ref_put16(pkt + 4, 7);
	expect_invalid(nfqueue_checksum_transport, "transport", pkt, 47, "7-byte UDP header");

	/* UDP's own length disagrees with the IP header's: the receiver would
	 * checksum another range, so the library refuses to guess. */
	len = build_ipv4(pkt, 5, UDP, 12);
	ref_put16(pkt + 24, 8 + 11);
	expect_invalid(nfqueue_checksum_transport, "transport", pkt, len, "IPv4 UDP length mismatch");
	expect_invalid(nfqueue_checksum_update, "update", pkt, len, "IPv4 UDP length mismatch");
	len = build_ipv6(pkt, UDP, NULL, 0, UDP, 12);
	ref_put16(pkt + 44, 8 + 13);
	EXPECT_INVALID_ALL(pkt, len, "IPv6 UDP length mismatch");
}

int main(void)
{
	RUN(test_textbook_ipv4_header);
	RUN(test_reference_agrees_with_kernel_vectors);
	RUN(test_update_restores_kernel_vectors);
	RUN(test_transport_restores_only_transport);
	RUN(test_ipv4_header_restores_only_header);
	RUN(test_edited_kernel_vectors_match_reference);
	RUN(test_all_lengths_match_reference);
	RUN(test_odd_lengths_match_reference);
	RUN(test_ipv4_options_match_reference);
	RUN(test_udp_zero_is_sent_as_ffff);
	RUN(test_ipv6_extension_headers_are_walked);
	RUN(test_fragments_keep_transport_checksum);
	RUN(test_other_protocols_keep_their_bytes);
	RUN(test_bytes_past_ip_length_are_ignored);
	RUN(test_truncated_packets_are_invalid);
	RUN(test_malformed_headers_are_invalid);
	return harness_summary();
}
