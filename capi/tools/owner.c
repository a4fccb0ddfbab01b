/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * owner.c - from a netlink port id to "PID/COMM".
 */
#include "owner.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NETLINK_NETFILTER_ 12

/* The inode of the NETLINK_NETFILTER socket bound to `portid`, or 0. */
static unsigned long socket_inode(const char *netlink_table, uint32_t portid)
{
	FILE *f = fopen(netlink_table, "r");
	char line[512];
	unsigned long inode = 0;

	if (!f)
		return 0;
	/* Columns: sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode. The
	 * first line is the header; sk may read as zeros under kptr_restrict. */
	while (fgets(line, sizeof(line), f)) {
		char sk[32], groups[32];
		unsigned proto, pid, dump, locks, drops;
		unsigned long rmem, wmem, ino;
		if (sscanf(line, "%31s %u %u %31s %lu %lu %u %u %u %lu", sk, &proto, &pid, groups,
			   &rmem, &wmem, &dump, &locks, &drops, &ino) != 10)
			continue;
		if (proto == NETLINK_NETFILTER_ && pid == portid) {
			inode = ino;
			break;
		}
	}
	fclose(f);
	return inode;
}

/* Nonzero if process `pid` has a descriptor open on socket:[inode]. */
static int process_has_socket(const char *pid, const char *want)
{
	char path[sizeof("/proc//fd") + 256];
	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	DIR *d = opendir(path);
	if (!d)
		return 0;

	int found = 0;
	struct dirent *e;
	while (!found && (e = readdir(d)) != NULL) {
		char fd_path[sizeof(path) + 1 + 256], target[64];
		if (e->d_name[0] == '.')
			continue;
		snprintf(fd_path, sizeof(fd_path), "%s/%s", path, e->d_name);
		ssize_t n = readlink(fd_path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		found = strcmp(target, want) == 0;
	}
	closedir(d);
	return found;
}

int find_socket_owner(char *out, size_t size, const char *netlink_table, uint32_t portid)
{
	snprintf(out, size, "-");

	unsigned long inode = socket_inode(netlink_table, portid);
	if (inode == 0)
		return -1;

	char want[48];
	snprintf(want, sizeof(want), "socket:[%lu]", inode);

	DIR *proc = opendir("/proc");
	if (!proc)
		return -1;
	int rc = -1;
	struct dirent *e;
	while ((e = readdir(proc)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		if (!process_has_socket(e->d_name, want))
			continue;

		char comm_path[sizeof("/proc//comm") + 256], comm[64] = "?";
		snprintf(comm_path, sizeof(comm_path), "/proc/%s/comm", e->d_name);
		FILE *f = fopen(comm_path, "r");
		if (f) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		snprintf(out, size, "%s/%s", e->d_name, comm);
		rc = 0;
		break; /* a socket shared after fork has several holders; one names it */
	}
	closedir(proc);
	return rc;
}

void owner_hint(void)
{
	/* Other users' /proc/PID/fd needs ptrace-read access to them. */
	if (geteuid() == 0)
		return;
	fprintf(stderr, "nfqueue: process '-': finding the process that holds a queue's "
			"socket reads other users' /proc/PID/fd, which needs root (or "
			"CAP_SYS_PTRACE): run 'sudo nfqueue stats'\n");
}
