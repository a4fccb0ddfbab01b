// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue

/*
#include <stdlib.h>
#include "glue.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// Config holds the options of a queue, one setter per option of the C
// configuration (nfqueue_config_set_*), each checked by the library when
// it is set. The zero value is ready to use and holds the library's
// defaults: copy whole packets, kernel queue length 4096, no flags, a
// receive buffer sized for a full kernel queue, ENOBUFS reported, default
// verdict Accept, a new socket in the caller's network namespace, batches
// of 64, verdicts coalesced, waits not interruptible.
//
// A queue copies what it needs when it opens, so one Config may open
// many queues and be changed or closed afterwards. Like the C object, a
// Config is used by one goroutine at a time. Methods on a nil *Config
// return an error (setters) or zero values (getters), never panic.
type Config struct {
	c       *C.nfqueue_config
	cleanup runtime.Cleanup
}

// NewConfig returns a Config with the library's defaults; the zero
// Config is the same.
func NewConfig() (*Config, error) {
	cfg := &Config{}
	if err := cfg.ensure("nfqueue_config_new"); err != nil {
		return nil, err
	}
	return cfg, nil
}

// ensure creates the C configuration on first use.
func (cfg *Config) ensure(op string) error {
	if cfg == nil {
		return usageError(C.NFQUEUE_E_INVAL, op,
			"nil *nfqueue.Config: pass nfqueue.NewConfig() or &nfqueue.Config{}, or nil to Open for the defaults")
	}
	if cfg.c != nil {
		return nil
	}
	var c *C.nfqueue_config
	if err := check("nfqueue_config_new", func() C.int { return C.nfqueue_config_new(&c) }); err != nil {
		return err
	}
	cfg.c = c
	cfg.cleanup = runtime.AddCleanup(cfg, func(c *C.nfqueue_config) { C.nfqueue_config_free(c) }, c)
	return nil
}

// Close frees the C configuration now instead of when the Config is
// collected. The Config may be used again afterwards (with the defaults).
func (cfg *Config) Close() error {
	if cfg == nil || cfg.c == nil {
		return nil
	}
	cfg.cleanup.Stop()
	C.nfqueue_config_free(cfg.c)
	cfg.c = nil
	return nil
}

func (cfg *Config) set(op string, call func(c *C.nfqueue_config) C.int) error {
	if err := cfg.ensure(op); err != nil {
		return err
	}
	err := check(op, func() C.int { return call(cfg.c) })
	runtime.KeepAlive(cfg)
	return err
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// SetCopyMode sets how much of each packet the kernel copies; copyRange
// is the payload byte count for CopyPacket (0: the maximum; above
// PayloadMax it is clamped to it). A longer packet arrives truncated.
func (cfg *Config) SetCopyMode(mode CopyMode, copyRange uint32) error {
	return cfg.set("nfqueue_config_set_copy_mode", func(c *C.nfqueue_config) C.int {
		return C.nfqueue_config_set_copy_mode(c, C.int(mode), C.uint32_t(copyRange))
	})
}

// SetMaxLen sets how many packets the kernel holds for the queue before
// it drops (or, with FlagFailOpen, accepts) new ones; at least 1.
func (cfg *Config) SetMaxLen(maxLen uint32) error {
	return cfg.set("nfqueue_config_set_max_len", func(c *C.nfqueue_config) C.int {
		return C.nfqueue_config_set_max_len(c, C.uint32_t(maxLen))
	})
}

// SetFlags replaces the queue flags. A flag the running kernel lacks
// makes Open fail with ErrUnsupported, naming the flag.
func (cfg *Config) SetFlags(flags Flag) error {
	return cfg.set("nfqueue_config_set_flags", func(c *C.nfqueue_config) C.int {
		return C.nfqueue_config_set_flags(c, C.uint32_t(flags))
	})
}

// SetRcvBuf sets the socket receive buffer in bytes, at most RcvBufMax;
// 0 (the default) sizes it to hold a full kernel queue.
func (cfg *Config) SetRcvBuf(bytes uint32) error {
	return cfg.set("nfqueue_config_set_rcvbuf", func(c *C.nfqueue_config) C.int {
		return C.nfqueue_config_set_rcvbuf(c, C.uint32_t(bytes))
	})
}

// SetNoENOBUFS sets NETLINK_NO_ENOBUFS: the kernel then no longer tells
// the socket that it dropped messages (Stats still counts them).
func (cfg *Config) SetNoENOBUFS(enable bool) error {
	return cfg.set("nfqueue_config_set_no_enobufs", func(c *C.nfqueue_config) C.int {
		return C.nfqueue_config_set_no_enobufs(c, cbool(enable))
	})
}

// SetDefaultVerdict sets the verdict of packets that expire without one
// (Accept, the default, or Drop): a borrowed packet neither verdicted nor
// retained at the next receive or Release, a retained packet released
// without one, and every packet pending when the queue closes.
func (cfg *Config) SetDefaultVerdict(v Verdict) error {
	return cfg.set("nfqueue_config_set_default_verdict", func(c *C.nfqueue_config) C.int {
		return C.nfqueue_config_set_default_verdict(c, C.int(v))
	})
}

// SetFD makes the queue use an existing AF_NETLINK/NETLINK_NETFILTER
// socket; -1 (the default) opens a new one. The fd stays the caller's:
// the queue unbinds from it at Close but never closes it.
func (cfg *Config) SetFD(fd int) error {
	return cfg.set("nfqueue_config_set_fd", func(c *C.nfqueue_config) C.int {
		return C.nfqueue_config_set_fd(c, C.int(fd))
	})
}

// SetNetns makes the queue open its socket inside the network namespace
// at path (e.g. "/run/netns/NAME"); "" means the caller's. Needs
// CAP_SYS_ADMIN; cannot be combined with SetFD.
func (cfg *Config) SetNetns(path string) error {
	return cfg.set("nfqueue_config_set_netns", func(c *C.nfqueue_config) C.int {
		if path == "" {
			return C.nfqueue_config_set_netns(c, nil)
		}
		cpath := C.CString(path)
		defer C.free(unsafe.Pointer(cpath))
		return C.nfqueue_config_set_netns(c, cpath)
	})
}

// SetBatchSize sets the most packets one receive hands out,
// 1..BatchSizeMax (default 64).
func (cfg *Config) SetBatchSize(packets uint32) error {
	return cfg.set("nfqueue_config_set_batch_size", func(c *C.nfqueue_config) C.int {
		return C.nfqueue_config_set_batch_size(c, C.uint32_t(packets))
	})
}

// SetCoalesce chooses whether verdicts on borrowed packets are collected
// and sent together (the default): when the last packet of a receive got
// its verdict, at the next receive, Flush or Close. false sends each at once.
func (cfg *Config) SetCoalesce(enable bool) error {
	return cfg.set("nfqueue_config_set_coalesce", func(c *C.nfqueue_config) C.int {
		return C.nfqueue_config_set_coalesce(c, cbool(enable))
	})
}

// SetInterruptible makes a wait end with ErrInterrupted when a signal
// handler runs. Go programs should leave it off: the Go runtime uses
// signals of its own, and os/signal delivers signals to a Go program
// whatever the queue is doing.
func (cfg *Config) SetInterruptible(enable bool) error {
	return cfg.set("nfqueue_config_set_interruptible", func(c *C.nfqueue_config) C.int {
		return C.nfqueue_config_set_interruptible(c, cbool(enable))
	})
}

// SetNobufsErrors chooses what a full socket buffer does to a receive:
// true (the default) makes the next Recv return ErrNoBufs once; false
// only counts it. Run always counts it and goes on.
func (cfg *Config) SetNobufsErrors(enable bool) error {
	return cfg.set("nfqueue_config_set_nobufs_errors", func(c *C.nfqueue_config) C.int {
		return C.nfqueue_config_set_nobufs_errors(c, cbool(enable))
	})
}

// get reads one setting back; a nil Config reads as zero.
func (cfg *Config) get(call func(c *C.nfqueue_config) C.int) {
	if cfg.ensure("nfqueue_config_get") != nil {
		return
	}
	call(cfg.c)
	runtime.KeepAlive(cfg)
}

// CopyMode returns the copy mode and range (as stored: clamped).
func (cfg *Config) CopyMode() (mode CopyMode, copyRange uint32) {
	var m C.int
	var r C.uint32_t
	cfg.get(func(c *C.nfqueue_config) C.int { return C.nfqueue_config_get_copy_mode(&m, &r, c) })
	return CopyMode(m), uint32(r)
}

// MaxLen returns the kernel queue length.
func (cfg *Config) MaxLen() uint32 {
	var v C.uint32_t
	cfg.get(func(c *C.nfqueue_config) C.int { return C.nfqueue_config_get_max_len(&v, c) })
	return uint32(v)
}

// Flags returns the queue flags.
func (cfg *Config) Flags() Flag {
	var v C.uint32_t
	cfg.get(func(c *C.nfqueue_config) C.int { return C.nfqueue_config_get_flags(&v, c) })
	return Flag(v)
}

// RcvBuf returns the receive buffer size asked for (0: sized automatically).
func (cfg *Config) RcvBuf() uint32 {
	var v C.uint32_t
	cfg.get(func(c *C.nfqueue_config) C.int { return C.nfqueue_config_get_rcvbuf(&v, c) })
	return uint32(v)
}

// NoENOBUFS reports whether NETLINK_NO_ENOBUFS will be set.
func (cfg *Config) NoENOBUFS() bool {
	var v C.int
	cfg.get(func(c *C.nfqueue_config) C.int { return C.nfqueue_config_get_no_enobufs(&v, c) })
	return v != 0
}

// DefaultVerdict returns the verdict of packets that expire without one.
func (cfg *Config) DefaultVerdict() Verdict {
	var v C.int
	cfg.get(func(c *C.nfqueue_config) C.int { return C.nfqueue_config_get_default_verdict(&v, c) })
	return Verdict(v)
}

// FD returns the adopted socket, or -1.
func (cfg *Config) FD() int {
	v := C.int(-1)
	cfg.get(func(c *C.nfqueue_config) C.int { return C.nfqueue_config_get_fd(&v, c) })
	return int(v)
}

// Netns returns the namespace path, or "".
func (cfg *Config) Netns() string {
	var v *C.char
	cfg.get(func(c *C.nfqueue_config) C.int { return C.nfqueue_config_get_netns(&v, c) })
	if v == nil {
		return ""
	}
	return C.GoString(v)
}

// BatchSize returns the most packets one receive hands out.
func (cfg *Config) BatchSize() uint32 {
	var v C.uint32_t
	cfg.get(func(c *C.nfqueue_config) C.int { return C.nfqueue_config_get_batch_size(&v, c) })
	return uint32(v)
}

// Coalesce reports whether verdicts are coalesced.
func (cfg *Config) Coalesce() bool {
	var v C.int
	cfg.get(func(c *C.nfqueue_config) C.int { return C.nfqueue_config_get_coalesce(&v, c) })
	return v != 0
}

// Interruptible reports whether waits end when a signal handler runs.
func (cfg *Config) Interruptible() bool {
	var v C.int
	cfg.get(func(c *C.nfqueue_config) C.int { return C.nfqueue_config_get_interruptible(&v, c) })
	return v != 0
}

// NobufsErrors reports whether a full socket buffer is returned by Recv.
func (cfg *Config) NobufsErrors() bool {
	var v C.int
	cfg.get(func(c *C.nfqueue_config) C.int { return C.nfqueue_config_get_nobufs_errors(&v, c) })
	return v != 0
}
