/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * summary.h - a one-line description of an IP packet's L3/L4 headers,
 * in the spirit of tcpdump's, e.g. "udp 10.0.0.1:1234 -> 10.0.0.2:9 len=5".
 */
#ifndef NFQUEUE_TOOLS_SUMMARY_H
#define NFQUEUE_TOOLS_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

/*
 * Describe the packet at data[0..len), which starts at the network header
 * (as NFQUEUE delivers it), into out[0..size), always NUL-terminated.
 * `hw_protocol` (host order) names non-IP packets; 0 means "look at the
 * version nibble". Never fails: malformed or truncated packets are
 * described as such.
 */
void summarize_packet(char *out, size_t size, const uint8_t *data, size_t len,
		      uint16_t hw_protocol);

#endif
