// SPDX-License-Identifier: GPL-2.0-or-later

package main

import (
	"bytes"
	"testing"
)

// The soak consumer's own parsing of the packet: on any bytes it must not
// panic, must leave everything before the body and the length alone, and
// inverting twice must give the packet back.
func FuzzInvertBody(f *testing.F) {
	soak := append([]byte{0x45, 0, 0, 40, 0, 0, 0x40, 0, 0x40, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1,
		0x9c, 0x40, 0x26, 0xf9, 0, 20, 0, 0}, []byte{0, 0, 0, 0, 0, 0, 0, 7, 0, 2, 'h', 'i'}...)
	for _, seed := range [][]byte{soak, soak[:37], soak[:38], {}, {0x45}, {0x4f, 0, 0, 0, 0, 0, 0, 0, 0, 17}} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, packet []byte) {
		orig := bytes.Clone(packet)
		out, ok := invertBody(nil, packet)
		if !bytes.Equal(packet, orig) {
			t.Fatal("the received packet was modified")
		}
		if !ok {
			if len(out) != 0 {
				t.Fatalf("not rewritten, yet %d bytes came out", len(out))
			}
			return
		}
		body := bodyOffset(packet)
		if body < 38 || len(out) != len(packet) || !bytes.Equal(out[:body], packet[:body]) {
			t.Fatalf("body at %d: the headers changed or the length did", body)
		}
		back, _ := invertBody(nil, out)
		if !bytes.Equal(back, packet) {
			t.Fatal("inverting twice did not give the packet back")
		}
	})
}

func TestInvertBodyRewritesOnlyTheBody(t *testing.T) {
	p := make([]byte, 20+8+10+3)
	p[0], p[9] = 0x45, 17
	copy(p[38:], "abc")
	out, ok := invertBody(nil, p)
	if !ok || string(out[38:]) != string([]byte{'a' ^ 0xff, 'b' ^ 0xff, 'c' ^ 0xff}) || !bytes.Equal(out[:38], p[:38]) {
		t.Fatalf("rewrite %v: % x", ok, out)
	}
	p[9] = 6 // TCP: left alone
	if _, ok := invertBody(nil, p); ok {
		t.Fatal("a TCP packet was rewritten")
	}
}
