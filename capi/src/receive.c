/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * receive.c - turning the socket's messages into batches of borrowed
 * packets, and the three ways to consume them: run (blocking, callbacks),
 * dispatch (non-blocking, callbacks) and pull (a batch per call).
 *
 * A batch's packets point into the queue's receive buffer, so the buffer
 * is reused only once every packet of the batch has expired. Packets that
 * were received but not yet handed out (a callback ended a run early) are
 * kept, with their buffer, for the next call.
 *
 * The driving thread changes the batch (its slots, their packets, its
 * bounds) only with the queue's lock held, so that a thread that verdicts
 * a retained packet, or gives a batch verdict, sees it whole.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <linux/netlink.h>

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

/* An error answer: verdicts ask for no ack, so the kernel answers only
 * those it refused (an unknown packet id, a missing capability). */
static bool is_refusal(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err = (const struct nlmsgerr *)NLMSG_DATA(nlh);

	return nlh->nlmsg_type == NLMSG_ERROR && nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(*err)) &&
	       err->error != 0;
}

static struct nfqueue_packet *next_slot(struct nfqueue_queue *q)
{
	size_t at = atomic_load_explicit(&q->nbatch, memory_order_relaxed);
	struct nfqueue_packet *p = q->slots[at];

	if (!p) {
		p = malloc(sizeof(*p));
		if (!p)
			return NULL;
		q->slots[at] = p;
	}
	/* Not seq and state: another thread may be reading them (handle.c). */
	memset((uint8_t *)p + offsetof(struct nfqueue_packet, queue), 0,
	       sizeof(*p) - offsetof(struct nfqueue_packet, queue));
	p->queue = q;
	p->state = NFQUEUE__BORROWED;
	p->slot = at;
	return p;
}

/* Add the packet message at `nlh` to the batch; lock held. A message we
 * cannot parse has no id we could trust, so it is left to the kernel (it
 * gets a verdict when the queue closes); one for which no slot is left
 * gets the default verdict. */
static void add_packet(struct nfqueue_queue *q, const struct nlmsghdr *nlh, size_t max)
{
	size_t n = atomic_load_explicit(&q->nbatch, memory_order_relaxed);
	struct nfqueue_packet *p = n < max ? next_slot(q) : NULL;
	struct nfqueue_packet spare;

	if (!p) {
		memset(&spare, 0, sizeof(spare));
		spare.queue = q;
		p = &spare;
	}
	if (nfqueue__parse_packet(&p->f, nlh) < 0) {
		atomic_fetch_add(&q->skipped, 1);
		return;
	}
	nfqueue__runs_received_locked(q, p->f.id);
	q->last_id = p->f.id;
	/* Read after a batch verdict that covered it: the kernel already
	 * let it go, so nobody must see it or verdict it again. */
	if (nfqueue__covered_by_batch(q, p->f.id))
		return;
	p->data = (const uint8_t *)nlh;
	if (p == &spare) {
		/* No slot: the batch is full, or a new slot could not be had. */
		if (n < max)
			atomic_fetch_add(&q->unstored, 1);
		nfqueue__verdict_default_locked(p);
		return;
	}
	if (n == 0)
		atomic_store_explicit(&q->batch_seq, q->next_seq, memory_order_relaxed);
	p->seq = q->next_seq++;
	q->unsettled++;
	atomic_store_explicit(&q->nbatch, n + 1, memory_order_release);
}

/*
 * Walk the messages of one datagram (or of the backlog). Every length is
 * checked against the bytes that are really there, as size_t: a hostile
 * length of 2^31 or more must end the walk, not jump past the buffer.
 * Error messages answer verdicts, which are sent without asking for an
 * ack: the kernel reports only failures, such as a verdict for a packet
 * it already released, and nobody is waiting for them.
 */
static void add_messages(struct nfqueue_queue *q, uint8_t *at, size_t len, size_t max)
{
	pthread_mutex_lock(&q->lock);
	while (len >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)at;
		size_t msg_len = nlh->nlmsg_len;
		size_t step = NLMSG_ALIGN(msg_len);

		if (msg_len < sizeof(struct nlmsghdr) || msg_len > len) {
			atomic_fetch_add(&q->skipped, 1); /* the rest cannot be trusted */
			break;
		}
		if (is_packet_message(nlh))
			add_packet(q, nlh, max);
		else if (is_refusal(nlh))
			atomic_fetch_add(&q->verdict_errors, 1);
		if (step >= len)
			break;
		at += step;
		len -= step;
	}
	pthread_mutex_unlock(&q->lock);
}

/* The packets handed out of the last batch expire: default verdicts for
 * those without one, collected and then sent together. */
