/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dump.c - `nfqueue dump`: bind a queue, print one line per packet,
 * optionally save the packets as a pcap file, and accept every packet.
 *
 * The tool is an observer: it never changes what the kernel does with a
 * packet beyond the delay of looking at it, so the verdict is always
 * accept, and packets still pending when it stops get the library's
 * default verdict, which is accept too. What the kernel itself drops (a
 * full queue, a full socket buffer) is reported while it happens, by
 * loss.c, and counted in the summary at exit.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <nfqueue.h>

#include "cli.h"
#include "loss.h"
#include "pcap.h"
#include "summary.h"

/* Positive callback results, so they cannot be mistaken for the
 * library's negative error codes when nfqueue_queue_run() returns them. */
#define DUMP_COUNT_REACHED 1
#define DUMP_FAILED 2

struct dump_options {
	uint32_t queue;
	uint32_t count;       /* 0: until stopped */
	const char *pcap;     /* NULL: no capture file */
	uint32_t copy_range;  /* 0: the library's default (whole packets) */
	uint32_t max_len;     /* 0: the library's default queue length */
	uint32_t rcvbuf;      /* 0: the library sizes the receive buffer */
	uint32_t flags;       /* nfqueue_flag */
	const char *netns;    /* NULL: the caller's namespace */
};

struct dump_state {
	FILE *out;                /* where the per-packet lines go */
	struct pcap_writer *pcap;
	uint32_t limit;
	uint64_t packets;
	uint64_t bytes;
	int quiet_stop;           /* the reader of `out` went away (EPIPE) */
};

/*
 * The queue the signal handler stops. A signal can arrive before the
 * queue exists; then `stop_requested` carries it over until it does.
 */
static nfqueue_queue *volatile signal_queue;
static volatile sig_atomic_t stop_requested;

static void on_signal(int signo)
{
	int saved_errno = errno; /* the interrupted code may be about to read it */

	(void)signo;
	stop_requested = 1;
	nfqueue_queue *q = signal_queue;
	if (q)
		nfqueue_queue_stop(q); /* async-signal-safe: it writes to a pipe */
	errno = saved_errno;
}

static void install_signal_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* One-shot: a second Ctrl+C gets the default action and kills the
	 * tool even if a clean stop were ever to hang. */
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A closed pipe (nfqueue dump 0 | head) must end the loop through a
	 * write error, so the queue is closed cleanly and its pending packets
	 * are accepted, instead of the kernel dropping them with the socket. */
	signal(SIGPIPE, SIG_IGN);
}

/* Keep the handler away from a queue that is being closed and freed. */
static void block_stop_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal_queue = NULL;
}

static const char *hook_name(int hook)
{
	switch (hook) {
	case NFQUEUE_HOOK_PREROUTING: return "prerouting";
	case NFQUEUE_HOOK_INPUT: return "input";
	case NFQUEUE_HOOK_FORWARD: return "forward";
	case NFQUEUE_HOOK_OUTPUT: return "output";
	case NFQUEUE_HOOK_POSTROUTING: return "postrouting";
	default: return "?";
	}
}

static void put_hw_protocol(FILE *out, uint16_t proto)
{
	switch (proto) {
	case 0x0800: fputs(" hw=ip", out); break;
	case 0x86dd: fputs(" hw=ip6", out); break;
	case 0x0806: fputs(" hw=arp", out); break;
	default: fprintf(out, " hw=0x%04x", proto); break;
	}
}

/* " in=eth0"; "-" when the packet has no such device, "#7" when the
 * interface is gone by the time we look its name up. */
static void put_iface(FILE *out, const char *label, const nfqueue_packet *p, int which,
		      int always)
{
	char name[NFQUEUE_IFNAMSIZ];
	int rc = nfqueue_packet_ifname(name, sizeof(name), p, which);
	uint32_t index;

	if (rc == 0)
		fprintf(out, " %s=%s", label, name);
	else if (rc == NFQUEUE_E_NOATTR) {
		if (always)
			fprintf(out, " %s=-", label);
	} else if (nfqueue_packet_ifindex(&index, p, which) == 0)
		fprintf(out, " %s=#%u", label, index);
	else
		fprintf(out, " %s=?", label);
}

