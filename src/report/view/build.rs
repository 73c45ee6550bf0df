//! Builds the report from a transcript: verifies it, checks its signatures, and reads its
//! records in file order into the view model ([`super`]).
//!
//! Invariants: the bytes verified are the bytes reported; each record goes through
//! [`super::sentences::say`] once, and whatever it does not take into the report's
//! structure becomes a fact, with a sentence or generically, in its step or among the
//! ceremony's facts; nothing is dropped.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::sentences::{self, read, Record, Said};
use super::{
    CeremonyView, Confirmation, ExceptionView, Fact, FieldView, OutcomeView, ParticipantView,
    Person, Presence, ReportError, ReportView, ScriptCheck, SecretsView, SignaturesView,
    SignedView, StepReport, StoredView, TranscriptView, VerificationView, MAX_TRANSCRIPT_BYTES,
};
use crate::signatures::{self, Audit};
use crate::transcript::events::{
    CeremonyStarted, Event as _, FileProtected, FileUnprotected, Fingerprint, SecretGenerated,
    SecretRecovered, SecretVerified, ShareCheckFailed, ShareChecked, ShareEncrypted, SharesChecked,
    SharesVoided, StepStarted,
};
use crate::transcript::phrase;
use crate::transcript::{sha256_hex, verify_reader_with, Verdict, Verification, RESERVED_FIELDS};

impl ReportView {
    /// Verifies the transcript at `path`, checks its signatures as `keyrite verify` does
    /// (with the auditor's `script` and `certs`), and builds the report.
    pub fn from_file(
        path: &Path,
        script: Option<&Path>,
        certs: Option<&Path>,
    ) -> Result<ReportView, ReportError> {
        let read = |source| ReportError::Read {
            path: path.to_path_buf(),
            source,
        };
        let script_sha256 = match script {
            None => None,
            Some(s) => Some(sha256_hex(
                &crate::fs::read_bounded(s, crate::script::yaml::Budget::SCRIPT.max_bytes as u64)
                    .map_err(|source| ReportError::Script {
                    path: s.to_path_buf(),
                    source,
                })?,
            )),
        };
        let bytes = match crate::fs::read_bounded(path, MAX_TRANSCRIPT_BYTES) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
                return Err(ReportError::TooLarge {
                    path: path.to_path_buf(),
                    size: std::fs::metadata(path).map_or(MAX_TRANSCRIPT_BYTES + 1, |m| m.len()),
                })
            }
            Err(e) => return Err(read(e)),
        };
        // The bytes verified are the bytes reported and the bytes whose signatures are
        // checked: the file is read once.
        let v =
            verify_reader_with(path, &bytes[..], script_sha256.as_deref(), |_| {}).map_err(read)?;
        if v.start.is_none() {
            let reason = v
                .findings
                .first()
                .map_or_else(|| "it has no first record".to_string(), ToString::to_string);
            return Err(ReportError::NotTranscript {
                path: path.to_path_buf(),
                reason,
            });
        }
        let lines = complete_lines(&bytes);
        let records: Vec<Map<String, Value>> = lines
            .iter()
            .filter_map(|l| match serde_json::from_slice(l) {
                Ok(Value::Object(m)) => Some(m),
                _ => None,
            })
            .collect();
        let audit = signatures::audit(path, &v, Some(&bytes), script, certs)?;
        let script_check = script.zip(script_sha256).map(|(p, sha256)| ScriptCheck {
            path: p.display().to_string(),
            matches: v.start.as_ref().is_some_and(|s| s.script_sha256 == sha256),
            sha256,
        });
        Ok(ReportView::build(&v, &records, &audit, script_check))
    }

    /// Builds the report from a verification, the transcript's readable records (in
    /// file order), the signature audit and the auditor's script check.
    pub fn build(
        v: &Verification,
        records: &[Map<String, Value>],
        audit: &Audit,
        script: Option<ScriptCheck>,
    ) -> ReportView {
        // A first record that does not read as `ceremony_started` is shown generically,
        // among the ceremony's facts, like any record that does not read.
        let start = records
            .first()
            .filter(|r| text(r, "event").as_deref() == Some(CeremonyStarted::NAME))
            .and_then(read::<CeremonyStarted>);
        let mut b = Builder::new(v, start.as_ref());
        for record in records.iter().skip(usize::from(start.is_some())) {
            b.record(record);
        }
        // The chain alone cannot tell a forger's recomputed chain from the original: when
        // the signatures say these are not the signed bytes, the report says so.
        let changed_after_signing = audit.changed_after_signing(v);
        let signatures = signatures_view(audit, &b.names, changed_after_signing);
        let valid = audit.valid(v);
        let verification = verification_view(v, script, &signatures, changed_after_signing);
        let steps = b.steps();
        let head = v.head.clone().unwrap_or_default();
        let words = phrase::encode_hex(&head).unwrap_or_default();
        ReportView {
            transcript: TranscriptView {
                path: v.path.display().to_string(),
                records: v.records,
                phrase: words.join(" "),
                phrase_groups: phrase::groups(&words),
                head,
            },
            verification,
            ceremony: b.ceremony,
            participants: b.participants,
            steps,
            ceremony_facts: b.ceremony_facts,
            storage: b.storage,
            secrets: b.secrets,
            devices: b.devices,
            signatures,
            exceptions: b.exceptions,
            valid,
        }
    }
}

