/*
 * capture_corpus.c - write the fuzzers' seed corpus from a real queue:
 * UDP datagrams of several sizes (and TCP's handshake on loopback) are
 * queued, pulled, and each packet's netlink message as the kernel sent it
 * is written to DIR/parse/, whole batches (the messages of one pull,
 * back to back, as one datagram carries them) to DIR/receive/.
 *
 * Usage (inside the namespace run-reliability makes):
 *   nfqueue-capture-corpus QUEUE PORT DIR
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "internal.h"

static int save(const char *dir, const char *kind, unsigned n, const void *data, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/real-%03u.bin", dir, kind, n);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return fclose(f);
}

static int open_queue(nfqueue_queue **q, uint32_t num)
{
	nfqueue_config *c;
	int rc;

	/* Attributes a real message may carry: uid/gid, conntrack. */
	nfqueue_config_new(&c);
	nfqueue_config_set_flags(c, NFQUEUE_FLAG_UID_GID | NFQUEUE_FLAG_CONNTRACK | NFQUEUE_FLAG_GSO);
	rc = nfqueue_queue_open(q, num, c);
	if (rc == NFQUEUE_E_NOTSUP) {
		nfqueue_config_set_flags(c, NFQUEUE_FLAG_UID_GID);
		rc = nfqueue_queue_open(q, num, c);
	}
	nfqueue_config_free(c);
	return rc;
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 0, 1, 8, 100, 512, 1400, 4000, 9000, 30000 };
	static uint8_t body[30000], batch[1 << 18];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	nfqueue_queue *q;
	unsigned saved = 0, batches = 0;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: %s QUEUE PORT DIR\n", argv[0]);
		return 2;
	}
	if (open_queue(&q, (uint32_t)atoi(argv[1])) != 0) {
		fprintf(stderr, "open: %s\n", nfqueue_last_error());
		return 1;
	}
	to.sin_port = htons((uint16_t)atoi(argv[2]));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	for (size_t round = 0; round < 3; round++) {
		size_t at = 0;
		nfqueue_packet *pk[64];
		size_t n = 0;

		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			memset(body, (int)(i + round), sizes[i]);
			if (sendto(fd, body, sizes[i], 0, (struct sockaddr *)&to, sizeof(to)) < 0)
				perror("sendto");
			if (round > 0)
				break; /* later rounds: one packet, batches of one and of several */
		}
		if (nfqueue_queue_pull(pk, 64, &n, q, 1000) != 0) {
			fprintf(stderr, "pull: %s\n", nfqueue_last_error());
			return 1;
		}
		for (size_t i = 0; i < n; i++) {
			int rc;
			struct nfqueue_packet *p = nfqueue__resolve(pk[i], &rc);
			const struct nlmsghdr *nlh = (const struct nlmsghdr *)p->data;

			if (save(argv[3], "parse", saved++, nlh, nlh->nlmsg_len) < 0)
				return 1;
			if (at + NLMSG_ALIGN(nlh->nlmsg_len) <= sizeof(batch)) {
				memcpy(batch + at, nlh, nlh->nlmsg_len);
				at += NLMSG_ALIGN(nlh->nlmsg_len);
			}
			nfqueue_packet_verdict(pk[i], NFQUEUE_ACCEPT);
		}
		if (at && save(argv[3], "receive", batches++, batch, at) < 0)
			return 1;
	}
	nfqueue_queue_free(q);
	printf("captured %u messages and %u datagrams into %s\n", saved, batches, argv[3]);
	return 0;
}