static void put_time(FILE *out, int64_t sec, int64_t usec)
{
	time_t t = (time_t)sec;
	struct tm tm;
	char buf[16] = "??:??:??";

	if (localtime_r(&t, &tm))
		strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
	fprintf(out, "%s.%06lld", buf, (long long)usec);
}

/* When the packet arrived: the kernel's timestamp if it sent one (only
 * received packets have one), else now. */
static void packet_time(const nfqueue_packet *p, int64_t *sec, int64_t *usec)
{
	if (nfqueue_packet_timestamp(sec, usec, p) == 0)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	*sec = ts.tv_sec;
	*usec = ts.tv_nsec / 1000;
}

/* The packet's length in the kernel; where the kernel does not tell (copy
 * mode meta), what we captured is all we know. */
static uint32_t orig_length(const nfqueue_packet *p, size_t caplen)
{
	uint32_t len;

	return nfqueue_packet_orig_len(&len, p) == 0 ? len : (uint32_t)caplen;
}

static void print_packet(FILE *out, const nfqueue_packet *p, const uint8_t *payload,
			 size_t caplen, int64_t sec, int64_t usec)
{
	uint32_t v, uid, gid;
	uint32_t origlen = orig_length(p, caplen);
	uint16_t hw = nfqueue_packet_hw_protocol(p);

	put_time(out, sec, usec);
	fprintf(out, " id=%u hook=%s", nfqueue_packet_id(p), hook_name(nfqueue_packet_hook(p)));
	put_hw_protocol(out, hw);
	/* The kernel omits the mark when it is 0, so absent reads as 0 here. */
	fprintf(out, " mark=0x%x", nfqueue_packet_mark(&v, p) == 0 ? v : 0);
	put_iface(out, "in", p, NFQUEUE_IFACE_IN, 1);
	put_iface(out, "out", p, NFQUEUE_IFACE_OUT, 1);
	put_iface(out, "physin", p, NFQUEUE_IFACE_PHYSIN, 0);
	put_iface(out, "physout", p, NFQUEUE_IFACE_PHYSOUT, 0);
	if (nfqueue_packet_uid(&uid, p) == 0)
		fprintf(out, " uid=%u", uid);
	if (nfqueue_packet_gid(&gid, p) == 0)
		fprintf(out, " gid=%u", gid);
	if (nfqueue_packet_skbinfo(&v, p) == 0 && v != 0) {
		static const struct { uint32_t bit; const char *name; } bits[] = {
			{NFQUEUE_SKB_GSO, "gso"},
			{NFQUEUE_SKB_CSUM_NOT_READY, "csum-not-ready"},
			{NFQUEUE_SKB_CSUM_NOT_VERIFIED, "csum-not-verified"},
		};
		const char *sep = " skb=";
		for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
			if (v & bits[i].bit) {
				fprintf(out, "%s%s", sep, bits[i].name);
				sep = ",";
			}
		}
	}
	fprintf(out, " len=%u", origlen);
	if (caplen < origlen)
		fprintf(out, " cap=%zu", caplen);

	char summary[256];
	summarize_packet(summary, sizeof(summary), payload, caplen, hw);
	fprintf(out, " %s\n", summary);
}