/// The complete lines of a file (each ended by a newline, without it); a torn last
/// line is left out, as the verifier leaves it out.
fn complete_lines(bytes: &[u8]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    // The piece after the last newline is empty for a whole file, torn otherwise.
    lines.pop();
    lines
}

fn verification_view(
    v: &Verification,
    script: Option<ScriptCheck>,
    signatures: &SignaturesView,
    changed_after_signing: bool,
) -> VerificationView {
    let findings: Vec<String> = v.findings.iter().map(ToString::to_string).collect();
    let verdict_text = if changed_after_signing {
        signatures::CHANGED_AFTER_SIGNING
    } else {
        v.verdict.explain()
    };
    let mut warning = Vec::new();
    if changed_after_signing {
        warning.push(verdict_text.to_string());
    }
    if v.verdict != Verdict::Intact {
        warning.push(v.verdict.explain().to_string());
        warning.extend(findings.iter().cloned());
    }
    if signatures.status == "invalid" {
        warning.push(format!("signatures: {}", signatures.summary));
        warning.extend(signatures.problems.iter().cloned());
    }
    VerificationView {
        verdict: v.verdict,
        verdict_text: verdict_text.to_string(),
        intact: v.verdict == Verdict::Intact && !changed_after_signing,
        findings,
        script,
        warning: (!warning.is_empty()).then_some(warning),
    }
}

