/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stress.c - many threads on one real queue at once, for ThreadSanitizer.
 *
 * Run inside a throwaway network namespace whose loopback traffic to
 * PORT is queued to QUEUE (run-stress sets that up). A sender floods UDP
 * datagrams; one thread drives the queue with pulls (verdicting some
 * packets itself, one by one or several in one nfqueue_queue_verdict_packets(),
 * releasing or retaining others), and at the same time
 *   - 8 workers verdict retained packets, or free them without a verdict;
 *   - a thread calls nfqueue_queue_stop(), and a signal handler does too,
 *     while the pulls wait;
 *   - a thread gives batch verdicts, another reads nfqueue_queue_stats();
 *   - at the end the queue is closed while retained packets are still
 *     being verdicted, which must then return NFQUEUE_E_CLOSED.
 * It checks that every datagram was delivered or dropped by a verdict the
 * test gave, exactly once (ledger.c), that a second verdict on a packet
 * is always NFQUEUE_E_VERDICT_GIVEN, that no stop ended more than one
 * wait, and that every call returned a status it may return.
 *
 * Usage: nfqueue-stress QUEUE PORT [COUNT]   (exit 0: all held)
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nfqueue.h>

#include "ledger.h"
#include "traffic.h"

#define WORKERS 8
#define HOLDERS 4
#define HOLD 64          /* the last datagrams, retained until the close */
#define WINDOW 512       /* unsettled datagrams the sender allows */
#define DEADLINE_S 55    /* the whole run, enforced by SIGALRM */

static nfqueue_queue *queue;
static _Atomic(nfqueue_queue *) signal_queue; /* what the SIGUSR1 handler stops */
static struct ledger ledger;
static uint32_t count;   /* datagrams to send */
static uint16_t port;

/* Phases, each set once by main. */
static atomic_bool ending;     /* the driver only pulls, touches no packet */
static atomic_bool closing;    /* the close is under way: CLOSED is expected */
static atomic_bool close_done; /* nfqueue_queue_close() returned 0 */
static atomic_bool batch_quit, helpers_quit;

/* What the threads saw. */
static atomic_uint seen;             /* our datagrams the driver pulled */
static atomic_uint handled;          /* ... and was done with */
static atomic_uint batch_limit_id;   /* newest id of a packet not held */
static atomic_ulong pulls, pulls_stopped;
static atomic_ulong stops_ok, signal_stops_ok, stops_closed;
static atomic_ulong verdicts_ok, second_verdicts, verdicts_closed, verdicts_given_first;
static atomic_ulong frees_plain, releases, batch_ok, stats_ok, stats_closed;
static atomic_ulong spec_calls_ok, spec_calls_refused;
static atomic_bool stats_unavailable;
static atomic_ulong unexpected;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A call returned something it must not: say what, once per kind of
 * mistake is enough to debug, so the first 20 only. */
static void bad(const char *what, int rc)
{
	if (atomic_fetch_add(&unexpected, 1) < 20)
		fprintf(stderr, "stress: %s returned %d (%s): %s\n", what, rc, nfqueue_strerror(rc),
			nfqueue_last_error());
}

/* The test's choice for datagram `seq`. */
static int chosen_verdict(uint32_t seq)
{
	return seq % 7 == 3 ? NFQUEUE_DROP : NFQUEUE_ACCEPT;
}

/* The first verdict on a packet: 0, or already given (a batch verdict got
 * there first), or CLOSED once the close began. A DROP that returned 0
 * is the test's own drop. */
static void first_verdict(nfqueue_packet *p, uint32_t seq, int verdict, int may_close)
{
	int rc = nfqueue_packet_verdict(p, verdict);

	if (rc == 0) {
		atomic_fetch_add(&verdicts_ok, 1);
		if (verdict == NFQUEUE_DROP)
			ledger_dropped(&ledger, seq);
	} else if (rc == NFQUEUE_E_VERDICT_GIVEN) {
		atomic_fetch_add(&verdicts_given_first, 1);
	} else if (rc == NFQUEUE_E_CLOSED && may_close && atomic_load(&closing)) {
		atomic_fetch_add(&verdicts_closed, 1);
	} else {
		bad("nfqueue_packet_verdict", rc);
	}
}

