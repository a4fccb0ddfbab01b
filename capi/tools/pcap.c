/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcap.c - the classic pcap format, written by hand.
 *
 * The format: a 24-byte file header, then per packet a 16-byte record
 * header followed by the captured bytes. Every field is in the writer's
 * byte order; readers detect it from the magic number, so no swapping is
 * needed here. Written with fwrite of explicit fields rather than a
 * struct, so padding can never sneak into the file.
 */
#include "pcap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PCAP_MAGIC_USEC 0xa1b2c3d4u /* microsecond timestamps */
#define PCAP_VERSION_MAJOR 2
#define PCAP_VERSION_MINOR 4

struct pcap_writer {
	FILE *f;
	int is_stdout;
	uint32_t snaplen;
};

static int put32(FILE *f, uint32_t v)
{
	return fwrite(&v, sizeof(v), 1, f) == 1 ? 0 : -1;
}

static int put16(FILE *f, uint16_t v)
{
	return fwrite(&v, sizeof(v), 1, f) == 1 ? 0 : -1;
}

struct pcap_writer *pcap_writer_open(const char *path, uint32_t snaplen)
{
	struct pcap_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	if (strcmp(path, "-") == 0) {
		w->f = stdout;
		w->is_stdout = 1;
	} else {
		w->f = fopen(path, "wb");
		if (!w->f) {
			int e = errno;
			free(w);
			errno = e;
			return NULL;
		}
	}
	w->snaplen = snaplen;

	int bad = put32(w->f, PCAP_MAGIC_USEC) || put16(w->f, PCAP_VERSION_MAJOR) ||
		  put16(w->f, PCAP_VERSION_MINOR) ||
		  put32(w->f, 0) ||   /* thiszone: timestamps are UTC */
		  put32(w->f, 0) ||   /* sigfigs: always 0 in practice */
		  put32(w->f, snaplen) || put32(w->f, PCAP_LINKTYPE_RAW) || fflush(w->f) != 0;
	if (bad) {
		int e = errno ? errno : EIO;
		pcap_writer_close(w);
		errno = e;
		return NULL;
	}
	return w;
}

int pcap_writer_write(struct pcap_writer *w, const uint8_t *data, uint32_t caplen,
		      uint32_t origlen, int64_t sec, int64_t usec)
{
	/* Readers reject records longer than the file's snaplen. */
	if (caplen > w->snaplen)
		caplen = w->snaplen;
	if (origlen < caplen)
		origlen = caplen;
	if (put32(w->f, (uint32_t)sec) || put32(w->f, (uint32_t)usec) || put32(w->f, caplen) ||
	    put32(w->f, origlen))
		return -1;
	if (caplen > 0 && fwrite(data, caplen, 1, w->f) != 1)
		return -1;
	return fflush(w->f) == 0 ? 0 : -1;
}

int pcap_writer_close(struct pcap_writer *w)
{
	int rc = 0;

	if (!w)
		return 0;
	if (w->is_stdout)
		rc = fflush(w->f) == 0 ? 0 : -1;
	else
		rc = fclose(w->f) == 0 ? 0 : -1;
	free(w);
	return rc;
}