/// The signatures as the report shows them. When the records were changed after signing
/// (`changed_after_signing`), a required signer whose signature is bad is shown as having
/// signed, with a bad signature, as `keyrite verify` shows them, not as missing.
fn signatures_view(
    audit: &Audit,
    names: &HashMap<String, String>,
    changed_after_signing: bool,
) -> SignaturesView {
    let person = |role: &str| Person {
        role: role.to_string(),
        name: names.get(role).cloned(),
        label: names
            .get(role)
            .map_or_else(|| role.to_string(), |n| format!("{n} ({role})")),
    };
    let mut problems = audit.certificate_problems.clone();
    let Some(s) = &audit.signatures else {
        return SignaturesView {
            status: "none",
            summary: "No signatures are required, and none are attached.".to_string(),
            file: None,
            present: false,
            required: Vec::new(),
            required_from: None,
            signed: Vec::new(),
            missing: Vec::new(),
            problems,
        };
    };
    if let Some(u) = &s.unreadable {
        problems.push(format!("the signature file is unreadable: {u}"));
    }
    for b in &s.bad {
        let issuer = b.issuer.as_deref().unwrap_or("an unnamed key");
        problems.push(match &b.role {
            Some(role) if changed_after_signing && b.data_changed => format!(
                "BAD: {} signed, but the signature does not match these records (key {issuer}): they were changed after signing",
                person(role).label
            ),
            Some(role) if changed_after_signing => format!(
                "BAD: {} signed, but the signature is not valid (key {issuer}): {}",
                person(role).label,
                b.problem
            ),
            _ => format!("BAD signature by {issuer}: {}", b.problem),
        });
    }
    for u in &s.unknown {
        problems.push(format!(
            "signature by {} not counted: {}",
            u.issuer.as_deref().unwrap_or("an unnamed key"),
            u.problem
        ));
    }
    problems.extend(s.mismatches.iter().map(|m| format!("MISMATCH: {m}")));
    let (status, summary) = if !s.present {
        (
            "invalid",
            format!("the signature file {} does not exist", s.file.display()),
        )
    } else if audit.no_certs {
        ("unchecked", "Not checked: no certificates were given. Report with --script FILE (its roles' certificates) or --certs DIR to check them.".to_string())
    } else if s.valid {
        (
            "valid",
            "Every required signer signed, and every signature verifies.".to_string(),
        )
    } else if changed_after_signing {
        (
            "invalid",
            "NOT VALID: the required signers signed other bytes than these: the records were changed after signing (see below). Compare with the copy they signed, or the head phrase they were read.".to_string(),
        )
    } else {
        (
            "invalid",
            "NOT VALID: a required signature is missing, or a signature or certificate is wrong (see below).".to_string(),
        )
    };
    SignaturesView {
        status,
        summary,
        file: Some(s.file.display().to_string()),
        present: s.present,
        required: s.required.iter().map(|r| person(r)).collect(),
        required_from: Some(s.required_from.to_string()),
        signed: s
            .signed
            .iter()
            .map(|g| SignedView {
                role: g.role.clone().unwrap_or_else(|| "?".to_string()),
                name: g.name.clone(),
                fingerprint: g.fingerprint.clone(),
                at: g.at.clone(),
            })
            .collect(),
        // A signer with a bad signature over changed records signed: not missing.
        missing: s
            .missing
            .iter()
            .filter(|r| !(changed_after_signing && s.bad_signers.contains(r)))
            .map(|r| person(r))
            .collect(),
        problems,
    }
}

/// A scalar field as text (a string as it is, a number or a boolean as JSON), for the
/// fields every record has (`at`, `step`, `event`), read whatever else it holds.
fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    match map.get(key)? {
        Value::String(s) => Some(s.clone()),
        v @ (Value::Number(_) | Value::Bool(_)) => Some(v.to_string()),
        _ => None,
    }
}

/// A record's fields other than the writer's own and those in `shown`, in record order.
pub(super) fn rest(map: &Map<String, Value>, shown: &[&str]) -> Vec<FieldView> {
    map.iter()
        .filter(|(k, _)| !RESERVED_FIELDS.contains(&k.as_str()) && !shown.contains(&k.as_str()))
        .map(|(k, v)| FieldView {
            name: k.clone(),
            value: show(v),
        })
        .collect()
}

/// A JSON value as text: scalars as they are, lists of scalars joined, others as JSON.
fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            items.iter().map(show).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    }
}

/// A step that started, while the records are read.
pub(super) struct Started {
    pub(super) report: StepReport,
    pub(super) done: bool,
}

/// The report while the records are read, in file order. The sentences
/// ([`super::sentences`]) add to it what their records concern.
pub(super) struct Builder {
    pub(super) ceremony: CeremonyView,
    planned: Vec<String>,
    names: HashMap<String, String>,
    participants: Vec<ParticipantView>,
    started: Vec<Started>,
    by_id: HashMap<String, usize>,
    ceremony_facts: Vec<Fact>,
    pub(super) storage: Vec<StoredView>,
    pub(super) secrets: SecretsView,
    devices: Vec<Fact>,
    exceptions: Vec<ExceptionView>,
    end: Option<(String, Option<String>)>,
    /// Set by a policy exception: the next `stored` record is the placement it allows.
    pub(super) exception_pending: bool,
}