/* A second verdict must never reach the kernel. */
static void second_verdict(nfqueue_packet *p, int may_close)
{
	int rc = nfqueue_packet_verdict(p, NFQUEUE_DROP);

	atomic_fetch_add(&second_verdicts, 1);
	if (rc != NFQUEUE_E_VERDICT_GIVEN && !(rc == NFQUEUE_E_CLOSED && may_close &&
					       atomic_load(&closing)))
		bad("a second nfqueue_packet_verdict", rc);
}

/* ---- retained packets, handed from the driver to the workers ---- */

struct item {
	nfqueue_packet *packet;
	uint32_t seq;
	struct item *next;
};

static pthread_mutex_t work_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_ready = PTHREAD_COND_INITIALIZER;
static struct item *work_head, *work_tail;
static int workers_quit;

static struct item held[HOLD];
static atomic_uint held_count;

static void push_work(nfqueue_packet *p, uint32_t seq)
{
	struct item *it = malloc(sizeof(*it));

	if (!it) {
		bad("malloc", NFQUEUE_E_NOMEM);
		nfqueue_packet_free(p);
		return;
	}
	it->packet = p;
	it->seq = seq;
	it->next = NULL;
	pthread_mutex_lock(&work_lock);
	if (work_tail)
		work_tail->next = it;
	else
		work_head = it;
	work_tail = it;
	pthread_cond_signal(&work_ready);
	pthread_mutex_unlock(&work_lock);
}

static void *worker_main(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&work_lock);
		while (!work_head && !workers_quit)
			pthread_cond_wait(&work_ready, &work_lock);
		struct item *it = work_head;
		if (!it) {
			pthread_mutex_unlock(&work_lock);
			return NULL;
		}
		work_head = it->next;
		if (!work_head)
			work_tail = NULL;
		pthread_mutex_unlock(&work_lock);

		/* The close may come while the last of these are handled. */
		if (it->seq % 3 == 0) {
			nfqueue_packet_free(it->packet); /* the default verdict: accept */
			atomic_fetch_add(&frees_plain, 1);
		} else {
			if (it->seq % 3 == 1) {
				int rc = nfqueue_packet_set_mark(it->packet, it->seq);
				if (rc != 0 && !(rc == NFQUEUE_E_CLOSED && atomic_load(&closing)) &&
				    rc != NFQUEUE_E_VERDICT_GIVEN)
					bad("nfqueue_packet_set_mark", rc);
			}
			first_verdict(it->packet, it->seq, chosen_verdict(it->seq), 1);
			second_verdict(it->packet, 1);
			nfqueue_packet_free(it->packet);
		}
		free(it);
	}
}

/*
 * The held packets, at the close: holder `k` takes every HOLDERS-th one.
 * Even indexes race the close (a verdict or a free without one); odd ones
 * wait until the close returned, and must then get NFQUEUE_E_CLOSED.
 */
static void *holder_main(void *arg)
{
	unsigned k = (unsigned)(size_t)arg, n = atomic_load(&held_count);

	for (unsigned i = k; i < n; i += HOLDERS) {
		struct item *it = &held[i];

		if (i % 2 == 1) {
			while (!atomic_load(&close_done))
				sleep_us(100);
			int rc = nfqueue_packet_verdict(it->packet, chosen_verdict(it->seq));
			if (rc != NFQUEUE_E_CLOSED)
				bad("a verdict after close", rc);
			else
				atomic_fetch_add(&verdicts_closed, 1);
		} else if (i % 4 == 2) {
			nfqueue_packet_free(it->packet);
			atomic_fetch_add(&frees_plain, 1);
			continue;
		} else {
			first_verdict(it->packet, it->seq, chosen_verdict(it->seq), 1);
			second_verdict(it->packet, 1);
		}
		nfqueue_packet_free(it->packet);
	}
	return NULL;
}

/* ---- the driving thread ---- */

/* Packets of one pulled batch that get their verdicts in one call. */
struct spec_set {
	nfqueue_verdict_spec specs[64];
	uint32_t seqs[64];
	size_t n;
};

/*
 * All of them at once. A batch verdict from the other thread may have
 * covered one already: then the call must refuse as a whole, naming it,
 * and send nothing, and each packet goes the one-by-one way instead.
 */
