/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * main.c - `nfqueue`, the command-line tool of libnfqueue: picks the
 * subcommand and hands it the rest of the command line.
 */
#include <stdio.h>
#include <string.h>

#include <nfqueue.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{"stats", cmd_stats, "show the kernel's table of bound queues and their counters"},
	{"dump", cmd_dump, "print (and optionally save as pcap) the packets of a queue, accepting them"},
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: nfqueue COMMAND [OPTIONS]\n"
		   "\n"
		   "Inspect Linux netfilter NFQUEUE queues with libnfqueue.\n"
		   "\n"
		   "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-7s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n"
		   "Options:\n"
		   "  -h, --help     show this help (or 'nfqueue COMMAND --help')\n"
		   "  -V, --version  show the tool's and the library's version\n"
		   "\n"
		   "Queues live in a network namespace: run 'ip netns exec NAME nfqueue ...'\n"
		   "to look at another one.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error(NULL, "missing command");

	const char *cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
		/* Both, because a tool built against one header may run with
		 * another library: that mismatch is what one wants to see. */
		printf("nfqueue %s (libnfqueue %s, ABI %d)\n", NFQUEUE_VERSION_STRING,
		       nfqueue_version(), nfqueue_abi_version());
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(cmd, commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	}
	return usage_error(NULL, "unknown command '%s'", cmd);
}
