/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue.c - a queue's life: the socket, binding and configuring it in the
 * kernel, and closing it so that no packet is left without a verdict.
 * Receiving lives in receive.c, verdicts in verdict.c, packets in packet.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>

#include "internal.h"

/* Room for a message's attributes besides the payload (headers, names of
 * nothing: indexes, hwaddr, uid/gid, a security context, conntrack). */
#define MSG_OVERHEAD 8192u
/* Per-packet share of the receive buffer for a batch of small packets. */
#define BATCH_SHARE 2048u
/* The kernel answers a config message synchronously; this is a safety net. */
#define ACK_TIMEOUT_MS 5000

static const char *flag_name(uint32_t flag)
{
	switch (flag) {
	case NFQUEUE_FLAG_FAIL_OPEN: return "NFQUEUE_FLAG_FAIL_OPEN";
	case NFQUEUE_FLAG_CONNTRACK: return "NFQUEUE_FLAG_CONNTRACK (needs CONFIG_NETFILTER_NETLINK_GLUE_CT)";
	case NFQUEUE_FLAG_GSO: return "NFQUEUE_FLAG_GSO";
	case NFQUEUE_FLAG_UID_GID: return "NFQUEUE_FLAG_UID_GID";
	case NFQUEUE_FLAG_SECCTX: return "NFQUEUE_FLAG_SECCTX (needs CONFIG_NETWORK_SECMARK)";
	default: return "an unknown flag";
	}
}

/* ---- the socket ---- */

struct netns_socket {
	const char *path;
	bool stats_only; /* open the statistics file, not a socket */
	int fd;          /* the socket or the statistics file */
	int err;
	int code;
};

/* Runs on a short-lived thread: entering a namespace changes only the
 * calling thread's, so the caller's own thread never moves. */
static void *socket_in_netns(void *arg)
{
	struct netns_socket *job = arg;
	int nsfd = open(job->path, O_RDONLY | O_CLOEXEC);

	job->fd = -1;
	if (nsfd < 0) {
		job->err = errno;
		job->code = errno == ENOENT ? NFQUEUE_E_NOENT :
			    errno == EACCES || errno == EPERM ? NFQUEUE_E_PERM : NFQUEUE_E_INVAL;
		return NULL;
	}
	if (setns(nsfd, CLONE_NEWNET) < 0) {
		job->err = errno;
		job->code = errno == EPERM ? NFQUEUE_E_PERM : NFQUEUE_E_INVAL;
		close(nsfd);
		return NULL;
	}
	close(nsfd);
	if (job->stats_only) {
		job->fd = nfqueue__open_proc_stats();
		return NULL;
	}
	job->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (job->fd < 0) {
		job->err = errno;
		job->code = NFQUEUE_E_IO;
	}
	return NULL;
}