static int expire_delivered(struct nfqueue_queue *q)
{
	size_t i;
	int rc;

	pthread_mutex_lock(&q->lock);
	for (i = 0; i < q->delivered; i++)
		if (q->slots[i]) /* NULL: retained and detached */
			nfqueue__packet_expire(q->slots[i]);
	rc = nfqueue__flush_locked(q);
	pthread_mutex_unlock(&q->lock);
	return rc;
}

/* Move packets not yet handed out to the front of the batch. Their data
 * stays where it is in the buffer, and their numbers stay in order.
 * Returns how many there are; lock held. */
static size_t keep_undelivered_locked(struct nfqueue_queue *q)
{
	size_t n = atomic_load_explicit(&q->nbatch, memory_order_relaxed);
	size_t i, kept = 0;

	for (i = q->delivered; i < n; i++, kept++) {
		struct nfqueue_packet *tmp = q->slots[kept];

		q->slots[kept] = q->slots[i];
		q->slots[i] = tmp;
		q->slots[kept]->slot = kept;
	}
	if (kept)
		atomic_store_explicit(&q->batch_seq, q->slots[0]->seq, memory_order_relaxed);
	atomic_store_explicit(&q->nbatch, kept, memory_order_release);
	q->delivered = 0;
	q->unsettled = kept;
	return kept;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Consume a pending stop, if there is one: it ends this wait and no other. */
static bool take_stop(struct nfqueue_queue *q)
{
	return atomic_exchange(&q->stop_requested, false);
}

static void drain_wakeups(struct nfqueue_queue *q)
{
	char sink[64];

	while (read(q->stop_pipe[0], sink, sizeof(sink)) > 0)
		;
}

/* Wait until the socket is readable or `deadline` (now_ms() time; -1:
 * none) passes. 0: readable; 1: timed out; or NFQUEUE_E_STOPPED,
 * NFQUEUE_E_INTR, NFQUEUE_E_IO. */
static int wait_readable(struct nfqueue_queue *q, int64_t deadline)
{
	struct pollfd fds[2] = {
		{ .fd = q->fd, .events = POLLIN },
		{ .fd = q->stop_pipe[0], .events = POLLIN },
	};

	for (;;) {
		int wait = -1;
		int n;

		if (take_stop(q))
			return NFQUEUE_E_STOPPED;
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();

			wait = left > 0 ? (int)left : 0;
		}
		n = poll(fds, 2, wait);
		if (n < 0 && errno == EINTR) {
			if (q->config.interruptible)
				return nfqueue__fail_static(NFQUEUE_E_INTR,
							    "a signal arrived while waiting for packets; call again to go on");
			continue; /* a signal handler may have asked us to stop */
		}
		if (n < 0)
			return nfqueue__fail(NFQUEUE_E_IO, "poll on queue %u failed: %s", q->queue_num,
					     strerror(errno));
		/* The pipe only wakes us; the flag above says whether a stop
		 * is still pending (another wait may have taken it). */
		if (fds[1].revents & POLLIN)
			drain_wakeups(q);
		if (fds[0].revents)
			return 0; /* readable, or an error that recv() will report */
		if (n == 0)
			return 1;
	}
}

static int fail_nobufs(struct nfqueue_queue *q)
{
	return nfqueue__fail(NFQUEUE_E_NOBUFS,
			     "queue %u: the kernel dropped packets because the socket receive buffer was full; enlarge the receive buffer or verdict faster (nfqueue_queue_stats() counts the packets)",
			     q->queue_num);
}

/* Read one datagram. Returns its length, 0 for one to ignore (not from
 * the kernel), or -1 with errno. */