static int on_packet(nfqueue_packet *p, void *userdata)
{
	struct dump_state *st = userdata;
	const uint8_t *payload = NULL;
	size_t caplen = 0;
	int64_t sec, usec;
	int result = 0;

	/* No payload is normal for a zero-length copy; anything else is not. */
	int rc = nfqueue_packet_payload(&payload, &caplen, p);
	if (rc != 0 && rc != NFQUEUE_E_NOATTR) {
		nfq_report("reading a packet's payload", rc);
		result = DUMP_FAILED;
	}
	packet_time(p, &sec, &usec);
	/* A line-buffered stream writes at the newline, so a failed write
	 * (EPIPE once `| head` exits) leaves fflush nothing to report: the
	 * stream's error flag and the errno of that write are what tell. */
	errno = 0;
	print_packet(st->out, p, payload, caplen, sec, usec);
	if (fflush(st->out) != 0 || ferror(st->out)) {
		if (errno == EPIPE)
			st->quiet_stop = 1;
		else
			warnx_("writing packet lines: %s", strerror(errno));
		result = DUMP_FAILED;
	}
	if (st->pcap && result == 0 &&
	    pcap_writer_write(st->pcap, payload, (uint32_t)caplen, orig_length(p, caplen), sec,
			      usec) != 0) {
		if (errno == EPIPE)
			st->quiet_stop = 1;
		else
			warnx_("writing the pcap file: %s", strerror(errno));
		result = DUMP_FAILED;
	}

	/* Accept even when output failed: the tool must never cost a packet. */
	rc = nfqueue_packet_verdict(p, NFQUEUE_ACCEPT);
	if (rc != 0) {
		nfq_report("accepting a packet", rc);
		return DUMP_FAILED;
	}
	st->packets++;
	st->bytes += orig_length(p, caplen);
	if (result == 0 && st->limit != 0 && st->packets >= st->limit)
		result = DUMP_COUNT_REACHED;
	return result;
}

static void dump_usage(FILE *f)
{
	fprintf(f,
		"Usage: nfqueue dump QUEUE [OPTIONS]\n"
		"\n"
		"Bind queue QUEUE (0-%u), print one line per packet and accept it.\n"
		"Packets reach the queue through a rule such as\n"
		"  iptables -A OUTPUT -p udp --dport 9 -j NFQUEUE --queue-num QUEUE\n"
		"Stop with Ctrl+C (or SIGTERM); pending packets are accepted.\n"
		"\n"
		"Options:\n"
		"  -c, --count N       stop after N packets\n"
		"  -w, --pcap FILE     also write the packets to FILE in pcap format\n"
		"                      (LINKTYPE_RAW); '-' writes it to standard output and\n"
		"                      moves the packet lines to standard error\n"
		"  -s, --copy-range N  copy at most N bytes of each packet (default: all;\n"
		"                      0 also means all); len= stays the real length\n"
		"      --uid-gid       report uid/gid of the local socket owning the packet\n"
		"      --gso           receive GSO packets unsegmented (larger than the MTU)\n"
		"      --max-len N     let the kernel hold up to N packets waiting for this\n"
		"                      tool (default 4096); beyond, it drops new ones\n"
		"      --rcvbuf BYTES  socket receive buffer, e.g. 8M (suffixes K, M, G); by\n"
		"                      default (or 0) the library sizes it to hold a full\n"
		"                      queue of --max-len packets of --copy-range bytes\n"
		"      --fail-open     let the kernel accept packets while the queue is full\n"
		"      --netns PATH    bind the queue in the network namespace at PATH\n"
		"                      (e.g. /run/netns/NAME)\n"
		"  -h, --help          show this help\n"
		"\n"
		"Packets the kernel drops because the queue or the socket buffer is full\n"
		"are reported on standard error once a second while they happen, from the\n"
		"kernel's counters (queue_dropped, user_dropped), and totalled at exit.\n"
		"\n"
		"Line format:\n"
		"  TIME id=ID hook=HOOK hw=PROTO mark=MARK in=DEV out=DEV [uid= gid=] [skb=FLAGS]\n"
		"  len=LEN [cap=CAPTURED] SUMMARY   e.g. 'udp 10.0.0.1:1234 -> 10.0.0.2:9 len=5'\n",
		NFQUEUE_QUEUE_NUM_MAX);
}

