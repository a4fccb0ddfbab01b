/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verdict.c - verdicts: collected into one buffer and sent to the kernel
 * together, one at a time or as a batch, keeping the promise of exactly
 * one verdict per packet.
 *
 * Every verdict is written with the queue's lock held: it orders verdicts
 * from several threads against each other and against close(), which
 * must not pull the socket away mid-send. A verdict is always built into
 * the queue's pending buffer; a verdict on a borrowed packet waits there
 * (coalescing) until the library is about to wait or hand control back,
 * any other is sent at once. One sendmsg then carries every verdict
 * collected: the kernel handles the messages of a datagram one by one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <linux/netlink.h>

#include "internal.h"

/* One verdict, as the kernel reads it (NFQNL_MSG_VERDICT or _BATCH):
 * the netlink and nfnetlink headers, the verdict and id, a mark if one is
 * set, the replacement payload if there is one. */
struct verdict_msg {
	uint16_t type;         /* NFQNL_MSG_VERDICT or NFQNL_MSG_VERDICT_BATCH */
	uint32_t id;           /* the packet's id, or the batch's last */
	uint32_t verdict;      /* the kernel's verdict word */
	bool has_mark;
	uint32_t mark;
	const void *payload;   /* NULL: none */
	size_t payload_len;
};

/* A message without payload: headers, verdict, mark. */
#define VERDICT_MSG_MAX 64u

static struct nlattr *put_attr(uint8_t *at, uint16_t type, const void *data, size_t len)
{
	struct nlattr *attr = (struct nlattr *)at;

	attr->nla_type = type;
	attr->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy(at + NLA_HDRLEN, data, len);
	/* Zeroed: no byte of ours leaks into the alignment padding. */
	memset(at + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	return attr;
}

/* Write `m` at the end of the pending buffer (which has room for it),
 * behind the open run of like verdicts, which goes first. Built by hand:
 * this runs once per packet, and each field is a store. */
static void put_verdict_locked(struct nfqueue_queue *q, const struct verdict_msg *m)
{
	struct nfqnl_msg_verdict_hdr hdr = { .verdict = htonl(m->verdict), .id = htonl(m->id) };
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;
	uint8_t *start, *at;
	uint32_t mark = htonl(m->mark);

	nfqueue__runs_end_locked(q);
	start = q->pending + q->pending_len;
	nlh = (struct nlmsghdr *)start;
	nfg = (struct nfgenmsg *)(start + NLMSG_HDRLEN);
	at = start + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*nfg));
	nlh->nlmsg_type = (uint16_t)((NFNL_SUBSYS_QUEUE << 8) | m->type);
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = 0;
	nlh->nlmsg_pid = 0;
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons((uint16_t)q->queue_num);
	at += NLA_ALIGN(put_attr(at, NFQA_VERDICT_HDR, &hdr, sizeof(hdr))->nla_len);
	if (m->has_mark)
		at += NLA_ALIGN(put_attr(at, NFQA_MARK, &mark, sizeof(mark))->nla_len);
	if (m->payload)
		at += NLA_ALIGN(put_attr(at, NFQA_PAYLOAD, m->payload, m->payload_len)->nla_len);
	nlh->nlmsg_len = (uint32_t)(at - start);
	q->pending_len += NLMSG_ALIGN(nlh->nlmsg_len);
}

/* True if packet id `a` is `b` or older; ids wrap around at 2^32. */
static bool id_at_or_before(uint32_t a, uint32_t b)
{
	return (int32_t)(b - a) >= 0;
}

