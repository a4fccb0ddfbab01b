/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * faults.c - the kernel's side going wrong, with real packets in the
 * namespace run-reliability made (its rule queues UDP to PORT on loopback
 * to QUEUE; cases that need other rules change them there and put the
 * rule back):
 *   - a receive buffer too small for the offered load: the queue keeps
 *     working and every lost packet is counted in stats().user_dropped;
 *   - the kernel queue full, without and with fail-open;
 *   - the consumer killed with packets pending, without and with
 *     --queue-bypass: what the kernel does with them and with new ones;
 *   - the NFQUEUE rule removed and added again while a queue runs;
 *   - a queue held by another process: NFQUEUE_E_BUSY;
 *   - CAP_NET_ADMIN dropped after open: the kernel refuses the verdicts
 *     (the library cannot tell: the call returns 0), the packet stays;
 *   - no CAP_NET_ADMIN (setpriv), and capabilities only in a child user
 *     namespace (unshare --user --map-root-user): NFQUEUE_E_PERM with a
 *     message that says what to do, never BUSY. These re-run this program
 *     under setpriv / unshare with the mode "noadmin".
 *
 * Usage: nfqueue-faults QUEUE PORT [noadmin]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rel.h"

static uint32_t queue_num;
static uint16_t port;
static int rx, tx;
static char rule[160]; /* the rule run-reliability made, after -A/-D/-I */

static nfqueue_queue *open_with(uint32_t max_len, uint32_t rcvbuf, uint32_t flags)
{
	nfqueue_config *c;
	nfqueue_queue *q = NULL;
	int rc;

	nfqueue_config_new(&c);
	if (max_len)
		nfqueue_config_set_max_len(c, max_len);
	if (rcvbuf)
		nfqueue_config_set_rcvbuf(c, rcvbuf);
	nfqueue_config_set_flags(c, flags);
	rc = nfqueue_queue_open(&q, queue_num, c);
	nfqueue_config_free(c);
	REL_CHECK(rc == 0, "open queue %u: %s", queue_num, nfqueue_strerror(rc));
	return q;
}

/* Pull and accept until `want` packets or the queue stays quiet for
 * `quiet_ms`; NFQUEUE_E_NOBUFS is counted in *nobufs, not an error. */
static uint32_t drain(nfqueue_queue *q, uint32_t want, int quiet_ms, unsigned *nobufs)
{
	uint32_t got = 0;

	while (got < want) {
		nfqueue_packet *pk[64];
		size_t n = 0;
		int rc = nfqueue_queue_pull(pk, 64, &n, q, quiet_ms);

		if (rc == NFQUEUE_E_NOBUFS && nobufs) {
			(*nobufs)++;
			continue;
		}
		REL_CHECK(rc == 0, "pull: %d (%s)", rc, nfqueue_strerror(rc));
		if (rc || n == 0)
			break;
		for (size_t i = 0; i < n; i++)
			REL_CHECK(nfqueue_packet_verdict(pk[i], NFQUEUE_ACCEPT) == 0, "verdict");
		got += (uint32_t)n;
	}
	return got;
}

static void send_range(uint32_t from, uint32_t to)
{
	for (uint32_t s = from; s < to; s++)
		rel_send(tx, port, s);
}

static void test_small_receive_buffer_counts_every_loss(void)
{
	enum { SENT = 400, LATER = 50 };
	unsigned nobufs = 0;
	nfqueue_queue *q = open_with(0, 4096, 0);
	nfqueue_stats st;
	uint32_t got, arrived, later;

	if (!q)
		return;
	send_range(0, SENT); /* nobody reads meanwhile: the socket overflows */
	got = drain(q, SENT, 200, &nobufs);
	arrived = rel_receive(rx, SENT, 500, NULL, 0);
	if (!rel_stats(&st, q)) {
		rel_failures++;
		nfqueue_queue_free(q);
		return;
	}
	printf("  rcvbuf %u bytes: %u sent, %u received by the queue, %llu user_dropped, %llu ENOBUFS, "
	       "%u NFQUEUE_E_NOBUFS from pull\n", st.rcvbuf, SENT, got,
	       (unsigned long long)st.user_dropped, (unsigned long long)st.enobufs, nobufs);
	REL_CHECK(got < SENT, "the buffer was not too small: nothing was lost");
	REL_CHECK(st.user_dropped == SENT - got, "user_dropped %llu, but %u packets were lost",
		  (unsigned long long)st.user_dropped, SENT - got);
	REL_CHECK(arrived == got, "%u packets arrived, %u were accepted", arrived, got);
	REL_CHECK(nobufs >= 1 && st.enobufs >= 1, "the loss was not reported");
	/* Still working: paced traffic passes whole. */
	later = 0;
	for (uint32_t s = 0; s < LATER; s++) {
		rel_send(tx, port, SENT + s);
		later += drain(q, 1, 500, NULL);
	}
	REL_CHECK(later == LATER, "after the loss, %u of %u packets were received", later, LATER);
	REL_CHECK(rel_receive(rx, LATER, 500, NULL, 0) == LATER, "paced packets lost after the overflow");
	nfqueue_queue_free(q);
}

