/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cli.h - what the files of the `nfqueue` tool share.
 */
#ifndef NFQUEUE_TOOLS_CLI_H
#define NFQUEUE_TOOLS_CLI_H

#include <stdint.h>

/* Exit statuses, the usual convention of command-line tools. */
#define EXIT_OK 0
#define EXIT_FAIL 1  /* the command ran and failed */
#define EXIT_USAGE 2 /* the command line was wrong */

/* Subcommands: argv[0] is the subcommand's name. Return an exit status. */
int cmd_stats(int argc, char **argv);
int cmd_dump(int argc, char **argv);

/* Print "nfqueue: <fmt>\n" to stderr. */
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Print "nfqueue: <what>: <strerror(code)>: <last error>" to stderr.
 * Call right after the failing libnfqueue call: the detail message is
 * overwritten by the next call on this thread.
 */
void nfq_report(const char *what, int code);

/* Print a usage error and a pointer to --help; returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parse a whole decimal (or 0x hex) string into [min, max]; 0 or -1. */
int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

/* Like parse_u32 from 0, with an optional binary suffix K, M or G
 * (1024, 1024^2, 1024^3; either case). */
int parse_bytes(const char *s, uint32_t max, uint32_t *out);

#endif
