/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_parse.c - nfqueue__parse_packet() on NFQNL_MSG_PACKET messages built
 * here with libmnl, the way the kernel builds them.
 *
 * This is where VLAN tags, L2 headers and conntrack data are tested: the
 * kernel the conformance suite runs on has no VLAN devices and no
 * conntrack glue, so it never sends them. Every value is chosen so that a
 * missing byte-order conversion shows.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <stdlib.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nfnetlink_queue.h>

#include "harness.h"
#include "internal.h"

/* ---- what the crafted messages carry ---- */

#define QUEUE_NUM 65000
#define PACKET_ID 0xdeadbeefu
#define HW_PROTOCOL 0x86dd /* ETH_P_IPV6 */
#define HOOK NFQUEUE_HOOK_FORWARD
#define MARK 0xc0ffee01u
#define TS_SEC 0x100000001LL /* needs all 64 bits */
#define TS_USEC 999999LL
#define UID 1000u
#define GID 0xfffffffeu
#define SECCTX "system_u:system_r:unconfined_t:s0"
#define SKBINFO (NFQUEUE_SKB_CSUM_NOT_READY | NFQUEUE_SKB_GSO)
#define PRIORITY 0x10007u
#define VLAN_PROTO 0x88a8 /* 802.1ad */
#define VLAN_TCI 0xe064   /* PCP 7, VID 100 */
#define CT_INFO 4u        /* IP_CT_RELATED_REPLY */
#define CT_ID 0x80000001u
#define CT_STATUS 0x1cau  /* seen reply, assured, confirmed, ... */
#define CAP_LEN 1500u

static const uint32_t ifindexes[4] = { 3, 4, 0x01020304, 6 };
static const uint8_t hwaddr[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 };
static const uint8_t l2hdr[14] = {
	0x02, 0x00, 0x5e, 0x10, 0x00, 0x02, 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01, 0x86, 0xdd,
};
static const uint8_t payload[41] = { /* odd on purpose: the next attribute is padded */
	0x60, 0x00, 0x00, 0x00, 0x00, 0x01, 0x3b, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 1, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0xff,
};

/* The optional parts a message can have; the packet header is always there. */
enum item {
	IT_MARK, IT_TIMESTAMP, IT_INDEV, IT_OUTDEV, IT_PHYSINDEV, IT_PHYSOUTDEV, IT_HWADDR,
	IT_UID, IT_GID, IT_SECCTX, IT_SKBINFO, IT_PRIORITY, IT_VLAN, IT_L2HDR, IT_CT_INFO,
	IT_CT_ID, IT_CT_STATUS, IT_PAYLOAD, IT_CAP_LEN, N_ITEMS
};
#define ALL_ITEMS ((1u << N_ITEMS) - 1)

/* The presence bit each item sets (CAP_LEN has none of its own: it feeds
 * orig_len, whose bit bits_of() derives). */
static const uint32_t item_bit[N_ITEMS] = {
	[IT_MARK] = NFQUEUE__HAS_MARK, [IT_TIMESTAMP] = NFQUEUE__HAS_TIMESTAMP,
	[IT_INDEV] = NFQUEUE__HAS_INDEV, [IT_OUTDEV] = NFQUEUE__HAS_OUTDEV,
	[IT_PHYSINDEV] = NFQUEUE__HAS_PHYSINDEV, [IT_PHYSOUTDEV] = NFQUEUE__HAS_PHYSOUTDEV,
	[IT_HWADDR] = NFQUEUE__HAS_HWADDR, [IT_UID] = NFQUEUE__HAS_UID, [IT_GID] = NFQUEUE__HAS_GID,
	[IT_SECCTX] = NFQUEUE__HAS_SECCTX, [IT_SKBINFO] = NFQUEUE__HAS_SKBINFO,
	[IT_PRIORITY] = NFQUEUE__HAS_PRIORITY, [IT_VLAN] = NFQUEUE__HAS_VLAN,
	[IT_L2HDR] = NFQUEUE__HAS_L2HDR, [IT_CT_INFO] = NFQUEUE__HAS_CT_INFO,
	[IT_CT_ID] = NFQUEUE__HAS_CT_ID, [IT_CT_STATUS] = NFQUEUE__HAS_CT_STATUS,
	[IT_PAYLOAD] = NFQUEUE__HAS_PAYLOAD, [IT_CAP_LEN] = 0,
};

