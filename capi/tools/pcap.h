/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcap.h - a minimal writer of classic libpcap capture files.
 *
 * Only what `nfqueue dump --pcap` needs: LINKTYPE_RAW (101) records, since
 * NFQUEUE hands out packets starting at the IP header with no link layer.
 */
#ifndef NFQUEUE_TOOLS_PCAP_H
#define NFQUEUE_TOOLS_PCAP_H

#include <stdint.h>
#include <stdio.h>

/* Link type of packets that begin with an IPv4 or IPv6 header. */
#define PCAP_LINKTYPE_RAW 101

struct pcap_writer;

/*
 * Create (truncate) `path` and write the file header; "-" writes to
 * standard output. `snaplen` is the largest caplen the file will hold.
 * Returns NULL with errno set on failure.
 */
struct pcap_writer *pcap_writer_open(const char *path, uint32_t snaplen);

/*
 * Append one record: `caplen` bytes of `data` (what was captured) out of a
 * packet that was `origlen` long, received at sec.usec. Flushes, so a
 * reader following the file (tcpdump -r -) sees it at once. Returns 0, or
 * -1 with errno set.
 */
int pcap_writer_write(struct pcap_writer *w, const uint8_t *data, uint32_t caplen,
		      uint32_t origlen, int64_t sec, int64_t usec);

/* Flush and close; returns 0, or -1 with errno set if a write failed.
 * NULL is allowed. */
int pcap_writer_close(struct pcap_writer *w);

#endif