int nfqueue__flush_locked(struct nfqueue_queue *q)
{
	size_t len;
	ssize_t n;

	nfqueue__runs_end_locked(q);
	len = q->pending_len;
	if (!len)
		return 0;
	q->pending_len = 0;
	if (q->fd < 0)
		return nfqueue__fail(NFQUEUE_E_CLOSED, "queue %u is closed: its verdicts cannot be sent",
				     q->queue_num);
	do
		n = send(q->fd, q->pending, len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return nfqueue__fail(errno == ENOMEM || errno == ENOBUFS ? NFQUEUE_E_NOMEM : NFQUEUE_E_IO,
				     "sending verdicts on queue %u failed: %s; the packets stay queued until the queue is closed",
				     q->queue_num, strerror(errno));
	return 0;
}

int nfqueue__flush(struct nfqueue_queue *q)
{
	int rc;

	pthread_mutex_lock(&q->lock);
	rc = nfqueue__flush_locked(q);
	pthread_mutex_unlock(&q->lock);
	return rc;
}

/* Room for a message of `need` bytes in the pending buffer, and for the
 * open run's message ahead of it, sending what it holds first if they
 * would not fit. */
static int make_room_locked(struct nfqueue_queue *q, size_t need)
{
	if (q->pending_len + need + VERDICT_MSG_MAX <= NFQUEUE__PENDING_MAX)
		return 0;
	return nfqueue__flush_locked(q);
}

void nfqueue__put_single_locked(struct nfqueue_queue *q, uint32_t id, uint32_t verdict)
{
	struct verdict_msg m = { .type = NFQNL_MSG_VERDICT, .id = id, .verdict = verdict };

	if (make_room_locked(q, VERDICT_MSG_MAX) == 0)
		put_verdict_locked(q, &m);
}

void nfqueue__put_batch_locked(struct nfqueue_queue *q, uint32_t up_to_id, int verdict)
{
	struct verdict_msg m = { .type = NFQNL_MSG_VERDICT_BATCH, .id = up_to_id, .verdict = (uint32_t)verdict };

	if (make_room_locked(q, VERDICT_MSG_MAX) == 0)
		put_verdict_locked(q, &m);
}

static bool is_plain_verdict(int verdict)
{
	return verdict == NFQUEUE_DROP || verdict == NFQUEUE_ACCEPT ||
	       verdict == NFQUEUE_REPEAT || verdict == NFQUEUE_STOP;
}

/* Append packet `p`'s verdict message `m` and count the verdict given. */
static int append_packet_verdict_locked(struct nfqueue_packet *p, const struct verdict_msg *m)
{
	size_t need = VERDICT_MSG_MAX + (m->payload ? NLA_HDRLEN + NLA_ALIGN(m->payload_len) : 0);
	int rc = make_room_locked(p->queue, need);

	if (rc)
		return rc;
	put_verdict_locked(p->queue, m);
	if (m->type == NFQNL_MSG_VERDICT)
		nfqueue__runs_note_single_locked(p->queue, m->id);
	atomic_store(&p->has_verdict, true);
	return 0;
}

/* Collect packet `p`'s verdict `m`: into the run of like verdicts where
 * it may join it (runs.c), else as a message of its own. */
static int collect_verdict_locked(struct nfqueue_packet *p, const struct verdict_msg *m)
{
	if (p->state == NFQUEUE__BORROWED && p->queue->config.coalesce && !m->has_mark &&
	    !m->payload && is_plain_verdict((int)m->verdict) &&
	    nfqueue__runs_absorb_locked(p->queue, m->id, m->verdict)) {
		atomic_store(&p->has_verdict, true);
		return 0;
	}
	return append_packet_verdict_locked(p, m);
}

/* Append one NFQNL_MSG_VERDICT for `p`, with its new mark and payload. */
static int append_verdict_locked(struct nfqueue_packet *p, uint32_t verdict)
{
	struct verdict_msg m = {
		.type = NFQNL_MSG_VERDICT, .id = p->f.id, .verdict = verdict,
		.has_mark = p->has_new_mark, .mark = p->new_mark,
		.payload = p->new_payload, .payload_len = p->new_payload_len,
	};

	return collect_verdict_locked(p, &m);
}

int nfqueue__settled_locked(struct nfqueue_queue *q)
{
	if (q->unsettled && --q->unsettled == 0)
		return nfqueue__flush_locked(q);
	return 0;
}

/* The verdict is in the buffer: send it now unless it may wait for the
 * rest of its batch. */
static int after_verdict_locked(struct nfqueue_packet *p)
{
	struct nfqueue_queue *q = p->queue;

	if (p->state == NFQUEUE__BORROWED && q->config.coalesce)
		return nfqueue__settled_locked(q);
	if (p->state == NFQUEUE__BORROWED && q->unsettled)
		q->unsettled--;
	return nfqueue__flush_locked(q);
}

void nfqueue__verdict_default_locked(struct nfqueue_packet *p)
{
	if (atomic_load(&p->has_verdict) || p->queue->fd < 0 || atomic_load(&p->queue->closed))
		return;
	(void)append_verdict_locked(p, (uint32_t)p->queue->config.default_verdict);
}

void nfqueue__packet_expire(struct nfqueue_packet *p)
{
	if (p->state != NFQUEUE__BORROWED)
		return;
	nfqueue__verdict_default_locked(p);
	free(p->new_payload);
	p->new_payload = NULL;
	p->state = NFQUEUE__EXPIRED;
}

static int check_verdictable_locked(const struct nfqueue_packet *p)
{
	struct nfqueue_queue *q = p->queue;

	if (atomic_load(&q->closed))
		return nfqueue__fail(NFQUEUE_E_CLOSED,
				     "packet %u: queue %u is closed; its pending packets already got the default verdict",
				     p->f.id, q->queue_num);
	if (atomic_load(&p->has_verdict))
		return nfqueue__fail(NFQUEUE_E_VERDICT_GIVEN,
				     "packet %u already has its verdict: a packet takes exactly one", p->f.id);
	return 0;
}

static int verdict_checked(struct nfqueue_packet *p, uint32_t verdict)
{
	struct nfqueue_queue *q = p->queue;
	int rc;

	pthread_mutex_lock(&q->lock);
	rc = check_verdictable_locked(p);
	if (!rc)
		rc = append_verdict_locked(p, verdict);
	if (!rc)
		rc = after_verdict_locked(p);
	pthread_mutex_unlock(&q->lock);
	return rc;
}

static int fail_unknown_verdict(int verdict)
{
	return nfqueue__fail(NFQUEUE_E_INVAL,
			     "verdict %d is unknown: use NFQUEUE_ACCEPT, _DROP, _REPEAT or _STOP, or queue the packet to another queue",
			     verdict);
}

/* The kernel's verdict word for "to queue `num`". */
static int queue_verdict(uint32_t *out, uint32_t num, bool bypass)
{
	if (num > NFQUEUE_QUEUE_NUM_MAX)
		return nfqueue__fail(NFQUEUE_E_INVAL, "target queue %u is out of range 0..%u", num,
				     NFQUEUE_QUEUE_NUM_MAX);
	*out = NF_QUEUE | (num << NF_VERDICT_QBITS) | (bypass ? NF_VERDICT_FLAG_QUEUE_BYPASS : 0);
	return 0;
}

NFQUEUE_API int nfqueue_packet_verdict(nfqueue_packet *handle, int verdict)
{
	int rc;
	struct nfqueue_packet *p = nfqueue__resolve(handle, &rc);

	if (!p)
		return rc;
	if (!is_plain_verdict(verdict))
		return fail_unknown_verdict(verdict);
	return verdict_checked(p, (uint32_t)verdict);
}

NFQUEUE_API int nfqueue_packet_verdict_queue(nfqueue_packet *handle, uint32_t queue_num,
					     uint32_t flags)
{
	uint32_t verdict = 0;
	int rc;
	struct nfqueue_packet *p = nfqueue__resolve(handle, &rc);

	if (!p)
		return rc;
	if (flags & ~(uint32_t)NFQUEUE_QUEUE_BYPASS)
		return nfqueue__fail(NFQUEUE_E_INVAL, "unknown flags 0x%x: only NFQUEUE_QUEUE_BYPASS is defined",
				     flags & ~(uint32_t)NFQUEUE_QUEUE_BYPASS);
	rc = queue_verdict(&verdict, queue_num, flags & NFQUEUE_QUEUE_BYPASS);
	return rc ? rc : verdict_checked(p, verdict);
}

/* ---- many packets in one call ---- */

#define SPEC_FLAGS (NFQUEUE_SPEC_MARK | NFQUEUE_SPEC_PAYLOAD | NFQUEUE_SPEC_QUEUE | NFQUEUE_SPEC_BYPASS)

static const nfqueue_verdict_spec *spec_at(const nfqueue_verdict_spec *specs, size_t stride,
					   size_t i)
{
	return (const nfqueue_verdict_spec *)((const uint8_t *)specs + i * stride);
}

/* Check element `i`, whose packet `p` was resolved before the lock was
 * taken; *out_verdict gets the kernel's verdict word. */
static int check_spec_locked(uint32_t *out_verdict, const struct nfqueue_packet *p,
			     struct nfqueue_queue *q, const nfqueue_verdict_spec *s, size_t i)
{
	int rc = 0;

	if (s->flags & ~(uint32_t)SPEC_FLAGS)
		return nfqueue__fail(NFQUEUE_E_INVAL, "specs[%zu]: unknown flags 0x%x", i,
				     s->flags & ~(uint32_t)SPEC_FLAGS);
	if ((s->flags & NFQUEUE_SPEC_BYPASS) && !(s->flags & NFQUEUE_SPEC_QUEUE))
		return nfqueue__fail(NFQUEUE_E_INVAL, "specs[%zu]: NFQUEUE_SPEC_BYPASS needs NFQUEUE_SPEC_QUEUE", i);
	if (s->flags & NFQUEUE_SPEC_QUEUE)
		rc = queue_verdict(out_verdict, s->queue_num, s->flags & NFQUEUE_SPEC_BYPASS);
	else if (is_plain_verdict(s->verdict))
		*out_verdict = (uint32_t)s->verdict;
	else
		rc = fail_unknown_verdict(s->verdict);
	if (rc)
		return rc;
	if ((s->flags & NFQUEUE_SPEC_PAYLOAD) && s->payload_len > NFQUEUE_PAYLOAD_MAX)
		return nfqueue__fail(NFQUEUE_E_TOOBIG,
				     "specs[%zu]: a replacement payload of %zu bytes exceeds the kernel's limit of %u bytes",
				     i, s->payload_len, NFQUEUE_PAYLOAD_MAX);
	if ((s->flags & NFQUEUE_SPEC_PAYLOAD) && !s->payload && s->payload_len)
		return nfqueue__fail(NFQUEUE_E_INVAL, "specs[%zu]: payload is NULL but its length is %zu",
				     i, s->payload_len);
	if (p->queue != q)
		return nfqueue__fail(NFQUEUE_E_INVAL, "specs[%zu]: packet %u belongs to queue %u, not %u",
				     i, p->f.id, p->queue->queue_num, q->queue_num);
	return check_verdictable_locked(p);
}

/* Write one checked element into the pending buffer. The spec's mark and
 * payload win over those set on the packet before. */
static int append_spec_locked(struct nfqueue_packet *p, const nfqueue_verdict_spec *s,
			      uint32_t verdict)
{
	struct nfqueue_queue *q = p->queue;
	bool spec_mark = s->flags & NFQUEUE_SPEC_MARK, spec_payload = s->flags & NFQUEUE_SPEC_PAYLOAD;
	struct verdict_msg m = {
		.type = NFQNL_MSG_VERDICT, .id = p->f.id, .verdict = verdict,
		.has_mark = spec_mark || p->has_new_mark,
		.mark = spec_mark ? s->mark : p->new_mark,
		/* An empty replacement is a payload too: "" stands for it. */
		.payload = spec_payload ? (s->payload ? s->payload : "") : p->new_payload,
		.payload_len = spec_payload ? s->payload_len : p->new_payload_len,
	};
	int rc = collect_verdict_locked(p, &m);

	if (!rc && p->state == NFQUEUE__BORROWED && q->unsettled)
		q->unsettled--;
	return rc;
}

NFQUEUE_API int nfqueue_queue_verdict_packets(size_t *out_index, nfqueue_queue *q,
					      const nfqueue_verdict_spec *specs, size_t count)
{
	struct nfqueue_packet *stack_packets[64];
	uint32_t stack_verdicts[64];
	struct nfqueue_packet **packets = stack_packets;
	uint32_t *verdicts = stack_verdicts;
	size_t stride, i, j;
	int rc = 0;

	nfqueue__clear_error();
	if (out_index)
		*out_index = 0;
	if (!q)
		return nfqueue__fail(NFQUEUE_E_INVAL, "queue is NULL");
	if (!count)
		return 0;
	if (!specs)
		return nfqueue__fail(NFQUEUE_E_INVAL, "specs is NULL but count is %zu", count);
	stride = specs[0].size;
	if (stride < offsetof(nfqueue_verdict_spec, payload_len) + sizeof(size_t))
		return nfqueue__fail(NFQUEUE_E_INVAL,
				     "specs[0].size is %zu: set it to sizeof(nfqueue_verdict_spec) in every element",
				     stride);
	if (count > 64) {
		packets = malloc(count * sizeof(*packets));
		verdicts = malloc(count * sizeof(*verdicts));
		if (!packets || !verdicts) {
			rc = nfqueue__fail(NFQUEUE_E_NOMEM, "cannot check %zu verdicts", count);
			goto out;
		}
	}
	/* Handles first, outside the lock (resolve takes it). */
	for (i = 0; i < count && !rc; i++) {
		const nfqueue_verdict_spec *s = spec_at(specs, stride, i);

		if (s->size != stride)
			rc = nfqueue__fail(NFQUEUE_E_INVAL, "specs[%zu].size is %zu, specs[0].size %zu: every element needs the same",
					   i, s->size, stride);
		else if (!(packets[i] = nfqueue__resolve(s->packet, &rc)))
			(void)nfqueue__fail(rc, "specs[%zu]: %s", i,
					    rc == NFQUEUE_E_EXPIRED ? "the packet has expired" : "not a packet handle");
	}
	if (rc) {
		if (out_index)
			*out_index = i - 1;
		goto out;
	}
	pthread_mutex_lock(&q->lock);
	for (i = 0; i < count && !rc; i++) {
		rc = check_spec_locked(&verdicts[i], packets[i], q, spec_at(specs, stride, i), i);
		for (j = 0; j < i && !rc; j++)
			if (packets[j] == packets[i])
				rc = nfqueue__fail(NFQUEUE_E_INVAL,
						   "specs[%zu] and specs[%zu] name the same packet %u: a packet takes exactly one verdict",
						   j, i, packets[i]->f.id);
	}
	if (rc) {
		if (out_index)
			*out_index = i - 1;
	} else {
		for (i = 0; i < count && !rc; i++)
			rc = append_spec_locked(packets[i], spec_at(specs, stride, i), verdicts[i]);
		if (!rc)
			rc = nfqueue__flush_locked(q);
	}
	pthread_mutex_unlock(&q->lock);
out:
	if (packets != stack_packets)
		free(packets);
	if (verdicts != stack_verdicts)
		free(verdicts);
	return rc;
}

/* ---- batch verdicts: every packet up to an id ---- */

/* Record the batch verdict on our own handles, so each of them refuses a
 * second verdict and none gets a default one later. */
static void mark_batch_given(struct nfqueue_queue *q, uint32_t up_to_id)
{
	struct nfqueue_packet *p;
	size_t i;

	for (i = 0; i < q->nbatch; i++) {
		p = q->slots[i];
		/* has_verdict first: the driving thread ends the borrow of a
		 * packet with a verdict without the lock (see deliver()). */
		if (p && !atomic_load(&p->has_verdict) && p->state == NFQUEUE__BORROWED &&
		    id_at_or_before(p->f.id, up_to_id)) {
			atomic_store(&p->has_verdict, true);
			if (q->unsettled)
				q->unsettled--;
		}
	}
	for (p = q->retained; p; p = p->next)
		if (id_at_or_before(p->f.id, up_to_id))
			atomic_store(&p->has_verdict, true);
	/* Packets the kernel queued but we have not read yet are covered
	 * too: the receive path skips them. */
	q->batch_done = true;
	q->batch_up_to = up_to_id;
}

static void append_batch_locked(struct nfqueue_queue *q, uint32_t up_to_id, int verdict,
				int set_mark, uint32_t mark)
{
	struct verdict_msg m = {
		.type = NFQNL_MSG_VERDICT_BATCH, .id = up_to_id, .verdict = (uint32_t)verdict,
		.has_mark = set_mark, .mark = mark,
	};

	put_verdict_locked(q, &m);
}

NFQUEUE_API int nfqueue_queue_verdict_batch(nfqueue_queue *q, uint32_t up_to_id, int verdict,
					    int set_mark, uint32_t mark)
{
	int rc;

	nfqueue__clear_error();
	if (!q)
		return nfqueue__fail(NFQUEUE_E_INVAL, "queue is NULL");
	if (!is_plain_verdict(verdict))
		return nfqueue__fail(NFQUEUE_E_INVAL,
				     "batch verdict %d is unknown: use NFQUEUE_ACCEPT, _DROP, _REPEAT or _STOP",
				     verdict);
	pthread_mutex_lock(&q->lock);
	if (atomic_load(&q->closed)) {
		rc = nfqueue__fail(NFQUEUE_E_CLOSED, "batch verdict on queue %u: the queue is closed",
				   q->queue_num);
	} else {
		/* Behind the verdicts collected so far, in the same send: one
		 * collected for a packet this batch covers must reach the
		 * kernel first, or the batch would overrule it. */
		rc = make_room_locked(q, VERDICT_MSG_MAX);
		if (!rc) {
			append_batch_locked(q, up_to_id, verdict, set_mark, mark);
			nfqueue__runs_note_batch_locked(q, up_to_id);
			rc = nfqueue__flush_locked(q);
		}
		if (!rc)
			mark_batch_given(q, up_to_id);
	}
	pthread_mutex_unlock(&q->lock);
	return rc;
}

/*
 * Packets the kernel queued but we have not read yet are pending too, and
 * unbinding would make the kernel drop them whatever the default verdict.
 * One batch verdict settles them all: it covers every id up to its own,
 * counted with wrap-around, so an id far enough past the newest one read
 * covers everything queued since, and everything older still pending.
 */
#define PENDING_ID_SPAN (1u << 30)

int nfqueue__verdict_all_pending_locked(struct nfqueue_queue *q)
{
	int rc = make_room_locked(q, VERDICT_MSG_MAX);

	if (rc)
		return rc;
	append_batch_locked(q, q->last_id + PENDING_ID_SPAN, q->config.default_verdict, 0, 0);
	/* With nothing pending the kernel answers ENOENT, into a socket about
	 * to close or into the adopter's, whose reader skips such answers. */
	return nfqueue__flush_locked(q);
}

bool nfqueue__covered_by_batch(struct nfqueue_queue *q, uint32_t id)
{
	if (!q->batch_done)
		return false;
	if (id_at_or_before(id, q->batch_up_to))
		return true;
	/* Ids arrive in order: past the batch, no older one can follow.
	 * Forgetting it keeps a wrapped id from looking covered. */
	q->batch_done = false;
	return false;
}
