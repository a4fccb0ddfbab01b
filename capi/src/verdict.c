/*
 * verdict.c - sending verdicts, one at a time or as a batch, and keeping
 * the promise of exactly one verdict per packet.
 *
 * Every verdict is sent with the queue's lock held: it orders verdicts
 * from several threads against each other and against close(), which
 * must not pull the socket away mid-send.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_queue.h>

#include "internal.h"

/* True if packet id `a` is `b` or older; ids wrap around at 2^32. */
static bool id_at_or_before(uint32_t a, uint32_t b)
{
	return (int32_t)(b - a) >= 0;
}

static int send_message(struct nfqueue_queue *q, struct iovec *iov, int iovcnt)
{
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)iovcnt };

	if (sendmsg(q->fd, &msg, 0) < 0)
		return nfqueue__fail(errno == ENOMEM || errno == ENOBUFS ? NFQUEUE_E_NOMEM : NFQUEUE_E_IO,
				     "sending a verdict on queue %u failed: %s", q->queue_num, strerror(errno));
	return 0;
}

/* Build and send one NFQNL_MSG_VERDICT. The replacement payload goes out
 * from the packet's own buffer through its own iovec: no extra copy. */
static int send_verdict_locked(struct nfqueue_packet *p, uint32_t verdict)
{
	struct nfqueue_queue *q = p->queue;
	char header[128] = { 0 }; /* zeroed: no stack bytes leak into padding */
	static const uint8_t padding[NLA_ALIGNTO];
	struct nlattr payload_attr;
	struct iovec iov[4];
	struct nlmsghdr *nlh = nfq_nlmsg_put(header, NFQNL_MSG_VERDICT, q->queue_num);
	int iovcnt = 1;
	int rc;

	nfq_nlmsg_verdict_put(nlh, (int)p->f.id, (int)verdict);
	if (p->has_new_mark)
		nfq_nlmsg_verdict_put_mark(nlh, p->new_mark);
	iov[0].iov_base = nlh;
	iov[0].iov_len = nlh->nlmsg_len;
	if (p->new_payload) {
		size_t len = p->new_payload_len;

		payload_attr.nla_type = NFQA_PAYLOAD;
		payload_attr.nla_len = (uint16_t)(NLA_HDRLEN + len);
		iov[1].iov_base = &payload_attr;
		iov[1].iov_len = NLA_HDRLEN;
		iov[2].iov_base = p->new_payload;
		iov[2].iov_len = len;
		iov[3].iov_base = (void *)padding;
		iov[3].iov_len = NLA_ALIGN(len) - len;
		iovcnt = 4;
		nlh->nlmsg_len += NLA_HDRLEN + NLA_ALIGN(len);
	}
	rc = send_message(q, iov, iovcnt);
	if (!rc)
		p->has_verdict = true;
	return rc;
}

void nfqueue__verdict_default_locked(struct nfqueue_packet *p)
{
	if (p->has_verdict || p->queue->fd < 0 || atomic_load(&p->queue->closed))
		return;
	(void)send_verdict_locked(p, (uint32_t)p->queue->config.default_verdict);
}

void nfqueue__packet_expire(struct nfqueue_packet *p)
{
	struct nfqueue_queue *q = p->queue;

	if (p->state != NFQUEUE__BORROWED)
		return;
	if (!p->has_verdict) {
		pthread_mutex_lock(&q->lock);
		nfqueue__verdict_default_locked(p);
		pthread_mutex_unlock(&q->lock);
	}
	free(p->new_payload);
	p->new_payload = NULL;
	p->state = NFQUEUE__EXPIRED;
}

static int verdict_locked_checked(struct nfqueue_packet *p, uint32_t verdict)
{
	struct nfqueue_queue *q = p->queue;
	int rc;

	pthread_mutex_lock(&q->lock);
	if (atomic_load(&q->closed))
		rc = nfqueue__fail(NFQUEUE_E_CLOSED,
				   "packet %u: queue %u is closed; its pending packets already got the default verdict",
				   p->f.id, q->queue_num);
	else if (p->has_verdict)
		rc = nfqueue__fail(NFQUEUE_E_VERDICT_GIVEN,
				   "packet %u already has its verdict: a packet takes exactly one", p->f.id);
	else
		rc = send_verdict_locked(p, verdict);
	pthread_mutex_unlock(&q->lock);
	return rc;
}

