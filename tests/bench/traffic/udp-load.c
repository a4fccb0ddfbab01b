/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * udp-load.c - live UDP traffic through a queue on 127.0.0.1, with a
 * receiver that counts what arrived. Runs only inside the benchmark's own
 * namespace.
 *
 *   saturate PORT SIZE SECONDS
 *       a sender thread sends SIZE-byte datagrams with sendmmsg() as fast
 *       as it can for SECONDS (its send buffer never fills, so nothing
 *       holds it back); what the queue cannot take, the kernel drops
 *   window PORT SIZE WINDOW SECONDS
 *       lossless: at most WINDOW datagrams in flight, the sender waits for
 *       arrivals before it sends more; a second without any counts the
 *       window as lost and starts again
 *
 * Output: "sent N received N lost N seconds S" (lost: window only; the
 * kernel's drops of a saturation are read from the queue by the harness).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_SIZE 1472

static struct sockaddr_in to = { .sin_family = AF_INET };
static size_t size;
static volatile int sending = 1, receiving = 1;
static unsigned long long received;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void force_buffer(int fd, int option, int bytes)
{
	if (setsockopt(fd, SOL_SOCKET, option, &bytes, sizeof(bytes)) < 0)
		perror("setsockopt(SO_*BUFFORCE)");
}

static int open_receiver(void)
{
	struct sockaddr_in me = to;
	struct timeval tick = { 0, 100000 }; /* so the receiver sees the end */
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
		perror("receiver");
		exit(1);
	}
	/* The receiver must never be what drops: room for a second of traffic. */
	force_buffer(fd, SO_RCVBUFFORCE, 256 << 20);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof(tick));
	return fd;
}

static int open_sender(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
		perror("sender");
		exit(1);
	}
	/* A queued datagram counts against its sender's buffer: make it far
	 * larger than any queue, so the kernel's queue is what overflows. */
	force_buffer(fd, SO_SNDBUFFORCE, 256 << 20);
	return fd;
}

/* Up to `n` datagrams in one sendmmsg(); how many went. */
static int send_batch(int fd, char *payload, int n)
{
	struct mmsghdr msgs[BATCH];
	struct iovec iov = { payload, size };
	int i;

	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < n; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	n = sendmmsg(fd, msgs, (unsigned)n, 0);
	return n < 0 ? 0 : n;
}

/* Whatever is there, up to BATCH; 0 after the receive timeout. */
static int recv_batch(int fd)
{
	static char bufs[BATCH][2048];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	int i, n;

	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]); /* the rest of a datagram is cut off: only counted */
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
	return n < 0 ? 0 : n;
}

static void *receive(void *arg)
{
	int fd = *(int *)arg;

	while (receiving)
		__atomic_add_fetch(&received, (unsigned long long)recv_batch(fd), __ATOMIC_RELAXED);
	return NULL;
}

static int saturate(char *payload, double seconds)
{
	unsigned long long sent = 0;
	int rfd = open_receiver(), sfd = open_sender();
	pthread_t receiver;
	double start, end;

	pthread_create(&receiver, NULL, receive, &rfd);
	start = now();
	end = start + seconds;
	while (now() < end)
		sent += (unsigned long long)send_batch(sfd, payload, BATCH);
	sending = 0;
	/* Those still queued get their verdicts and arrive. */
	usleep(100000);
	receiving = 0;
	pthread_join(receiver, NULL);
	printf("sent %llu received %llu lost 0 seconds %.6f\n", sent, received, end - start);
	return 0;
}

static int window(char *payload, int in_flight, double seconds)
{
	unsigned long long sent = 0, lost = 0;
	int rfd = open_receiver(), sfd = open_sender(), outstanding = 0, idle = 0;
	double start = now(), end = start + seconds;

	while (now() < end) {
		int got;

		while (outstanding < in_flight) {
			int n = send_batch(sfd, payload, in_flight - outstanding < BATCH ? in_flight - outstanding : BATCH);

			outstanding += n;
			sent += (unsigned long long)n;
		}
		got = recv_batch(rfd);
		if (got == 0 && ++idle >= 10) { /* a second without arrivals (receive ticks of 0.1 s) */
			lost += (unsigned long long)outstanding;
			outstanding = 0;
		}
		if (got)
			idle = 0;
		outstanding -= got;
		received += (unsigned long long)got;
	}
	seconds = now() - start;
	/* The window still in flight arrives, or is lost. */
	for (idle = 0; outstanding > 0 && idle < 5;) {
		int got = recv_batch(rfd);

		idle = got ? 0 : idle + 1;
		outstanding -= got;
		received += (unsigned long long)got;
	}
	lost += (unsigned long long)(outstanding > 0 ? outstanding : 0);
	printf("sent %llu received %llu lost %llu seconds %.6f\n", sent, received, lost, seconds);
	return 0;
}

int main(int argc, char **argv)
{
	static char payload[MAX_SIZE];
	int saturating = argc == 5 && !strcmp(argv[1], "saturate");

	if (!saturating && !(argc == 6 && !strcmp(argv[1], "window"))) {
		fprintf(stderr, "usage: %s saturate PORT SIZE SECONDS\n"
				"       %s window PORT SIZE WINDOW SECONDS\n", argv[0], argv[0]);
		return 2;
	}
	to.sin_port = htons((uint16_t)atoi(argv[2]));
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	size = strtoul(argv[3], NULL, 10);
	if (size < 1 || size > 1472) {
		fprintf(stderr, "SIZE %s: want 1 to 1472 bytes (one unfragmented datagram)\n", argv[3]);
		return 2;
	}
	memset(payload, 'n', size);
	if (saturating)
		return saturate(payload, atof(argv[4]));
	return window(payload, atoi(argv[4]), atof(argv[5]));
}
