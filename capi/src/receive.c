/*
 * receive.c - turning the socket's messages into batches of borrowed
 * packets, and the three ways to consume them: run (blocking, callbacks),
 * dispatch (non-blocking, callbacks) and pull (a batch per call).
 *
 * A batch's packets point into the queue's receive buffer, so the buffer
 * is reused only once every packet of the batch has expired. Packets that
 * were received but not yet handed out (a callback ended a run early) are
 * kept, with their buffer, for the next call.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>

#include "internal.h"

enum receive_mode {
	RECEIVE_RUN,      /* blocks; ENOBUFS is counted, not returned */
	RECEIVE_DISPATCH, /* never blocks; ignores stop requests */
	RECEIVE_PULL      /* waits up to a timeout; reports stop and ENOBUFS */
};

static bool is_packet_message(const struct nlmsghdr *nlh)
{
	return (nlh->nlmsg_type >> 8) == NFNL_SUBSYS_QUEUE &&
	       (nlh->nlmsg_type & 0xff) == NFQNL_MSG_PACKET;
}

static struct nfqueue_packet *next_slot(struct nfqueue_queue *q)
{
	struct nfqueue_packet *p = q->slots[q->nbatch];

	if (!p) {
		p = malloc(sizeof(*p));
		if (!p)
			return NULL;
		q->slots[q->nbatch] = p;
	}
	memset(p, 0, sizeof(*p));
	p->queue = q;
	p->state = NFQUEUE__BORROWED;
	p->slot = q->nbatch;
	return p;
}

/* Add the packet message at `nlh` to the batch. A message we cannot parse
 * has no id we could trust, so it is left to the kernel (it gets a verdict
 * when the queue closes); one for which no slot is left gets the default. */
static void add_packet(struct nfqueue_queue *q, const struct nlmsghdr *nlh, size_t max)
{
	struct nfqueue_packet *p = q->nbatch < max ? next_slot(q) : NULL;
	struct nfqueue_packet spare;

	if (!p) {
		memset(&spare, 0, sizeof(spare));
		spare.queue = q;
		p = &spare;
	}
	if (nfqueue__parse_packet(&p->f, nlh) < 0)
		return;
	q->last_id = p->f.id;
	/* Read after a batch verdict that covered it: the kernel already
	 * let it go, so nobody must see it or verdict it again. */
	if (nfqueue__covered_by_batch(q, p->f.id))
		return;
	p->data = (const uint8_t *)nlh;
	if (p == &spare) {
		pthread_mutex_lock(&q->lock);
		nfqueue__verdict_default_locked(p);
		pthread_mutex_unlock(&q->lock);
		return;
	}
	q->nbatch++;
}

/* Walk the messages of one datagram (or of the backlog). Error messages
 * answer verdicts, which are sent without asking for an ack: the kernel
 * reports only failures, such as a verdict for a packet it already
 * released, and nobody is waiting for them. */
static void add_messages(struct nfqueue_queue *q, uint8_t *at, size_t len, size_t max)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)at;
	int left = (int)len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
		if (is_packet_message(nlh))
			add_packet(q, nlh, max);
}

static void expire_delivered(struct nfqueue_queue *q)
{
	size_t i;

	for (i = 0; i < q->delivered; i++)
		if (q->slots[i]) /* NULL: retained and detached */
			nfqueue__packet_expire(q->slots[i]);
}

/* Move packets not yet handed out to the front of the batch. Their data
 * stays where it is in the buffer. Returns how many there are. */
static size_t keep_undelivered(struct nfqueue_queue *q)
{
	size_t i, kept = 0;

	for (i = q->delivered; i < q->nbatch; i++, kept++) {
		struct nfqueue_packet *tmp = q->slots[kept];

		q->slots[kept] = q->slots[i];
		q->slots[i] = tmp;
		q->slots[kept]->slot = kept;
	}
	q->nbatch = kept;
	q->delivered = 0;
	return kept;
}

/* A new batch takes the other set of slots: the one just expired stays
 * untouched through this batch (see spare_slots in internal.h). */
static void swap_slots(struct nfqueue_queue *q)
{
	struct nfqueue_packet **expired = q->slots;

	q->slots = q->spare_slots;
	q->spare_slots = expired;
}

