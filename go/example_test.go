// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	nfqueue "github.com/nfqueue/nfqueue/go"
)

// Judge each packet of queue 1 in a handler until SIGINT or SIGTERM.
func ExampleQueue_Run() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	q, err := nfqueue.Open(1, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer q.Close()
	err = q.Run(ctx, func(p *nfqueue.Packet) {
		if payload := p.Payload(); len(payload) >= 20 && payload[9] == 1 {
			_ = p.Drop() // ICMP
			return
		}
		_ = p.Accept()
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, err)
	}
}

// Receive batches and settle each with one batch verdict.
func ExampleQueue_Recv() {
	q, err := nfqueue.Open(1, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer q.Close()
	pkts := make([]*nfqueue.Packet, 64) // reused: receiving allocates nothing
	for {
		n, err := q.Recv(context.Background(), pkts)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return
		}
		if err := q.VerdictBatch(pkts[n-1].ID(), nfqueue.Accept); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return
		}
	}
}

// A configuration is checked by the library as it is set.
func ExampleConfig() {
	var cfg nfqueue.Config // the zero value holds the defaults
	defer cfg.Close()
	fmt.Println(cfg.BatchSize(), cfg.DefaultVerdict(), cfg.Coalesce())
	err := cfg.SetMaxLen(0)
	fmt.Println(errors.Is(err, nfqueue.ErrInvalid))
	_ = cfg.SetDefaultVerdict(nfqueue.Drop)
	fmt.Println(cfg.DefaultVerdict())
	// Output:
	// 64 accept true
	// true
	// drop
}

// Errors match their sentinel with errors.Is, and errno codes their errno.
func ExampleError() {
	err := nfqueue.UpdateChecksums([]byte{0x45, 0x00})
	fmt.Println(errors.Is(err, nfqueue.ErrInvalid), errors.Is(err, syscall.EINVAL))
	var e *nfqueue.Error
	if errors.As(err, &e) {
		fmt.Println(e.Code, e.Op)
	}
	// Output:
	// true true
	// -22 nfqueue_checksum_update
}

// Fix the checksums of an edited packet before passing it WithPayload.
func ExampleUpdateChecksums() {
	packet := []byte{
		0x45, 0x00, 0x00, 0x21, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, // IPv4, UDP
		127, 0, 0, 1, 127, 0, 0, 1,
		0x30, 0x39, 0x00, 0x35, 0x00, 0x0d, 0x00, 0x00, // UDP 12345 -> 53
		'h', 'e', 'l', 'l', 'o',
	}
	if err := nfqueue.UpdateChecksums(packet); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("ip %#04x udp %#04x\n", uint16(packet[10])<<8|uint16(packet[11]),
		uint16(packet[26])<<8|uint16(packet[27]))
	// Output:
	// ip 0x3cca udp 0x8d91
}

// Keep a packet past its receive and give it its verdict elsewhere.
func ExamplePacket_Retain() {
	q, err := nfqueue.Open(1, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer q.Close()
	later := make(chan *nfqueue.Packet, 16)
	go func() {
		for p := range later {
			_ = p.Accept(nfqueue.WithMark(7))
			_ = p.Release()
		}
	}()
	_ = q.Run(context.Background(), func(p *nfqueue.Packet) {
		if kept, err := p.Retain(); err == nil {
			later <- kept
		}
	})
	close(later)
}
