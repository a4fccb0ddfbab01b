/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * forge.h - netlink messages that look like the kernel's NFQNL_MSG_PACKET,
 * and broken ones, for the hostile-input tests, the feed unit test and the
 * fuzz seed corpus. Built by hand, so a test can lie in any field.
 */
#ifndef NFQUEUE_RELIABILITY_FORGE_H
#define NFQUEUE_RELIABILITY_FORGE_H

#include <stddef.h>
#include <stdint.h>

/* A well-formed packet message (packet header, mark, payload) for queue
 * `queue_num` and packet `id`, at buf[0..room). Returns its (aligned)
 * length, 0 if it does not fit. */
size_t forge_packet(uint8_t *buf, size_t room, uint16_t queue_num, uint32_t id,
		    const uint8_t *payload, size_t payload_len);

/* A packet message whose nlmsg_len claims `claimed` bytes while `actual`
 * bytes (>= 16) are written. Returns `actual`. */
size_t forge_lying_length(uint8_t *buf, uint32_t claimed, size_t actual);

/* A packet message whose last attribute says it is longer than the
 * message. Returns its length. */
size_t forge_truncated_attribute(uint8_t *buf, size_t room, uint16_t queue_num, uint32_t id);

/* An IPv4 UDP datagram 127.0.0.1 -> 127.0.0.1:port carrying `seq`, as a
 * queued packet's payload would look. Returns its length (28 + 8). */
size_t forge_udp_payload(uint8_t *buf, uint16_t port, uint32_t seq);

#endif