static const char *const item_name[N_ITEMS] = {
	"MARK", "TIMESTAMP", "INDEV", "OUTDEV", "PHYSINDEV", "PHYSOUTDEV", "HWADDR", "UID", "GID",
	"SECCTX", "SKBINFO", "PRIORITY", "VLAN", "L2HDR", "CT_INFO", "CT_ID", "CT_STATUS",
	"PAYLOAD", "CAP_LEN",
};

static uint32_t bits_of(unsigned items)
{
	uint32_t bits = 0;
	int i;

	for (i = 0; i < N_ITEMS; i++)
		if (items & (1u << i))
			bits |= item_bit[i];
	/* The original length is known from NFQA_CAP_LEN or, failing that,
	 * from the payload; with neither it is absent. */
	if (items & (1u << IT_PAYLOAD | 1u << IT_CAP_LEN))
		bits |= NFQUEUE__HAS_ORIG_LEN;
	return bits;
}

/* ---- building messages ---- */

/* Aligned like a receive buffer, large enough for any message here. */
static union {
	uint64_t align;
	uint8_t bytes[8192];
} msgbuf;

static struct nlmsghdr *start_message(void)
{
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;

	memset(msgbuf.bytes, 0, sizeof(msgbuf.bytes));
	nlh = mnl_nlmsg_put_header(msgbuf.bytes);
	nlh->nlmsg_type = NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_PACKET;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_INET6;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(QUEUE_NUM);
	return nlh;
}

static void put_packet_hdr(struct nlmsghdr *nlh)
{
	struct nfqnl_msg_packet_hdr hdr = {
		.packet_id = htonl(PACKET_ID), .hw_protocol = htons(HW_PROTOCOL), .hook = HOOK,
	};

	mnl_attr_put(nlh, NFQA_PACKET_HDR, sizeof(hdr), &hdr);
}

/* A message with the packet header and `items`, in the kernel's order. */
static struct nlmsghdr *build(unsigned items)
{
	struct nlmsghdr *nlh = start_message();
	int i;

	put_packet_hdr(nlh);
	if (items & (1u << IT_PRIORITY))
		mnl_attr_put_u32(nlh, NFQA_PRIORITY, htonl(PRIORITY));
	for (i = 0; i < 4; i++)
		if (items & (1u << (IT_INDEV + i)))
			mnl_attr_put_u32(nlh, NFQA_IFINDEX_INDEV + i, htonl(ifindexes[i]));
	if (items & (1u << IT_MARK))
		mnl_attr_put_u32(nlh, NFQA_MARK, htonl(MARK));
	if (items & (1u << IT_HWADDR)) {
		struct nfqnl_msg_packet_hw hw;

		memset(&hw, 0, sizeof(hw));
		hw.hw_addrlen = htons(sizeof(hwaddr));
		memcpy(hw.hw_addr, hwaddr, sizeof(hwaddr));
		mnl_attr_put(nlh, NFQA_HWADDR, sizeof(hw), &hw);
	}
	if (items & (1u << IT_TIMESTAMP)) {
		struct nfqnl_msg_packet_timestamp ts = {
			.sec = htobe64((uint64_t)TS_SEC), .usec = htobe64((uint64_t)TS_USEC),
		};

		mnl_attr_put(nlh, NFQA_TIMESTAMP, sizeof(ts), &ts);
	}
	if (items & (1u << IT_UID))
		mnl_attr_put_u32(nlh, NFQA_UID, htonl(UID));
	if (items & (1u << IT_GID))
		mnl_attr_put_u32(nlh, NFQA_GID, htonl(GID));
	if (items & (1u << IT_SECCTX))
		mnl_attr_put_strz(nlh, NFQA_SECCTX, SECCTX); /* the kernel counts the NUL */
	if (items & (1u << IT_CT_ID | 1u << IT_CT_STATUS)) {
		/* As ctnetlink_glue_build() does: tuples first, then the rest. */
		struct nlattr *ct = mnl_attr_nest_start(nlh, NFQA_CT);
		struct nlattr *tuple = mnl_attr_nest_start(nlh, CTA_TUPLE_ORIG);

		mnl_attr_put_u32(nlh, 1, htonl(0xc0000201)); /* nested attrs the parser skips */
		mnl_attr_nest_end(nlh, tuple);
		if (items & (1u << IT_CT_STATUS))
			mnl_attr_put_u32(nlh, CTA_STATUS, htonl(CT_STATUS));
		mnl_attr_put_u32(nlh, CTA_TIMEOUT, htonl(120));
		mnl_attr_put_u32(nlh, CTA_MARK, htonl(0x5555));
		if (items & (1u << IT_CT_ID))
			mnl_attr_put_u32(nlh, CTA_ID, htonl(CT_ID));
		mnl_attr_put_u32(nlh, CTA_USE, htonl(2));
		mnl_attr_nest_end(nlh, ct);
	}
	if (items & (1u << IT_CT_INFO))
		mnl_attr_put_u32(nlh, NFQA_CT_INFO, htonl(CT_INFO));
	if (items & (1u << IT_CAP_LEN))
		mnl_attr_put_u32(nlh, NFQA_CAP_LEN, htonl(CAP_LEN));
	if (items & (1u << IT_SKBINFO))
		mnl_attr_put_u32(nlh, NFQA_SKB_INFO, htonl(SKBINFO));
	if (items & (1u << IT_VLAN)) {
		struct nlattr *vlan = mnl_attr_nest_start(nlh, NFQA_VLAN);

		mnl_attr_put_u16(nlh, NFQA_VLAN_PROTO, htons(VLAN_PROTO));
		mnl_attr_put_u16(nlh, NFQA_VLAN_TCI, htons(VLAN_TCI));
		mnl_attr_nest_end(nlh, vlan);
	}
	if (items & (1u << IT_L2HDR))
		mnl_attr_put(nlh, NFQA_L2HDR, sizeof(l2hdr), l2hdr);
	if (items & (1u << IT_PAYLOAD))
		mnl_attr_put(nlh, NFQA_PAYLOAD, sizeof(payload), payload);
	return nlh;
}

