//! The report's view model: what an auditor reads about a transcript, built from its
//! records, its verification and its signatures.
//!
//! Invariants:
//! - Every record appears: a record of a step is a fact of that step; a known event gets
//!   a sentence and any field the sentence does not use is listed beside it; an unknown
//!   event is listed with all its fields. Records outside any step are listed too.
//! - Missing or ill-typed fields never fail the build: an event whose fields do not fit
//!   its sentence is shown generically, so a tampered transcript is still reported.
//! - Step titles and kinds come from the transcript's own `step_started` records; the
//!   script is needed only to bind certificates to roles and to check its hash.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::signatures::{self, Audit, AuditError};
use crate::transcript::phrase;
use crate::transcript::{sha256_hex, verify_reader_with, Verdict, Verification, RESERVED_FIELDS};

/// Largest transcript reported: a real ceremony's is tens of kilobytes.
pub const MAX_TRANSCRIPT_BYTES: u64 = 64 << 20;

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The transcript could not be read.
    #[error("cannot read the transcript {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The transcript is larger than [`MAX_TRANSCRIPT_BYTES`].
    #[error("{path} is {size} bytes, more than the {MAX_TRANSCRIPT_BYTES} bytes a transcript may have to be reported")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
    },
    /// The file does not start with a readable `ceremony_started` record.
    #[error("{path} is not a keyrite transcript: {reason}")]
    NotTranscript {
        /// The file.
        path: PathBuf,
        /// What is wrong with its start.
        reason: String,
    },
    /// The script given with `--script` could not be read.
    #[error("cannot read the script {path}")]
    Script {
        /// The script.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The signatures could not be checked at all.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct ReportView {
    /// The file and its head.
    pub transcript: TranscriptView,
    /// The verification result; `warning` is set when it failed.
    pub verification: VerificationView,
    /// The ceremony.
    pub ceremony: CeremonyView,
    /// The roles, with their certificates and presence.
    pub participants: Vec<ParticipantView>,
    /// Every step of the script, reached or not.
    pub steps: Vec<StepReport>,
    /// Records outside any step (other than the first and the end record).
    pub ceremony_facts: Vec<Fact>,
    /// Every `stored` record.
    pub storage: Vec<StoredView>,
    /// Secrets, splits, shares, fingerprints, checks and files.
    pub secrets: SecretsView,
    /// Every `device_*` record.
    pub devices: Vec<Fact>,
    /// The signatures and their verification.
    pub signatures: SignaturesView,
    /// Everything that did not go as planned; empty means none was recorded.
    pub exceptions: Vec<ExceptionView>,
    /// The verdict `keyrite verify` would give: intact, closed and signed.
    pub valid: bool,
}

/// The transcript file and its head.
#[derive(Clone, Debug, Serialize)]
pub struct TranscriptView {
    /// The path as given.
    pub path: String,
    /// Complete records.
    pub records: u64,
    /// Hex SHA-256 of the last complete line.
    pub head: String,
    /// The head as words ([`phrase`]).
    pub phrase: String,
    /// The head phrase in groups, for reading aloud.
    pub phrase_groups: Vec<Vec<String>>,
}

/// The verification result.
#[derive(Clone, Debug, Serialize)]
pub struct VerificationView {
    /// `intact`, `incomplete`, `truncated` or `tampered`.
    pub verdict: Verdict,
    /// The verdict in a sentence.
    pub verdict_text: String,
    /// Whether the result is INTACT: the chain is intact and closed, and the signatures
    /// do not show that the records were changed after signing.
    pub intact: bool,
    /// Each finding, in file order.
    pub findings: Vec<String>,
    /// The script given with `--script`, and whether its hash matches.
    pub script: Option<ScriptCheck>,
    /// Set when the transcript or its signatures fail verification: what to warn about.
    pub warning: Option<Vec<String>>,
}