static int parse_options(struct dump_options *o, int argc, char **argv)
{
	enum { OPT_UID_GID = 256, OPT_GSO, OPT_FAIL_OPEN, OPT_NETNS, OPT_MAX_LEN, OPT_RCVBUF };
	static const struct option longopts[] = {
		{"count", required_argument, NULL, 'c'},
		{"pcap", required_argument, NULL, 'w'},
		{"copy-range", required_argument, NULL, 's'},
		{"uid-gid", no_argument, NULL, OPT_UID_GID},
		{"gso", no_argument, NULL, OPT_GSO},
		{"fail-open", no_argument, NULL, OPT_FAIL_OPEN},
		{"max-len", required_argument, NULL, OPT_MAX_LEN},
		{"rcvbuf", required_argument, NULL, OPT_RCVBUF},
		{"netns", required_argument, NULL, OPT_NETNS},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	opterr = 0; /* our own messages, which name the subcommand */
	while ((c = getopt_long(argc, argv, ":c:w:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (parse_u32(optarg, 1, UINT32_MAX, &o->count) != 0)
				return usage_error("dump ", "--count wants a positive number, not '%s'",
						   optarg);
			break;
		case 'w':
			o->pcap = optarg;
			break;
		case 's':
			if (parse_u32(optarg, 0, NFQUEUE_PAYLOAD_MAX, &o->copy_range) != 0)
				return usage_error("dump ", "--copy-range wants a number of bytes "
						   "from 0 to %u, not '%s'", NFQUEUE_PAYLOAD_MAX, optarg);
			break;
		case OPT_UID_GID: o->flags |= NFQUEUE_FLAG_UID_GID; break;
		case OPT_GSO: o->flags |= NFQUEUE_FLAG_GSO; break;
		case OPT_FAIL_OPEN: o->flags |= NFQUEUE_FLAG_FAIL_OPEN; break;
		case OPT_NETNS: o->netns = optarg; break;
		case OPT_MAX_LEN:
			if (parse_u32(optarg, 1, UINT32_MAX, &o->max_len) != 0)
				return usage_error("dump ", "--max-len wants a positive number of "
						   "packets, not '%s'", optarg);
			break;
		case OPT_RCVBUF:
			if (parse_bytes(optarg, NFQUEUE_RCVBUF_MAX, &o->rcvbuf) != 0)
				return usage_error("dump ", "--rcvbuf wants a number of bytes from 0 to "
						   "%u (suffixes K, M, G allowed), not '%s'",
						   NFQUEUE_RCVBUF_MAX, optarg);
			break;
		case 'h':
			dump_usage(stdout);
			return -1;
		case ':':
			return usage_error("dump ", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("dump ", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("dump ", "missing QUEUE number");
	if (parse_u32(argv[optind], 0, NFQUEUE_QUEUE_NUM_MAX, &o->queue) != 0)
		return usage_error("dump ", "QUEUE must be a number from 0 to %u, not '%s'",
				   NFQUEUE_QUEUE_NUM_MAX, argv[optind]);
	if (optind + 1 < argc)
		return usage_error("dump ", "unexpected argument '%s'", argv[optind + 1]);
	return 0;
}

/* Open the queue as the options ask; 0 or a libnfqueue error, reported. */
static int open_queue(nfqueue_queue **out, const struct dump_options *o)
{
	nfqueue_config *cfg = NULL;
	int rc = nfqueue_config_new(&cfg);

	if (rc != 0) {
		nfq_report("creating the queue configuration", rc);
		return rc;
	}
	if (o->copy_range != 0)
		rc = nfqueue_config_set_copy_mode(cfg, NFQUEUE_COPY_PACKET, o->copy_range);
	if (rc == 0 && o->flags != 0)
		rc = nfqueue_config_set_flags(cfg, o->flags);
	if (rc == 0 && o->max_len != 0)
		rc = nfqueue_config_set_max_len(cfg, o->max_len);
	if (rc == 0 && o->rcvbuf != 0)
		rc = nfqueue_config_set_rcvbuf(cfg, o->rcvbuf);
	if (rc == 0 && o->netns)
		rc = nfqueue_config_set_netns(cfg, o->netns);
	if (rc != 0) {
		nfq_report("configuring the queue", rc);
		nfqueue_config_free(cfg);
		return rc;
	}

	rc = nfqueue_queue_open(out, o->queue, cfg);
	if (rc != 0) {
		char what[64];
		snprintf(what, sizeof(what), "cannot bind queue %u", o->queue);
		nfq_report(what, rc);
	}
	nfqueue_config_free(cfg); /* the queue copied what it needs */
	return rc;
}

int cmd_dump(int argc, char **argv)
{
	struct dump_options o;
	int rc = parse_options(&o, argc, argv);
	if (rc != 0)
		return rc < 0 ? EXIT_OK : rc; /* -1: --help was shown */

	/* With the capture on stdout, the lines must go elsewhere. */
	struct dump_state st = {
		.out = o.pcap && strcmp(o.pcap, "-") == 0 ? stderr : stdout,
		.limit = o.count,
	};
	/* Line-buffered, so `nfqueue dump 0 | grep udp` shows packets live. */
	if (st.out == stdout)
		setvbuf(stdout, NULL, _IOLBF, 0);

	install_signal_handlers();

	if (o.pcap) {
		uint32_t snaplen = o.copy_range ? o.copy_range : NFQUEUE_PAYLOAD_MAX;
		st.pcap = pcap_writer_open(o.pcap, snaplen);
		if (!st.pcap) {
			warnx_("cannot write %s: %s", o.pcap, strerror(errno));
			return EXIT_FAIL;
		}
	}

	nfqueue_queue *q = NULL;
	if (open_queue(&q, &o) != 0) {
		pcap_writer_close(st.pcap);
		return EXIT_FAIL;
	}
	signal_queue = q;
	if (stop_requested) /* a signal came during open; the run ends at once */
		nfqueue_queue_stop(q);

	fprintf(stderr, "nfqueue: dumping queue %u%s; Ctrl+C to stop\n", o.queue,
		o.pcap ? (strcmp(o.pcap, "-") == 0 ? ", pcap to stdout" : ", writing pcap") : "");
	struct loss_watch *watch = loss_watch_start(q, o.queue);

	int status = EXIT_OK;
	for (;;) {
		rc = nfqueue_queue_run(q, on_packet, &st);
		/* The kernel dropped messages because we were slow: say so and go
		 * on, a dump that stops on the first burst helps nobody. */
		if (rc == NFQUEUE_E_NOBUFS) {
			warnx_("the kernel dropped packet messages (socket receive buffer full); "
			       "continuing");
			continue;
		}
		break;
	}
	if (rc == DUMP_FAILED) {
		if (!st.quiet_stop)
			status = EXIT_FAIL;
	} else if (rc < 0) {
		char what[64];
		snprintf(what, sizeof(what), "receiving from queue %u", o.queue);
		nfq_report(what, rc);
		status = EXIT_FAIL;
	}

	block_stop_signals();
	struct loss_totals kernel_lost;
	loss_watch_stop(watch, &kernel_lost); /* before close: it reads the open queue */
	uint64_t lost = nfqueue_queue_enobufs_count(q);
	rc = nfqueue_queue_close(q);
	if (rc != 0) {
		nfq_report("closing the queue", rc);
		status = EXIT_FAIL;
	}
	nfqueue_queue_free(q);
	if (pcap_writer_close(st.pcap) != 0 && errno != EPIPE) {
		warnx_("writing %s: %s", o.pcap, strerror(errno));
		status = EXIT_FAIL;
	}

	fprintf(stderr, "nfqueue: %llu packet%s (%llu bytes) from queue %u\n",
		(unsigned long long)st.packets, st.packets == 1 ? "" : "s",
		(unsigned long long)st.bytes, o.queue);
	if (kernel_lost.available)
		warnx_("the kernel lost %llu packet%s of queue %u: %llu for a full socket buffer "
		       "(user_dropped), %llu for a full queue (queue_dropped)",
		       (unsigned long long)(kernel_lost.user_dropped + kernel_lost.queue_dropped),
		       kernel_lost.user_dropped + kernel_lost.queue_dropped == 1 ? "" : "s", o.queue,
		       (unsigned long long)kernel_lost.user_dropped,
		       (unsigned long long)kernel_lost.queue_dropped);
	if (lost != 0)
		warnx_("the kernel reported lost messages %llu time%s (ENOBUFS)",
		       (unsigned long long)lost, lost == 1 ? "" : "s");
	return status;
}
