// SPDX-License-Identifier: GPL-2.0-or-later

package main

// The soak datagram (tests/soak/README.md): after the IPv4 header and the
// 8-byte UDP header, a sequence number (8 bytes) and a body length (2),
// then the body, which the consumer inverts.
const (
	udpHeader  = 8
	soakHeader = 10
)

// bodyOffset returns where the soak body starts in an IPv4 UDP packet,
// or 0 when the packet is not one the contract rewrites.
func bodyOffset(p []byte) int {
	if len(p) < 20 || p[0]>>4 != 4 || p[9] != 17 {
		return 0
	}
	ipHeader := int(p[0]&0x0f) * 4
	if ipHeader < 20 || len(p) < ipHeader+udpHeader+soakHeader {
		return 0
	}
	return ipHeader + udpHeader + soakHeader
}

// invertBody copies packet into buf (grown as needed) with every body
// byte XOR 0xFF. ok is false, and nothing copied, when the packet is not
// rewritten.
func invertBody(buf, packet []byte) (out []byte, ok bool) {
	body := bodyOffset(packet)
	if body == 0 {
		return buf[:0], false
	}
	out = append(buf[:0], packet...)
	for i := body; i < len(out); i++ {
		out[i] ^= 0xff
	}
	return out, true
}
