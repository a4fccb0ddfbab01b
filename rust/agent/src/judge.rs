// SPDX-License-Identifier: GPL-2.0-or-later

//! What the agent does with each packet: find its rule, report it,
//! rewrite and mark it, verdict it now or keep it (held, verdicted from
//! another thread, by a batch verdict, or in one call with its batch).
use std::mem;
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::{self, JoinHandle, ThreadId};
use std::time::Duration;

use nfqueue::{checksum, Decision, OwnedPacket, Packet, QueueHandle, Verdict};
use serde_json::Value;

use crate::plan::{Plan, PlanVerdict, Retain, Rule};
use crate::raw::{self, Handle};
use crate::report::{self, hex, outcome, result, Line};

/// A retained packet and what the plan said about it.
pub struct Kept {
    packet: OwnedPacket,
    rule: Arc<Rule>,
    index: u64,
    id: u32,
}

/// The handle of an "expire" packet, kept to be used once it expired.
struct Stale {
    handle: Handle,
    rule: Arc<Rule>,
    index: u64,
    id: u32,
    /// With late_by: the index of the packet whose handling uses it.
    due: Option<u64>,
}

/// Which stale handles to use now.
#[derive(Clone, Copy)]
pub enum Due {
    /// Those without late_by.
    Now,
    /// Those with late_by due at this packet index.
    At(u64),
    /// Every one left.
    All,
}

/// Packets of a pulled batch whose verdicts go in one call ("together").
#[derive(Default)]
pub struct Together<'q> {
    packets: Vec<Packet<'q>>,
    payloads: Vec<Option<Vec<u8>>>,
    rules: Vec<Arc<Rule>>,
    lines: Vec<Line>,
    handles: Vec<Handle>,
    ids: Vec<u32>,
}

pub fn plain(verdict: PlanVerdict, rule: &Rule) -> Option<Verdict> {
    match verdict {
        PlanVerdict::Accept => Some(Verdict::Accept),
        PlanVerdict::Drop => Some(Verdict::Drop),
        PlanVerdict::Repeat => Some(Verdict::Repeat),
        PlanVerdict::Stop => Some(Verdict::Stop),
        PlanVerdict::Queue => Some(Verdict::Queue { num: rule.queue_num, bypass: rule.bypass }),
        PlanVerdict::None => None,
    }
}

/// "accept", "queue:2", "queue:2:bypass", ...
pub fn label(verdict: PlanVerdict, rule: &Rule) -> String {
    match verdict {
        PlanVerdict::Accept => "accept".into(),
        PlanVerdict::Drop => "drop".into(),
        PlanVerdict::Repeat => "repeat".into(),
        PlanVerdict::Stop => "stop".into(),
        PlanVerdict::None => "none".into(),
        PlanVerdict::Queue if rule.bypass => format!("queue:{}:bypass", rule.queue_num),
        PlanVerdict::Queue => format!("queue:{}", rule.queue_num),
    }
}

fn owned_verdict(packet: &mut OwnedPacket, verdict: PlanVerdict, rule: &Rule) -> Result<(), nfqueue::Error> {
    match plain(verdict, rule) {
        Some(v) => packet.verdict(v),
        None => Ok(()),
    }
}

pub struct Agent {
    pub plan: Plan,
    pub hex_max: usize,
    /// Whether a packet's handling starting means the earlier packets'
    /// callbacks returned, so they expired (run, dispatch).
    pub stale_at_callback: bool,
    next_index: u64,
    held: Vec<Kept>,
    later: Vec<Kept>,
    batch: Vec<Kept>,
    after_close: Vec<Kept>,
    stale: Vec<Stale>,
    queue: QueueHandle,
    main: ThreadId,
    later_jobs: Option<mpsc::Sender<Vec<Kept>>>,
    later_thread: Option<JoinHandle<()>>,
}

