/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nfqueue-agent-c - the C agent of the conformance suite.
 *
 * Binds one queue with the configuration its options describe, judges
 * every packet by a verdict plan, and reports each event as one JSON line
 * on stdout. tests/conformance/PROTOCOL.md is the contract; this program
 * uses only the public header <nfqueue.h>, like any application would.
 *
 *   nfqueue-agent-c --queue N [--mode run|dispatch|pull] [--copy-mode M]
 *       [--copy-range N] [--max-len N] [--flags a,b] [--rcvbuf N] [--no-enobufs]
 *       [--default-verdict accept|drop] [--netns PATH] [--adopt-socket]
 *       [--batch-size N] [--plan JSON] [--payload-hex-max N] [--interruptible]
 *
 * It stops cleanly on SIGTERM or SIGINT: the handler only calls
 * nfqueue_queue_stop(), which is async-signal-safe. With --interruptible
 * it reports each SIGUSR1 (an "interrupted" event) and goes on: the
 * handler only sets a flag, and the library's wait returns NFQUEUE_E_INTR.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>

#include <nfqueue.h>

#include "agent.h"
#include "capabilities.h"
#include "json.h"
#include "report.h"

/* Exit statuses (PROTOCOL.md). */
enum { EXIT_CLEAN = 0, EXIT_RUNTIME = 1, EXIT_OPEN = 2, EXIT_USAGE = 64 };

enum mode { MODE_RUN, MODE_DISPATCH, MODE_PULL };

static nfqueue_queue *volatile signalled_queue;
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	nfqueue_queue *q = signalled_queue;

	(void)sig;
	stop_requested = 1;
	if (q)
		(void)nfqueue_queue_stop(q);
}

/* SIGUSR1 under --interruptible: only noted here, reported by the loop. */
static volatile sig_atomic_t usr1_arrived;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_arrived = 1;
}

static void install_usr1_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the wait must end for the loop to report it. */
	sigaction(SIGUSR1, &sa, NULL);
}

/* Write "interrupted" if SIGUSR1 came since the last look. */
static void report_interrupts(void)
{
	struct line l = { 0 };

	if (!usr1_arrived)
		return;
	usr1_arrived = 0;
	line_begin(&l, "interrupted");
	line_str(&l, "signal", "SIGUSR1");
	line_emit(&l);
	free(l.buf);
}

static void install_signal_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocking poll returns, so the loop sees the stop. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

static void block_stop_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}


static uint32_t parse_number(const char *text, const char *option)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(text, &end, 0);
	if (errno || end == text || *end || n > 0xffffffffULL || text[0] == '-')
		line_usage_error("%s needs a number in 0..4294967295", option);
	return (uint32_t)n;
}

static uint32_t parse_flags(const char *text)
{
	static const struct { const char *name; uint32_t bit; } names[] = {
		{ "fail-open", NFQUEUE_FLAG_FAIL_OPEN }, { "conntrack", NFQUEUE_FLAG_CONNTRACK },
		{ "gso", NFQUEUE_FLAG_GSO }, { "uid-gid", NFQUEUE_FLAG_UID_GID },
		{ "secctx", NFQUEUE_FLAG_SECCTX },
	};
	char *copy = strdup(text), *save = NULL, *word;
	uint32_t flags = 0;

	if (!copy)
		line_usage_error("out of memory%s", "");
	for (word = strtok_r(copy, ",", &save); word; word = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(names) / sizeof(*names); i++)
			if (!strcmp(word, names[i].name))
				break;
		if (i == sizeof(names) / sizeof(*names))
			line_usage_error("unknown flag \"%s\": use fail-open, conntrack, gso, uid-gid, secctx", word);
		flags |= names[i].bit;
	}
	free(copy);
	return flags;
}

/* Apply one config setter; on failure report it and exit. */
static void must(int rc, const char *call)
{
	if (rc) {
		report_error(call, rc);
		exit(EXIT_OPEN);
	}
}

