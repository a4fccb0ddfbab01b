/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rel.c - see rel.h. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rel.h"

int rel_failures;
int rel_passed;
static int cases_failed;

void rel_start(int argc, char **argv, uint32_t *queue_num, uint16_t *port)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s QUEUE PORT\n", argv[0]);
		exit(2);
	}
	rel_require_own_netns();
	setvbuf(stdout, NULL, _IOLBF, 0);
	*queue_num = (uint32_t)atoi(argv[1]);
	*port = (uint16_t)atoi(argv[2]);
}

void rel_require_own_netns(void)
{
	const char *name = getenv("NFQUEUE_REL_NETNS");
	char path[256];
	struct stat mine, made;

	/* The runner names the namespace it made; we must be in that one. */
	snprintf(path, sizeof(path), "/run/netns/%s", name ? name : "");
	if (!name || !name[0] || stat("/proc/self/ns/net", &mine) < 0 || stat(path, &made) < 0 ||
	    mine.st_ino != made.st_ino || mine.st_dev != made.st_dev) {
		fprintf(stderr, "refusing to run outside the network namespace made for the test: "
				"run me through tests/reliability/run-reliability\n");
		exit(2);
	}
}

bool rel_sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0) {
		printf("  command failed: %s\n", cmd);
		return false;
	}
	return true;
}

static struct sockaddr_in loopback(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

int rel_udp_receiver(uint16_t port)
{
	struct sockaddr_in a = loopback(port);
	int size = 8 << 20;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		printf("  receiver socket on port %u: %s\n", port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	return fd;
}

int rel_udp_sender(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		printf("  sender socket: %s\n", strerror(errno));
	return fd;
}

bool rel_send(int fd, uint16_t port, uint32_t seq)
{
	struct sockaddr_in a = loopback(port);
	uint8_t msg[8];
	uint32_t be = htonl(seq);

	memcpy(msg, &be, 4);
	memcpy(msg + 4, "NFQR", 4);
	for (;;) {
		if (sendto(fd, msg, sizeof(msg), 0, (struct sockaddr *)&a, sizeof(a)) == sizeof(msg))
			return true;
		/* A full kernel queue or a dropping verdict is not the
		 * sender's business; the test counts what arrives. */
		if (errno == EPERM || errno == ENOBUFS)
			return true;
		if (errno != EINTR) {
			printf("  sendto: %s\n", strerror(errno));
			return false;
		}
	}
}

uint32_t rel_receive(int fd, uint32_t want, int timeout_ms, uint8_t *seen, uint32_t nseen)
{
	uint32_t got = 0;

	while (got < want) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint8_t msg[64];
		ssize_t n;

		if (poll(&pfd, 1, timeout_ms) <= 0)
			break;
		n = recv(fd, msg, sizeof(msg), MSG_DONTWAIT);
		if (n != 8 || memcmp(msg + 4, "NFQR", 4) != 0)
			continue;
		got++;
		if (seen) {
			uint32_t be;

			memcpy(&be, msg, 4);
			if (ntohl(be) < nseen && seen[ntohl(be)] < 255)
				seen[ntohl(be)]++;
		}
	}
	return got;
}

int64_t rel_seq_of(const uint8_t *ip, size_t len, uint16_t port)
{
	size_t ihl;
	uint32_t be;

	if (len < 20 || (ip[0] >> 4) != 4 || ip[9] != 17)
		return -1;
	ihl = (size_t)(ip[0] & 15) * 4;
	if (len < ihl + 16 || (ip[ihl + 2] << 8 | ip[ihl + 3]) != port ||
	    memcmp(ip + ihl + 12, "NFQR", 4) != 0)
		return -1;
	memcpy(&be, ip + ihl + 8, 4);
	return ntohl(be);
}

bool rel_stats(nfqueue_stats *out, nfqueue_queue *q)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	rc = nfqueue_queue_stats(out, q);
	if (rc) {
		printf("  nfqueue_queue_stats: %s: %s\n", nfqueue_strerror(rc), nfqueue_last_error());
		return false;
	}
	return true;
}

int rel_fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}

long rel_rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

void rel_run(const char *name, void (*fn)(void))
{
	int before = rel_failures;

	printf("case %s\n", name);
	fflush(stdout);
	fn();
	if (rel_failures == before)
		rel_passed++;
	else
		cases_failed++;
	printf("  %s: %s\n", name, rel_failures == before ? "ok" : "FAILED");
	fflush(stdout);
}

int rel_summary(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, rel_passed, cases_failed);
	return cases_failed ? 1 : 0;
}
