/* SPDX-License-Identifier: GPL-2.0-or-later */
/* forge.c - see forge.h. */
#include <arpa/inet.h>
#include <string.h>

#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <linux/netlink.h>

#include "forge.h"

static size_t put_attr(uint8_t *buf, size_t at, size_t room, uint16_t type, const void *data,
		       size_t len)
{
	struct nlattr attr = { .nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type };

	if (at + NLA_ALIGN(NLA_HDRLEN + len) > room || NLA_HDRLEN + len > 0xffff)
		return 0;
	memcpy(buf + at, &attr, sizeof(attr));
	memcpy(buf + at + NLA_HDRLEN, data, len);
	memset(buf + at + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	return at + NLA_ALIGN(NLA_HDRLEN + len);
}

static size_t put_headers(uint8_t *buf, size_t room, uint16_t queue_num, uint32_t id)
{
	struct nlmsghdr nlh = {
		.nlmsg_type = NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_PACKET,
	};
	struct nfgenmsg nfg = { .nfgen_family = AF_INET, .version = NFNETLINK_V0,
				.res_id = htons(queue_num) };
	struct nfqnl_msg_packet_hdr hdr = { .packet_id = htonl(id), .hw_protocol = htons(0x0800),
					    .hook = 3 };
	size_t at = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(nfg));

	if (room < at)
		return 0;
	memcpy(buf, &nlh, sizeof(nlh));
	memcpy(buf + NLMSG_HDRLEN, &nfg, sizeof(nfg));
	memset(buf + NLMSG_HDRLEN + sizeof(nfg), 0, NLMSG_ALIGN(sizeof(nfg)) - sizeof(nfg));
	return put_attr(buf, at, room, NFQA_PACKET_HDR, &hdr, sizeof(hdr));
}

static void set_len(uint8_t *buf, uint32_t len)
{
	memcpy(buf + offsetof(struct nlmsghdr, nlmsg_len), &len, sizeof(len));
}

size_t forge_packet(uint8_t *buf, size_t room, uint16_t queue_num, uint32_t id,
		    const uint8_t *payload, size_t payload_len)
{
	uint32_t mark = htonl(0x5a5a);
	size_t at = put_headers(buf, room, queue_num, id);

	if (at)
		at = put_attr(buf, at, room, NFQA_MARK, &mark, sizeof(mark));
	if (at)
		at = put_attr(buf, at, room, NFQA_PAYLOAD, payload, payload_len);
	if (at)
		set_len(buf, (uint32_t)at);
	return at;
}

size_t forge_lying_length(uint8_t *buf, uint32_t claimed, size_t actual)
{
	size_t at = put_headers(buf, actual < 64 ? 64 : actual, 0, 1);

	if (actual > at)
		memset(buf + at, 0xa5, actual - at);
	set_len(buf, claimed);
	return actual;
}

size_t forge_truncated_attribute(uint8_t *buf, size_t room, uint16_t queue_num, uint32_t id)
{
	uint8_t payload[16] = { 0x45 };
	size_t len = forge_packet(buf, room, queue_num, id, payload, sizeof(payload));
	struct nlattr *last = (struct nlattr *)(buf + len - NLA_ALIGN(NLA_HDRLEN + sizeof(payload)));

	last->nla_len = 4000; /* far past the message's end */
	return len;
}

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t forge_udp_payload(uint8_t *buf, uint16_t port, uint32_t seq)
{
	uint8_t *ip = buf, *udp = buf + 20;
	uint32_t be_seq = htonl(seq);
	uint16_t sum;

	memset(buf, 0, 36);
	ip[0] = 0x45;
	ip[3] = 36;
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 127, ip[15] = 1;
	ip[16] = 127, ip[19] = 1;
	sum = ip_checksum(ip, 20);
	ip[10] = (uint8_t)(sum >> 8), ip[11] = (uint8_t)sum;
	udp[0] = 0x9c, udp[1] = 0x40;
	udp[2] = (uint8_t)(port >> 8), udp[3] = (uint8_t)port;
	udp[5] = 16;
	memcpy(udp + 8, &be_seq, 4);
	memcpy(udp + 12, "NFQR", 4);
	return 36;
}
