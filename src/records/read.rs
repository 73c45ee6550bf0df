//! Reads one transcript: verifies it and, in the same pass, gathers the facts the
//! registry needs.
//!
//! Invariants: facts are gathered from every record as it is read but returned only when
//! the verifier finds the transcript intact and completed; otherwise the outcome says
//! why it is not counted or not trusted, and the facts are dropped. Events the registry
//! does not read are skipped without being parsed; the ones it reads are parsed into
//! their types in [`crate::transcript::events`], so a record that lacks one of their
//! fields is skipped with a note; unknown fields are ignored.

use std::collections::HashMap;
use std::io::BufReader;
use std::path::Path;

use serde_json::Value;

use super::signing::{signing, Trust};
use super::{BrokenRule, Confirmer, Exposure, Holder, Signing, StoppedIn, UtcTime};
use crate::signatures::{SignatureFile, Tee};
use crate::transcript::events::{self, Event as _};
use crate::transcript::{
    verify_reader_with, RecordView, StartFacts, Verdict, Verification, EVENT_COMPLETED,
    EVENT_STARTED, EVENT_STEP_DONE, EVENT_STEP_STARTED,
};

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
    Split(events::SecretSplit),
    Fingerprint(events::Fingerprint),
    Stored(events::Stored),
    Voided(events::SharesVoided),
    Entered(events::ShareEntered),
    Checked(events::ShareChecked),
    CheckFailed(events::ShareCheckFailed),
    Verified(events::SecretVerified),
    Exception(events::PolicyException),
    /// `share_shown` or `share_copy_check_failed`: a share was on screen.
    Shown(ShareOut),
    /// `share_encrypted`: a share file was written.
    Encrypted(ShareOut),
}

/// A share shown or written to a file, from the record that says so.
#[derive(Debug)]
pub(super) struct ShareOut {
    pub set: String,
    pub group: u64,
    pub member: u64,
    pub holder: String,
    /// Its digest (a failed copy check does not record it).
    pub digest: Option<String>,
    /// The file written, for `share_encrypted`.
    pub file: Option<String>,
}

impl From<events::ShareShown> for ShareOut {
    fn from(s: events::ShareShown) -> ShareOut {
        ShareOut {
            set: s.set,
            group: s.group,
            member: s.member,
            holder: s.holder,
            digest: Some(s.digest),
            file: None,
        }
    }
}

impl From<events::ShareCopyCheckFailed> for ShareOut {
    fn from(s: events::ShareCopyCheckFailed) -> ShareOut {
        ShareOut {
            set: s.set,
            group: s.group,
            member: s.member,
            holder: s.holder,
            digest: None,
            file: None,
        }
    }
}

impl From<events::ShareEncrypted> for ShareOut {
    fn from(s: events::ShareEncrypted) -> ShareOut {
        ShareOut {
            set: s.set,
            group: s.group,
            member: s.member,
            holder: s.holder,
            digest: Some(s.digest),
            file: Some(s.file),
        }
    }
}

impl From<events::Violation> for BrokenRule {
    fn from(v: events::Violation) -> BrokenRule {
        BrokenRule {
            rule: v.rule,
            field: Some(Value::String(v.field)),
            value: Some(Value::String(v.value)),
            detail: v.detail,
        }
    }
}

impl From<events::Confirmer> for Confirmer {
    fn from(c: events::Confirmer) -> Confirmer {
        Confirmer {
            role: c.role,
            name: c.name,
            initials: c.initials,
        }
    }
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
    /// Who signed, when signatures are required.
    pub signing: Option<Signing>,
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
    /// failed share check, a recovery that did not match, shares shown or written):
    /// those need attention even though the run does not count.
    NotCounted(Box<Left>),
    /// Tampered or unreadable, with what is wrong.
    Untrusted(Vec<String>),
}

/// A run that did not complete, and what it still tells.
#[derive(Debug)]
pub(super) struct Left {
    /// Why it is not counted (`aborted in step ...` for an aborted run).
    pub why: String,
    /// Failed share checks and mismatched recoveries.
    pub alarms: Vec<String>,
    /// Shares it showed or wrote to files.
    pub exposed: Vec<Exposure>,
    /// The share-showing or share-writing step it stopped inside, when a share of the
    /// run is not recorded as shown or written.
    pub stopped_in: Option<StoppedIn>,
}