static void queue_full(uint32_t flags, const char *label)
{
	enum { MAX = 8, SENT = 40 };
	nfqueue_queue *q = open_with(MAX, 0, flags);
	nfqueue_stats st;
	uint32_t early, got, late;

	if (!q)
		return;
	send_range(0, SENT);
	early = rel_receive(rx, SENT, 200, NULL, 0); /* before any verdict */
	if (!rel_stats(&st, q)) {
		rel_failures++;
		nfqueue_queue_free(q);
		return;
	}
	got = drain(q, SENT, 200, NULL);
	late = rel_receive(rx, SENT, 500, NULL, 0);
	printf("  %s: max_len %u, %u sent: %u passed at once, %u queued, %llu queue_dropped, %u arrived after verdicts\n",
	       label, MAX, SENT, early, got, (unsigned long long)st.queue_dropped, late);
	REL_CHECK(got == MAX, "%u packets queued, the queue holds %u", got, MAX);
	REL_CHECK(late == MAX, "%u of the %u queued packets arrived after their verdict", late, MAX);
	if (flags & NFQUEUE_FLAG_FAIL_OPEN) {
		REL_CHECK(early == SENT - MAX, "fail-open let %u pass, expected %u", early, SENT - MAX);
		REL_CHECK(st.queue_dropped == 0, "fail-open counted %llu drops",
			  (unsigned long long)st.queue_dropped);
	} else {
		REL_CHECK(early == 0, "%u packets passed a full queue without fail-open", early);
		REL_CHECK(st.queue_dropped == SENT - MAX, "queue_dropped %llu, expected %u",
			  (unsigned long long)st.queue_dropped, SENT - MAX);
	}
	nfqueue_queue_free(q);
}

static void test_queue_full_without_fail_open_drops_and_counts(void)
{
	queue_full(0, "without fail-open");
}

static void test_queue_full_with_fail_open_accepts(void)
{
	queue_full(NFQUEUE_FLAG_FAIL_OPEN, "with fail-open");
}

/* A child opens the queue, pulls `held` packets and keeps them without a
 * verdict; the parent kills it. Returns how many of them, and of packets
 * sent after its death, arrived. */
