/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stats.c - a queue's counters: the kernel's, read from its /proc table,
 * and the library's own.
 *
 * /proc/net/netfilter/nfnetlink_queue lists the bound queues of the
 * reader's network namespace, one line each, no header. The kernel writes
 * each line as (net/netfilter/nfnetlink_queue.c, seq_show())
 *   "%5u %6u %5u %1u %5u %5u %5u %8u %2d\n"
 * queue_number peer_portid queue_total copy_mode copy_range queue_dropped
 * queue_user_dropped id_sequence 1.
 * That text is the only place the kernel publishes how many packets it
 * dropped (for a full queue, or a full socket buffer), which ENOBUFS
 * reports only as episodes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

/* Fields the kernel prints per line; the last is the constant 1. */
#define PROC_FIELDS 9

int nfqueue__open_proc_stats(void)
{
	/* thread-self, not self: the queue's socket may be made on a thread
	 * that entered another namespace with setns(), and /proc/self/net
	 * shows the namespace of the process's main thread. */
	int fd = open("/proc/thread-self/net/netfilter/nfnetlink_queue", O_RDONLY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT) {
		/* Kernels before 3.17 lack thread-self; there the main thread's
		 * view is the best there is. */
		fd = open("/proc/self/net/netfilter/nfnetlink_queue", O_RDONLY | O_CLOEXEC);
	}
	return fd < 0 ? -errno : fd;
}

/* One unsigned decimal field after optional blanks; advances *p. The ninth
 * field is printed with %d, so a sign is allowed there only. */
static int parse_field(uint64_t *out, const char **p, const char *end, int signed_ok)
{
	const char *s = *p;
	uint64_t v = 0;
	int negative = 0;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (signed_ok && s < end && *s == '-') {
		negative = 1;
		s++;
	}
	if (s >= end || *s < '0' || *s > '9')
		return -1;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX) /* every field is a 32-bit value in the kernel */
			return -1;
	}
	/* A field ends at a blank or the end of the line, never mid-word. */
	if (s < end && *s != ' ' && *s != '\t')
		return -1;
	*out = negative ? 0 : v;
	*p = s;
	return 0;
}

/* Parse the line text[0..len) (no newline) into its fields; -1 if it is
 * not a line of the known format. Fields a later kernel may append are
 * ignored, as long as the known ones come first. */
static int parse_line(uint64_t fields[PROC_FIELDS], const char *line, size_t len)
{
	const char *p = line, *end = line + len;

	for (int i = 0; i < PROC_FIELDS; i++)
		if (parse_field(&fields[i], &p, end, i == PROC_FIELDS - 1) != 0)
			return -1;
	return 0;
}

int nfqueue__parse_proc_stats(nfqueue_stats *out, const char *text, size_t len,
			      uint32_t queue_num)
{
	const char *p = text, *end = text + len;
	bool found = false;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;
		uint64_t f[PROC_FIELDS];

		/* Every line must parse, not just ours: text of another format
		 * could put our queue's number in some other column. */
		if (parse_line(f, p, (size_t)(line_end - p)) != 0)
			return nfqueue__fail(NFQUEUE_E_IO,
					     "unexpected line in /proc/net/netfilter/nfnetlink_queue: "
					     "\"%.*s\" (expected nine numbers)",
					     (int)(line_end - p > 80 ? 80 : line_end - p), p);
		if (f[0] == queue_num && !found) {
			found = true;
			out->portid = (uint32_t)f[1];
			out->waiting = (uint32_t)f[2];
			out->queue_dropped = f[5];
			out->user_dropped = f[6];
			out->id_sequence = (uint32_t)f[7];
		}
		p = nl ? nl + 1 : end;
	}
	if (found)
		return 0;
	return nfqueue__fail(NFQUEUE_E_NOENT,
			     "queue %u is not listed in /proc/net/netfilter/nfnetlink_queue", queue_num);
}

/*
 * Read the table through `fd` from its start and find `queue_num`, a
 * chunk of whole lines at a time, so a namespace with thousands of queues
 * needs no more memory than one. The caller holds the queue's lock.
 */