/* The bytes a span names inside the message. */
static const uint8_t *at(const struct nlmsghdr *nlh, struct nfqueue__span s)
{
	return (const uint8_t *)nlh + s.off;
}

/* Parse expecting success; report the library's message if not. */
static int parse_ok(struct nfqueue__fields *f, const struct nlmsghdr *nlh)
{
	int rc = nfqueue__parse_packet(f, nlh);

	if (rc != 0)
		harness_fail(__FILE__, __LINE__, "parse failed: %d (%s): %s", rc, nfqueue_strerror(rc),
			     nfqueue_last_error());
	return rc;
}

/* Expect NFQUEUE_E_INVAL with an explanation. */
static void expect_invalid(const struct nlmsghdr *nlh, const char *what)
{
	struct nfqueue__fields f;
	int rc = nfqueue__parse_packet(&f, nlh);

	if (rc != NFQUEUE_E_INVAL)
		harness_fail(__FILE__, __LINE__, "%s: parse returned %d (%s), expected NFQUEUE_E_INVAL",
			     what, rc, nfqueue_strerror(rc));
	else if (nfqueue_last_error()[0] == '\0')
		harness_fail(__FILE__, __LINE__, "%s: no explanation in nfqueue_last_error()", what);
}

/* ---- well-formed messages ---- */

static void test_every_attribute_present(void)
{
	const struct nlmsghdr *nlh = build(ALL_ITEMS);
	struct nfqueue__fields f;
	int i;

	if (parse_ok(&f, nlh))
		return;
	CHECK_EQ(f.present, bits_of(ALL_ITEMS));
	CHECK_EQ(f.queue_num, QUEUE_NUM);
	CHECK_EQ(f.id, PACKET_ID);
	CHECK_EQ(f.hw_protocol, HW_PROTOCOL);
	CHECK_EQ(f.hook, HOOK);
	CHECK_EQ(f.mark, MARK);
	CHECK_EQ(f.ts_sec, TS_SEC);
	CHECK_EQ(f.ts_usec, TS_USEC);
	for (i = 0; i < 4; i++)
		CHECK_EQ(f.ifindex[i], ifindexes[i]);
	CHECK_EQ(f.uid, UID);
	CHECK_EQ(f.gid, GID);
	CHECK_EQ(f.skbinfo, SKBINFO);
	CHECK_EQ(f.priority, PRIORITY);
	CHECK_EQ(f.vlan_proto, VLAN_PROTO);
	CHECK_EQ(f.vlan_tci, VLAN_TCI);
	CHECK_EQ(f.ct_info, CT_INFO);
	CHECK_EQ(f.ct_id, CT_ID);
	CHECK_EQ(f.ct_status, CT_STATUS);
	CHECK_EQ(f.orig_len, CAP_LEN);

	CHECK_EQ(f.hwaddr.len, sizeof(hwaddr));
	CHECK_MEM(at(nlh, f.hwaddr), hwaddr, sizeof(hwaddr));
	CHECK_EQ(f.secctx.len, strlen(SECCTX)); /* without the kernel's NUL */
	CHECK_MEM(at(nlh, f.secctx), SECCTX, strlen(SECCTX));
	CHECK_EQ(f.l2hdr.len, sizeof(l2hdr));
	CHECK_MEM(at(nlh, f.l2hdr), l2hdr, sizeof(l2hdr));
	CHECK_EQ(f.payload.len, sizeof(payload));
	CHECK_MEM(at(nlh, f.payload), payload, sizeof(payload));
}

