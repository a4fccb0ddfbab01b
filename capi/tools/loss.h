/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loss.h - watch a queue's loss counters while `nfqueue dump` runs.
 *
 * The kernel drops a packet when the queue is full (queue_dropped) or when
 * the socket's receive buffer is (user_dropped); ENOBUFS tells the program
 * only that an overflow happened, not how many packets it cost. The
 * watcher reads nfqueue_queue_stats() once a second on a thread of its own
 * and prints one line to stderr whenever a counter grew, so a slow
 * consumer sees its losses while they happen, even when no packet arrives.
 */
#ifndef NFQUEUE_TOOLS_LOSS_H
#define NFQUEUE_TOOLS_LOSS_H

#include <stdint.h>

#include <nfqueue.h>

struct loss_watch;

/* Losses counted since the watch started. */
struct loss_totals {
	int available;         /* 0: the kernel's counters could not be read */
	uint64_t user_dropped; /* socket receive buffer full */
	uint64_t queue_dropped; /* kernel queue full */
};

/*
 * Take the counters' starting values and start the reporting thread.
 * `queue` must stay open until loss_watch_stop(). Never fails the dump: a
 * kernel without counters gets one note on stderr and a watch that reports
 * nothing. NULL only if out of memory.
 */
struct loss_watch *loss_watch_start(nfqueue_queue *queue, uint32_t queue_num);

/* Stop and join the thread, read the counters one last time (the queue
 * must still be open) into *out, and free the watch. NULL is allowed. */
void loss_watch_stop(struct loss_watch *watch, struct loss_totals *out);

#endif
