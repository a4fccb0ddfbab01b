/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hostile.c - a live queue's netlink port attacked from another netlink
 * socket of the same namespace: datagrams with lying lengths (0, < 16,
 * longer than the datagram, 2^31, 0xffffffff), truncated attributes,
 * packet messages that look valid but carry forged packet ids, 64 KiB of
 * random bytes; then real traffic. The consumer must not crash, must never
 * hand out a forged packet (the sender is not the kernel), must count each
 * foreign datagram in nfqueue_queue_stats().skipped, and must receive and
 * verdict every real packet sent before, between and after the attack.
 * A sender without CAP_NET_ADMIN is refused by the kernel itself.
 *
 * Usage (inside the namespace run-reliability makes): nfqueue-hostile QUEUE PORT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "forge.h"
#include "rel.h"

#define REAL 300           /* real datagrams, in three rounds */
#define FORGED_ID 0x7f000000u
#define FORGED_SEQ 900000u /* seq carried by forged payloads */

static uint32_t queue_num;
static uint16_t port;
static nfqueue_queue *queue;
static uint32_t portid;

static int attacker_socket(void)
{
	struct sockaddr_nl self = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	int size = 1 << 20;

	if (fd < 0 || bind(fd, (struct sockaddr *)&self, sizeof(self)) < 0) {
		printf("  attacker socket: %s\n", strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size));
	return fd;
}

/* Send one datagram to the queue's port; the errno of a refusal, or 0. */
static int send_to_queue(int fd, const void *data, size_t len)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK, .nl_pid = portid };

	return sendto(fd, data, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len ? 0 : errno;
}

static union {
	uint64_t align;
	uint8_t bytes[65536];
} dgram;

/* Every kind of hostile datagram once; returns how many the kernel let
 * through (each one must then be counted as skipped). */
static unsigned attack(int fd)
{
	static const uint32_t lengths[] = { 0, 8, 15, 1000, 0x80000000u, 0xffffffffu };
	uint8_t payload[36];
	static bool reported; /* refusals are the same every time: say them once */
	unsigned sent = 0, tries = 0;
	size_t len, at;
	int err;

#define SEND(data, n) \
	do { \
		tries++; \
		err = send_to_queue(fd, data, n); \
		if (err && !reported) \
			printf("  hostile datagram %u (%zu bytes) refused by the kernel: %s\n", tries, \
			       (size_t)(n), strerror(err)); \
		if (!err) \
			sent++; \
	} while (0)

	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		len = forge_lying_length(dgram.bytes, lengths[i], 64);
		SEND(dgram.bytes, len);
	}
	/* A valid-looking message, then one that lies, in one datagram. */
	len = forge_udp_payload(payload, port, FORGED_SEQ);
	at = forge_packet(dgram.bytes, sizeof(dgram.bytes), (uint16_t)queue_num, FORGED_ID + 1,
			  payload, len);
	at += forge_lying_length(dgram.bytes + at, 0x80000000u, 64);
	SEND(dgram.bytes, at);
	len = forge_truncated_attribute(dgram.bytes, sizeof(dgram.bytes), (uint16_t)queue_num,
					FORGED_ID + 2);
	SEND(dgram.bytes, len);
	/* Forged packets that parse, with ids the kernel may even have
	 * used: a consumer that trusted them would verdict real packets. */
	for (uint32_t id = 0; id < 8; id++) {
		len = forge_udp_payload(payload, port, FORGED_SEQ + id);
		at = forge_packet(dgram.bytes, sizeof(dgram.bytes), (uint16_t)queue_num,
				  id < 4 ? FORGED_ID + 10 + id : id + 1, payload, len);
		SEND(dgram.bytes, at);
	}
	srand(12345);
	for (size_t i = 0; i < sizeof(dgram.bytes); i++)
		dgram.bytes[i] = (uint8_t)rand();
	SEND(dgram.bytes, sizeof(dgram.bytes));
	/* And an empty one: the kernel refuses to send it (ENODATA). */
	SEND(dgram.bytes, 0);
#undef SEND
	reported = true;
	return sent;
}

/* Pull until `want` of our datagrams were handed out or the queue stays
 * silent; verdict them (half of them retained first). */