/* Leave out one attribute at a time: only its bit goes, the rest stays. */
static void test_each_attribute_absent(void)
{
	struct nfqueue__fields f;
	int i;

	for (i = 0; i < N_ITEMS; i++) {
		unsigned items = ALL_ITEMS & ~(1u << i);
		const struct nlmsghdr *nlh = build(items);

		if (parse_ok(&f, nlh))
			continue;
		if (f.present != bits_of(items))
			harness_fail(__FILE__, __LINE__, "without %s: present 0x%x, expected 0x%x",
				     item_name[i], f.present, bits_of(items));
		CHECK_EQ(f.id, PACKET_ID);
		CHECK_EQ(f.payload.len, i == IT_PAYLOAD ? 0 : sizeof(payload));
	}
}

/* The smallest message the kernel sends (copy mode none, mark 0, no
 * device): only the packet header. Absent means absent, not 0. */
static void test_only_packet_header(void)
{
	const struct nlmsghdr *nlh = build(0);
	struct nfqueue__fields f;

	if (parse_ok(&f, nlh))
		return;
	CHECK_EQ(f.present, 0);
	CHECK_EQ(f.id, PACKET_ID);
	CHECK_EQ(f.hw_protocol, HW_PROTOCOL);
	CHECK_EQ(f.hook, HOOK);
	CHECK_EQ(f.queue_num, QUEUE_NUM);
	CHECK_EQ(f.orig_len, 0);
}

/* NFQA_CAP_LEN comes only when the copy was cut short; without it the
 * payload is the whole packet. */
static void test_orig_len(void)
{
	struct nfqueue__fields f;

	if (!parse_ok(&f, build(1u << IT_PAYLOAD | 1u << IT_CAP_LEN)))
		CHECK_EQ(f.orig_len, CAP_LEN);
	if (!parse_ok(&f, build(1u << IT_PAYLOAD)))
		CHECK_EQ(f.orig_len, sizeof(payload));
	/* a message with a length but no payload still reports the length */
	if (!parse_ok(&f, build(1u << IT_CAP_LEN))) {
		CHECK_EQ(f.orig_len, CAP_LEN);
		CHECK_EQ(f.present & NFQUEUE__HAS_PAYLOAD, 0);
		CHECK_EQ(f.present & NFQUEUE__HAS_ORIG_LEN, NFQUEUE__HAS_ORIG_LEN);
	}
	/* copy mode meta as the kernel sends it: neither, so the length is absent */
	if (!parse_ok(&f, build(0)))
		CHECK_EQ(f.present & NFQUEUE__HAS_ORIG_LEN, 0);
}

