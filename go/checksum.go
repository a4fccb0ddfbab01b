// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue

/*
#include "glue.h"
*/
import "C"

import "unsafe"

// The checksum helpers fix an edited IP packet in place, before it is
// passed WithPayload. On failure (ErrInvalid: malformed, truncated, a UDP
// length that disagrees with the IP length) the bytes are unchanged.

func checksum(op string, packet []byte, f func(*C.uint8_t, C.size_t) C.int) error {
	var data *C.uint8_t
	if len(packet) > 0 {
		data = (*C.uint8_t)(unsafe.Pointer(&packet[0]))
	}
	return check(op, func() C.int { return f(data, C.size_t(len(packet))) })
}

// UpdateChecksums recomputes the IPv4 header checksum and the TCP or UDP
// checksum (IPv4 or IPv6, past IPv6 extension headers) of the IP packet
// in packet. Other protocols, and the transport checksum of a fragment,
// keep their bytes.
func UpdateChecksums(packet []byte) error {
	return checksum("nfqueue_checksum_update", packet, func(d *C.uint8_t, n C.size_t) C.int {
		return C.nfqueue_checksum_update(d, n)
	})
}

// UpdateIPv4HeaderChecksum recomputes only the IPv4 header checksum.
func UpdateIPv4HeaderChecksum(packet []byte) error {
	return checksum("nfqueue_checksum_ipv4_header", packet, func(d *C.uint8_t, n C.size_t) C.int {
		return C.nfqueue_checksum_ipv4_header(d, n)
	})
}

// UpdateTransportChecksum recomputes only the TCP or UDP checksum.
func UpdateTransportChecksum(packet []byte) error {
	return checksum("nfqueue_checksum_transport", packet, func(d *C.uint8_t, n C.size_t) C.int {
		return C.nfqueue_checksum_transport(d, n)
	})
}