impl Builder {
    fn new(v: &Verification, first: Option<&CeremonyStarted>) -> Builder {
        let start = v.start.clone().unwrap_or_default();
        let planned = first.map(|f| f.steps.clone()).unwrap_or_default();
        let names: HashMap<String, String> = start
            .roles
            .iter()
            .map(|r| (r.id.clone(), r.name.clone()))
            .collect();
        let participants = start
            .roles
            .iter()
            .map(|r| ParticipantView {
                role: r.id.clone(),
                name: r.name.clone(),
                fingerprint: r.fingerprint.clone(),
                fingerprint_groups: r
                    .fingerprint
                    .as_deref()
                    .map(|f| crate::report::hex_groups(f, 4)),
                present: None,
            })
            .collect();
        let (outcome, ended) = outcome(v);
        Builder {
            ceremony: CeremonyView {
                id: start.ceremony.clone(),
                title: start.title.clone(),
                description: first.and_then(|f| f.ceremony.description.clone()),
                rehearse_every: first.and_then(|f| f.ceremony.rehearse_every.clone()),
                script_path: start.script_path.clone(),
                script_sha256: start.script_sha256.clone(),
                tool: format!("keyrite {}", start.tool_version),
                host: start.host.clone(),
                operator: start.operator.clone(),
                started: start.at.clone(),
                ended,
                outcome,
            },
            planned,
            names,
            participants,
            started: Vec::new(),
            by_id: HashMap::new(),
            ceremony_facts: Vec::new(),
            storage: Vec::new(),
            secrets: SecretsView::default(),
            devices: Vec::new(),
            exceptions: Vec::new(),
            end: v.end.as_ref().map(|e| (e.at.clone(), e.reason.clone())),
            exception_pending: false,
        }
    }

    pub(super) fn who(&self, role: &str) -> String {
        match self.names.get(role) {
            Some(name) => format!("{name} ({role})"),
            None => role.to_string(),
        }
    }

    pub(super) fn holder_name(&self, role: &str) -> Option<String> {
        self.names.get(role).cloned()
    }

    fn record(&mut self, map: &Map<String, Value>) {
        let at = text(map, "at").unwrap_or_default();
        let step = text(map, "step");
        let event = text(map, "event").unwrap_or_default();
        let record = Record {
            at: &at,
            step: step.as_deref(),
            fields: map,
        };
        let (summary, shown) = match sentences::say(&event, self, &record) {
            Some(Said::Structure) => return,
            Some(Said::Sentence { text, shown }) => (Some(text), shown),
            None => (None, &[][..]),
        };
        if summary.is_none() && event == StepStarted::NAME {
            // A step start that does not read still opens its step, so that the step's
            // records stay together; it is listed generically among them.
            self.start_step(
                step.clone().unwrap_or_default(),
                "?".to_string(),
                None,
                None,
                &at,
            );
        }
        let fact = Fact {
            at,
            step: step.clone(),
            event: event.clone(),
            fields: rest(map, shown),
            summary,
        };
        if event.starts_with("device_") {
            self.devices.push(fact.clone());
        }
        match event.as_str() {
            SecretGenerated::NAME | SecretRecovered::NAME => {
                self.secrets.secrets.push(fact.clone());
            }
            Fingerprint::NAME
            | SecretVerified::NAME
            | ShareChecked::NAME
            | ShareCheckFailed::NAME
            | SharesChecked::NAME
            | SharesVoided::NAME => self.secrets.checks.push(fact.clone()),
            ShareEncrypted::NAME | FileProtected::NAME | FileUnprotected::NAME => {
                self.secrets.files.push(fact.clone());
            }
            _ => {}
        }
        match self.step_mut(step.as_deref()) {
            Some(s) => s.report.facts.push(fact),
            None => self.ceremony_facts.push(fact),
        }
    }

    /// Opens a step, from its `step_started` record.
    pub(super) fn start_step(
        &mut self,
        id: String,
        number: String,
        title: Option<String>,
        kind: Option<String>,
        at: &str,
    ) {
        let report = StepReport {
            number,
            title,
            kind,
            id: id.clone(),
            started: Some(at.to_string()),
            ended: None,
            outcome: "unfinished",
            outcome_text: String::new(),
            confirmations: Vec::new(),
            facts: Vec::new(),
        };
        self.by_id.insert(id, self.started.len());
        self.started.push(Started {
            report,
            done: false,
        });
    }

    pub(super) fn step_mut(&mut self, step: Option<&str>) -> Option<&mut Started> {
        let index = *self.by_id.get(step?)?;
        self.started.get_mut(index)
    }

