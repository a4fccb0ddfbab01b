/* SPDX-License-Identifier: GPL-2.0-or-later */
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

/*
 * The live packet behind `handle` if the kernel sent attribute `bit`
 * (0: no attribute needed), else NULL with the code in *rc. An absent
 * attribute has a fixed message: formatting one would cost more than the
 * lookup on a path every packet takes.
 */
static const struct nfqueue_packet *with(const nfqueue_packet *handle, uint32_t bit, int *rc)
{
	const struct nfqueue_packet *p = nfqueue__resolve(handle, rc);

	if (p && bit && !(p->f.present & bit)) {
		*rc = nfqueue__fail_static(NFQUEUE_E_NOATTR,
					   "the kernel did not send this attribute with this packet");
		return NULL;
	}
	return p;
}

static int get_u32(uint32_t *out, const nfqueue_packet *handle, uint32_t bit, size_t field)
{
	const struct nfqueue_packet *p;
	int rc;

	if (!out)
		return nfqueue__fail_static(NFQUEUE_E_INVAL, "out is NULL");
	p = with(handle, bit, &rc);
	if (p)
		memcpy(out, (const uint8_t *)&p->f + field, sizeof(*out));
	return rc;
}

#define FIELD(name) offsetof(struct nfqueue__fields, name)

static int get_span(const uint8_t **out, size_t *out_len, const nfqueue_packet *handle,
		    uint32_t bit, size_t field)
{
	const struct nfqueue_packet *p;
	int rc;

	if (!out || !out_len)
		return nfqueue__fail_static(NFQUEUE_E_INVAL, "out or out_len is NULL");
	p = with(handle, bit, &rc);
	if (p) {
		struct nfqueue__span span;

		memcpy(&span, (const uint8_t *)&p->f + field, sizeof(span));
		*out = p->data + span.off;
		*out_len = span.len;
	}
	return rc;
}

/* The getters that return a value give 0 (the hook -1) for a dead handle. */
static const struct nfqueue__fields *fields_of(const nfqueue_packet *handle)
{
	int rc;
	const struct nfqueue_packet *p = nfqueue__resolve(handle, &rc);

	return p ? &p->f : NULL;
}

NFQUEUE_API uint32_t nfqueue_packet_id(const nfqueue_packet *handle)
{
	const struct nfqueue__fields *f = fields_of(handle);

	return f ? f->id : 0;
}

NFQUEUE_API uint32_t nfqueue_packet_queue_num(const nfqueue_packet *handle)
{
	const struct nfqueue__fields *f = fields_of(handle);

	return f ? f->queue_num : 0;
}

NFQUEUE_API uint16_t nfqueue_packet_hw_protocol(const nfqueue_packet *handle)
{
	const struct nfqueue__fields *f = fields_of(handle);

	return f ? f->hw_protocol : 0;
}

NFQUEUE_API int nfqueue_packet_hook(const nfqueue_packet *handle)
{
	const struct nfqueue__fields *f = fields_of(handle);

	return f ? f->hook : -1;
}

NFQUEUE_API int nfqueue_packet_orig_len(uint32_t *out, const nfqueue_packet *p)
{
	return get_u32(out, p, NFQUEUE__HAS_ORIG_LEN, FIELD(orig_len));
}

NFQUEUE_API int nfqueue_packet_mark(uint32_t *out, const nfqueue_packet *p)
{
	return get_u32(out, p, NFQUEUE__HAS_MARK, FIELD(mark));
}