static void kill_consumer(const char *label, bool bypass)
{
	enum { HELD = 10, AFTER = 5 };
	int ready[2];
	uint32_t pending_arrived, after_arrived;
	char byte;
	pid_t pid;

	if (bypass && !rel_sh("iptables -w -R OUTPUT 1 %s --queue-bypass", rule)) {
		rel_failures++;
		return;
	}
	if (pipe(ready) < 0) {
		rel_failures++;
		return;
	}
	pid = fork();
	if (pid == 0) {
		nfqueue_queue *q = NULL;
		nfqueue_packet *pk[HELD];
		size_t n = 0, have = 0;

		if (nfqueue_queue_open(&q, queue_num, NULL) != 0)
			_exit(1);
		(void)!write(ready[1], "o", 1);
		while (have < HELD) {
			if (nfqueue_queue_pull(pk, HELD - have, &n, q, 2000) != 0 || n == 0)
				_exit(1);
			for (size_t i = 0; i < n; i++)
				nfqueue_packet_retain(pk[i]); /* held: no verdict */
			have += n;
		}
		(void)!write(ready[1], "h", 1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	REL_CHECK(read(ready[0], &byte, 1) == 1 && byte == 'o', "the consumer did not open its queue");
	send_range(0, HELD);
	REL_CHECK(read(ready[0], &byte, 1) == 1 && byte == 'h', "the consumer did not get its packets");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(ready[0]);
	pending_arrived = rel_receive(rx, HELD, 500, NULL, 0);
	send_range(HELD, HELD + AFTER);
	after_arrived = rel_receive(rx, AFTER, 500, NULL, 0);
	printf("  %s: consumer killed holding %u packets: %u of them arrived; of %u sent with no consumer, %u arrived\n",
	       label, HELD, pending_arrived, AFTER, after_arrived);
	REL_CHECK(pending_arrived == 0, "the kernel passed %u packets of a dead consumer", pending_arrived);
	REL_CHECK(after_arrived == (bypass ? AFTER : 0), "%u of %u packets passed with no consumer",
		  after_arrived, AFTER);
	if (bypass && !rel_sh("iptables -w -R OUTPUT 1 %s", rule))
		rel_failures++;
}

static void test_consumer_killed_without_bypass(void)
{
	kill_consumer("without --queue-bypass", false);
}

static void test_consumer_killed_with_bypass(void)
{
	kill_consumer("with --queue-bypass", true);
}

static void test_rules_removed_and_added_while_running(void)
{
	nfqueue_queue *q = open_with(0, 0, 0);
	nfqueue_packet *held[5];
	size_t n = 0;
	uint32_t direct, queued, arrived;
	int rc;

	if (!q)
		return;
	send_range(0, 10);
	REL_CHECK(drain(q, 10, 500, NULL) == 10, "before: packets not queued");
	REL_CHECK(rel_receive(rx, 10, 500, NULL, 0) == 10, "before: packets lost");
	/* Five held without a verdict while the rule goes. */
	send_range(10, 15);
	rc = nfqueue_queue_pull(held, 5, &n, q, 1000);
	REL_CHECK(rc == 0 && n == 5, "held packets: rc %d, %zu", rc, n);
	for (size_t i = 0; i < n; i++)
		nfqueue_packet_retain(held[i]);
	REL_CHECK(rel_sh("iptables -w -D OUTPUT %s", rule), "rule removed");
	send_range(15, 25);
	direct = rel_receive(rx, 10, 500, NULL, 0);
	REL_CHECK(direct == 10, "without the rule %u of 10 packets passed", direct);
	REL_CHECK(drain(q, 10, 200, NULL) == 0, "packets queued without a rule");
	for (size_t i = 0; i < n; i++) {
		REL_CHECK(nfqueue_packet_verdict(held[i], NFQUEUE_ACCEPT) == 0, "late verdict");
		nfqueue_packet_free(held[i]);
	}
	arrived = rel_receive(rx, 5, 500, NULL, 0);
	printf("  rule removed with 5 packets held: their late verdicts returned 0 and %u arrived\n", arrived);
	REL_CHECK(arrived == 5, "packets held across the rule's removal: %u of 5 arrived", arrived);
	REL_CHECK(rel_sh("iptables -w -A OUTPUT %s", rule), "rule added again");
	send_range(25, 35);
	queued = drain(q, 10, 500, NULL);
	REL_CHECK(queued == 10, "after the rule came back %u of 10 packets were queued", queued);
	REL_CHECK(rel_receive(rx, 10, 500, NULL, 0) == 10, "after: packets lost");
	nfqueue_queue_free(q);
}

static void test_queue_held_by_another_process_is_busy(void)
{
	int ready[2];
	char byte;
	pid_t pid;
	nfqueue_queue *q = NULL;
	int rc;

	if (pipe(ready) < 0) {
		rel_failures++;
		return;
	}
	pid = fork();
	if (pid == 0) {
		nfqueue_queue *mine = NULL;

		if (nfqueue_queue_open(&mine, queue_num, NULL) != 0)
			_exit(1);
		(void)!write(ready[1], "o", 1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	REL_CHECK(read(ready[0], &byte, 1) == 1, "the other process did not open the queue");
	rc = nfqueue_queue_open(&q, queue_num, NULL);
	printf("  held elsewhere: %s: %s\n", nfqueue_strerror(rc), nfqueue_last_error());
	REL_CHECK(rc == NFQUEUE_E_BUSY && q == NULL, "open returned %d", rc);
	REL_CHECK(strstr(nfqueue_last_error(), "another socket") != NULL, "the message does not say why");
	REL_CHECK(nfqueue_check_permission(NULL) == 0, "the permission probe failed as root");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(ready[0]);
	rc = nfqueue_queue_open(&q, queue_num, NULL);
	REL_CHECK(rc == 0, "once the other process died the queue did not open: %d", rc);
	nfqueue_queue_free(q);
}

/* In a child: open, drop CAP_NET_ADMIN from the effective set, verdict a
 * packet. The kernel checks the capability on every message, so the
 * verdict never takes effect; exit 0 if that is what happened. */
static void test_verdict_after_dropping_cap_net_admin_is_refused(void)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct d[2];
		nfqueue_queue *q = NULL;
		nfqueue_packet *p;
		nfqueue_stats st;
		size_t n = 0;
		int rc;

		if (nfqueue_queue_open(&q, queue_num, NULL) != 0 || syscall(SYS_capget, &h, d) != 0)
			_exit(10);
		d[0].effective &= ~(1u << CAP_NET_ADMIN);
		if (syscall(SYS_capset, &h, d) != 0)
			_exit(11);
		rel_send(tx, port, 1);
		if (nfqueue_queue_pull(&p, 1, &n, q, 1000) != 0 || n != 1)
			_exit(12);
		rc = nfqueue_packet_verdict(p, NFQUEUE_ACCEPT);
		(void)nfqueue_queue_flush(q);
		n = rel_receive(rx, 1, 300, NULL, 0);
		printf("  CAP_NET_ADMIN dropped after open: verdict returned %d, %zu arrived\n", rc, n);
		if (n != 0 || !rel_stats(&st, q) || st.waiting != 1)
			_exit(13);
		/* The refusal comes back as an error message, which the next
		 * receive reads and counts. */
		(void)nfqueue_queue_pull(&p, 1, &n, q, 200);
		if (!rel_stats(&st, q) || st.verdict_errors < 1)
			_exit(14);
		printf("  the kernel's refusal is counted: verdict_errors %llu\n",
		       (unsigned long long)st.verdict_errors);
		_exit(0); /* the kernel drops the packet with the socket */
	}
	waitpid(pid, &status, 0);
	REL_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "a verdict without CAP_NET_ADMIN took effect, or the case broke (status %d)", status);
}

/* Re-run this program as `argv` (setpriv ..., unshare ...) in mode
 * "noadmin", where every open must be refused with NFQUEUE_E_PERM. */
static void run_without_admin(const char *label, char *const argv[])
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	REL_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: the unprivileged run failed (status %d)",
		  label, status);
}

