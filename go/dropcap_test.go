// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue_test

// CAP_NET_ADMIN dropped after the queue opened (tests/reliability/faults.c
// does the same in C): the kernel checks the capability on every message,
// so it refuses the verdict; the library cannot know when it sends (the
// call succeeds), the packet stays waiting, and the kernel's refusal,
// read by the next receive, is counted in Stats().VerdictErrors.
// Capabilities belong to a thread: the helper process locks its goroutine
// to one OS thread, drops the capability there and does everything on it.

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"
	"unsafe"

	nfqueue "github.com/nfqueue/nfqueue/go"
)

func TestFaultVerdictAfterDroppingCapNetAdminIsRefused(t *testing.T) {
	needKernel(t)
	out, err := helperCommand(t, "dropcap", strconv.Itoa(faultQueue), strconv.Itoa(faultPort)).CombinedOutput()
	t.Logf("helper:\n%s", out)
	if err != nil {
		t.Fatalf("a verdict without CAP_NET_ADMIN took effect, or the case broke: %v", err)
	}
}

// dropNetAdmin removes CAP_NET_ADMIN from the calling thread's effective set.
func dropNetAdmin() error {
	const version3, capNetAdmin = 0x20080522, 12 // _LINUX_CAPABILITY_VERSION_3, CAP_NET_ADMIN
	hdr := struct {
		version uint32
		pid     int32
	}{version: version3}
	var data [2]struct{ effective, permitted, inheritable uint32 }
	if _, _, e := syscall.RawSyscall(syscall.SYS_CAPGET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0); e != 0 {
		return fmt.Errorf("capget: %w", e)
	}
	data[0].effective &^= 1 << capNetAdmin
	if _, _, e := syscall.RawSyscall(syscall.SYS_CAPSET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0); e != 0 {
		return fmt.Errorf("capset: %w", e)
	}
	return nil
}

// helperDropCap: queue args[0], port args[1]; exit 0 when the verdict
// given without the capability was refused as described above.
func helperDropCap(args []string) int {
	runtime.LockOSThread() // never unlocked: the thread dies with the process
	num, _ := strconv.Atoi(args[0])
	port, _ := strconv.Atoi(args[1])
	fail := func(format string, a ...any) int {
		fmt.Printf("FAIL: "+format+"\n", a...)
		return 1
	}
	q, err := nfqueue.Open(uint32(num), nil)
	if err != nil {
		return fail("open: %v", err)
	}
	defer q.Close()
	t := &helperTB{}
	rx := newArrivals(t, port, false)
	tx := newSeqSender(t, port)
	if err := dropNetAdmin(); err != nil {
		return fail("%v", err)
	}
	tx.send(1)
	pkts := make([]*nfqueue.Packet, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	n, err := q.Recv(ctx, pkts)
	cancel()
	if err != nil || n != 1 {
		return fail("Recv: %d packets, %v", n, err)
	}
	verr := pkts[0].Accept()
	ferr := q.Flush()
	arrived := rx.wait(1, 300*time.Millisecond)
	st, err := q.Stats()
	fmt.Printf("CAP_NET_ADMIN dropped after open: Accept returned %v, Flush %v, %d arrived; waiting %d\n",
		verr, ferr, arrived, st.Waiting)
	if err != nil || verr != nil || arrived != 0 || st.Waiting != 1 {
		return fail("expected the verdict to be sent (nil), refused by the kernel (0 arrived) and the packet waiting (1); stats error %v", err)
	}
	// The refusal comes back as an error message that the next receive reads.
	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	_, err = q.Recv(ctx, pkts)
	cancel()
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fail("Recv after the refusal: %v", err)
	}
	st, err = q.Stats()
	fmt.Printf("the kernel's refusal is counted: verdict_errors %d\n", st.VerdictErrors)
	if err != nil || st.VerdictErrors < 1 {
		return fail("VerdictErrors %d, %v: the refusal was not counted", st.VerdictErrors, err)
	}
	return 0 // the kernel drops the packet with the socket
}

// helperTB lets a helper process use the tests' traffic helpers: a
// failure prints and exits.
type helperTB struct{ testing.TB }

func (helperTB) Helper()           {}
func (helperTB) Cleanup(func())    {}
func (helperTB) Fatal(args ...any) { fmt.Println(append([]any{"FAIL:"}, args...)...); syscall.Exit(1) }
func (helperTB) Fatalf(format string, args ...any) {
	fmt.Printf("FAIL: "+format+"\n", args...)
	syscall.Exit(1)
}
