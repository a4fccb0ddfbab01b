// SPDX-License-Identifier: GPL-2.0-or-later

// Package nfqueue receives the packets that Linux netfilter queues to
// userspace with `iptables ... -j NFQUEUE --queue-num N`, and gives each
// its verdict: accept, drop, repeat, stop or another queue, optionally
// with a new mark and a rewritten payload.
//
// It is a thin cgo binding of libnfqueue, the project's C library: every
// rule of a packet's life (when it expires, its default verdict, how
// verdicts are coalesced into one send, how a wait ends) is the C
// library's, and the package maps it onto Go: errors that work with
// errors.Is, a context.Context that ends a wait, Release for a packet's
// end, goroutine-safe verdicts on retained packets.
//
// # Receiving
//
// Run calls a handler for each packet until its context is done:
//
//	q, err := nfqueue.Open(1, nil)
//	if err != nil { ... }
//	defer q.Close()
//	err = q.Run(ctx, func(p *nfqueue.Packet) {
//		if bytes.Contains(p.Payload(), []byte("drop me")) {
//			p.Drop()
//		} else {
//			p.Accept()
//		}
//	})
//
// Recv hands out a batch per call, for programs that drive their own
// loop; with one batch verdict (VerdictBatch) it is the cheapest path.
// Both are built on the library's pull call: one crossing into C
// receives a whole batch with every packet's attributes, a verdict is
// one crossing (not a system call: the batch's verdicts leave together
// when its last packet has one), and a reused []*Packet makes receiving
// allocation-free.
//
// # Lifetimes
//
// A received packet is borrowed: it and its Payload are valid until the
// next receive on its queue (for Run: until the handler returns). A
// packet left without a verdict then gets the queue's default verdict.
// Retain makes a packet the caller's, to verdict later from any
// goroutine; Release ends either kind at once. A borrowed packet used
// after it expired reports ErrExpired, detected by the library.
//
// # Goroutines
//
// One goroutine at a time receives from a queue; different queues are
// independent (Queues runs one goroutine per queue of a range). Stop,
// Close, Stats and verdicts on retained packets may come from any
// goroutine. Signals reach a Go program through os/signal as usual:
// cancel Run's context from there.
//
// # Building
//
// The package links libnfqueue through pkg-config (`#cgo pkg-config:
// libnfqueue`) and refuses at compile time a header older than 1.1. For
// the in-tree build of the C library, set
// PKG_CONFIG_PATH=$BUILD/meson-uninstalled and, to run,
// LD_LIBRARY_PATH=$BUILD/capi. Binding a queue needs CAP_NET_ADMIN.
package nfqueue
