// SPDX-License-Identifier: GPL-2.0-or-later

//! Events: one JSON object per line on stdout, written whole under the
//! stdout lock so lines from different threads never interleave.
use std::io::Write;

use nfqueue::{Error, Iface, Packet};
use serde_json::{json, Map, Value};

/// One event being built.
pub struct Line(Map<String, Value>);

impl Line {
    pub fn new(event: &str) -> Line {
        let mut map = Map::new();
        map.insert("event".into(), event.into());
        Line(map)
    }

    pub fn set(&mut self, key: &str, value: impl Into<Value>) -> &mut Line {
        self.0.insert(key.into(), value.into());
        self
    }

    pub fn emit(self) {
        let text = Value::Object(self.0).to_string();
        let mut out = std::io::stdout().lock();
        // A closed stdout leaves nobody to report to.
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// "ok", or the error's name as in nfqueue.h.
pub fn result<T>(outcome: &Result<T, Error>) -> &'static str {
    match outcome {
        Ok(_) => "ok",
        Err(e) => e.kind().name(),
    }
}

/// The outcome as `key`, and when it failed the library's message as `message_key`.
pub fn outcome<T>(l: &mut Line, key: &str, message_key: &str, outcome: &Result<T, Error>) {
    l.set(key, result(outcome));
    if let Err(e) = outcome {
        l.set(message_key, e.message());
    }
}

/// An `error` event for a failed call.
pub fn error(call: &str, e: &Error) {
    let mut l = Line::new("error");
    l.set("call", call).set("code", e.code()).set("name", e.kind().name()).set("message", e.message());
    l.emit();
}

fn opt<T: Into<Value>>(v: Option<T>) -> Value {
    v.map_or(Value::Null, Into::into)
}

/// The packet's metadata members, from one attribute read (and the
/// interface names, which the library looks up separately).
pub fn packet_members(l: &mut Line, p: &Packet<'_>, hex_max: usize) {
    let attrs = match p.attrs() {
        Ok(attrs) => attrs,
        Err(e) => {
            // A broken read must fail the case, not pass as absent values.
            for key in ["id", "queue", "hw_protocol", "hook", "mark", "payload_len"] {
                l.set(key, e.kind().name());
            }
            return;
        }
    };
    l.set("id", attrs.id())
        .set("queue", attrs.queue_num())
        .set("hw_protocol", attrs.hw_protocol())
        .set("hook", attrs.hook().number())
        .set("mark", opt(attrs.mark()))
        .set("timestamp", attrs.timestamp().map_or(Value::Null, |t| json!([t.secs, t.micros])));
    for (which, key, name_key) in [
        (Iface::In, "indev", "indev_name"),
        (Iface::Out, "outdev", "outdev_name"),
        (Iface::PhysIn, "physindev", "physindev_name"),
        (Iface::PhysOut, "physoutdev", "physoutdev_name"),
    ] {
        l.set(key, opt(attrs.ifindex(which)));
        let name = match p.ifname(which) {
            Ok(name) => opt(name),
            Err(e) => e.kind().name().into(),
        };
        l.set(name_key, name);
    }
    l.set("hwaddr", opt(attrs.hwaddr().map(hex)))
        .set("uid", opt(attrs.uid()))
        .set("gid", opt(attrs.gid()))
        .set("secctx", opt(attrs.secctx().map(|s| String::from_utf8_lossy(s).into_owned())))
        .set("skbinfo", opt(attrs.skbinfo()))
        .set("priority", opt(attrs.priority()))
        .set("vlan", attrs.vlan().map_or(Value::Null, |v| json!({"proto": v.proto, "tci": v.tci})))
        .set("l2hdr", opt(attrs.l2hdr().map(hex)))
        .set("ct_info", opt(attrs.ct_info()))
        .set("ct_id", opt(attrs.ct_id()))
        .set("ct_status", opt(attrs.ct_status()))
        .set("orig_len", opt(attrs.orig_len()));
    match attrs.payload() {
        Some(payload) => {
            l.set("payload_len", payload.len())
                .set("payload_hex", hex(&payload[..payload.len().min(hex_max)]));
        }
        None => {
            l.set("payload_len", Value::Null).set("payload_hex", Value::Null);
        }
    }
}