/// The script the auditor gave.
#[derive(Clone, Debug, Serialize)]
pub struct ScriptCheck {
    /// Its path.
    pub path: String,
    /// Its SHA-256.
    pub sha256: String,
    /// Whether the transcript records the same hash.
    pub matches: bool,
}

/// The ceremony, from the first and the last record.
#[derive(Clone, Debug, Serialize)]
pub struct CeremonyView {
    /// The ceremony id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its description.
    pub description: Option<String>,
    /// How often a rehearsal is due, as written (`90d`).
    pub rehearse_every: Option<String>,
    /// The script's path as given to `run`.
    pub script_path: String,
    /// The script's SHA-256 as recorded.
    pub script_sha256: String,
    /// The tool and version that wrote the transcript.
    pub tool: String,
    /// The host.
    pub host: String,
    /// Where the answers came from.
    pub operator: String,
    /// When it started.
    pub started: String,
    /// When it ended, if it did.
    pub ended: Option<String>,
    /// How it ended.
    pub outcome: OutcomeView,
}

/// How the ceremony ended.
#[derive(Clone, Debug, Serialize)]
pub struct OutcomeView {
    /// `completed`, `aborted`, `failed` or `unfinished`.
    pub kind: &'static str,
    /// One sentence.
    pub text: String,
    /// The step it stopped in.
    pub step: Option<String>,
    /// The reason recorded.
    pub reason: Option<String>,
    /// Steps done, as the end record says.
    pub steps_done: Option<String>,
    /// Steps in the script, as the end record says.
    pub steps_total: Option<String>,
}

/// A role and its person.
#[derive(Clone, Debug, Serialize)]
pub struct ParticipantView {
    /// The role id.
    pub role: String,
    /// The person's name.
    pub name: String,
    /// The certificate's fingerprint as recorded.
    pub fingerprint: Option<String>,
    /// The same, in groups of four for reading.
    pub fingerprint_groups: Option<String>,
    /// When and with which initials they said they were present.
    pub present: Option<Presence>,
}

/// A confirmation of presence.
#[derive(Clone, Debug, Serialize)]
pub struct Presence {
    /// The initials typed.
    pub initials: String,
    /// When.
    pub at: String,
}

/// One step.
#[derive(Clone, Debug, Serialize)]
pub struct StepReport {
    /// Its number in the script.
    pub number: String,
    /// Its id.
    pub id: String,
    /// Its title (none for a step never reached).
    pub title: Option<String>,
    /// Its kind (none for a step never reached).
    pub kind: Option<String>,
    /// When it started.
    pub started: Option<String>,
    /// When it finished, failed or was stopped.
    pub ended: Option<String>,
    /// `done`, `failed`, `aborted`, `interrupted`, `unfinished` or `not_reached`.
    pub outcome: &'static str,
    /// The outcome in words.
    pub outcome_text: String,
    /// Who confirmed, in order.
    pub confirmations: Vec<Confirmation>,
    /// Every other record of the step.
    pub facts: Vec<Fact>,
}

/// A person's confirmation in a step.
#[derive(Clone, Debug, Serialize)]
pub struct Confirmation {
    /// The role.
    pub role: String,
    /// The name.
    pub name: String,
    /// The initials typed.
    pub initials: String,
    /// When.
    pub at: String,
    /// What they confirmed (none for presence).
    pub text: Option<String>,
}

/// One record, as a sentence and its fields.
#[derive(Clone, Debug, Serialize)]
pub struct Fact {
    /// When.
    pub at: String,
    /// The step id.
    pub step: Option<String>,
    /// The event name.
    pub event: String,
    /// A sentence for a known event.
    pub summary: Option<String>,
    /// The fields the sentence does not show (all fields for an unknown event).
    pub fields: Vec<FieldView>,
}

