/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * checksum.c - recompute the IPv4 header checksum and TCP/UDP checksums
 * (RFC 1071 one's complement sums) after a payload was edited.
 */
#include <netinet/in.h>
#include <string.h>

#include "internal.h"

/* Where the transport header starts and what it is, found by walking the
 * IP header (and IPv6 extension headers). */
struct l4_location {
	int family;          /* 4 or 6 */
	uint8_t proto;       /* IPPROTO_TCP, IPPROTO_UDP, or other */
	size_t offset;       /* of the transport header */
	size_t length;       /* transport header + data */
	bool is_fragment;    /* a non-first fragment or one with more to come */
};

static uint32_t sum16(uint32_t sum, const uint8_t *data, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)data[i] << 8 | data[i + 1];
	if (len & 1)
		sum += (uint32_t)data[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static int locate_ipv4(struct l4_location *loc, const uint8_t *data, size_t len)
{
	size_t ihl = (size_t)(data[0] & 0x0f) * 4;
	size_t total;
	uint16_t frag;

	/* Check the length before reading past byte 0. */
	if (len < 20 || ihl < 20 || ihl > len)
		return nfqueue__fail(NFQUEUE_E_INVAL, "IPv4 header is truncated (%zu bytes, header says %zu)",
				     len, ihl);
	total = (size_t)data[2] << 8 | data[3];
	frag = (uint16_t)(data[6] << 8 | data[7]);
	if (total < ihl || total > len)
		return nfqueue__fail(NFQUEUE_E_INVAL,
				     "IPv4 total length %zu does not fit the %zu bytes given", total, len);
	loc->family = 4;
	loc->proto = data[9];
	loc->offset = ihl;
	loc->length = total - ihl;
	loc->is_fragment = (frag & 0x3fff) != 0; /* MF bit or a fragment offset */
	return 0;
}

static int locate_ipv6(struct l4_location *loc, const uint8_t *data, size_t len)
{
	size_t payload_len, end, off = 40;
	uint8_t next;

	if (len < 40)
		return nfqueue__fail(NFQUEUE_E_INVAL, "IPv6 header is truncated (%zu bytes)", len);
	payload_len = (size_t)data[4] << 8 | data[5];
	if (payload_len == 0)
		return nfqueue__fail(NFQUEUE_E_INVAL, "IPv6 jumbograms are not supported");
	end = 40 + payload_len;
	if (end > len)
		return nfqueue__fail(NFQUEUE_E_INVAL,
				     "IPv6 payload length %zu does not fit the %zu bytes given", payload_len, len);
	next = data[6];
	loc->is_fragment = false;
	for (;;) {
		size_t ext_len;

		switch (next) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if (off + 8 > end)
				goto truncated;
			ext_len = ((size_t)data[off + 1] + 1) * 8;
			break;
		case IPPROTO_FRAGMENT:
			if (off + 8 > end)
				goto truncated;
			/* offset or M flag set: this is not a whole datagram */
			if ((data[off + 2] << 8 | data[off + 3]) & 0xfff9)
				loc->is_fragment = true;
			ext_len = 8;
			break;
		case IPPROTO_AH:
			if (off + 8 > end)
				goto truncated;
			ext_len = ((size_t)data[off + 1] + 2) * 4;
			break;
		default:
			loc->family = 6;
			loc->proto = next;
			loc->offset = off;
			loc->length = end - off;
			return 0;
		}
		next = data[off];
		off += ext_len;
		if (off > end)
			goto truncated;
	}
truncated:
	return nfqueue__fail(NFQUEUE_E_INVAL, "IPv6 extension header at offset %zu is truncated", off);
}

static int locate(struct l4_location *loc, const uint8_t *data, size_t len)
{
	if (!data || len < 1)
		return nfqueue__fail(NFQUEUE_E_INVAL, "no packet data given");
	switch (data[0] >> 4) {
	case 4: return locate_ipv4(loc, data, len);
	case 6: return locate_ipv6(loc, data, len);
	default:
		return nfqueue__fail(NFQUEUE_E_INVAL, "IP version %d is neither 4 nor 6", data[0] >> 4);
	}
}

static int ipv4_header(uint8_t *data, const struct l4_location *loc)
{
	put16(data + 10, 0);
	put16(data + 10, fold(sum16(0, data, loc->offset)));
	return 0;
}

static int transport(uint8_t *data, const struct l4_location *loc)
{
	uint8_t *l4 = data + loc->offset;
	size_t field;
	uint32_t sum;
	uint16_t check;

	if (loc->proto == IPPROTO_TCP) {
		if (loc->length < 20)
			return nfqueue__fail(NFQUEUE_E_INVAL, "TCP header is truncated (%zu bytes)", loc->length);
		field = 16;
	} else if (loc->proto == IPPROTO_UDP) {
		if (loc->length < 8)
			return nfqueue__fail(NFQUEUE_E_INVAL, "UDP header is truncated (%zu bytes)", loc->length);
		field = 6;
		/* The UDP length field must agree with the IP header, or the
		 * receiver would sum a different range than we do. */
		if (((size_t)l4[4] << 8 | l4[5]) != loc->length)
			return nfqueue__fail(NFQUEUE_E_INVAL,
					     "UDP length field %u disagrees with the IP payload length %zu: fix it before the checksum",
					     l4[4] << 8 | l4[5], loc->length);
	} else {
		return 0; /* nothing we know how to checksum: leave the bytes */
	}
	if (loc->is_fragment)
		return nfqueue__fail(NFQUEUE_E_INVAL,
				     "a fragment carries only part of the datagram: its transport checksum cannot be computed");

	/* Pseudo-header: addresses, protocol, transport length. */
	if (loc->family == 4)
		sum = sum16(0, data + 12, 8);
	else
		sum = sum16(0, data + 8, 32);
	sum += loc->proto;
	sum += (uint32_t)(loc->length & 0xffff) + (uint32_t)(loc->length >> 16);

	put16(l4 + field, 0);
	check = fold(sum16(sum, l4, loc->length));
	/* RFC 768: a computed zero is sent as all ones, 0 means "no checksum". */
	if (loc->proto == IPPROTO_UDP && check == 0)
		check = 0xffff;
	put16(l4 + field, check);
	return 0;
}

NFQUEUE_API int nfqueue_checksum_ipv4_header(uint8_t *data, size_t len)
{
	struct l4_location loc;
	int rc = locate(&loc, data, len);

	if (rc)
		return rc;
	if (loc.family != 4)
		return nfqueue__fail(NFQUEUE_E_INVAL, "not an IPv4 packet: IPv6 has no header checksum");
	return ipv4_header(data, &loc);
}

NFQUEUE_API int nfqueue_checksum_transport(uint8_t *data, size_t len)
{
	struct l4_location loc;
	int rc = locate(&loc, data, len);

	return rc ? rc : transport(data, &loc);
}

NFQUEUE_API int nfqueue_checksum_update(uint8_t *data, size_t len)
{
	struct l4_location loc;
	int rc = locate(&loc, data, len);

	if (rc)
		return rc;
	/* Transport first: it is the part that can still fail, and a failed
	 * call should leave the bytes as they were. The IPv4 header checksum
	 * does not cover the transport header, so the order is free.
	 * A fragment's transport checksum belongs to the whole datagram and
	 * stays as it is; its IPv4 header still gets fixed. */
	if (!loc.is_fragment) {
		rc = transport(data, &loc);
		if (rc)
			return rc;
	}
	if (loc.family == 4)
		ipv4_header(data, &loc);
	return 0;
}
