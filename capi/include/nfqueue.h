/*
 * nfqueue.h - the public interface of libnfqueue.
 *
 * libnfqueue receives packets that the Linux kernel queued to userspace
 * with an `iptables ... -j NFQUEUE --queue-num N` rule, lets the program
 * inspect them, and sends the kernel a verdict for each one.
 *
 * ABI rules (see DESIGN.md in the project):
 *   - every type is opaque and only ever handled through a pointer;
 *   - every function that can fail returns 0 or a negative NFQUEUE_E_* code
 *     and writes its results through out-parameters, which come first;
 *   - after a failure, nfqueue_last_error() says what went wrong in words;
 *   - enum values are explicit and never renumbered;
 *   - unknown flags are rejected with NFQUEUE_E_INVAL, never ignored.
 *
 * Ownership is stated on every function. "Borrowed" means the pointer
 * belongs to the library and stays valid only as long as the text says.
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
#define NFQUEUE_VERSION_MINOR 0
#define NFQUEUE_VERSION_PATCH 0
#define NFQUEUE_VERSION_STRING "1.0.0"

/* Bumped only by an incompatible change, together with the SONAME. */
#define NFQUEUE_ABI_VERSION 1

/* Largest queue number the kernel accepts. */
#define NFQUEUE_QUEUE_NUM_MAX 65535u

/*
 * Largest payload the kernel can carry in one message, both ways: a
 * netlink attribute's length is 16 bits, and 4 of them are its header.
 * A copy range above this is clamped to it; a replacement payload above
 * it is rejected with NFQUEUE_E_TOOBIG.
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
	NFQUEUE_E_STOPPED = -1004        /* nfqueue_queue_stop() ended the wait */
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
 *   kernel queue length 1024, no flags, the kernel's receive buffer size,
 *   ENOBUFS reported, default verdict NFQUEUE_ACCEPT, a new socket in the
 *   caller's network namespace, batches of up to 64 packets.
 * *out is owned by the caller: free it with nfqueue_config_free(). A queue
 * copies what it needs at open, so the config may be freed right after.
 */
NFQUEUE_API int nfqueue_config_new(nfqueue_config **out);

/* Free a configuration. NULL is allowed. */
NFQUEUE_API void nfqueue_config_free(nfqueue_config *config);

/*
 * How much of each packet to copy. `range` is the payload byte count for
 * NFQUEUE_COPY_PACKET (1..NFQUEUE_PAYLOAD_MAX; 0 means the maximum) and is
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

/* Socket receive buffer in bytes (SO_RCVBUFFORCE, falling back to SO_RCVBUF),
 * at most NFQUEUE_RCVBUF_MAX; 0 keeps the kernel's default. */
NFQUEUE_API int nfqueue_config_set_rcvbuf(nfqueue_config *config, uint32_t bytes);

/* 1: set NETLINK_NO_ENOBUFS, so a full socket buffer silently drops
 * messages; 0 (default): nfqueue_queue_dispatch() and nfqueue_queue_pull()
 * report NFQUEUE_E_NOBUFS once per loss (nfqueue_queue_run() counts it and
 * goes on). Either way nfqueue_queue_enobufs_count() counts the losses. */
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
 * or let it expire with the default verdict. Return 0 to go on; any other
 * value ends the run or dispatch, which returns that value.
 */
typedef int (*nfqueue_callback)(nfqueue_packet *packet, void *userdata);

/*
 * Receive and handle packets until nfqueue_queue_stop() is called (returns
 * 0), the callback returns non-zero (returns that value) or an error occurs.
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
 * this call starts. Returns 0 with *out_count == 0 on timeout, and
 * NFQUEUE_E_STOPPED if nfqueue_queue_stop() ended the wait.
 */
NFQUEUE_API int nfqueue_queue_pull(nfqueue_packet **out, size_t max, size_t *out_count,
				   nfqueue_queue *queue, int timeout_ms);

/*
 * Ask a run or pull in progress to return. Safe from any thread and from a
 * signal handler: it only writes to a pipe, leaves errno as it found it and
 * records no error message. Returns NFQUEUE_E_INVAL for NULL and
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
 * socket because its receive buffer was full (ENOBUFS), since open.
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
 * call, until the batch after the next one starts; after that the handle
 * may name a newer packet, as any dangling pointer may.
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