struct options {
	long queue_num;
	enum mode mode;
	const char *plan;
	bool adopt_socket;
	bool interruptible;
};

/* Parse the command line into `config` (set as we go) and `opts`. */
static void parse_options(int argc, char **argv, nfqueue_config *config, struct options *opts,
			  struct agent *a)
{
	enum { O_QUEUE = 256, O_MODE, O_COPY_MODE, O_COPY_RANGE, O_MAX_LEN, O_FLAGS, O_RCVBUF,
	       O_NO_ENOBUFS, O_DEFAULT, O_NETNS, O_ADOPT, O_BATCH, O_PLAN, O_HEX,
	       O_INTERRUPTIBLE };
	static const struct option long_options[] = {
		{ "queue", required_argument, NULL, O_QUEUE },
		{ "mode", required_argument, NULL, O_MODE },
		{ "copy-mode", required_argument, NULL, O_COPY_MODE },
		{ "copy-range", required_argument, NULL, O_COPY_RANGE },
		{ "max-len", required_argument, NULL, O_MAX_LEN },
		{ "flags", required_argument, NULL, O_FLAGS },
		{ "rcvbuf", required_argument, NULL, O_RCVBUF },
		{ "no-enobufs", no_argument, NULL, O_NO_ENOBUFS },
		{ "default-verdict", required_argument, NULL, O_DEFAULT },
		{ "netns", required_argument, NULL, O_NETNS },
		{ "adopt-socket", no_argument, NULL, O_ADOPT },
		{ "batch-size", required_argument, NULL, O_BATCH },
		{ "plan", required_argument, NULL, O_PLAN },
		{ "payload-hex-max", required_argument, NULL, O_HEX },
		{ "interruptible", no_argument, NULL, O_INTERRUPTIBLE },
		{ NULL, 0, NULL, 0 },
	};
	int copy_mode = NFQUEUE_COPY_PACKET;
	uint32_t copy_range = 0;
	bool copy_given = false;
	int c;

	opts->queue_num = -1;
	opts->mode = MODE_RUN;
	opts->plan = NULL;
	opts->adopt_socket = false;
	opts->interruptible = false;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		switch (c) {
		case O_QUEUE:
			opts->queue_num = parse_number(optarg, "--queue");
			break;
		case O_MODE:
			if (!strcmp(optarg, "run"))
				opts->mode = MODE_RUN;
			else if (!strcmp(optarg, "dispatch"))
				opts->mode = MODE_DISPATCH;
			else if (!strcmp(optarg, "pull"))
				opts->mode = MODE_PULL;
			else
				line_usage_error("--mode \"%s\": use run, dispatch or pull", optarg);
			break;
		case O_COPY_MODE:
			copy_given = true;
			if (!strcmp(optarg, "none"))
				copy_mode = NFQUEUE_COPY_NONE;
			else if (!strcmp(optarg, "meta"))
				copy_mode = NFQUEUE_COPY_META;
			else if (!strcmp(optarg, "packet"))
				copy_mode = NFQUEUE_COPY_PACKET;
			else
				line_usage_error("--copy-mode \"%s\": use none, meta or packet", optarg);
			break;
		case O_COPY_RANGE:
			copy_given = true;
			copy_range = parse_number(optarg, "--copy-range");
			break;
		case O_MAX_LEN:
			must(nfqueue_config_set_max_len(config, parse_number(optarg, "--max-len")),
			     "nfqueue_config_set_max_len");
			break;
		case O_FLAGS:
			must(nfqueue_config_set_flags(config, parse_flags(optarg)),
			     "nfqueue_config_set_flags");
			break;
		case O_RCVBUF:
			must(nfqueue_config_set_rcvbuf(config, parse_number(optarg, "--rcvbuf")),
			     "nfqueue_config_set_rcvbuf");
			break;
		case O_NO_ENOBUFS:
			must(nfqueue_config_set_no_enobufs(config, 1), "nfqueue_config_set_no_enobufs");
			break;
		case O_DEFAULT:
			if (strcmp(optarg, "accept") && strcmp(optarg, "drop"))
				line_usage_error("--default-verdict \"%s\": use accept or drop", optarg);
			must(nfqueue_config_set_default_verdict(config, !strcmp(optarg, "accept") ?
								NFQUEUE_ACCEPT : NFQUEUE_DROP),
			     "nfqueue_config_set_default_verdict");
			break;
		case O_NETNS:
			must(nfqueue_config_set_netns(config, optarg), "nfqueue_config_set_netns");
			break;
		case O_ADOPT:
			opts->adopt_socket = true;
			break;
		case O_BATCH:
			must(nfqueue_config_set_batch_size(config, parse_number(optarg, "--batch-size")),
			     "nfqueue_config_set_batch_size");
			break;
		case O_PLAN:
			opts->plan = optarg;
			break;
		case O_HEX:
			a->hex_max = parse_number(optarg, "--payload-hex-max");
			break;
		case O_INTERRUPTIBLE:
			must(nfqueue_config_set_interruptible(config, 1),
			     "nfqueue_config_set_interruptible");
			opts->interruptible = true;
			break;
		default:
			line_usage_error("unknown or incomplete option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		line_usage_error("unexpected argument %s", argv[optind]);
	if (opts->queue_num < 0)
		line_usage_error("--queue N is required%s", "");
	if (copy_given)
		must(nfqueue_config_set_copy_mode(config, copy_mode, copy_range),
		     "nfqueue_config_set_copy_mode");
}

/*
 * --adopt-socket: open the netlink socket ourselves and hand it to the
 * library, as an application with its own event loop would. Non-blocking,
 * as such a loop's sockets usually are. Returns the fd; it stays ours.
 */
static int adopt_socket(nfqueue_config *config)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_NETFILTER);

