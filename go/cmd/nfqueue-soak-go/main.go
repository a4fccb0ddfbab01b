// SPDX-License-Identifier: GPL-2.0-or-later

// Command nfqueue-soak-go is the Go soak consumer (tests/soak/README.md is
// the contract): every IPv4 UDP packet carrying the soak header gets its
// body inverted, its checksums recomputed by the library
// (nfqueue.UpdateChecksums) and ACCEPT with the new payload; anything else
// is accepted as it is. It uses Queue.Run, the package's main style;
// SIGTERM or SIGINT cancels Run's context, then the queue is closed and
// the counts printed.
//
// Usage: nfqueue-soak-go QUEUE
// Output: "ready", then at the end "judged J rewritten R".
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	nfqueue "github.com/nfqueue/nfqueue/go"
)

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "nfqueue-soak-go: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintf(os.Stderr, "usage: %s QUEUE\n", os.Args[0])
		os.Exit(2)
	}
	num, err := strconv.ParseUint(os.Args[1], 10, 32)
	if err != nil {
		fmt.Fprintf(os.Stderr, "nfqueue-soak-go: queue %q is not a number: give the queue number as the last argument\n", os.Args[1])
		os.Exit(2)
	}
	// Before the queue opens, so that a signal arriving at once is not lost.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	q, err := nfqueue.Open(uint32(num), nil)
	if err != nil {
		fail("open queue %d: %v", num, err)
	}
	fmt.Println("ready") // os.Stdout is unbuffered: the driver sees it now

	var judged, rewritten uint64
	buf := make([]byte, 0, nfqueue.PayloadMax)
	var verdictErr error
	runErr := q.Run(ctx, func(p *nfqueue.Packet) {
		judged++
		data, err := p.PayloadErr()
		if err != nil {
			verdictErr = err
			_ = q.Stop()
			return
		}
		out, ok := invertBody(buf, data)
		if !ok {
			err = p.Accept()
		} else if err = nfqueue.UpdateChecksums(out); err == nil {
			if err = p.Accept(nfqueue.WithPayload(out)); err == nil {
				rewritten++
			}
		}
		if err != nil {
			verdictErr = err
			_ = q.Stop()
		}
	})
	if runErr != nil && runErr != ctx.Err() {
		fail("run: %v", runErr)
	}
	if verdictErr != nil {
		fail("packet %d: %v", judged, verdictErr)
	}
	if err := q.Close(); err != nil {
		fail("close: %v", err)
	}
	fmt.Printf("judged %d rewritten %d\n", judged, rewritten)
}