static void drain_stop(struct nfqueue_queue *q)
{
	char sink[64];

	while (read(q->stop_pipe[0], sink, sizeof(sink)) > 0)
		;
	atomic_store(&q->stop_requested, false);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until the socket is readable or `deadline` (now_ms() time; -1:
 * none) passes. 0: readable; 1: timed out. */
static int wait_readable(struct nfqueue_queue *q, int64_t deadline, bool watch_stop)
{
	struct pollfd fds[2] = {
		{ .fd = q->fd, .events = POLLIN },
		{ .fd = q->stop_pipe[0], .events = POLLIN },
	};

	for (;;) {
		int wait = -1;
		int n;

		if (watch_stop && atomic_load(&q->stop_requested)) {
			drain_stop(q);
			return NFQUEUE_E_STOPPED;
		}
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();

			wait = left > 0 ? (int)left : 0;
		}
		n = poll(fds, watch_stop ? 2 : 1, wait);
		if (n < 0 && errno == EINTR)
			continue; /* a signal handler may have asked us to stop */
		if (n < 0)
			return nfqueue__fail(NFQUEUE_E_IO, "poll on queue %u failed: %s", q->queue_num,
					     strerror(errno));
		if (watch_stop && (fds[1].revents & POLLIN)) {
			drain_stop(q);
			return NFQUEUE_E_STOPPED;
		}
		if (n == 0)
			return 1;
		if (fds[0].revents)
			return 0; /* readable, or an error that recv() will report */
	}
}

static int fill_batch(struct nfqueue_queue *q, size_t max, size_t off, int64_t deadline,
		      enum receive_mode mode);

static int fail_nobufs(struct nfqueue_queue *q)
{
	return nfqueue__fail(NFQUEUE_E_NOBUFS,
			     "queue %u: the kernel dropped messages because the socket buffer was full; enlarge it with nfqueue_config_set_rcvbuf() or verdict faster",
			     q->queue_num);
}

/*
 * Start a new batch of at most `max` packets. Packets of the previous batch
 * that the caller was given expire first.
 */
static int receive_batch(struct nfqueue_queue *q, size_t max, int timeout_ms,
			 enum receive_mode mode)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	size_t off = 0;

	expire_delivered(q);
	if (keep_undelivered(q))
		return 0;
	swap_slots(q);
	/* A stop asked for before this call ends it before any packet. */
	if (mode != RECEIVE_DISPATCH && atomic_load(&q->stop_requested)) {
		drain_stop(q);
		return NFQUEUE_E_STOPPED;
	}
	if (q->nobufs_pending && mode != RECEIVE_RUN) {
		q->nobufs_pending = false;
		return fail_nobufs(q);
	}
	if (q->backlog) {
		add_messages(q, q->buf, q->backlog, max);
		off = q->backlog;
		q->backlog = 0;
	}
	return fill_batch(q, max, off, deadline, mode);
}

/*
 * Read until the batch has `max` packets, the buffer may not hold another
 * message, or nothing more is ready. Waits (until `deadline`) only while
 * the batch is empty: a datagram may carry no packet at all (the kernel's
 * answer to a failed verdict), and that must not end a wait early.
 */
static int fill_batch(struct nfqueue_queue *q, size_t max, size_t off, int64_t deadline,
		      enum receive_mode mode)
{
	while (q->nbatch < max && q->buf_size - off >= q->max_msg) {
		ssize_t n = recv(q->fd, q->buf + off, q->buf_size - off, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				int rc;

				if (q->nbatch || mode == RECEIVE_DISPATCH)
					break;
				rc = wait_readable(q, deadline, true);
				if (rc)
					return rc > 0 ? 0 : rc;
				continue;
			}
			if (errno == ENOBUFS) {
				atomic_fetch_add(&q->enobufs, 1);
				if (mode == RECEIVE_RUN)
					continue;
				if (!q->nbatch)
					return fail_nobufs(q);
				/* Hand out what we have; report the loss next time. */
				q->nobufs_pending = true;
				break;
			}
			return nfqueue__fail(NFQUEUE_E_IO, "receiving on queue %u failed: %s", q->queue_num,
					     strerror(errno));
		}
		add_messages(q, q->buf + off, (size_t)n, max);
		off += NLMSG_ALIGN((size_t)n);
	}
	return 0;
}

