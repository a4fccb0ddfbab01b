// SPDX-License-Identifier: GPL-2.0-or-later

//! The verdict plan (`--plan`, PROTOCOL.md "The verdict plan"): rules
//! read from JSON, and the first rule that matches a packet.
use std::sync::Arc;

use serde_json::Value;

/// What the agent does with a packet right away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanVerdict {
    Accept,
    Drop,
    Repeat,
    Stop,
    Queue,
    None,
}

impl PlanVerdict {
    fn parse(v: &Value, what: &str) -> Result<PlanVerdict, String> {
        match v.as_str() {
            Some("accept") => Ok(PlanVerdict::Accept),
            Some("drop") => Ok(PlanVerdict::Drop),
            Some("repeat") => Ok(PlanVerdict::Repeat),
            Some("stop") => Ok(PlanVerdict::Stop),
            Some("queue") => Ok(PlanVerdict::Queue),
            Some("none") => Ok(PlanVerdict::None),
            Some(other) => {
                Err(format!("{what} \"{other}\" is not accept, drop, repeat, stop, queue or none"))
            }
            None => Err(format!("{what} must be a string")),
        }
    }
}

/// Whether, and why, the packet is retained instead of verdicted now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retain {
    No,
    Hold,
    Later,
    Batch,
    Free,
    AfterClose,
    Expire,
}

impl Retain {
    pub fn label(self) -> &'static str {
        match self {
            Retain::No => "no",
            Retain::Hold => "hold",
            Retain::Later => "later",
            Retain::Batch => "batch",
            Retain::Free => "free",
            Retain::AfterClose => "after_close",
            Retain::Expire => "expire",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub index: Option<u64>,
    pub contains: Option<Vec<u8>>,
    pub verdict: PlanVerdict,
    pub queue_num: u32,
    pub bypass: bool,
    pub mark: Option<u32>,
    pub replace: Option<(Vec<u8>, Vec<u8>)>,
    pub fix_checksums: bool,
    pub second_verdict: Option<PlanVerdict>,
    pub set_payload_len: Option<u32>,
    pub retain: Retain,
    pub delay_ms: u32,
    pub release: bool,
    pub late_by: Option<u32>,
}

impl Default for Rule {
    fn default() -> Rule {
        Rule {
            index: None,
            contains: None,
            verdict: PlanVerdict::Accept,
            queue_num: 0,
            bypass: false,
            mark: None,
            replace: None,
            fix_checksums: true,
            second_verdict: None,
            set_payload_len: None,
            retain: Retain::No,
            delay_ms: 0,
            release: false,
            late_by: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub rules: Vec<Arc<Rule>>,
    pub group: usize,
    pub together: bool,
    accept_all: Arc<Rule>,
}

impl Default for Plan {
    fn default() -> Plan {
        Plan { rules: Vec::new(), group: 1, together: false, accept_all: Arc::new(Rule::default()) }
    }
}

pub fn unhex(v: &Value, what: &str) -> Result<Vec<u8>, String> {
    let fail = || format!("{what} must be a non-empty string of hex digits");
    let text = v.as_str().ok_or_else(fail)?;
    if text.is_empty() || text.len() % 2 != 0 {
        return Err(fail());
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2).ok_or_else(fail)?, 16).map_err(|_| fail()))
        .collect()
}

fn u32_of(v: &Value, what: &str) -> Result<u32, String> {
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| format!("{what} must be an integer in 0..4294967295"))
}

fn bool_of(v: &Value, what: &str) -> Result<bool, String> {
    v.as_bool().ok_or_else(|| format!("{what} must be true or false"))
}

const KNOWN: [&str; 14] = [
    "index",
    "contains",
    "verdict",
    "queue_num",
    "bypass",
    "mark",
    "replace",
    "fix_checksums",
    "second_verdict",
    "retain",
    "delay_ms",
    "set_payload_len",
    "release",
    "late_by",
];

