/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * testhook.h - for tests only (fuzzing, hostile-input unit tests): a queue
 * with no kernel behind it, and a way to hand it a datagram where recv()
 * would. testhook.c is built into the internal static library only, never
 * into libnfqueue.so; a program that uses it links with
 *   -Wl,--wrap=recvfrom -Wl,--wrap=send
 * so that receive.c's recvfrom() and verdict.c's send() reach the hook for
 * such a queue (and the real calls for every other socket).
 */
#ifndef NFQUEUE_TESTHOOK_H
#define NFQUEUE_TESTHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* A queue as nfqueue_queue_open() makes it (config's batch size and copy
 * mode; NULL: defaults), buffers and registry entry included, but with an AF_UNIX
 * socket in place of the netlink one, served by the hook. Free it with nfqueue_queue_free(). 0 or NFQUEUE_E_NOMEM. */
int nfqueue__test_queue_new(struct nfqueue_queue **out, const struct nfqueue_config *config);

/*
 * Run a pull (nfqueue_queue_pull(), timeout 0) on `q` whose socket returns
 * the datagram data[0..len) once, as sent by netlink port `sender` (0: the
 * kernel), then nothing. The packets handed out are in out[0..*out_count).
 * Returns what the pull returned, or NFQUEUE_E_NOTSUP if the program was
 * not linked with the wraps above (the hook was never reached).
 */
int nfqueue__feed_datagram(nfqueue_packet **out, size_t max, size_t *out_count,
			   struct nfqueue_queue *q, const uint8_t *data, size_t len,
			   uint32_t sender);

/* Bytes of verdict messages the queues of this thread sent through the hook. */
size_t nfqueue__test_sent_bytes(void);

#endif