static bool is_plain_verdict(int verdict)
{
	return verdict == NFQUEUE_DROP || verdict == NFQUEUE_ACCEPT ||
	       verdict == NFQUEUE_REPEAT || verdict == NFQUEUE_STOP;
}

NFQUEUE_API int nfqueue_packet_verdict(nfqueue_packet *p, int verdict)
{
	int rc = nfqueue__packet_check(p);

	if (rc)
		return rc;
	if (!is_plain_verdict(verdict))
		return nfqueue__fail(NFQUEUE_E_INVAL,
				     "verdict %d is unknown: use NFQUEUE_ACCEPT, _DROP, _REPEAT or _STOP, or nfqueue_packet_verdict_queue()",
				     verdict);
	return verdict_locked_checked(p, (uint32_t)verdict);
}

NFQUEUE_API int nfqueue_packet_verdict_queue(nfqueue_packet *p, uint32_t queue_num, uint32_t flags)
{
	uint32_t verdict;
	int rc = nfqueue__packet_check(p);

	if (rc)
		return rc;
	if (queue_num > NFQUEUE_QUEUE_NUM_MAX)
		return nfqueue__fail(NFQUEUE_E_INVAL, "target queue %u is out of range 0..%u", queue_num,
				     NFQUEUE_QUEUE_NUM_MAX);
	if (flags & ~(uint32_t)NFQUEUE_QUEUE_BYPASS)
		return nfqueue__fail(NFQUEUE_E_INVAL, "unknown flags 0x%x: only NFQUEUE_QUEUE_BYPASS is defined",
				     flags & ~(uint32_t)NFQUEUE_QUEUE_BYPASS);
	verdict = NF_QUEUE | (queue_num << NF_VERDICT_QBITS);
	if (flags & NFQUEUE_QUEUE_BYPASS)
		verdict |= NF_VERDICT_FLAG_QUEUE_BYPASS;
	return verdict_locked_checked(p, verdict);
}

/* Record the batch verdict on our own handles, so each of them refuses a
 * second verdict and none gets a default one later. */
static void mark_batch_given(struct nfqueue_queue *q, uint32_t up_to_id)
{
	struct nfqueue_packet *p;
	size_t i;

	for (i = 0; i < q->nbatch; i++) {
		p = q->slots[i];
		if (p && p->state == NFQUEUE__BORROWED && id_at_or_before(p->f.id, up_to_id))
			p->has_verdict = true;
	}
	for (p = q->retained; p; p = p->next)
		if (id_at_or_before(p->f.id, up_to_id))
			p->has_verdict = true;
	/* Packets the kernel queued but we have not read yet are covered
	 * too: the receive path skips them. */
	q->batch_done = true;
	q->batch_up_to = up_to_id;
}

NFQUEUE_API int nfqueue_queue_verdict_batch(nfqueue_queue *q, uint32_t up_to_id, int verdict,
					    int set_mark, uint32_t mark)
{
	char buf[128] = { 0 };
	struct nlmsghdr *nlh;
	struct iovec iov;
	int rc;

	nfqueue__clear_error();
	if (!q)
		return nfqueue__fail(NFQUEUE_E_INVAL, "queue is NULL");
	if (!is_plain_verdict(verdict))
		return nfqueue__fail(NFQUEUE_E_INVAL,
				     "batch verdict %d is unknown: use NFQUEUE_ACCEPT, _DROP, _REPEAT or _STOP",
				     verdict);
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_VERDICT_BATCH, q->queue_num);
	nfq_nlmsg_verdict_put(nlh, (int)up_to_id, verdict);
	if (set_mark)
		nfq_nlmsg_verdict_put_mark(nlh, mark);
	iov.iov_base = nlh;
	iov.iov_len = nlh->nlmsg_len;

	pthread_mutex_lock(&q->lock);
	if (atomic_load(&q->closed)) {
		rc = nfqueue__fail(NFQUEUE_E_CLOSED, "batch verdict on queue %u: the queue is closed",
				   q->queue_num);
	} else {
		rc = send_message(q, &iov, 1);
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
	char buf[128] = { 0 };
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_VERDICT_BATCH, q->queue_num);
	struct iovec iov;

	nfq_nlmsg_verdict_put(nlh, (int)(q->last_id + PENDING_ID_SPAN), q->config.default_verdict);
	iov.iov_base = nlh;
	iov.iov_len = nlh->nlmsg_len;
	/* With nothing pending the kernel answers ENOENT, into a socket about
	 * to close or into the adopter's, whose reader skips such answers. */
	return send_message(q, &iov, 1);
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