static int open_socket(struct nfqueue_queue *q, const struct nfqueue_config *config)
{
	if (config->fd >= 0) {
		int domain = 0, protocol = 0;
		socklen_t len = sizeof(int);

		if (getsockopt(config->fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ||
		    getsockopt(config->fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) < 0 ||
		    domain != AF_NETLINK || protocol != NETLINK_NETFILTER)
			return nfqueue__fail(NFQUEUE_E_INVAL,
					     "fd %d is not a netlink socket of protocol NETLINK_NETFILTER",
					     config->fd);
		q->fd = config->fd;
		q->owns_fd = false;
		return 0;
	}
	if (config->netns) {
		struct netns_socket job = { .path = config->netns };
		pthread_t thread;
		int rc = pthread_create(&thread, NULL, socket_in_netns, &job);

		if (rc)
			return nfqueue__fail(NFQUEUE_E_NOMEM, "cannot start a thread to enter %s: %s",
					     config->netns, strerror(rc));
		pthread_join(thread, NULL);
		if (job.fd < 0)
			return nfqueue__fail(job.code, "cannot open a socket in network namespace %s: %s%s",
					     config->netns, strerror(job.err),
					     job.code == NFQUEUE_E_PERM ? " (entering a namespace needs CAP_SYS_ADMIN)" : "");
		q->fd = job.fd;
	} else {
		q->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
		if (q->fd < 0)
			return nfqueue__fail(NFQUEUE_E_IO, "cannot open a netfilter netlink socket: %s",
					     strerror(errno));
	}
	q->owns_fd = true;
	return 0;
}

/*
 * The statistics file of the queue's namespace. Opened once the queue is
 * bound: where nfnetlink_queue is a module, the first bind loads it and
 * only then does the file exist. -1 where there is none (stats then say
 * NFQUEUE_E_NOTSUP); an adopted socket is taken to live in the caller's
 * namespace.
 */
static int open_stats(const struct nfqueue_config *config)
{
	struct netns_socket job = { .path = config->netns, .stats_only = true };
	pthread_t thread;

	if (!config->netns)
		return nfqueue__open_proc_stats();
	if (pthread_create(&thread, NULL, socket_in_netns, &job))
		return -EAGAIN;
	pthread_join(thread, NULL);
	return job.fd;
}

/* Bind the socket if it is not yet, and learn the port id the kernel gave it. */
static int bind_socket(struct nfqueue_queue *q)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK };
	socklen_t len = sizeof(addr);

	if (getsockname(q->fd, (struct sockaddr *)&addr, &len) == 0 && addr.nl_pid != 0) {
		q->portid = addr.nl_pid;
		return 0;
	}
	memset(&addr, 0, sizeof(addr));
	addr.nl_family = AF_NETLINK;
	if (bind(q->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return nfqueue__fail(NFQUEUE_E_IO, "cannot bind the netlink socket: %s", strerror(errno));
	len = sizeof(addr);
	if (getsockname(q->fd, (struct sockaddr *)&addr, &len) < 0)
		return nfqueue__fail(NFQUEUE_E_IO, "cannot read the netlink port id: %s", strerror(errno));
	q->portid = addr.nl_pid;
	return 0;
}

/*
 * The receive buffer that holds every message of a full kernel queue, so
 * that the socket never overflows before the queue does. The kernel
 * charges a message by the memory it occupies (its truesize): the copied
 * bytes and headers, rounded up to the allocator's power of two, plus
 * the skb's own bookkeeping.
 */
static uint32_t auto_rcvbuf(const struct nfqueue_config *c)
{
	size_t copied = c->copy_mode == NFQUEUE_COPY_PACKET ? c->copy_range : 0;
	size_t charge = 1024;
	uint64_t total;

	while (charge < copied + 1024)
		charge *= 2;
	total = (uint64_t)c->max_len * (charge + 512);
	return total > NFQUEUE_RCVBUF_MAX ? NFQUEUE_RCVBUF_MAX : (uint32_t)total;
}

static int set_rcvbuf(struct nfqueue_queue *q, const struct nfqueue_config *config)
{
	int size = (int)(config->rcvbuf ? config->rcvbuf : auto_rcvbuf(config));

	/* FORCE passes rmem_max but needs CAP_NET_ADMIN, which binding a
	 * queue needs too; the plain option is the fallback. */
	if (setsockopt(q->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) == 0 ||
	    setsockopt(q->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) == 0)
		return 0;
	/* A size chosen for the caller is best effort (stats report it). */
	if (!config->rcvbuf)
		return 0;
	return nfqueue__fail(NFQUEUE_E_IO, "cannot set a receive buffer of %u bytes: %s",
			     config->rcvbuf, strerror(errno));
}

static int set_socket_options(struct nfqueue_queue *q, const struct nfqueue_config *config)
{
	int one = 1;
	int sndbuf = 2 * NFQUEUE__PENDING_MAX;
	int rc = set_rcvbuf(q, config);

	if (rc)
		return rc;
	/* One send carries up to NFQUEUE__PENDING_MAX bytes of verdicts. */
	if (setsockopt(q->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)) < 0)
		(void)setsockopt(q->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (config->no_enobufs &&
	    setsockopt(q->fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof(one)) < 0)
		return nfqueue__fail(NFQUEUE_E_IO, "cannot set NETLINK_NO_ENOBUFS: %s", strerror(errno));
	/* Lets the kernel's error replies carry its own explanation. */
	(void)setsockopt(q->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	return 0;
}

/* ---- configuration messages ---- */

/* Keep a packet message that arrived while we waited for an ack, so the
 * first receive hands it out instead of losing it. */
static void keep_early_packet(struct nfqueue_queue *q, const struct nlmsghdr *nlh)
{
	size_t len = NLMSG_ALIGN(nlh->nlmsg_len);

	if (q->backlog + len > q->buf_size) {
		/* No room left: the kernel still holds the packet, so the
		 * default verdict at close settles it; count it as lost. */
		atomic_fetch_add(&q->enobufs, 1);
		return;
	}
	memmove(q->buf + q->backlog, nlh, nlh->nlmsg_len);
	q->backlog += len;
}

/* Send one config message and wait for the kernel's answer to it.
 * Returns 0 or a negative errno from the kernel. */
static int config_request(struct nfqueue_queue *q, struct nlmsghdr *nlh)
{
	uint32_t seq = ++q->seq;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	if (send(q->fd, nlh, nlh->nlmsg_len, 0) < 0)
		return -errno;

	for (;;) {
		/* Read after the backlog, so early packets are kept in place. */
		uint8_t *at = q->buf + q->backlog;
		ssize_t n = recv(q->fd, at, q->buf_size - q->backlog, 0);
		const struct nlmsghdr *msg;
		int len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				atomic_fetch_add(&q->enobufs, 1);
				continue;
			}
			/* An adopted socket may be non-blocking: wait for the
			 * answer, which the kernel sends at once. */
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				struct pollfd pfd = { .fd = q->fd, .events = POLLIN };

				if (poll(&pfd, 1, ACK_TIMEOUT_MS) == 0)
					return -ETIMEDOUT;
				continue;
			}
			return -errno;
		}
		len = (int)n;
		for (msg = (const struct nlmsghdr *)at; mnl_nlmsg_ok(msg, len);
		     msg = mnl_nlmsg_next(msg, &len)) {
			if (msg->nlmsg_type == NLMSG_ERROR && msg->nlmsg_seq == seq) {
				const struct nlmsgerr *err = mnl_nlmsg_get_payload(msg);

				return err->error;
			}
			if ((msg->nlmsg_type & 0xff) == NFQNL_MSG_PACKET &&
			    (msg->nlmsg_type >> 8) == NFNL_SUBSYS_QUEUE)
				keep_early_packet(q, msg);
		}
	}
}

