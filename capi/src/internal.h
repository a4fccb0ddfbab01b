/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * internal.h - what the files of libnfqueue share and nobody else sees.
 * Nothing here is exported (the build uses -fvisibility=hidden and the
 * version script); unit tests link the internal static library to reach it.
 */
#ifndef NFQUEUE_INTERNAL_H
#define NFQUEUE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfqueue.h"

struct nlmsghdr;

/* ---- errors.c ---- */

/* Record a detail message for nfqueue_last_error() and return `code`. */
int nfqueue__fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Forget the detail message of an earlier failure. */
void nfqueue__clear_error(void);
/* Like nfqueue__fail() with a fixed message: no formatting, for hot paths
 * (an absent attribute). `msg` must be a string literal. */
int nfqueue__fail_static(int code, const char *msg);

/* ---- config.c ---- */

struct nfqueue_config {
	int copy_mode;
	uint32_t copy_range;
	uint32_t max_len;
	uint32_t flags;
	uint32_t rcvbuf;
	bool no_enobufs;
	int default_verdict;
	int fd;
	char *netns;
	uint32_t batch_size;
	bool coalesce;       /* 1.1: collect verdicts on borrowed packets, send together */
	bool interruptible;  /* 1.1: a signal ends a wait with NFQUEUE_E_INTR */
	bool nobufs_errors;  /* 1.1: pull and dispatch return NFQUEUE_E_NOBUFS */
};

/* Set `config` to the documented defaults. */
void nfqueue__config_defaults(struct nfqueue_config *config);

/* ---- stats.c: the kernel's per-queue counters ---- */

/* Open /proc/net/netfilter/nfnetlink_queue as the calling thread's network
 * namespace shows it (call it where the queue's socket is made). A
 * negative errno when it cannot: -ENOENT where the kernel does not publish
 * it, -EACCES for a process that is not root. */
int nfqueue__open_proc_stats(void);

/* Find queue `queue_num` in the text of that file and fill the kernel's
 * fields of `out` (portid, waiting, queue_dropped, user_dropped,
 * id_sequence). 0, NFQUEUE_E_NOENT if the queue is not listed, or
 * NFQUEUE_E_IO for text that does not parse. Pure: unit-tested. */
int nfqueue__parse_proc_stats(nfqueue_stats *out, const char *text, size_t len,
			      uint32_t queue_num);

/* ---- parse.c: one NFQNL_MSG_PACKET message into a packet's fields ---- */

/* Absent attributes have their bit clear in `present`; the bits are the
 * public nfqueue_attr values, so nfqueue_packet_attrs() copies them as they are. */
enum nfqueue__attr_bit {
	NFQUEUE__HAS_MARK = NFQUEUE_ATTR_MARK,
	NFQUEUE__HAS_TIMESTAMP = NFQUEUE_ATTR_TIMESTAMP,
	NFQUEUE__HAS_INDEV = NFQUEUE_ATTR_INDEV,
	NFQUEUE__HAS_OUTDEV = NFQUEUE_ATTR_OUTDEV,
	NFQUEUE__HAS_PHYSINDEV = NFQUEUE_ATTR_PHYSINDEV,
	NFQUEUE__HAS_PHYSOUTDEV = NFQUEUE_ATTR_PHYSOUTDEV,
	NFQUEUE__HAS_HWADDR = NFQUEUE_ATTR_HWADDR,
	NFQUEUE__HAS_UID = NFQUEUE_ATTR_UID,
	NFQUEUE__HAS_GID = NFQUEUE_ATTR_GID,
	NFQUEUE__HAS_SECCTX = NFQUEUE_ATTR_SECCTX,
	NFQUEUE__HAS_SKBINFO = NFQUEUE_ATTR_SKBINFO,
	NFQUEUE__HAS_PRIORITY = NFQUEUE_ATTR_PRIORITY,
	NFQUEUE__HAS_VLAN = NFQUEUE_ATTR_VLAN,
	NFQUEUE__HAS_L2HDR = NFQUEUE_ATTR_L2HDR,
	NFQUEUE__HAS_CT_INFO = NFQUEUE_ATTR_CT_INFO,
	NFQUEUE__HAS_CT_ID = NFQUEUE_ATTR_CT_ID,
	NFQUEUE__HAS_CT_STATUS = NFQUEUE_ATTR_CT_STATUS,
	NFQUEUE__HAS_PAYLOAD = NFQUEUE_ATTR_PAYLOAD,
	NFQUEUE__HAS_ORIG_LEN = NFQUEUE_ATTR_ORIG_LEN,
};

