/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * summary.c - the L3/L4 one-liner of `nfqueue dump`.
 *
 * The payload can be cut short by the copy range, so every read is
 * bounds-checked and a packet too short for the next header is reported
 * as "(truncated)" rather than guessed at.
 */
#include "summary.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ETH_P_IP_ 0x0800
#define ETH_P_ARP_ 0x0806
#define ETH_P_IPV6_ 0x86dd

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58

/* An append-only cursor into the caller's buffer; truncates, never overflows. */
struct out {
	char *buf;
	size_t size, used;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	if (o->used + 1 >= o->size)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->used, o->size - o->used, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	o->used += (size_t)n;
	if (o->used >= o->size)
		o->used = o->size - 1;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The addresses of one packet, already formatted, and how to join a port. */
struct endpoints {
	char src[INET6_ADDRSTRLEN + 2];
	char dst[INET6_ADDRSTRLEN + 2];
};

static void format_addrs(struct endpoints *ep, int family, const uint8_t *src,
			 const uint8_t *dst)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	inet_ntop(family, src, a, sizeof(a));
	inet_ntop(family, dst, b, sizeof(b));
	/* IPv6 addresses contain colons, so they need brackets before ":port". */
	if (family == AF_INET6) {
		snprintf(ep->src, sizeof(ep->src), "[%s]", a);
		snprintf(ep->dst, sizeof(ep->dst), "[%s]", b);
	} else {
		snprintf(ep->src, sizeof(ep->src), "%s", a);
		snprintf(ep->dst, sizeof(ep->dst), "%s", b);
	}
}

/* Strip the brackets again where no port follows. */
static const char *bare(const char *addr, char *tmp, size_t size)
{
	size_t n = strlen(addr);
	if (n >= 2 && addr[0] == '[' && n - 2 < size) {
		memcpy(tmp, addr + 1, n - 2);
		tmp[n - 2] = '\0';
		return tmp;
	}
	return addr;
}

/* "PROTO SRC -> DST (truncated)": the ports are missing, so no brackets. */
static void put_truncated(struct out *o, const char *proto, const struct endpoints *ep)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	put(o, "%s %s -> %s (truncated)", proto, bare(ep->src, a, sizeof(a)),
	    bare(ep->dst, b, sizeof(b)));
}

/* `len` is what was captured of the L4 header and data, `wire_len` what
 * the IP header says the packet carries: the copy range can cut the
 * capture short, and the data length to report is the packet's. */
static void put_tcp(struct out *o, const struct endpoints *ep, const uint8_t *l4, size_t len,
		    size_t wire_len)
{
	if (len < 20) {
		put_truncated(o, "tcp", ep);
		return;
	}
	static const char names[] = "FSRPAUEC";
	char flags[9];
	size_t nf = 0;
	for (int bit = 0; bit < 8; bit++) {
		if (l4[13] & (1u << bit))
			flags[nf++] = bit == 4 ? '.' : names[bit]; /* ACK as tcpdump's '.' */
	}
	flags[nf] = '\0';
	size_t doff = (size_t)(l4[12] >> 4) * 4;
	put(o, "tcp %s:%u -> %s:%u [%s] seq=%u", ep->src, be16(l4), ep->dst, be16(l4 + 2),
	    flags, be32(l4 + 4));
	if (l4[13] & 0x10)
		put(o, " ack=%u", be32(l4 + 8));
	if (doff >= 20 && doff <= wire_len)
		put(o, " len=%zu", wire_len - doff);
}

static void put_udp(struct out *o, const struct endpoints *ep, const uint8_t *l4, size_t len)
{
	if (len < 8) {
		put_truncated(o, "udp", ep);
		return;
	}
	/* The UDP length field, not the captured length: the copy range may
	 * have cut the datagram short. */
	uint16_t ulen = be16(l4 + 4);
	put(o, "udp %s:%u -> %s:%u len=%u", ep->src, be16(l4), ep->dst, be16(l4 + 2),
	    ulen >= 8 ? ulen - 8 : 0);
}

static const char *icmp_name(uint8_t type)
{
	switch (type) {
	case 0: return "echo-reply";
	case 3: return "unreachable";
	case 5: return "redirect";
	case 8: return "echo-request";
	case 11: return "time-exceeded";
	default: return NULL;
	}
}

static const char *icmp6_name(uint8_t type)
{
	switch (type) {
	case 1: return "unreachable";
	case 2: return "packet-too-big";
	case 3: return "time-exceeded";
	case 128: return "echo-request";
	case 129: return "echo-reply";
	case 133: return "router-solicitation";
	case 134: return "router-advertisement";
	case 135: return "neighbor-solicitation";
	case 136: return "neighbor-advertisement";
	default: return NULL;
	}
}

static void put_icmp(struct out *o, const struct endpoints *ep, const uint8_t *l4, size_t len,
		     int v6)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	const char *src = bare(ep->src, a, sizeof(a));
	const char *dst = bare(ep->dst, b, sizeof(b));
	const char *proto = v6 ? "icmp6" : "icmp";

	if (len < 4) {
		put_truncated(o, proto, ep);
		return;
	}
	const char *name = v6 ? icmp6_name(l4[0]) : icmp_name(l4[0]);
	if (name)
		put(o, "%s %s -> %s %s", proto, src, dst, name);
	else
		put(o, "%s %s -> %s type=%u", proto, src, dst, l4[0]);
	if (l4[1] != 0)
		put(o, " code=%u", l4[1]);
	int echo = v6 ? (l4[0] == 128 || l4[0] == 129) : (l4[0] == 0 || l4[0] == 8);
	if (echo && len >= 8)
		put(o, " id=%u seq=%u", be16(l4 + 4), be16(l4 + 6));
}

