// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue_test

// Some tests need a second process in the test's namespace: one that holds
// a queue, one without CAP_NET_ADMIN, one as another user. They re-run
// this test binary with NFQUEUE_GO_TEST_HELPER="NAME ARGS..."; TestMain
// then runs that helper instead of the tests and exits with its status.

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

const helperEnv = "NFQUEUE_GO_TEST_HELPER"

var helpers = map[string]func(args []string) int{
	"unprivileged-send": helperUnprivilegedSend,
	"hold":              helperHold,
	"noadmin":           helperNoAdmin,
	"dropcap":           helperDropCap,
}

// runHelper runs the helper this process was started as, if any.
func runHelper() (code int, ok bool) {
	spec := os.Getenv(helperEnv)
	if spec == "" {
		return 0, false
	}
	words := strings.Fields(spec)
	helper, ok := helpers[words[0]]
	if !ok {
		os.Stderr.WriteString("unknown test helper " + words[0] + "\n")
		return 2, true
	}
	return helper(words[1:]), true
}

// helperCommand is this test binary as helper name, started through
// wrapper (e.g. setpriv ...) when one is given.
func helperCommand(t testing.TB, name string, args ...string) *exec.Cmd {
	return wrappedHelperCommand(t, nil, name, args...)
}

func wrappedHelperCommand(t testing.TB, wrapper []string, name string, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	argv := append(append([]string{}, wrapper...), exe, "-test.run=^$")
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), helperEnv+"="+strings.Join(append([]string{name}, args...), " "))
	return cmd
}

// helperProcess is a running helper whose stdout lines the test reads.
type helperProcess struct {
	t     testing.TB
	cmd   *exec.Cmd
	lines chan string
	stdin io.WriteCloser
}

// startHelper starts helper name; it is killed at the end of the test
// if it still runs.
func startHelper(t testing.TB, name string, args ...string) *helperProcess {
	t.Helper()
	cmd := helperCommand(t, name, args...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &helperProcess{t: t, cmd: cmd, lines: make(chan string, 16), stdin: stdin}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			h.lines <- sc.Text()
		}
		close(h.lines)
	}()
	t.Cleanup(h.kill)
	return h
}

// expect waits for the helper's next line to be want.
func (h *helperProcess) expect(want string) {
	h.t.Helper()
	select {
	case line, ok := <-h.lines:
		if !ok || line != want {
			h.t.Fatalf("helper %v: said %q (open: %v), expected %q", h.cmd.Args, line, ok, want)
		}
	case <-time.After(10 * time.Second):
		h.t.Fatalf("helper %v did not say %q within 10 s", h.cmd.Args, want)
	}
}

// kill ends the helper with SIGKILL (by its own pid) and reaps it.
func (h *helperProcess) kill() {
	if h.cmd.ProcessState != nil {
		return
	}
	_ = h.cmd.Process.Kill()
	_ = h.cmd.Wait()
}
