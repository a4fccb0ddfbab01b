// SPDX-License-Identifier: GPL-2.0-or-later

//! Errors: the library's status code, its kind, and the detail message
//! that `nfqueue_last_error()` held right after the failing call.
use std::ffi::CStr;
use std::fmt;
use std::os::raw::c_int;

use nfqueue_sys as sys;

/// What went wrong, one kind per `NFQUEUE_E_*` code of `nfqueue.h`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// `NFQUEUE_E_PERM`: the process lacks `CAP_NET_ADMIN`.
    PermissionDenied,
    /// `NFQUEUE_E_NOENT`: no such namespace or interface, or a packet the kernel does not know.
    NotFound,
    /// `NFQUEUE_E_INTR`: a signal ended the wait of an interruptible queue; call again.
    Interrupted,
    /// `NFQUEUE_E_IO`: the netlink socket failed.
    Io,
    /// `NFQUEUE_E_AGAIN`: nothing to read without blocking.
    WouldBlock,
    /// `NFQUEUE_E_NOMEM`: out of memory.
    OutOfMemory,
    /// `NFQUEUE_E_BUSY`: the queue is bound by another socket, or driven by another thread.
    Busy,
    /// `NFQUEUE_E_INVAL`: an argument or configuration value is invalid.
    InvalidArgument,
    /// `NFQUEUE_E_NOATTR`: the kernel did not send this attribute.
    NoAttribute,
    /// `NFQUEUE_E_TOOBIG`: a payload larger than [`PAYLOAD_MAX`](crate::PAYLOAD_MAX).
    TooBig,
    /// `NFQUEUE_E_NOTSUP`: the running kernel lacks a requested feature.
    NotSupported,
    /// `NFQUEUE_E_NOBUFS`: the kernel dropped messages because the socket buffer was full.
    NoBuffers,
    /// `NFQUEUE_E_CLOSED`: the queue was closed.
    Closed,
    /// `NFQUEUE_E_VERDICT_GIVEN`: the packet already has its verdict.
    VerdictGiven,
    /// `NFQUEUE_E_EXPIRED`: a borrowed packet was used after it expired.
    Expired,
    /// `NFQUEUE_E_STOPPED`: a [`StopHandle`](crate::StopHandle) ended the wait.
    Stopped,
    /// `NFQUEUE_E_CALLBACK`: a callback ended the run with an error.
    Callback,
    /// A code this version of the crate does not know.
    Other,
}

impl ErrorKind {
    /// The kind of a library status code.
    pub fn from_code(code: i32) -> ErrorKind {
        match code {
            sys::NFQUEUE_E_PERM => ErrorKind::PermissionDenied,
            sys::NFQUEUE_E_NOENT => ErrorKind::NotFound,
            sys::NFQUEUE_E_INTR => ErrorKind::Interrupted,
            sys::NFQUEUE_E_IO => ErrorKind::Io,
            sys::NFQUEUE_E_AGAIN => ErrorKind::WouldBlock,
            sys::NFQUEUE_E_NOMEM => ErrorKind::OutOfMemory,
            sys::NFQUEUE_E_BUSY => ErrorKind::Busy,
            sys::NFQUEUE_E_INVAL => ErrorKind::InvalidArgument,
            sys::NFQUEUE_E_NOATTR => ErrorKind::NoAttribute,
            sys::NFQUEUE_E_TOOBIG => ErrorKind::TooBig,
            sys::NFQUEUE_E_NOTSUP => ErrorKind::NotSupported,
            sys::NFQUEUE_E_NOBUFS => ErrorKind::NoBuffers,
            sys::NFQUEUE_E_CLOSED => ErrorKind::Closed,
            sys::NFQUEUE_E_VERDICT_GIVEN => ErrorKind::VerdictGiven,
            sys::NFQUEUE_E_EXPIRED => ErrorKind::Expired,
            sys::NFQUEUE_E_STOPPED => ErrorKind::Stopped,
            sys::NFQUEUE_E_CALLBACK => ErrorKind::Callback,
            _ => ErrorKind::Other,
        }
    }