/* A byte range inside the packet's data (the receive buffer, or the
 * packet's own copy once retained): offsets survive the copy, pointers
 * would not. */
struct nfqueue__span {
	uint32_t off;
	uint32_t len;
};

struct nfqueue__fields {
	uint32_t present; /* nfqueue__attr_bit */
	uint32_t id;
	uint32_t queue_num;
	uint16_t hw_protocol;
	uint8_t hook;
	uint32_t mark;
	int64_t ts_sec;
	int64_t ts_usec;
	uint32_t ifindex[4]; /* indexed by nfqueue_iface */
	uint32_t uid, gid;
	uint32_t skbinfo;
	uint32_t priority;
	uint16_t vlan_proto, vlan_tci;
	uint32_t ct_info, ct_id, ct_status;
	uint32_t orig_len;
	struct nfqueue__span hwaddr, secctx, l2hdr, payload;
};

/*
 * Parse the NFQNL_MSG_PACKET message `nlh`; spans are relative to `base`,
 * the start of the message `nlh` itself.
 * Returns 0, or NFQUEUE_E_INVAL for a malformed message.
 */
int nfqueue__parse_packet(struct nfqueue__fields *out, const struct nlmsghdr *nlh);

/* ---- queue.c / packet.c / verdict.c / receive.c / handle.c ---- */

enum nfqueue__packet_state {
	NFQUEUE__BORROWED,  /* data points into the queue's receive buffer */
	NFQUEUE__RETAINED,  /* data is the packet's own copy; the caller frees it */
	NFQUEUE__EXPIRED    /* a borrowed slot whose packet is gone */
};

struct nfqueue_packet {
	/* The packet's number in its queue, never reused and never 0: its
	 * handle names it by this number (see handle.c). With `state`, the
	 * one field another thread may read while the driving thread refills
	 * the slot, hence atomic, and first: a refill clears what follows. */
	_Atomic uint64_t seq;
	_Atomic int state;    /* an enum nfqueue__packet_state */
	struct nfqueue_queue *queue;
	/* Atomic: a batch verdict from another thread sets it under the
	 * queue's lock while the packet's owner may read it without. */
	atomic_bool has_verdict;
	bool has_new_mark;
	uint32_t new_mark;
	uint8_t *new_payload; /* owned replacement, or NULL */
	size_t new_payload_len;
	/* The netlink message the spans refer to: in the receive buffer while
	 * borrowed, the packet's own heap copy once retained. */
	const uint8_t *data;
	struct nfqueue__fields f;
	/* Names resolved while the socket was open, so retained packets can
	 * still answer after close. "" = not resolved yet. */
	char ifname[4][NFQUEUE_IFNAMSIZ];
	size_t slot;          /* index in queue->slots while borrowed */
	/* Links in the queue's list of retained packets, and in the bucket of
	 * the retained table that finds a retained packet by its number. */
	struct nfqueue_packet *prev, *next, *bucket_next;
};

/* A run of like verdicts waiting to leave as one batch message (runs.c). */
struct nfqueue__run {
	bool boundary_known; /* `settled` holds: runs may form */
	uint32_t settled;    /* every packet up to this id has its verdict ahead */
	bool open;           /* a run from `first` to `settled` is collected */
	uint32_t first;
	uint32_t verdict;
};

