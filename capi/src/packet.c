/*
 * packet.c - what a packet tells (its metadata getters), and its lifetime:
 * borrowed from the receive buffer, or retained as the caller's own copy.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/netlink.h>

#include "internal.h"

int nfqueue__packet_check(const struct nfqueue_packet *p)
{
	if (!p)
		return nfqueue__fail(NFQUEUE_E_INVAL, "packet is NULL");
	if (p->state == NFQUEUE__EXPIRED)
		return nfqueue__fail(NFQUEUE_E_EXPIRED,
				     "packet %u has expired: a borrowed packet is valid only during its callback or until the next pull; retain it to keep it",
				     p->f.id);
	return 0;
}

/* Check the handle, then whether the kernel sent the attribute. */
static int has(const struct nfqueue_packet *p, uint32_t bit)
{
	int rc = nfqueue__packet_check(p);

	if (rc)
		return rc;
	return (p->f.present & bit) ? 0 : NFQUEUE_E_NOATTR;
}

static int get_u32(uint32_t *out, const struct nfqueue_packet *p, uint32_t bit, uint32_t value)
{
	int rc;

	if (!out)
		return nfqueue__fail(NFQUEUE_E_INVAL, "out is NULL");
	rc = has(p, bit);
	if (!rc)
		*out = value;
	return rc;
}

static int get_span(const uint8_t **out, size_t *out_len, const struct nfqueue_packet *p,
		    uint32_t bit, struct nfqueue__span span)
{
	int rc;

	if (!out || !out_len)
		return nfqueue__fail(NFQUEUE_E_INVAL, "out or out_len is NULL");
	rc = has(p, bit);
	if (!rc) {
		*out = p->data + span.off;
		*out_len = span.len;
	}
	return rc;
}

NFQUEUE_API uint32_t nfqueue_packet_id(const nfqueue_packet *p)
{
	return p ? p->f.id : 0;
}

NFQUEUE_API uint32_t nfqueue_packet_queue_num(const nfqueue_packet *p)
{
	return p ? p->f.queue_num : 0;
}

NFQUEUE_API uint16_t nfqueue_packet_hw_protocol(const nfqueue_packet *p)
{
	return p ? p->f.hw_protocol : 0;
}

NFQUEUE_API int nfqueue_packet_hook(const nfqueue_packet *p)
{
	return p ? p->f.hook : -1;
}

NFQUEUE_API int nfqueue_packet_orig_len(uint32_t *out, const nfqueue_packet *p)
{
	return get_u32(out, p, NFQUEUE__HAS_ORIG_LEN, p ? p->f.orig_len : 0);
}

NFQUEUE_API int nfqueue_packet_mark(uint32_t *out, const nfqueue_packet *p)
{
	return get_u32(out, p, NFQUEUE__HAS_MARK, p ? p->f.mark : 0);
}

NFQUEUE_API int nfqueue_packet_timestamp(int64_t *out_sec, int64_t *out_usec,
					 const nfqueue_packet *p)
{
	int rc;

	if (!out_sec || !out_usec)
		return nfqueue__fail(NFQUEUE_E_INVAL, "out_sec or out_usec is NULL");
	rc = has(p, NFQUEUE__HAS_TIMESTAMP);
	if (!rc) {
		*out_sec = p->f.ts_sec;
		*out_usec = p->f.ts_usec;
	}
	return rc;
}

static const uint32_t ifindex_bit[4] = {
	NFQUEUE__HAS_INDEV, NFQUEUE__HAS_OUTDEV, NFQUEUE__HAS_PHYSINDEV, NFQUEUE__HAS_PHYSOUTDEV,
};

static int check_iface(int which)
{
	if (which < NFQUEUE_IFACE_IN || which > NFQUEUE_IFACE_PHYSOUT)
		return nfqueue__fail(NFQUEUE_E_INVAL, "interface selector %d is not an nfqueue_iface value",
				     which);
	return 0;
}

NFQUEUE_API int nfqueue_packet_ifindex(uint32_t *out, const nfqueue_packet *p, int which)
{
	int rc = check_iface(which);

	return rc ? rc : get_u32(out, p, ifindex_bit[which], p ? p->f.ifindex[which] : 0);
}

/* Look the name up on the queue's own socket: the ioctl answers from the
 * socket's network namespace, which is where the packet's devices live
 * even when the queue was opened in another namespace. Lock held. */
