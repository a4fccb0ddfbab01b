// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue_test

// The tests run with real packets through real queues, inside a network
// namespace made for this run: TestMain re-executes the test binary under
// `ip netns exec`, with iptables rules on that namespace's loopback
// only, and deletes the namespace afterwards, also when a test fails or
// the run is interrupted. Without root the kernel tests skip, except
// under CI=true, where that is a failure.

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
)

const netnsEnv = "NFQUEUE_GO_TEST_NETNS"

// Ports whose locally sent UDP goes to the queue of the same number
// minus basePort (9001 to queue 1, ...); 9010 is balanced over 10:11.
const (
	basePort     = 9000
	firstQueue   = 1
	lastQueue    = 8
	balancePort  = 9010
	balanceFirst = 10
	balanceLast  = 11
	// The fault tests' own rule (faults_test.go removes and re-adds it).
	faultQueue = 12
	faultPort  = basePort + faultQueue
)

var kernelSkipReason string

func TestMain(m *testing.M) {
	if code, ok := runHelper(); ok {
		os.Exit(code) // this binary re-run by a test as a helper process
	}
	if os.Getenv(netnsEnv) != "" {
		os.Exit(m.Run()) // inside the namespace (or a fuzz worker)
	}
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			fmt.Fprintln(os.Stderr, "nfqueue tests: CI=true needs root (CAP_NET_ADMIN, netns) for the kernel tests")
			os.Exit(1)
		}
		kernelSkipReason = "not root: the kernel tests need CAP_NET_ADMIN and network namespaces"
		os.Exit(m.Run())
	}
	os.Exit(runInNamespace())
}

func run(args ...string) error {
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %v: %s", args, err, out)
	}
	return nil
}

func runInNamespace() int {
	name := "nfqgo-" + strconv.Itoa(os.Getpid())
	if err := run("ip", "netns", "add", name); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = run("ip", "netns", "del", name) }()
	in := func(args ...string) error { return run(append([]string{"ip", "netns", "exec", name}, args...)...) }
	setup := [][]string{{"ip", "link", "set", "lo", "up"}}
	for q := firstQueue; q <= lastQueue; q++ {
		setup = append(setup, []string{"iptables", "-A", "OUTPUT", "-o", "lo", "-p", "udp",
			"--dport", strconv.Itoa(basePort + q), "-j", "NFQUEUE", "--queue-num", strconv.Itoa(q)})
	}
	setup = append(setup, []string{"iptables", "-A", "OUTPUT", "-o", "lo", "-p", "udp",
		"--dport", strconv.Itoa(balancePort), "-j", "NFQUEUE",
		"--queue-balance", fmt.Sprintf("%d:%d", balanceFirst, balanceLast)})
	setup = append(setup, append([]string{"iptables", "-A", "OUTPUT"}, faultRule...))
	for _, args := range setup {
		if err := in(args...); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cmd := exec.Command("ip", append([]string{"netns", "exec", name, exe}, os.Args[1:]...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), netnsEnv+"="+name)
	// Pass an interrupt on, and still delete the namespace afterwards.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(signals)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	go func() {
		for sig := range signals {
			_ = cmd.Process.Signal(sig)
		}
	}()
	if err := cmd.Wait(); err != nil {
		if exit, ok := err.(*exec.ExitError); ok && exit.ExitCode() > 0 {
			return exit.ExitCode()
		}
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// needKernel skips a test that needs real queues where that is allowed.
func needKernel(t testing.TB) {
	t.Helper()
	if kernelSkipReason != "" {
		t.Skip(kernelSkipReason)
	}
}