/* `buf` holds MNL_SOCKET_BUFFER_SIZE bytes. Zeroed first: the kernel's
 * structs have padding that the put helpers leave as they find it. */
static struct nlmsghdr *config_message(struct nfqueue_queue *q, char *buf)
{
	memset(buf, 0, MNL_SOCKET_BUFFER_SIZE);
	return nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->queue_num);
}

/* The kernel checks flags before it touches any queue, so a flag-only
 * message for our (not yet bound) queue tells whether it supports one flag. */
static uint32_t find_unsupported_flag(struct nfqueue_queue *q, uint32_t flags)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t bit;

	for (bit = 1; bit && bit <= flags; bit <<= 1) {
		struct nlmsghdr *nlh;

		if (!(flags & bit))
			continue;
		nlh = config_message(q, buf);
		mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(bit));
		mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(bit));
		if (config_request(q, nlh) == -EOPNOTSUPP)
			return bit;
	}
	return 0;
}

/*
 * Ask the kernel whether it takes configuration messages from this socket
 * at all: it checks CAP_NET_ADMIN in the user namespace that owns the
 * socket's network namespace before it reads any message, and the
 * obsolete "unbind protocol family" command does nothing once past that
 * check (since Linux 3.8). Returns 0, -EPERM, or another negative errno.
 */
static int probe_permission(struct nfqueue_queue *q)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = config_message(q, buf);

	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_PF_UNBIND);
	return config_request(q, nlh);
}

static int fail_permission(const char *what)
{
	return nfqueue__fail(NFQUEUE_E_PERM,
			     "%s needs CAP_NET_ADMIN in the user namespace that owns this network namespace: run as root (or in a user namespace that owns the network namespace too: unshare --user --map-root-user --net) or grant the capability (setcap cap_net_admin+ep PROGRAM)",
			     what);
}

