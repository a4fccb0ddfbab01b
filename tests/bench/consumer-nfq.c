/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * consumer-nfq.c - the benchmark's baseline: plain libnetfilter_queue, no
 * libnfqueue, in the drain shape of consumer.c (bind, "ready", SIGUSR1,
 * drain COUNT packets, "MODE JUDGED SECONDS").
 *
 *   nfq        as libnetfilter_queue's documentation teaches it: recv(),
 *              nfq_handle_packet(), a callback that reads the packet and
 *              gives it one nfq_set_verdict()
 *   nfq-batch  the same tuned as far as libnetfilter_queue allows: one
 *              nfq_set_verdict_batch() for every 32 packets, and for those
 *              left when the socket has nothing more to read
 *
 * COUNT 0 serves, as every consumer does: "ready", consume at once until
 * SIGTERM. The settings come from the environment (bench-settings.h).
 *
 * Both get the settings libnfqueue's consumers get: a kernel queue that
 * holds the whole load and a receive buffer that holds its messages, so
 * no row wins by a different queue length or buffer.
 *
 * Usage: nfqueue-bench-nfq MODE QUEUE COUNT
 */
#include <arpa/inet.h> /* before the kernel's headers, which it must override */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libnetfilter_queue/libnetfilter_queue.h>
#include <libnfnetlink/libnfnetlink.h>
#include <linux/netfilter.h>

#include "bench-settings.h"

#define BATCH_EVERY 32
#define IDLE_MS 1000

struct drain {
	unsigned long long judged, wanted;
	int batch;
	uint32_t last_id, unjudged; /* nfq-batch: the packets a batch verdict still owes */
};

static volatile sig_atomic_t terminated;

static void on_term(int sig)
{
	(void)sig;
	terminated = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int flush(struct nfq_q_handle *qh, struct drain *d)
{
	if (!d->unjudged)
		return 0;
	d->unjudged = 0;
	return nfq_set_verdict_batch(qh, d->last_id, NF_ACCEPT);
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *data)
{
	struct drain *d = data;
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
	unsigned char *payload;
	uint32_t id = ph ? ntohl(ph->packet_id) : 0;

	(void)msg;
	(void)nfq_get_payload(nfa, &payload); /* as a consumer that looks would */
	d->judged++;
	if (!d->batch)
		return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
	d->last_id = id;
	if (++d->unjudged == BATCH_EVERY || d->judged == d->wanted)
		return flush(qh, d);
	return 0;
}

int main(int argc, char **argv)
{
	static char buf[65536 + 4096] __attribute__((aligned));
	struct drain d = { 0 };
	struct bench_settings settings;
	struct sigaction term = { .sa_handler = on_term }; /* no SA_RESTART: poll() returns */
	struct nfq_handle *h;
	struct nfq_q_handle *qh;
	struct pollfd pfd;
	sigset_t usr1;
	double start;
	int sig, fd, serving;

	if (argc != 4 || (strcmp(argv[1], "nfq") && strcmp(argv[1], "nfq-batch"))) {
		fprintf(stderr, "usage: %s nfq|nfq-batch QUEUE COUNT\n", argv[0]);
		return 2;
	}
	d.wanted = strtoull(argv[3], NULL, 10);
	if (bench_settings_read(&settings, d.wanted))
		return 2;
	serving = d.wanted == 0;
	if (serving)
		d.wanted = ~0ull;
	d.batch = !strcmp(argv[1], "nfq-batch");
	sigaction(SIGTERM, &term, NULL);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);

	h = nfq_open();
	if (!h) {
		perror("nfq_open");
		return 1;
	}
	qh = nfq_create_queue(h, (uint16_t)atoi(argv[2]), on_packet, &d);
	if (!qh || nfq_set_mode(qh, NFQNL_COPY_PACKET, settings.copy_range) < 0 ||
	    (settings.queue_len && nfq_set_queue_maxlen(qh, settings.queue_len) < 0) ||
	    (settings.gso && nfq_set_queue_flags(qh, NFQA_CFG_F_GSO, NFQA_CFG_F_GSO) < 0)) {
		perror("nfq_create_queue");
		return 1;
	}
	/* The size libnfqueue's default picks for this queue, capped the same way. */
	nfnl_rcvbufsiz(nfq_nfnlh(h), 1u << 30);
	fd = nfq_fd(h);
	printf("ready\n");
	fflush(stdout);
	if (!serving)
		sigwait(&usr1, &sig);

	start = now();
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (d.judged < d.wanted && !terminated) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == EAGAIN) {
			flush(qh, &d); /* nothing more now: owe no verdict while waiting */
			if (poll(&pfd, 1, IDLE_MS) <= 0 && !serving)
				break; /* the load stopped short */
			continue;
		}
		if (n < 0 && (errno == ENOBUFS || errno == EINTR))
			continue;
		if (n < 0)
			break;
		nfq_handle_packet(h, buf, (int)n);
	}
	flush(qh, &d);
	printf("%s %llu %.6f\n", argv[1], d.judged, now() - start);
	fflush(stdout); /* the harness reads our CPU time the moment this is out */
	nfq_destroy_queue(qh);
	nfq_close(h);
	return 0;
}