	if (fd < 0) {
		struct line l = { 0 };
		char message[256];

		snprintf(message, sizeof(message), "cannot open a NETLINK_NETFILTER socket: %s",
			 strerror(errno));
		line_begin(&l, "error");
		line_str(&l, "call", "socket");
		line_int(&l, "code", NFQUEUE_E_IO);
		line_str(&l, "name", "NFQUEUE_E_IO");
		line_str(&l, "message", message);
		line_emit(&l);
		free(l.buf);
		exit(EXIT_OPEN);
	}
	must(nfqueue_config_set_fd(config, fd), "nfqueue_config_set_fd");
	return fd;
}

/* ---- the three ways to consume a queue ---- */

static int consume_run(struct agent *a)
{
	for (;;) {
		int rc = nfqueue_queue_run(a->queue, judge_packet, a);

		if (rc == NFQUEUE_E_INTR) {
			/* --interruptible: a signal ended the wait. The run
			 * returned, so the last packet has expired. */
			judge_use_stale(a);
			report_interrupts();
			if (stop_requested)
				return 0; /* it was the stop's own signal */
			continue;
		}
		if (rc)
			report_error("nfqueue_queue_run", rc);
		return rc;
	}
}

/* The application's own event loop: poll the queue's fd, dispatch what is ready. */
static int consume_dispatch(struct agent *a)
{
	struct pollfd pfd = { .fd = nfqueue_queue_fd(a->queue), .events = POLLIN };

	while (!stop_requested) {
		size_t handled;
		int rc, ready;

		/* The timeout only bounds how late a stop is noticed. */
		ready = poll(&pfd, 1, 200);

		report_interrupts(); /* our own wait is the one a signal ends here */
		if (ready <= 0)
			continue;
		rc = nfqueue_queue_dispatch(&handled, a->queue, judge_packet, a);
		judge_use_stale(a); /* their callbacks returned: expired */
		if (rc == NFQUEUE_E_NOBUFS)
			continue; /* counted by the library, reported at exit */
		if (rc) {
			report_error("nfqueue_queue_dispatch", rc);
			return rc;
		}
	}
	return 0;
}

