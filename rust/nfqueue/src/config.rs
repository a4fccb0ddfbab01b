// SPDX-License-Identifier: GPL-2.0-or-later

//! Queue configuration: a builder over the library's `nfqueue_config`.
//!
//! Every setter calls the library's at once, so a value is checked where
//! the C API checks it; the first failure is kept and returned by
//! [`Queue::open`](crate::Queue::open) (or [`Config::check`]), so a chain
//! of setters needs no `?` at each step.
use std::ffi::{CStr, CString, OsStr};
use std::ops::{BitOr, BitOrAssign};
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::os::raw::c_int;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::ptr;

use crate::error::{check, Error, Result};
use crate::verdict::Verdict;
use nfqueue_sys as sys;

/// How much of each packet the kernel copies to userspace.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyMode {
    /// Nothing; not even metadata is promised.
    None,
    /// Metadata only, no payload.
    Meta,
    /// Metadata and up to this many payload bytes (0: the maximum,
    /// [`PAYLOAD_MAX`](crate::PAYLOAD_MAX); larger values are clamped to it).
    Packet(u32),
}

/// Queue flags (the kernel's `NFQA_CFG_F_*`), combined with `|`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(u32);

impl Flags {
    /// No flags.
    pub const NONE: Flags = Flags(0);
    /// Accept packets instead of dropping them when the queue is full.
    pub const FAIL_OPEN: Flags = Flags(sys::NFQUEUE_FLAG_FAIL_OPEN);
    /// Report conntrack state.
    pub const CONNTRACK: Flags = Flags(sys::NFQUEUE_FLAG_CONNTRACK);
    /// Deliver GSO packets unsegmented.
    pub const GSO: Flags = Flags(sys::NFQUEUE_FLAG_GSO);
    /// Report uid and gid of the owning socket.
    pub const UID_GID: Flags = Flags(sys::NFQUEUE_FLAG_UID_GID);
    /// Report the packet's security context.
    pub const SECCTX: Flags = Flags(sys::NFQUEUE_FLAG_SECCTX);

    /// The raw bits; unknown bits are the library's to reject.
    pub const fn from_bits(bits: u32) -> Flags {
        Flags(bits)
    }

    /// The raw bits.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for Flags {
    type Output = Flags;
    fn bitor(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }
}

impl BitOrAssign for Flags {
    fn bitor_assign(&mut self, other: Flags) {
        self.0 |= other.0;
    }
}

/// A queue's configuration, read back from the library
/// ([`Config::settings`]).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Copy mode and range (the range as stored, clamped).
    pub copy_mode: CopyMode,
    /// Kernel queue length.
    pub max_len: u32,
    /// Queue flags.
    pub flags: Flags,
    /// Socket receive buffer; 0 means sized automatically.
    pub rcvbuf: u32,
    /// Whether `NETLINK_NO_ENOBUFS` is set.
    pub no_enobufs: bool,
    /// The verdict of packets that expire without one.
    pub default_verdict: Verdict,
    /// An adopted socket, if any.
    pub fd: Option<RawFd>,
    /// The network namespace the socket is opened in, if not the caller's.
    pub netns: Option<PathBuf>,
    /// Packets per dispatch or pull.
    pub batch_size: u32,
    /// Whether verdicts on borrowed packets are coalesced into one send.
    pub coalesce: bool,
    /// Whether a signal ends a wait with [`ErrorKind::Interrupted`](crate::ErrorKind::Interrupted).
    pub interruptible: bool,
    /// Whether a full socket buffer is reported as [`ErrorKind::NoBuffers`](crate::ErrorKind::NoBuffers).
    pub nobufs_errors: bool,
}

/// The configuration of a queue to open, built with chained setters.
///
/// ```no_run
/// use nfqueue::{Config, CopyMode, Flags, Queue, Verdict};
///
/// let config = Config::new()
///     .copy_mode(CopyMode::Packet(0xffff))
///     .max_len(4096)
///     .flags(Flags::FAIL_OPEN | Flags::GSO)
///     .default_verdict(Verdict::Drop);
/// let queue = Queue::open(1, &config)?;
/// # Ok::<(), nfqueue::Error>(())
/// ```
#[derive(Debug)]
pub struct Config {
    raw: *mut sys::nfqueue_config,
    error: Option<Error>,
}

// SAFETY: a configuration is a plain object of the library, used by one
// thread at a time (nfqueue.h, "Threads"); &mut self on every setter and
// the absence of Sync guarantee that.
unsafe impl Send for Config {}

impl Default for Config {
    fn default() -> Config {
        Config::new()
    }
}

impl Config {
    /// A configuration with the library's defaults (see `nfqueue_config_new`).
    pub fn new() -> Config {
        let mut raw = ptr::null_mut();
        // SAFETY: raw is a valid out-pointer; on success the library
        // stores a config we own and free in Drop.
        let rc = unsafe { sys::nfqueue_config_new(&mut raw) };
        let error = if rc == 0 { None } else { Some(Error::last(rc)) };
        Config { raw, error }
    }