static int explain_bind_error(struct nfqueue_queue *q, int err, uint32_t flags)
{
	switch (err) {
	case -EPERM:
		/* The kernel says EPERM both for a missing capability and for
		 * a queue bound by another socket; asking it tells which. */
		if (probe_permission(q) == -EPERM) {
			char what[32];

			snprintf(what, sizeof(what), "binding queue %u", q->queue_num);
			return fail_permission(what);
		}
		return nfqueue__fail(NFQUEUE_E_BUSY,
				     "queue %u is bound by another socket: stop that program or choose another queue number (see /proc/net/netfilter/nfnetlink_queue)",
				     q->queue_num);
	case -EBUSY:
		return nfqueue__fail(NFQUEUE_E_BUSY, "queue %u is already bound by this socket", q->queue_num);
	case -EOPNOTSUPP: {
		uint32_t bad = find_unsupported_flag(q, flags);

		return nfqueue__fail(NFQUEUE_E_NOTSUP,
				     "the running kernel does not support %s on queue %u: open the queue without that flag",
				     bad ? flag_name(bad) : "a requested queue flag", q->queue_num);
	}
	default:
		return nfqueue__fail(NFQUEUE_E_IO, "the kernel refused to bind queue %u: %s",
				     q->queue_num, strerror(-err));
	}
}

/* Bind and configure in one message: the kernel validates the flags before
 * it creates the queue, so a refused flag leaves nothing half-bound. */
static int bind_queue(struct nfqueue_queue *q)
{
	const struct nfqueue_config *c = &q->config;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = config_message(q, buf);
	int err;

	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
	nfq_nlmsg_cfg_put_params(nlh, (uint8_t)c->copy_mode,
				 c->copy_mode == NFQUEUE_COPY_PACKET ? (int)c->copy_range : 0);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, c->max_len);
	if (c->flags) {
		mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(c->flags));
		mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(c->flags));
	}
	err = config_request(q, nlh);
	/* With modules, the kernel may load conntrack support and ask us to retry. */
	if (err == -EAGAIN)
		err = config_request(q, nlh);
	return err ? explain_bind_error(q, err, c->flags) : 0;
}

static void unbind_queue(struct nfqueue_queue *q)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = config_message(q, buf);

	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_UNBIND);
	(void)send(q->fd, nlh, nlh->nlmsg_len, 0);
}

/* ---- open / close / free ---- */

static void close_stop_pipe(struct nfqueue_queue *q)
{
	int i;

	for (i = 0; i < 2; i++)
		if (q->stop_pipe[i] >= 0)
			close(q->stop_pipe[i]);
}

int nfqueue__alloc_buffers(struct nfqueue_queue *q)
{
	const struct nfqueue_config *c = &q->config;
	size_t payload = c->copy_mode == NFQUEUE_COPY_PACKET ? c->copy_range : 0;

	q->max_msg = NLMSG_ALIGN(payload) + MSG_OVERHEAD;
	q->buf_size = q->max_msg + (size_t)c->batch_size * BATCH_SHARE;
	q->buf = malloc(q->buf_size);
	q->slots = calloc(c->batch_size, sizeof(*q->slots));
	q->pending = malloc(NFQUEUE__PENDING_MAX);
	if (!q->buf || !q->slots || !q->pending)
		return nfqueue__fail(NFQUEUE_E_NOMEM, "cannot allocate a %zu-byte receive buffer", q->buf_size);
	return 0;
}

/* Unbind first, also from a socket we close: a child forked by another
 * thread may hold a copy of it until it execs, and the kernel would keep
 * the queue bound to it until then, so that opening the queue again
 * right away would find it busy. */
static void close_socket(struct nfqueue_queue *q)
{
	if (q->fd < 0)
		return;
	unbind_queue(q);
	if (q->owns_fd)
		close(q->fd);
	q->fd = -1;
}

