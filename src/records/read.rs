//! Reads one transcript: verifies it and, in the same pass, gathers the facts the
//! registry needs.
//!
//! Invariants: facts are gathered from every record as it is read but returned only when
//! the verifier finds the transcript intact and completed; otherwise the outcome says
//! why it is not counted or not trusted, and the facts are dropped. Events the registry
//! does not read are skipped without being parsed; unknown fields are ignored.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{Confirmer, UtcTime};
use crate::transcript::{verify_file_with, RecordView, Verdict, EVENT_COMPLETED, EVENT_STARTED};

/// A fact from a counted transcript, in record order.
#[derive(Debug)]
pub(super) struct Fact {
    /// Line number.
    pub line: u64,
    /// The record's time.
    pub at: UtcTime,
    /// What it says.
    pub event: Event,
}

/// The events the registry reads.
#[derive(Debug)]
pub(super) enum Event {
    Split(Split),
    Fingerprint(FingerprintRecord),
    Stored(Stored),
    Voided(Voided),
    Entered(Entered),
    Checked(Checked),
    CheckFailed(CheckFailed),
    Verified(Verified),
    Exception(Exception),
}

#[derive(Debug, Deserialize)]
pub(super) struct Split {
    pub secret: String,
    #[serde(default)]
    pub into: Option<String>,
    #[serde(default)]
    pub identifier: Option<u64>,
    #[serde(default)]
    pub group_threshold: Option<u64>,
    #[serde(default)]
    pub groups: Vec<SplitGroup>,
    pub shares: Vec<SplitShare>,
}