fn parse_rule(o: &Value) -> Result<Rule, String> {
    let o = o.as_object().ok_or("each rule must be an object")?;
    if let Some(unknown) = o.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(format!("unknown rule member \"{unknown}\""));
    }
    let mut r = Rule::default();
    if let Some(v) = o.get("index") {
        r.index = Some(v.as_u64().ok_or("index must be a non-negative integer")?);
    }
    if let Some(v) = o.get("contains") {
        r.contains = Some(unhex(v, "contains")?);
    }
    if let Some(v) = o.get("verdict") {
        r.verdict = PlanVerdict::parse(v, "verdict")?;
    }
    if let Some(v) = o.get("queue_num") {
        r.queue_num = u32_of(v, "queue_num")?;
    }
    if let Some(v) = o.get("bypass") {
        r.bypass = bool_of(v, "bypass")?;
    }
    if let Some(v) = o.get("mark") {
        r.mark = Some(u32_of(v, "mark")?);
    }
    if let Some(v) = o.get("replace") {
        let (Some(from), Some(to)) = (v.get("from"), v.get("to")) else {
            return Err("replace needs \"from\" and \"to\"".into());
        };
        let (from, to) = (unhex(from, "replace.from")?, unhex(to, "replace.to")?);
        if from.len() != to.len() {
            return Err("replace.from and replace.to must have the same length".into());
        }
        r.replace = Some((from, to));
    }
    if let Some(v) = o.get("fix_checksums") {
        r.fix_checksums = bool_of(v, "fix_checksums")?;
    }
    if let Some(v) = o.get("second_verdict") {
        r.second_verdict = Some(PlanVerdict::parse(v, "second_verdict")?);
    }
    if let Some(v) = o.get("retain") {
        r.retain = match v.as_str() {
            Some("no") => Retain::No,
            Some("hold") => Retain::Hold,
            Some("later") => Retain::Later,
            Some("batch") => Retain::Batch,
            Some("free") => Retain::Free,
            Some("after_close") => Retain::AfterClose,
            Some("expire") => Retain::Expire,
            _ => {
                return Err("retain must be \"no\", \"hold\", \"later\", \"batch\", \"free\", \
                            \"after_close\" or \"expire\""
                    .into())
            }
        };
    }
    if let Some(v) = o.get("delay_ms") {
        r.delay_ms = u32_of(v, "delay_ms")?;
    }
    if let Some(v) = o.get("set_payload_len") {
        r.set_payload_len = Some(u32_of(v, "set_payload_len")?);
    }
    if let Some(v) = o.get("release") {
        r.release = bool_of(v, "release")?;
    }
    if let Some(v) = o.get("late_by") {
        let n = u32_of(v, "late_by")?;
        if n < 1 {
            return Err("late_by must be at least 1".into());
        }
        r.late_by = Some(n);
    }
    if matches!(r.retain, Retain::AfterClose | Retain::Expire) && r.verdict == PlanVerdict::None {
        return Err(format!("retain \"{}\" needs a verdict to try late", r.retain.label()));
    }
    if r.retain == Retain::Batch && matches!(r.verdict, PlanVerdict::Queue | PlanVerdict::None) {
        return Err("a batch verdict must be accept, drop, repeat or stop".into());
    }
    if r.late_by.is_some() && r.retain != Retain::Expire {
        return Err("late_by needs \"retain\": \"expire\"".into());
    }
    if r.release {
        if r.verdict != PlanVerdict::None {
            return Err("release needs \"verdict\": \"none\"".into());
        }
        if r.retain != Retain::No
            || r.mark.is_some()
            || r.replace.is_some()
            || r.second_verdict.is_some()
            || r.set_payload_len.is_some()
        {
            return Err("release takes no other action but delay_ms".into());
        }
    }
    Ok(r)
}

impl Plan {
    pub fn parse(text: &str) -> Result<Plan, String> {
        let root: Value = serde_json::from_str(text).map_err(|e| format!("--plan is not valid JSON: {e}"))?;
        let o = root.as_object().ok_or("--plan must be a JSON object")?;
        if let Some(unknown) = o.keys().find(|k| !["group", "rules", "verdicts"].contains(&k.as_str())) {
            return Err(format!("unknown plan member \"{unknown}\""));
        }
        let mut plan = Plan::default();
        if let Some(g) = o.get("group") {
            plan.group =
                g.as_u64().filter(|g| (1..=4096).contains(g)).ok_or("group must be an integer in 1..4096")?
                    as usize;
        }
        if let Some(v) = o.get("verdicts") {
            plan.together = match v.as_str() {
                Some("each") => false,
                Some("together") => true,
                _ => return Err("verdicts must be \"each\" or \"together\"".into()),
            };
        }
        if let Some(rules) = o.get("rules") {
            let rules = rules.as_array().ok_or("rules must be an array")?;
            plan.rules = rules.iter().map(|r| parse_rule(r).map(Arc::new)).collect::<Result<_, _>>()?;
        }
        Ok(plan)
    }

    /// The first rule matching packet number `index` with `payload`.
    pub fn matching(&self, index: u64, payload: &[u8]) -> Arc<Rule> {
        self.rules
            .iter()
            .find(|r| {
                r.index.is_none_or(|i| i == index)
                    && r.contains.as_ref().is_none_or(|needle| {
                        needle.len() <= payload.len() && payload.windows(needle.len()).any(|w| w == needle)
                    })
            })
            .unwrap_or(&self.accept_all)
            .clone()
    }
}
