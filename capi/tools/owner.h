/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * owner.h - which process holds a netlink socket, for `nfqueue stats`.
 *
 * The kernel's queue table names the bound socket only by its netlink
 * port id; the process behind it is what someone whose open failed with
 * "busy" wants to know. /proc/net/netlink maps port id to socket inode,
 * and /proc/PID/fd maps the inode to processes.
 */
#ifndef NFQUEUE_TOOLS_OWNER_H
#define NFQUEUE_TOOLS_OWNER_H

#include <stddef.h>
#include <stdint.h>

/*
 * Describe the process holding the NETLINK_NETFILTER socket with port id
 * `portid` as "PID/COMM" in out[0..size). `netlink_table` is the
 * /proc/.../net/netlink file of the same network namespace. Returns 0, or
 * -1 (out holds "-") when it cannot be found: another PID namespace, no
 * permission to read other processes' fds, or the socket just closed.
 */
int find_socket_owner(char *out, size_t size, const char *netlink_table, uint32_t portid);

/*
 * After find_socket_owner() failed: say on stderr, once per call, what
 * seeing other users' processes needs when the caller lacks it (not root).
 */
void owner_hint(void);

#endif
