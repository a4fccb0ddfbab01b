/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * table.h - reading the kernel's table of bound queues,
 * /proc/net/netfilter/nfnetlink_queue, for `nfqueue stats` and its
 * --watch mode (the columns are described in stats.c).
 */
#ifndef NFQUEUE_TOOLS_TABLE_H
#define NFQUEUE_TOOLS_TABLE_H

#include <stddef.h>

#define DEFAULT_TABLE "/proc/net/netfilter/nfnetlink_queue"

/* The most queues one read keeps: the kernel allows 65536, a real machine
 * binds a handful; rows past this are counted in `truncated`. */
#define TABLE_ROWS_MAX 1024

struct queue_row {
	unsigned queue, portid, waiting, copy_mode, copy_range, dropped, user_dropped,
		last_id, use;
};

struct queue_table {
	struct queue_row rows[TABLE_ROWS_MAX];
	size_t count;
	size_t truncated; /* rows beyond TABLE_ROWS_MAX, not kept */
	int bad;          /* some line was not in the known format (reported) */
};

/*
 * Read `path` into `t`. Returns 0, or -1 with errno set when the file
 * cannot be opened or read. Lines in an unknown format are reported on
 * stderr (naming the file and line) and set t->bad.
 */
int queue_table_read(struct queue_table *t, const char *path);

/* The netlink socket table (<net>/netlink) of the same namespace as the
 * queue table `table` (<net>/netfilter/nfnetlink_queue); -1 if `table`
 * does not look like that. */
int netlink_table_for(char *out, size_t size, const char *table);

const char *copy_mode_name(unsigned mode);

#endif
