// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	nfqueue "github.com/nfqueue/nfqueue/go"
)

// onesSum is the Internet checksum's one's complement sum (RFC 1071),
// written here independently of the library, as the reference.
func onesSum(b []byte, sum uint32) uint32 {
	for len(b) >= 2 {
		sum += uint32(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return sum
}

// The checksum helpers parse whatever bytes they get: on arbitrary input
// they must not crash, must leave the bytes alone when they refuse them,
// must be idempotent when they accept them, and an accepted IPv4 header
// must then verify.
func FuzzUpdateChecksums(f *testing.F) {
	udp4 := []byte{0x45, 0, 0, 0x21, 0, 0, 0x40, 0, 0x40, 0x11, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1,
		0x30, 0x39, 0, 0x35, 0, 0x0d, 0, 0, 'h', 'e', 'l', 'l', 'o'}
	tcp4 := []byte{0x45, 0, 0, 0x28, 0, 1, 0, 0, 0x40, 0x06, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
		0, 80, 0x1f, 0x90, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0x20, 0, 0, 0, 0, 0}
	udp6 := append([]byte{0x60, 0, 0, 0, 0, 0x0a, 0x11, 0x40},
		append(bytes.Repeat([]byte{0}, 15), append([]byte{1}, append(bytes.Repeat([]byte{0}, 15),
			1, 0x30, 0x39, 0, 0x35, 0, 0x0a, 0, 0, 'h', 'i')...)...)...)
	for _, seed := range [][]byte{udp4, tcp4, udp6, {}, {0x45}, udp4[:20], tcp4[:30]} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		work := bytes.Clone(data)
		if err := nfqueue.UpdateChecksums(work); err != nil {
			if !bytes.Equal(work, data) {
				t.Fatalf("refused (%v) but changed the bytes", err)
			}
			return
		}
		again := bytes.Clone(work)
		if err := nfqueue.UpdateChecksums(again); err != nil || !bytes.Equal(again, work) {
			t.Fatalf("not idempotent: %v", err)
		}
		if len(work) >= 20 && work[0]>>4 == 4 {
			ihl := int(work[0]&0x0f) * 4
			if ihl >= 20 && ihl <= len(work) && onesSum(work[:ihl], 0) != 0xffff {
				t.Fatalf("accepted, but the IPv4 header checksum does not verify: % x", work[:ihl])
			}
		}
		for _, fix := range []func([]byte) error{nfqueue.UpdateIPv4HeaderChecksum, nfqueue.UpdateTransportChecksum} {
			part := bytes.Clone(data)
			if err := fix(part); err != nil && !bytes.Equal(part, data) {
				t.Fatalf("a partial fix refused (%v) but changed the bytes", err)
			}
		}
	})
}
