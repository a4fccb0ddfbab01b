// SPDX-License-Identifier: GPL-2.0-or-later

//! Property tests (proptest, under stable `cargo test`) of the checksum
//! helpers, the crate's only calls that hand C a buffer of the caller's
//! bytes to read and write: any bytes at all are either refused with a
//! message and left unchanged, or fixed in at most the checksum fields,
//! idempotently; well-formed IPv4 and IPv6 UDP and TCP packets always
//! come out with checksums that an independent computation accepts.
use nfqueue::checksum;
use proptest::prelude::*;

/// The one's complement sum of `data` as 16-bit big-endian words, added to `sum`.
fn sum16(mut sum: u64, data: &[u8]) -> u64 {
    for pair in data.chunks(2) {
        sum += u64::from(pair[0]) << 8 | u64::from(*pair.get(1).unwrap_or(&0));
    }
    sum
}

fn folds_to_ones(mut sum: u64) -> bool {
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum == 0xffff
}

/// Whether the TCP or UDP checksum of `packet` (transport at `l4`, over
/// the addresses in `addrs`) verifies.
fn transport_verifies(packet: &[u8], l4: usize, addrs: &[u8], proto: u8) -> bool {
    let segment = &packet[l4..];
    let pseudo = sum16(0, addrs) + u64::from(proto) + segment.len() as u64;
    folds_to_ones(sum16(pseudo, segment))
}

fn ipv4(proto: u8, src: [u8; 4], dst: [u8; 4], transport: &[u8]) -> Vec<u8> {
    let mut p = vec![0u8; 20];
    p[0] = 0x45;
    p[2..4].copy_from_slice(&((20 + transport.len()) as u16).to_be_bytes());
    p[8] = 64;
    p[9] = proto;
    p[12..16].copy_from_slice(&src);
    p[16..20].copy_from_slice(&dst);
    p.extend_from_slice(transport);
    p
}

fn ipv6(proto: u8, src: [u8; 16], dst: [u8; 16], transport: &[u8]) -> Vec<u8> {
    let mut p = vec![0u8; 40];
    p[0] = 0x60;
    p[4..6].copy_from_slice(&(transport.len() as u16).to_be_bytes());
    p[6] = proto;
    p[7] = 64;
    p[8..24].copy_from_slice(&src);
    p[24..40].copy_from_slice(&dst);
    p.extend_from_slice(transport);
    p
}

/// A UDP (17) or TCP (6) segment with a zero checksum and random contents.
fn segment(proto: u8, ports: (u16, u16), body: &[u8], noise: u64) -> Vec<u8> {
    let header = if proto == 17 { 8 } else { 20 };
    let mut s = vec![0u8; header];
    s[0..2].copy_from_slice(&ports.0.to_be_bytes());
    s[2..4].copy_from_slice(&ports.1.to_be_bytes());
    if proto == 17 {
        s[4..6].copy_from_slice(&((8 + body.len()) as u16).to_be_bytes());
    } else {
        s[4..12].copy_from_slice(&noise.to_be_bytes()); // sequence and ack numbers
        s[12] = 5 << 4; // data offset: 5 words
        s[13] = 0x18;
    }
    s.extend_from_slice(body);
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_bytes_are_refused_unchanged_or_fixed_in_place(
        mut data in prop::collection::vec(any::<u8>(), 0..200),
        version in prop::sample::select(vec![None, Some(0x45u8), Some(0x46), Some(0x60)]),
        fit_length in any::<bool>(),
        helper in 0..3usize,
    ) {
        // Steer the first byte, and maybe the length field, so the parsers
        // past them (options, extension headers, transport) are reached too.
        if let (Some(first), Some(v)) = (data.first_mut(), version) {
            *first = v;
        }
        let len = data.len();
        if fit_length && len >= 40 && version == Some(0x60) {
            data[4..6].copy_from_slice(&((len - 40) as u16).to_be_bytes());
        } else if fit_length && len >= 4 && version.is_some() {
            data[2..4].copy_from_slice(&(len as u16).to_be_bytes());
        }
        let before = data.clone();
        let call = [checksum::update, checksum::ipv4_header, checksum::transport][helper];
        match call(&mut data) {
            Err(e) => {
                prop_assert_eq!(&data, &before, "refused input must be left unchanged");
                prop_assert!(!e.message().is_empty(), "a refusal says what is wrong");
            }
            Ok(()) => {
                let changed = data.iter().zip(&before).filter(|(a, b)| a != b).count();
                prop_assert!(changed <= 4, "only checksum fields change ({} bytes did)", changed);
                let once = data.clone();
                prop_assert!(call(&mut data).is_ok());
                prop_assert_eq!(&data, &once, "a second run changes nothing");
            }
        }
    }

    #[test]
    fn well_formed_ipv4_packets_get_checksums_that_verify(
        udp in any::<bool>(),
        src in any::<[u8; 4]>(),
        dst in any::<[u8; 4]>(),
        ports in any::<(u16, u16)>(),
        noise in any::<u64>(),
        body in prop::collection::vec(any::<u8>(), 0..1500),
    ) {
        let proto = if udp { 17 } else { 6 };
        let mut packet = ipv4(proto, src, dst, &segment(proto, ports, &body, noise));
        checksum::update(&mut packet).expect("a well-formed packet");
        prop_assert!(folds_to_ones(sum16(0, &packet[..20])), "IPv4 header checksum");
        prop_assert!(transport_verifies(&packet, 20, &packet[12..20], proto), "transport checksum");
    }

    #[test]
    fn well_formed_ipv6_packets_get_checksums_that_verify(
        udp in any::<bool>(),
        src in any::<[u8; 16]>(),
        dst in any::<[u8; 16]>(),
        ports in any::<(u16, u16)>(),
        noise in any::<u64>(),
        body in prop::collection::vec(any::<u8>(), 0..1500),
    ) {
        let proto = if udp { 17 } else { 6 };
        let mut packet = ipv6(proto, src, dst, &segment(proto, ports, &body, noise));
        checksum::transport(&mut packet).expect("a well-formed packet");
        prop_assert!(transport_verifies(&packet, 40, &packet[8..40], proto), "transport checksum");
        prop_assert!(checksum::ipv4_header(&mut packet).is_err(), "IPv6 has no header checksum");
    }
}