fn parse_fact(view: &RecordView<'_>) -> Option<Result<Event, serde_json::Error>> {
    fn parse<E: events::Event>(
        bytes: &[u8],
        make: impl FnOnce(E) -> Event,
    ) -> Option<Result<Event, serde_json::Error>> {
        Some(serde_json::from_slice(bytes).map(make))
    }
    let bytes = view.bytes;
    match view.event {
        events::SecretSplit::NAME => parse(bytes, Event::Split),
        events::Fingerprint::NAME => parse(bytes, Event::Fingerprint),
        events::Stored::NAME => parse(bytes, Event::Stored),
        events::SharesVoided::NAME => parse(bytes, Event::Voided),
        events::ShareEntered::NAME => parse(bytes, Event::Entered),
        events::ShareChecked::NAME => parse(bytes, Event::Checked),
        events::ShareCheckFailed::NAME => parse(bytes, Event::CheckFailed),
        events::SecretVerified::NAME => parse(bytes, Event::Verified),
        events::PolicyException::NAME => parse(bytes, Event::Exception),
        events::ShareShown::NAME => parse(bytes, |s: events::ShareShown| Event::Shown(s.into())),
        events::ShareCopyCheckFailed::NAME => parse(bytes, |s: events::ShareCopyCheckFailed| {
            Event::Shown(s.into())
        }),
        events::ShareEncrypted::NAME => parse(bytes, |s: events::ShareEncrypted| {
            Event::Encrypted(s.into())
        }),
        _ => None,
    }
}

/// What an interrupted run still tells: shares that failed their check and recoveries
/// that did not match their fingerprint.
fn alarms(facts: &[Fact]) -> Vec<String> {
    facts
        .iter()
        .filter_map(|fact| match &fact.event {
            Event::CheckFailed(f) => Some(format!(
                "line {}: share {}/{} of {} ({}) failed its check: {}",
                fact.line, f.group, f.member, f.secret, f.holder, f.reason
            )),
            Event::Verified(v) if !v.matches => Some(format!(
                "line {}: `{}` was recovered with fingerprint {}, not the expected {}",
                fact.line, v.secret, v.fingerprint, v.expected
            )),
            _ => None,
        })
        .collect()
}

/// Step kinds that put shares where a person or a disk keeps them, and how a
/// `step_started` record names them (the writer writes compact JSON).
const EXPOSING_KINDS: [(&str, &[u8]); 2] = [
    ("show_shares", b"\"kind\":\"show_shares\""),
    ("encrypt_shares", b"\"kind\":\"encrypt_shares\""),
];

/// The exposing step kind a `step_started` record names, found without parsing it.
fn exposing_kind(bytes: &[u8]) -> Option<&'static str> {
    EXPOSING_KINDS
        .into_iter()
        .find(|(_, needle)| bytes.windows(needle.len()).any(|w| w == *needle))
        .map(|(kind, _)| kind)
}

/// The shares a run that did not complete showed on screen or wrote to files, one entry
/// a share (a share both shown and written is one entry).
fn exposures(facts: &[Fact], roles: &HashMap<String, String>) -> Vec<Exposure> {
    let mut fingerprints: HashMap<&str, String> = HashMap::new();
    for fact in facts {
        match &fact.event {
            Event::Fingerprint(f) => {
                fingerprints.insert(&f.secret, f.master_fingerprint.to_lowercase());
            }
            Event::Verified(v) if v.matches => {
                fingerprints.insert(&v.secret, v.fingerprint.to_lowercase());
            }
            _ => {}
        }
    }
    let split_of = |set: &str| {
        facts.iter().rev().find_map(|f| match &f.event {
            Event::Split(s) if s.into == set => Some(s),
            _ => None,
        })
    };
    let mut out: Vec<Exposure> = Vec::new();
    for fact in facts {
        let (share, shown) = match &fact.event {
            Event::Shown(s) => (s, true),
            Event::Encrypted(s) => (s, false),
            _ => continue,
        };
        let split = split_of(&share.set);
        let placed = split.and_then(|sp| {
            sp.shares
                .iter()
                .find(|p| p.group == share.group && p.member == share.member)
        });
        if let Some(known) = out
            .iter_mut()
            .find(|e| e.set == share.set && e.group == share.group && e.member == share.member)
        {
            known.shown |= shown;
            if known.file.is_none() {
                known.file.clone_from(&share.file);
            }
            if known.digest.is_none() {
                known.digest = share.digest.as_ref().map(|d| d.to_lowercase());
            }
            continue;
        }
        let role = share.holder.clone();
        out.push(Exposure {
            secret: split.map(|sp| sp.secret.clone()),
            fingerprint: split.and_then(|sp| fingerprints.get(sp.secret.as_str()).cloned()),
            set: share.set.clone(),
            identifier: split.map(|sp| u64::from(sp.identifier)),
            group: share.group,
            member: share.member,
            holder: Holder {
                name: roles.get(&role).cloned(),
                role,
            },
            digest: share
                .digest
                .as_ref()
                .or(placed.map(|p| &p.digest))
                .map(|d| d.to_lowercase()),
            shown,
            file: if shown { None } else { share.file.clone() },
            line: fact.line,
            at: fact.at,
            resolved: None,
        });
    }
    out
}

