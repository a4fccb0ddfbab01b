/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * parse.c - read one NFQNL_MSG_PACKET message into struct nfqueue__fields.
 *
 * Kept free of sockets and queues so unit tests can feed it crafted
 * messages: VLAN tags, L2 headers and conntrack data that a test kernel
 * may be unable to produce.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nfnetlink_queue.h>

#include "internal.h"

/* Attribute accessors, inline: they run for every attribute of every
 * packet, where libmnl's would each be a call into another library. */
static uint16_t attr_type(const struct nlattr *attr)
{
	return attr->nla_type & NLA_TYPE_MASK;
}

static uint16_t attr_len(const struct nlattr *attr)
{
	return (uint16_t)(attr->nla_len - NLA_HDRLEN);
}

static const void *attr_data(const struct nlattr *attr)
{
	return (const uint8_t *)attr + NLA_HDRLEN;
}

static struct nfqueue__span span_of(const struct nlmsghdr *nlh, const struct nlattr *attr)
{
	struct nfqueue__span s;

	s.off = (uint32_t)((const uint8_t *)attr_data(attr) - (const uint8_t *)nlh);
	s.len = attr_len(attr);
	return s;
}

static int need(const struct nlattr *attr, size_t len)
{
	if (attr_len(attr) < len)
		return nfqueue__fail(NFQUEUE_E_INVAL,
				     "attribute %u of a packet message is %u bytes, expected %zu",
				     attr_type(attr), attr_len(attr), len);
	return 0;
}

static uint32_t be32_at(const struct nlattr *attr)
{
	uint32_t value;

	memcpy(&value, attr_data(attr), sizeof(value));
	return ntohl(value);
}

/* mnl_attr_for_each_nested() stops silently at an inner attribute that
 * does not fit: `stop` short of the nest's end means the nest is corrupt. */
static int nest_complete(const struct nlattr *nest, const struct nlattr *stop)
{
	const char *end = (const char *)mnl_attr_get_payload(nest) + mnl_attr_get_payload_len(nest);

	if ((const char *)stop < end)
		return nfqueue__fail(NFQUEUE_E_INVAL, "nested attribute %u of a packet message is truncated",
				     mnl_attr_get_type(nest));
	return 0;
}

static int parse_vlan(struct nfqueue__fields *f, const struct nlattr *nest)
{
	const struct nlattr *attr;
	bool proto = false, tci = false;

	mnl_attr_for_each_nested(attr, nest) {
		switch (mnl_attr_get_type(attr)) {
		case NFQA_VLAN_PROTO:
			if (need(attr, 2))
				return NFQUEUE_E_INVAL;
			f->vlan_proto = ntohs(mnl_attr_get_u16(attr));
			proto = true;
			break;
		case NFQA_VLAN_TCI:
			if (need(attr, 2))
				return NFQUEUE_E_INVAL;
			f->vlan_tci = ntohs(mnl_attr_get_u16(attr));
			tci = true;
			break;
		}
	}
	if (nest_complete(nest, attr))
		return NFQUEUE_E_INVAL;
	if (proto && tci)
		f->present |= NFQUEUE__HAS_VLAN;
	return 0;
}

static int parse_ct(struct nfqueue__fields *f, const struct nlattr *nest)
{
	const struct nlattr *attr;

	mnl_attr_for_each_nested(attr, nest) {
		switch (mnl_attr_get_type(attr)) {
		case CTA_ID:
			if (need(attr, 4))
				return NFQUEUE_E_INVAL;
			f->ct_id = be32_at(attr);
			f->present |= NFQUEUE__HAS_CT_ID;
			break;
		case CTA_STATUS:
			if (need(attr, 4))
				return NFQUEUE_E_INVAL;
			f->ct_status = be32_at(attr);
			f->present |= NFQUEUE__HAS_CT_STATUS;
			break;
		}
	}
	return nest_complete(nest, attr);
}

/* The u32 attributes that map straight onto a field and a presence bit,
 * indexed by attribute type (a zero bit: not one of them). */
static const struct {
	uint32_t bit;
	uint16_t field;
} u32_fields[NFQA_MAX + 1] = {
	[NFQA_MARK] = { NFQUEUE__HAS_MARK, offsetof(struct nfqueue__fields, mark) },
	[NFQA_IFINDEX_INDEV] = { NFQUEUE__HAS_INDEV, offsetof(struct nfqueue__fields, ifindex[0]) },
	[NFQA_IFINDEX_OUTDEV] = { NFQUEUE__HAS_OUTDEV, offsetof(struct nfqueue__fields, ifindex[1]) },
	[NFQA_IFINDEX_PHYSINDEV] = { NFQUEUE__HAS_PHYSINDEV, offsetof(struct nfqueue__fields, ifindex[2]) },
	[NFQA_IFINDEX_PHYSOUTDEV] = { NFQUEUE__HAS_PHYSOUTDEV, offsetof(struct nfqueue__fields, ifindex[3]) },
	[NFQA_UID] = { NFQUEUE__HAS_UID, offsetof(struct nfqueue__fields, uid) },
	[NFQA_GID] = { NFQUEUE__HAS_GID, offsetof(struct nfqueue__fields, gid) },
	[NFQA_SKB_INFO] = { NFQUEUE__HAS_SKBINFO, offsetof(struct nfqueue__fields, skbinfo) },
	[NFQA_PRIORITY] = { NFQUEUE__HAS_PRIORITY, offsetof(struct nfqueue__fields, priority) },
	[NFQA_CT_INFO] = { NFQUEUE__HAS_CT_INFO, offsetof(struct nfqueue__fields, ct_info) },
};