static void give_spec_set(struct spec_set *set)
{
	size_t index = SIZE_MAX;
	int rc;

	if (set->n == 0)
		return;
	rc = nfqueue_queue_verdict_packets(&index, queue, set->specs, set->n);
	if (rc == 0) {
		atomic_fetch_add(&spec_calls_ok, 1);
		for (size_t i = 0; i < set->n; i++) {
			atomic_fetch_add(&verdicts_ok, 1);
			if (set->specs[i].verdict == NFQUEUE_DROP)
				ledger_dropped(&ledger, set->seqs[i]);
			second_verdict(set->specs[i].packet, 0);
		}
	} else if (rc == NFQUEUE_E_VERDICT_GIVEN && index < set->n) {
		atomic_fetch_add(&spec_calls_refused, 1);
		for (size_t i = 0; i < set->n; i++) {
			first_verdict(set->specs[i].packet, set->seqs[i], set->specs[i].verdict, 0);
			second_verdict(set->specs[i].packet, 0);
		}
	} else {
		bad("nfqueue_queue_verdict_packets", rc);
	}
	set->n = 0;
}

/* What the driver does with one of our packets, by sequence number, so
 * every way a packet can end is taken many times. */
static void handle(nfqueue_packet *p, uint32_t seq, struct spec_set *set)
{
	int rc;

	atomic_fetch_add(&seen, 1);
	if (seq >= count - HOLD) {
		rc = nfqueue_packet_retain(p);
		if (rc != 0) {
			bad("nfqueue_packet_retain", rc);
			return;
		}
		if (atomic_load(&held_count) >= HOLD) {
			bad("a held datagram seen twice", 0);
			return;
		}
		unsigned i = atomic_load(&held_count);
		held[i].packet = p;
		held[i].seq = seq;
		atomic_store(&held_count, i + 1);
		return;
	}
	/* Batch verdicts stop short of the held packets: ids grow with
	 * sequence numbers, one sender, one rule. */
	atomic_store(&batch_limit_id, nfqueue_packet_id(p));

	switch (seq % 10) {
	case 5: /* verdict right here, on the borrowed packet */
		if (seq % 20 == 5) {
			first_verdict(p, seq, chosen_verdict(seq), 0);
			second_verdict(p, 0);
		} else { /* with others of its batch, in one call */
			nfqueue_verdict_spec *sp = &set->specs[set->n];

			memset(sp, 0, sizeof(*sp));
			sp->size = sizeof(*sp);
			sp->packet = p;
			sp->verdict = chosen_verdict(seq);
			sp->flags = seq % 3 == 0 ? NFQUEUE_SPEC_MARK : 0;
			sp->mark = seq;
			set->seqs[set->n++] = seq;
		}
		break;
	case 6:
		if (seq % 20 == 6)
			break; /* nothing: the next pull gives the default verdict */
		/* The borrow ended now: the default verdict, and then the
		 * handle is expired for good. */
		rc = nfqueue_packet_release(p);
		if (rc != 0)
			bad("nfqueue_packet_release", rc);
		atomic_fetch_add(&releases, 1);
		rc = nfqueue_packet_verdict(p, NFQUEUE_DROP);
		if (rc != NFQUEUE_E_EXPIRED)
			bad("a verdict after release", rc);
		break;
	case 7: /* retained and freed at once: the default verdict */
		rc = nfqueue_packet_retain(p);
		if (rc != 0)
			bad("nfqueue_packet_retain", rc);
		nfqueue_packet_free(p);
		atomic_fetch_add(&frees_plain, 1);
		break;
	case 8: /* a mark, then accept; a second verdict must not drop it */
		rc = nfqueue_packet_set_mark(p, seq);
		if (rc != 0 && rc != NFQUEUE_E_VERDICT_GIVEN)
			bad("nfqueue_packet_set_mark", rc);
		first_verdict(p, seq, NFQUEUE_ACCEPT, 0);
		second_verdict(p, 0);
		break;
	default: /* retained, handed to a worker */
		rc = nfqueue_packet_retain(p);
		if (rc != 0) {
			bad("nfqueue_packet_retain", rc);
			break;
		}
		push_work(p, seq);
		break;
	}
}

