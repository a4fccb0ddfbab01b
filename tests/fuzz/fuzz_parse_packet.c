/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_parse_packet.c - libFuzzer target: nfqueue__parse_packet() on one
 * NFQNL_MSG_PACKET message of arbitrary bytes. The receive path hands it
 * only messages whose nlmsg_len is at least a header and at most the
 * bytes received; the target sets nlmsg_len so, and checks that every
 * span the parser reports lies inside the message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>

#include "internal.h"

static union {
	uint64_t align;
	uint8_t bytes[1 << 17];
} msg;

static void check_span(struct nfqueue__span s, size_t len)
{
	if (s.len && ((size_t)s.off > len || (size_t)s.len > len - s.off))
		abort(); /* a span past the message: a reader would overrun */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nfqueue__fields f;
	uint32_t len;

	if (size < sizeof(struct nlmsghdr) || size > sizeof(msg.bytes))
		return 0;
	memcpy(msg.bytes, data, size);
	len = (uint32_t)size;
	memcpy(msg.bytes + offsetof(struct nlmsghdr, nlmsg_len), &len, sizeof(len));
	if (nfqueue__parse_packet(&f, (const struct nlmsghdr *)msg.bytes) == 0) {
		check_span(f.hwaddr, size);
		check_span(f.secctx, size);
		check_span(f.l2hdr, size);
		check_span(f.payload, size);
	}
	return 0;
}
