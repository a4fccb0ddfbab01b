// SPDX-License-Identifier: GPL-2.0-or-later

//! The misuse that the nfqueue1 crate makes impossible to write, done
//! through nfqueue1-sys so that the C library's own detection is what the
//! suite tests (PROTOCOL.md, "expire"): using a borrowed packet's handle
//! after it expired, and a second verdict on a borrowed packet whose
//! first verdict consumed it. This is the agent's only `unsafe`.
use std::ffi::CStr;
use std::ptr;

use nfqueue_sys as sys;

use crate::plan::{PlanVerdict, Rule};

/// A library handle kept past the safe API's borrow.
#[derive(Clone, Copy)]
pub struct Handle(pub *mut sys::nfqueue_packet);

// SAFETY: the handle is only ever used by the thread that drives the
// queue (the agent's main thread); the marker lets it sit in the state
// the "later" thread shares nothing of.
unsafe impl Send for Handle {}

/// A status code and, when it failed, the library's message.
pub struct Outcome {
    pub code: i32,
    pub message: String,
}

fn outcome(code: i32) -> Outcome {
    let message = if code == 0 {
        String::new()
    } else {
        // SAFETY: never NULL; copied before any other library call.
        unsafe { CStr::from_ptr(sys::nfqueue_last_error()) }.to_string_lossy().into_owned()
    };
    Outcome { code, message }
}

/// Read the payload through the handle.
pub fn payload(h: Handle) -> Outcome {
    let (mut data, mut len) = (ptr::null(), 0);
    // SAFETY: the handle's queue is alive (not freed before these uses),
    // so the library detects an expired handle, as its header promises
    // since 1.1; the out-pointers are valid locals.
    outcome(unsafe { sys::nfqueue_packet_payload(&mut data, &mut len, h.0) })
}

/// Try the rule's `verdict` through the handle.
pub fn verdict(h: Handle, verdict: PlanVerdict, rule: &Rule) -> Outcome {
    // SAFETY: as in payload().
    let code = unsafe {
        match verdict {
            PlanVerdict::Accept => sys::nfqueue_packet_verdict(h.0, sys::NFQUEUE_ACCEPT as i32),
            PlanVerdict::Drop => sys::nfqueue_packet_verdict(h.0, sys::NFQUEUE_DROP as i32),
            PlanVerdict::Repeat => sys::nfqueue_packet_verdict(h.0, sys::NFQUEUE_REPEAT as i32),
            PlanVerdict::Stop => sys::nfqueue_packet_verdict(h.0, sys::NFQUEUE_STOP as i32),
            PlanVerdict::Queue => sys::nfqueue_packet_verdict_queue(
                h.0,
                rule.queue_num,
                if rule.bypass { sys::NFQUEUE_QUEUE_BYPASS } else { 0 },
            ),
            PlanVerdict::None => 0,
        }
    };
    outcome(code)
}

/// The name of a status code as in nfqueue.h, "ok" for 0.
pub fn name(code: i32) -> &'static str {
    if code == 0 {
        "ok"
    } else {
        nfqueue::ErrorKind::from_code(code).name()
    }
}