static void *driver_main(void *arg)
{
	static const int timeouts[] = {-1, 0, 5, -1, 20};
	nfqueue_packet *batch[64];
	static struct spec_set set;
	unsigned round = 0;

	(void)arg;
	for (;;) {
		size_t n = 0;
		int rc = nfqueue_queue_pull(batch, 64, &n, queue, timeouts[round++ % 5]);

		atomic_fetch_add(&pulls, 1);
		if (rc == NFQUEUE_E_CLOSED) {
			if (!atomic_load(&ending))
				bad("nfqueue_queue_pull before the close", rc);
			return NULL;
		}
		if (rc == NFQUEUE_E_STOPPED) {
			atomic_fetch_add(&pulls_stopped, 1);
			/* Leave the closer a gap between pulls every other time,
			 * and none otherwise, so close also races a pull's start. */
			if (atomic_load(&ending) && atomic_load(&pulls_stopped) % 2)
				sleep_us(200);
			continue;
		}
		if (rc != 0) {
			bad("nfqueue_queue_pull", rc);
			continue;
		}
		/* Once the close may come, a packet is not ours to touch: only
		 * the next pull (or the close) ends its life. */
		if (atomic_load(&ending))
			continue;
		for (size_t i = 0; i < n; i++) {
			const uint8_t *payload;
			size_t len;
			int64_t seq = -1;

			rc = nfqueue_packet_payload(&payload, &len, batch[i]);
			if (rc == 0)
				seq = traffic_seq_of(payload, len, port);
			if (seq < 0 || seq >= count) {
				bad("a packet that is not one of the test's", rc);
				continue;
			}
			handle(batch[i], (uint32_t)seq, &set);
		}
		give_spec_set(&set);
		atomic_fetch_add(&handled, (unsigned)n);
	}
}

/* ---- the concurrent callers ---- */

static void on_sigusr1(int signo)
{
	int saved = errno;
	nfqueue_queue *q = atomic_load(&signal_queue);

	(void)signo;
	if (q) {
		int rc = nfqueue_queue_stop(q);
		if (rc == 0)
			atomic_fetch_add(&signal_stops_ok, 1);
		else if (rc == NFQUEUE_E_CLOSED)
			atomic_fetch_add(&stops_closed, 1);
		else
			atomic_fetch_add(&unexpected, 1); /* no stdio in a handler */
	}
	errno = saved;
}

static void on_deadline(int signo)
{
	static const char msg[] = "stress: still running after the deadline: a wait or a "
				  "join never ended\n";

	(void)signo;
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(3);
}

static void *stopper_main(void *arg)
{
	(void)arg;
	while (!atomic_load(&helpers_quit)) {
		int rc = nfqueue_queue_stop(queue);

		if (rc == 0)
			atomic_fetch_add(&stops_ok, 1);
		else if (rc == NFQUEUE_E_CLOSED && atomic_load(&closing))
			atomic_fetch_add(&stops_closed, 1);
		else
			bad("nfqueue_queue_stop", rc);
		sleep_us(2000);
	}
	return NULL;
}

static void *signaller_main(void *arg)
{
	pthread_t driver = *(pthread_t *)arg;

	while (!atomic_load(&helpers_quit)) {
		pthread_kill(driver, SIGUSR1);
		sleep_us(3000);
	}
	return NULL;
}

static void *batcher_main(void *arg)
{
	(void)arg;
	while (!atomic_load(&batch_quit)) {
		uint32_t id = atomic_load(&batch_limit_id);

		if (id > 32) {
			/* Accept everything a while behind the driver: some of
			 * those are retained and about to get a worker's verdict. */
			int rc = nfqueue_queue_verdict_batch(queue, id - 32, NFQUEUE_ACCEPT, 0, 0);
			if (rc == 0)
				atomic_fetch_add(&batch_ok, 1);
			else if (rc != NFQUEUE_E_NOENT) /* nothing left to cover */
				bad("nfqueue_queue_verdict_batch", rc);
		}
		sleep_us(5000);
	}
	return NULL;
}

/* Stats from any thread, also with a caller's struct smaller than ours:
 * nothing past its size may be written. */
static void *stats_main(void *arg)
{
	unsigned round = 0;

	(void)arg;
	while (!atomic_load(&helpers_quit)) {
		nfqueue_stats s;
		int rc;

		memset(&s, 0xab, sizeof(s));
		s.size = round++ % 8 == 0 ? offsetof(nfqueue_stats, waiting) : sizeof(s);
		rc = nfqueue_queue_stats(&s, queue);
		if (rc == 0) {
			atomic_fetch_add(&stats_ok, 1);
			if (s.size == offsetof(nfqueue_stats, waiting) && s.waiting != 0xabababab)
				bad("nfqueue_queue_stats writing past out->size", -1);
			if (s.portid == 0 || s.portid == 0xabababab)
				bad("nfqueue_queue_stats without a port id", -1);
		} else if (rc == NFQUEUE_E_NOTSUP) {
			atomic_store(&stats_unavailable, true);
			return NULL;
		} else if (rc == NFQUEUE_E_CLOSED && atomic_load(&closing)) {
			atomic_fetch_add(&stats_closed, 1);
		} else {
			bad("nfqueue_queue_stats", rc);
		}
		sleep_us(1000);
	}
	return NULL;
}