impl Agent {
    /// `later_jobs` and `later_thread`: the thread that verdicts "later"
    /// groups, started by main with the signals blocked.
    pub fn new(plan: Plan, hex_max: usize, queue: QueueHandle) -> Agent {
        Agent {
            plan,
            hex_max,
            stale_at_callback: true,
            next_index: 0,
            held: Vec::new(),
            later: Vec::new(),
            batch: Vec::new(),
            after_close: Vec::new(),
            stale: Vec::new(),
            queue,
            main: thread::current().id(),
            later_jobs: None,
            later_thread: None,
        }
    }

    pub fn set_later_thread(&mut self, jobs: mpsc::Sender<Vec<Kept>>, thread: JoinHandle<()>) {
        self.later_jobs = Some(jobs);
        self.later_thread = Some(thread);
    }

    fn thread_name(&self) -> &'static str {
        if thread::current().id() == self.main {
            "main"
        } else {
            "other"
        }
    }

    /// Judge one borrowed packet by the plan and report it.
    pub fn judge<'q>(&mut self, mut p: Packet<'q>, together: Option<&mut Together<'q>>) {
        let index = self.next_index;
        self.next_index += 1;
        if self.stale_at_callback {
            self.use_stale(Due::Now);
        }
        self.use_stale(Due::At(index));
        let rule = self.plan.matching(index, p.payload());
        if rule.delay_ms > 0 {
            thread::sleep(Duration::from_millis(rule.delay_ms.into()));
        }

        let mut l = Line::new("packet");
        l.set("index", index);
        report::packet_members(&mut l, &p, self.hex_max);
        l.set("thread", self.thread_name());

        if rule.release {
            let handle = Handle(p.as_raw());
            let released = p.release();
            outcome(&mut l, "release_result", "release_message", &released);
            let after = raw::payload(handle);
            l.set("after_release_result", raw::name(after.code));
            if after.code != 0 {
                l.set("after_release_message", after.message);
            }
            l.set("verdict", "none").set("result", "ok");
            l.emit();
            return;
        }

        let pending = together.is_some() && rule.retain == Retain::No && rule.verdict != PlanVerdict::None;
        let replacement =
            rule.replace.as_ref().and_then(|(from, to)| rewrite(&mut l, &mut p, from, to, &rule, pending));
        if let (Some(mark), false) = (rule.mark, rule.retain == Retain::Batch || pending) {
            l.set("set_mark_result", result(&p.set_mark(mark)));
        }
        if let Some(want) = rule.set_payload_len {
            set_payload_len(&mut l, &mut p, want as usize);
        }
        if let (true, Some(t)) = (pending, together) {
            t.handles.push(Handle(p.as_raw()));
            t.ids.push(p.id());
            t.packets.push(p);
            t.payloads.push(replacement);
            t.rules.push(rule);
            t.lines.push(l);
            return;
        }

        match rule.retain {
            Retain::Expire => {
                // Not retained, no verdict: it expires with the default
                // verdict when the library ends its borrow. Forgetting the
                // Packet leaves that to the library (no release now); only
                // its handle is kept, for use_stale().
                let (handle, id) = (Handle(p.as_raw()), p.id());
                mem::forget(p);
                let due = rule.late_by.map(|by| index + u64::from(by));
                self.stale.push(Stale { handle, rule, index, id, due });
                l.set("verdict", "expire").set("result", "ok");
                l.emit();
            }
            Retain::No => {
                l.set("verdict", label(rule.verdict, &rule));
                let handle = Handle(p.as_raw());
                let given = match plain(rule.verdict, &rule) {
                    Some(v) => p.verdict(v),
                    None => {
                        drop(p); // the default verdict, now
                        Ok(())
                    }
                };
                l.set("result", result(&given));
                if let Some(second) = rule.second_verdict {
                    // The first verdict consumed the packet: the second
                    // can only be tried through its raw handle.
                    l.set("second_result", raw::name(raw::verdict(handle, second, &rule).code));
                }
                l.emit();
            }
            kind => {
                let id = p.id();
                l.set("verdict", kind.label());
                match p.retain() {
                    Ok(packet) => {
                        l.set("result", "ok");
                        let kept = Kept { packet, rule, index, id };
                        match kind {
                            Retain::Free => drop(kept), // no verdict: the free gives the default
                            Retain::Hold => self.held.push(kept),
                            Retain::Later => self.later.push(kept),
                            Retain::Batch => self.batch.push(kept),
                            _ => self.after_close.push(kept),
                        }
                    }
                    Err(e) => {
                        l.set("result", e.kind().name());
                    }
                }
                l.emit();
                if self.later.len() >= self.plan.group {
                    self.start_later_group();
                }
                if self.batch.len() >= self.plan.group {
                    self.verdict_batch_group();
                }
            }
        }
    }

    /// "together": the pulled batch's verdicts, in one call.
    pub fn verdicts_together(&mut self, t: Together<'_>) {
        let Together { packets, payloads, rules, lines, handles, ids } = t;
        if packets.is_empty() {
            return;
        }
        let mut verdicts = self.queue.verdicts();
        for ((packet, payload), rule) in packets.into_iter().zip(&payloads).zip(&rules) {
            let mut decision = Decision::from(plain(rule.verdict, rule).unwrap_or(Verdict::Accept));
            decision.mark = rule.mark;
            decision.payload = payload.as_deref();
            verdicts.push(packet, decision);
        }
        let sent = verdicts.send();
        for ((mut l, rule), handle) in lines.into_iter().zip(&rules).zip(&handles) {
            l.set("verdict", label(rule.verdict, rule)).set("result", result(&sent));
            if let Some(second) = rule.second_verdict {
                l.set("second_result", raw::name(raw::verdict(*handle, second, rule).code));
            }
            l.emit();
        }
        let mut l = Line::new("verdicts");
        l.set("count", ids.len()).set("ids", ids).set("result", result(&sent));
        if let Err(e) = &sent {
            l.set("bad_index", e.index().unwrap_or(0)).set("message", e.message());
        }
        l.emit();
    }

    /// Use the handles of "expire" packets that are due: read the payload
    /// and try the verdict through them, and report both outcomes.
    pub fn use_stale(&mut self, which: Due) {
        let (due, kept): (Vec<Stale>, Vec<Stale>) =
            mem::take(&mut self.stale).into_iter().partition(|s| match which {
                Due::Now => s.due.is_none(),
                Due::At(index) => s.due.is_some_and(|d| d <= index),
                Due::All => true,
            });
        self.stale = kept;
        for s in due {
            let mut l = Line::new("expired");
            // The id was noted while the handle was valid.
            l.set("index", s.index).set("id", s.id);
            let read = raw::payload(s.handle);
            l.set("payload_result", raw::name(read.code));
            if read.code != 0 {
                l.set("payload_message", read.message);
            }
            let tried = raw::verdict(s.handle, s.rule.verdict, &s.rule);
            l.set("verdict", label(s.rule.verdict, &s.rule)).set("verdict_result", raw::name(tried.code));
            if tried.code != 0 {
                l.set("verdict_message", tried.message);
            }
            l.emit();
        }
    }

    fn start_later_group(&mut self) {
        let group = mem::take(&mut self.later);
        match &self.later_jobs {
            Some(jobs) => {
                if let Err(mpsc::SendError(group)) = jobs.send(group) {
                    self.later = group; // freed at exit
                }
            }
            None => self.later = group,
        }
    }

    fn verdict_batch_group(&mut self) {
        let group = mem::take(&mut self.batch);
        let Some(newest) = group.last() else {
            return;
        };
        let rule = newest.rule.clone();
        let up_to = newest.packet.id();
        let verdict = plain(rule.verdict, &rule).unwrap_or(Verdict::Accept);
        let given = self.queue.verdict_batch(up_to, verdict, rule.mark);
        let mut l = Line::new("batch");
        l.set("up_to_id", up_to).set("count", group.len()).set("verdict", label(rule.verdict, &rule));
        if let Some(mark) = rule.mark {
            l.set("mark", mark);
        }
        l.set("result", result(&given));
        l.set("has_verdict", group.iter().map(|k| Value::Bool(k.packet.has_verdict())).collect::<Vec<_>>());
        let mut group = group;
        if let Some(second) = rule.second_verdict {
            let tried = owned_verdict(&mut group[0].packet, second, &rule);
            l.set("second_result", result(&tried));
        }
        l.emit();
    }

    /// Wait for the "later" groups still being verdicted.
    pub fn join_later(&mut self) {
        drop(self.later_jobs.take());
        if let Some(thread) = self.later_thread.take() {
            let _ = thread.join();
        }
    }

    /// After close: try the verdict of each "after_close" packet and report it.
    pub fn after_close(&mut self) {
        for mut k in mem::take(&mut self.after_close) {
            let tried = owned_verdict(&mut k.packet, k.rule.verdict, &k.rule);
            let mut l = Line::new("verdict");
            l.set("index", k.index).set("id", k.id).set("verdict", label(k.rule.verdict, &k.rule));
            outcome(&mut l, "result", "message", &tried);
            l.set("thread", self.thread_name());
            l.emit();
        }
    }

    /// Free every packet still retained (after close, which gave each its default verdict).
    pub fn free_kept(&mut self) {
        self.held.clear();
        self.later.clear();
        self.batch.clear();
    }
}

