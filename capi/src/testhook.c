/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * testhook.c - a kernel-less queue and a datagram fed where recv() would
 * return it, so fuzzers and unit tests run exactly the receive path that
 * follows the system call (the sender check, the length walk, parsing,
 * batching, handing out, verdicts, close) on bytes of their choosing.
 * Built into the internal static library only (see testhook.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "testhook.h"

/* The datagram waiting for the next recvfrom() on a test queue
 * of this thread. */
static _Thread_local struct {
	const uint8_t *data;
	size_t len;
	uint32_t sender;
	bool pending;
	bool reached;
	size_t sent_bytes;
	bool made_queue; /* only then may a socket be a test queue's */
} feed;

ssize_t __real_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
			socklen_t *from_len);
ssize_t __real_send(int fd, const void *buf, size_t len, int flags);

ssize_t __wrap_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
			socklen_t *from_len);
ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags);

/* A test queue's socket is an AF_UNIX one, which the library never makes:
 * it polls as not readable, and every call on it comes here. */
static bool is_test_socket(int fd)
{
	int domain = 0;
	socklen_t len = sizeof(domain);

	return feed.made_queue && getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 &&
	       domain == AF_UNIX;
}

ssize_t __wrap_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
			socklen_t *from_len)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	size_t n;

	if (!is_test_socket(fd))
		return __real_recvfrom(fd, buf, len, flags, from, from_len);
	feed.reached = true;
	if (!feed.pending) {
		errno = EAGAIN;
		return -1;
	}
	feed.pending = false;
	/* A netlink socket cuts a datagram longer than the buffer. */
	n = feed.len < len ? feed.len : len;
	memcpy(buf, feed.data, n);
	nl.nl_pid = feed.sender;
	if (from && from_len) {
		socklen_t room = *from_len < sizeof(nl) ? *from_len : (socklen_t)sizeof(nl);

		memcpy(from, &nl, room);
		*from_len = sizeof(nl);
	}
	return (ssize_t)n;
}

ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags)
{
	if (!is_test_socket(fd))
		return __real_send(fd, buf, len, flags);
	feed.sent_bytes += len;
	return (ssize_t)len;
}

int nfqueue__test_queue_new(struct nfqueue_queue **out, const struct nfqueue_config *config)
{
	struct nfqueue_queue *q = calloc(1, sizeof(*q));
	int rc;

	*out = NULL;
	if (!q)
		return nfqueue__fail(NFQUEUE_E_NOMEM, "cannot allocate a test queue");
	atomic_init(&q->refs, 1);
	q->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	q->owns_fd = true;
	q->proc_fd = -1;
	q->stop_pipe[0] = q->stop_pipe[1] = -1;
	if (config)
		q->config = *config;
	else
		nfqueue__config_defaults(&q->config);
	q->config.netns = NULL;
	q->config.fd = -1;
	pthread_mutex_init(&q->lock, NULL);
	rc = nfqueue__registry_add(q);
	if (rc) {
		pthread_mutex_destroy(&q->lock);
		free(q);
		return rc;
	}
	/* Buffers as a real queue's, so the walk meets the same bounds. */
	if (nfqueue__alloc_buffers(q) || q->fd < 0 ||
	    pipe2(q->stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		nfqueue_queue_free(q);
		return nfqueue__fail(NFQUEUE_E_NOMEM, "cannot allocate a test queue's buffers");
	}
	feed.made_queue = true;
	*out = q;
	return 0;
}

int nfqueue__feed_datagram(nfqueue_packet **out, size_t max, size_t *out_count,
			   struct nfqueue_queue *q, const uint8_t *data, size_t len,
			   uint32_t sender)
{
	int rc;

	feed.data = data;
	feed.len = len;
	feed.sender = sender;
	feed.pending = true;
	feed.reached = false;
	rc = nfqueue_queue_pull(out, max, out_count, q, 0);
	feed.pending = false;
	if (!feed.reached && rc == 0 && *out_count == 0)
		return nfqueue__fail(NFQUEUE_E_NOTSUP,
				     "the datagram never reached the queue: link with -Wl,--wrap=recvfrom -Wl,--wrap=send");
	return rc;
}

size_t nfqueue__test_sent_bytes(void)
{
	return feed.sent_bytes;
}