/// A field and its value, as text.
#[derive(Clone, Debug, Serialize)]
pub struct FieldView {
    /// The field's name.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// Where an item was stored.
#[derive(Clone, Debug, Serialize)]
pub struct StoredView {
    /// When.
    pub at: String,
    /// The step.
    pub step: Option<String>,
    /// The item's label.
    pub item: String,
    /// The share, if the item is one.
    pub share: Option<ShareRef>,
    /// The location's fields, in record order.
    pub location: Vec<FieldView>,
    /// Whether a policy exception allowed this placement.
    pub by_exception: bool,
}

/// A share, named by set, group and member.
#[derive(Clone, Debug, Serialize)]
pub struct ShareRef {
    /// The share set, or the secret's fingerprint for checks and voids.
    pub set: String,
    /// Group number.
    pub group: String,
    /// Member number.
    pub member: String,
    /// The holder's role.
    pub holder: String,
    /// The holder's name, if the role is known.
    pub holder_name: Option<String>,
    /// Hex SHA-256 of the share's words.
    pub digest: String,
}

/// Secrets and their shares.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SecretsView {
    /// `secret_generated` and `secret_recovered`.
    pub secrets: Vec<Fact>,
    /// `secret_split`: parameters and share digests.
    pub splits: Vec<SplitView>,
    /// `fingerprint`, `secret_verified`, share checks and voids.
    pub checks: Vec<Fact>,
    /// Files made or read: encrypted shares, protected files.
    pub files: Vec<Fact>,
}

/// A split.
#[derive(Clone, Debug, Serialize)]
pub struct SplitView {
    /// When.
    pub at: String,
    /// The step.
    pub step: Option<String>,
    /// The secret's name.
    pub secret: String,
    /// The share set's name.
    pub into: String,
    /// The SLIP-39 identifier.
    pub identifier: String,
    /// Groups needed, of groups.
    pub scheme: String,
    /// Other parameters (extendable, iteration exponent, passphrase).
    pub parameters: Vec<FieldView>,
    /// The shares.
    pub shares: Vec<ShareRef>,
}

/// The signatures.
#[derive(Clone, Debug, Serialize)]
pub struct SignaturesView {
    /// `valid`, `invalid`, `unchecked` or `none`.
    pub status: &'static str,
    /// One sentence.
    pub summary: String,
    /// The `.asc` file.
    pub file: Option<String>,
    /// Whether it exists.
    pub present: bool,
    /// Who must sign.
    pub required: Vec<Person>,
    /// Where the required signers came from (`script` or `transcript`).
    pub required_from: Option<String>,
    /// Good signatures.
    pub signed: Vec<SignedView>,
    /// Required signers without a good signature.
    pub missing: Vec<Person>,
    /// Problems: bad and unknown signatures, mismatches, unreadable certificates.
    pub problems: Vec<String>,
}

/// A role and its person's name.
#[derive(Clone, Debug, Serialize)]
pub struct Person {
    /// The role.
    pub role: String,
    /// The name, if the transcript names the role.
    pub name: Option<String>,
    /// `Name (role)`, or the role alone.
    pub label: String,
}

/// A good signature.
#[derive(Clone, Debug, Serialize)]
pub struct SignedView {
    /// The role.
    pub role: String,
    /// The name.
    pub name: Option<String>,
    /// The signing certificate.
    pub fingerprint: String,
    /// When the signature says it was made.
    pub at: Option<String>,
}

/// Something that did not go as planned.
#[derive(Clone, Debug, Serialize)]
pub struct ExceptionView {
    /// When.
    pub at: String,
    /// The step.
    pub step: Option<String>,
    /// What kind: `failed step`, `abort`, `storage refused`, `policy exception`, ...
    pub kind: String,
    /// What happened.
    pub text: String,
}

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
        let first = records
            .first()
            .filter(|r| r.get("event").and_then(Value::as_str) == Some("ceremony_started"));
        let mut b = Builder::new(v, first);
        for record in records.iter().skip(usize::from(first.is_some())) {
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

/// A record's fields, remembering which ones a sentence used.
struct Rec<'a> {
    map: &'a Map<String, Value>,
    used: RefCell<BTreeSet<&'a str>>,
}