/// The "later" thread: each group in reverse order, then freed.
pub fn verdict_later_groups(jobs: mpsc::Receiver<Vec<Kept>>) {
    for group in jobs {
        for mut k in group.into_iter().rev() {
            let tried = owned_verdict(&mut k.packet, k.rule.verdict, &k.rule);
            let mut l = Line::new("verdict");
            l.set("index", k.index).set("id", k.packet.id()).set("verdict", label(k.rule.verdict, &k.rule));
            outcome(&mut l, "result", "message", &tried);
            l.set("thread", "other");
            if let Some(second) = k.rule.second_verdict {
                l.set("second_result", result(&owned_verdict(&mut k.packet, second, &k.rule)));
            }
            l.emit();
        }
    }
}

/// Replace the rule's bytes in a copy of the payload, fix checksums unless
/// the rule says not to, and set the copy as the packet's payload; or,
/// `pending` ("together"), return it for the verdict call to carry.
fn rewrite(
    l: &mut Line,
    p: &mut Packet<'_>,
    from: &[u8],
    to: &[u8],
    rule: &Rule,
    pending: bool,
) -> Option<Vec<u8>> {
    let payload = match p.attrs() {
        Ok(attrs) => attrs.payload().map(<[u8]>::to_vec),
        Err(e) => {
            l.set("rewrite_result", e.kind().name());
            return None;
        }
    };
    let Some(mut copy) = payload else {
        l.set("rewrite_result", "NFQUEUE_E_NOATTR");
        return None;
    };
    let Some(at) = copy.windows(from.len()).position(|w| w == from) else {
        l.set("rewrite_result", "not_found");
        return None;
    };
    copy[at..at + to.len()].copy_from_slice(to);
    if rule.fix_checksums {
        l.set("checksum_result", result(&checksum::update(&mut copy)));
    }
    l.set("rewritten_hex", hex(&copy));
    if pending {
        l.set("rewrite_result", "ok");
        return Some(copy);
    }
    l.set("rewrite_result", result(&p.set_payload(&copy)));
    None
}

/// "set_payload_len": a replacement of exactly `want` bytes (the packet's
/// own, cut or zero-padded), to probe the size limit.
fn set_payload_len(l: &mut Line, p: &mut Packet<'_>, want: usize) {
    let mut bytes = vec![0u8; want];
    let own = p.payload();
    let n = own.len().min(want);
    bytes[..n].copy_from_slice(&own[..n]);
    let set = p.set_payload(&bytes);
    outcome(l, "set_payload_result", "set_payload_message", &set);
}