static int resolve_ifname(struct nfqueue_packet *p, int which)
{
	struct nfqueue_queue *q = p->queue;
	struct ifreq ifr;

	if (p->ifname[which][0])
		return 0;
	if (q->fd < 0)
		return nfqueue__fail(NFQUEUE_E_CLOSED, "queue %u is closed: interface names can no longer be looked up",
				     q->queue_num);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = (int)p->f.ifindex[which];
	if (ioctl(q->fd, SIOCGIFNAME, &ifr) < 0)
		return nfqueue__fail(errno == ENODEV ? NFQUEUE_E_NOENT : NFQUEUE_E_IO,
				     "no interface has index %u any more: %s", p->f.ifindex[which],
				     strerror(errno));
	memcpy(p->ifname[which], ifr.ifr_name, NFQUEUE_IFNAMSIZ);
	p->ifname[which][NFQUEUE_IFNAMSIZ - 1] = '\0';
	return 0;
}

NFQUEUE_API int nfqueue_packet_ifname(char *out, size_t size, const nfqueue_packet *p, int which)
{
	struct nfqueue_packet *mut = (struct nfqueue_packet *)p; /* the name cache */
	int rc = check_iface(which);

	if (rc)
		return rc;
	if (!out || size < NFQUEUE_IFNAMSIZ)
		return nfqueue__fail(NFQUEUE_E_INVAL, "name buffer must hold NFQUEUE_IFNAMSIZ (%d) bytes",
				     NFQUEUE_IFNAMSIZ);
	rc = has(p, ifindex_bit[which]);
	if (rc)
		return rc;
	pthread_mutex_lock(&p->queue->lock);
	rc = resolve_ifname(mut, which);
	pthread_mutex_unlock(&p->queue->lock);
	if (!rc)
		memcpy(out, p->ifname[which], NFQUEUE_IFNAMSIZ);
	return rc;
}

NFQUEUE_API int nfqueue_packet_hwaddr(const uint8_t **out, size_t *out_len, const nfqueue_packet *p)
{
	return get_span(out, out_len, p, NFQUEUE__HAS_HWADDR, p ? p->f.hwaddr : (struct nfqueue__span){ 0 });
}

NFQUEUE_API int nfqueue_packet_uid(uint32_t *out, const nfqueue_packet *p)
{
	return get_u32(out, p, NFQUEUE__HAS_UID, p ? p->f.uid : 0);
}

NFQUEUE_API int nfqueue_packet_gid(uint32_t *out, const nfqueue_packet *p)
{
	return get_u32(out, p, NFQUEUE__HAS_GID, p ? p->f.gid : 0);
}

NFQUEUE_API int nfqueue_packet_secctx(const char **out, size_t *out_len, const nfqueue_packet *p)
{
	return get_span((const uint8_t **)out, out_len, p, NFQUEUE__HAS_SECCTX,
			p ? p->f.secctx : (struct nfqueue__span){ 0 });
}

NFQUEUE_API int nfqueue_packet_skbinfo(uint32_t *out, const nfqueue_packet *p)
{
	return get_u32(out, p, NFQUEUE__HAS_SKBINFO, p ? p->f.skbinfo : 0);
}

NFQUEUE_API int nfqueue_packet_priority(uint32_t *out, const nfqueue_packet *p)
{
	return get_u32(out, p, NFQUEUE__HAS_PRIORITY, p ? p->f.priority : 0);
}

NFQUEUE_API int nfqueue_packet_vlan(uint16_t *out_proto, uint16_t *out_tci, const nfqueue_packet *p)
{
	int rc;

	if (!out_proto || !out_tci)
		return nfqueue__fail(NFQUEUE_E_INVAL, "out_proto or out_tci is NULL");
	rc = has(p, NFQUEUE__HAS_VLAN);
	if (!rc) {
		*out_proto = p->f.vlan_proto;
		*out_tci = p->f.vlan_tci;
	}
	return rc;
}

NFQUEUE_API int nfqueue_packet_l2hdr(const uint8_t **out, size_t *out_len, const nfqueue_packet *p)
{
	return get_span(out, out_len, p, NFQUEUE__HAS_L2HDR, p ? p->f.l2hdr : (struct nfqueue__span){ 0 });
}

NFQUEUE_API int nfqueue_packet_ct_info(uint32_t *out, const nfqueue_packet *p)
{
	return get_u32(out, p, NFQUEUE__HAS_CT_INFO, p ? p->f.ct_info : 0);
}

NFQUEUE_API int nfqueue_packet_ct_id(uint32_t *out, const nfqueue_packet *p)
{
	return get_u32(out, p, NFQUEUE__HAS_CT_ID, p ? p->f.ct_id : 0);
}

