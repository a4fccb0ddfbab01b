/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet.c - one packet: its "packet" event from libnetfilter_queue's
 * getters, then its rule's verdict with nfq_set_verdict2().
 *
 * What the getters cannot tell is reported as null and left undeclared
 * in the capabilities (agent.c): nfq_get_nfmark() and nfq_get_skbinfo()
 * return 0 both for "absent" and for a real 0, and there is no getter for
 * the original length, the priority, the VLAN, the layer-2 header or the
 * conntrack attributes. Interface indexes are never 0, so 0 is "absent".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <libnetfilter_queue/libnetfilter_queue_ipv4.h>
#include <libnetfilter_queue/libnetfilter_queue_ipv6.h>
#include <libnetfilter_queue/libnetfilter_queue_tcp.h>
#include <libnetfilter_queue/libnetfilter_queue_udp.h>
#include <libnetfilter_queue/pktbuff.h>

#include "lnfq.h"

/* The kernel's flag for "accept if nobody is bound to the target queue". */
#ifndef NF_VERDICT_FLAG_QUEUE_BYPASS
#define NF_VERDICT_FLAG_QUEUE_BYPASS 0x00008000
#endif

const char *errno_name(int err)
{
	switch (err) {
	case EPERM: return "NFQUEUE_E_PERM";
	case ENOENT: return "NFQUEUE_E_NOENT";
	case EINTR: return "NFQUEUE_E_INTR";
	case EAGAIN: return "NFQUEUE_E_AGAIN";
	case ENOMEM: return "NFQUEUE_E_NOMEM";
	case EBUSY: return "NFQUEUE_E_BUSY";
	case EINVAL: return "NFQUEUE_E_INVAL";
	case ENODATA: return "NFQUEUE_E_NOATTR";
	case EMSGSIZE: return "NFQUEUE_E_TOOBIG";
	case EOPNOTSUPP: return "NFQUEUE_E_NOTSUP";
	case ENOBUFS: return "NFQUEUE_E_NOBUFS";
	default: return "NFQUEUE_E_IO";
	}
}

static void device(struct line *l, const char *key, const char *name_key, uint32_t index)
{
	char name[IF_NAMESIZE];

	if (!index) {
		line_null(l, key);
		line_null(l, name_key);
		return;
	}
	line_int(l, key, index);
	if (if_indextoname(index, name))
		line_str(l, name_key, name);
	else
		line_null(l, name_key);
}

static void report_metadata(struct line *l, struct nfq_data *nfad, uint32_t id,
			    uint16_t hw_protocol, uint8_t hook, int queue)
{
	struct nfqnl_msg_packet_hw *hw;
	struct timeval tv;
	unsigned char *secctx;
	uint32_t uid, gid;
	int n;

	line_int(l, "id", id);
	line_int(l, "queue", queue);
	line_int(l, "hw_protocol", hw_protocol);
	line_int(l, "hook", hook);
	line_null(l, "mark"); /* 0 and absent look alike */
	if (nfq_get_timestamp(nfad, &tv) == 0) {
		char stamp[64];

		snprintf(stamp, sizeof(stamp), "[%lld,%lld]", (long long)tv.tv_sec,
			 (long long)tv.tv_usec);
		line_raw(l, "timestamp", stamp);
	} else {
		line_null(l, "timestamp");
	}
	device(l, "indev", "indev_name", nfq_get_indev(nfad));
	device(l, "outdev", "outdev_name", nfq_get_outdev(nfad));
	device(l, "physindev", "physindev_name", nfq_get_physindev(nfad));
	device(l, "physoutdev", "physoutdev_name", nfq_get_physoutdev(nfad));
	hw = nfq_get_packet_hw(nfad);
	if (hw && ntohs(hw->hw_addrlen) <= sizeof(hw->hw_addr))
		line_hex(l, "hwaddr", hw->hw_addr, ntohs(hw->hw_addrlen));
	else
		line_null(l, "hwaddr");
	if (nfq_get_uid(nfad, &uid))
		line_int(l, "uid", uid);
	else
		line_null(l, "uid");
	if (nfq_get_gid(nfad, &gid))
		line_int(l, "gid", gid);
	else
		line_null(l, "gid");
	n = nfq_get_secctx(nfad, &secctx);
	if (n > 0)
		line_strn(l, "secctx", (const char *)secctx, strnlen((const char *)secctx, (size_t)n));
	else
		line_null(l, "secctx");
	/* No honest "absent" for these with plain libnetfilter_queue. */
	line_null(l, "skbinfo");
	line_null(l, "priority");
	line_null(l, "vlan");
	line_null(l, "l2hdr");
	line_null(l, "ct_info");
	line_null(l, "ct_id");
	line_null(l, "ct_status");
	line_null(l, "orig_len");
}

/* Replace the rule's bytes in a copy of the packet and, unless told not
 * to, fix the transport checksum with libnetfilter_queue's helpers (the
 * IPv4 header's too). Returns the copy (the caller frees it) or NULL. */