struct nfqueue_queue {
	/* Held by the caller's handle and by each retained packet. */
	atomic_uint refs;
	uint32_t queue_num;
	struct nfqueue_config config; /* netns is not kept: only used at open */
	int fd;
	bool owns_fd;
	int stop_pipe[2];
	uint32_t portid;
	uint32_t seq;
	atomic_bool closed;
	atomic_bool driving;   /* a run/dispatch/pull is in progress */
	atomic_bool in_callback;
	/* The one truth of a pending stop: a wait consumes it with an
	 * exchange; the pipe byte only wakes a poll. */
	atomic_bool stop_requested;
	atomic_uint_fast64_t enobufs;
	atomic_uint_fast64_t skipped; /* malformed datagrams or messages ignored */
	atomic_uint_fast64_t verdict_errors; /* the kernel's error answers to verdicts */
	atomic_uint_fast64_t unstored; /* default verdict on arrival, for want of memory */
	/* /proc/net/netfilter/nfnetlink_queue of the queue's namespace, opened
	 * after the bind; a negative errno where it could not be (stats.c
	 * tells which). */
	int proc_fd;

	/* Where this queue's handles find it (handle.c), and a number no
	 * other queue of the process has. */
	uint32_t registry_index;
	uint64_t serial;
	uint64_t next_seq;    /* the number the next packet gets */

	/* Guards fd use for sending, `closed` transitions, the retained list
	 * and table, and the verdicts collected for one send. */
	pthread_mutex_t lock;
	struct nfqueue_packet *retained;
	struct nfqueue_packet **retained_table; /* buckets by seq */
	size_t retained_buckets;                /* a power of two, or 0 */
	size_t retained_count;

	/* Verdict messages collected for one sendmsg (verdict.c), and the
	 * run of like verdicts not yet written into them (runs.c). */
	uint8_t *pending;
	size_t pending_len;
	struct nfqueue__run run;
	bool received_any;    /* a packet was read: last_id means something */
	uint32_t lost_before; /* 0, or the id read right after the first lost one */

	/* Receive buffer; a batch's borrowed packets point into it. */
	uint8_t *buf;
	size_t buf_size;
	size_t max_msg;   /* largest message one recv can return */
	size_t backlog;   /* bytes of packet messages read during open, not yet handed out */
	/* Borrowed slots of the current batch; slot i holds packet number
	 * batch_seq + i. Atomic pointers: a thread resolving a retained
	 * packet's handle may read them while the driving thread refills. */
	_Atomic(struct nfqueue_packet *) *slots;
	atomic_size_t nbatch;  /* packets in the current batch */
	_Atomic uint64_t batch_seq;
	size_t delivered; /* of those, how many were handed to the caller */
	/* Of the batch, how many are still borrowed without a verdict: when
	 * the last of them gets one, the collected verdicts are sent. */
	size_t unsettled;
	bool nobufs_pending; /* ENOBUFS seen while a batch was being filled */
	/* The last batch verdict: every id up to batch_up_to has a verdict. */
	bool batch_done;
	uint32_t batch_up_to;
	/* The newest packet id read so far (0: none yet); close() covers
	 * what the kernel queued after it. */
	uint32_t last_id;
};

/* ---- handle.c: handles that never name another packet ---- */

/* Take a registry entry for `queue` (sets registry_index and next_seq),
 * or NFQUEUE_E_NOMEM when the process holds too many queues. */
/* The receive buffer, the batch's slots and the verdict buffer, sized by
 * the queue's config (queue.c; the test hook's queues use it too). */
int nfqueue__alloc_buffers(struct nfqueue_queue *queue);
int nfqueue__registry_add(struct nfqueue_queue *queue);
/* Give the entry back; handles of this queue resolve to nothing after. */
void nfqueue__registry_remove(struct nfqueue_queue *queue);

/* This thread now receives from `queue` (see resolve). */
void nfqueue__note_receiver(const struct nfqueue_queue *queue);

