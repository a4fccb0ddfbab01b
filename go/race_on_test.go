// SPDX-License-Identifier: GPL-2.0-or-later

//go:build race

package nfqueue_test

// raceEnabled: built with -race, which makes every packet many times
// slower; the long hygiene run then shrinks (go/scripts/test runs it
// whole without -race).
const raceEnabled = true