static int read_proc_stats(nfqueue_stats *out, int fd, uint32_t queue_num)
{
	char buf[4096];
	size_t have = 0; /* bytes in buf: a partial line carried over */
	off_t offset = 0;

	for (;;) {
		ssize_t n = pread(fd, buf + have, sizeof(buf) - have, offset);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return nfqueue__fail(NFQUEUE_E_IO,
					     "reading /proc/net/netfilter/nfnetlink_queue: %s",
					     strerror(errno));
		}
		if (n == 0) /* end of the table: what is left is its last line */
			return nfqueue__parse_proc_stats(out, buf, have, queue_num);
		offset += n;
		have += (size_t)n;

		char *last_nl = memrchr(buf, '\n', have);
		if (!last_nl) {
			if (have == sizeof(buf))
				return nfqueue__fail(NFQUEUE_E_IO,
						     "a line of /proc/net/netfilter/nfnetlink_queue is "
						     "longer than %zu bytes", sizeof(buf));
			continue;
		}
		size_t whole = (size_t)(last_nl - buf) + 1;
		int rc = nfqueue__parse_proc_stats(out, buf, whole, queue_num);
		if (rc != NFQUEUE_E_NOENT)
			return rc;
		memmove(buf, buf + whole, have - whole);
		have -= whole;
	}
}

NFQUEUE_API int nfqueue_queue_stats(nfqueue_stats *out, nfqueue_queue *queue)
{
	nfqueue_stats s;
	int rc;

	if (!out)
		return nfqueue__fail(NFQUEUE_E_INVAL, "nfqueue_queue_stats: out is NULL");
	if (!queue)
		return nfqueue__fail(NFQUEUE_E_INVAL, "nfqueue_queue_stats: queue is NULL");
	if (out->size < offsetof(nfqueue_stats, portid) + sizeof(out->portid))
		return nfqueue__fail(NFQUEUE_E_INVAL,
				     "nfqueue_queue_stats: out->size is %zu; set it to "
				     "sizeof(nfqueue_stats)", out->size);
	if (atomic_load(&queue->closed))
		return nfqueue__fail(NFQUEUE_E_CLOSED, "queue %u is closed", queue->queue_num);

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);

	/* Under the lock, close cannot close the socket or proc_fd while we
	 * use them (it resets proc_fd under it), and two readers never
	 * interleave on proc_fd. */
	pthread_mutex_lock(&queue->lock);
	if (atomic_load(&queue->closed)) {
		pthread_mutex_unlock(&queue->lock);
		return nfqueue__fail(NFQUEUE_E_CLOSED, "queue %u is closed", queue->queue_num);
	}
	if (queue->proc_fd == -EACCES || queue->proc_fd == -EPERM) {
		pthread_mutex_unlock(&queue->lock);
		return nfqueue__fail(NFQUEUE_E_PERM,
				     "the kernel lets only root read /proc/net/netfilter/nfnetlink_queue, "
				     "which has the queue's counters: run as root, or grant CAP_DAC_READ_SEARCH as well");
	}
	if (queue->proc_fd < 0) {
		pthread_mutex_unlock(&queue->lock);
		return nfqueue__fail(NFQUEUE_E_NOTSUP,
				     "the kernel publishes no /proc/net/netfilter/nfnetlink_queue "
				     "in the queue's network namespace, so it has no counters to give");
	}
	rc = read_proc_stats(&s, queue->proc_fd, queue->queue_num);
	if (rc == 0 && s.portid != queue->portid)
		rc = nfqueue__fail(NFQUEUE_E_NOENT,
				   "queue %u is listed for netlink port %u, not this socket's %u: the "
				   "socket lives in another network namespace than its /proc table "
				   "(an adopted socket?)", queue->queue_num, s.portid, queue->portid);
	if (rc == 0) {
		int rcvbuf = 0;
		socklen_t len = sizeof(rcvbuf);

		if (getsockopt(queue->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len) < 0)
			rc = nfqueue__fail(NFQUEUE_E_IO, "reading the socket's receive buffer size: %s",
					   strerror(errno));
		s.rcvbuf = (uint32_t)rcvbuf;
	}
	pthread_mutex_unlock(&queue->lock);
	if (rc != 0)
		return rc;

	s.enobufs = atomic_load(&queue->enobufs);
	s.skipped = atomic_load(&queue->skipped);
	s.verdict_errors = atomic_load(&queue->verdict_errors);
	s.unstored = atomic_load(&queue->unstored);

	/* The caller's struct may be older (smaller) or newer (larger) than
	 * ours: fill what both know, keep its size. */
	size_t size = out->size;
	memcpy(out, &s, size < sizeof(s) ? size : sizeof(s));
	out->size = size;
	return 0;
}
