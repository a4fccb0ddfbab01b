/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * demo-filter.c - the filter that scripts/demo runs on live traffic.
 *
 *   demo-filter QUEUE DROP_PORT MARK_PORT REWRITE_PORT
 *
 * For UDP over IPv4 to
 *   DROP_PORT     the verdict is drop;
 *   MARK_PORT     accept with mark DEMO_MARK, which a later iptables rule
 *                 matching `-m mark` counts;
 *   REWRITE_PORT  accept with a rewritten payload: every digit of the
 *                 datagram becomes '*', and the checksums are fixed with
 *                 nfqueue_checksum_update() so the receiver takes it;
 * anything else is accepted unchanged.
 *
 * It prints "ready" once the queue is bound, then one line per packet,
 * which the demo script turns into its table:
 *   packet id=N sport=S dport=D payload="..." verdict=V [mark=0x..] [rewritten="..."]
 * SIGINT or SIGTERM stop it through nfqueue_queue_stop().
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nfqueue.h>

#define DEMO_MARK 0x2a

struct demo {
	unsigned drop_port, mark_port, rewrite_port;
	unsigned long packets;
	/* Room for the largest payload the kernel can take back. */
	uint8_t edit[NFQUEUE_PAYLOAD_MAX];
};

static nfqueue_queue *volatile queue;

static void on_signal(int signo)
{
	int saved_errno = errno; /* the interrupted code may be about to read it */

	(void)signo;
	nfqueue_queue *q = queue;
	if (q)
		nfqueue_queue_stop(q);
	errno = saved_errno;
}

/* Where the UDP header and data of an IPv4 packet are; 0, or -1 if not UDP/IPv4. */
static int find_udp(const uint8_t *ip, size_t len, size_t *udp_off, size_t *data_len)
{
	if (len < 20 || ip[0] >> 4 != 4 || ip[9] != 17)
		return -1;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ihl < 20 || len < ihl + 8)
		return -1;
	*udp_off = ihl;
	*data_len = len - ihl - 8;
	return 0;
}

/* Print the datagram text quoted, escaping what a terminal should not see. */
static void print_text(const uint8_t *p, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
			putchar(p[i]);
		else
			printf("\\x%02x", p[i]);
	}
	putchar('"');
}

static int on_packet(nfqueue_packet *packet, void *userdata)
{
	struct demo *d = userdata;
	const uint8_t *ip;
	size_t len, udp, data_len;
	int rc;

	d->packets++;
	if (nfqueue_packet_payload(&ip, &len, packet) != 0 || find_udp(ip, len, &udp, &data_len)) {
		printf("packet id=%u not-udp verdict=accept\n", nfqueue_packet_id(packet));
		return nfqueue_packet_verdict(packet, NFQUEUE_ACCEPT);
	}
	unsigned sport = ip[udp] << 8 | ip[udp + 1];
	unsigned dport = ip[udp + 2] << 8 | ip[udp + 3];
	const uint8_t *text = ip + udp + 8;

	printf("packet id=%u sport=%u dport=%u payload=", nfqueue_packet_id(packet), sport, dport);
	print_text(text, data_len);

	if (dport == d->drop_port) {
		printf(" verdict=drop\n");
		rc = nfqueue_packet_verdict(packet, NFQUEUE_DROP);
	} else if (dport == d->mark_port) {
		printf(" verdict=accept mark=0x%x\n", DEMO_MARK);
		rc = nfqueue_packet_set_mark(packet, DEMO_MARK);
		if (rc == 0)
			rc = nfqueue_packet_verdict(packet, NFQUEUE_ACCEPT);
	} else if (dport == d->rewrite_port) {
		/* Edit a copy: the payload is the library's, read-only. The length
		 * stays the same, so only the checksums need fixing, not the IP
		 * and UDP length fields. */
		memcpy(d->edit, ip, len);
		uint8_t *t = d->edit + udp + 8;
		for (size_t i = 0; i < data_len; i++) {
			if (t[i] >= '0' && t[i] <= '9')
				t[i] = '*';
		}
		printf(" verdict=accept rewritten=");
		print_text(t, data_len);
		putchar('\n');
		rc = nfqueue_checksum_update(d->edit, len);
		if (rc == 0)
			rc = nfqueue_packet_set_payload(packet, d->edit, len);
		if (rc == 0)
			rc = nfqueue_packet_verdict(packet, NFQUEUE_ACCEPT);
	} else {
		printf(" verdict=accept\n");
		rc = nfqueue_packet_verdict(packet, NFQUEUE_ACCEPT);
	}
	fflush(stdout); /* the demo script reads this file while we run */
	if (rc != 0)
		fprintf(stderr, "demo-filter: packet %u: %s (%s)\n", nfqueue_packet_id(packet),
			nfqueue_strerror(rc), nfqueue_last_error());
	return rc;
}

int main(int argc, char **argv)
{
	static struct demo d; /* static: the edit buffer is 64 KiB */

	if (argc != 5) {
		fprintf(stderr, "usage: demo-filter QUEUE DROP_PORT MARK_PORT REWRITE_PORT\n");
		return 2;
	}
	unsigned queue_num = (unsigned)strtoul(argv[1], NULL, 10);
	d.drop_port = (unsigned)strtoul(argv[2], NULL, 10);
	d.mark_port = (unsigned)strtoul(argv[3], NULL, 10);
	d.rewrite_port = (unsigned)strtoul(argv[4], NULL, 10);

	nfqueue_queue *q;
	int rc = nfqueue_queue_open(&q, queue_num, NULL);
	if (rc != 0) {
		fprintf(stderr, "demo-filter: cannot open queue %u: %s (%s)\n", queue_num,
			nfqueue_strerror(rc), nfqueue_last_error());
		return 1;
	}
	queue = q;
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	printf("ready queue=%u\n", queue_num);
	fflush(stdout);

	rc = nfqueue_queue_run(q, on_packet, &d);
	if (rc != 0)
		fprintf(stderr, "demo-filter: queue %u: %s (%s)\n", queue_num, nfqueue_strerror(rc),
			nfqueue_last_error());

	/* Ignore further signals rather than let one reach a freed queue. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	queue = NULL;
	nfqueue_queue_free(q);
	printf("stopped after %lu packets\n", d.packets);
	return rc == 0 ? 0 : 1;
}
