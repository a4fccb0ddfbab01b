/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * consumer.c - the C soak consumer (tests/soak/README.md is the contract):
 * every IPv4 UDP packet whose payload carries the soak header gets its
 * body inverted (each byte XOR 0xFF), its checksums recomputed by the
 * library, and ACCEPT with the new payload; anything else is accepted as
 * it is. nfqueue_queue_run() with a callback, the library's main style.
 * SIGTERM or SIGINT stops the run from the signal handler
 * (nfqueue_queue_stop() is async-signal-safe); then the queue is closed
 * and the counts printed.
 *
 * Usage: nfqueue-soak-c QUEUE
 * Output: "ready", then at the end "judged J rewritten R".
 */
#include <nfqueue.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SOAK_HEADER 10 /* sequence number (8) and body length (2) */
#define UDP_HEADER 8

static nfqueue_queue *queue;
static unsigned long long judged, rewritten;
static uint8_t rewrite_buf[NFQUEUE_PAYLOAD_MAX];

static void on_stop_signal(int sig)
{
	(void)sig;
	nfqueue_queue_stop(queue);
}

/* Offset of the soak body in an IPv4 UDP packet, or 0 if it is none. */
static size_t body_offset(const uint8_t *data, size_t len)
{
	size_t ip_header;

	if (len < 20 || data[0] >> 4 != 4 || data[9] != 17 /* UDP */)
		return 0;
	ip_header = (size_t)(data[0] & 0x0f) * 4;
	if (ip_header < 20 || len < ip_header + UDP_HEADER + SOAK_HEADER)
		return 0;
	return ip_header + UDP_HEADER + SOAK_HEADER;
}

static int rewrite_one(nfqueue_packet *packet, void *userdata)
{
	const uint8_t *data;
	size_t len, body, i;
	int rc;

	(void)userdata;
	judged++;
	rc = nfqueue_packet_payload(&data, &len, packet);
	if (rc)
		return rc;
	body = body_offset(data, len);
	if (!body || len > sizeof(rewrite_buf))
		return nfqueue_packet_verdict(packet, NFQUEUE_ACCEPT);
	memcpy(rewrite_buf, data, len);
	for (i = body; i < len; i++)
		rewrite_buf[i] ^= 0xff;
	rc = nfqueue_checksum_update(rewrite_buf, len);
	if (!rc)
		rc = nfqueue_packet_set_payload(packet, rewrite_buf, len);
	if (!rc)
		rc = nfqueue_packet_verdict(packet, NFQUEUE_ACCEPT);
	if (!rc)
		rewritten++;
	return rc;
}

int main(int argc, char **argv)
{
	struct sigaction stop = { .sa_handler = on_stop_signal };
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: %s QUEUE\n", argv[0]);
		return 2;
	}
	rc = nfqueue_queue_open(&queue, (uint32_t)strtoul(argv[1], NULL, 10), NULL);
	if (rc) {
		fprintf(stderr, "nfqueue-soak-c: open queue %s: %s\n", argv[1], nfqueue_last_error());
		return 1;
	}
	sigemptyset(&stop.sa_mask);
	sigaction(SIGTERM, &stop, NULL);
	sigaction(SIGINT, &stop, NULL);
	printf("ready\n");
	fflush(stdout);

	rc = nfqueue_queue_run(queue, rewrite_one, NULL);
	if (rc) {
		fprintf(stderr, "nfqueue-soak-c: run: %s: %s\n", nfqueue_strerror(rc),
			nfqueue_last_error());
		return 1;
	}
	rc = nfqueue_queue_close(queue);
	if (rc) {
		fprintf(stderr, "nfqueue-soak-c: close: %s\n", nfqueue_last_error());
		return 1;
	}
	nfqueue_queue_free(queue);
	printf("judged %llu rewritten %llu\n", judged, rewritten);
	return 0;
}
