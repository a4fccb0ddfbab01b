/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flood.c - the drain's traffic: COUNT UDP datagrams of SIZE bytes
 * (default 64) to one port on 127.0.0.1, as fast as one core sends them;
 * from each SOURCE address in turn when some are given (several queues:
 * the kernel picks the queue by a hash of the addresses). Runs only inside
 * the benchmark's own network namespace.
 *
 * Usage: nfqueue-bench-flood PORT COUNT [SIZE [SOURCE...]]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_SOURCES 64

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	static char payload[1472] = "nfqueue benchmark";
	unsigned long long sent = 0, count;
	int fds[MAX_SOURCES], sources = argc > 4 ? argc - 4 : 1, sndbuf, i;
	size_t size = argc > 3 ? strtoul(argv[3], NULL, 10) : 64;

	if (argc < 3 || size < 1 || size > sizeof(payload) || sources > MAX_SOURCES) {
		fprintf(stderr, "usage: %s PORT COUNT [SIZE [SOURCE...]] (SIZE 1 to %zu, at most %d sources)\n",
			argv[0], sizeof(payload), MAX_SOURCES);
		return 2;
	}
	to.sin_port = htons((uint16_t)atoi(argv[1]));
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	count = strtoull(argv[2], NULL, 10);
	/* A queued datagram still counts against its socket's send buffer:
	 * make room for the whole load, or sendto() blocks until the
	 * consumer drains. */
	sndbuf = count > 1u << 18 ? 1 << 30 : (int)count * 4096;
	for (i = 0; i < sources; i++) {
		struct sockaddr_in from = { .sin_family = AF_INET };

		fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
		if (fds[i] < 0) {
			perror("socket");
			return 1;
		}
		if (argc > 4 && (inet_pton(AF_INET, argv[4 + i], &from.sin_addr) != 1 ||
				 bind(fds[i], (struct sockaddr *)&from, sizeof(from)) < 0)) {
			fprintf(stderr, "source %s: not an address of this namespace\n", argv[4 + i]);
			return 1;
		}
		if (setsockopt(fds[i], SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)) < 0)
			perror("SO_SNDBUFFORCE");
	}
	while (sent < count)
		if (sendto(fds[sent % (unsigned)sources], payload, size, 0, (struct sockaddr *)&to,
			   sizeof(to)) > 0)
			sent++;
	printf("sent %llu\n", sent);
	return 0;
}
