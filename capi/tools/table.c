/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * table.c - parse /proc/net/netfilter/nfnetlink_queue (see table.h).
 */
#include "table.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int queue_table_read(struct queue_table *t, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];
	int lineno = 0;

	t->count = 0;
	t->truncated = 0;
	t->bad = 0;
	if (!f)
		return -1;
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
			warnx_("%s:%d: unexpected line '%s'", path, lineno, line);
			t->bad = 1;
			continue;
		}
		if (t->count < TABLE_ROWS_MAX)
			t->rows[t->count++] = r;
		else
			t->truncated++;
	}
	int read_error = ferror(f);
	fclose(f);
	if (read_error) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int netlink_table_for(char *out, size_t size, const char *table)
{
	static const char suffix[] = "netfilter/nfnetlink_queue";
	size_t n = strlen(table), s = strlen(suffix);

	if (n < s || strcmp(table + n - s, suffix) != 0 || n - s + sizeof("netlink") > size)
		return -1;
	memcpy(out, table, n - s);
	strcpy(out + n - s, "netlink");
	return 0;
}

const char *copy_mode_name(unsigned mode)
{
	switch (mode) {
	case 0: return "none";
	case 1: return "meta";
	case 2: return "packet";
	default: return "?";
	}
}
