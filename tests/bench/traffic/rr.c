/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rr.c - request/response: a client and an echo server on 127.0.0.1,
 * one transaction in flight (a 64-byte request, its 64-byte echo), for
 * SECONDS. The benchmark queues both directions, so every transaction
 * crosses the queue twice (and TCP's own segments with it). Runs only
 * inside the benchmark's own namespace.
 *
 * Usage: nfqueue-bench-rr udp|tcp PORT SECONDS
 * Output: "transactions N seconds S"
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SIZE 64

static struct sockaddr_in server = { .sin_family = AF_INET };
static int tcp;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fail(const char *what)
{
	perror(what);
	exit(1);
}

/* Exactly SIZE bytes (a TCP stream may split them); 0 at the end. */
static int read_whole(int fd, char *buf)
{
	size_t got = 0;

	while (got < SIZE) {
		ssize_t n = recv(fd, buf + got, SIZE - got, 0);

		if (n <= 0)
			return 0;
		got += (size_t)n;
	}
	return 1;
}

static void *echo(void *arg)
{
	int fd = *(int *)arg;
	char buf[SIZE];

	if (tcp) {
		int one = 1, conn = accept(fd, NULL, NULL);

		if (conn < 0)
			fail("accept");
		setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		while (read_whole(conn, buf))
			if (send(conn, buf, SIZE, 0) != SIZE)
				break;
		close(conn);
		return NULL;
	}
	for (;;) {
		struct sockaddr_in from;
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);

		if (n > 0)
			sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct timeval patience = { 1, 0 }; /* a lost UDP datagram: resend after 1 s */
	unsigned long long done = 0, resent = 0;
	char buf[SIZE] = "nfqueue benchmark";
	int listener, client, one = 1;
	double start, end;
	pthread_t server_thread;

	if (argc != 4 || (strcmp(argv[1], "udp") && strcmp(argv[1], "tcp"))) {
		fprintf(stderr, "usage: %s udp|tcp PORT SECONDS\n", argv[0]);
		return 2;
	}
	tcp = !strcmp(argv[1], "tcp");
	server.sin_port = htons((uint16_t)atoi(argv[2]));
	server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listener = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (listener < 0 || bind(listener, (struct sockaddr *)&server, sizeof(server)) < 0 ||
	    (tcp && listen(listener, 1) < 0))
		fail("server");
	pthread_create(&server_thread, NULL, echo, &listener);

	client = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof(patience));
	if (tcp)
		setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (client < 0 || connect(client, (struct sockaddr *)&server, sizeof(server)) < 0)
		fail("client");
	start = now();
	end = start + atof(argv[3]);
	while (now() < end) {
		if (send(client, buf, SIZE, 0) != SIZE)
			fail("send");
		if (read_whole(client, buf))
			done++;
		else if (tcp)
			fail("the echo server's reply");
		else
			resent++;
	}
	printf("transactions %llu seconds %.6f resent %llu\n", done, now() - start, resent);
	return 0;
}
