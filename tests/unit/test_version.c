/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_version.c - the library reports the version of the header it was
 * built with, so a program can tell at run time that it got the library
 * it was compiled against.
 */
#include "harness.h"

#define STR_(x) #x
#define STR(x) STR_(x)

static void test_version_string_matches_header(void)
{
	CHECK_STR(nfqueue_version(), NFQUEUE_VERSION_STRING);
	/* and the string agrees with the numeric macros */
	CHECK_STR(NFQUEUE_VERSION_STRING,
		  STR(NFQUEUE_VERSION_MAJOR) "." STR(NFQUEUE_VERSION_MINOR) "." STR(NFQUEUE_VERSION_PATCH));
}

static void test_abi_version_matches_header(void)
{
	CHECK_EQ(nfqueue_abi_version(), NFQUEUE_ABI_VERSION);
	/* The SONAME's major is the ABI version; a 1.x header is ABI 1. */
	CHECK_EQ(NFQUEUE_ABI_VERSION, NFQUEUE_VERSION_MAJOR);
}

int main(void)
{
	RUN(test_version_string_matches_header);
	RUN(test_abi_version_matches_header);
	return harness_summary();
}