static int consume_pull(struct agent *a)
{
	nfqueue_packet *batch[64];

	for (;;) {
		size_t count = 0, i;
		int rc = nfqueue_queue_pull(batch, 64, &count, a->queue, -1);

		judge_use_stale(a); /* the last batch expired as this pull began */
		if (rc == NFQUEUE_E_STOPPED)
			return 0;
		if (rc == NFQUEUE_E_INTR) {
			report_interrupts();
			if (stop_requested)
				return 0;
			continue;
		}
		if (rc == NFQUEUE_E_NOBUFS)
			continue;
		if (rc) {
			report_error("nfqueue_queue_pull", rc);
			return rc;
		}
		for (i = 0; i < count; i++)
			judge_packet(batch[i], a);
		/* "together": the batch's verdicts, all in one call. */
		judge_verdicts_together(a);
	}
}

int main(int argc, char **argv)
{
	static struct agent agent = { .hex_max = 256 };
	struct agent *a = &agent;
	struct options opts;
	nfqueue_config *config = NULL;
	struct line l = { 0 };
	int adopted_fd = -1;
	int rc;

	install_signal_handlers();
	a->main_thread = pthread_self();
	must(nfqueue_config_new(&config), "nfqueue_config_new");
	parse_options(argc, argv, config, &opts, a);
	if (opts.adopt_socket)
		adopted_fd = adopt_socket(config);
	a->stale_at_callback = opts.mode != MODE_PULL;
	if (opts.plan) {
		char why[256];

		if (plan_parse(&a->plan, opts.plan, why, sizeof(why)))
			line_usage_error("%s", why);
	} else {
		a->plan.group = 1;
	}
	if (a->plan.together && opts.mode != MODE_PULL)
		line_usage_error("the plan's \"verdicts\": \"together\" needs --mode pull%s", "");
	if (opts.interruptible)
		install_usr1_handler();

	rc = nfqueue_queue_open(&a->queue, (uint32_t)opts.queue_num, config);
	nfqueue_config_free(config);
	if (rc) {
		report_error("nfqueue_queue_open", rc);
		return EXIT_OPEN;
	}
	signalled_queue = a->queue;
	if (stop_requested) /* a signal that came during the open */
		(void)nfqueue_queue_stop(a->queue);

	line_begin(&l, "ready");
	line_int(&l, "queue", nfqueue_queue_num(a->queue));
	line_str(&l, "library", nfqueue_version());
	line_int(&l, "protocol", AGENT_PROTOCOL);
	line_raw(&l, "capabilities", AGENT_CAPABILITIES);
	line_emit(&l);

	switch (opts.mode) {
	case MODE_RUN: rc = consume_run(a); break;
	case MODE_DISPATCH: rc = consume_dispatch(a); break;
	case MODE_PULL: rc = consume_pull(a); break;
	}
	/* Before close, which would take their memory along. */
	judge_use_all_stale(a);

	/* Close first, so the packets still held get the default verdict
	 * from close, as the suite checks; freeing them after sends nothing. */
	/* From here on the queue goes away: no handler may touch it. */
	block_stop_signals();
	judge_join_later(a);
	signalled_queue = NULL;
	{
		uint64_t enobufs = nfqueue_queue_enobufs_count(a->queue);
		int close_rc = nfqueue_queue_close(a->queue);

		judge_after_close(a);
		judge_free_kept(a);
		nfqueue_queue_free(a->queue);
		line_begin(&l, "closed");
		line_str(&l, "result", result_name(close_rc));
		line_int(&l, "enobufs", (long long)enobufs);
		/* The library unbinds an adopted socket at close, but neither
		 * close nor free may close it: it is still ours. */
		if (adopted_fd >= 0) {
			line_bool(&l, "adopted_fd_open", fcntl(adopted_fd, F_GETFD) != -1);
			close(adopted_fd);
		}
		line_emit(&l);
	}
	plan_free(&a->plan);
	free(l.buf);
	return rc ? EXIT_RUNTIME : EXIT_CLEAN;
}
