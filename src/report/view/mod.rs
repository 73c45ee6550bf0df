//! The report's view model: what an auditor reads about a transcript, built from its
//! records, its verification and its signatures.
//!
//! This file holds the model the layouts lay out; `build` makes it from a transcript, and
//! `sentences` says each kind of record in words.
//!
//! Invariants:
//! - Every record appears: a record of a step is a fact of that step; a known event gets
//!   a sentence and any field the sentence does not use is listed beside it; an unknown
//!   event is listed with all its fields. Records outside any step are listed too.
//! - Missing or ill-typed fields never fail the build: a record that does not read as its
//!   event's type ([`crate::transcript::events`]) is shown generically, so a tampered
//!   transcript is still reported.
//! - Every event kind has a sentence, or a place in the report's structure (a step's
//!   start and end, a confirmation, the end record): `sentences` is generated from the
//!   list of events, so a new event does not build without one.
//! - Step titles and kinds come from the transcript's own `step_started` records; the
//!   script is needed only to bind certificates to roles and to check its hash.

mod build;
mod sentences;

use std::path::PathBuf;

use serde::Serialize;

use crate::signatures::AuditError;
use crate::transcript::Verdict;

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