    /// Apply one setter unless an earlier one failed.
    fn set(mut self, setter: impl FnOnce(*mut sys::nfqueue_config) -> c_int) -> Config {
        if self.error.is_none() {
            let rc = setter(self.raw);
            if rc != 0 {
                self.error = Some(Error::last(rc));
            }
        }
        self
    }

    /// How much of each packet to copy.
    pub fn copy_mode(self, mode: CopyMode) -> Config {
        let (mode, range) = match mode {
            CopyMode::None => (sys::NFQUEUE_COPY_NONE, 0),
            CopyMode::Meta => (sys::NFQUEUE_COPY_META, 0),
            CopyMode::Packet(range) => (sys::NFQUEUE_COPY_PACKET, range),
        };
        // SAFETY: the config pointer is the live one this Config owns,
        // non-null because no error was recorded (set() checks); the same
        // holds for each setter below.
        self.set(|c| unsafe { sys::nfqueue_config_set_copy_mode(c, mode as c_int, range) })
    }

    /// How many packets the kernel holds before it drops (or, with
    /// [`Flags::FAIL_OPEN`], accepts) new ones; at least 1.
    pub fn max_len(self, packets: u32) -> Config {
        // SAFETY: see copy_mode().
        self.set(|c| unsafe { sys::nfqueue_config_set_max_len(c, packets) })
    }

    /// Queue flags; replaces earlier ones.
    pub fn flags(self, flags: Flags) -> Config {
        // SAFETY: see copy_mode().
        self.set(|c| unsafe { sys::nfqueue_config_set_flags(c, flags.bits()) })
    }

    /// Socket receive buffer in bytes; 0 sizes it for a full kernel queue.
    pub fn rcvbuf(self, bytes: u32) -> Config {
        // SAFETY: see copy_mode().
        self.set(|c| unsafe { sys::nfqueue_config_set_rcvbuf(c, bytes) })
    }

    /// Set `NETLINK_NO_ENOBUFS`: the kernel no longer reports lost messages.
    pub fn no_enobufs(self, enable: bool) -> Config {
        // SAFETY: see copy_mode().
        self.set(|c| unsafe { sys::nfqueue_config_set_no_enobufs(c, enable.into()) })
    }

    /// The verdict of packets that expire without one: [`Verdict::Accept`]
    /// (the default) or [`Verdict::Drop`]; the library rejects others.
    pub fn default_verdict(self, verdict: Verdict) -> Config {
        // SAFETY: see copy_mode().
        self.set(|c| unsafe { sys::nfqueue_config_set_default_verdict(c, verdict.code()) })
    }

    /// Use an existing netlink socket (`AF_NETLINK`, `NETLINK_NETFILTER`).
    /// The socket stays the caller's: the library unbinds from it at close
    /// but never closes it, so keep it open as long as the queue is.
    pub fn socket(self, fd: BorrowedFd<'_>) -> Config {
        let fd = fd.as_raw_fd();
        // SAFETY: see copy_mode().
        self.set(|c| unsafe { sys::nfqueue_config_set_fd(c, fd) })
    }

    /// Open the socket inside the network namespace at `path` (such as
    /// `/run/netns/NAME`); needs `CAP_SYS_ADMIN`.
    pub fn netns(mut self, path: impl AsRef<Path>) -> Config {
        let path = path.as_ref();
        match CString::new(path.as_os_str().as_bytes()) {
            // SAFETY: see copy_mode(); the string outlives the call, which copies it.
            Ok(text) => self.set(|c| unsafe { sys::nfqueue_config_set_netns(c, text.as_ptr()) }),
            Err(_) => {
                if self.error.is_none() {
                    self.error = Some(Error::with_message(
                        sys::NFQUEUE_E_INVAL,
                        format!(
                            "the namespace path {path:?} contains a NUL byte, which no path can hold; \
                             pass the path of a namespace file such as /run/netns/NAME"
                        ),
                    ));
                }
                self
            }
        }
    }

    /// Most packets one receive hands out, `1..=`[`BATCH_SIZE_MAX`](crate::BATCH_SIZE_MAX).
    pub fn batch_size(self, packets: u32) -> Config {
        // SAFETY: see copy_mode().
        self.set(|c| unsafe { sys::nfqueue_config_set_batch_size(c, packets) })
    }

    /// Coalesce verdicts on borrowed packets into one send (the default);
    /// `false` sends each at once.
    pub fn coalesce(self, enable: bool) -> Config {
        // SAFETY: see copy_mode().
        self.set(|c| unsafe { sys::nfqueue_config_set_coalesce(c, enable.into()) })
    }