/*
 * The slots and the receive buffer outlive close(): a borrowed handle kept
 * past close then reports NFQUEUE_E_EXPIRED instead of pointing at freed
 * memory, and a binding's zero-copy view of a payload stays readable
 * memory until the caller releases its queue handle.
 */
static void free_buffers(struct nfqueue_queue *q)
{
	size_t i;

	/* Under the lock: a thread resolving a retained packet's handle may
	 * look at the batch (see handle.c). */
	pthread_mutex_lock(&q->lock);
	atomic_store(&q->nbatch, 0);
	pthread_mutex_unlock(&q->lock);
	for (i = 0; q->slots && i < q->config.batch_size; i++)
		free(q->slots[i]);
	free(q->slots);
	q->slots = NULL;
	q->delivered = 0;
	free(q->buf);
	q->buf = NULL;
	free(q->pending);
	q->pending = NULL;
}

NFQUEUE_API int nfqueue_queue_open(nfqueue_queue **out, uint32_t queue_num,
				   const nfqueue_config *config)
{
	struct nfqueue_queue *q;
	int rc;

	nfqueue__clear_error();
	if (!out)
		return nfqueue__fail(NFQUEUE_E_INVAL, "out is NULL");
	*out = NULL;
	if (queue_num > NFQUEUE_QUEUE_NUM_MAX)
		return nfqueue__fail(NFQUEUE_E_INVAL, "queue number %u is out of range 0..%u",
				     queue_num, NFQUEUE_QUEUE_NUM_MAX);

	q = calloc(1, sizeof(*q));
	if (!q)
		return nfqueue__fail(NFQUEUE_E_NOMEM, "cannot allocate a queue");
	atomic_init(&q->refs, 1);
	q->queue_num = queue_num;
	q->fd = -1;
	q->proc_fd = -1;
	q->stop_pipe[0] = q->stop_pipe[1] = -1;
	if (config)
		q->config = *config;
	else
		nfqueue__config_defaults(&q->config);
	q->config.netns = NULL; /* used below through `config` only */
	pthread_mutex_init(&q->lock, NULL);
	rc = nfqueue__registry_add(q);
	if (rc) {
		pthread_mutex_destroy(&q->lock);
		free(q);
		return rc;
	}

	rc = nfqueue__alloc_buffers(q);
	if (!rc && pipe2(q->stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		rc = nfqueue__fail(NFQUEUE_E_IO, "cannot create the stop pipe: %s", strerror(errno));
	if (!rc)
		rc = open_socket(q, config ? config : &q->config);
	if (!rc)
		rc = bind_socket(q);
	if (!rc)
		rc = set_socket_options(q, &q->config);
	if (!rc)
		rc = bind_queue(q);
	if (!rc)
		q->proc_fd = open_stats(config ? config : &q->config);
	if (rc) {
		close_socket(q);
		free_buffers(q);
		nfqueue__queue_unref(q);
		return rc;
	}
	*out = q;
	return 0;
}

NFQUEUE_API int nfqueue_queue_close(nfqueue_queue *q)
{
	struct nfqueue_packet *p;
	size_t i;

	if (!q)
		return nfqueue__fail(NFQUEUE_E_INVAL, "queue is NULL");
	/* The checks under the lock that begin_driving() takes too: a pull
	 * starting now either sees the queue closed or makes us say busy. */
	pthread_mutex_lock(&q->lock);
	if (atomic_load(&q->closed)) {
		pthread_mutex_unlock(&q->lock);
		return 0;
	}
	if (atomic_load(&q->driving)) {
		pthread_mutex_unlock(&q->lock);
		if (atomic_load(&q->in_callback))
			return nfqueue__fail(NFQUEUE_E_BUSY,
					     "queue %u cannot be closed while it is being driven (from its own callback, or by another thread): call nfqueue_queue_stop() and close after the run returns",
					     q->queue_num);
		return nfqueue__fail(NFQUEUE_E_BUSY,
				     "queue %u is being driven by another thread: stop it with nfqueue_queue_stop() and close after its run or pull returns",
				     q->queue_num);
	}
	/* Nothing may be left for the kernel to decide by chance. */
	for (i = 0; i < atomic_load(&q->nbatch); i++) {
		p = q->slots[i];
		if (p && p->state == NFQUEUE__BORROWED)
			nfqueue__packet_expire(p);
	}
	for (p = q->retained; p; p = p->next)
		nfqueue__verdict_default_locked(p);
	/* After the verdicts collected, in the same send. */
	(void)nfqueue__verdict_all_pending_locked(q);
	atomic_store(&q->closed, true);
	close_socket(q);
	if (q->proc_fd >= 0)
		close(q->proc_fd);
	q->proc_fd = -1;
	pthread_mutex_unlock(&q->lock);
	return 0;
}

void nfqueue__queue_unref(struct nfqueue_queue *q)
{
	if (atomic_fetch_sub(&q->refs, 1) != 1)
		return;
	/* The stop pipe lives as long as the memory, so a stop() racing
	 * with close() writes into a pipe, never into a reused fd. */
	close_stop_pipe(q);
	nfqueue__registry_remove(q);
	if (q->proc_fd >= 0)
		close(q->proc_fd);
	free(q->retained_table);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

NFQUEUE_API void nfqueue_queue_free(nfqueue_queue *q)
{
	if (!q)
		return;
	/* Still driven (close said BUSY): leak rather than pull memory
	 * from under the thread that drives it. */
	if (nfqueue_queue_close(q) == 0)
		free_buffers(q);
	nfqueue__queue_unref(q);
}

NFQUEUE_API uint32_t nfqueue_queue_num(const nfqueue_queue *q)
{
	return q ? q->queue_num : 0;
}

NFQUEUE_API int nfqueue_queue_fd(const nfqueue_queue *q)
{
	return q && !atomic_load(&q->closed) ? q->fd : -1;
}

NFQUEUE_API int nfqueue_queue_stop(nfqueue_queue *q)
{
	char byte = 1;
	int saved_errno = errno;
	int rc = 0;

	/* Only async-signal-safe operations: atomics and write(2). No
	 * nfqueue__fail(): formatting a message is not safe in a handler. */
	if (!q)
		return NFQUEUE_E_INVAL;
	if (atomic_load(&q->closed))
		return NFQUEUE_E_CLOSED;
	atomic_store(&q->stop_requested, true);
	/* A full pipe (EAGAIN) already holds a pending stop. */
	if (write(q->stop_pipe[1], &byte, 1) < 0 && errno != EAGAIN)
		rc = NFQUEUE_E_IO;
	errno = saved_errno;
	return rc;
}

NFQUEUE_API uint64_t nfqueue_queue_enobufs_count(const nfqueue_queue *q)
{
	return q ? atomic_load(&((struct nfqueue_queue *)q)->enobufs) : 0;
}

NFQUEUE_API int nfqueue_check_permission(const nfqueue_config *config)
{
	struct nfqueue_config defaults;
	struct nfqueue_queue *probe;
	int rc;

	nfqueue__clear_error();
	if (!config) {
		nfqueue__config_defaults(&defaults);
		config = &defaults;
	}
	/* A queue that never binds: a socket, a port id and a buffer for
	 * the kernel's answer. */
	probe = calloc(1, sizeof(*probe));
	if (!probe)
		return nfqueue__fail(NFQUEUE_E_NOMEM, "cannot allocate a permission probe");
	probe->fd = -1;
	probe->buf_size = MNL_SOCKET_BUFFER_SIZE;
	probe->buf = malloc(probe->buf_size);
	rc = probe->buf ? open_socket(probe, config) : nfqueue__fail(NFQUEUE_E_NOMEM, "cannot allocate a permission probe");
	if (!rc)
		rc = bind_socket(probe);
	if (!rc) {
		int err = probe_permission(probe);

		if (err == -EPERM)
			rc = fail_permission("binding a queue");
		else if (err)
			rc = nfqueue__fail(NFQUEUE_E_IO, "the kernel did not answer the permission probe: %s",
					   strerror(-err));
	}
	if (probe->owns_fd && probe->fd >= 0)
		close(probe->fd); /* an adopted socket stays as it was */
	free(probe->buf);
	free(probe);
	return rc;
}