/* ---- main ---- */

static int open_queue(uint32_t num)
{
	nfqueue_config *c = NULL;
	int rc = nfqueue_config_new(&c);

	if (rc == 0)
		rc = nfqueue_config_set_max_len(c, 8192);
	if (rc == 0)
		rc = nfqueue_queue_open(&queue, num, c);
	if (rc != 0)
		fprintf(stderr, "stress: cannot open queue %u: %s: %s\n", num, nfqueue_strerror(rc),
			nfqueue_last_error());
	nfqueue_config_free(c);
	return rc;
}

static int wait_for(atomic_uint *value, unsigned target, int ms)
{
	for (int i = 0; atomic_load(value) < target; i++) {
		if (i >= ms)
			return -1;
		sleep_us(1000);
	}
	return 0;
}

/* The kernel must not have dropped anything: the flow control keeps the
 * queue and the socket from filling. */
static void check_kernel_counters(void)
{
	nfqueue_stats s = {.size = sizeof(s)};
	int rc = nfqueue_queue_stats(&s, queue);

	if (rc == NFQUEUE_E_NOTSUP)
		return;
	if (rc != 0) {
		bad("nfqueue_queue_stats before the close", rc);
		return;
	}
	if (s.queue_dropped || s.user_dropped)
		fprintf(stderr, "stress: the kernel dropped packets: queue full %llu, socket "
			"buffer full %llu (receive buffer %u bytes)\n",
			(unsigned long long)s.queue_dropped, (unsigned long long)s.user_dropped,
			s.rcvbuf);
	if (s.queue_dropped || s.user_dropped)
		atomic_fetch_add(&unexpected, 1);
}

