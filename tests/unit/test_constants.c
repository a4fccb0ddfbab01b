/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_constants.c - the header's constants keep their values.
 *
 * Functions take and return plain ints, so libabigail never sees these
 * enums: renumbering one would pass the ABI check and still break every
 * compiled caller. Where a value is the kernel's (or an errno), it is
 * compared with the kernel's own header, so the promise "the literal values
 * are Linux's" is checked rather than retyped.
 */
#include <errno.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <net/if.h>

#include "harness.h"

static void test_error_codes_are_negated_errnos(void)
{
	CHECK_EQ(NFQUEUE_OK, 0);
	CHECK_EQ(NFQUEUE_E_PERM, -EPERM);
	CHECK_EQ(NFQUEUE_E_NOENT, -ENOENT);
	CHECK_EQ(NFQUEUE_E_IO, -EIO);
	CHECK_EQ(NFQUEUE_E_AGAIN, -EAGAIN);
	CHECK_EQ(NFQUEUE_E_NOMEM, -ENOMEM);
	CHECK_EQ(NFQUEUE_E_BUSY, -EBUSY);
	CHECK_EQ(NFQUEUE_E_INVAL, -EINVAL);
	CHECK_EQ(NFQUEUE_E_NOATTR, -ENODATA);
	CHECK_EQ(NFQUEUE_E_TOOBIG, -EMSGSIZE);
	CHECK_EQ(NFQUEUE_E_NOTSUP, -EOPNOTSUPP);
	CHECK_EQ(NFQUEUE_E_NOBUFS, -ENOBUFS);
}

/* The private range: literal, since no errno defines them. */
static void test_private_error_codes(void)
{
	CHECK_EQ(NFQUEUE_E_CLOSED, -1001);
	CHECK_EQ(NFQUEUE_E_VERDICT_GIVEN, -1002);
	CHECK_EQ(NFQUEUE_E_EXPIRED, -1003);
	CHECK_EQ(NFQUEUE_E_STOPPED, -1004);
}

static void test_kernel_values(void)
{
	CHECK_EQ(NFQUEUE_COPY_NONE, NFQNL_COPY_NONE);
	CHECK_EQ(NFQUEUE_COPY_META, NFQNL_COPY_META);
	CHECK_EQ(NFQUEUE_COPY_PACKET, NFQNL_COPY_PACKET);

	CHECK_EQ(NFQUEUE_FLAG_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN);
	CHECK_EQ(NFQUEUE_FLAG_CONNTRACK, NFQA_CFG_F_CONNTRACK);
	CHECK_EQ(NFQUEUE_FLAG_GSO, NFQA_CFG_F_GSO);
	CHECK_EQ(NFQUEUE_FLAG_UID_GID, NFQA_CFG_F_UID_GID);
	CHECK_EQ(NFQUEUE_FLAG_SECCTX, NFQA_CFG_F_SECCTX);

	CHECK_EQ(NFQUEUE_DROP, NF_DROP);
	CHECK_EQ(NFQUEUE_ACCEPT, NF_ACCEPT);
	CHECK_EQ(NFQUEUE_REPEAT, NF_REPEAT);
	CHECK_EQ(NFQUEUE_STOP, NF_STOP);

	CHECK_EQ(NFQUEUE_HOOK_PREROUTING, NF_INET_PRE_ROUTING);
	CHECK_EQ(NFQUEUE_HOOK_INPUT, NF_INET_LOCAL_IN);
	CHECK_EQ(NFQUEUE_HOOK_FORWARD, NF_INET_FORWARD);
	CHECK_EQ(NFQUEUE_HOOK_OUTPUT, NF_INET_LOCAL_OUT);
	CHECK_EQ(NFQUEUE_HOOK_POSTROUTING, NF_INET_POST_ROUTING);

	CHECK_EQ(NFQUEUE_SKB_CSUM_NOT_READY, NFQA_SKB_CSUMNOTREADY);
	CHECK_EQ(NFQUEUE_SKB_GSO, NFQA_SKB_GSO);
	CHECK_EQ(NFQUEUE_SKB_CSUM_NOT_VERIFIED, NFQA_SKB_CSUM_NOTVERIFIED);

	CHECK_EQ(NFQUEUE_IFNAMSIZ, IF_NAMESIZE);
	/* A netlink attribute's 16-bit length minus its 4-byte header. */
	CHECK_EQ(NFQUEUE_PAYLOAD_MAX, 0xffff - 4);
	CHECK_EQ(NFQUEUE_QUEUE_NUM_MAX, 0xffff);
}

/* Our own enums: numbered once, never again. */
static void test_library_values(void)
{
	CHECK_EQ(NFQUEUE_QUEUE_BYPASS, 1);
	CHECK_EQ(NFQUEUE_IFACE_IN, 0);
	CHECK_EQ(NFQUEUE_IFACE_OUT, 1);
	CHECK_EQ(NFQUEUE_IFACE_PHYSIN, 2);
	CHECK_EQ(NFQUEUE_IFACE_PHYSOUT, 3);
}

int main(void)
{
	RUN(test_error_codes_are_negated_errnos);
	RUN(test_private_error_codes);
	RUN(test_kernel_values);
	RUN(test_library_values);
	return harness_summary();
}
