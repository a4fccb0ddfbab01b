/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rfc1071_reference.h - a deliberately plain Internet checksum, for
 * checking the library against something it does not share code with.
 *
 * The library sums the pseudo-header and the segment incrementally; this
 * reference copies them into one buffer and runs the textbook loop of
 * RFC 1071 section 4.1 over it. The caller says where the transport header
 * is, so the reference does not walk IP headers either.
 */
#ifndef NFQUEUE_TEST_RFC1071_REFERENCE_H
#define NFQUEUE_TEST_RFC1071_REFERENCE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* RFC 1071 4.1: add 16-bit big-endian words, an odd last byte padded with a
 * zero, fold the carries, complement. */
static inline uint16_t ref_checksum(const uint8_t *p, size_t count)
{
	uint32_t sum = 0;

	while (count > 1) {
		sum += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		count -= 2;
	}
	if (count > 0)
		sum += (uint32_t)(p[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Offset of the checksum field inside a TCP (16) or UDP (6) header. */
static inline size_t ref_l4_check_offset(uint8_t proto)
{
	return proto == 6 ? 16 : 6;
}

/*
 * The TCP or UDP checksum the segment at pkt[l4_offset..l4_offset+l4_len)
 * should carry: RFC 793/768 pseudo-header for IPv4, RFC 8200 8.1 for IPv6
 * (addresses as in the IPv6 header, upper-layer length, next header), the
 * segment with its checksum field taken as zero. UDP's computed 0 is sent
 * as 0xffff (RFC 768), TCP has no such rule.
 */
static inline uint16_t ref_l4_checksum(const uint8_t *pkt, int family, size_t l4_offset,
				       size_t l4_len, uint8_t proto)
{
	static uint8_t scratch[40 + 65536];
	size_t n = 0, field = ref_l4_check_offset(proto);
	uint16_t check;

	if (family == 4) {
		memcpy(scratch, pkt + 12, 8); /* source, destination */
		scratch[8] = 0;
		scratch[9] = proto;
		scratch[10] = (uint8_t)(l4_len >> 8);
		scratch[11] = (uint8_t)l4_len;
		n = 12;
	} else {
		memcpy(scratch, pkt + 8, 32);
		scratch[32] = (uint8_t)(l4_len >> 24);
		scratch[33] = (uint8_t)(l4_len >> 16);
		scratch[34] = (uint8_t)(l4_len >> 8);
		scratch[35] = (uint8_t)l4_len;
		scratch[36] = scratch[37] = scratch[38] = 0;
		scratch[39] = proto;
		n = 40;
	}
	memcpy(scratch + n, pkt + l4_offset, l4_len);
	scratch[n + field] = scratch[n + field + 1] = 0;
	check = ref_checksum(scratch, n + l4_len);
	if (proto == 17 && check == 0)
		check = 0xffff;
	return check;
}

/* The IPv4 header checksum of pkt[0..ihl_bytes), its own field taken as zero. */
static inline uint16_t ref_ipv4_header_checksum(const uint8_t *pkt, size_t ihl_bytes)
{
	uint8_t hdr[60];

	memcpy(hdr, pkt, ihl_bytes);
	hdr[10] = hdr[11] = 0;
	return ref_checksum(hdr, ihl_bytes);
}

static inline uint16_t ref_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void ref_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

#endif
