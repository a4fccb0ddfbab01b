/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * filter.c - a complete libnfqueue program: drop UDP packets to one port,
 * accept everything else, stop cleanly on Ctrl+C.
 *
 * Send packets to queue 0, then run it (as root, or with CAP_NET_ADMIN):
 *
 *   iptables -A OUTPUT -p udp -j NFQUEUE --queue-num 0
 *   ./filter 0 9        # queue 0, drop UDP to port 9
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <nfqueue.h>

static nfqueue_queue *queue;

static void on_sigint(int signo)
{
	(void)signo;
	nfqueue_queue_stop(queue); /* safe in a signal handler: run() returns 0 */
}

/* The UDP destination port of an IPv4 packet, or -1 if it is something else. */
static int udp_dport(const uint8_t *ip, size_t len)
{
	if (len < 20 || ip[0] >> 4 != 4 || ip[9] != 17 /* UDP */)
		return -1;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (len < ihl + 4)
		return -1;
	return ip[ihl + 2] << 8 | ip[ihl + 3];
}

static int on_packet(nfqueue_packet *packet, void *userdata)
{
	int blocked_port = *(int *)userdata;
	const uint8_t *ip;
	size_t len;
	int verdict = NFQUEUE_ACCEPT;

	/* The payload is borrowed: valid only until this function returns. */
	if (nfqueue_packet_payload(&ip, &len, packet) == 0 && udp_dport(ip, len) == blocked_port)
		verdict = NFQUEUE_DROP;
	printf("packet %u: %zu bytes, %s\n", nfqueue_packet_id(packet), len,
	       verdict == NFQUEUE_DROP ? "dropped" : "accepted");

	/* A non-zero return ends nfqueue_queue_run(), which returns it. */
	return nfqueue_packet_verdict(packet, verdict);
}

int main(int argc, char **argv)
{
	unsigned queue_num = argc > 1 ? (unsigned)atoi(argv[1]) : 0;
	int blocked_port = argc > 2 ? atoi(argv[2]) : 9;

	/* NULL config: whole packets, and accept whatever gets no verdict. */
	int rc = nfqueue_queue_open(&queue, queue_num, NULL);
	if (rc != 0) {
		fprintf(stderr, "cannot open queue %u: %s (%s)\n", queue_num, nfqueue_strerror(rc),
			nfqueue_last_error());
		return 1;
	}
	signal(SIGINT, on_sigint);
	signal(SIGTERM, on_sigint);

	printf("queue %u: dropping UDP to port %d; Ctrl+C to stop\n", queue_num, blocked_port);
	rc = nfqueue_queue_run(queue, on_packet, &blocked_port);
	if (rc != 0)
		fprintf(stderr, "queue %u: %s (%s)\n", queue_num, nfqueue_strerror(rc),
			nfqueue_last_error());

	/* No stop() on a freed queue from a late signal. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	/* Closes the queue first; packets still pending get the default verdict. */
	nfqueue_queue_free(queue);
	return rc == 0 ? 0 : 1;
}