    /// Let a signal end a wait: receives then fail with
    /// [`ErrorKind::Interrupted`](crate::ErrorKind::Interrupted) so the
    /// program's own signal handling runs; calling again goes on.
    pub fn interruptible(self, enable: bool) -> Config {
        // SAFETY: see copy_mode().
        self.set(|c| unsafe { sys::nfqueue_config_set_interruptible(c, enable.into()) })
    }

    /// Report a full socket buffer once as
    /// [`ErrorKind::NoBuffers`](crate::ErrorKind::NoBuffers) from a receive
    /// (the default); `false` only counts it.
    pub fn nobufs_errors(self, enable: bool) -> Config {
        // SAFETY: see copy_mode().
        self.set(|c| unsafe { sys::nfqueue_config_set_nobufs_errors(c, enable.into()) })
    }

    /// The first setter that failed, if any.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// `Err` with the first setter's failure, if any.
    pub fn check(&self) -> Result<()> {
        match &self.error {
            Some(error) => Err(error.clone()),
            None => Ok(()),
        }
    }

    /// The library's pointer, for a queue about to open; the first
    /// setter's failure if there was one.
    pub(crate) fn as_ptr(&self) -> Result<*const sys::nfqueue_config> {
        self.check().map(|()| self.raw.cast_const())
    }

    /// Every setting as the library holds it.
    pub fn settings(&self) -> Result<Settings> {
        let c = self.as_ptr()?;
        let (mut mode, mut range) = (0, 0);
        let (mut max_len, mut flags, mut rcvbuf, mut batch_size) = (0, 0, 0, 0);
        let (mut no_enobufs, mut verdict, mut fd) = (0, 0, -1);
        let (mut coalesce, mut interruptible, mut nobufs) = (0, 0, 0);
        let mut netns: *const std::os::raw::c_char = ptr::null();
        // SAFETY: c is the live config; each out-pointer is a valid local.
        unsafe {
            check(sys::nfqueue_config_get_copy_mode(&mut mode, &mut range, c))?;
            check(sys::nfqueue_config_get_max_len(&mut max_len, c))?;
            check(sys::nfqueue_config_get_flags(&mut flags, c))?;
            check(sys::nfqueue_config_get_rcvbuf(&mut rcvbuf, c))?;
            check(sys::nfqueue_config_get_no_enobufs(&mut no_enobufs, c))?;
            check(sys::nfqueue_config_get_default_verdict(&mut verdict, c))?;
            check(sys::nfqueue_config_get_fd(&mut fd, c))?;
            check(sys::nfqueue_config_get_netns(&mut netns, c))?;
            check(sys::nfqueue_config_get_batch_size(&mut batch_size, c))?;
            check(sys::nfqueue_config_get_coalesce(&mut coalesce, c))?;
            check(sys::nfqueue_config_get_interruptible(&mut interruptible, c))?;
            check(sys::nfqueue_config_get_nobufs_errors(&mut nobufs, c))?;
        }
        let netns = if netns.is_null() {
            None
        } else {
            // SAFETY: a non-NULL netns is a NUL-terminated string borrowed
            // from the config, which is not changed while it is copied.
            let bytes = unsafe { CStr::from_ptr(netns) }.to_bytes();
            Some(PathBuf::from(OsStr::from_bytes(bytes)))
        };
        let copy_mode = match mode as u32 {
            sys::NFQUEUE_COPY_NONE => CopyMode::None,
            sys::NFQUEUE_COPY_META => CopyMode::Meta,
            _ => CopyMode::Packet(range),
        };
        let default_verdict =
            if verdict == sys::NFQUEUE_DROP as c_int { Verdict::Drop } else { Verdict::Accept };
        Ok(Settings {
            copy_mode,
            max_len,
            flags: Flags(flags),
            rcvbuf,
            no_enobufs: no_enobufs != 0,
            default_verdict,
            fd: (fd >= 0).then_some(fd),
            netns,
            batch_size,
            coalesce: coalesce != 0,
            interruptible: interruptible != 0,
            nobufs_errors: nobufs != 0,
        })
    }
}

impl Drop for Config {
    fn drop(&mut self) {
        // SAFETY: raw is ours (or NULL, which the library allows) and not
        // used after this.
        unsafe { sys::nfqueue_config_free(self.raw) }
    }
}

/// Whether this process may bind queues, without binding one: `Ok`, or
/// [`ErrorKind::PermissionDenied`](crate::ErrorKind::PermissionDenied)
/// saying what is missing. `config` chooses the namespace or socket.
pub fn check_permission(config: Option<&Config>) -> Result<()> {
    let c = match config {
        Some(config) => config.as_ptr()?,
        None => ptr::null(),
    };
    // SAFETY: c is NULL or a live config borrowed for the call.
    check(unsafe { sys::nfqueue_check_permission(c) })
}
