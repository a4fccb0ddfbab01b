/*
 * consumer.c - the benchmark's packet consumer: drains one queue for a
 * fixed time in one of three styles and prints how many packets it
 * judged, so the styles can be compared side by side in one run.
 *
 *   run    nfqueue_queue_run(), a callback and a verdict per packet
 *   pull   nfqueue_queue_pull() batches, a verdict per packet
 *   batch  nfqueue_queue_pull() batches, one batch verdict per batch
 *
 * Usage: nfqueue-bench-consumer MODE QUEUE SECONDS
 */
#include <nfqueue.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static unsigned long long judged;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int accept_one(nfqueue_packet *packet, void *userdata)
{
	(void)userdata;
	judged++;
	return nfqueue_packet_verdict(packet, NFQUEUE_ACCEPT);
}

struct timer {
	nfqueue_queue *queue;
	unsigned seconds;
};

/* Ends the run from another thread, as an application's control thread would. */
static void *stop_later(void *arg)
{
	struct timer *t = arg;

	sleep(t->seconds);
	nfqueue_queue_stop(t->queue);
	return NULL;
}

static int consume_run(nfqueue_queue *q, unsigned seconds)
{
	struct timer t = { q, seconds };
	pthread_t thread;
	int rc;

	pthread_create(&thread, NULL, stop_later, &t);
	rc = nfqueue_queue_run(q, accept_one, NULL);
	pthread_join(thread, NULL);
	return rc;
}

static int consume_pull(nfqueue_queue *q, unsigned seconds, int batch_verdict)
{
	nfqueue_packet *packets[64];
	double end = now() + seconds;

	while (now() < end) {
		size_t n, i;
		int rc = nfqueue_queue_pull(packets, 64, &n, q, 100);

		if (rc == NFQUEUE_E_NOBUFS)
			continue;
		if (rc)
			return rc;
		if (n == 0)
			continue;
		if (batch_verdict) {
			rc = nfqueue_queue_verdict_batch(q, nfqueue_packet_id(packets[n - 1]),
							 NFQUEUE_ACCEPT, 0, 0);
		} else {
			for (i = 0; i < n && !rc; i++)
				rc = nfqueue_packet_verdict(packets[i], NFQUEUE_ACCEPT);
		}
		if (rc)
			return rc;
		judged += n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	nfqueue_config *config;
	nfqueue_queue *q;
	unsigned seconds;
	double start;
	int rc;

	if (argc != 4) {
		fprintf(stderr, "usage: %s run|pull|batch QUEUE SECONDS\n", argv[0]);
		return 2;
	}
	seconds = (unsigned)atoi(argv[3]);
	nfqueue_config_new(&config);
	nfqueue_config_set_max_len(config, 65536);
	nfqueue_config_set_flags(config, NFQUEUE_FLAG_FAIL_OPEN);
	nfqueue_config_set_rcvbuf(config, 8u << 20);
	rc = nfqueue_queue_open(&q, (uint32_t)atoi(argv[2]), config);
	nfqueue_config_free(config);
	if (rc) {
		fprintf(stderr, "open: %s: %s\n", nfqueue_strerror(rc), nfqueue_last_error());
		return 1;
	}
	printf("ready\n");
	fflush(stdout);

	start = now();
	if (!strcmp(argv[1], "run"))
		rc = consume_run(q, seconds);
	else if (!strcmp(argv[1], "pull") || !strcmp(argv[1], "batch"))
		rc = consume_pull(q, seconds, !strcmp(argv[1], "batch"));
	else
		rc = NFQUEUE_E_INVAL;
	if (rc) {
		fprintf(stderr, "%s: %s: %s\n", argv[1], nfqueue_strerror(rc), nfqueue_last_error());
		return 1;
	}
	printf("%s %llu %.3f\n", argv[1], judged, now() - start);
	nfqueue_queue_free(q);
	return 0;
}