    pub(super) fn presence(&mut self, c: &Confirmation) {
        match self.participants.iter_mut().find(|p| p.role == c.role) {
            Some(p) if p.present.is_none() => {
                p.present = Some(Presence {
                    initials: c.initials.clone(),
                    at: c.at.clone(),
                });
            }
            Some(_) => {}
            None => self.participants.push(ParticipantView {
                role: c.role.clone(),
                name: c.name.clone(),
                fingerprint: None,
                fingerprint_groups: None,
                present: Some(Presence {
                    initials: c.initials.clone(),
                    at: c.at.clone(),
                }),
            }),
        }
    }

    pub(super) fn exception(&mut self, at: &str, step: Option<&str>, kind: &str, text: String) {
        self.exceptions.push(ExceptionView {
            at: at.to_string(),
            step: step.map(str::to_string),
            kind: kind.to_string(),
            text,
        });
    }

    /// Every step: those the first record plans, in order, then any other that ran.
    fn steps(&mut self) -> Vec<StepReport> {
        let end = self.end.clone();
        let ended_in = self.ceremony.outcome.step.clone();
        let mut reports: Vec<Option<StepReport>> = self
            .started
            .drain(..)
            .map(|s| {
                let mut report = s.report;
                let (outcome, text) = if s.done {
                    ("done", "done".to_string())
                } else if ended_in.as_deref() == Some(report.id.as_str()) {
                    report.ended = end.as_ref().map(|e| e.0.clone());
                    let reason = end.as_ref().and_then(|e| e.1.clone()).unwrap_or_default();
                    match reason.strip_prefix("failed: ") {
                        Some(why) => ("failed", format!("FAILED: {why}")),
                        None => ("aborted", format!("aborted: {reason}")),
                    }
                } else if end.is_some() {
                    ("unfinished", "started but never finished".to_string())
                } else {
                    (
                        "interrupted",
                        "interrupted: the transcript ends here".to_string(),
                    )
                };
                report.outcome = outcome;
                report.outcome_text = text;
                Some(report)
            })
            .collect();
        let mut steps = Vec::new();
        for (i, id) in self.planned.iter().enumerate() {
            let found = reports
                .iter_mut()
                .find(|r| r.as_ref().is_some_and(|r| &r.id == id))
                .and_then(Option::take);
            steps.push(found.unwrap_or_else(|| StepReport {
                number: (i + 1).to_string(),
                id: id.clone(),
                title: None,
                kind: None,
                started: None,
                ended: None,
                outcome: "not_reached",
                outcome_text: "not reached".to_string(),
                confirmations: Vec::new(),
                facts: Vec::new(),
            }));
        }
        steps.extend(reports.into_iter().flatten());
        for s in &steps {
            if s.outcome == "failed" || s.outcome == "aborted" {
                let text = format!(
                    "step {} `{}` ({}): {}",
                    s.number,
                    s.id,
                    s.title.as_deref().unwrap_or("untitled"),
                    s.outcome_text
                );
                self.exceptions.push(ExceptionView {
                    at: s.ended.clone().unwrap_or_default(),
                    step: Some(s.id.clone()),
                    kind: if s.outcome == "failed" {
                        "failed step".to_string()
                    } else {
                        "abort".to_string()
                    },
                    text,
                });
            }
        }
        if let (Some((at, reason)), None) = (&end, &ended_in) {
            if self.ceremony.outcome.kind != "completed" {
                self.exceptions.push(ExceptionView {
                    at: at.clone(),
                    step: None,
                    kind: "abort".to_string(),
                    text: format!(
                        "the ceremony was aborted before its first step: {}",
                        reason.as_deref().unwrap_or("no reason recorded")
                    ),
                });
            }
        }
        steps
    }
}