static uint32_t consume(uint32_t want, uint8_t *handed)
{
	uint32_t got = 0;
	int idle = 0;

	while (got < want && idle < 4) {
		nfqueue_packet *pk[64];
		size_t n = 0;
		int rc = nfqueue_queue_pull(pk, 64, &n, queue, 500);

		REL_CHECK(rc == 0, "pull returned %d (%s)", rc, nfqueue_strerror(rc));
		if (rc)
			return got;
		idle = n ? 0 : idle + 1;
		for (size_t i = 0; i < n; i++) {
			const uint8_t *data;
			size_t len;
			uint32_t id = nfqueue_packet_id(pk[i]);
			int64_t seq = nfqueue_packet_payload(&data, &len, pk[i]) == 0 ?
					      rel_seq_of(data, len, port) : -1;

			REL_CHECK(seq >= 0 && seq < REAL, "a packet not ours was handed out: id %u seq %lld",
				  id, (long long)seq);
			REL_CHECK(id < FORGED_ID, "a forged packet id %u was handed out", id);
			if (seq >= 0 && seq < REAL)
				handed[seq]++;
			if (seq % 2) {
				nfqueue_packet *kept = pk[i];

				REL_CHECK(nfqueue_packet_retain(kept) == 0, "retain");
				REL_CHECK(nfqueue_packet_verdict(kept, NFQUEUE_ACCEPT) == 0, "verdict retained");
				nfqueue_packet_free(kept);
			} else {
				REL_CHECK(nfqueue_packet_verdict(pk[i], NFQUEUE_ACCEPT) == 0, "verdict");
			}
			got++;
		}
	}
	return got;
}

static void test_unprivileged_sender_is_refused(void)
{
	pid_t pid = fork();
	int status = 0;

	if (pid == 0) {
		/* uid 65534 holds no capability in any namespace. */
		int fd;
		uint8_t msg[64];
		size_t len;

		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(3);
		fd = attacker_socket();
		if (fd < 0)
			_exit(4);
		len = forge_lying_length(msg, 0x80000000u, sizeof(msg));
		_exit(send_to_queue(fd, msg, len) == EPERM ? 0 : 1);
	}
	REL_CHECK(pid > 0, "fork: %s", strerror(errno));
	waitpid(pid, &status, 0);
	REL_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "an unprivileged sender was not refused with EPERM (child status %d)", status);
	printf("  the kernel refuses unicast to another NETLINK_NETFILTER port without CAP_NET_ADMIN (EPERM)\n");
}

static void test_hostile_datagrams_then_real_traffic(void)
{
	uint8_t handed[REAL] = { 0 }, seen[REAL] = { 0 };
	int attacker = attacker_socket(), rx = rel_udp_receiver(port), tx = rel_udp_sender();
	unsigned sent = 0;
	uint32_t got = 0, arrived;
	nfqueue_stats st;

	if (attacker < 0 || rx < 0 || tx < 0) {
		rel_failures++;
		return;
	}
	/* Before, between and after real traffic. */
	sent += attack(attacker);
	for (uint32_t s = 0; s < REAL / 3; s++)
		rel_send(tx, port, s);
	sent += attack(attacker);
	got += consume(REAL / 3, handed);
	for (uint32_t s = REAL / 3; s < 2 * REAL / 3; s++)
		rel_send(tx, port, s);
	sent += attack(attacker);
	got += consume(REAL / 3, handed);
	for (uint32_t s = 2 * REAL / 3; s < REAL; s++) {
		rel_send(tx, port, s);
		if (s % 25 == 0)
			sent += attack(attacker);
	}
	got += consume(REAL - 2 * REAL / 3, handed);
	REL_CHECK(nfqueue_queue_flush(queue) == 0, "flush");

	arrived = rel_receive(rx, REAL, 2000, seen, REAL);
	printf("  %u hostile datagrams delivered to port %u, %u real packets handed out, %u arrived\n",
	       sent, portid, got, arrived);
	REL_CHECK(sent > 0, "the kernel let no hostile datagram through: nothing was tested");
	REL_CHECK(got == REAL, "%u of %u real packets handed out", got, REAL);
	REL_CHECK(arrived == REAL, "%u of %u real packets arrived after their verdict", arrived, REAL);
	for (uint32_t s = 0; s < REAL; s++) {
		REL_CHECK(handed[s] == 1, "datagram %u handed out %u times", s, handed[s]);
		REL_CHECK(seen[s] == 1, "datagram %u arrived %u times", s, seen[s]);
	}
	if (rel_stats(&st, queue)) {
		printf("  stats: skipped %llu, waiting %u, user_dropped %llu\n",
		       (unsigned long long)st.skipped, st.waiting, (unsigned long long)st.user_dropped);
		REL_CHECK(st.skipped == sent, "skipped is %llu, %u foreign datagrams were sent",
			  (unsigned long long)st.skipped, sent);
		REL_CHECK(st.waiting == 0, "%u packets still wait for a verdict", st.waiting);
	} else {
		rel_failures++;
	}
	close(attacker);
	close(rx);
	close(tx);
}

int main(int argc, char **argv)
{
	nfqueue_stats st;
	int rc;

	rel_start(argc, argv, &queue_num, &port);
	rc = nfqueue_queue_open(&queue, queue_num, NULL);
	if (rc) {
		printf("open: %s: %s\n", nfqueue_strerror(rc), nfqueue_last_error());
		return 1;
	}
	if (!rel_stats(&st, queue))
		return 1;
	portid = st.portid;
	printf("queue %u is netlink port %u\n", queue_num, portid);
	REL_RUN(test_unprivileged_sender_is_refused);
	REL_RUN(test_hostile_datagrams_then_real_traffic);
	nfqueue_queue_free(queue);
	return rel_summary("hostile");
}