/* 1 if `attr` was one of the u32 attributes, 0 if not, or an error. */
static int parse_u32(struct nfqueue__fields *f, const struct nlattr *attr)
{
	uint16_t type = attr_type(attr);
	uint32_t value;

	if (type > NFQA_MAX || !u32_fields[type].bit)
		return 0;
	if (need(attr, 4))
		return NFQUEUE_E_INVAL;
	value = be32_at(attr);
	memcpy((uint8_t *)f + u32_fields[type].field, &value, sizeof(value));
	f->present |= u32_fields[type].bit;
	return 1;
}

static int parse_attr(struct nfqueue__fields *f, const struct nlmsghdr *nlh,
		      const struct nlattr *attr, bool *has_cap_len)
{
	int rc = parse_u32(f, attr);

	if (rc)
		return rc < 0 ? rc : 0;

	switch (attr_type(attr)) {
	case NFQA_PACKET_HDR: {
		const struct nfqnl_msg_packet_hdr *hdr;

		if (need(attr, sizeof(*hdr)))
			return NFQUEUE_E_INVAL;
		hdr = attr_data(attr);
		f->id = ntohl(hdr->packet_id);
		f->hw_protocol = ntohs(hdr->hw_protocol);
		f->hook = hdr->hook;
		return 1; /* counted by the caller: the header is mandatory */
	}
	case NFQA_TIMESTAMP: {
		struct nfqnl_msg_packet_timestamp ts;

		if (need(attr, sizeof(ts)))
			return NFQUEUE_E_INVAL;
		/* Attributes are 4-byte aligned, the struct's __be64 needs 8: copy. */
		memcpy(&ts, attr_data(attr), sizeof(ts));
		f->ts_sec = (int64_t)be64toh(ts.sec);
		f->ts_usec = (int64_t)be64toh(ts.usec);
		f->present |= NFQUEUE__HAS_TIMESTAMP;
		break;
	}
	case NFQA_HWADDR: {
		const struct nfqnl_msg_packet_hw *hw;
		uint16_t len;

		if (need(attr, sizeof(*hw)))
			return NFQUEUE_E_INVAL;
		hw = attr_data(attr);
		len = ntohs(hw->hw_addrlen);
		if (len > sizeof(hw->hw_addr))
			return nfqueue__fail(NFQUEUE_E_INVAL, "hardware address length %u exceeds %zu",
					     len, sizeof(hw->hw_addr));
		f->hwaddr.off = (uint32_t)((const uint8_t *)hw->hw_addr - (const uint8_t *)nlh);
		f->hwaddr.len = len;
		f->present |= NFQUEUE__HAS_HWADDR;
		break;
	}
	case NFQA_PAYLOAD:
		f->payload = span_of(nlh, attr);
		f->present |= NFQUEUE__HAS_PAYLOAD;
		break;
	case NFQA_SECCTX:
		f->secctx = span_of(nlh, attr);
		/* The kernel counts the terminating NUL; users want the text. */
		while (f->secctx.len > 0 && ((const uint8_t *)nlh)[f->secctx.off + f->secctx.len - 1] == 0)
			f->secctx.len--;
		f->present |= NFQUEUE__HAS_SECCTX;
		break;
	case NFQA_L2HDR:
		f->l2hdr = span_of(nlh, attr);
		f->present |= NFQUEUE__HAS_L2HDR;
		break;
	case NFQA_CAP_LEN:
		if (need(attr, 4))
			return NFQUEUE_E_INVAL;
		f->orig_len = be32_at(attr);
		*has_cap_len = true;
		break;
	case NFQA_VLAN:
		return parse_vlan(f, attr);
	case NFQA_CT:
		return parse_ct(f, attr);
	}
	return 0;
}

int nfqueue__parse_packet(struct nfqueue__fields *out, const struct nlmsghdr *nlh)
{
	const uint8_t *start = (const uint8_t *)nlh;
	const uint8_t *at = start + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));
	const uint8_t *end = start + nlh->nlmsg_len;
	const struct nfgenmsg *nfg;
	bool has_hdr = false, has_cap_len = false;
	int rc;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_len < NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg)))
		return nfqueue__fail(NFQUEUE_E_INVAL, "packet message of %u bytes is truncated", nlh->nlmsg_len);
	nfg = (const struct nfgenmsg *)(start + NLMSG_HDRLEN);
	out->queue_num = ntohs(nfg->res_id);

	/* Every attribute must lie inside nlmsg_len, padding aside: a span
	 * must not reach past it, since a retained packet copies exactly
	 * nlmsg_len bytes. An attribute that does not fit, or bytes left
	 * over that cannot be one, mean the message was cut or corrupt. */
	while (at < end) {
		const struct nlattr *attr = (const struct nlattr *)at;

		if (end - at < NLA_HDRLEN || attr->nla_len < NLA_HDRLEN || attr->nla_len > end - at)
			return nfqueue__fail(NFQUEUE_E_INVAL,
					     "packet message has a truncated attribute at byte %td", at - start);
		rc = parse_attr(out, nlh, attr, &has_cap_len);
		if (rc < 0)
			return rc;
		if (rc == 1)
			has_hdr = true;
		at += NLA_ALIGN(attr->nla_len);
	}
	if (!has_hdr)
		return nfqueue__fail(NFQUEUE_E_INVAL, "packet message lacks its NFQA_PACKET_HDR attribute");
	/* NFQA_CAP_LEN comes only when the copy was cut short; without it a
	 * payload is the whole packet, and without a payload (copy mode
	 * meta) the kernel does not say how long the packet was. */
	if (has_cap_len) {
		out->present |= NFQUEUE__HAS_ORIG_LEN;
	} else if (out->present & NFQUEUE__HAS_PAYLOAD) {
		out->orig_len = out->payload.len;
		out->present |= NFQUEUE__HAS_ORIG_LEN;
	}
	return 0;
}