/// The step the run stopped inside, when it shows or writes shares and some share split
/// in the run is not recorded as shown (`show_shares`) or written (`encrypt_shares`): it
/// may have been on screen or on disk before a record said so.
fn stopped_in(
    open: Option<(u64, String, &'static str)>,
    facts: &[Fact],
    exposed: &[Exposure],
) -> Option<StoppedIn> {
    let (line, step, kind) = open?;
    let all_recorded = facts.iter().all(|f| match &f.event {
        Event::Split(split) => split.shares.iter().all(|p| {
            exposed.iter().any(|e| {
                e.set == split.into
                    && (e.group, e.member) == (p.group, p.member)
                    && if kind == "show_shares" {
                        e.shown
                    } else {
                        e.file.is_some()
                    }
            })
        }),
        _ => true,
    });
    let any_split = facts.iter().any(|f| matches!(f.event, Event::Split(_)));
    (!(any_split && all_recorded)).then(|| StoppedIn {
        step,
        kind: kind.to_string(),
        line,
    })
}

/// The largest file read as a transcript.
pub(super) const MAX_TRANSCRIPT_BYTES: u64 = 256 << 20;

/// Verifies the transcript at `path` in one pass that also feeds its signatures'
/// hashes and hands every record to `visit`.
fn verify_teed(
    path: &Path,
    signatures: &mut SignatureFile,
    visit: impl FnMut(&RecordView<'_>),
) -> std::io::Result<Verification> {
    // A named pipe or a device is refused at once instead of blocking or never ending.
    let file = crate::fs::open_regular(path)?;
    if !signatures.present() {
        return verify_reader_with(path, BufReader::with_capacity(1 << 20, file), None, visit);
    }
    // A reader without `read_buf` (the tee) has its buffer zeroed before the first read:
    // sized to the file, that costs nothing next to hashing it.
    let size = file.metadata()?.len();
    let capacity = usize::try_from(size.clamp(8 << 10, 1 << 20)).unwrap_or(1 << 20);
    let mut reader = BufReader::with_capacity(capacity, Tee::new(file, signatures));
    let v = verify_reader_with(path, &mut reader, None, visit)?;
    // The verifier reads to the end; this makes sure the signatures saw every byte.
    std::io::copy(&mut reader, &mut std::io::sink())?;
    Ok(v)
}

/// Reads and verifies the transcript at `path`; `trust` finds the certificates that
/// signatures are checked with.
pub(super) fn read(path: &Path, trust: &Trust) -> Outcome {
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
    // (line, step id, kind) of a share-showing or share-writing step not yet done.
    let mut open: Option<(u64, String, &'static str)> = None;
    let mut signatures = SignatureFile::read(path);
    let verification = verify_teed(path, &mut signatures, |view| {
        if view.event == EVENT_STEP_STARTED {
            open = exposing_kind(view.bytes)
                .map(|kind| (view.line, view.step.unwrap_or("").to_string(), kind));
            return;
        }
        if view.event == EVENT_STEP_DONE {
            open = None;
            return;
        }
        if view.line == 1 && view.event == EVENT_STARTED {
            // A start record that does not read is the verifier's to judge; here it
            // simply has no interval, and the note says why.
            match serde_json::from_slice::<events::CeremonyStarted>(view.bytes) {
                Ok(start) => rehearse_every = start.ceremony.rehearse_every,
                Err(e) => notes.push(format!(
                    "line 1: the `{EVENT_STARTED}` record status cannot read ({e}); its \
                     rehearse_every is not used"
                )),
            }
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
            return left(why, v.start.as_ref(), &facts, open);
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
        return left(
            format!("aborted in step `{step}`: {reason}"),
            Some(&start),
            &facts,
            open,
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
    let signature_file = signatures.present();
    let signing = signing(signatures, &start, trust);
    Outcome::Counted(Box::new(Transcript {
        ceremony: start.ceremony,
        started,
        rehearse_every,
        roles: start.roles.into_iter().map(|r| (r.id, r.name)).collect(),
        signature_file,
        signing,
        facts,
        notes,
    }))
}

/// The outcome of a run that did not complete.
fn left(
    why: String,
    start: Option<&StartFacts>,
    facts: &[Fact],
    open: Option<(u64, String, &'static str)>,
) -> Outcome {
    let roles: HashMap<String, String> = start
        .iter()
        .flat_map(|s| &s.roles)
        .map(|r| (r.id.clone(), r.name.clone()))
        .collect();
    let exposed = exposures(facts, &roles);
    let stopped_in = stopped_in(open, facts, &exposed);
    Outcome::NotCounted(Box::new(Left {
        why,
        alarms: alarms(facts),
        exposed,
        stopped_in,
    }))
}
