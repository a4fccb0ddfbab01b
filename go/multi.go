// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue

import (
	"context"
	"errors"
	"strconv"
	"sync"
)

// Queues is a range of queues, as `iptables -j NFQUEUE --queue-balance
// FIRST:LAST` spreads packets over them.
type Queues []*Queue

// OpenRange opens queues first..last (inclusive) with cfg. If one fails,
// those already open are closed and the error is returned.
func OpenRange(first, last uint32, cfg *Config) (Queues, error) {
	if last < first {
		return nil, &Error{Code: ErrInvalid.Code, Op: "nfqueue_queue_open", Message: "queue range " + strconv.FormatUint(uint64(first), 10) + ":" + strconv.FormatUint(uint64(last), 10) +
			" is empty: the last queue must not be below the first"}
	}
	qs := make(Queues, 0, last-first+1)
	for n := uint64(first); n <= uint64(last); n++ {
		q, err := Open(uint32(n), cfg)
		if err != nil {
			qs.Close()
			return nil, err
		}
		qs = append(qs, q)
	}
	return qs, nil
}

// Run runs handler for every queue, each queue on its own goroutine (so
// handler runs concurrently for different queues), until ctx is done,
// the queues are closed or one fails; then it stops the others and
// returns the first failure (ctx.Err() when ctx ended it, nil when Stop
// or Close did).
func (qs Queues) Run(ctx context.Context, handler func(*Packet)) error {
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(qs))
	for i, q := range qs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = q.Run(ctx, handler)
			cancel() // one ended: end them all
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	return parent.Err()
}

// Close closes every queue and returns their errors joined.
func (qs Queues) Close() error {
	var errs []error
	for _, q := range qs {
		errs = append(errs, q.Close())
	}
	return errors.Join(errs...)
}
