/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nfqueue-agent-libnetfilter_queue - a conformance agent
 * (tests/conformance/PROTOCOL.md) for plain libnetfilter_queue.
 *
 * Written against libnetfilter_queue's documented API only (nfq_open,
 * nfq_bind_pf, nfq_create_queue, nfq_set_mode, nfq_set_queue_maxlen,
 * nfq_set_queue_flags, nfq_handle_packet, nfq_set_verdict2, nfq_get_*),
 * plus plain sockets and poll. It declares in its "ready" event exactly
 * what that API lets it do (protocol 2, "capabilities"); the suite reports
 * every case needing more as unsupported, and the cases it fails show
 * where plain libnetfilter_queue differs (for instance, the queue number
 * is a 16-bit argument, and closing the queue drops what is pending).
 *
 * Modes: "run" and "dispatch" are the same loop here (poll the socket
 * and a self-pipe that SIGTERM writes to, then receive and hand each
 * message to nfq_handle_packet), as libnetfilter_queue has no loop of its
 * own; "pull" has no equivalent and is not declared.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libnfnetlink/libnfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>

#include "lnfq.h"

#define CAPABILITIES \
	"{\"options\":[\"copy-mode\",\"copy-range\",\"max-len\",\"rcvbuf\",\"no-enobufs\"," \
	"\"payload-hex-max\"]," \
	"\"modes\":[\"run\",\"dispatch\"]," \
	"\"flags\":[\"fail-open\",\"conntrack\",\"gso\",\"uid-gid\",\"secctx\"]," \
	"\"verdicts\":[\"accept\",\"drop\",\"repeat\",\"stop\",\"queue\"]," \
	"\"retain\":[]," \
	"\"plan\":[\"index\",\"contains\",\"queue_num\",\"bypass\",\"mark\",\"replace\"," \
	"\"fix_checksums\",\"delay_ms\"]," \
	"\"attributes\":[\"timestamp\",\"indev\",\"outdev\",\"physindev\",\"physoutdev\"," \
	"\"ifnames\",\"hwaddr\",\"uid\",\"gid\",\"secctx\"]," \
	"\"reports\":[\"enobufs\"]}"

static int stop_pipe[2] = { -1, -1 };

static void on_stop(int signum)
{
	int saved = errno;
	char byte = (char)signum;

	(void)!write(stop_pipe[1], &byte, 1);
	errno = saved;
}


/* A failed libnetfilter_queue call: its errno as the protocol's error
 * name, the negated errno as the code, and strerror as the message. */
static void report_error(const char *call, int err, const char *detail)
{
	char message[512];
	struct line l = { 0 };

	snprintf(message, sizeof(message), "%s failed: %s%s%s", call, strerror(err),
		 detail ? ": " : "", detail ? detail : "");
	line_begin(&l, "error");
	line_str(&l, "call", call);
	line_int(&l, "code", -err);
	line_str(&l, "name", errno_name(err));
	line_str(&l, "message", message);
	line_emit(&l);
	free(l.buf);
}

static unsigned long long number(const char *text, const char *option, unsigned long long max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || *end || end == text || text[0] == '-' || v > max)
		line_usage_error("%s needs a number in range", option);
	return v;
}

struct options {
	unsigned long long queue;
	bool have_queue;
	int copy_mode;
	unsigned long long copy_range;
	bool have_copy, have_range;
	unsigned long long max_len;
	bool have_max_len;
	uint32_t flags;
	unsigned long long rcvbuf;
	bool no_enobufs;
	const char *plan;
	size_t hex_max;
};

static uint32_t parse_flags(char *list)
{
	static const struct { const char *name; uint32_t flag; } names[] = {
		{ "fail-open", NFQA_CFG_F_FAIL_OPEN }, { "conntrack", NFQA_CFG_F_CONNTRACK },
		{ "gso", NFQA_CFG_F_GSO }, { "uid-gid", NFQA_CFG_F_UID_GID },
		{ "secctx", NFQA_CFG_F_SECCTX },
	};
	uint32_t flags = 0;
	char *save = NULL, *word;
	size_t i;

	for (word = strtok_r(list, ",", &save); word; word = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(word, names[i].name))
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			line_usage_error("unknown flag \"%s\"", word);
		flags |= names[i].flag;
	}
	return flags;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	enum { QUEUE = 1, MODE, COPY_MODE, COPY_RANGE, MAX_LEN, FLAGS, RCVBUF, NO_ENOBUFS,
	       PLAN, HEX_MAX };
	static const struct option long_options[] = {
		{ "queue", required_argument, NULL, QUEUE },
		{ "mode", required_argument, NULL, MODE },
		{ "copy-mode", required_argument, NULL, COPY_MODE },
		{ "copy-range", required_argument, NULL, COPY_RANGE },
		{ "max-len", required_argument, NULL, MAX_LEN },
		{ "flags", required_argument, NULL, FLAGS },
		{ "rcvbuf", required_argument, NULL, RCVBUF },
		{ "no-enobufs", no_argument, NULL, NO_ENOBUFS },
		{ "plan", required_argument, NULL, PLAN },
		{ "payload-hex-max", required_argument, NULL, HEX_MAX },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		switch (c) {
		case QUEUE:
			o->queue = number(optarg, "--queue", 0xffffffffULL);
			o->have_queue = true;
			break;
		case MODE:
			if (strcmp(optarg, "run") && strcmp(optarg, "dispatch"))
				line_usage_error("--mode \"%s\": plain libnetfilter_queue's agent has run "
					    "and dispatch", optarg);
			break;
		case COPY_MODE:
			if (!strcmp(optarg, "none"))
				o->copy_mode = NFQNL_COPY_NONE;
			else if (!strcmp(optarg, "meta"))
				o->copy_mode = NFQNL_COPY_META;
			else if (!strcmp(optarg, "packet"))
				o->copy_mode = NFQNL_COPY_PACKET;
			else
				line_usage_error("--copy-mode \"%s\": use none, meta or packet", optarg);
			o->have_copy = true;
			break;
		case COPY_RANGE:
			o->copy_range = number(optarg, "--copy-range", 0xffff);
			o->have_range = true;
			break;
		case MAX_LEN:
			o->max_len = number(optarg, "--max-len", 0xffffffffULL);
			o->have_max_len = true;
			break;
		case FLAGS:
			o->flags |= parse_flags(optarg);
			break;
		case RCVBUF:
			o->rcvbuf = number(optarg, "--rcvbuf", 0x7fffffff);
			break;
		case NO_ENOBUFS:
			o->no_enobufs = true;
			break;
		case PLAN:
			o->plan = optarg;
			break;
		case HEX_MAX:
			o->hex_max = (size_t)number(optarg, "--payload-hex-max", 1 << 30);
			break;
		default:
			line_usage_error("option %s is not supported by plain libnetfilter_queue's agent",
				    argv[optind - 1]);
		}
	}
	if (optind < argc)
		line_usage_error("unexpected argument %s", argv[optind]);
	if (!o->have_queue)
		line_usage_error("--queue N is required%s", "");
}

