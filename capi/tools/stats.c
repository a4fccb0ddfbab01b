/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stats.c - `nfqueue stats`: the kernel's table of bound queues.
 *
 * /proc/net/netfilter/nfnetlink_queue has one line per bound queue of the
 * reader's network namespace and no header. Since Linux 3.x each line has
 * nine numbers (net/netfilter/nfnetlink_queue.c, seq_show()):
 *
 *   1 queue_num          the queue number
 *   2 peer_portid        netlink port id of the socket bound to it
 *   3 queue_total        packets waiting for a verdict right now
 *   4 copy_mode          0 none, 1 meta, 2 packet
 *   5 copy_range         bytes of payload copied per packet
 *   6 queue_dropped      packets dropped because the queue was full
 *   7 queue_user_dropped packets dropped because sending them to the
 *                        socket failed (its receive buffer was full)
 *   8 id_sequence        the id given to the last packet queued
 *   9 always 1           was the instance's reference count; kept so
 *                        parsers of the old format keep working
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "owner.h"
#include "table.h"
#include "watch.h"

static void stats_usage(FILE *f)
{
	fprintf(f,
		"Usage: nfqueue stats [--file PATH] [--no-process]\n"
		"       nfqueue stats --watch [SECONDS] [--count N] [--file PATH] [--no-process]\n"
		"\n"
		"Show the queues bound in this network namespace, from\n"
		DEFAULT_TABLE ".\n"
		"\n"
		"Columns:\n"
		"  queue         queue number\n"
		"  portid        netlink port id of the socket bound to the queue\n"
		"  waiting       packets waiting for a verdict now\n"
		"  copy_mode     none, meta or packet: how much of each packet is copied\n"
		"  copy_range    bytes of each packet copied to the program\n"
		"  dropped       packets dropped because the queue was full\n"
		"  user_dropped  packets dropped because sending them to the program failed\n"
		"                (its socket receive buffer was full)\n"
		"  last_id       id of the last packet queued (a running count)\n"
		"  use           always 1 (once a reference count; kept by the kernel for\n"
		"                compatibility)\n"
		"  process       PID/command holding the socket, '-' if not visible\n"
		"                (other users' processes need root to be seen)\n"
		"\n"
		"With --watch, every SECONDS (default 1, fractions allowed) one line per queue:\n"
		"  in/s          packets the kernel sent to the queue's socket per second\n"
		"                (the growth of last_id; includes those lost as user_dropped)\n"
		"  verdicts/s    packets that got their verdict per second: in, minus\n"
		"                user_dropped, minus the growth of waiting\n"
		"  waiting       packets waiting for a verdict now\n"
		"  dropped       packets dropped for a full queue in this interval\n"
		"  user_dropped  packets lost to a full socket buffer in this interval\n"
		"  process       PID/command holding the socket\n"
		"until Ctrl+C.\n"
		"\n"
		"Options:\n"
		"  --file PATH      read PATH instead, e.g. /proc/PID/net/netfilter/nfnetlink_queue\n"
		"                   for the namespace of process PID\n"
		"  --no-process     do not look up the process holding each queue\n"
		"  -w, --watch [SECONDS]  print rates every SECONDS (0.1 to 3600) until Ctrl+C\n"
		"  --count N        with --watch: stop after N intervals\n"
		"  -h, --help       show this help\n");
}

/* SECONDS of --watch: a decimal from 0.1 to 3600. */
static int parse_interval(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !(v >= 0.1 && v <= 3600))
		return -1;
	*out = v;
	return 0;
}

static int print_table(const char *table, int table_given, int want_process)
{
	static struct queue_table t;

	if (queue_table_read(&t, table) != 0) {
		if (errno == ENOENT && !table_given) {
			/* The file appears when nfnetlink_queue is loaded, which
			 * the first queue use does: no file, no queues. */
			printf("no queues: the nfnetlink_queue module is not loaded (%s does not exist)\n",
			       table);
			return EXIT_OK;
		}
		if (errno == EACCES)
			/* The kernel makes the table readable by root only (0440). */
			warnx_("cannot read %s: %s: the kernel lets only root read it; "
			       "run 'sudo nfqueue stats'", table, strerror(errno));
		else
			warnx_("cannot read %s: %s", table, strerror(errno));
		return EXIT_FAIL;
	}

	char netlink_table[4096];
	if (!want_process || netlink_table_for(netlink_table, sizeof(netlink_table), table) != 0)
		want_process = 0;

	int owner_missing = 0;
	for (size_t i = 0; i < t.count; i++) {
		const struct queue_row *r = &t.rows[i];
		if (i == 0)
			printf("%5s %10s %7s %-9s %10s %10s %12s %10s %3s  %s\n", "queue", "portid",
			       "waiting", "copy_mode", "copy_range", "dropped", "user_dropped",
			       "last_id", "use", "process");

		char owner[96] = "-";
		if (want_process && find_socket_owner(owner, sizeof(owner), netlink_table, r->portid))
			owner_missing = 1;
		printf("%5u %10u %7u %-9s %10u %10u %12u %10u %3u  %s\n", r->queue, r->portid,
		       r->waiting, copy_mode_name(r->copy_mode), r->copy_range, r->dropped,
		       r->user_dropped, r->last_id, r->use, owner);
	}
	if (t.truncated)
		warnx_("%zu more queues not shown", t.truncated);
	if (owner_missing)
		owner_hint();
	if (t.count == 0 && !t.bad)
		printf("no queues are bound in this network namespace (%s is empty)\n", table);
	return t.bad ? EXIT_FAIL : EXIT_OK;
}

int cmd_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"file", required_argument, NULL, 'f'},
		{"no-process", no_argument, NULL, 'n'},
		{"watch", optional_argument, NULL, 'w'},
		{"count", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *table = DEFAULT_TABLE;
	int table_given = 0;
	int want_process = 1;
	int watch = 0;
	double interval = 1.0;
	uint32_t count = 0;
	int c;

	opterr = 0; /* our own messages, which name the subcommand */
	while ((c = getopt_long(argc, argv, ":hw", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': table = optarg; table_given = 1; break;
		case 'n': want_process = 0; break;
		case 'w':
			watch = 1;
			/* "--watch 2" as well as "--watch=2": take a following
			 * number as the interval. */
			if (!optarg && optind < argc && argv[optind][0] != '-')
				optarg = argv[optind++];
			if (optarg && parse_interval(optarg, &interval) != 0)
				return usage_error("stats ", "--watch wants a number of seconds from "
					"0.1 to 3600, not '%s'", optarg);
			break;
		case 'c':
			if (parse_u32(optarg, 1, UINT32_MAX, &count) != 0)
				return usage_error("stats ", "--count wants a positive number, not '%s'",
						   optarg);
			break;
		case 'h': stats_usage(stdout); return EXIT_OK;
		case ':':
			return usage_error("stats ", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("stats ", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("stats ", "unexpected argument '%s'", argv[optind]);
	if (count && !watch)
		return usage_error("stats ", "--count goes with --watch");

	if (watch)
		return stats_watch(table, interval, count, want_process);
	return print_table(table, table_given, want_process);
}