static char self_exe[4096], queue_arg[16], port_arg[16];

static void test_no_cap_net_admin_is_perm(void)
{
	char *argv[] = { "setpriv", "--inh-caps=-all", "--bounding-set=-net_admin", self_exe,
			 queue_arg, port_arg, "noadmin", NULL };

	run_without_admin("setpriv --bounding-set=-net_admin", argv);
}

static void test_caps_only_in_child_user_namespace_is_perm(void)
{
	char *argv[] = { "unshare", "--user", "--map-root-user", self_exe, queue_arg, port_arg,
			 "noadmin", NULL };

	run_without_admin("unshare --user --map-root-user", argv);
}

/* Mode "noadmin": this process must not be able to bind a queue. */
static void test_open_is_refused_with_perm(void)
{
	nfqueue_queue *q = NULL;
	int rc = nfqueue_check_permission(NULL);

	printf("  check_permission: %s: %s\n", nfqueue_strerror(rc), nfqueue_last_error());
	REL_CHECK(rc == NFQUEUE_E_PERM, "check_permission returned %d", rc);
	rc = nfqueue_queue_open(&q, queue_num, NULL);
	printf("  open: %s: %s\n", nfqueue_strerror(rc), nfqueue_last_error());
	REL_CHECK(rc == NFQUEUE_E_PERM && q == NULL, "open returned %d, not NFQUEUE_E_PERM", rc);
	REL_CHECK(strstr(nfqueue_last_error(), "CAP_NET_ADMIN") != NULL,
		  "the message does not name the missing capability");
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s QUEUE PORT [noadmin]\n", argv[0]);
		return 2;
	}
	rel_require_own_netns();
	setvbuf(stdout, NULL, _IOLBF, 0);
	queue_num = (uint32_t)atoi(argv[1]);
	port = (uint16_t)atoi(argv[2]);
	if (argc > 3 && strcmp(argv[3], "noadmin") == 0) {
		REL_RUN(test_open_is_refused_with_perm);
		return rel_summary("faults (no CAP_NET_ADMIN)");
	}
	snprintf(rule, sizeof(rule), "-o lo -p udp --dport %u -j NFQUEUE --queue-num %u", port, queue_num);
	snprintf(queue_arg, sizeof(queue_arg), "%s", argv[1]);
	snprintf(port_arg, sizeof(port_arg), "%s", argv[2]);
	if (readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1) < 0)
		return 1;
	rx = rel_udp_receiver(port);
	tx = rel_udp_sender();
	if (rx < 0 || tx < 0)
		return 1;
	REL_RUN(test_small_receive_buffer_counts_every_loss);
	REL_RUN(test_queue_full_without_fail_open_drops_and_counts);
	REL_RUN(test_queue_full_with_fail_open_accepts);
	REL_RUN(test_consumer_killed_without_bypass);
	REL_RUN(test_consumer_killed_with_bypass);
	REL_RUN(test_rules_removed_and_added_while_running);
	REL_RUN(test_queue_held_by_another_process_is_busy);
	REL_RUN(test_verdict_after_dropping_cap_net_admin_is_refused);
	REL_RUN(test_no_cap_net_admin_is_perm);
	REL_RUN(test_caps_only_in_child_user_namespace_is_perm);
	return rel_summary("faults");
}