fn outcome(v: &Verification) -> (OutcomeView, Option<String>) {
    let Some(end) = &v.end else {
        return (
            OutcomeView {
                kind: "unfinished",
                text: "no end record: the ceremony was interrupted".to_string(),
                step: None,
                reason: None,
                steps_done: Some(v.steps_done.len().to_string()),
                steps_total: None,
            },
            None,
        );
    };
    let (kind, text) = if end.outcome == "completed" {
        ("completed", format!("completed at {}", end.at))
    } else {
        let reason = end.reason.as_deref().unwrap_or("no reason recorded");
        let place = end
            .step
            .as_deref()
            .map_or_else(String::new, |s| format!(" in step `{s}`"));
        match reason.strip_prefix("failed: ") {
            Some(why) => ("failed", format!("FAILED{place} at {}: {why}", end.at)),
            None => ("aborted", format!("ABORTED{place} at {}: {reason}", end.at)),
        }
    };
    (
        OutcomeView {
            kind,
            text,
            step: end.step.clone(),
            reason: end.reason.clone(),
            steps_done: Some(v.steps_done.len().to_string()),
            steps_total: None,
        },
        Some(end.at.clone()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::verify::EndFacts;
    use crate::transcript::{RoleFacts, StartFacts};
    use serde_json::json;
    use std::path::PathBuf;

    /// A first record as the engine writes it, planning `steps`.
    fn started(steps: &[&str]) -> Value {
        json!({"seq": 0, "at": "t0", "step": null, "event": "ceremony_started",
            "ceremony": {"id": "c", "title": "C"}, "script": {"path": "c.yaml", "sha256": "00"},
            "tool": {"name": "keyrite", "version": "0"}, "host": "h", "operator": "answers:a",
            "roles": [{"id": "officer", "name": "Alice"}], "steps": steps,
            "hygiene": {"core_dumps_off": true, "memory_locked": false}})
    }

    fn records(values: Vec<Value>) -> Vec<Map<String, Value>> {
        values
            .into_iter()
            .map(|v| match v {
                Value::Object(m) => m,
                _ => unreachable!("the test writes objects"),
            })
            .collect()
    }

    fn verification(end: Option<EndFacts>) -> Verification {
        Verification {
            path: PathBuf::from("t.jsonl"),
            verdict: if end.is_some() {
                Verdict::Intact
            } else {
                Verdict::Incomplete
            },
            records: 0,
            start: Some(StartFacts {
                ceremony: "c".into(),
                roles: vec![RoleFacts {
                    id: "officer".into(),
                    name: "Alice".into(),
                    fingerprint: None,
                }],
                ..StartFacts::default()
            }),
            attended: Vec::new(),
            steps_done: Vec::new(),
            end,
            head: Some("00".repeat(32)),
            findings: Vec::new(),
        }
    }

    fn no_signatures() -> Audit {
        Audit {
            signatures: None,
            certificate_problems: Vec::new(),
            no_certs: true,
        }
    }

    #[test]
    fn exceptions_and_unknown_events_are_shown() {
        let share =
            json!({"set": "s", "group": 1, "member": 2, "holder": "officer", "digest": "ab"});
        let recs = records(vec![
            started(&["store", "check", "later"]),
            json!({"seq": 1, "at": "t1", "step": "store", "event": "step_started", "number": 1, "kind": "record_storage", "title": "Store"}),
            json!({"seq": 2, "at": "t2", "step": "store", "event": "storage_refused", "item": "s-1-2", "share": share, "rule": "spread_across", "field": "site", "value": "HQ", "detail": "two shares at HQ"}),
            json!({"seq": 3, "at": "t3", "step": "store", "event": "policy_exception", "item": "s-1-2", "share": share, "rules": [{"rule": "spread_across", "field": "site", "value": "HQ", "detail": "two shares at HQ"}], "reason": "the branch is closed", "confirmed_by": [{"role": "officer", "name": "Alice", "initials": "AE"}]}),
            json!({"seq": 4, "at": "t4", "step": "store", "event": "stored", "item": "s-1-2", "share": share, "location": {"site": "HQ"}}),
            json!({"seq": 5, "at": "t5", "step": "store", "event": "step_done", "kind": "record_storage"}),
            json!({"seq": 6, "at": "t6", "step": "check", "event": "step_started", "number": 2, "kind": "check_shares", "title": "Check"}),
            json!({"seq": 7, "at": "t7", "step": "check", "event": "share_check_failed", "secret": "0d136510", "identifier": 7, "group": 1, "member": 2, "holder": "officer", "digest": "ab", "reason": "digest differs"}),
            json!({"seq": 8, "at": "t8", "step": "check", "event": "brand_new_event", "colour": "blue", "nested": {"a": 1}}),
            json!({"seq": 9, "at": "t9", "step": "check", "event": "aborted", "reason": "failed: a share failed", "steps_done": 1, "steps_total": 3}),
        ]);
        let v = verification(Some(EndFacts {
            outcome: "aborted".into(),
            at: "t9".into(),
            step: Some("check".into()),
            reason: Some("failed: a share failed".into()),
        }));
        let r = ReportView::build(&v, &recs, &no_signatures(), None);
        let kinds: Vec<&str> = r.exceptions.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "storage refused",
                "policy exception",
                "share check failed",
                "failed step"
            ]
        );
        assert!(r.exceptions[1].text.contains("Alice (officer) [AE]"));
        assert!(r.exceptions[1].text.contains("the branch is closed"));
        assert!(r.storage[0].by_exception);
        assert_eq!(r.storage[0].share.as_ref().unwrap().member, "2");
        let outcomes: Vec<&str> = r.steps.iter().map(|s| s.outcome).collect();
        assert_eq!(outcomes, ["done", "failed", "not_reached"]);
        assert_eq!(r.ceremony.outcome.kind, "failed");
        assert_eq!(r.ceremony.outcome.steps_total.as_deref(), Some("3"));
        let unknown = r.steps[1]
            .facts
            .iter()
            .find(|f| f.event == "brand_new_event")
            .expect("an unknown event is a fact of its step");
        assert!(unknown.summary.is_none());
        let fields: Vec<(&str, &str)> = unknown
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.value.as_str()))
            .collect();
        assert_eq!(fields, [("colour", "blue"), ("nested", "{\"a\":1}")]);
        assert_eq!(r.transcript.phrase_groups.concat().len(), 26);
    }

    /// A step start that does not read still opens its step: the step's records stay in
    /// it, and the start itself is listed there generically.
    #[test]
    fn a_step_start_that_does_not_read_still_opens_its_step() {
        let recs = records(vec![
            started(&["a"]),
            json!({"seq": 1, "at": "t1", "step": "a", "event": "step_started", "number": {"n": 1}, "kind": "note", "title": "A"}),
            json!({"seq": 2, "at": "t2", "step": "a", "event": "acknowledged", "text": "read"}),
            json!({"seq": 3, "at": "t3", "step": "a", "event": "step_done", "kind": "note"}),
        ]);
        let r = ReportView::build(&verification(None), &recs, &no_signatures(), None);
        assert_eq!(r.steps.len(), 1);
        let step = &r.steps[0];
        assert_eq!((step.number.as_str(), step.outcome), ("?", "done"));
        let events: Vec<&str> = step.facts.iter().map(|f| f.event.as_str()).collect();
        assert_eq!(events, ["step_started", "acknowledged"]);
        assert!(step.facts[0].summary.is_none());
        assert_eq!(step.facts[1].summary.as_deref(), Some("acknowledged: read"));
    }

    #[test]
    fn a_known_event_with_odd_fields_is_shown_generically() {
        let recs = records(vec![
            json!({"seq": 0, "at": "t0", "step": null, "event": "ceremony_started"}),
            json!({"seq": 1, "at": "t1", "step": "a", "event": "step_started", "number": 1, "kind": "record", "title": "A"}),
            json!({"seq": 2, "at": "t2", "step": "a", "event": "recorded", "field": ["not", "text"], "value": 3}),
            json!({"seq": 3, "at": "t3", "step": "a", "event": "present", "role": "officer", "name": "Alice", "initials": "AE", "extra": true}),
            json!({"seq": 4, "at": "t4", "step": "a", "event": "share_shown", "set": "s", "group": 1, "member": 1, "holder": "officer", "check": "passed"}),
        ]);
        let r = ReportView::build(&verification(None), &recs, &no_signatures(), None);
        // The first record lacks the fields of `ceremony_started`: it is not dropped.
        assert_eq!(r.ceremony_facts.len(), 1);
        assert_eq!(r.ceremony_facts[0].event, "ceremony_started");
        let facts = &r.steps[0].facts;
        assert_eq!(facts.len(), 3);
        assert!(facts.iter().all(|f| f.summary.is_none()));
        assert_eq!(facts[0].fields.len(), 2, "every field is listed");
        assert_eq!(
            facts[2].fields.len(),
            5,
            "a record lacking fields is listed whole"
        );
        assert_eq!(r.steps[0].outcome, "interrupted");
        assert_eq!(r.participants[0].present.as_ref().unwrap().initials, "AE");
        assert!(r.exceptions.is_empty());
    }
}