static void test_vlan(void)
{
	struct nlmsghdr *nlh;
	struct nlattr *vlan;
	struct nfqueue__fields f;

	/* Big-endian on the wire, host order out. */
	if (!parse_ok(&f, build(1u << IT_VLAN))) {
		CHECK_EQ(f.present, NFQUEUE__HAS_VLAN);
		CHECK_EQ(f.vlan_proto, VLAN_PROTO);
		CHECK_EQ(f.vlan_tci, VLAN_TCI);
	}

	/* Older kernels nest without NLA_F_NESTED: same result. */
	nlh = start_message();
	put_packet_hdr(nlh);
	vlan = mnl_attr_nest_start(nlh, NFQA_VLAN);
	mnl_attr_put_u16(nlh, NFQA_VLAN_PROTO, htons(0x8100));
	mnl_attr_put_u16(nlh, NFQA_VLAN_TCI, htons(0x0fff));
	mnl_attr_nest_end(nlh, vlan);
	vlan->nla_type &= (uint16_t)~NLA_F_NESTED;
	if (!parse_ok(&f, nlh)) {
		CHECK_EQ(f.present, NFQUEUE__HAS_VLAN);
		CHECK_EQ(f.vlan_proto, 0x8100);
		CHECK_EQ(f.vlan_tci, 0x0fff);
	}

	/* Half a tag is no tag: the kernel always sends both. */
	nlh = start_message();
	put_packet_hdr(nlh);
	vlan = mnl_attr_nest_start(nlh, NFQA_VLAN);
	mnl_attr_put_u16(nlh, NFQA_VLAN_PROTO, htons(0x8100));
	mnl_attr_nest_end(nlh, vlan);
	if (!parse_ok(&f, nlh))
		CHECK_EQ(f.present & NFQUEUE__HAS_VLAN, 0);
}