int main(int argc, char **argv)
{
	pthread_t driver, workers[WORKERS], holders[HOLDERS], stopper, signaller, batcher, stats;
	struct traffic traffic;
	struct sigaction sa;
	uint32_t num;
	double t0 = now_s();
	int failed = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: %s QUEUE PORT [COUNT]\n", argv[0]);
		return 2;
	}
	num = (uint32_t)strtoul(argv[1], NULL, 10);
	port = (uint16_t)strtoul(argv[2], NULL, 10);
	count = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 20000;
	if (count < 4 * HOLD) {
		fprintf(stderr, "stress: COUNT must be at least %d\n", 4 * HOLD);
		return 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_deadline;
	sigaction(SIGALRM, &sa, NULL);
	alarm(DEADLINE_S);
	sa.sa_handler = on_sigusr1; /* no SA_RESTART: waits see EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);

	if (open_queue(num) != 0)
		return 1;
	atomic_store(&signal_queue, queue);
	if (ledger_init(&ledger, count) != 0)
		return 1;
	traffic = (struct traffic){.ledger = &ledger, .port = port, .count = count,
				   .window = WINDOW};
	if (traffic_start(&traffic) != 0)
		return 1;

	pthread_create(&driver, NULL, driver_main, NULL);
	for (int i = 0; i < WORKERS; i++)
		pthread_create(&workers[i], NULL, worker_main, NULL);
	pthread_create(&stopper, NULL, stopper_main, NULL);
	pthread_create(&signaller, NULL, signaller_main, &driver);
	pthread_create(&batcher, NULL, batcher_main, NULL);
	pthread_create(&stats, NULL, stats_main, NULL);

	/* The flood, then every datagram seen, then all but the held ones
	 * settled (the workers' backlog drained). */
	traffic_join_sender(&traffic);
	if (atomic_load(&traffic.failed))
		failed = 1;
	/* Once all are handled the driver touches no packet any more, only
	 * pulls: closing from here is what the header allows. */
	if (!failed && wait_for(&handled, count, 20000) != 0) {
		fprintf(stderr, "stress: the driver saw %u of %u datagrams\n", atomic_load(&seen),
			count);
		failed = 1;
	}
	if (!failed && ledger_wait_settled(&ledger, count - HOLD, 20000) != 0) {
		fprintf(stderr, "stress: %u of %u datagrams settled before the close\n",
			atomic_load(&ledger.settled), count - HOLD);
		failed = 1;
	}
	atomic_store(&batch_quit, true);
	pthread_join(batcher, NULL);
	check_kernel_counters();

	/* The close, while the held packets are being verdicted and freed
	 * and while stops keep coming: BUSY while a pull runs, so retry. */
	atomic_store(&ending, true);
	atomic_store(&closing, true);
	for (int i = 0; i < HOLDERS; i++)
		pthread_create(&holders[i], NULL, holder_main, (void *)(size_t)i);
	unsigned long busy = 0;
	for (;;) {
		int rc = nfqueue_queue_stop(queue);
		if (rc == 0)
			atomic_fetch_add(&stops_ok, 1);
		rc = nfqueue_queue_close(queue);
		if (rc == 0)
			break;
		if (rc != NFQUEUE_E_BUSY) {
			bad("nfqueue_queue_close", rc);
			break;
		}
		busy++;
		sleep_us(100);
	}
	atomic_store(&close_done, true);

	for (int i = 0; i < HOLDERS; i++)
		pthread_join(holders[i], NULL);
	pthread_mutex_lock(&work_lock);
	workers_quit = 1;
	pthread_cond_broadcast(&work_ready);
	pthread_mutex_unlock(&work_lock);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(workers[i], NULL);
	atomic_store(&helpers_quit, true);
	pthread_join(stopper, NULL);
	pthread_join(signaller, NULL);
	pthread_join(stats, NULL);
	pthread_join(driver, NULL);

	/* Closed means closed, for every call. */
	nfqueue_stats s = {.size = sizeof(s)};
	int rc = nfqueue_queue_stats(&s, queue);
	if (rc != NFQUEUE_E_CLOSED)
		bad("nfqueue_queue_stats after close", rc);
	rc = nfqueue_queue_stop(queue);
	if (rc != NFQUEUE_E_CLOSED)
		bad("nfqueue_queue_stop after close", rc);

	/* Give the last accepted datagrams time to arrive, then account. */
	if (ledger_wait_settled(&ledger, atomic_load(&ledger.sent), 5000) != 0)
		fprintf(stderr, "stress: %u of %u datagrams settled after the close\n",
			atomic_load(&ledger.settled), atomic_load(&ledger.sent));
	atomic_store(&signal_queue, NULL);
	nfqueue_queue_free(queue);
	traffic_stop(&traffic);
	uint32_t wrong = ledger_check(&ledger);

	unsigned long stops = atomic_load(&stops_ok) + atomic_load(&signal_stops_ok);
	if (atomic_load(&pulls_stopped) > stops) {
		fprintf(stderr, "stress: %lu pulls ended by a stop, but only %lu stops were "
			"asked for: one stop ended more than one wait\n",
			atomic_load(&pulls_stopped), stops);
		failed = 1;
	}
	if (atomic_load(&pulls_stopped) == 0) {
		fprintf(stderr, "stress: no stop ever ended a pull\n");
		failed = 1;
	}
	if (atomic_load(&verdicts_closed) < atomic_load(&held_count) / 2) {
		fprintf(stderr, "stress: only %lu verdicts saw the close (expected at least %u)\n",
			atomic_load(&verdicts_closed), atomic_load(&held_count) / 2);
		failed = 1;
	}

	printf("stress: %u datagrams in %.1f s: %lu pulls (%lu ended by %lu stops, %lu of them "
	       "from a signal handler), %lu verdicts, %lu second verdicts refused, %lu first "
	       "verdicts after a batch, %lu after the close, %lu frees without a verdict, %lu "
	       "releases, %lu verdict_packets calls (%lu refused for a batch-verdicted packet), "
	       "%lu batch verdicts, %lu stats reads%s, close busy %lu times\n",
	       atomic_load(&ledger.sent), now_s() - t0, atomic_load(&pulls),
	       atomic_load(&pulls_stopped), stops, atomic_load(&signal_stops_ok),
	       atomic_load(&verdicts_ok), atomic_load(&second_verdicts),
	       atomic_load(&verdicts_given_first), atomic_load(&verdicts_closed),
	       atomic_load(&frees_plain), atomic_load(&releases), atomic_load(&spec_calls_ok),
	       atomic_load(&spec_calls_refused), atomic_load(&batch_ok), atomic_load(&stats_ok),
	       atomic_load(&stats_unavailable) ? " (unavailable)" : "", busy);
	ledger_free(&ledger);
	if (failed || wrong || atomic_load(&unexpected)) {
		fprintf(stderr, "stress: FAILED (%u datagrams not settled exactly once, %lu "
			"unexpected results)\n", wrong, atomic_load(&unexpected));
		return 1;
	}
	printf("stress: ok\n");
	return 0;
}
