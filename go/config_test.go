// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue_test

import (
	"errors"
	"testing"

	nfqueue "github.com/nfqueue/nfqueue/go"
)

// Every setter's value reads back through the library's getter.
func TestConfigRoundTrip(t *testing.T) {
	cfg, err := nfqueue.NewConfig()
	if err != nil {
		t.Fatal(err)
	}
	defer cfg.Close()
	steps := []struct {
		name string
		set  error
		ok   func() bool
	}{
		{"copy mode", cfg.SetCopyMode(nfqueue.CopyPacket, 100000), func() bool {
			m, r := cfg.CopyMode()
			return m == nfqueue.CopyPacket && r == nfqueue.PayloadMax // clamped
		}},
		{"max len", cfg.SetMaxLen(77), func() bool { return cfg.MaxLen() == 77 }},
		{"flags", cfg.SetFlags(nfqueue.FlagFailOpen | nfqueue.FlagGSO),
			func() bool { return cfg.Flags() == nfqueue.FlagFailOpen|nfqueue.FlagGSO }},
		{"rcvbuf", cfg.SetRcvBuf(1 << 20), func() bool { return cfg.RcvBuf() == 1<<20 }},
		{"no enobufs", cfg.SetNoENOBUFS(true), cfg.NoENOBUFS},
		{"default verdict", cfg.SetDefaultVerdict(nfqueue.Drop),
			func() bool { return cfg.DefaultVerdict() == nfqueue.Drop }},
		{"netns", cfg.SetNetns("/run/netns/x"), func() bool { return cfg.Netns() == "/run/netns/x" }},
		{"batch size", cfg.SetBatchSize(8), func() bool { return cfg.BatchSize() == 8 }},
		{"coalesce", cfg.SetCoalesce(false), func() bool { return !cfg.Coalesce() }},
		{"interruptible", cfg.SetInterruptible(true), cfg.Interruptible},
		{"nobufs errors", cfg.SetNobufsErrors(false), func() bool { return !cfg.NobufsErrors() }},
	}
	for _, s := range steps {
		if s.set != nil || !s.ok() {
			t.Errorf("%s: set %v, read back wrong", s.name, s.set)
		}
	}
	if err := cfg.SetNetns(""); err != nil || cfg.Netns() != "" {
		t.Errorf("clearing netns: %v, %q", err, cfg.Netns())
	}
	if err := cfg.SetFD(5); err != nil || cfg.FD() != 5 {
		t.Errorf("fd: %v, %d", err, cfg.FD())
	}
}

// Bad values are refused by the library, each with its message.
func TestConfigRefusesBadValues(t *testing.T) {
	var cfg nfqueue.Config
	defer cfg.Close()
	for name, err := range map[string]error{
		"max len 0":      cfg.SetMaxLen(0),
		"batch size 0":   cfg.SetBatchSize(0),
		"batch size big": cfg.SetBatchSize(nfqueue.BatchSizeMax + 1),
		"copy mode 7":    cfg.SetCopyMode(7, 0),
		"unknown flag":   cfg.SetFlags(1 << 20),
		"verdict repeat": cfg.SetDefaultVerdict(nfqueue.Repeat),
		"rcvbuf too big": cfg.SetRcvBuf(nfqueue.RcvBufMax + 1),
		"fd below -1":    cfg.SetFD(-2),
	} {
		var e *nfqueue.Error
		if !errors.Is(err, nfqueue.ErrInvalid) || !errors.As(err, &e) || e.Message == "" || e.Op == "" {
			t.Errorf("%s: %v, want ErrInvalid with the library's message", name, err)
		}
	}
}