static uint8_t *rewrite(struct line *l, const struct rule *r, const uint8_t *payload,
			size_t len, int family)
{
	uint8_t *found = payload ? memmem(payload, len, r->from, r->replace_len) : NULL;
	struct pkt_buff *pktb;
	uint8_t *copy;
	bool fixed = false;

	if (!found) {
		line_str(l, "rewrite_result", "not_found");
		return NULL;
	}
	pktb = pktb_alloc(family, (void *)payload, len, 0);
	if (!pktb) {
		line_str(l, "rewrite_result", "NFQUEUE_E_NOMEM");
		return NULL;
	}
	memcpy(pktb_data(pktb) + (found - payload), r->to, r->replace_len);
	if (r->fix_checksums) {
		if (family == AF_INET) {
			struct iphdr *ip = nfq_ip_get_hdr(pktb);

			if (ip && nfq_ip_set_transport_header(pktb, ip) == 0) {
				nfq_ip_set_checksum(ip);
				if (ip->protocol == IPPROTO_UDP && nfq_udp_get_hdr(pktb)) {
					nfq_udp_compute_checksum_ipv4(nfq_udp_get_hdr(pktb), ip);
					fixed = true;
				} else if (ip->protocol == IPPROTO_TCP && nfq_tcp_get_hdr(pktb)) {
					nfq_tcp_compute_checksum_ipv4(nfq_tcp_get_hdr(pktb), ip);
					fixed = true;
				}
			}
		} else {
			struct ip6_hdr *ip6 = (struct ip6_hdr *)pktb_network_header(pktb);

			if (len >= sizeof(*ip6)) {
				uint8_t next = ip6->ip6_nxt;

				/* Documented: 1 when the header was found, else 0. */
				if (nfq_ip6_set_transport_header(pktb, ip6, next) > 0) {
					if (next == IPPROTO_UDP && nfq_udp_get_hdr(pktb)) {
						nfq_udp_compute_checksum_ipv6(nfq_udp_get_hdr(pktb), ip6);
						fixed = true;
					} else if (next == IPPROTO_TCP && nfq_tcp_get_hdr(pktb)) {
						nfq_tcp_compute_checksum_ipv6(nfq_tcp_get_hdr(pktb), ip6);
						fixed = true;
					}
				}
			}
		}
		line_str(l, "checksum_result", fixed ? "ok" : "NFQUEUE_E_INVAL");
	}
	copy = malloc(len);
	if (copy)
		memcpy(copy, pktb_data(pktb), len);
	pktb_free(pktb);
	line_str(l, "rewrite_result", copy ? "ok" : "NFQUEUE_E_NOMEM");
	if (copy)
		line_hex(l, "rewritten_hex", copy, len);
	return copy;
}

int packet_handle(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfad, void *data)
{
	struct agent *a = data;
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfad);
	uint32_t id = ph ? ntohl(ph->packet_id) : 0;
	uint16_t hw_protocol = ph ? ntohs(ph->hw_protocol) : 0;
	unsigned char *payload = NULL;
	int len = nfq_get_payload(nfad, &payload);
	long long index = a->next_index++;
	const struct rule *r;
	struct line l = { 0 };
	uint8_t *rewritten = NULL;
	uint32_t verdict;
	char name[32];
	int rc;

	if (len < 0) {
		payload = NULL;
		len = 0;
	}
	r = plan_match(&a->plan, index, payload, (size_t)len);
	if (r && r->delay_ms) {
		struct timespec ts = { r->delay_ms / 1000, (r->delay_ms % 1000) * 1000000L };

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	line_begin(&l, "packet");
	line_int(&l, "index", index);
	report_metadata(&l, nfad, id, hw_protocol, ph ? ph->hook : 0, ntohs(msg->res_id));
	if (payload) {
		line_int(&l, "payload_len", len);
		line_hex(&l, "payload_hex", payload, (size_t)len < a->hex_max ? (size_t)len : a->hex_max);
	} else {
		line_null(&l, "payload_len");
		line_null(&l, "payload_hex");
	}
	line_str(&l, "thread", "main");

	verdict = r ? (uint32_t)r->verdict : NF_ACCEPT;
	snprintf(name, sizeof(name), "%s", r ? r->verdict_name : "accept");
	if (r && r->verdict == NF_QUEUE) {
		verdict = NF_QUEUE_NR(r->queue_num) | (r->bypass ? NF_VERDICT_FLAG_QUEUE_BYPASS : 0);
		snprintf(name, sizeof(name), "queue:%u%s", r->queue_num, r->bypass ? ":bypass" : "");
	}
	if (r && r->from)
		rewritten = rewrite(&l, r, payload, (size_t)len,
				    hw_protocol == 0x86dd ? AF_INET6 : AF_INET);
	if (r && r->has_mark) {
		rc = nfq_set_verdict2(qh, id, verdict, r->mark, rewritten ? (uint32_t)len : 0, rewritten);
		line_str(&l, "set_mark_result", rc < 0 ? errno_name(errno) : "ok");
	} else {
		rc = nfq_set_verdict(qh, id, verdict, rewritten ? (uint32_t)len : 0, rewritten);
	}
	line_str(&l, "verdict", name);
	line_str(&l, "result", rc < 0 ? errno_name(errno) : "ok");
	line_emit(&l);
	free(l.buf);
	free(rewritten);
	return 0;
}
