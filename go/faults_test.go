// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue_test

// The kernel's side going wrong, with real packets in the test namespace
// (tests/reliability/faults.c is the C test, tests/reliability/README.md
// records what the kernel does): a receive buffer too small for the load,
// the kernel queue full without and with fail-open, the rule removed and
// re-added while the queue runs, the consumer killed holding packets.
// They use queue faultQueue, whose rule (faultRule) only they touch.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"

	nfqueue "github.com/nfqueue/nfqueue/go"
)

// faultRule is the rule queueing faultPort to faultQueue, after -A/-D.
var faultRule = []string{"-o", "lo", "-p", "udp", "--dport", strconv.Itoa(faultPort),
	"-j", "NFQUEUE", "--queue-num", strconv.Itoa(faultQueue)}

func iptables(t testing.TB, args ...string) {
	t.Helper()
	out, err := exec.Command("iptables", append([]string{"-w"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("iptables %v: %v: %s", args, err, out)
	}
}

// replaceFaultRule swaps the fault rule for one with extra options, and
// puts the plain one back at the end of the test, also on failure.
func replaceFaultRule(t testing.TB, extra ...string) {
	t.Helper()
	iptables(t, append([]string{"-D", "OUTPUT"}, faultRule...)...)
	changed := append(append([]string{}, faultRule...), extra...)
	iptables(t, append([]string{"-A", "OUTPUT"}, changed...)...)
	t.Cleanup(func() {
		iptables(t, append([]string{"-D", "OUTPUT"}, changed...)...)
		iptables(t, append([]string{"-A", "OUTPUT"}, faultRule...)...)
	})
}

func openFault(t *testing.T, maxLen, rcvbuf uint32, flags nfqueue.Flag) *nfqueue.Queue {
	t.Helper()
	return openFaultConfig(t, maxLen, rcvbuf, flags, false)
}

func openFaultConfig(t *testing.T, maxLen, rcvbuf uint32, flags nfqueue.Flag, noENOBUFS bool) *nfqueue.Queue {
	t.Helper()
	needKernel(t)
	cfg, err := nfqueue.NewConfig()
	if err != nil {
		t.Fatal(err)
	}
	defer cfg.Close()
	if err := cfg.SetNoENOBUFS(noENOBUFS); err != nil {
		t.Fatal(err)
	}
	if maxLen != 0 {
		if err := cfg.SetMaxLen(maxLen); err != nil {
			t.Fatal(err)
		}
	}
	if rcvbuf != 0 {
		if err := cfg.SetRcvBuf(rcvbuf); err != nil {
			t.Fatal(err)
		}
	}
	if err := cfg.SetFlags(flags); err != nil {
		t.Fatal(err)
	}
	return open(t, faultQueue, cfg)
}

func TestFaultSmallReceiveBufferCountsEveryLoss(t *testing.T) {
	const sent, later = 400, 50
	q := openFault(t, 0, 4096, 0)
	rx := newArrivals(t, faultPort, false)
	tx := newSeqSender(t, faultPort)
	tx.sendRange(0, sent) // nobody reads meanwhile: the socket overflows
	got, nobufs := drain(t, q, sent, 200*time.Millisecond)
	arrived := rx.wait(sent, 500*time.Millisecond)
	st := stats(t, q)
	t.Logf("rcvbuf %d bytes: %d sent, %d received by the queue, %d ErrNoBufs from Recv, %d arrived; %s",
		st.RcvBuf, sent, got, nobufs, arrived, describe(st))
	if got >= sent {
		t.Fatal("the buffer was not too small: nothing was lost")
	}
	if st.UserDropped != uint64(sent-got) {
		t.Errorf("UserDropped %d, but %d packets were lost", st.UserDropped, sent-got)
	}
	if arrived != got {
		t.Errorf("%d packets arrived, %d were accepted", arrived, got)
	}
	if nobufs < 1 || st.Enobufs < 1 || q.EnobufsCount() != st.Enobufs {
		t.Errorf("the loss was not reported: %d ErrNoBufs, Enobufs %d, EnobufsCount %d", nobufs, st.Enobufs, q.EnobufsCount())
	}
	pacedAfterLoss(t, q, tx, rx, sent, later)
}

// With NETLINK_NO_ENOBUFS the kernel reports nothing to the socket, yet
// every lost packet is still counted (from the kernel's counters).
func TestFaultSmallReceiveBufferWithNoENOBUFSStillCountsEveryLoss(t *testing.T) {
	const sent, later = 400, 50
	q := openFaultConfig(t, 0, 4096, 0, true)
	rx := newArrivals(t, faultPort, false)
	tx := newSeqSender(t, faultPort)
	tx.sendRange(0, sent)
	got, nobufs := drain(t, q, sent, 200*time.Millisecond)
	arrived := rx.wait(sent, 500*time.Millisecond)
	st := stats(t, q)
	t.Logf("NETLINK_NO_ENOBUFS, rcvbuf %d bytes: %d sent, %d received, %d ErrNoBufs, %d arrived; %s",
		st.RcvBuf, sent, got, nobufs, arrived, describe(st))
	if got >= sent {
		t.Fatal("the buffer was not too small: nothing was lost")
	}
	if st.UserDropped != uint64(sent-got) || arrived != got {
		t.Errorf("UserDropped %d and %d arrived, but %d of %d packets were received", st.UserDropped, arrived, got, sent)
	}
	if nobufs != 0 || st.Enobufs != 0 {
		t.Errorf("with NETLINK_NO_ENOBUFS the socket was told of the loss: %d ErrNoBufs, Enobufs %d", nobufs, st.Enobufs)
	}
	pacedAfterLoss(t, q, tx, rx, sent, later)
}

// pacedAfterLoss checks that a queue that lost packets still works:
// paced traffic passes whole.
func pacedAfterLoss(t *testing.T, q *nfqueue.Queue, tx *seqSender, rx *arrivals, sent, later int) {
	t.Helper()
	paced := 0
	for seq := sent; seq < sent+later; seq++ {
		tx.send(seq)
		n, _ := drain(t, q, 1, 500*time.Millisecond)
		paced += n
	}
	if paced != later {
		t.Errorf("after the loss %d of %d paced packets were received", paced, later)
	}
	if n := rx.wait(later, 500*time.Millisecond); n != later {
		t.Errorf("after the loss %d of %d paced packets arrived", n, later)
	}
}

func queueFull(t *testing.T, flags nfqueue.Flag) {
	const maxLen, sent = 8, 40
	q := openFault(t, maxLen, 0, flags)
	rx := newArrivals(t, faultPort, false)
	newSeqSender(t, faultPort).sendRange(0, sent)
	early := rx.wait(sent, 200*time.Millisecond) // before any verdict
	st := stats(t, q)
	got, _ := drain(t, q, sent, 200*time.Millisecond)
	late := rx.wait(sent, 500*time.Millisecond)
	t.Logf("max_len %d, %d sent: %d passed at once, %d queued, %d arrived after verdicts; %s",
		maxLen, sent, early, got, late, describe(st))
	if got != maxLen || late != maxLen {
		t.Errorf("%d packets queued and %d arrived after their verdict; the queue holds %d", got, late, maxLen)
	}
	if flags&nfqueue.FlagFailOpen != 0 {
		if early != sent-maxLen || st.QueueDropped != 0 {
			t.Errorf("fail-open: %d passed at once (expected %d), QueueDropped %d (expected 0)",
				early, sent-maxLen, st.QueueDropped)
		}
	} else if early != 0 || st.QueueDropped != sent-maxLen {
		t.Errorf("without fail-open: %d passed a full queue (expected 0), QueueDropped %d (expected %d)",
			early, st.QueueDropped, sent-maxLen)
	}
}

func TestFaultQueueFullWithoutFailOpenDropsAndCounts(t *testing.T) { queueFull(t, 0) }

func TestFaultQueueFullWithFailOpenAccepts(t *testing.T) { queueFull(t, nfqueue.FlagFailOpen) }

func TestFaultRuleRemovedAndAddedWhileRunning(t *testing.T) {
	q := openFault(t, 0, 0, 0)
	rx := newArrivals(t, faultPort, false)
	tx := newSeqSender(t, faultPort)
	tx.sendRange(0, 10)
	if got, _ := drain(t, q, 10, 500*time.Millisecond); got != 10 || rx.wait(10, 500*time.Millisecond) != 10 {
		t.Fatalf("before: %d of 10 packets queued, or some lost", got)
	}
	// Five held without a verdict while the rule goes.
	tx.sendRange(10, 15)
	held := recvN(t, q, 5)
	for _, p := range held {
		if _, err := p.Retain(); err != nil {
			t.Fatal(err)
		}
	}
	iptables(t, append([]string{"-D", "OUTPUT"}, faultRule...)...)
	t.Cleanup(func() { // put it back if the test ends before it does
		if exec.Command("iptables", append([]string{"-w", "-C", "OUTPUT"}, faultRule...)...).Run() != nil {
			iptables(t, append([]string{"-A", "OUTPUT"}, faultRule...)...)
		}
	})
	tx.sendRange(15, 25)
	if direct := rx.wait(10, 500*time.Millisecond); direct != 10 {
		t.Errorf("without the rule %d of 10 packets passed", direct)
	}
	if got, _ := drain(t, q, 10, 200*time.Millisecond); got != 0 {
		t.Errorf("%d packets queued without a rule", got)
	}
	for _, p := range held {
		if err := p.Accept(); err != nil {
			t.Errorf("late verdict: %v", err)
		}
		_ = p.Release()
	}
	if n := rx.wait(5, 500*time.Millisecond); n != 5 {
		t.Errorf("packets held across the rule's removal: %d of 5 arrived", n)
	}
	iptables(t, append([]string{"-A", "OUTPUT"}, faultRule...)...)
	tx.sendRange(25, 35)
	if got, _ := drain(t, q, 10, 500*time.Millisecond); got != 10 {
		t.Errorf("after the rule came back %d of 10 packets were queued", got)
	}
	if n := rx.wait(10, 500*time.Millisecond); n != 10 {
		t.Errorf("after the rule came back %d of 10 packets arrived", n)
	}
	if st := stats(t, q); st.Waiting != 0 {
		t.Errorf("%d packets still wait; %s", st.Waiting, describe(st))
	}
}

// A helper process opens the queue, takes `held` packets and keeps them
// without a verdict; the test kills it (SIGKILL). The kernel destroys
// the queue with the socket and drops what it held, with or without
// --queue-bypass; then packets with nobody bound are dropped, or with
// --queue-bypass accepted.
func consumerKilled(t *testing.T, bypass bool) {
	const held, after = 10, 5
	needKernel(t)
	if bypass {
		replaceFaultRule(t, "--queue-bypass")
	}
	rx := newArrivals(t, faultPort, false)
	tx := newSeqSender(t, faultPort)
	h := startHelper(t, "hold", strconv.Itoa(faultQueue), strconv.Itoa(held))
	h.expect("open")
	tx.sendRange(0, held)
	h.expect("held")
	h.kill()
	pending := rx.wait(held, 500*time.Millisecond)
	tx.sendRange(held, held+after)
	unbound := rx.wait(after, 500*time.Millisecond)
	t.Logf("bypass %v: consumer killed holding %d packets: %d of them arrived; of %d sent with nobody bound, %d arrived",
		bypass, held, pending, after, unbound)
	if pending != 0 {
		t.Errorf("the kernel passed %d packets of a dead consumer", pending)
	}
	want := 0
	if bypass {
		want = after
	}
	if unbound != want {
		t.Errorf("%d of %d packets passed with nobody bound, expected %d", unbound, after, want)
	}
}

func TestFaultConsumerKilledWithoutBypass(t *testing.T) { consumerKilled(t, false) }

func TestFaultConsumerKilledWithBypass(t *testing.T) { consumerKilled(t, true) }

// helperHold opens queue args[0], says "open", retains args[1] packets
// without a verdict, says "held", and waits to be killed.
func helperHold(args []string) int {
	num, _ := strconv.Atoi(args[0])
	want, _ := strconv.Atoi(args[1])
	q, err := nfqueue.Open(uint32(num), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hold:", err)
		return 1
	}
	fmt.Println("open")
	var kept []*nfqueue.Packet
	pkts := make([]*nfqueue.Packet, 64)
	for len(kept) < want {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		n, err := q.Recv(ctx, pkts)
		cancel()
		if err != nil {
			fmt.Fprintln(os.Stderr, "hold:", err)
			return 1
		}
		for _, p := range pkts[:n] {
			if _, err := p.Retain(); err != nil {
				return 1
			}
			kept = append(kept, p)
		}
	}
	if want > 0 {
		fmt.Println("held")
	}
	time.Sleep(time.Hour) // until killed: no verdict, no close
	runtime.KeepAlive(kept)
	runtime.KeepAlive(q)
	return 0
}