NFQUEUE_API int nfqueue_packet_ct_status(uint32_t *out, const nfqueue_packet *p)
{
	return get_u32(out, p, NFQUEUE__HAS_CT_STATUS, p ? p->f.ct_status : 0);
}

NFQUEUE_API int nfqueue_packet_payload(const uint8_t **out, size_t *out_len, const nfqueue_packet *p)
{
	int rc;

	if (!out || !out_len)
		return nfqueue__fail(NFQUEUE_E_INVAL, "out or out_len is NULL");
	rc = nfqueue__packet_check(p);
	if (rc)
		return rc;
	if (p->new_payload) {
		*out = p->new_payload;
		*out_len = p->new_payload_len;
		return 0;
	}
	return get_span(out, out_len, p, NFQUEUE__HAS_PAYLOAD, p->f.payload);
}

/* ---- lifetime ---- */

NFQUEUE_API int nfqueue_packet_retain(nfqueue_packet *p)
{
	struct nfqueue_queue *q;
	uint8_t *copy;
	size_t len;
	int rc = nfqueue__packet_check(p);
	int which;

	if (rc)
		return rc;
	if (p->state == NFQUEUE__RETAINED)
		return 0;
	q = p->queue;
	len = ((const struct nlmsghdr *)p->data)->nlmsg_len;
	copy = malloc(len);
	if (!copy)
		return nfqueue__fail(NFQUEUE_E_NOMEM, "cannot copy packet %u (%zu bytes)", p->f.id, len);
	memcpy(copy, p->data, len);
	p->data = copy;

	pthread_mutex_lock(&q->lock);
	/* Names now, while the socket is surely open: a retained packet may
	 * be asked after the queue closed. A vanished device stays unnamed. */
	for (which = 0; which < 4; which++)
		if (p->f.present & ifindex_bit[which])
			(void)resolve_ifname(p, which);
	q->slots[p->slot] = NULL; /* the slot is the caller's now */
	p->state = NFQUEUE__RETAINED;
	p->prev = NULL;
	p->next = q->retained;
	if (q->retained)
		q->retained->prev = p;
	q->retained = p;
	atomic_fetch_add(&q->refs, 1);
	pthread_mutex_unlock(&q->lock);
	nfqueue__clear_error();
	return 0;
}

NFQUEUE_API void nfqueue_packet_free(nfqueue_packet *p)
{
	struct nfqueue_queue *q;

	if (!p || p->state != NFQUEUE__RETAINED)
		return;
	q = p->queue;
	pthread_mutex_lock(&q->lock);
	if (p->prev)
		p->prev->next = p->next;
	else
		q->retained = p->next;
	if (p->next)
		p->next->prev = p->prev;
	nfqueue__verdict_default_locked(p);
	pthread_mutex_unlock(&q->lock);
	free(p->new_payload);
	free((void *)p->data); /* retained: the copy is ours */
	free(p);
	nfqueue__queue_unref(q);
}

NFQUEUE_API int nfqueue_packet_has_verdict(const nfqueue_packet *p)
{
	return p && p->has_verdict;
}

static int check_editable(const struct nfqueue_packet *p)
{
	int rc = nfqueue__packet_check(p);

	if (!rc && p->has_verdict)
		rc = nfqueue__fail(NFQUEUE_E_VERDICT_GIVEN,
				   "packet %u already has its verdict: set mark and payload before it", p->f.id);
	return rc;
}

NFQUEUE_API int nfqueue_packet_set_mark(nfqueue_packet *p, uint32_t mark)
{
	int rc = check_editable(p);

	if (rc)
		return rc;
	p->has_new_mark = true;
	p->new_mark = mark;
	return 0;
}

NFQUEUE_API int nfqueue_packet_set_payload(nfqueue_packet *p, const void *data, size_t len)
{
	uint8_t *copy;
	int rc = check_editable(p);

	if (rc)
		return rc;
	if (!data && len)
		return nfqueue__fail(NFQUEUE_E_INVAL, "payload data is NULL but its length is %zu", len);
	if (len > NFQUEUE_PAYLOAD_MAX)
		return nfqueue__fail(NFQUEUE_E_TOOBIG,
				     "a replacement payload of %zu bytes exceeds the kernel's limit of %u bytes",
				     len, NFQUEUE_PAYLOAD_MAX);
	copy = malloc(len ? len : 1);
	if (!copy)
		return nfqueue__fail(NFQUEUE_E_NOMEM, "cannot copy a %zu-byte payload", len);
	if (len)
		memcpy(copy, data, len);
	free(p->new_payload);
	p->new_payload = copy;
	p->new_payload_len = len;
	return 0;
}