NFQUEUE_API int nfqueue_packet_timestamp(int64_t *out_sec, int64_t *out_usec,
					 const nfqueue_packet *handle)
{
	const struct nfqueue_packet *p;
	int rc;

	if (!out_sec || !out_usec)
		return nfqueue__fail_static(NFQUEUE_E_INVAL, "out_sec or out_usec is NULL");
	p = with(handle, NFQUEUE__HAS_TIMESTAMP, &rc);
	if (p) {
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

	return rc ? rc : get_u32(out, p, ifindex_bit[which], FIELD(ifindex[0]) + (size_t)which * sizeof(uint32_t));
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

NFQUEUE_API int nfqueue_packet_ifname(char *out, size_t size, const nfqueue_packet *handle,
				      int which)
{
	struct nfqueue_packet *p;
	int rc = check_iface(which);

	if (rc)
		return rc;
	if (!out || size < NFQUEUE_IFNAMSIZ)
		return nfqueue__fail(NFQUEUE_E_INVAL, "name buffer must hold NFQUEUE_IFNAMSIZ (%d) bytes",
				     NFQUEUE_IFNAMSIZ);
	p = (struct nfqueue_packet *)with(handle, ifindex_bit[which], &rc); /* the name cache */
	if (!p)
		return rc;
	pthread_mutex_lock(&p->queue->lock);
	rc = resolve_ifname(p, which);
	pthread_mutex_unlock(&p->queue->lock);
	if (!rc)
		memcpy(out, p->ifname[which], NFQUEUE_IFNAMSIZ);
	return rc;
}

NFQUEUE_API int nfqueue_packet_hwaddr(const uint8_t **out, size_t *out_len, const nfqueue_packet *p)
{
	return get_span(out, out_len, p, NFQUEUE__HAS_HWADDR, FIELD(hwaddr));
}

NFQUEUE_API int nfqueue_packet_uid(uint32_t *out, const nfqueue_packet *p)
{
	return get_u32(out, p, NFQUEUE__HAS_UID, FIELD(uid));
}

NFQUEUE_API int nfqueue_packet_gid(uint32_t *out, const nfqueue_packet *p)
{
	return get_u32(out, p, NFQUEUE__HAS_GID, FIELD(gid));
}

NFQUEUE_API int nfqueue_packet_secctx(const char **out, size_t *out_len, const nfqueue_packet *p)
{
	return get_span((const uint8_t **)out, out_len, p, NFQUEUE__HAS_SECCTX, FIELD(secctx));
}

NFQUEUE_API int nfqueue_packet_skbinfo(uint32_t *out, const nfqueue_packet *p)
{
	return get_u32(out, p, NFQUEUE__HAS_SKBINFO, FIELD(skbinfo));
}

NFQUEUE_API int nfqueue_packet_priority(uint32_t *out, const nfqueue_packet *p)
{
	return get_u32(out, p, NFQUEUE__HAS_PRIORITY, FIELD(priority));
}

NFQUEUE_API int nfqueue_packet_vlan(uint16_t *out_proto, uint16_t *out_tci,
				    const nfqueue_packet *handle)
{
	const struct nfqueue_packet *p;
	int rc;

	if (!out_proto || !out_tci)
		return nfqueue__fail_static(NFQUEUE_E_INVAL, "out_proto or out_tci is NULL");
	p = with(handle, NFQUEUE__HAS_VLAN, &rc);
	if (p) {
		*out_proto = p->f.vlan_proto;
		*out_tci = p->f.vlan_tci;
	}
	return rc;
}

NFQUEUE_API int nfqueue_packet_l2hdr(const uint8_t **out, size_t *out_len, const nfqueue_packet *p)
{
	return get_span(out, out_len, p, NFQUEUE__HAS_L2HDR, FIELD(l2hdr));
}

NFQUEUE_API int nfqueue_packet_ct_info(uint32_t *out, const nfqueue_packet *p)
{
	return get_u32(out, p, NFQUEUE__HAS_CT_INFO, FIELD(ct_info));
}

NFQUEUE_API int nfqueue_packet_ct_id(uint32_t *out, const nfqueue_packet *p)
{
	return get_u32(out, p, NFQUEUE__HAS_CT_ID, FIELD(ct_id));
}

NFQUEUE_API int nfqueue_packet_ct_status(uint32_t *out, const nfqueue_packet *p)
{
	return get_u32(out, p, NFQUEUE__HAS_CT_STATUS, FIELD(ct_status));
}

/* The payload the kernel would continue with: the replacement, if any. */
static void current_payload(const uint8_t **out, size_t *out_len, const struct nfqueue_packet *p)
{
	if (p->new_payload) {
		*out = p->new_payload;
		*out_len = p->new_payload_len;
	} else {
		*out = p->data + p->f.payload.off;
		*out_len = p->f.payload.len;
	}
}

NFQUEUE_API int nfqueue_packet_payload(const uint8_t **out, size_t *out_len,
				       const nfqueue_packet *handle)
{
	const struct nfqueue_packet *p;
	int rc;

	if (!out || !out_len)
		return nfqueue__fail_static(NFQUEUE_E_INVAL, "out or out_len is NULL");
	p = nfqueue__resolve(handle, &rc);
	if (p && !p->new_payload && !(p->f.present & NFQUEUE__HAS_PAYLOAD))
		p = with(handle, NFQUEUE__HAS_PAYLOAD, &rc);
	if (p)
		current_payload(out, out_len, p);
	return rc;
}

NFQUEUE_API int nfqueue_packet_attrs(nfqueue_attrs *out, const nfqueue_packet *handle)
{
	const struct nfqueue_packet *p;
	const struct nfqueue__fields *f;
	nfqueue_attrs all;
	int rc;

	if (!out)
		return nfqueue__fail_static(NFQUEUE_E_INVAL, "out is NULL");
	if (out->size < offsetof(nfqueue_attrs, mark))
		return nfqueue__fail(NFQUEUE_E_INVAL,
				     "out->size is %zu: set it to sizeof(nfqueue_attrs)", out->size);
	p = nfqueue__resolve(handle, &rc);
	if (!p)
		return rc;
	f = &p->f;
	memset(&all, 0, sizeof(all));
	all.present = f->present;
	all.id = f->id;
	all.queue_num = f->queue_num;
	all.hw_protocol = f->hw_protocol;
	all.hook = f->hook;
	all.mark = f->mark;
	memcpy(all.ifindex, f->ifindex, sizeof(all.ifindex));
	all.uid = f->uid;
	all.gid = f->gid;
	all.skbinfo = f->skbinfo;
	all.priority = f->priority;
	all.vlan_proto = f->vlan_proto;
	all.vlan_tci = f->vlan_tci;
	all.ct_info = f->ct_info;
	all.ct_id = f->ct_id;
	all.ct_status = f->ct_status;
	all.orig_len = f->orig_len;
	all.timestamp_sec = f->ts_sec;
	all.timestamp_usec = f->ts_usec;
	if (f->present & NFQUEUE__HAS_HWADDR) {
		all.hwaddr = p->data + f->hwaddr.off;
		all.hwaddr_len = f->hwaddr.len;
	}
	if (f->present & NFQUEUE__HAS_SECCTX) {
		all.secctx = (const char *)p->data + f->secctx.off;
		all.secctx_len = f->secctx.len;
	}
	if (f->present & NFQUEUE__HAS_L2HDR) {
		all.l2hdr = p->data + f->l2hdr.off;
		all.l2hdr_len = f->l2hdr.len;
	}
	if (p->new_payload || (f->present & NFQUEUE__HAS_PAYLOAD)) {
		current_payload(&all.payload, &all.payload_len, p);
		all.present |= NFQUEUE_ATTR_PAYLOAD;
	}
	all.size = out->size;
	memcpy(out, &all, out->size < sizeof(all) ? out->size : sizeof(all));
	return 0;
}

/* ---- lifetime ---- */

NFQUEUE_API int nfqueue_packet_retain(nfqueue_packet *handle)
{
	struct nfqueue_queue *q;
	uint8_t *copy;
	size_t len;
	int rc;
	int which;
	struct nfqueue_packet *p = nfqueue__resolve(handle, &rc);

	if (!p)
		return rc;
	if (p->state == NFQUEUE__RETAINED)
		return 0;
	q = p->queue;
	len = ((const struct nlmsghdr *)p->data)->nlmsg_len;
	copy = malloc(len);
	if (!copy)
		return nfqueue__fail(NFQUEUE_E_NOMEM, "cannot copy packet %u (%zu bytes)", p->f.id, len);
	memcpy(copy, p->data, len);

	pthread_mutex_lock(&q->lock);
	rc = nfqueue__retained_add_locked(q, p);
	if (rc) {
		pthread_mutex_unlock(&q->lock);
		free(copy);
		return rc;
	}
	p->data = copy;
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
	/* It leaves the batch: the others' verdicts need not wait for it. */
	rc = atomic_load(&p->has_verdict) ? 0 : nfqueue__settled_locked(q);
	pthread_mutex_unlock(&q->lock);
	if (!rc)
		nfqueue__clear_error();
	return rc;
}

NFQUEUE_API void nfqueue_packet_free(nfqueue_packet *handle)
{
	struct nfqueue_queue *q;
	int rc;
	struct nfqueue_packet *p = handle ? nfqueue__resolve(handle, &rc) : NULL;

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
	nfqueue__retained_remove_locked(q, p);
	if (!atomic_load(&p->has_verdict) && !atomic_load(&q->closed)) {
		nfqueue__verdict_default_locked(p);
		(void)nfqueue__flush_locked(q); /* nobody to tell if it fails */
	}
	pthread_mutex_unlock(&q->lock);
	free(p->new_payload);
	free((void *)p->data); /* retained: the copy is ours */
	free(p);
	nfqueue__queue_unref(q);
}

NFQUEUE_API int nfqueue_packet_release(nfqueue_packet *handle)
{
	struct nfqueue_queue *q;
	bool had_verdict;
	int rc;
	struct nfqueue_packet *p = nfqueue__resolve(handle, &rc);

	if (!p && rc == NFQUEUE_E_EXPIRED) {
		nfqueue__clear_error(); /* ended already: releasing is idempotent */
		return 0;
	}
	if (!p || p->state != NFQUEUE__BORROWED)
		return rc;
	q = p->queue;
	pthread_mutex_lock(&q->lock);
	had_verdict = atomic_load(&p->has_verdict);
	nfqueue__packet_expire(p);
	rc = had_verdict ? 0 : nfqueue__settled_locked(q);
	pthread_mutex_unlock(&q->lock);
	return rc;
}

NFQUEUE_API int nfqueue_packet_has_verdict(const nfqueue_packet *handle)
{
	int rc;
	const struct nfqueue_packet *p = nfqueue__resolve(handle, &rc);

	/* An expired packet got the default verdict when it expired. */
	return p ? atomic_load(&p->has_verdict) : rc == NFQUEUE_E_EXPIRED;
}

/* The packet behind `handle`, if it may still get a new mark or payload. */
static struct nfqueue_packet *editable(nfqueue_packet *handle, int *rc)
{
	struct nfqueue_packet *p = nfqueue__resolve(handle, rc);

	if (p && atomic_load(&p->has_verdict)) {
		*rc = nfqueue__fail(NFQUEUE_E_VERDICT_GIVEN,
				    "packet %u already has its verdict: set mark and payload before it", p->f.id);
		return NULL;
	}
	return p;
}

NFQUEUE_API int nfqueue_packet_set_mark(nfqueue_packet *handle, uint32_t mark)
{
	int rc;
	struct nfqueue_packet *p = editable(handle, &rc);

	if (!p)
		return rc;
	p->has_new_mark = true;
	p->new_mark = mark;
	return 0;
}

NFQUEUE_API int nfqueue_packet_set_payload(nfqueue_packet *handle, const void *data, size_t len)
{
	uint8_t *copy;
	int rc;
	struct nfqueue_packet *p = editable(handle, &rc);

	if (!p)
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
