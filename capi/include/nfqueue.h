/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nfqueue.h - the public interface of libnfqueue.
 *
 * libnfqueue receives packets that the Linux kernel queued to userspace
 * with an `iptables ... -j NFQUEUE --queue-num N` rule, lets the program
 * inspect them, and sends the kernel a verdict for each one.
 *
 * ABI rules:
 *   - every type is opaque and only ever handled through a pointer;
 *   - every function that can fail returns 0 or a negative NFQUEUE_E_* code
 *     and writes its results through out-parameters, which come first;
 *   - after a failure, nfqueue_last_error() says what went wrong in words;
 *   - enum values are explicit and never renumbered;
 *   - unknown flags are rejected with NFQUEUE_E_INVAL, never ignored.
 *
 * Ownership is stated on every function. "Borrowed" means the pointer
 * belongs to the library and stays valid only as long as the text says.
 * Functions marked "1.1" belong to the NFQUEUE_1.1 version node: check
 * nfqueue_version() before calling them through a library found at run time.
 *
 * Threads
 *   A queue is driven by one thread at a time: nfqueue_queue_run(),
 *   _dispatch(), _pull(), _flush(), and every call on a *borrowed* packet
 *   (getters, setters, verdicts, retain, release) belong to the thread
 *   that received the packet, or to any thread once that one has returned
 *   and before the next receive. A second concurrent receive returns
 *   NFQUEUE_E_BUSY instead of corrupting anything.
 *   These may run on any thread, concurrently with the driving thread and
 *   with each other:
 *     - nfqueue_queue_stop() (also from a signal handler);
 *     - every call on a *retained* packet, each packet used by one thread
 *       at a time (verdicts from several threads on different retained
 *       packets are ordered by the queue's lock);
 *     - nfqueue_queue_verdict_batch(), nfqueue_queue_stats(),
 *       nfqueue_queue_enobufs_count(), nfqueue_queue_num(), _fd();
 *     - nfqueue_queue_close(), which returns NFQUEUE_E_BUSY while another
 *       thread drives the queue (stop it, wait for the receive to return,
 *       then close); never concurrently with nfqueue_queue_free() of the
 *       same queue, which ends the caller's handle.
 *   Configurations are plain objects: one thread at a time per config.
 *   Different queues share nothing and are fully independent.
 *   Error messages (nfqueue_last_error()) are per thread.
 */
#ifndef NFQUEUE_H
#define NFQUEUE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && !defined(SWIG)
#define NFQUEUE_API __attribute__((visibility("default")))
#else
#define NFQUEUE_API
#endif

/* The version of this header. Compare with nfqueue_version() at run time. */
#define NFQUEUE_VERSION_MAJOR 1
#define NFQUEUE_VERSION_MINOR 1
#define NFQUEUE_VERSION_PATCH 0
#define NFQUEUE_VERSION_STRING "1.1.0"

/* Bumped only by an incompatible change, together with the SONAME. */
#define NFQUEUE_ABI_VERSION 1

/* Largest queue number the kernel accepts. */
#define NFQUEUE_QUEUE_NUM_MAX 65535u

/*
 * Largest payload the kernel can carry in one message, both ways: a
 * netlink attribute's length is 16 bits, and 4 of them are its header.
 * A copy range above this is clamped to it (nfqueue_config_set_copy_mode());
 * a replacement payload above it is rejected with NFQUEUE_E_TOOBIG.
 */
#define NFQUEUE_PAYLOAD_MAX 65531u

/* Size of a buffer that holds any interface name with its terminating NUL. */
#define NFQUEUE_IFNAMSIZ 16

/* Largest batch nfqueue_config_set_batch_size() accepts. */
#define NFQUEUE_BATCH_SIZE_MAX 4096u

/* Largest receive buffer nfqueue_config_set_rcvbuf() accepts: the kernel
 * doubles the value into an int. */
#define NFQUEUE_RCVBUF_MAX ((1u << 30) - 1u)

/* ------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------ */

/*
 * Status codes. Where a Linux errno fits, the code is that errno negated
 * (the literal values are Linux's); the rest live in a private range
 * below -1000 that no errno reaches.
 */
typedef enum nfqueue_error {
	NFQUEUE_OK = 0,
	NFQUEUE_E_PERM = -1,     /* -EPERM: the process lacks CAP_NET_ADMIN */
	NFQUEUE_E_NOENT = -2,    /* -ENOENT: no such namespace, or packet unknown to the kernel */
	NFQUEUE_E_INTR = -4,     /* -EINTR: a signal interrupted the wait (interruptible queues, 1.1) */
	NFQUEUE_E_IO = -5,       /* -EIO: the netlink socket failed; details in nfqueue_last_error() */
	NFQUEUE_E_AGAIN = -11,   /* -EAGAIN: nothing to read without blocking */
	NFQUEUE_E_NOMEM = -12,   /* -ENOMEM: out of memory */
	NFQUEUE_E_BUSY = -16,    /* -EBUSY: queue bound by another socket, or driven by another thread */
	NFQUEUE_E_INVAL = -22,   /* -EINVAL: an argument or configuration value is invalid */
	NFQUEUE_E_NOATTR = -61,  /* -ENODATA: the kernel did not send this attribute */
	NFQUEUE_E_TOOBIG = -90,  /* -EMSGSIZE: payload larger than NFQUEUE_PAYLOAD_MAX */
	NFQUEUE_E_NOTSUP = -95,  /* -EOPNOTSUPP: the running kernel lacks a requested feature */
	NFQUEUE_E_NOBUFS = -105, /* -ENOBUFS: the kernel dropped messages, the socket buffer was full */
	NFQUEUE_E_CLOSED = -1001,        /* the queue was closed */
	NFQUEUE_E_VERDICT_GIVEN = -1002, /* the packet already has its verdict */
	NFQUEUE_E_EXPIRED = -1003,       /* a borrowed packet was used after it expired */
	NFQUEUE_E_STOPPED = -1004,       /* nfqueue_queue_stop() ended the wait */
	NFQUEUE_E_CALLBACK = -1005       /* a callback returned a negative value (1.1) */
} nfqueue_error;

/*
 * A static English description of a status code; never NULL. Unknown codes
 * get a generic description. The string is owned by the library.
 */
NFQUEUE_API const char *nfqueue_strerror(int code);

/*
 * A description of the last failure on the calling thread, with the
 * details the code alone cannot carry (which value was wrong, what to do).
 * Never NULL; "" when nothing failed yet. Borrowed: valid until the next
 * libnfqueue call on the same thread; copy it if you need it longer.
 */
NFQUEUE_API const char *nfqueue_last_error(void);

/* 1.1. Forget the calling thread's last error: nfqueue_last_error() gives
 * "" until the next failure. Every failing call sets its own message, so
 * this is needed only to tell "no failure since" apart. */
NFQUEUE_API void nfqueue_clear_error(void);

/* ------------------------------------------------------------------------
 * Versions
 * ------------------------------------------------------------------------ */

/* The library's version as "MAJOR.MINOR.PATCH". Static, owned by the library. */
NFQUEUE_API const char *nfqueue_version(void);

/* The library's ABI version; equals NFQUEUE_ABI_VERSION of a matching header. */
NFQUEUE_API int nfqueue_abi_version(void);

/* ------------------------------------------------------------------------
 * Constants shared with the kernel
 * ------------------------------------------------------------------------ */

/* How much of each packet the kernel copies to userspace. */
typedef enum nfqueue_copy_mode {
	NFQUEUE_COPY_NONE = 0,   /* nothing, not even metadata is promised */
	NFQUEUE_COPY_META = 1,   /* metadata only, no payload */
	NFQUEUE_COPY_PACKET = 2  /* metadata and up to copy_range bytes of payload */
} nfqueue_copy_mode;

/* Queue flags, the kernel's NFQA_CFG_F_* values. */
typedef enum nfqueue_flag {
	NFQUEUE_FLAG_FAIL_OPEN = 1 << 0, /* accept packets instead of dropping them when the queue is full */
	NFQUEUE_FLAG_CONNTRACK = 1 << 1, /* report conntrack state (kernel needs NETFILTER_NETLINK_GLUE_CT) */
	NFQUEUE_FLAG_GSO = 1 << 2,       /* deliver GSO packets unsegmented, larger than the MTU */
	NFQUEUE_FLAG_UID_GID = 1 << 3,   /* report uid and gid of the owning socket */
	NFQUEUE_FLAG_SECCTX = 1 << 4     /* report the packet's security context (its secmark label) */
} nfqueue_flag;

/* Verdicts, the kernel's NF_* values. */
typedef enum nfqueue_verdict {
	NFQUEUE_DROP = 0,   /* discard the packet */
	NFQUEUE_ACCEPT = 1, /* let the packet go on at the next hook function: the rest of
			     * the chain that queued it is skipped, later tables still see it */
	NFQUEUE_REPEAT = 4, /* send the packet through the same hook again */
	NFQUEUE_STOP = 5    /* accept the packet and skip the rest of this hook */
} nfqueue_verdict;

/* Flags of nfqueue_packet_verdict_queue(). */
typedef enum nfqueue_queue_flag {
	/* If no program is bound to the target queue, accept instead of drop. */
	NFQUEUE_QUEUE_BYPASS = 1 << 0
} nfqueue_queue_flag;

/* Netfilter hooks, the kernel's NF_INET_* values. */
typedef enum nfqueue_hook {
	NFQUEUE_HOOK_PREROUTING = 0,
	NFQUEUE_HOOK_INPUT = 1,
	NFQUEUE_HOOK_FORWARD = 2,
	NFQUEUE_HOOK_OUTPUT = 3,
	NFQUEUE_HOOK_POSTROUTING = 4
} nfqueue_hook;

/* Which of a packet's interfaces a query is about. */
typedef enum nfqueue_iface {
	NFQUEUE_IFACE_IN = 0,      /* the device the packet came in on */
	NFQUEUE_IFACE_OUT = 1,     /* the device the packet goes out on */
	NFQUEUE_IFACE_PHYSIN = 2,  /* the bridge port it came in on */
	NFQUEUE_IFACE_PHYSOUT = 3  /* the bridge port it goes out on */
} nfqueue_iface;

/* Bits of nfqueue_packet_skbinfo(), the kernel's NFQA_SKB_* values. */
typedef enum nfqueue_skbinfo {
	NFQUEUE_SKB_CSUM_NOT_READY = 1 << 0,    /* checksum left to the NIC: not yet computed */
	NFQUEUE_SKB_GSO = 1 << 1,               /* a GSO super-packet, larger than the MTU */
	NFQUEUE_SKB_CSUM_NOT_VERIFIED = 1 << 2  /* the checksum was not verified yet */
} nfqueue_skbinfo;

/* ------------------------------------------------------------------------
 * Configuration
 * ------------------------------------------------------------------------ */

typedef struct nfqueue_config nfqueue_config;

/*
 * Create a configuration with the defaults:
 *   copy mode NFQUEUE_COPY_PACKET, copy range NFQUEUE_PAYLOAD_MAX (whole packets),
 *   kernel queue length 4096 (the kernel's own default is 1024, which one
 *   TCP download without NFQUEUE_FLAG_GSO can overflow), no flags, a receive buffer sized to hold a
 *   full kernel queue (see nfqueue_config_set_rcvbuf()), ENOBUFS reported,
 *   default verdict NFQUEUE_ACCEPT, a new socket in the caller's network
 *   namespace, batches of up to 64 packets, verdicts coalesced, waits not
 *   interruptible.
 * *out is owned by the caller: free it with nfqueue_config_free(). A queue
 * copies what it needs at open, so the config may be freed right after.
 */
NFQUEUE_API int nfqueue_config_new(nfqueue_config **out);

/* Free a configuration. NULL is allowed. */
NFQUEUE_API void nfqueue_config_free(nfqueue_config *config);

/*
 * How much of each packet to copy. `range` is the payload byte count for
 * NFQUEUE_COPY_PACKET: 0 means the maximum, and a range above
 * NFQUEUE_PAYLOAD_MAX is clamped to it (the kernel cannot copy more); it is
 * ignored for the other modes. A packet longer than the range arrives
 * truncated; nfqueue_packet_orig_len() still reports its full length.
 * (In copy mode meta the kernel reports no length at all.)
 */
NFQUEUE_API int nfqueue_config_set_copy_mode(nfqueue_config *config, int mode, uint32_t range);

/* How many packets the kernel holds for this queue before it drops (or,
 * with NFQUEUE_FLAG_FAIL_OPEN, accepts) new ones. Must be at least 1. */
NFQUEUE_API int nfqueue_config_set_max_len(nfqueue_config *config, uint32_t max_len);

/* Queue flags, an OR of nfqueue_flag values; replaces earlier flags.
 * A flag the running kernel lacks makes nfqueue_queue_open() fail with
 * NFQUEUE_E_NOTSUP, naming the flag. */
NFQUEUE_API int nfqueue_config_set_flags(nfqueue_config *config, uint32_t flags);

/*
 * Socket receive buffer in bytes (SO_RCVBUFFORCE, falling back to SO_RCVBUF),
 * at most NFQUEUE_RCVBUF_MAX. 0 (default, since 1.1) sizes it from the
 * queue length and copy range so that the socket holds every message of a
 * full kernel queue: the kernel then never drops a packet for a full socket
 * buffer before it drops one for a full queue (capped at
 * NFQUEUE_RCVBUF_MAX; without CAP_NET_ADMIN the kernel's rmem_max caps it).
 * nfqueue_queue_stats() reports the size the socket really got.
 */
NFQUEUE_API int nfqueue_config_set_rcvbuf(nfqueue_config *config, uint32_t bytes);

/* 1: set NETLINK_NO_ENOBUFS, so the kernel no longer tells the socket
 * that it dropped messages; 0 (default): each overflow episode (one or
 * more lost packets) is counted in nfqueue_queue_enobufs_count(), and
 * reported as set by nfqueue_config_set_nobufs_errors(). Either way the
 * kernel's own count of lost packets is in nfqueue_queue_stats(). */
NFQUEUE_API int nfqueue_config_set_no_enobufs(nfqueue_config *config, int enable);

/*
 * The verdict given to packets that expire without one: a borrowed packet
 * neither verdicted nor retained when its callback returns or the next pull
 * starts, a retained packet freed without a verdict, and every packet still
 * pending when the queue is closed. NFQUEUE_ACCEPT (default) or NFQUEUE_DROP.
 */
NFQUEUE_API int nfqueue_config_set_default_verdict(nfqueue_config *config, int verdict);

/*
 * Use an existing netlink socket (AF_NETLINK, NETLINK_NETFILTER) instead of
 * opening one; -1 (default) opens a new one. The fd stays the caller's: the
 * queue unbinds from it at close but never closes it.
 */
NFQUEUE_API int nfqueue_config_set_fd(nfqueue_config *config, int fd);

/*
 * Open the socket inside the network namespace at `path` (for example
 * "/run/netns/NAME" or "/proc/PID/ns/net"); NULL (default) uses the
 * caller's. Needs CAP_SYS_ADMIN. The string is copied. Cannot be combined
 * with nfqueue_config_set_fd().
 */
NFQUEUE_API int nfqueue_config_set_netns(nfqueue_config *config, const char *path);

/* Most packets a single dispatch or pull handles, 1..NFQUEUE_BATCH_SIZE_MAX
 * (default 64). */
NFQUEUE_API int nfqueue_config_set_batch_size(nfqueue_config *config, uint32_t packets);

/* ------------------------------------------------------------------------
 * Queues
 * ------------------------------------------------------------------------ */

typedef struct nfqueue_queue nfqueue_queue;
typedef struct nfqueue_packet nfqueue_packet;

/*
 * Bind queue `queue_num` (0..NFQUEUE_QUEUE_NUM_MAX) with `config` (NULL for
 * the defaults). Fails with NFQUEUE_E_BUSY if another socket holds the
 * queue, NFQUEUE_E_PERM without CAP_NET_ADMIN, NFQUEUE_E_NOTSUP if the
 * kernel lacks a requested flag. *out is owned by the caller: free it with
 * nfqueue_queue_free().
 */
NFQUEUE_API int nfqueue_queue_open(nfqueue_queue **out, uint32_t queue_num,
				   const nfqueue_config *config);

/*
 * Give every packet still pending the default verdict (borrowed or
 * retained packets without one, and those the kernel queued that were not
 * read yet), unbind the queue and close its socket (unless it was adopted
 * with nfqueue_config_set_fd()). Afterwards every call on the
 * queue, and every verdict on its retained packets, returns
 * NFQUEUE_E_CLOSED; borrowed packets report NFQUEUE_E_EXPIRED, and their
 * memory (payloads included) stays allocated until nfqueue_queue_free().
 * Idempotent. Must not be called from the queue's own
 * callback or while another thread runs or pulls on it (NFQUEUE_E_BUSY):
 * call nfqueue_queue_stop() and close once the run or pull returned.
 */
NFQUEUE_API int nfqueue_queue_close(nfqueue_queue *queue);

/*
 * Close the queue if still open and release the caller's handle. Memory
 * that retained packets still need lives on until the last of them is
 * freed. NULL is allowed. Like close, not while the queue is being driven.
 */
NFQUEUE_API void nfqueue_queue_free(nfqueue_queue *queue);

/* The queue's number. */
NFQUEUE_API uint32_t nfqueue_queue_num(const nfqueue_queue *queue);

/*
 * The netlink socket, for poll/epoll/select: readable means a dispatch or
 * pull will find work. Borrowed: do not read from it or close it. -1 once
 * the queue is closed.
 */
NFQUEUE_API int nfqueue_queue_fd(const nfqueue_queue *queue);

/*
 * Called once per packet by nfqueue_queue_run() and nfqueue_queue_dispatch().
 * `packet` is borrowed: valid until the callback returns, unless
 * nfqueue_packet_retain() was called on it. Give it a verdict, retain it,
 * or let it expire with the default verdict. Return 0 to go on, or a
 * positive value of your choosing to end the run or dispatch, which then
 * returns that value: library codes are never positive, so it cannot be
 * mistaken for one. A negative return also ends it, reported as
 * NFQUEUE_E_CALLBACK (the value is in nfqueue_last_error()).
 * Verdicts given in a callback are coalesced (nfqueue_config_set_coalesce())
 * and reach the kernel before the run waits again or returns.
 */
typedef int (*nfqueue_callback)(nfqueue_packet *packet, void *userdata);

/*
 * Receive and handle packets until nfqueue_queue_stop() is called (returns
 * 0), the callback returns non-zero (see nfqueue_callback), a signal
 * arrives on an interruptible queue (NFQUEUE_E_INTR), or an error occurs.
 * A stop requested while no run was in progress ends the next run at once.
 * Only one thread may drive a queue at a time (NFQUEUE_E_BUSY otherwise).
 * Messages the kernel dropped for a full socket buffer do not end the run;
 * see nfqueue_queue_enobufs_count().
 */
NFQUEUE_API int nfqueue_queue_run(nfqueue_queue *queue, nfqueue_callback callback,
				  void *userdata);

/*
 * Handle the packets that are ready now, at most the batch size, without
 * blocking. *out_count (may be NULL) receives how many were handled; 0
 * packets is not an error.
 */
NFQUEUE_API int nfqueue_queue_dispatch(size_t *out_count, nfqueue_queue *queue,
				       nfqueue_callback callback, void *userdata);

/*
 * Receive a batch of up to `max` packets (at most the batch size), waiting
 * up to `timeout_ms` for the first (-1: forever, 0: not at all). The
 * packets written to out[0..*out_count) are borrowed: valid until the next
 * pull, run, dispatch or close on this queue, unless retained. Packets of
 * the previous batch left without a verdict get the default verdict when
 * this call starts, and coalesced verdicts are sent before it waits.
 * Returns 0 with *out_count == 0 on timeout, NFQUEUE_E_STOPPED if
 * nfqueue_queue_stop() ended the wait, NFQUEUE_E_INTR if a signal did on
 * an interruptible queue.
 */
NFQUEUE_API int nfqueue_queue_pull(nfqueue_packet **out, size_t max, size_t *out_count,
				   nfqueue_queue *queue, int timeout_ms);

/*
 * Ask a run or pull in progress to return. Safe from any thread and from a
 * signal handler: it only sets a flag and writes to a pipe, leaves errno as
 * it found it and records no error message. One stop ends exactly one run
 * or wait: the one in progress, or else the next one; several stops before
 * that still end just one. Returns NFQUEUE_E_INVAL for NULL and
 * NFQUEUE_E_CLOSED on a closed queue.
 */
NFQUEUE_API int nfqueue_queue_stop(nfqueue_queue *queue);

/*
 * Give `verdict` to every pending packet of this queue whose id is `up_to_id`
 * or older, in one message (NFQNL_MSG_VERDICT_BATCH). Packets that already
 * have a verdict are not touched. With `set_mark` non-zero, each also gets
 * `mark`. The packets' handles stay valid; their verdict counts as given.
 */
NFQUEUE_API int nfqueue_queue_verdict_batch(nfqueue_queue *queue, uint32_t up_to_id,
					    int verdict, int set_mark, uint32_t mark);

/*
 * Number of times the kernel reported that it dropped messages to this
 * socket because its receive buffer was full (ENOBUFS), since open. One
 * report covers an overflow episode, which may have lost many packets:
 * nfqueue_queue_stats() has the kernel's count of the packets.
 */
NFQUEUE_API uint64_t nfqueue_queue_enobufs_count(const nfqueue_queue *queue);

/* ------------------------------------------------------------------------
 * Packets: metadata
 *
 * Getters that return int give 0 and fill *out, or NFQUEUE_E_NOATTR when the
 * kernel did not send the attribute: absent is never reported as 0. Getters
 * that return a value read fields every packet has.
 *
 * Using a borrowed packet after it expired is a bug in the caller. The
 * library catches it, with NFQUEUE_E_EXPIRED from every int-returning
 * call, however late the handle is used (since 1.1: a borrowed handle is
 * never reused for another packet while its queue is alive); the getters
 * that return a value then return 0 (-1 for the hook). That holds after
 * nfqueue_queue_free() too, since a handle is a number, not a pointer: a
 * borrowed packet's handle then reports NFQUEUE_E_EXPIRED, and a retained
 * packet lives on until nfqueue_packet_free() (its verdict reports
 * NFQUEUE_E_CLOSED). Only a call racing with nfqueue_queue_free() on
 * another thread is undefined, as with any call on a queue being freed.
 * ------------------------------------------------------------------------ */

/* The kernel's id of the packet in its queue. */
NFQUEUE_API uint32_t nfqueue_packet_id(const nfqueue_packet *packet);

/* The number of the queue the packet came from. */
NFQUEUE_API uint32_t nfqueue_packet_queue_num(const nfqueue_packet *packet);

/* The link-layer protocol (ETH_P_IP, ETH_P_IPV6, ...) in host byte order. */
NFQUEUE_API uint16_t nfqueue_packet_hw_protocol(const nfqueue_packet *packet);

/* The netfilter hook, an nfqueue_hook value. */
NFQUEUE_API int nfqueue_packet_hook(const nfqueue_packet *packet);

/* The packet's mark. The kernel sends none for mark 0: then NFQUEUE_E_NOATTR. */
NFQUEUE_API int nfqueue_packet_mark(uint32_t *out, const nfqueue_packet *packet);

/* When the packet was received, as seconds and microseconds since the epoch.
 * Locally generated packets carry none, and the kernel stamps received ones
 * only while some socket has asked for receive timestamps (SO_TIMESTAMP). */
NFQUEUE_API int nfqueue_packet_timestamp(int64_t *out_sec, int64_t *out_usec,
					 const nfqueue_packet *packet);

/* The interface index of `which` (an nfqueue_iface value). */
NFQUEUE_API int nfqueue_packet_ifindex(uint32_t *out, const nfqueue_packet *packet, int which);

/*
 * The interface name of `which`, looked up in the queue's network namespace
 * and written NUL-terminated into out[0..size). `size` must be at least
 * NFQUEUE_IFNAMSIZ. NFQUEUE_E_NOATTR if the kernel sent no index;
 * NFQUEUE_E_NOENT if the interface is gone.
 */
NFQUEUE_API int nfqueue_packet_ifname(char *out, size_t size, const nfqueue_packet *packet,
				      int which);

/* The source hardware address. Borrowed: valid as long as the packet. */
NFQUEUE_API int nfqueue_packet_hwaddr(const uint8_t **out, size_t *out_len,
				      const nfqueue_packet *packet);

/* uid and gid of the local socket that owns the packet (NFQUEUE_FLAG_UID_GID). */
NFQUEUE_API int nfqueue_packet_uid(uint32_t *out, const nfqueue_packet *packet);
NFQUEUE_API int nfqueue_packet_gid(uint32_t *out, const nfqueue_packet *packet);

/* The packet's security context, the label of its secmark as an LSM such
 * as SELinux names it (NFQUEUE_FLAG_SECCTX); absent where no LSM labels
 * packets. Not NUL-terminated. Borrowed: valid as long as the packet. */
NFQUEUE_API int nfqueue_packet_secctx(const char **out, size_t *out_len,
				      const nfqueue_packet *packet);

/* The skb info bits, an OR of nfqueue_skbinfo values. */
NFQUEUE_API int nfqueue_packet_skbinfo(uint32_t *out, const nfqueue_packet *packet);

/* skb->priority. The kernel sends none for priority 0: then NFQUEUE_E_NOATTR. */
NFQUEUE_API int nfqueue_packet_priority(uint32_t *out, const nfqueue_packet *packet);

/* Length of the packet in the kernel, which exceeds the payload length when
 * the copy range truncated it. In copy mode meta (and none) the kernel does
 * not tell: NFQUEUE_E_NOATTR. */
NFQUEUE_API int nfqueue_packet_orig_len(uint32_t *out, const nfqueue_packet *packet);

/* VLAN protocol (ETH_P_8021Q, ...) and TCI, both in host byte order. */
NFQUEUE_API int nfqueue_packet_vlan(uint16_t *out_proto, uint16_t *out_tci,
				    const nfqueue_packet *packet);

/* The link-layer header as the kernel saw it (bridge traffic). Borrowed:
 * valid as long as the packet. */
NFQUEUE_API int nfqueue_packet_l2hdr(const uint8_t **out, size_t *out_len,
				     const nfqueue_packet *packet);

/* Conntrack state (the kernel's enum ip_conntrack_info: 0 established,
 * 1 related, 2 new, 3 established reply, 4 related reply), id and status
 * bits; needs NFQUEUE_FLAG_CONNTRACK. */
NFQUEUE_API int nfqueue_packet_ct_info(uint32_t *out, const nfqueue_packet *packet);
NFQUEUE_API int nfqueue_packet_ct_id(uint32_t *out, const nfqueue_packet *packet);
NFQUEUE_API int nfqueue_packet_ct_status(uint32_t *out, const nfqueue_packet *packet);

/*
 * The payload, starting at the network header. After
 * nfqueue_packet_set_payload() this is the replacement. Borrowed: valid as
 * long as the packet, or until the next set_payload. A packet without
 * payload (copy mode meta) gives NFQUEUE_E_NOATTR.
 */
NFQUEUE_API int nfqueue_packet_payload(const uint8_t **out, size_t *out_len,
				       const nfqueue_packet *packet);

/* ------------------------------------------------------------------------
 * Packets: lifetime and verdicts
 * ------------------------------------------------------------------------ */

/*
 * Make a borrowed packet owned: its data is copied out of the receive
 * buffer and the same handle stays valid after the callback or the next
 * pull. Give it a verdict later, from any thread, and free it with
 * nfqueue_packet_free(). Retaining a retained packet does nothing.
 */
NFQUEUE_API int nfqueue_packet_retain(nfqueue_packet *packet);

/*
 * Release a retained packet. One that got no verdict gets the default
 * verdict if its queue is still open. NULL is allowed; a borrowed packet
 * is left alone (the library owns it).
 */
NFQUEUE_API void nfqueue_packet_free(nfqueue_packet *packet);

/* Nonzero once the packet has its verdict. */
NFQUEUE_API int nfqueue_packet_has_verdict(const nfqueue_packet *packet);

/* Give the packet a new mark together with its verdict. */
NFQUEUE_API int nfqueue_packet_set_mark(nfqueue_packet *packet, uint32_t mark);

/*
 * Replace the payload the kernel continues with (up to NFQUEUE_PAYLOAD_MAX
 * bytes; NFQUEUE_E_TOOBIG beyond). `data` is copied; the caller keeps it.
 * Fix checksums first with nfqueue_checksum_update() if headers changed.
 */
NFQUEUE_API int nfqueue_packet_set_payload(nfqueue_packet *packet, const void *data, size_t len);

/*
 * Send the verdict (an nfqueue_verdict), with the mark and payload set
 * before. Exactly one verdict per packet: a second gives
 * NFQUEUE_E_VERDICT_GIVEN. NFQUEUE_E_CLOSED once the queue is closed.
 */
NFQUEUE_API int nfqueue_packet_verdict(nfqueue_packet *packet, int verdict);

/* Send the packet to queue `queue_num`; `flags` may hold NFQUEUE_QUEUE_BYPASS. */
NFQUEUE_API int nfqueue_packet_verdict_queue(nfqueue_packet *packet, uint32_t queue_num,
					     uint32_t flags);

/* ------------------------------------------------------------------------
 * 1.1: a packet's whole life in one place
 *
 * What a thin binding needs so that it keeps no state of its own: end a
 * borrow now, every attribute in one call, many verdicts in one send,
 * waits a signal can interrupt, configuration read back, kernel counters.
 * ------------------------------------------------------------------------ */

/*
 * 1.1. End a borrowed packet's life now instead of at the next receive:
 * it gets the default verdict if it has none (coalesced, see
 * nfqueue_config_set_coalesce()), and the handle reports NFQUEUE_E_EXPIRED
 * from then on. For a binding's object that dies before its batch does
 * (Python's expiry, Rust's Drop, Go's Release). Idempotent: an expired
 * handle returns 0. A retained packet is the caller's: this does nothing
 * to it and returns 0 (free it with nfqueue_packet_free()).
 */
NFQUEUE_API int nfqueue_packet_release(nfqueue_packet *packet);

/* Presence bits of nfqueue_attrs.present (1.1). */
typedef enum nfqueue_attr {
	NFQUEUE_ATTR_MARK = 1 << 0,
	NFQUEUE_ATTR_TIMESTAMP = 1 << 1,
	NFQUEUE_ATTR_INDEV = 1 << 2,      /* ifindex[NFQUEUE_IFACE_IN] */
	NFQUEUE_ATTR_OUTDEV = 1 << 3,     /* ifindex[NFQUEUE_IFACE_OUT] */
	NFQUEUE_ATTR_PHYSINDEV = 1 << 4,  /* ifindex[NFQUEUE_IFACE_PHYSIN] */
	NFQUEUE_ATTR_PHYSOUTDEV = 1 << 5, /* ifindex[NFQUEUE_IFACE_PHYSOUT] */
	NFQUEUE_ATTR_HWADDR = 1 << 6,
	NFQUEUE_ATTR_UID = 1 << 7,
	NFQUEUE_ATTR_GID = 1 << 8,
	NFQUEUE_ATTR_SECCTX = 1 << 9,
	NFQUEUE_ATTR_SKBINFO = 1 << 10,
	NFQUEUE_ATTR_PRIORITY = 1 << 11,
	NFQUEUE_ATTR_VLAN = 1 << 12,
	NFQUEUE_ATTR_L2HDR = 1 << 13,
	NFQUEUE_ATTR_CT_INFO = 1 << 14,
	NFQUEUE_ATTR_CT_ID = 1 << 15,
	NFQUEUE_ATTR_CT_STATUS = 1 << 16,
	NFQUEUE_ATTR_PAYLOAD = 1 << 17,
	NFQUEUE_ATTR_ORIG_LEN = 1 << 18
} nfqueue_attr;

/*
 * Every attribute of a packet, filled by nfqueue_packet_attrs() (1.1).
 * The caller owns the struct and sets `size` to sizeof(nfqueue_attrs) as
 * it was compiled; a later release only appends fields, and fills no more
 * than `size` bytes, so an old caller keeps working. A field whose bit is
 * clear in `present` was not sent by the kernel and holds 0 / NULL. The
 * pointers are borrowed from the packet, valid as long as its payload is
 * (see nfqueue_packet_payload()).
 */
typedef struct nfqueue_attrs {
	size_t size;
	uint32_t present;        /* an OR of nfqueue_attr bits */
	uint32_t id;             /* always present */
	uint32_t queue_num;      /* always present */
	uint16_t hw_protocol;    /* always present, host byte order */
	uint16_t hook;           /* always present, an nfqueue_hook value */
	uint32_t mark;
	uint32_t ifindex[4];     /* indexed by nfqueue_iface */
	uint32_t uid;
	uint32_t gid;
	uint32_t skbinfo;
	uint32_t priority;
	uint16_t vlan_proto;
	uint16_t vlan_tci;
	uint32_t ct_info;
	uint32_t ct_id;
	uint32_t ct_status;
	uint32_t orig_len;
	int64_t timestamp_sec;
	int64_t timestamp_usec;
	const uint8_t *hwaddr;
	size_t hwaddr_len;
	const char *secctx;      /* not NUL-terminated */
	size_t secctx_len;
	const uint8_t *l2hdr;
	size_t l2hdr_len;
	const uint8_t *payload;  /* the replacement once one was set */
	size_t payload_len;
} nfqueue_attrs;

/*
 * 1.1. Fill `out` with every attribute of `packet` in one call (interface
 * names excepted: nfqueue_packet_ifname() looks those up). `out->size`
 * must be set, to at least offsetof(nfqueue_attrs, mark); fields past it
 * are left alone. NFQUEUE_E_EXPIRED for an expired handle.
 */
NFQUEUE_API int nfqueue_packet_attrs(nfqueue_attrs *out, const nfqueue_packet *packet);

/* Flags of nfqueue_verdict_spec.flags (1.1). */
typedef enum nfqueue_spec_flag {
	NFQUEUE_SPEC_MARK = 1 << 0,    /* give the packet `mark` */
	NFQUEUE_SPEC_PAYLOAD = 1 << 1, /* replace its payload with payload[0..payload_len) */
	NFQUEUE_SPEC_QUEUE = 1 << 2,   /* send it to queue `queue_num` instead of `verdict` */
	NFQUEUE_SPEC_BYPASS = 1 << 3   /* with _QUEUE: accept if nobody listens there */
} nfqueue_spec_flag;

/*
 * One packet's verdict for nfqueue_queue_verdict_packets() (1.1). Owned
 * by the caller, who sets `size` to sizeof(nfqueue_verdict_spec) in every
 * element (the array's stride is the first element's `size`).
 */
typedef struct nfqueue_verdict_spec {
	size_t size;
	nfqueue_packet *packet;
	int verdict;             /* an nfqueue_verdict; ignored with NFQUEUE_SPEC_QUEUE */
	uint32_t flags;          /* an OR of nfqueue_spec_flag */
	uint32_t mark;
	uint32_t queue_num;
	const void *payload;     /* copied; the caller keeps it */
	size_t payload_len;
} nfqueue_verdict_spec;

/*
 * 1.1. Give `count` packets of `queue` each its own verdict, mark and
 * payload, sent to the kernel in one message datagram. Every element is
 * checked first (handle, queue, a verdict not given yet, a payload within
 * NFQUEUE_PAYLOAD_MAX, a packet named twice); if one is wrong nothing is
 * sent, *out_index (may be NULL) names it, and the error says why. On
 * success every packet counts as verdicted. Borrowed or retained packets
 * may be mixed; retained ones may be given from any thread.
 */
NFQUEUE_API int nfqueue_queue_verdict_packets(size_t *out_index, nfqueue_queue *queue,
					      const nfqueue_verdict_spec *specs, size_t count);

/*
 * 1.1. Coalescing (default 1): verdicts on borrowed packets are collected
 * and sent to the kernel together, in one sendmsg, when the library is
 * about to wait or hand control back: after a run's or dispatch's batch of
 * callbacks, when the last packet handed out by a pull gets its verdict
 * (or is released), at the next pull, and at nfqueue_queue_flush() or
 * close. So no verdict waits for another packet to arrive. Verdicts on
 * retained packets are always sent at once. 0: every verdict is sent at
 * once, as in 1.0.
 */
NFQUEUE_API int nfqueue_config_set_coalesce(nfqueue_config *config, int enable);

/*
 * 1.1. Send the verdicts collected so far now (see
 * nfqueue_config_set_coalesce()). For callers that hold some packets of a
 * pulled batch for long and want the others settled first. 0 if there was
 * nothing to send. Driving thread only.
 */
NFQUEUE_API int nfqueue_queue_flush(nfqueue_queue *queue);

/*
 * 1.1. Interruptible waits (default 0): when a signal handler runs while
 * nfqueue_queue_run() or nfqueue_queue_pull() waits, they return
 * NFQUEUE_E_INTR (after flushing verdicts and with the batch state intact,
 * so calling again goes on where it left off), so that a language
 * runtime can run its own signal handlers. 0: waits go on after a signal
 * (only nfqueue_queue_stop() ends them).
 */
NFQUEUE_API int nfqueue_config_set_interruptible(nfqueue_config *config, int enable);

/*
 * 1.1. What a full socket buffer does to nfqueue_queue_dispatch() and
 * nfqueue_queue_pull(): 1 (default, as in 1.0): the next call returns
 * NFQUEUE_E_NOBUFS once, after the packets already received were handed
 * out; 0: it is counted and receiving goes on, as nfqueue_queue_run()
 * always does.
 */
NFQUEUE_API int nfqueue_config_set_nobufs_errors(nfqueue_config *config, int enable);

/*
 * 1.1. Read back each setting. `out` first, the config second; each
 * returns NFQUEUE_E_INVAL for NULL pointers only. get_copy_mode gives the
 * range as stored (clamped); get_netns a borrowed string (NULL: none),
 * valid until the config is changed or freed; get_rcvbuf 0 for "sized
 * automatically".
 */
NFQUEUE_API int nfqueue_config_get_copy_mode(int *out_mode, uint32_t *out_range,
					     const nfqueue_config *config);
NFQUEUE_API int nfqueue_config_get_max_len(uint32_t *out, const nfqueue_config *config);
NFQUEUE_API int nfqueue_config_get_flags(uint32_t *out, const nfqueue_config *config);
NFQUEUE_API int nfqueue_config_get_rcvbuf(uint32_t *out, const nfqueue_config *config);
NFQUEUE_API int nfqueue_config_get_no_enobufs(int *out, const nfqueue_config *config);
NFQUEUE_API int nfqueue_config_get_default_verdict(int *out, const nfqueue_config *config);
NFQUEUE_API int nfqueue_config_get_fd(int *out, const nfqueue_config *config);
NFQUEUE_API int nfqueue_config_get_netns(const char **out, const nfqueue_config *config);
NFQUEUE_API int nfqueue_config_get_batch_size(uint32_t *out, const nfqueue_config *config);
NFQUEUE_API int nfqueue_config_get_coalesce(int *out, const nfqueue_config *config);
NFQUEUE_API int nfqueue_config_get_interruptible(int *out, const nfqueue_config *config);
NFQUEUE_API int nfqueue_config_get_nobufs_errors(int *out, const nfqueue_config *config);

/*
 * A queue's counters (1.1), filled by nfqueue_queue_stats(). Owned by the
 * caller, who sets `size` to sizeof(nfqueue_stats); later releases append
 * fields and fill no more than `size` bytes.
 */
typedef struct nfqueue_stats {
	size_t size;
	uint32_t portid;          /* the socket's netlink port id */
	uint32_t waiting;         /* packets the kernel holds for a verdict now */
	uint64_t queue_dropped;   /* dropped because the kernel queue was full */
	uint64_t user_dropped;    /* dropped because the socket buffer was full */
	uint32_t id_sequence;     /* the id of the newest packet queued */
	uint32_t rcvbuf;          /* the socket's receive buffer as the kernel reports it */
	uint64_t enobufs;         /* nfqueue_queue_enobufs_count() */
	uint64_t skipped;         /* datagrams or messages the library ignored: malformed, or
				   * not from the kernel */
	uint64_t verdict_errors;  /* verdicts the kernel refused (it answers only failures): a
				   * packet it no longer holds, or a capability dropped since open */
	uint64_t unstored;        /* packets given the default verdict on arrival because the
				   * library had no memory to hold them */
} nfqueue_stats;

/*
 * 1.1. The kernel's counters for this queue, read from
 * /proc/net/netfilter/nfnetlink_queue of the queue's network namespace,
 * and the library's own. NFQUEUE_E_NOTSUP where the kernel does not
 * publish that file, NFQUEUE_E_PERM where it lets only root read it (a
 * process with only CAP_NET_ADMIN); NFQUEUE_E_CLOSED after close. Any
 * thread.
 */
NFQUEUE_API int nfqueue_queue_stats(nfqueue_stats *out, nfqueue_queue *queue);

/*
 * 1.1. Whether this process may bind queues, without binding one: 0, or
 * NFQUEUE_E_PERM with a message that says what is missing. `config` (may
 * be NULL) chooses the namespace or adopted socket, as for open. Asks the
 * kernel itself, so capabilities held only in a user namespace are judged
 * as the kernel judges them.
 */
NFQUEUE_API int nfqueue_check_permission(const nfqueue_config *config);

/* ------------------------------------------------------------------------
 * Checksums, for payloads edited in place before nfqueue_packet_set_payload()
 * ------------------------------------------------------------------------ */

/*
 * Recompute, in the IP packet at data[0..len), the IPv4 header checksum and
 * the TCP or UDP checksum (IPv4 or IPv6, past IPv6 extension headers).
 * Other protocols keep their bytes; so does the transport checksum of a
 * fragment, which covers the whole datagram. The IPv6 pseudo-header uses
 * the header's destination, which is the final one unless a routing header
 * has segments left. On failure (NFQUEUE_E_INVAL: malformed, truncated, a
 * UDP length that disagrees with the IP length) the bytes are unchanged.
 */
NFQUEUE_API int nfqueue_checksum_update(uint8_t *data, size_t len);

/* Recompute only the IPv4 header checksum. */
NFQUEUE_API int nfqueue_checksum_ipv4_header(uint8_t *data, size_t len);

/* Recompute only the TCP or UDP checksum, over IPv4 or IPv6. */
NFQUEUE_API int nfqueue_checksum_transport(uint8_t *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* NFQUEUE_H */
