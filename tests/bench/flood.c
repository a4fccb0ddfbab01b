/*
 * flood.c - the benchmark's traffic: small UDP datagrams to one port on
 * 127.0.0.1 as fast as one core sends them, for a fixed time. Runs only
 * inside the benchmark's own network namespace.
 *
 * Usage: nfqueue-bench-flood PORT SECONDS
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	char payload[64] = "nfqueue benchmark";
	unsigned long long sent = 0;
	time_t end;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: %s PORT SECONDS\n", argv[0]);
		return 2;
	}
	to.sin_port = htons((uint16_t)atoi(argv[1]));
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	end = time(NULL) + atoi(argv[2]);
	while (time(NULL) < end) {
		int i;

		/* Check the clock once per burst, not per packet. */
		for (i = 0; i < 256; i++)
			if (sendto(fd, payload, sizeof(payload), 0, (struct sockaddr *)&to, sizeof(to)) > 0)
				sent++;
	}
	printf("sent %llu\n", sent);
	return 0;
}
