/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flood.c - the benchmark's traffic: COUNT small UDP datagrams to one
 * port on 127.0.0.1, as fast as one core sends them. Runs only inside the
 * benchmark's own network namespace.
 *
 * Usage: nfqueue-bench-flood PORT COUNT
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	char payload[64] = "nfqueue benchmark";
	unsigned long long sent = 0, count;
	int fd, sndbuf;

	if (argc != 3) {
		fprintf(stderr, "usage: %s PORT COUNT\n", argv[0]);
		return 2;
	}
	to.sin_port = htons((uint16_t)atoi(argv[1]));
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	count = strtoull(argv[2], NULL, 10);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	/* A queued datagram still counts against its socket's send buffer:
	 * make room for the whole load, or sendto() blocks until the
	 * consumer drains. */
	sndbuf = count > 1u << 18 ? 1 << 30 : (int)count * 4096;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)) < 0)
		perror("SO_SNDBUFFORCE");
	while (sent < count)
		if (sendto(fd, payload, sizeof(payload), 0, (struct sockaddr *)&to, sizeof(to)) > 0)
			sent++;
	printf("sent %llu\n", sent);
	return 0;
}