static int deliver(struct nfqueue_queue *q, nfqueue_callback callback, void *userdata,
		   bool stop_aware)
{
	while (q->delivered < q->nbatch) {
		struct nfqueue_packet *p = q->slots[q->delivered++];
		int rc;

		atomic_store(&q->in_callback, true);
		rc = callback(p, userdata);
		atomic_store(&q->in_callback, false);
		/* Still in its slot unless the callback retained it. */
		if (q->slots[q->delivered - 1] == p)
			nfqueue__packet_expire(p);
		if (rc)
			return rc;
		if (stop_aware && atomic_load(&q->stop_requested))
			return 0;
	}
	return 0;
}

/* Claim the right to drive the queue: one thread at a time. */
static int begin_driving(struct nfqueue_queue *q, const char *what)
{
	if (!q)
		return nfqueue__fail(NFQUEUE_E_INVAL, "queue is NULL");
	if (atomic_load(&q->closed))
		return nfqueue__fail(NFQUEUE_E_CLOSED, "%s on queue %u: the queue is closed", what,
				     q->queue_num);
	if (atomic_exchange(&q->driving, true))
		return nfqueue__fail(NFQUEUE_E_BUSY,
				     "%s on queue %u: another run, dispatch or pull is in progress (one thread drives a queue at a time)",
				     what, q->queue_num);
	return 0;
}

static void end_driving(struct nfqueue_queue *q)
{
	atomic_store(&q->driving, false);
}

NFQUEUE_API int nfqueue_queue_run(nfqueue_queue *q, nfqueue_callback callback, void *userdata)
{
	int rc;

	nfqueue__clear_error();
	if (!callback)
		return nfqueue__fail(NFQUEUE_E_INVAL, "callback is NULL");
	rc = begin_driving(q, "run");
	if (rc)
		return rc;
	for (;;) {
		rc = receive_batch(q, q->config.batch_size, -1, RECEIVE_RUN);
		if (rc == NFQUEUE_E_STOPPED) {
			rc = 0;
			break;
		}
		if (rc)
			break;
		rc = deliver(q, callback, userdata, true);
		if (rc)
			break;
		if (atomic_load(&q->stop_requested)) {
			drain_stop(q);
			break;
		}
	}
	end_driving(q);
	return rc;
}

NFQUEUE_API int nfqueue_queue_dispatch(size_t *out_count, nfqueue_queue *q,
				       nfqueue_callback callback, void *userdata)
{
	size_t before;
	int rc;

	nfqueue__clear_error();
	if (out_count)
		*out_count = 0;
	if (!callback)
		return nfqueue__fail(NFQUEUE_E_INVAL, "callback is NULL");
	rc = begin_driving(q, "dispatch");
	if (rc)
		return rc;
	rc = receive_batch(q, q->config.batch_size, 0, RECEIVE_DISPATCH);
	before = q->delivered;
	if (!rc)
		rc = deliver(q, callback, userdata, false);
	if (out_count)
		*out_count = q->delivered - before;
	end_driving(q);
	return rc;
}

NFQUEUE_API int nfqueue_queue_pull(nfqueue_packet **out, size_t max, size_t *out_count,
				   nfqueue_queue *q, int timeout_ms)
{
	size_t n = 0;
	int rc;

	nfqueue__clear_error();
	if (out_count)
		*out_count = 0;
	if (!out || !out_count || max == 0)
		return nfqueue__fail(NFQUEUE_E_INVAL, "pull needs an array of at least one packet and out_count");
	if (timeout_ms < -1)
		return nfqueue__fail(NFQUEUE_E_INVAL, "timeout %d ms is invalid: use -1 to wait forever",
				     timeout_ms);
	rc = begin_driving(q, "pull");
	if (rc)
		return rc;
	if (max > q->config.batch_size)
		max = q->config.batch_size;
	rc = receive_batch(q, max, timeout_ms, RECEIVE_PULL);
	while (!rc && n < max && q->delivered < q->nbatch)
		out[n++] = q->slots[q->delivered++];
	*out_count = n;
	end_driving(q);
	return rc;
}