static ssize_t receive_datagram(struct nfqueue_queue *q, uint8_t *at, size_t room)
{
	struct sockaddr_nl from;
	socklen_t from_len = sizeof(from);
	ssize_t n = recvfrom(q->fd, at, room, MSG_DONTWAIT, (struct sockaddr *)&from, &from_len);

	if (n < 0)
		return -1;
	/* Only the kernel (port 0) speaks for the queue: another process in
	 * the namespace could otherwise feed us packets of its making. */
	if (from_len < sizeof(from) || from.nl_family != AF_NETLINK || from.nl_pid != 0) {
		atomic_fetch_add(&q->skipped, 1);
		return 0;
	}
	return n;
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
	bool reports_nobufs = mode != RECEIVE_RUN && q->config.nobufs_errors;

	while (atomic_load_explicit(&q->nbatch, memory_order_relaxed) < max &&
	       q->buf_size - off >= q->max_msg) {
		ssize_t n = receive_datagram(q, q->buf + off, q->buf_size - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				int rc;

				if (atomic_load_explicit(&q->nbatch, memory_order_relaxed) ||
				    mode == RECEIVE_DISPATCH)
					break;
				rc = wait_readable(q, deadline);
				if (rc)
					return rc > 0 ? 0 : rc;
				continue;
			}
			if (errno == ENOBUFS) {
				atomic_fetch_add(&q->enobufs, 1);
				if (!reports_nobufs)
					continue;
				if (!atomic_load_explicit(&q->nbatch, memory_order_relaxed))
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

/*
 * Start a new batch of at most `max` packets. Packets of the previous batch
 * that the caller was given expire first, and every verdict collected is
 * sent before anything waits.
 */
static int receive_batch(struct nfqueue_queue *q, size_t max, int timeout_ms,
			 enum receive_mode mode)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	size_t off = 0;
	size_t kept;
	int rc = expire_delivered(q);

	if (rc)
		return rc;
	pthread_mutex_lock(&q->lock);
	kept = keep_undelivered_locked(q);
	nfqueue__runs_new_batch_locked(q, kept, kept ? q->slots[0]->f.id : 0);
	pthread_mutex_unlock(&q->lock);
	if (kept)
		return 0;
	/* A stop asked for before this call ends it before any packet. */
	if (mode != RECEIVE_DISPATCH && take_stop(q))
		return NFQUEUE_E_STOPPED;
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

/* The callback's status: 0 goes on, positive values are the caller's own,
 * negative ones would look like a library code and are reported as one. */
static int callback_status(int rc)
{
	if (rc >= 0)
		return rc;
	return nfqueue__fail(NFQUEUE_E_CALLBACK,
			     "the callback returned %d; return a positive value to end the run with a status of your own",
			     rc);
}

static int deliver(struct nfqueue_queue *q, nfqueue_callback callback, void *userdata,
		   bool stop_aware)
{
	int rc = 0;
	int sent;

	while (q->delivered < atomic_load_explicit(&q->nbatch, memory_order_relaxed)) {
		struct nfqueue_packet *p = q->slots[q->delivered++];

		atomic_store(&q->in_callback, true);
		rc = callback(nfqueue__handle_of(p), userdata);
		atomic_store(&q->in_callback, false);
		/* Still in its slot unless the callback retained it. */
		if (q->slots[q->delivered - 1] == p && p->state == NFQUEUE__BORROWED) {
			if (atomic_load(&p->has_verdict)) {
				nfqueue__packet_expire(p); /* the common case needs no lock */
			} else {
				pthread_mutex_lock(&q->lock);
				nfqueue__packet_expire(p);
				(void)nfqueue__settled_locked(q); /* errors: the flush below */
				pthread_mutex_unlock(&q->lock);
			}
		}
		if (rc) {
			rc = callback_status(rc);
			break;
		}
		if (stop_aware && atomic_load(&q->stop_requested))
			break;
	}
	/* Before the library waits or hands control back. */
	sent = nfqueue__flush(q);
	return rc ? rc : sent;
}

/* Claim the right to drive the queue: one thread at a time. Under the lock,
 * so that close() sees either a driven queue or none. */
static int begin_driving(struct nfqueue_queue *q, const char *what)
{
	int rc = 0;

	if (!q)
		return nfqueue__fail(NFQUEUE_E_INVAL, "queue is NULL");
	pthread_mutex_lock(&q->lock);
	if (atomic_load(&q->closed))
		rc = nfqueue__fail(NFQUEUE_E_CLOSED, "%s on queue %u: the queue is closed", what,
				   q->queue_num);
	else if (atomic_load(&q->driving))
		rc = nfqueue__fail(NFQUEUE_E_BUSY,
				   "%s on queue %u: another run, dispatch or pull is in progress (one thread drives a queue at a time)",
				   what, q->queue_num);
	else
		atomic_store(&q->driving, true);
	pthread_mutex_unlock(&q->lock);
	if (!rc)
		nfqueue__note_receiver(q);
	return rc;
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
		if (rc || take_stop(q))
			break;
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
	while (!rc && n < max && q->delivered < atomic_load_explicit(&q->nbatch, memory_order_relaxed))
		out[n++] = nfqueue__handle_of(q->slots[q->delivered++]);
	*out_count = n;
	end_driving(q);
	return rc;
}

NFQUEUE_API int nfqueue_queue_flush(nfqueue_queue *q)
{
	nfqueue__clear_error();
	if (!q)
		return nfqueue__fail(NFQUEUE_E_INVAL, "queue is NULL");
	if (atomic_load(&q->closed))
		return nfqueue__fail(NFQUEUE_E_CLOSED, "flush on queue %u: the queue is closed", q->queue_num);
	return nfqueue__flush(q);
}
