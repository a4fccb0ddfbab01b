// SPDX-License-Identifier: GPL-2.0-or-later

package main

// The agent's command line (PROTOCOL.md, "Options"): each queue option is
// one setter of the package's Config, applied as it is read; an option
// not given leaves the library's default.

import (
	"flag"
	"io"
	"strconv"
	"strings"

	nfqueue "github.com/nfqueue/nfqueue/go"
)

type options struct {
	queue         uint32
	mode          string
	plan          string
	adoptSocket   bool
	interruptible bool
	hexMax        int
}

var flagNames = map[string]nfqueue.Flag{
	"fail-open": nfqueue.FlagFailOpen, "conntrack": nfqueue.FlagConntrack, "gso": nfqueue.FlagGSO,
	"uid-gid": nfqueue.FlagUIDGID, "secctx": nfqueue.FlagSecctx,
}

func number(text, option string) uint32 {
	n, err := strconv.ParseUint(text, 0, 32)
	if err != nil || strings.HasPrefix(text, "-") {
		usageError("%s needs a number in 0..4294967295", option)
	}
	return uint32(n)
}

// setter is a flag.Value that runs a function on each occurrence.
type setter func(string) error

func (s setter) String() string     { return "" }
func (s setter) Set(v string) error { return s(v) }

type boolSetter func()

func (s boolSetter) String() string   { return "" }
func (s boolSetter) Set(string) error { s(); return nil }
func (s boolSetter) IsBoolFlag() bool { return true }

func parseOptions(args []string, cfg *nfqueue.Config) *options {
	o := &options{mode: "run", hexMax: 256}
	fs := flag.NewFlagSet("nfqueue-agent-go", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	queueGiven := false
	copyMode, copyRange, copyGiven := nfqueue.CopyPacket, uint32(0), false
	var flags nfqueue.Flag
	flagsGiven := false
	str := func(name string, f func(string)) {
		fs.Var(setter(func(v string) error { f(v); return nil }), name, "")
	}
	str("queue", func(v string) { o.queue, queueGiven = number(v, "--queue"), true })
	str("mode", func(v string) {
		if v != "run" && v != "dispatch" && v != "pull" {
			usageError("--mode %q: use run, dispatch or pull", v)
		}
		o.mode = v
	})
	str("copy-mode", func(v string) {
		modes := map[string]nfqueue.CopyMode{"none": nfqueue.CopyNone, "meta": nfqueue.CopyMeta,
			"packet": nfqueue.CopyPacket}
		m, ok := modes[v]
		if !ok {
			usageError("--copy-mode %q: use none, meta or packet", v)
		}
		copyMode, copyGiven = m, true
	})
	str("copy-range", func(v string) { copyRange, copyGiven = number(v, "--copy-range"), true })
	str("max-len", func(v string) {
		must(cfg.SetMaxLen(number(v, "--max-len")), "nfqueue_config_set_max_len")
	})
	str("flags", func(v string) {
		for _, word := range strings.Split(v, ",") {
			if word == "" {
				continue
			}
			bit, ok := flagNames[word]
			if !ok {
				usageError("unknown flag %q: use fail-open, conntrack, gso, uid-gid, secctx", word)
			}
			flags |= bit
		}
		flagsGiven = true
	})
	str("rcvbuf", func(v string) {
		must(cfg.SetRcvBuf(number(v, "--rcvbuf")), "nfqueue_config_set_rcvbuf")
	})
	fs.Var(boolSetter(func() { must(cfg.SetNoENOBUFS(true), "nfqueue_config_set_no_enobufs") }),
		"no-enobufs", "")
	str("default-verdict", func(v string) {
		verdicts := map[string]nfqueue.Verdict{"accept": nfqueue.Accept, "drop": nfqueue.Drop}
		d, ok := verdicts[v]
		if !ok {
			usageError("--default-verdict %q: use accept or drop", v)
		}
		must(cfg.SetDefaultVerdict(d), "nfqueue_config_set_default_verdict")
	})
	str("netns", func(v string) { must(cfg.SetNetns(v), "nfqueue_config_set_netns") })
	fs.Var(boolSetter(func() { o.adoptSocket = true }), "adopt-socket", "")
	str("batch-size", func(v string) {
		must(cfg.SetBatchSize(number(v, "--batch-size")), "nfqueue_config_set_batch_size")
	})
	str("plan", func(v string) { o.plan = v })
	str("payload-hex-max", func(v string) { o.hexMax = int(number(v, "--payload-hex-max")) })
	fs.Var(boolSetter(func() { o.interruptible = true }), "interruptible", "")

	if err := fs.Parse(args); err != nil {
		usageError("%s", err)
	}
	if fs.NArg() > 0 {
		usageError("unexpected argument %s", fs.Arg(0))
	}
	if !queueGiven {
		usageError("--queue N is required")
	}
	if flagsGiven {
		must(cfg.SetFlags(flags), "nfqueue_config_set_flags")
	}
	if copyGiven {
		must(cfg.SetCopyMode(copyMode, copyRange), "nfqueue_config_set_copy_mode")
	}
	return o
}