impl<'a> Rec<'a> {
    fn new(map: &'a Map<String, Value>) -> Rec<'a> {
        Rec {
            map,
            used: RefCell::new(BTreeSet::new()),
        }
    }

    fn value(&self, key: &str) -> Option<&'a Value> {
        let (k, v) = self.map.get_key_value(key)?;
        self.used.borrow_mut().insert(k.as_str());
        Some(v)
    }

    /// A scalar field as text.
    fn text(&self, key: &str) -> Option<String> {
        match self.value(key)? {
            Value::String(s) => Some(s.clone()),
            v @ (Value::Number(_) | Value::Bool(_)) => Some(v.to_string()),
            _ => None,
        }
    }

    fn bool(&self, key: &str) -> Option<bool> {
        self.value(key)?.as_bool()
    }

    fn list(&self, key: &str) -> Option<Vec<String>> {
        self.value(key)?
            .as_array()?
            .iter()
            .map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(_) | Value::Bool(_) => Some(v.to_string()),
                _ => None,
            })
            .collect()
    }

    fn object(&self, key: &str) -> Option<&'a Map<String, Value>> {
        self.value(key)?.as_object()
    }

    /// The fields no sentence used, except the writer's own.
    fn rest(&self) -> Vec<FieldView> {
        let used = self.used.borrow();
        self.map
            .iter()
            .filter(|(k, _)| !RESERVED_FIELDS.contains(&k.as_str()) && !used.contains(k.as_str()))
            .map(|(k, v)| FieldView {
                name: k.clone(),
                value: show(v),
            })
            .collect()
    }

    fn forget(&self) {
        self.used.borrow_mut().clear();
    }
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

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn matches_text(b: bool) -> &'static str {
    if b {
        "matches"
    } else {
        "DOES NOT MATCH"
    }
}

struct Started {
    report: StepReport,
    done: bool,
}

struct Builder {
    ceremony: CeremonyView,
    planned: Vec<String>,
    names: HashMap<String, String>,
    participants: Vec<ParticipantView>,
    started: Vec<Started>,
    by_id: HashMap<String, usize>,
    ceremony_facts: Vec<Fact>,
    storage: Vec<StoredView>,
    secrets: SecretsView,
    devices: Vec<Fact>,
    exceptions: Vec<ExceptionView>,
    end: Option<(String, Option<String>)>,
    exception_pending: bool,
}

