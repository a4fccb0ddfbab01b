// SPDX-License-Identifier: GPL-2.0-or-later

//go:build !race

package nfqueue_test

const raceEnabled = false