#[derive(Debug, Deserialize)]
pub(super) struct SplitGroup {
    #[serde(default)]
    pub threshold: Option<u64>,
    #[serde(default)]
    pub count: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub(super) struct SplitShare {
    pub group: u64,
    pub member: u64,
    pub holder: String,
    pub digest: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct FingerprintRecord {
    pub secret: String,
    pub master_fingerprint: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct ShareRef {
    pub digest: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct Stored {
    #[serde(default)]
    pub item: Option<String>,
    #[serde(default)]
    pub share: Option<ShareRef>,
    #[serde(default)]
    pub location: Map<String, Value>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Voided {
    pub secret: String,
    #[serde(default)]
    pub reason: Option<String>,
    pub digests: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Entered {
    pub digest: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct Checked {
    pub secret: String,
    #[serde(default)]
    pub identifier: Option<u64>,
    #[serde(default)]
    pub group: Option<u64>,
    #[serde(default)]
    pub member: Option<u64>,
    pub digest: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct CheckFailed {
    pub secret: String,
    #[serde(default)]
    pub identifier: Option<u64>,
    #[serde(default)]
    pub group: Option<u64>,
    #[serde(default)]
    pub member: Option<u64>,
    #[serde(default)]
    pub holder: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Verified {
    pub secret: String,
    #[serde(default)]
    pub fingerprint: Option<String>,
    #[serde(default)]
    pub expected: Option<String>,
    pub matches: bool,
}

#[derive(Debug, Deserialize)]
pub(super) struct Exception {
    #[serde(default)]
    pub item: String,
    #[serde(default)]
    pub share: Option<ShareRef>,
    #[serde(default)]
    pub rules: Vec<super::BrokenRule>,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub confirmed_by: Vec<Confirmer>,
}

#[derive(Deserialize, Default)]
struct StartRecord {
    #[serde(default)]
    ceremony: StartCeremony,
}

#[derive(Deserialize, Default)]
struct StartCeremony {
    #[serde(default)]
    rehearse_every: Option<String>,
}

/// A file of garbage has a finding on every line; the registry keeps the first ones.
const MAX_FINDINGS: usize = 50;

/// The facts of a counted transcript.
#[derive(Debug)]
pub(super) struct Transcript {
    /// The ceremony id.
    pub ceremony: String,
    /// Its first record's time.
    pub started: UtcTime,
    /// The raw `rehearse_every` of its script, if any.
    pub rehearse_every: Option<String>,
    /// Role id → the person's name.
    pub roles: HashMap<String, String>,
    /// Whether `<file>.asc` exists.
    pub signature_file: bool,
    /// The facts, in record order.
    pub facts: Vec<Fact>,
    /// Records of known events that lacked a field, with why.
    pub notes: Vec<String>,
}

/// What reading one file gave.
#[derive(Debug)]
pub(super) enum Outcome {
    /// Intact and completed.
    Counted(Box<Transcript>),
    /// Intact but not completed, with why, and the alarming facts it still records (a
    /// failed share check, a recovery that did not match): those need attention even
    /// though the run does not count.
    NotCounted(String, Vec<String>),
    /// Tampered or unreadable, with what is wrong.
    Untrusted(Vec<String>),
}

fn parse_fact(view: &RecordView<'_>) -> Option<Result<Event, serde_json::Error>> {
    fn parse<'a, T: Deserialize<'a>>(
        bytes: &'a [u8],
        make: fn(T) -> Event,
    ) -> Option<Result<Event, serde_json::Error>> {
        Some(serde_json::from_slice(bytes).map(make))
    }
    let bytes = view.bytes;
    match view.event {
        "secret_split" => parse(bytes, Event::Split),
        "fingerprint" => parse(bytes, Event::Fingerprint),
        "stored" => parse(bytes, Event::Stored),
        "shares_voided" => parse(bytes, Event::Voided),
        "share_entered" => parse(bytes, Event::Entered),
        "share_checked" => parse(bytes, Event::Checked),
        "share_check_failed" => parse(bytes, Event::CheckFailed),
        "secret_verified" => parse(bytes, Event::Verified),
        "policy_exception" => parse(bytes, Event::Exception),
        _ => None,
    }
}

/// What an interrupted run still tells: shares that failed their check and recoveries
/// that did not match their fingerprint.
fn alarms(facts: &[Fact]) -> Vec<String> {
    let number = |n: Option<u64>| n.map_or("?".to_string(), |n| n.to_string());
    facts
        .iter()
        .filter_map(|fact| match &fact.event {
            Event::CheckFailed(f) => Some(format!(
                "line {}: share {}/{} of {} ({}) failed its check: {}",
                fact.line,
                number(f.group),
                number(f.member),
                f.secret,
                f.holder.as_deref().unwrap_or("holder unknown"),
                f.reason.as_deref().unwrap_or("no reason recorded")
            )),
            Event::Verified(v) if !v.matches => Some(format!(
                "line {}: `{}` was recovered with fingerprint {}, not the expected {}",
                fact.line,
                v.secret,
                v.fingerprint.as_deref().unwrap_or("?"),
                v.expected.as_deref().unwrap_or("?")
            )),
            _ => None,
        })
        .collect()
}

/// The largest file read as a transcript.
pub(super) const MAX_TRANSCRIPT_BYTES: u64 = 256 << 20;

/// Reads and verifies the transcript at `path`.
pub(super) fn read(path: &Path) -> Outcome {
    // A transcript keyrite writes is kilobytes to a few megabytes; a huge file in the
    // folder (a log renamed `.jsonl`) must not exhaust memory in every reader thread.
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.len() > MAX_TRANSCRIPT_BYTES {
            return Outcome::Untrusted(vec![format!(
                "the file is {} MiB, larger than any transcript ({} MiB at most): it is not read",
                meta.len() >> 20,
                MAX_TRANSCRIPT_BYTES >> 20
            )]);
        }
    }
    let mut facts = Vec::new();
    let mut notes = Vec::new();
    let mut rehearse_every = None;
    let mut bad_times = Vec::new();
    let verification = verify_file_with(path, None, |view| {
        if view.line == 1 && view.event == EVENT_STARTED {
            // A start record whose ceremony is not an object is the verifier's to judge;
            // here it simply has no interval.
            rehearse_every = serde_json::from_slice::<StartRecord>(view.bytes)
                .unwrap_or_default()
                .ceremony
                .rehearse_every;
            return;
        }
        let Some(parsed) = parse_fact(view) else {
            return;
        };
        let Ok(at) = UtcTime::parse(view.at) else {
            bad_times.push(format!(
                "line {}: the time `{}` is not an RFC 3339 time",
                view.line, view.at
            ));
            return;
        };
        match parsed {
            Ok(event) => facts.push(Fact {
                line: view.line,
                at,
                event,
            }),
            Err(e) => notes.push(format!(
                "line {}: a `{}` record status cannot read ({e}); skipped",
                view.line, view.event
            )),
        }
    });
    let v = match verification {
        Ok(v) => v,
        Err(e) => return Outcome::Untrusted(vec![format!("cannot read the file: {e}")]),
    };
    match v.verdict {
        Verdict::Tampered => {
            let mut findings: Vec<String> = v
                .findings
                .iter()
                .take(MAX_FINDINGS)
                .map(ToString::to_string)
                .collect();
            if v.findings.len() > MAX_FINDINGS {
                findings.push(format!(
                    "... and {} more findings (`keyrite verify` lists them all)",
                    v.findings.len() - MAX_FINDINGS
                ));
            }
            return Outcome::Untrusted(findings);
        }
        Verdict::Truncated | Verdict::Incomplete => {
            let why = v
                .findings
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            return Outcome::NotCounted(why, alarms(&facts));
        }
        Verdict::Intact => {}
    }
    let (Some(start), Some(end)) = (v.start, v.end) else {
        // The verifier calls a transcript intact only with a start and an end record.
        return Outcome::Untrusted(vec!["the verifier found no start or end record".to_string()]);
    };
    if end.outcome != EVENT_COMPLETED {
        let step = end.step.as_deref().unwrap_or("(before the first step)");
        let reason = end.reason.as_deref().unwrap_or("no reason recorded");
        return Outcome::NotCounted(
            format!("aborted in step `{step}`: {reason}"),
            alarms(&facts),
        );
    }
    let started = UtcTime::parse(&start.at);
    if started.is_err() {
        bad_times.insert(
            0,
            format!("line 1: the time `{}` is not an RFC 3339 time", start.at),
        );
    }
    let (Ok(started), true) = (started, bad_times.is_empty()) else {
        // The chain is intact, so the writer wrote these times; but a transcript whose
        // times cannot be read cannot be put in order or dated, so it is not trusted.
        return Outcome::Untrusted(bad_times);
    };
    Outcome::Counted(Box::new(Transcript {
        ceremony: start.ceremony,
        started,
        rehearse_every,
        roles: start.roles.into_iter().map(|r| (r.id, r.name)).collect(),
        signature_file: crate::signatures::signature_path(path).exists(),
        facts,
        notes,
    }))
}