static void put_l4(struct out *o, const struct endpoints *ep, uint8_t proto,
		   const uint8_t *l4, size_t len, size_t wire_len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	switch (proto) {
	case PROTO_TCP:
		put_tcp(o, ep, l4, len, wire_len);
		break;
	case PROTO_UDP:
		put_udp(o, ep, l4, len);
		break;
	case PROTO_ICMP:
		put_icmp(o, ep, l4, len, 0);
		break;
	case PROTO_ICMPV6:
		put_icmp(o, ep, l4, len, 1);
		break;
	default:
		put(o, "proto %u %s -> %s", proto, bare(ep->src, a, sizeof(a)),
		    bare(ep->dst, b, sizeof(b)));
		break;
	}
}

static void summarize_ipv4(struct out *o, const uint8_t *p, size_t len)
{
	if (len < 20) {
		put(o, "ip (truncated)");
		return;
	}
	size_t ihl = (size_t)(p[0] & 0x0f) * 4;
	if (ihl < 20 || ihl > len) {
		put(o, "ip (bad header length %zu)", ihl);
		return;
	}
	struct endpoints ep;
	format_addrs(&ep, AF_INET, p + 12, p + 16);

	/* Only the first fragment carries the L4 header. */
	uint16_t frag = be16(p + 6);
	if (frag & 0x1fff) {
		char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
		put(o, "ip %s -> %s proto %u fragment offset=%u", bare(ep.src, a, sizeof(a)),
		    bare(ep.dst, b, sizeof(b)), p[9], (unsigned)(frag & 0x1fff) * 8);
		return;
	}
	/* Trust the header's total length over the buffer when it is shorter:
	 * anything past it is padding, not L4 data. It is 0 in GSO packets
	 * larger than 64 KiB; then the buffer is all there is. */
	size_t total = be16(p + 2);
	size_t end = total >= ihl && total < len ? total : len;
	size_t wire = total >= ihl ? total - ihl : len - ihl;
	put_l4(o, &ep, p[9], p + ihl, end - ihl, wire);
}

static void summarize_ipv6(struct out *o, const uint8_t *p, size_t len)
{
	if (len < 40) {
		put(o, "ip6 (truncated)");
		return;
	}
	struct endpoints ep;
	format_addrs(&ep, AF_INET6, p + 8, p + 24);

	uint8_t next = p[6];
	size_t off = 40;
	/* Walk the extension headers to the transport header. */
	for (;;) {
		size_t hlen;
		if (next == 0 || next == 43 || next == 60) { /* hop-by-hop, routing, dest opts */
			if (off + 8 > len)
				goto truncated;
			hlen = ((size_t)p[off + 1] + 1) * 8;
		} else if (next == 44) { /* fragment */
			if (off + 8 > len)
				goto truncated;
			if (be16(p + off + 2) & 0xfff8) {
				char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
				put(o, "ip6 %s -> %s proto %u fragment", bare(ep.src, a, sizeof(a)),
				    bare(ep.dst, b, sizeof(b)), p[off]);
				return;
			}
			hlen = 8;
		} else if (next == 51) { /* authentication header counts in 4-byte units */
			if (off + 8 > len)
				goto truncated;
			hlen = ((size_t)p[off + 1] + 2) * 4;
		} else {
			break;
		}
		next = p[off];
		off += hlen;
		if (off > len)
			goto truncated;
	}
	/* A payload length of 0 means a jumbogram (or BIG TCP): use the buffer. */
	size_t plen = be16(p + 4);
	size_t end = 40 + plen < len && plen != 0 ? 40 + plen : len;
	if (end < off)
		end = off;
	size_t wire = plen != 0 && 40 + plen >= off ? 40 + plen - off : end - off;
	put_l4(o, &ep, next, p + off, end - off, wire);
	return;

truncated:
	put_truncated(o, "ip6", &ep);
}

void summarize_packet(char *buf, size_t size, const uint8_t *data, size_t len,
		      uint16_t hw_protocol)
{
	struct out o = {buf, size, 0};

	if (size == 0)
		return;
	buf[0] = '\0';
	if (hw_protocol == ETH_P_ARP_) {
		put(&o, "arp");
		return;
	}
	if (data == NULL || len == 0) {
		put(&o, "(no payload)");
		return;
	}
	/* The version nibble decides: hw_protocol is 0 in some hooks. */
	switch (data[0] >> 4) {
	case 4:
		if (hw_protocol == 0 || hw_protocol == ETH_P_IP_) {
			summarize_ipv4(&o, data, len);
			return;
		}
		break;
	case 6:
		if (hw_protocol == 0 || hw_protocol == ETH_P_IPV6_) {
			summarize_ipv6(&o, data, len);
			return;
		}
		break;
	}
	put(&o, "ethertype 0x%04x, %zu bytes", hw_protocol, len);
}
