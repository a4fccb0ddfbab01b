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
 * namespace shows it (call it where the queue's socket is made). -1 when
 * the kernel does not publish it. */
int nfqueue__open_proc_stats(void);

/* Find queue `queue_num` in the text of that file and fill the kernel's
 * fields of `out` (portid, waiting, queue_dropped, user_dropped,
 * id_sequence). 0, NFQUEUE_E_NOENT if the queue is not listed, or
 * NFQUEUE_E_IO for text that does not parse. Pure: unit-tested. */
int nfqueue__parse_proc_stats(nfqueue_stats *out, const char *text, size_t len,
			      uint32_t queue_num);

/* ---- parse.c: one NFQNL_MSG_PACKET message into a packet's fields ---- */

/* Absent attributes have their bit clear in `present`. */
enum nfqueue__attr_bit {
	NFQUEUE__HAS_MARK = 1u << 0,
	NFQUEUE__HAS_TIMESTAMP = 1u << 1,
	NFQUEUE__HAS_INDEV = 1u << 2,
	NFQUEUE__HAS_OUTDEV = 1u << 3,
	NFQUEUE__HAS_PHYSINDEV = 1u << 4,
	NFQUEUE__HAS_PHYSOUTDEV = 1u << 5,
	NFQUEUE__HAS_HWADDR = 1u << 6,
	NFQUEUE__HAS_UID = 1u << 7,
	NFQUEUE__HAS_GID = 1u << 8,
	NFQUEUE__HAS_SECCTX = 1u << 9,
	NFQUEUE__HAS_SKBINFO = 1u << 10,
	NFQUEUE__HAS_PRIORITY = 1u << 11,
	NFQUEUE__HAS_VLAN = 1u << 12,
	NFQUEUE__HAS_L2HDR = 1u << 13,
	NFQUEUE__HAS_CT_INFO = 1u << 14,
	NFQUEUE__HAS_CT_ID = 1u << 15,
	NFQUEUE__HAS_CT_STATUS = 1u << 16,
	NFQUEUE__HAS_PAYLOAD = 1u << 17,
	NFQUEUE__HAS_ORIG_LEN = 1u << 18,
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

/* ---- queue.c / packet.c / verdict.c ---- */

enum nfqueue__packet_state {
	NFQUEUE__BORROWED,  /* data points into the queue's receive buffer */
	NFQUEUE__RETAINED,  /* data is the packet's own copy; the caller frees it */
	NFQUEUE__EXPIRED    /* a borrowed slot whose packet is gone */
};

struct nfqueue_packet {
	struct nfqueue_queue *queue;
	enum nfqueue__packet_state state;
	bool has_verdict;
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
	/* Links in the queue's list of retained packets. */
	struct nfqueue_packet *prev, *next;
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
	atomic_bool stop_requested;
	atomic_uint_fast64_t enobufs;
	atomic_uint_fast64_t skipped; /* malformed datagrams or messages ignored */
	/* /proc/net/netfilter/nfnetlink_queue of the queue's namespace, opened
	 * with the socket; -1 where the kernel has none. Read by stats.c. */
	int proc_fd;

	/* Guards fd use for sending, `closed` transitions and the retained list. */
	pthread_mutex_t lock;
	struct nfqueue_packet *retained;

	/* Receive buffer; a batch's borrowed packets point into it. */
	uint8_t *buf;
	size_t buf_size;
	size_t max_msg;   /* largest message one recv can return */
	size_t backlog;   /* bytes of packet messages read during open, not yet handed out */
	/* Borrowed slots of the current batch. */
	struct nfqueue_packet **slots;
	/* The previous batch's slots, all expired. Batches alternate between
	 * the two sets, so a handle kept past its expiry still finds its own
	 * expired slot (NFQUEUE_E_EXPIRED) during the next batch, instead of
	 * a newer packet that reused the memory. */
	struct nfqueue_packet **spare_slots;
	size_t nbatch;    /* packets in the current batch */
	size_t delivered; /* of those, how many were handed to the caller */
	bool nobufs_pending; /* ENOBUFS seen while a batch was being filled */
	/* The last batch verdict: every id up to batch_up_to has a verdict. */
	bool batch_done;
	uint32_t batch_up_to;
	/* The newest packet id read so far (0: none yet); close() covers
	 * what the kernel queued after it. */
	uint32_t last_id;
};

/* Give the default verdict, in one batch message, to every packet the
 * kernel still holds for this queue, read or not (used by close). */
int nfqueue__verdict_all_pending_locked(struct nfqueue_queue *queue);

/* Drop one reference; the last frees the queue's memory. */
void nfqueue__queue_unref(struct nfqueue_queue *queue);


/* Give the default verdict to a packet without one; the queue's lock is
 * held and the queue is open. Errors are ignored: there is nobody to tell. */
void nfqueue__verdict_default_locked(struct nfqueue_packet *packet);

/* A borrowed packet's time is up: default verdict unless it has one. */
void nfqueue__packet_expire(struct nfqueue_packet *packet);

/* True if a batch verdict already covered packet `id`, just received. */
bool nfqueue__covered_by_batch(struct nfqueue_queue *queue, uint32_t id);

/* Validate a packet handle for a getter: NULL, expired. */
int nfqueue__packet_check(const struct nfqueue_packet *packet);

#endif
