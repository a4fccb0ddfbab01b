// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue

/*
#include "glue.h"
*/
import "C"

import (
	"runtime"
	"syscall"
)

// Error is a failure reported by libnfqueue: its status code (a negative
// NFQUEUE_E_* value), the C function that failed, and the library's
// message, which says what went wrong and what to do.
//
// Match it with errors.Is against the sentinels below (ErrBusy, ...);
// codes that are errno values also match their syscall.Errno, so
// errors.Is(err, os.ErrPermission) holds for ErrPermission.
type Error struct {
	Code    int    // a negative NFQUEUE_E_* code
	Op      string // the C function that failed, e.g. "nfqueue_queue_open"
	Message string // the library's detail message (nfqueue_last_error())
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = C.GoString(C.nfqueue_strerror(C.int(e.Code)))
	}
	if e.Op == "" {
		return "nfqueue: " + msg
	}
	return "nfqueue: " + e.Op + ": " + msg
}

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, ErrBusy) works for every busy error whatever its Op.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Unwrap gives the errno for codes that are one (NFQUEUE_E_BUSY is
// -EBUSY, ...), nil for the library's own codes.
func (e *Error) Unwrap() error {
	if e.Code < 0 && e.Code > C.NFQUEUE_E_CLOSED {
		return syscall.Errno(-e.Code)
	}
	return nil
}

func sentinel(code C.int) *Error {
	return &Error{Code: int(code), Message: C.GoString(C.nfqueue_strerror(code))}
}

// One sentinel per status code of nfqueue.h.
var (
	ErrPermission   = sentinel(C.NFQUEUE_E_PERM)          // the process lacks CAP_NET_ADMIN
	ErrNotFound     = sentinel(C.NFQUEUE_E_NOENT)         // no such namespace or interface
	ErrInterrupted  = sentinel(C.NFQUEUE_E_INTR)          // a signal ended the wait (interruptible queues)
	ErrIO           = sentinel(C.NFQUEUE_E_IO)            // the netlink socket failed
	ErrAgain        = sentinel(C.NFQUEUE_E_AGAIN)         // nothing to read without blocking
	ErrNoMem        = sentinel(C.NFQUEUE_E_NOMEM)         // out of memory
	ErrBusy         = sentinel(C.NFQUEUE_E_BUSY)          // queue bound elsewhere, or driven by another goroutine
	ErrInvalid      = sentinel(C.NFQUEUE_E_INVAL)         // an argument or configuration value is invalid
	ErrNoAttr       = sentinel(C.NFQUEUE_E_NOATTR)        // the kernel did not send this attribute
	ErrTooBig       = sentinel(C.NFQUEUE_E_TOOBIG)        // payload larger than PayloadMax
	ErrUnsupported  = sentinel(C.NFQUEUE_E_NOTSUP)        // the running kernel lacks a requested feature
	ErrNoBufs       = sentinel(C.NFQUEUE_E_NOBUFS)        // the kernel dropped messages: socket buffer full
	ErrClosed       = sentinel(C.NFQUEUE_E_CLOSED)        // the queue was closed
	ErrVerdictGiven = sentinel(C.NFQUEUE_E_VERDICT_GIVEN) // the packet already has its verdict
	ErrExpired      = sentinel(C.NFQUEUE_E_EXPIRED)       // a borrowed packet was used after it expired
	ErrStopped      = sentinel(C.NFQUEUE_E_STOPPED)       // Stop ended the wait
	ErrCallback     = sentinel(C.NFQUEUE_E_CALLBACK)      // a callback failed (C run loops only)
)

// lastError builds the error of a call that just failed with rc. The
// caller holds runtime.LockOSThread() since before that call: the
// library's message is per OS thread.
func lastError(rc C.int, op string) error {
	return &Error{Code: int(rc), Op: op, Message: C.GoString(C.nfqueue_last_error())}
}

// check runs one C call that returns a status, and reads its message on
// the same OS thread when it failed.
func check(op string, call func() C.int) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if rc := call(); rc != 0 {
		return lastError(rc, op)
	}
	return nil
}

// usageError is an error the package itself detects before calling C
// (a nil receiver, a released packet), with the code C would use.
func usageError(code C.int, op, message string) error {
	return &Error{Code: int(code), Op: op, Message: message}
}
