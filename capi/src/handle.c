/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * handle.c - the handles a caller holds for packets, made so that a stale
 * one can never name another packet.
 *
 * A packet's memory is reused batch after batch, so a plain pointer kept
 * past its packet's expiry would sooner or later point at a newer packet.
 * A handle is therefore a number, not an address: every packet of a queue
 * gets the next number of that queue (`seq`, never reused while the queue
 * lives), and the handle carries the queue's registry entry and that
 * number. Resolving it finds the packet only while the packet with that
 * very number is still borrowed in the current batch or retained;
 * anything else is NFQUEUE_E_EXPIRED, however late the handle is used.
 *
 * On 64-bit platforms the top bit marks a handle, 13 bits name the
 * registry entry and 50 bits the packet's number (10^15 packets: decades
 * at any packet rate a queue reaches). The top bit keeps handles outside
 * every user-space address, so a garbage collector that scans them as
 * pointers (Go's) never takes them for its own. On 32-bit platforms the
 * low bit marks a handle and the number has 25 bits: there a handle may
 * name a newer packet after 2^25 packets.
 */
#include <stdlib.h>

#include "internal.h"

#if UINTPTR_MAX > 0xffffffffu
#define HANDLE_TAG ((uintptr_t)1 << 63)
#define INDEX_BITS 13
#define SEQ_BITS 50
#define SEQ_SHIFT 0
#else
#define HANDLE_TAG ((uintptr_t)1)
#define INDEX_BITS 6
#define SEQ_BITS 25
#define SEQ_SHIFT 1
#endif

#define REGISTRY_SIZE (1u << INDEX_BITS)
#define SEQ_MASK (((uint64_t)1 << SEQ_BITS) - 1)
#define INDEX_SHIFT (SEQ_SHIFT + SEQ_BITS)

/* Entry i holds an open (or not yet freed) queue, or NULL. */
static _Atomic(struct nfqueue_queue *) registry[REGISTRY_SIZE];
/* The number the next queue in entry i starts from: a new queue goes on
 * from where the last one in the entry stopped, so a stale handle of the
 * old queue cannot match a packet of the new one. */
static uint64_t registry_next_seq[REGISTRY_SIZE];
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t registry_cursor;

/* The queue this thread received from last: its borrowed packets are
 * looked up first. Any other thread looks among the retained packets
 * first, so it never reads a batch the receiving thread is refilling. */
static _Thread_local uint64_t receiving_serial;
static _Atomic uint64_t next_serial = 1;

void nfqueue__note_receiver(const struct nfqueue_queue *q)
{
	receiving_serial = q->serial;
}

int nfqueue__registry_add(struct nfqueue_queue *q)
{
	uint32_t i;

	pthread_mutex_lock(&registry_lock);
	for (i = 0; i < REGISTRY_SIZE; i++) {
		uint32_t at = (registry_cursor + i) % REGISTRY_SIZE;

		if (atomic_load(&registry[at]) == NULL) {
			q->registry_index = at;
			/* Numbers start at 1: a slot being refilled reads 0. */
			q->next_seq = registry_next_seq[at] ? registry_next_seq[at] : 1;
			q->serial = atomic_fetch_add(&next_serial, 1);
			atomic_store(&registry[at], q);
			/* Spread entries, so an entry is reused as late as possible. */
			registry_cursor = at + 1;
			pthread_mutex_unlock(&registry_lock);
			return 0;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	return nfqueue__fail(NFQUEUE_E_NOMEM,
			     "this process already holds %u queues, the most it can: free some first",
			     REGISTRY_SIZE);
}

void nfqueue__registry_remove(struct nfqueue_queue *q)
{
	pthread_mutex_lock(&registry_lock);
	registry_next_seq[q->registry_index] = q->next_seq & SEQ_MASK;
	atomic_store(&registry[q->registry_index], NULL);
	pthread_mutex_unlock(&registry_lock);
}

nfqueue_packet *nfqueue__handle_of(const struct nfqueue_packet *p)
{
	uintptr_t value = HANDLE_TAG | ((uintptr_t)p->queue->registry_index << INDEX_SHIFT) |
			  ((uintptr_t)(p->seq & SEQ_MASK) << SEQ_SHIFT);

	return (nfqueue_packet *)value;
}

/* ---- the retained table: retained packets by number ---- */

static size_t bucket_of(uint64_t seq, size_t buckets)
{
	return (size_t)(seq * 0x9E3779B97F4A7C15ull >> 17) & (buckets - 1);
}

static int grow_table(struct nfqueue_queue *q)
{
	size_t buckets = q->retained_buckets ? q->retained_buckets * 2 : 64;
	struct nfqueue_packet **table = calloc(buckets, sizeof(*table));
	size_t i;

	if (!table)
		return nfqueue__fail(NFQUEUE_E_NOMEM, "cannot grow the table of %zu retained packets",
				     q->retained_count);
	for (i = 0; i < q->retained_buckets; i++) {
		struct nfqueue_packet *p = q->retained_table[i], *next;

		for (; p; p = next) {
			size_t b = bucket_of(p->seq, buckets);

			next = p->bucket_next;
			p->bucket_next = table[b];
			table[b] = p;
		}
	}
	free(q->retained_table);
	q->retained_table = table;
	q->retained_buckets = buckets;
	return 0;
}

int nfqueue__retained_add_locked(struct nfqueue_queue *q, struct nfqueue_packet *p)
{
	size_t b;

	if (q->retained_count >= q->retained_buckets) {
		int rc = grow_table(q);

		if (rc)
			return rc;
	}
	b = bucket_of(p->seq, q->retained_buckets);
	p->bucket_next = q->retained_table[b];
	q->retained_table[b] = p;
	q->retained_count++;
	return 0;
}

void nfqueue__retained_remove_locked(struct nfqueue_queue *q, struct nfqueue_packet *p)
{
	struct nfqueue_packet **at = &q->retained_table[bucket_of(p->seq, q->retained_buckets)];

	for (; *at; at = &(*at)->bucket_next) {
		if (*at == p) {
			*at = p->bucket_next;
			q->retained_count--;
			return;
		}
	}
}

static struct nfqueue_packet *find_retained(struct nfqueue_queue *q, uint64_t seq)
{
	struct nfqueue_packet *p = NULL;

	pthread_mutex_lock(&q->lock);
	if (q->retained_buckets)
		for (p = q->retained_table[bucket_of(seq, q->retained_buckets)]; p; p = p->bucket_next)
			if ((p->seq & SEQ_MASK) == seq)
				break;
	pthread_mutex_unlock(&q->lock);
	return p;
}

/* The borrowed packet numbered `seq` in the current batch, if it is there.
 * The batch's bounds are atomics because a thread holding a retained
 * packet asks here while the driving thread starts the next batch; only a
 * number inside the bounds leads to a slot, and the slots of the current
 * batch change only on the driving thread. */
static struct nfqueue_packet *find_borrowed(struct nfqueue_queue *q, uint64_t seq)
{
	uint64_t first = atomic_load_explicit(&q->batch_seq, memory_order_acquire) & SEQ_MASK;
	size_t n = atomic_load_explicit(&q->nbatch, memory_order_acquire);
	uint64_t at = (seq - first) & SEQ_MASK;
	struct nfqueue_packet *p;

	if (at >= n || !q->slots)
		return NULL;
	p = q->slots[at];
	if (!p || p->state != NFQUEUE__BORROWED || (p->seq & SEQ_MASK) != seq)
		return NULL;
	return p;
}

struct nfqueue_packet *nfqueue__resolve(const nfqueue_packet *handle, int *rc)
{
	uintptr_t value = (uintptr_t)handle;
	struct nfqueue_queue *q;
	struct nfqueue_packet *p;
	uint64_t seq;

	if (!handle) {
		*rc = nfqueue__fail_static(NFQUEUE_E_INVAL, "packet is NULL");
		return NULL;
	}
	if (!(value & HANDLE_TAG)) {
		*rc = nfqueue__fail_static(NFQUEUE_E_INVAL,
					   "not a packet handle: pass what a receive call handed out");
		return NULL;
	}
	q = atomic_load(&registry[(value >> INDEX_SHIFT) & (REGISTRY_SIZE - 1)]);
	seq = (uint64_t)(value >> SEQ_SHIFT) & SEQ_MASK;
	p = NULL;
	if (q && q->serial == receiving_serial) {
		p = find_borrowed(q, seq);
		if (!p)
			p = find_retained(q, seq);
	} else if (q) {
		p = find_retained(q, seq);
		if (!p)
			p = find_borrowed(q, seq);
	}
	if (!p) {
		*rc = nfqueue__fail_static(NFQUEUE_E_EXPIRED,
					   "the packet has expired: a borrowed packet is valid only during its callback or until the next pull; retain it to keep it");
		return NULL;
	}
	*rc = 0;
	return p;
}
