/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * watch.h - `nfqueue stats --watch`: the kernel's queue counters as rates
 * and per-interval counts, until Ctrl+C.
 */
#ifndef NFQUEUE_TOOLS_WATCH_H
#define NFQUEUE_TOOLS_WATCH_H

/*
 * Read `table` every `interval` seconds and print, per bound queue, what
 * changed since the last read; stop after `count` intervals (0: until
 * SIGINT or SIGTERM). Returns an exit status.
 */
int stats_watch(const char *table, double interval, unsigned count, int want_process);

#endif