impl Builder {
    fn new(v: &Verification, first: Option<&Map<String, Value>>) -> Builder {
        let start = v.start.clone().unwrap_or_default();
        let first_rec = first.map(Rec::new);
        let ceremony_field = |key: &str| {
            first
                .and_then(|f| f.get("ceremony"))
                .and_then(|c| c.get(key))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let planned = first_rec
            .as_ref()
            .and_then(|f| f.list("steps"))
            .unwrap_or_default();
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
                fingerprint_groups: r.fingerprint.as_deref().map(|f| super::hex_groups(f, 4)),
                present: None,
            })
            .collect();
        let (outcome, ended) = outcome(v);
        Builder {
            ceremony: CeremonyView {
                id: start.ceremony.clone(),
                title: start.title.clone(),
                description: ceremony_field("description"),
                rehearse_every: ceremony_field("rehearse_every"),
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

    fn who(&self, role: &str) -> String {
        match self.names.get(role) {
            Some(name) => format!("{name} ({role})"),
            None => role.to_string(),
        }
    }

    fn record(&mut self, map: &Map<String, Value>) {
        let r = Rec::new(map);
        let at = r.text("at").unwrap_or_default();
        let step = r.text("step");
        let event = r.text("event").unwrap_or_default();
        r.forget();
        match event.as_str() {
            "step_started" => {
                let id = step.clone().unwrap_or_default();
                let report = StepReport {
                    number: r.text("number").unwrap_or_else(|| "?".to_string()),
                    title: r.text("title"),
                    kind: r.text("kind"),
                    id: id.clone(),
                    started: Some(at),
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
                return;
            }
            "step_done" => {
                if let Some(s) = self.step_mut(step.as_deref()) {
                    s.done = true;
                    s.report.ended = Some(at);
                    return;
                }
            }
            "completed" | "aborted" => {
                // The end record's own counts; the verifier keeps only its outcome.
                let outcome = &mut self.ceremony.outcome;
                outcome.steps_done = r.text("steps_done").or(outcome.steps_done.take());
                outcome.steps_total = r.text("steps_total");
                return;
            }
            "present" | "confirmed" => {
                if let (Some(role), Some(initials)) = (r.text("role"), r.text("initials")) {
                    let confirmation = Confirmation {
                        name: r.text("name").unwrap_or_default(),
                        text: r.text("text"),
                        role,
                        initials,
                        at: at.clone(),
                    };
                    let rest = r.rest();
                    if event == "present" {
                        self.presence(&confirmation);
                    }
                    if rest.is_empty() {
                        if let Some(s) = self.step_mut(step.as_deref()) {
                            s.report.confirmations.push(confirmation);
                            return;
                        }
                    }
                }
                r.forget();
            }
            _ => {}
        }
        let summary = self.summary(&event, &r, &at, step.as_deref());
        let fact = Fact {
            at,
            step: step.clone(),
            event: event.clone(),
            fields: if summary.is_some() {
                r.rest()
            } else {
                r.forget();
                r.rest()
            },
            summary,
        };
        if event.starts_with("device_") {
            self.devices.push(fact.clone());
        }
        match event.as_str() {
            "secret_generated" | "secret_recovered" => self.secrets.secrets.push(fact.clone()),
            "fingerprint" | "secret_verified" | "share_checked" | "share_check_failed"
            | "shares_checked" | "shares_voided" => self.secrets.checks.push(fact.clone()),
            "share_encrypted" | "file_protected" | "file_unprotected" => {
                self.secrets.files.push(fact.clone());
            }
            _ => {}
        }
        match self.step_mut(step.as_deref()) {
            Some(s) => s.report.facts.push(fact),
            None => self.ceremony_facts.push(fact),
        }
    }

    fn step_mut(&mut self, step: Option<&str>) -> Option<&mut Started> {
        let index = *self.by_id.get(step?)?;
        self.started.get_mut(index)
    }

    fn presence(&mut self, c: &Confirmation) {
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

    fn exception(&mut self, at: &str, step: Option<&str>, kind: &str, text: String) {
        self.exceptions.push(ExceptionView {
            at: at.to_string(),
            step: step.map(str::to_string),
            kind: kind.to_string(),
            text,
        });
    }

    fn share_ref(&self, share: &Map<String, Value>, set_key: &str) -> Option<ShareRef> {
        let r = Rec::new(share);
        let holder = r.text("holder")?;
        Some(ShareRef {
            set: r.text(set_key)?,
            group: r.text("group")?,
            member: r.text("member")?,
            holder_name: self.names.get(&holder).cloned(),
            holder,
            digest: r.text("digest").unwrap_or_default(),
        })
    }

    /// The sentence for a known event, recording what it shows in `r`, and the typed
    /// views and exceptions it feeds. `None` when the event is unknown or its fields
    /// do not fit.
    fn summary(
        &mut self,
        event: &str,
        r: &Rec<'_>,
        at: &str,
        step: Option<&str>,
    ) -> Option<String> {
        let share_name = |r: &Rec<'_>| -> Option<String> {
            Some(format!(
                "share {}-{} of `{}`",
                r.text("group")?,
                r.text("member")?,
                r.text("set")?
            ))
        };
        let text = match event {
            "recorded" => format!("{} = {}", r.text("field")?, r.text("value")?),
            "acknowledged" => format!("acknowledged: {}", r.text("text")?),
            "secret_generated" => format!(
                "generated the {}-bit secret `{}` from {}",
                r.text("bits")?,
                r.text("secret")?,
                r.list("sources")?.join(" + ")
            ),
            "secret_split" => return self.split(r, at, step),
            "fingerprint" => format!(
                "`{}`: master fingerprint {}, {} at {}: {}",
                r.text("secret")?,
                r.text("master_fingerprint")?,
                r.text("network")?,
                r.text("path")?,
                r.text("xpub")?
            ),
            "share_encrypted" => format!(
                "{} for {} encrypted to {} (SHA-256 {}) for {}",
                share_name(r)?,
                self.who(&r.text("holder")?),
                r.text("file")?,
                r.text("file_sha256")?,
                r.list("recipients")?.join(", ")
            ),
            "file_protected" => format!(
                "{} (SHA-256 {}) protected with the key `{}` into {} (SHA-256 {})",
                r.text("file")?,
                r.text("file_sha256")?,
                r.text("key")?,
                r.text("output")?,
                r.text("output_sha256")?
            ),
            "share_shown" => {
                let check = r.text("check")?;
                let line = format!(
                    "{} shown to {}; the written copy's check: {check}",
                    share_name(r)?,
                    self.who(&r.text("holder")?)
                );
                if check != "passed" {
                    self.exception(at, step, "share copy check", line.clone());
                }
                line
            }
            "stored" => return self.stored(r, at, step),
            "share_entered" => format!(
                "share {}-{} (SHA-256 {}) entered into `{}` by {}",
                r.text("group")?,
                r.text("member")?,
                r.text("digest")?,
                r.text("collection")?,
                self.who(&r.text("entered_by")?)
            ),
            "shares_collected" => format!(
                "{} shares collected into `{}`: {} of {} groups needed are complete",
                r.text("shares")?,
                r.text("collection")?,
                r.text("groups_complete")?,
                r.text("groups_needed")?
            ),
            "secret_recovered" => format!(
                "recovered the {}-bit secret `{}` from `{}` with {} shares",
                r.text("bits")?,
                r.text("secret")?,
                r.text("from")?,
                r.text("shares_used")?
            ),
            "secret_verified" => {
                let matches = r.bool("matches")?;
                let line = format!(
                    "`{}` has fingerprint {}, expected {}: {}",
                    r.text("secret")?,
                    r.text("fingerprint")?,
                    r.text("expected")?,
                    matches_text(matches)
                );
                if !matches {
                    self.exception(at, step, "fingerprint mismatch", line.clone());
                }
                line
            }
            "share_checked" => format!(
                "share {}-{} of secret {} held by {} matches its recorded digest (checked by {})",
                r.text("group")?,
                r.text("member")?,
                r.text("secret")?,
                self.who(&r.text("holder")?),
                self.who(&r.text("checked_by")?)
            ),
            "share_check_failed" => {
                let line = format!(
                    "share {}-{} of secret {} held by {} FAILED its check: {}",
                    r.text("group")?,
                    r.text("member")?,
                    r.text("secret")?,
                    self.who(&r.text("holder")?),
                    r.text("reason")?
                );
                self.exception(at, step, "share check failed", line.clone());
                line
            }
            "shares_checked" => format!(
                "secret {}: {} of {} live shares checked, {} failed",
                r.text("secret")?,
                r.text("checked")?,
                r.text("live")?,
                r.text("failed")?
            ),
            "shares_voided" => format!(
                "{} shares of secret {} (SLIP-39 id {}) are void from here on: {}",
                r.list("digests")?.len(),
                r.text("secret")?,
                r.text("identifier")?,
                r.text("reason")?
            ),
            "wiped" => format!("wiped from memory: {}", r.list("names")?.join(", ")),
            "vault_wiped" => format!(
                "still in memory at the end, and wiped: {}",
                r.list("names")?.join(", ")
            ),
            "signing_requested" => {
                let signers = r.value("signers")?.as_array()?;
                let mut who = Vec::new();
                for s in signers {
                    let role = s.get("role")?.as_str()?;
                    let fpr = s.get("fingerprint").and_then(Value::as_str).unwrap_or("?");
                    who.push(format!("{} (key {fpr})", self.who(role)));
                }
                format!(
                    "signatures requested from {} into {}",
                    who.join(", "),
                    r.text("signature_file")?
                )
            }
            "device_identity" => format!(
                "attempt {}: {} on {}, board {}, firmware {}",
                r.text("attempt")?,
                r.text("driver")?,
                r.text("port")?,
                r.text("board")?,
                r.text("firmware")?
            ),
            "device_request" => format!(
                "attempt {}: request `{}`, reply of {} bytes with SHA-256 {}",
                r.text("attempt")?,
                r.text("method")?,
                r.text("reply_bytes")?,
                r.text("reply_sha256")?
            ),
            "device_checked" => {
                let matches = r.bool("matches")?;
                let line = format!(
                    "{}: the device says {}, expected {}: {}",
                    r.text("action")?,
                    r.text("device_fingerprint")?,
                    r.text("expected")?,
                    matches_text(matches)
                );
                if !matches {
                    self.exception(at, step, "device mismatch", line.clone());
                }
                line
            }
            "device_error" => {
                let line = format!(
                    "attempt {} failed: {}; retry offered: {}",
                    r.text("attempt")?,
                    r.text("error")?,
                    yes_no(r.bool("retry_offered")?)
                );
                self.exception(at, step, "device error", line.clone());
                line
            }
            "device_retry" => {
                let line = format!(
                    "after attempt {} the operator chose: {}",
                    r.text("attempt")?,
                    r.text("choice")?
                );
                self.exception(at, step, "device retry", line.clone());
                line
            }
            "storage_refused" => {
                let line = format!(
                    "placing {} was refused by the rule `{}`: {}",
                    r.text("item")?,
                    r.text("rule")?,
                    r.text("detail")?
                );
                self.exception(at, step, "storage refused", line.clone());
                line
            }
            "policy_exception" => {
                let confirmed = r.value("confirmed_by")?.as_array()?;
                let mut who = Vec::new();
                for c in confirmed {
                    let role = c.get("role")?.as_str()?;
                    let initials = c.get("initials").and_then(Value::as_str).unwrap_or("?");
                    who.push(format!("{} [{initials}]", self.who(role)));
                }
                let mut broken = Vec::new();
                for rule in r.value("rules")?.as_array()? {
                    broken.push(format!(
                        "rule `{}`: {}",
                        rule.get("rule")?.as_str()?,
                        rule.get("detail")?.as_str()?
                    ));
                }
                let line = format!(
                    "policy exception for {} ({}); reason: {}; confirmed by {}",
                    r.text("item")?,
                    broken.join("; "),
                    r.text("reason")?,
                    who.join(", ")
                );
                self.exception(at, step, "policy exception", line.clone());
                self.exception_pending = true;
                line
            }
            _ => return None,
        };
        Some(text)
    }

    fn split(&mut self, r: &Rec<'_>, at: &str, step: Option<&str>) -> Option<String> {
        let secret = r.text("secret")?;
        let into = r.text("into")?;
        let groups = r.value("groups")?.as_array()?;
        let mut parts = Vec::new();
        for (i, g) in groups.iter().enumerate() {
            parts.push(format!(
                "group {}: {} of {}",
                i + 1,
                g.get("threshold")?,
                g.get("count")?
            ));
        }
        let scheme = format!(
            "{} of {} group{} ({})",
            r.text("group_threshold")?,
            groups.len(),
            if groups.len() == 1 { "" } else { "s" },
            parts.join("; ")
        );
        let mut shares = Vec::new();
        for s in r.value("shares")?.as_array()? {
            let mut share = self.share_ref(s.as_object()?, "set").or_else(|| {
                let mut with_set = s.as_object()?.clone();
                with_set.insert("set".to_string(), Value::String(into.clone()));
                self.share_ref(&with_set, "set")
            })?;
            share.set.clone_from(&into);
            shares.push(share);
        }
        let identifier = r.text("identifier")?;
        let line = format!(
            "split `{secret}` into `{into}` (SLIP-39 identifier {identifier}): {scheme}, {} shares",
            shares.len()
        );
        let parameters = r.rest();
        self.secrets.splits.push(SplitView {
            at: at.to_string(),
            step: step.map(str::to_string),
            secret,
            into,
            identifier,
            scheme,
            parameters,
            shares,
        });
        Some(line)
    }

    fn stored(&mut self, r: &Rec<'_>, at: &str, step: Option<&str>) -> Option<String> {
        let item = r.text("item")?;
        let location: Vec<FieldView> = r
            .object("location")?
            .iter()
            .map(|(k, v)| FieldView {
                name: k.clone(),
                value: show(v),
            })
            .collect();
        let share = match r.object("share") {
            Some(s) => Some(self.share_ref(s, "set")?),
            None => None,
        };
        let place: Vec<String> = location
            .iter()
            .map(|f| format!("{}: {}", f.name, f.value))
            .collect();
        let line = format!("{item} stored at {}", place.join(", "));
        self.storage.push(StoredView {
            at: at.to_string(),
            step: step.map(str::to_string),
            item,
            share,
            location,
            by_exception: std::mem::take(&mut self.exception_pending),
        });
        Some(line)
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
            json!({"seq": 0, "at": "t0", "step": null, "event": "ceremony_started", "steps": ["store", "check", "later"]}),
            json!({"seq": 1, "at": "t1", "step": "store", "event": "step_started", "number": 1, "kind": "record_storage", "title": "Store"}),
            json!({"seq": 2, "at": "t2", "step": "store", "event": "storage_refused", "item": "s-1-2", "share": share, "rule": "spread_across", "field": "site", "value": "HQ", "detail": "two shares at HQ"}),
            json!({"seq": 3, "at": "t3", "step": "store", "event": "policy_exception", "item": "s-1-2", "share": share, "rules": [{"rule": "spread_across", "field": "site", "value": "HQ", "detail": "two shares at HQ"}], "reason": "the branch is closed", "confirmed_by": [{"role": "officer", "name": "Alice", "initials": "AE"}]}),
            json!({"seq": 4, "at": "t4", "step": "store", "event": "stored", "item": "s-1-2", "share": share, "location": {"site": "HQ"}}),
            json!({"seq": 5, "at": "t5", "step": "store", "event": "step_done", "kind": "record_storage"}),
            json!({"seq": 6, "at": "t6", "step": "check", "event": "step_started", "number": 2, "kind": "check_shares", "title": "Check"}),
            json!({"seq": 7, "at": "t7", "step": "check", "event": "share_check_failed", "secret": "0d136510", "identifier": 7, "group": 1, "member": 2, "holder": "officer", "reason": "digest differs"}),
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

    #[test]
    fn a_known_event_with_odd_fields_is_shown_generically() {
        let recs = records(vec![
            json!({"seq": 0, "at": "t0", "step": null, "event": "ceremony_started"}),
            json!({"seq": 1, "at": "t1", "step": "a", "event": "step_started", "number": 1, "kind": "record", "title": "A"}),
            json!({"seq": 2, "at": "t2", "step": "a", "event": "recorded", "field": ["not", "text"], "value": 3}),
            json!({"seq": 3, "at": "t3", "step": "a", "event": "present", "role": "officer", "initials": "AE", "extra": true}),
        ]);
        let r = ReportView::build(&verification(None), &recs, &no_signatures(), None);
        let facts = &r.steps[0].facts;
        assert_eq!(facts.len(), 2);
        assert!(facts.iter().all(|f| f.summary.is_none()));
        assert_eq!(facts[0].fields.len(), 2, "every field is listed");
        assert_eq!(r.steps[0].outcome, "interrupted");
        assert_eq!(r.participants[0].present.as_ref().unwrap().initials, "AE");
        assert!(r.exceptions.is_empty());
    }
}