/* Receive and handle until SIGTERM/SIGINT, or a receive error. Returns
 * 0 on a stop, else the errno. ENOBUFS is counted and survived. */
static int receive(struct nfq_handle *h, unsigned long long *enobufs)
{
	static char buf[65536 + 4096] __attribute__((aligned));
	int fd = nfq_fd(h);
	struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN }, { .fd = stop_pipe[0], .events = POLLIN } };

	for (;;) {
		ssize_t n;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (pfd[1].revents)
			return 0;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS) {
				(*enobufs)++;
				continue;
			}
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return errno;
		}
		nfq_handle_packet(h, buf, (int)n);
	}
}

int main(int argc, char **argv)
{
	struct options o = { .hex_max = 256 };
	struct agent a = { 0 };
	struct nfq_handle *h;
	struct sigaction sa = { .sa_handler = on_stop };
	unsigned long long enobufs = 0;
	char why[512];
	struct line l = { 0 };
	uint8_t mode;
	int err;

	parse_options(argc, argv, &o);
	if (o.plan && !plan_parse(&a.plan, o.plan, why, sizeof(why)))
		line_usage_error("%s", why);
	a.hex_max = o.hex_max;
	if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return EXIT_OPEN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	h = nfq_open();
	if (!h) {
		report_error("nfq_open", errno, NULL);
		return EXIT_OPEN;
	}
	/* Needed only by kernels before 3.8; harmless after. */
	(void)nfq_bind_pf(h, AF_INET);
	(void)nfq_bind_pf(h, AF_INET6);
	if (o.rcvbuf)
		nfnl_rcvbufsiz(nfq_nfnlh(h), (unsigned int)o.rcvbuf);
	if (o.no_enobufs) {
		int one = 1;

		if (setsockopt(nfq_fd(h), SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof(one)) < 0) {
			report_error("setsockopt", errno, "NETLINK_NO_ENOBUFS");
			return EXIT_OPEN;
		}
	}
	/* The queue number is a 16-bit argument of nfq_create_queue(): it is
	 * passed on as the protocol asks, and the cast is what the API does. */
	a.qh = nfq_create_queue(h, (uint16_t)o.queue, packet_handle, &a);
	if (!a.qh) {
		report_error("nfq_create_queue", errno, NULL);
		nfq_close(h);
		return EXIT_OPEN;
	}
	mode = o.have_copy ? (uint8_t)o.copy_mode : NFQNL_COPY_PACKET;
	if (o.have_range && !o.have_copy)
		mode = NFQNL_COPY_PACKET;
	if (nfq_set_mode(a.qh, mode, o.have_range ? (unsigned int)o.copy_range : 0xffff) < 0) {
		report_error("nfq_set_mode", errno, NULL);
		goto open_failed;
	}
	if (o.have_max_len && nfq_set_queue_maxlen(a.qh, (uint32_t)o.max_len) < 0) {
		report_error("nfq_set_queue_maxlen", errno, NULL);
		goto open_failed;
	}
	if (o.flags && nfq_set_queue_flags(a.qh, o.flags, o.flags) < 0) {
		report_error("nfq_set_queue_flags", errno, NULL);
		goto open_failed;
	}

	line_begin(&l, "ready");
	line_int(&l, "queue", (long long)(uint16_t)o.queue);
	line_str(&l, "library", "libnetfilter_queue");
	line_int(&l, "protocol", 2);
	line_raw(&l, "capabilities", CAPABILITIES);
	line_emit(&l);

	err = receive(h, &enobufs);
	if (err)
		report_error("recv", err, NULL);
	/* Unbinding the queue: the kernel drops what is still pending, as
	 * plain libnetfilter_queue has no default verdict to give. */
	nfq_destroy_queue(a.qh);
	nfq_close(h);
	line_begin(&l, "closed");
	line_str(&l, "result", "ok");
	line_int(&l, "enobufs", (long long)enobufs);
	line_emit(&l);
	free(l.buf);
	return err ? EXIT_RUNTIME : EXIT_CLEAN;

open_failed:
	nfq_destroy_queue(a.qh);
	nfq_close(h);
	return EXIT_OPEN;
}
