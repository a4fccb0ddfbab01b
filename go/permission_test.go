// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue_test

// Who may bind a queue (tests/reliability/faults.c is the C test): a
// queue another process holds is ErrBusy; a process without
// CAP_NET_ADMIN, and one whose capabilities exist only in a child user
// namespace (rootless containers), get ErrPermission naming the
// capability, never ErrBusy. Those two re-run this test binary under
// setpriv and unshare, in the same network namespace.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	nfqueue "github.com/nfqueue/nfqueue/go"
)

func TestQueueHeldByAnotherProcessIsBusy(t *testing.T) {
	needKernel(t)
	h := startHelper(t, "hold", strconv.Itoa(faultQueue), "0")
	h.expect("open")
	q, err := nfqueue.Open(faultQueue, nil)
	t.Logf("held elsewhere: %v", err)
	if err == nil {
		q.Close()
		t.Fatal("Open succeeded on a queue another process holds")
	}
	if !errors.Is(err, nfqueue.ErrBusy) || !strings.Contains(err.Error(), "another socket") {
		t.Errorf("Open: %v; expected ErrBusy saying another socket holds the queue", err)
	}
	if err := nfqueue.CheckPermission(nil); err != nil {
		t.Errorf("CheckPermission as root: %v", err)
	}
	h.kill()
	q = open(t, faultQueue, nil) // free again once the holder died
	_ = q.Close()
}

// noAdmin runs the "noadmin" helper under wrapper and expects it to pass.
func noAdmin(t *testing.T, wrapper ...string) {
	needKernel(t)
	if _, err := exec.LookPath(wrapper[0]); err != nil {
		t.Fatalf("%s is needed for this test (util-linux): %v", wrapper[0], err)
	}
	out, err := wrappedHelperCommand(t, wrapper, "noadmin", strconv.Itoa(faultQueue)).CombinedOutput()
	t.Logf("%s:\n%s", strings.Join(wrapper, " "), out)
	if err != nil {
		t.Fatalf("the run without CAP_NET_ADMIN failed: %v", err)
	}
}

func TestNoCapNetAdminIsPermission(t *testing.T) {
	noAdmin(t, "setpriv", "--inh-caps=-all", "--bounding-set=-net_admin")
}

func TestCapabilitiesOnlyInChildUserNamespaceArePermission(t *testing.T) {
	noAdmin(t, "unshare", "--user", "--map-root-user")
}

// helperNoAdmin: this process must not be able to bind queue args[0]:
// CheckPermission and Open fail with ErrPermission (also os.ErrPermission)
// and a message naming CAP_NET_ADMIN. Exit 0 when that holds.
func helperNoAdmin(args []string) int {
	num, _ := strconv.Atoi(args[0])
	failed := 0
	expectPerm := func(what string, err error) {
		fmt.Printf("%s: %v\n", what, err)
		if !errors.Is(err, nfqueue.ErrPermission) || !errors.Is(err, os.ErrPermission) ||
			!strings.Contains(err.Error(), "CAP_NET_ADMIN") {
			fmt.Printf("FAIL: %s: expected ErrPermission naming CAP_NET_ADMIN\n", what)
			failed++
		}
	}
	expectPerm("CheckPermission", nfqueue.CheckPermission(nil))
	q, err := nfqueue.Open(uint32(num), nil)
	if err == nil {
		q.Close()
	}
	expectPerm("Open", err)
	return failed
}
