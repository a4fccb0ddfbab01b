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
#include <string.h>

#include "cli.h"
#include "owner.h"

#define DEFAULT_TABLE "/proc/net/netfilter/nfnetlink_queue"

struct queue_row {
	unsigned queue, portid, waiting, copy_mode, copy_range, dropped, user_dropped,
		last_id, use;
};

static void stats_usage(FILE *f)
{
	fprintf(f,
		"Usage: nfqueue stats [--file PATH] [--no-process]\n"
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
		"\n"
		"Options:\n"
		"  --file PATH   read PATH instead, e.g. /proc/PID/net/netfilter/nfnetlink_queue\n"
		"                for the namespace of process PID\n"
		"  --no-process  do not look up the process holding each queue\n"
		"  -h, --help    show this help\n");
}

static const char *copy_mode_name(unsigned mode)
{
	switch (mode) {
	case 0: return "none";
	case 1: return "meta";
	case 2: return "packet";
	default: return "?";
	}
}

/*
 * The netlink socket table of the same namespace as `table`: the queue
 * file lives in <net>/netfilter/, the netlink table in <net>/. NULL if
 * `table` does not look like that.
 */
static int netlink_table_for(char *out, size_t size, const char *table)
{
	static const char suffix[] = "netfilter/nfnetlink_queue";
	size_t n = strlen(table), s = strlen(suffix);

	if (n < s || strcmp(table + n - s, suffix) != 0 || n - s + sizeof("netlink") > size)
		return -1;
	memcpy(out, table, n - s);
	strcpy(out + n - s, "netlink");
	return 0;
}

int cmd_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"file", required_argument, NULL, 'f'},
		{"no-process", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *table = DEFAULT_TABLE;
	int table_given = 0;
	int want_process = 1;
	int c;

	opterr = 0; /* our own messages, which name the subcommand */
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': table = optarg; table_given = 1; break;
		case 'n': want_process = 0; break;
		case 'h': stats_usage(stdout); return EXIT_OK;
		case ':':
			return usage_error("stats ", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("stats ", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("stats ", "unexpected argument '%s'", argv[optind]);

	FILE *f = fopen(table, "r");
	if (!f) {
		if (errno == ENOENT && !table_given) {
			/* The file appears when nfnetlink_queue is loaded, which
			 * the first queue use does: no file, no queues. */
			printf("no queues: the nfnetlink_queue module is not loaded (%s does not exist)\n",
			       table);
			return EXIT_OK;
		}
		warnx_("cannot read %s: %s", table, strerror(errno));
		return EXIT_FAIL;
	}

	char netlink_table[4096];
	if (!want_process || netlink_table_for(netlink_table, sizeof(netlink_table), table) != 0)
		want_process = 0;

	char line[256];
	int rows = 0, bad = 0, lineno = 0;
	while (fgets(line, sizeof(line), f)) {
		struct queue_row r;
		char extra;
		lineno++;
		/* Exactly nine numbers: a tenth field would mean a format we do
		 * not know, better reported than shown under the wrong names. */
		int n = sscanf(line, "%u %u %u %u %u %u %u %u %u %c", &r.queue, &r.portid,
			       &r.waiting, &r.copy_mode, &r.copy_range, &r.dropped,
			       &r.user_dropped, &r.last_id, &r.use, &extra);
		if (n != 9) {
			line[strcspn(line, "\n")] = '\0';
			warnx_("%s:%d: unexpected line '%s'", table, lineno, line);
			bad = 1;
			continue;
		}
		if (rows++ == 0)
			printf("%5s %10s %7s %-9s %10s %10s %12s %10s %3s  %s\n", "queue", "portid",
			       "waiting", "copy_mode", "copy_range", "dropped", "user_dropped",
			       "last_id", "use", "process");

		char owner[96] = "-";
		if (want_process)
			find_socket_owner(owner, sizeof(owner), netlink_table, r.portid);
		printf("%5u %10u %7u %-9s %10u %10u %12u %10u %3u  %s\n", r.queue, r.portid,
		       r.waiting, copy_mode_name(r.copy_mode), r.copy_range, r.dropped,
		       r.user_dropped, r.last_id, r.use, owner);
	}
	int read_error = ferror(f);
	fclose(f);
	if (read_error) {
		warnx_("error reading %s", table);
		return EXIT_FAIL;
	}
	if (rows == 0 && !bad)
		printf("no queues are bound in this network namespace (%s is empty)\n", table);
	return bad ? EXIT_FAIL : EXIT_OK;
}
