/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * traffic.c - sender and receiver of tests/stress (see traffic.h).
 *
 * The sender keeps at most `window` datagrams unsettled, so the kernel
 * queue and both socket buffers never overflow: every datagram then has
 * to end as delivered or as dropped by the test's own verdict, and a loss
 * means a verdict was lost.
 */
#include "traffic.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Flow control waits this long for progress before declaring a stall. */
#define STALL_MS 10000

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static struct sockaddr_in loopback(uint16_t port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static void *sender_main(void *arg)
{
	struct traffic *t = arg;
	struct sockaddr_in dst = loopback(t->port);
	uint8_t payload[STRESS_PAYLOAD_LEN] = {0};
	struct timespec pause = {0, 50000};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
		fprintf(stderr, "stress: sender socket: %s\n", strerror(errno));
		atomic_store(&t->failed, 1);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (uint32_t seq = 0; seq < t->count && !atomic_load(&t->stop); seq++) {
		int waited = 0;

		while (seq - atomic_load(&t->ledger->settled) >= t->window) {
			if (atomic_load(&t->stop))
				goto out;
			if (++waited > STALL_MS * 20) {
				fprintf(stderr, "stress: no progress for %d s with %u datagrams "
					"unsettled (sent %u): verdicts are lost or the kernel dropped "
					"packets\n", STALL_MS / 1000, seq - atomic_load(&t->ledger->settled),
					seq);
				atomic_store(&t->failed, 1);
				goto out;
			}
			nanosleep(&pause, NULL);
		}
		put_be32(payload, seq);
		while (send(fd, payload, sizeof(payload), 0) < 0) {
			if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN)
				continue;
			fprintf(stderr, "stress: send of datagram %u: %s\n", seq, strerror(errno));
			atomic_store(&t->failed, 1);
			goto out;
		}
		atomic_fetch_add(&t->ledger->sent, 1);
	}
out:
	close(fd);
	return NULL;
}

static void *receiver_main(void *arg)
{
	struct traffic *t = arg;
	uint8_t buf[256];

	while (!atomic_load(&t->stop)) {
		struct pollfd pfd = {t->rx_fd, POLLIN, 0};

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		for (;;) {
			ssize_t n = recv(t->rx_fd, buf, sizeof(buf), MSG_DONTWAIT);

			if (n < 0)
				break;
			if (n == STRESS_PAYLOAD_LEN)
				ledger_delivered(t->ledger, get_be32(buf));
		}
	}
	return NULL;
}

int traffic_start(struct traffic *t)
{
	struct sockaddr_in self = loopback(t->port);
	int size = 8 << 20;

	atomic_init(&t->stop, false);
	atomic_init(&t->failed, 0);
	t->rx_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (t->rx_fd < 0 || bind(t->rx_fd, (struct sockaddr *)&self, sizeof(self)) < 0) {
		fprintf(stderr, "stress: receiver socket on port %u: %s\n", t->port, strerror(errno));
		return -1;
	}
	setsockopt(t->rx_fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	if (pthread_create(&t->receiver, NULL, receiver_main, t) != 0 ||
	    pthread_create(&t->sender, NULL, sender_main, t) != 0) {
		fprintf(stderr, "stress: cannot start the traffic threads\n");
		return -1;
	}
	return 0;
}

void traffic_join_sender(struct traffic *t)
{
	pthread_join(t->sender, NULL);
}

void traffic_stop(struct traffic *t)
{
	atomic_store(&t->stop, true);
	pthread_join(t->receiver, NULL);
	close(t->rx_fd);
}

int64_t traffic_seq_of(const uint8_t *ip, size_t len, uint16_t port)
{
	size_t ihl;

	if (len < 20 || ip[0] >> 4 != 4 || ip[9] != IPPROTO_UDP)
		return -1;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (len < ihl + 8 + STRESS_PAYLOAD_LEN)
		return -1;
	if ((ip[ihl + 2] << 8 | ip[ihl + 3]) != port)
		return -1;
	return get_be32(ip + ihl + 8);
}