/* The handle the caller gets for a packet of `queue` numbered `seq`. */
nfqueue_packet *nfqueue__handle_of(const struct nfqueue_packet *packet);

/*
 * The live packet a handle names, or NULL with a code in *rc:
 * NFQUEUE_E_INVAL (NULL or not a handle), NFQUEUE_E_EXPIRED (a borrowed
 * packet whose time is up, however late). The message is set only on
 * failure. Takes the queue's lock briefly for retained packets.
 */
struct nfqueue_packet *nfqueue__resolve(const nfqueue_packet *handle, int *rc);

/* The retained table; the queue's lock is held. */
int nfqueue__retained_add_locked(struct nfqueue_queue *queue, struct nfqueue_packet *packet);
void nfqueue__retained_remove_locked(struct nfqueue_queue *queue, struct nfqueue_packet *packet);

/* ---- runs.c: like verdicts in a row leave as one batch message ---- */

/* A batch starts; `kept`: its first packet (id `first_kept_id`) was read
 * before and not handed out yet. */
void nfqueue__runs_new_batch_locked(struct nfqueue_queue *queue, bool kept,
				    uint32_t first_kept_id);
/* Packet `id` was read (before last_id moves to it). */
void nfqueue__runs_received_locked(struct nfqueue_queue *queue, uint32_t id);
/* Take a plain verdict (no mark, no payload) for packet `id` into the
 * run; false if it must leave as a message of its own. */
bool nfqueue__runs_absorb_locked(struct nfqueue_queue *queue, uint32_t id, uint32_t verdict);
/* A message of its own for packet `id`, or a batch up to `up_to_id`,
 * was collected. */
void nfqueue__runs_note_single_locked(struct nfqueue_queue *queue, uint32_t id);
void nfqueue__runs_note_batch_locked(struct nfqueue_queue *queue, uint32_t up_to_id);
/* Write the open run into the pending buffer: before any other message,
 * and before a send. */
void nfqueue__runs_end_locked(struct nfqueue_queue *queue);

/* ---- verdict.c ---- */

/* Collect a plain verdict for packet `id`, or a batch verdict. */
void nfqueue__put_single_locked(struct nfqueue_queue *queue, uint32_t id, uint32_t verdict);
void nfqueue__put_batch_locked(struct nfqueue_queue *queue, uint32_t up_to_id, int verdict);

/* Most bytes of verdicts one send carries: below the kernel's default
 * netlink send buffer (212992 bytes), above any single verdict message
 * (a payload of NFQUEUE_PAYLOAD_MAX bytes and its headers). */
#define NFQUEUE__PENDING_MAX (128u * 1024u)

/* Give the default verdict, in one batch message, to every packet the
 * kernel still holds for this queue, read or not (used by close). */
int nfqueue__verdict_all_pending_locked(struct nfqueue_queue *queue);

/* Give the default verdict to a packet without one; the queue's lock is
 * held and the queue is open. It is collected, not sent. */
void nfqueue__verdict_default_locked(struct nfqueue_packet *packet);

/* Send the collected verdicts now; the lock is held. 0 or the error of
 * the send (the verdicts are then lost to the kernel's queue; close()
 * still settles them). */
int nfqueue__flush_locked(struct nfqueue_queue *queue);
int nfqueue__flush(struct nfqueue_queue *queue);

/* A borrowed packet of the current batch got its verdict or left the
 * batch (retained, released, expired): count it, and send the collected
 * verdicts when it was the last. Lock held. */
int nfqueue__settled_locked(struct nfqueue_queue *queue);

/* A borrowed packet's time is up: default verdict unless it has one.
 * The lock is held, unless the packet has its verdict already. */
void nfqueue__packet_expire(struct nfqueue_packet *packet);

/* True if a batch verdict already covered packet `id`, just received. */
bool nfqueue__covered_by_batch(struct nfqueue_queue *queue, uint32_t id);

/* Drop one reference; the last frees the queue's memory. */
void nfqueue__queue_unref(struct nfqueue_queue *queue);

#endif
