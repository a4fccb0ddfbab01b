// SPDX-License-Identifier: GPL-2.0-or-later

//! Netlink datagrams that look like the kernel's NFQNL_MSG_PACKET, and
//! broken ones, built by hand so a test can lie in any field (the Rust
//! counterpart of tests/reliability/forge.c), plus the attacker's socket:
//! a second NETLINK_NETFILTER socket that sends them to a queue's port.
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

const NLMSG_HDRLEN: usize = 16;
const NFGENMSG_LEN: usize = 4;
/// NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_PACKET.
const PACKET_TYPE: u16 = 3 << 8;
const NFQA_PACKET_HDR: u16 = 1;
const NFQA_MARK: u16 = 3;
const NFQA_PAYLOAD: u16 = 10;

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

fn put_attr(buf: &mut Vec<u8>, kind: u16, data: &[u8]) {
    let len = 4 + data.len();
    buf.extend_from_slice(&(len as u16).to_ne_bytes());
    buf.extend_from_slice(&kind.to_ne_bytes());
    buf.extend_from_slice(data);
    buf.resize(buf.len() + align4(len) - len, 0);
}

/// Netlink header (length patched later), nfgenmsg, packet header.
fn headers(queue_num: u16, id: u32) -> Vec<u8> {
    let mut buf = Vec::with_capacity(256);
    buf.extend_from_slice(&0u32.to_ne_bytes()); // nlmsg_len, set by the caller
    buf.extend_from_slice(&PACKET_TYPE.to_ne_bytes());
    buf.extend_from_slice(&[0; 10]); // flags, seq, pid
    buf.extend_from_slice(&[libc::AF_INET as u8, 0]); // family, NFNETLINK_V0
    buf.extend_from_slice(&queue_num.to_be_bytes());
    let mut hdr = Vec::with_capacity(7);
    hdr.extend_from_slice(&id.to_be_bytes());
    hdr.extend_from_slice(&0x0800u16.to_be_bytes());
    hdr.push(3); // NF_INET_LOCAL_OUT
    put_attr(&mut buf, NFQA_PACKET_HDR, &hdr);
    buf
}

fn set_len(msg: &mut [u8], len: u32) {
    msg[..4].copy_from_slice(&len.to_ne_bytes());
}

/// A well-formed packet message for `queue_num`, packet `id`, carrying `payload`.
pub fn packet(queue_num: u16, id: u32, payload: &[u8]) -> Vec<u8> {
    let mut msg = headers(queue_num, id);
    put_attr(&mut msg, NFQA_MARK, &0x5a5au32.to_be_bytes());
    put_attr(&mut msg, NFQA_PAYLOAD, payload);
    let len = msg.len() as u32;
    set_len(&mut msg, len);
    msg
}

/// A packet message of `actual` bytes (at least the headers) whose
/// nlmsg_len claims `claimed`.
pub fn lying_length(claimed: u32, actual: usize) -> Vec<u8> {
    let mut msg = headers(0, 1);
    msg.resize(actual.max(NLMSG_HDRLEN + NFGENMSG_LEN), 0xa5);
    set_len(&mut msg, claimed);
    msg
}

/// A packet message whose last attribute claims to run far past its end.
pub fn truncated_attribute(queue_num: u16, id: u32) -> Vec<u8> {
    let mut msg = packet(queue_num, id, &[0x45; 16]);
    let last = msg.len() - align4(4 + 16);
    msg[last..last + 2].copy_from_slice(&4000u16.to_ne_bytes());
    msg
}

/// An IPv4 UDP datagram 127.0.0.1 -> 127.0.0.1:port as a queued packet's
/// payload would look, carrying `udp_data`.
pub fn ipv4_udp(port: u16, udp_data: &[u8]) -> Vec<u8> {
    let total = 28 + udp_data.len();
    let mut ip = vec![0u8; total];
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&(total as u16).to_be_bytes());
    ip[8] = 64;
    ip[9] = 17;
    ip[12..16].copy_from_slice(&[127, 0, 0, 1]);
    ip[16..20].copy_from_slice(&[127, 0, 0, 1]);
    ip[20..22].copy_from_slice(&40000u16.to_be_bytes());
    ip[22..24].copy_from_slice(&port.to_be_bytes());
    ip[24..26].copy_from_slice(&((8 + udp_data.len()) as u16).to_be_bytes());
    ip[28..].copy_from_slice(udp_data);
    ip
}

/// A NETLINK_NETFILTER socket of the calling thread's namespace, bound
/// to a port of its own: the attacker.
pub struct Attacker(OwnedFd);

impl Attacker {
    pub fn new() -> io::Result<Attacker> {
        // SAFETY: plain socket calls on arguments built here; the fd is
        // owned by the OwnedFd from then on.
        unsafe {
            let fd =
                libc::socket(libc::AF_NETLINK, libc::SOCK_RAW | libc::SOCK_CLOEXEC, libc::NETLINK_NETFILTER);
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            let fd = OwnedFd::from_raw_fd(fd);
            let mut me: libc::sockaddr_nl = std::mem::zeroed();
            me.nl_family = libc::AF_NETLINK as libc::sa_family_t;
            let len = std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t;
            if libc::bind(fd.as_raw_fd(), (&me as *const libc::sockaddr_nl).cast(), len) < 0 {
                return Err(io::Error::last_os_error());
            }
            let size: libc::c_int = 1 << 20;
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_SNDBUFFORCE,
                (&size as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
            Ok(Attacker(fd))
        }
    }

    /// Send one datagram to netlink port `portid`: Ok if the kernel
    /// delivered it, else the kernel's refusal.
    pub fn send(&self, portid: u32, data: &[u8]) -> io::Result<()> {
        // SAFETY: `to` is a valid sockaddr_nl; data is valid for its length.
        unsafe {
            let mut to: libc::sockaddr_nl = std::mem::zeroed();
            to.nl_family = libc::AF_NETLINK as libc::sa_family_t;
            to.nl_pid = portid;
            let n = libc::sendto(
                self.0.as_raw_fd(),
                data.as_ptr().cast(),
                data.len(),
                0,
                (&to as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            );
            if n == data.len() as isize {
                Ok(())
            } else {
                Err(io::Error::last_os_error())
            }
        }
    }

    pub fn raw_fd(&self) -> i32 {
        self.0.as_raw_fd()
    }
}