static void test_l2hdr_and_hwaddr_spans(void)
{
	struct nfqnl_msg_packet_hw hw;
	struct nlmsghdr *nlh;
	struct nfqueue__fields f;

	nlh = build(1u << IT_L2HDR | 1u << IT_HWADDR);
	if (!parse_ok(&f, nlh)) {
		CHECK_EQ(f.present, NFQUEUE__HAS_L2HDR | NFQUEUE__HAS_HWADDR);
		CHECK_EQ(f.l2hdr.len, sizeof(l2hdr));
		CHECK_MEM(at(nlh, f.l2hdr), l2hdr, sizeof(l2hdr));
		CHECK_EQ(f.hwaddr.len, 6);
		CHECK_MEM(at(nlh, f.hwaddr), hwaddr, 6);
	}

	/* The address length comes from hw_addrlen, not the attribute size:
	 * an 8-byte (e.g. FireWire EUI-64) address uses the whole field. */
	nlh = start_message();
	put_packet_hdr(nlh);
	memset(&hw, 0, sizeof(hw));
	hw.hw_addrlen = htons(8);
	memcpy(hw.hw_addr, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	mnl_attr_put(nlh, NFQA_HWADDR, sizeof(hw), &hw);
	if (!parse_ok(&f, nlh)) {
		CHECK_EQ(f.hwaddr.len, 8);
		CHECK_MEM(at(nlh, f.hwaddr), "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	}
}

static void test_conntrack(void)
{
	struct nfqueue__fields f;

	if (!parse_ok(&f, build(1u << IT_CT_INFO | 1u << IT_CT_ID | 1u << IT_CT_STATUS))) {
		CHECK_EQ(f.present, NFQUEUE__HAS_CT_INFO | NFQUEUE__HAS_CT_ID | NFQUEUE__HAS_CT_STATUS);
		CHECK_EQ(f.ct_info, CT_INFO);
		CHECK_EQ(f.ct_id, CT_ID);
		CHECK_EQ(f.ct_status, CT_STATUS);
	}
	/* Parts of the nest are reported one by one. */
	if (!parse_ok(&f, build(1u << IT_CT_STATUS))) {
		CHECK_EQ(f.present, NFQUEUE__HAS_CT_STATUS);
		CHECK_EQ(f.ct_status, CT_STATUS);
	}
	if (!parse_ok(&f, build(1u << IT_CT_INFO)))
		CHECK_EQ(f.present, NFQUEUE__HAS_CT_INFO);
}

/* Attributes a newer kernel may add, or that we do not use, are skipped. */
static void test_unknown_attributes_are_skipped(void)
{
	struct nlmsghdr *nlh = start_message();
	struct nfqueue__fields f;

	mnl_attr_put_u32(nlh, 200, 0xffffffff);
	put_packet_hdr(nlh);
	mnl_attr_put_u32(nlh, NFQA_EXP, 0);
	mnl_attr_put_u32(nlh, NFQA_MARK, htonl(MARK));
	mnl_attr_put(nlh, 0x7fff, 3, "abc");
	if (!parse_ok(&f, nlh)) {
		CHECK_EQ(f.present, NFQUEUE__HAS_MARK);
		CHECK_EQ(f.mark, MARK);
		CHECK_EQ(f.id, PACKET_ID);
	}
}

/* ---- malformed messages ---- */

static void test_missing_headers_are_invalid(void)
{
	struct nlmsghdr *nlh = start_message();

	mnl_attr_put_u32(nlh, NFQA_MARK, htonl(MARK));
	expect_invalid(nlh, "no NFQA_PACKET_HDR");

	nlh = start_message();
	nlh->nlmsg_len = sizeof(struct nlmsghdr) + 2; /* half an nfgenmsg */
	expect_invalid(nlh, "truncated nfgenmsg");
}

/* Each fixed-size attribute one byte too short (or two for u32s). */
static void test_short_attributes_are_invalid(void)
{
	static const uint16_t u32_types[] = {
		NFQA_MARK, NFQA_IFINDEX_INDEV, NFQA_IFINDEX_OUTDEV, NFQA_IFINDEX_PHYSINDEV,
		NFQA_IFINDEX_PHYSOUTDEV, NFQA_UID, NFQA_GID, NFQA_SKB_INFO, NFQA_PRIORITY,
		NFQA_CT_INFO, NFQA_CAP_LEN,
	};
	uint8_t zeros[64] = { 0 };
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	char what[64];
	size_t i;

	for (i = 0; i < sizeof(u32_types) / sizeof(u32_types[0]); i++) {
		nlh = start_message();
		put_packet_hdr(nlh);
		mnl_attr_put_u16(nlh, u32_types[i], 1);
		snprintf(what, sizeof(what), "2-byte attribute %u", u32_types[i]);
		expect_invalid(nlh, what);
	}

	nlh = start_message();
	mnl_attr_put(nlh, NFQA_PACKET_HDR, sizeof(struct nfqnl_msg_packet_hdr) - 1, zeros);
	expect_invalid(nlh, "short NFQA_PACKET_HDR");

	nlh = start_message();
	put_packet_hdr(nlh);
	mnl_attr_put(nlh, NFQA_TIMESTAMP, sizeof(struct nfqnl_msg_packet_timestamp) - 1, zeros);
	expect_invalid(nlh, "short NFQA_TIMESTAMP");

	nlh = start_message();
	put_packet_hdr(nlh);
	mnl_attr_put(nlh, NFQA_HWADDR, sizeof(struct nfqnl_msg_packet_hw) - 1, zeros);
	expect_invalid(nlh, "short NFQA_HWADDR");

	nlh = start_message();
	put_packet_hdr(nlh);
	nest = mnl_attr_nest_start(nlh, NFQA_VLAN);
	mnl_attr_put_u16(nlh, NFQA_VLAN_PROTO, htons(0x8100));
	mnl_attr_put(nlh, NFQA_VLAN_TCI, 1, zeros);
	mnl_attr_nest_end(nlh, nest);
	expect_invalid(nlh, "1-byte NFQA_VLAN_TCI");

	nlh = start_message();
	put_packet_hdr(nlh);
	nest = mnl_attr_nest_start(nlh, NFQA_CT);
	mnl_attr_put_u16(nlh, CTA_ID, 1);
	mnl_attr_nest_end(nlh, nest);
	expect_invalid(nlh, "2-byte CTA_ID");

	nlh = start_message();
	put_packet_hdr(nlh);
	nest = mnl_attr_nest_start(nlh, NFQA_CT);
	mnl_attr_put(nlh, CTA_STATUS, 3, zeros);
	mnl_attr_nest_end(nlh, nest);
	expect_invalid(nlh, "3-byte CTA_STATUS");
}

/* hw_addrlen larger than the 8-byte field would point past it. */
static void test_oversized_hwaddr_is_invalid(void)
{
	struct nlmsghdr *nlh = start_message();
	struct nfqnl_msg_packet_hw hw;

	put_packet_hdr(nlh);
	memset(&hw, 0, sizeof(hw));
	hw.hw_addrlen = htons(9);
	mnl_attr_put(nlh, NFQA_HWADDR, sizeof(hw), &hw);
	expect_invalid(nlh, "hw_addrlen 9");
}

/* Attribute lengths that do not fit: below the attribute header, zero
 * (which would loop forever if taken at face value), or past the end. */
static void test_bad_attribute_lengths_are_invalid(void)
{
	static const uint16_t bad_lengths[] = { 0, 2, 3, 200 };
	struct nlmsghdr *nlh;
	struct nlattr *attr;
	size_t i;
	char what[64];

	for (i = 0; i < sizeof(bad_lengths) / sizeof(bad_lengths[0]); i++) {
		nlh = build(1u << IT_MARK);
		attr = mnl_nlmsg_get_payload_tail(nlh);
		mnl_attr_put_u32(nlh, NFQA_UID, htonl(UID));
		mnl_attr_put_u32(nlh, NFQA_GID, htonl(GID));
		attr->nla_len = bad_lengths[i];
		snprintf(what, sizeof(what), "attribute length %u", bad_lengths[i]);
		expect_invalid(nlh, what);
	}
}

/*
 * A nested attribute whose inner attribute runs past the nest: the outer
 * message is consistent, the nest is not.
 */
static void test_broken_nests_are_invalid(void)
{
	static const uint16_t nests[] = { NFQA_VLAN, NFQA_CT };
	struct nlmsghdr *nlh;
	struct nlattr *nest, *inner;
	size_t i;
	char what[64];

	for (i = 0; i < 2; i++) {
		nlh = start_message();
		put_packet_hdr(nlh);
		nest = mnl_attr_nest_start(nlh, nests[i]);
		inner = mnl_nlmsg_get_payload_tail(nlh);
		mnl_attr_put_u16(nlh, i == 0 ? NFQA_VLAN_PROTO : CTA_ID, htons(0x8100));
		mnl_attr_nest_end(nlh, nest);
		mnl_attr_put_u32(nlh, NFQA_MARK, htonl(MARK)); /* what the inner length reaches into */
		inner->nla_len = 12;
		snprintf(what, sizeof(what), "inner attribute past the end of nest %u", nests[i]);
		expect_invalid(nlh, what);
	}
}

/*
 * Cut a complete message at every length. At an attribute boundary (its
 * end or anywhere in its alignment padding) it is a shorter valid message;
 * anywhere else an attribute is cut, which must be refused. The cut message is
 * copied into a buffer of just its (aligned) size, so a parser that reads
 * past nlmsg_len trips the address sanitizer.
 */
static void test_every_truncation_is_invalid(void)
{
	const struct nlmsghdr *full = build(ALL_ITEMS);
	uint32_t full_len = full->nlmsg_len, n;
	uint8_t boundary[8192] = { 0 };
	const struct nlattr *attr;
	uint32_t hdr_end = 0;
	char what[64];

	mnl_attr_for_each(attr, full, sizeof(struct nfgenmsg)) {
		uint32_t off = (uint32_t)((const uint8_t *)attr - (const uint8_t *)full), end;

		for (end = off + attr->nla_len; end <= off + MNL_ALIGN(attr->nla_len); end++)
			boundary[end] = 1;
		if (mnl_attr_get_type(attr) == NFQA_PACKET_HDR)
			hdr_end = off + attr->nla_len;
	}
	CHECK(hdr_end != 0);

	for (n = sizeof(struct nlmsghdr); n < full_len; n++) {
		size_t size = MNL_ALIGN(n);
		uint8_t *copy = calloc(1, size);
		struct nlmsghdr *nlh = (struct nlmsghdr *)copy;
		struct nfqueue__fields f;
		int rc;

		memcpy(copy, full, n);
		nlh->nlmsg_len = n;
		rc = nfqueue__parse_packet(&f, nlh);
		snprintf(what, sizeof(what), "message cut to %u of %u bytes", n, full_len);
		if (boundary[n] && n >= hdr_end) {
			if (rc != 0)
				harness_fail(__FILE__, __LINE__, "%s (an attribute boundary): %d, %s",
					     what, rc, nfqueue_last_error());
		} else if (rc != NFQUEUE_E_INVAL) {
			harness_fail(__FILE__, __LINE__, "%s: parse returned %d, expected NFQUEUE_E_INVAL",
				     what, rc);
		}
		free(copy);
	}
}

int main(void)
{
	RUN(test_every_attribute_present);
	RUN(test_each_attribute_absent);
	RUN(test_only_packet_header);
	RUN(test_orig_len);
	RUN(test_vlan);
	RUN(test_l2hdr_and_hwaddr_spans);
	RUN(test_conntrack);
	RUN(test_unknown_attributes_are_skipped);
	RUN(test_missing_headers_are_invalid);
	RUN(test_short_attributes_are_invalid);
	RUN(test_oversized_hwaddr_is_invalid);
	RUN(test_bad_attribute_lengths_are_invalid);
	RUN(test_broken_nests_are_invalid);
	RUN(test_every_truncation_is_invalid);
	return harness_summary();
}