    /// The code's name in `nfqueue.h`, such as `"NFQUEUE_E_BUSY"`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::PermissionDenied => "NFQUEUE_E_PERM",
            ErrorKind::NotFound => "NFQUEUE_E_NOENT",
            ErrorKind::Interrupted => "NFQUEUE_E_INTR",
            ErrorKind::Io => "NFQUEUE_E_IO",
            ErrorKind::WouldBlock => "NFQUEUE_E_AGAIN",
            ErrorKind::OutOfMemory => "NFQUEUE_E_NOMEM",
            ErrorKind::Busy => "NFQUEUE_E_BUSY",
            ErrorKind::InvalidArgument => "NFQUEUE_E_INVAL",
            ErrorKind::NoAttribute => "NFQUEUE_E_NOATTR",
            ErrorKind::TooBig => "NFQUEUE_E_TOOBIG",
            ErrorKind::NotSupported => "NFQUEUE_E_NOTSUP",
            ErrorKind::NoBuffers => "NFQUEUE_E_NOBUFS",
            ErrorKind::Closed => "NFQUEUE_E_CLOSED",
            ErrorKind::VerdictGiven => "NFQUEUE_E_VERDICT_GIVEN",
            ErrorKind::Expired => "NFQUEUE_E_EXPIRED",
            ErrorKind::Stopped => "NFQUEUE_E_STOPPED",
            ErrorKind::Callback => "NFQUEUE_E_CALLBACK",
            ErrorKind::Other => "UNKNOWN",
        }
    }
}

/// A failed library call: the status code, its kind, and the library's
/// message saying what went wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    code: i32,
    message: String,
    index: Option<usize>,
}

/// `Result<T, nfqueue::Error>`.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The error of a call that just returned `code` on this thread, with
    /// the library's message. Must be called before any other library call
    /// on the thread: the message lasts only until then.
    pub(crate) fn last(code: c_int) -> Error {
        // SAFETY: nfqueue_last_error() never returns NULL; the string is
        // the library's and stays valid until the next call on this
        // thread, and it is copied before anything else runs.
        let message = unsafe { CStr::from_ptr(sys::nfqueue_last_error()) };
        let message = message.to_string_lossy().into_owned();
        Error::with_message(code, message)
    }

    /// An error with the code's static description only, for calls that
    /// record no message (`nfqueue_queue_stop()`).
    pub(crate) fn plain(code: c_int) -> Error {
        Error::with_message(code, String::new())
    }

    /// An error found before the library could be asked (a Rust string
    /// that C cannot take), reported with the code C uses for it.
    pub(crate) fn with_message(code: c_int, message: String) -> Error {
        Error { kind: ErrorKind::from_code(code), code, message, index: None }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The library's status code, a negative `NFQUEUE_E_*` value.
    pub fn code(&self) -> i32 {
        self.code
    }

    /// The library's detail message; empty where the call records none.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// For a failed [`Verdicts::send`](crate::Verdicts::send): the position
    /// of the element the library refused.
    pub fn index(&self) -> Option<usize> {
        self.index
    }

    pub(crate) fn at_index(mut self, index: usize) -> Error {
        self.index = Some(index);
        self
    }

    /// The code's static English description (`nfqueue_strerror()`).
    pub fn description(&self) -> &'static str {
        strerror(self.code)
    }
}

/// `nfqueue_strerror()`: a static description of any status code.
pub(crate) fn strerror(code: c_int) -> &'static str {
    // SAFETY: nfqueue_strerror() returns a static NUL-terminated string
    // owned by the library, never NULL.
    let text = unsafe { CStr::from_ptr(sys::nfqueue_strerror(code)) };
    text.to_str().unwrap_or("unknown error")
}

/// 0 as `Ok`, anything else as the error of the call that just returned it.
pub(crate) fn check(rc: c_int) -> Result<()> {
    if rc == 0 {
        Ok(())
    } else {
        Err(Error::last(rc))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{} ({})", self.description(), self.kind.name())
        } else {
            write!(f, "{} ({}): {}", self.description(), self.kind.name(), self.message)
        }
    }
}

impl std::error::Error for Error {}

impl From<Error> for std::io::Error {
    fn from(error: Error) -> std::io::Error {
        use std::io::ErrorKind as Io;
        let kind = match error.kind {
            ErrorKind::PermissionDenied => Io::PermissionDenied,
            ErrorKind::NotFound => Io::NotFound,
            ErrorKind::Interrupted => Io::Interrupted,
            ErrorKind::WouldBlock => Io::WouldBlock,
            ErrorKind::OutOfMemory => Io::OutOfMemory,
            ErrorKind::InvalidArgument | ErrorKind::TooBig => Io::InvalidInput,
            ErrorKind::NotSupported => Io::Unsupported,
            _ => Io::Other,
        };
        std::io::Error::new(kind, error)
    }
}
