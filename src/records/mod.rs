//! The custody registry and rehearsal schedule, derived from a folder of transcripts.
//!
//! [`scan`] reads every `*.jsonl` under the records folder (any depth, symbolic links
//! followed once, loops cut), verifies each with the project's one verifier
//! ([`crate::transcript::verify_file_with`], the checks of `keyrite verify`: sequence,
//! chain, seal, start record, end) in the same pass that reads its facts, and folds the
//! facts of the transcripts that count into a [`Registry`]. The CLI only renders it.
//!
//! Invariants:
//! - The transcripts are the only source of truth: nothing is cached or stored, so no
//!   second database can drift from them.
//! - Only an intact AND completed transcript counts. A tampered or unreadable one is
//!   listed in `transcripts.untrusted` with what is wrong and where, none of its facts is
//!   used, and it needs attention. An aborted, incomplete (crashed), torn or empty one is
//!   listed in `transcripts.not_counted` with why; none of its facts is used, but what
//!   it says happened in the room needs attention: a failed share check, a recovery that
//!   did not match, and shares it showed on screen or wrote to files (they may exist on
//!   paper or disk although no counted transcript accounts for them).
//! - Counted transcripts are applied in the order of their first record's time, then
//!   path; within one, in record order. A later fact overrides an earlier one (a share
//!   moved, a seal replaced, a share voided by a rotation).
//! - All times are UTC (`chrono::Utc`); the local time zone is never consulted, so the
//!   result does not depend on `TZ`. A day is 86 400 s. Times print as RFC 3339 with
//!   milliseconds and a trailing `Z`.
//! - Parsing is tolerant of unknown events and unknown fields (new step kinds appear
//!   over time); a known event missing a field it needs is skipped with a note. It is
//!   strict about the chain: nothing is read from a transcript the verifier rejects.
//! - Signatures (`<transcript>.asc`) are read in the same pass as the chain. Only a
//!   completed transcript whose first record lists `signers` has them checked: against
//!   the roles' certificates of the script it names (found as recorded, relative to the
//!   current folder or the records folder's parent, and only if its SHA-256 is the one
//!   recorded; certificates loaded once a scan), else by the key each signature names
//!   compared with the roles' recorded fingerprints. A required signer without a good
//!   signature needs attention. Nothing is cached between runs.
//!
//! How facts map to the registry:
//! - A secret is known by its 8-hex BIP-32 master fingerprint. Within one transcript a
//!   secret's name maps to a fingerprint through a `fingerprint` event
//!   (`master_fingerprint`) or a `secret_verified` event with `matches: true`. A split
//!   whose secret has no fingerprint in its transcript is keyed `<ceremony id>/<name>`
//!   with `fingerprint: null`; rehearsals cannot be linked to it, so it has no due date.
//! - Shares are keyed by digest. `secret_split` places live shares; `stored` with
//!   `share.digest` sets the location (a later one moves it or replaces its seal; the
//!   earlier locations are kept); `shares_voided` voids the listed digests;
//!   `share_entered` (a rehearsal or recovery) and `share_checked` (a share check) set
//!   `last_seen`. `share_check_failed` stays open, and needs attention, until a later
//!   `share_checked` of the same share (same secret, identifier, group and member) or
//!   until that share is voided.
//! - A `secret_verified` with `matches: true` is a successful rehearsal of that
//!   fingerprint at that record's time. The interval is the `rehearse_every` of the most
//!   recent counted transcript that concerns the secret and states one. The next
//!   rehearsal is due one interval after the last successful one or, before the first,
//!   after the earliest placement of the live shares. It is overdue when due before
//!   `as_of`. A secret whose shares are all void has no due date (it was retired).
//! - Attention, besides the above: a live share with no `stored` record; a
//!   `spread_across` policy exception about a live share while a threshold of its group's
//!   live shares is still at that share's place (compared as the policy compares); a
//!   share shown or written by an aborted or interrupted run until a counted transcript
//!   voids, stores or places that digest; a required signer who has not signed a
//!   completed ceremony.
//!
//! # JSON (`keyrite status --json`), a stable shape
//!
//! ```text
//! {
//!   "as_of": "2027-01-31T08:00:00.000Z",
//!   "records": "records",                      // the folder as given
//!   "secrets": [{
//!     "key": "0d136510",                       // fingerprint, or "<ceremony>/<name>"
//!     "fingerprint": "0d136510" | null,
//!     "names": ["treasury"],                   // every name it was known by, first first
//!     "shares": [{
//!       "digest": "<hex sha256 of the share's words>",
//!       "identifier": 26825, "group": 1, "member": 1,
//!       "threshold": 2, "count": 3,            // of the share's group (null if unknown)
//!       "group_threshold": 1,
//!       "set": "treasury-shares" | null,
//!       "holder": {"role": "custodian-1", "name": "Carol Example" | null},
//!       "location": {"site": "...", "container": "...", "seal": "...", "holder": "...", ...} | null,
//!       "placed":  {"ceremony": "...", "transcript": "<path under records>", "at": "...Z"},
//!       "located": {"ceremony", "transcript", "at"} | null,   // who recorded `location`
//!       "earlier_locations": [{"location": {...}, "located": {...}}],
//!       "last_seen": {"at", "ceremony", "transcript", "how": "rehearsal" | "share check"} | null,
//!       "status": "live" | "void",
//!       "voided": {"at", "ceremony", "transcript", "reason": "..." | null} | null
//!     }],
//!     "rehearsal": {
//!       "interval_days": 90 | null,
//!       "interval_from": "<transcript path>" | null,
//!       "last": {"at", "ceremony", "transcript"} | null,
//!       "next_due": "...Z" | null,
//!       "due_from": "last_rehearsal" | "shares_placed" | null,
//!       "overdue": false,
//!       "overdue_days": 0 | null               // whole days past due, when overdue
//!     },
//!     "failed_checks": [{"identifier", "group", "member", "holder", "reason",
//!                        "digest": "..." | null, "at", "ceremony", "transcript"}],
//!     "exceptions": [ <exception> ],
//!     "notes": ["..."]
//!   }],
//!   "exceptions": [ <exception> ],             // exceptions not about a known share
//!   "transcripts": {
//!     "counted": [{"path", "ceremony", "started", "signature_file": true | false,
//!                  "signing": null | {            // null: no signers required
//!                    "required": ["officer", "witness"], "signed": ["officer"],
//!                    "not_signed": ["witness"], "bad": [], "undetermined": [],
//!                    "checked": true,             // against the roles' certificates
//!                    "script": "genesis.yaml" | null, "signatures": 1, "unidentified": 0,
//!                    "problem": "..." | null}}],
//!     "not_counted": [{"path", "why", "alarms": ["..."],    // alarms need attention
//!                      "exposed": [{"secret": "treasury" | null, "fingerprint": ... | null,
//!                                   "set", "identifier": ... | null, "group", "member",
//!                                   "holder": {"role", "name"}, "digest": ... | null,
//!                                   "shown": true, "file": "out/..." | null, "line", "at",
//!                                   "resolved": null | "voided by ..."}],  // null: attention
//!                      "stopped_in": null | {"step", "kind", "line"}}],   // attention
//!     "untrusted": [{"path", "findings": ["line 12's `prev` does not match ..."]}]
//!   },
//!   "notes": ["..."],
//!   "attention": ["..."]                       // empty exactly when the exit code is 0
//! }
//! <exception> = {"item", "digest": "..." | null,
//!                "rules": [{"rule", "field": ... | null, "value": ... | null, "detail"}], "reason",
//!                "confirmed_by": [{"role", "name", "initials"}], "ceremony", "transcript", "at",
//!                "holds_threshold": null | {"field", "value", "identifier", "group",
//!                                           "shares", "threshold"}}   // attention
//! ```
//! Secrets are sorted by key; shares by identifier, group, member, then placement time.

mod build;
mod read;
mod signing;
mod walk;

pub(crate) use build::{coordinates, days_text};

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

/// Why the records folder could not be scanned at all. Problems with single files are
/// not errors: they are listed in the [`Registry`].
#[derive(Debug, thiserror::Error)]
pub enum RecordsError {
    /// The records folder does not exist.
    #[error("the records folder {path} does not exist")]
    Missing {
        /// The folder.
        path: PathBuf,
    },
    /// The records path names something that is not a folder.
    #[error("{path} is not a folder")]
    NotAFolder {
        /// The path.
        path: PathBuf,
    },
    /// The records folder could not be read.
    #[error("cannot read the records folder {path}")]
    Unreadable {
        /// The folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// An `--as-of` time is not RFC 3339.
    #[error("`{value}` is not an RFC 3339 time")]
    AsOf {
        /// The text given.
        value: String,
        /// What the parser said.
        #[source]
        source: chrono::ParseError,
    },
    /// A reading thread stopped without a result (a bug: reading never panics by design).
    #[error("internal error: a thread reading the transcripts stopped unexpectedly")]
    Worker,
}

impl RecordsError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            RecordsError::Missing { .. } => Some(
                "give the folder that `keyrite run --records` wrote to with --records DIR \
                 (the default is ./records), or run a ceremony first",
            ),
            RecordsError::NotAFolder { .. } | RecordsError::Unreadable { .. } => {
                Some("--records must name a folder of transcripts that you can read")
            }
            RecordsError::AsOf { .. } => Some(
                "write a date, a time and an offset, such as 2027-01-31T09:00:00+01:00 or \
                 2027-01-31T08:00:00Z",
            ),
            RecordsError::Worker => None,
        }
    }
}

/// An instant in UTC; prints as RFC 3339 with milliseconds and a trailing `Z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcTime(pub DateTime<Utc>);

impl UtcTime {
    /// Parses RFC 3339 with any offset and converts it to UTC.
    pub fn parse(text: &str) -> Result<UtcTime, chrono::ParseError> {
        DateTime::parse_from_rfc3339(text.trim()).map(|t| UtcTime(t.with_timezone(&Utc)))
    }
}

impl std::fmt::Display for UtcTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Millis, true))
    }
}

impl Serialize for UtcTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Parses an `--as-of` time: RFC 3339 with any offset, converted to UTC.
pub fn parse_as_of(text: &str) -> Result<UtcTime, RecordsError> {
    UtcTime::parse(text).map_err(|source| RecordsError::AsOf {
        value: text.to_string(),
        source,
    })
}

/// Everything the transcripts say about custody, judged as of one instant.
#[derive(Clone, Debug, Serialize)]
pub struct Registry {
    /// The instant due dates are judged against.
    pub as_of: UtcTime,
    /// The records folder, as given.
    #[serde(serialize_with = "path_text")]
    pub records: PathBuf,
    /// The secrets, sorted by key.
    pub secrets: Vec<Secret>,
    /// Policy exceptions not about a share the registry knows (such as a backup drive).
    pub exceptions: Vec<PolicyException>,
    /// What became of each transcript file.
    pub transcripts: Transcripts,
    /// Things worth knowing that need no action (facts that could not be linked).
    pub notes: Vec<String>,
    /// Everything that needs attention; the exit code is 1 exactly when this is not empty.
    pub attention: Vec<String>,
}

impl Registry {
    /// Whether anything needs attention (an overdue rehearsal, an untrusted transcript, an
    /// open failed share check, a share exposed by a run that did not complete, a share
    /// with no storage record, a threshold at one place, a missing signature).
    pub fn needs_attention(&self) -> bool {
        !self.attention.is_empty()
    }

    /// The secret with this key (a fingerprint or `<ceremony>/<name>`).
    pub fn secret(&self, key: &str) -> Option<&Secret> {
        self.secrets.iter().find(|s| s.key == key)
    }
}

fn path_text<S: Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&path.display())
}

/// One secret and its shares.
#[derive(Clone, Debug, Serialize)]
pub struct Secret {
    /// The fingerprint, or `<ceremony id>/<secret name>` when its transcript gave none.
    pub key: String,
    /// The 8-hex BIP-32 master fingerprint, lower case, when known.
    pub fingerprint: Option<String>,
    /// Every name the secret was known by, in the order first seen.
    pub names: Vec<String>,
    /// Its shares, live and void.
    pub shares: Vec<Share>,
    /// The rehearsal schedule.
    pub rehearsal: Rehearsal,
    /// Share checks that failed and have not passed since.
    pub failed_checks: Vec<FailedCheck>,
    /// Storage policy exceptions about its shares.
    pub exceptions: Vec<PolicyException>,
    /// Things worth knowing about it.
    pub notes: Vec<String>,
}

impl Secret {
    /// The live shares.
    pub fn live_shares(&self) -> impl Iterator<Item = &Share> {
        self.shares.iter().filter(|s| s.status == ShareStatus::Live)
    }

    /// The share with this digest.
    pub fn share(&self, digest: &str) -> Option<&Share> {
        self.shares.iter().find(|s| s.digest == digest)
    }
}

/// Where a fact came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// The ceremony id.
    pub ceremony: String,
    /// The transcript, relative to the records folder.
    pub transcript: String,
    /// The record's time.
    pub at: UtcTime,
}

/// One share of a secret.
#[derive(Clone, Debug, Serialize)]
pub struct Share {
    /// Hex SHA-256 of the share's words: its identity.
    pub digest: String,
    /// The SLIP-39 identifier of its split.
    pub identifier: Option<u64>,
    /// Its group, from 1.
    pub group: u64,
    /// Its member number in the group, from 1.
    pub member: u64,
    /// Shares of its group needed.
    pub threshold: Option<u64>,
    /// Shares in its group.
    pub count: Option<u64>,
    /// Groups needed.
    pub group_threshold: Option<u64>,
    /// The share set's name in the ceremony that placed it.
    pub set: Option<String>,
    /// Who holds it, as the split named them.
    pub holder: Holder,
    /// Where it is: the fields of the latest `stored` record (usually site, container,
    /// seal, holder).
    pub location: Option<Map<String, Value>>,
    /// The split that created it.
    pub placed: Provenance,
    /// The record that gave `location`.
    pub located: Option<Provenance>,
    /// Locations it had before, oldest first.
    pub earlier_locations: Vec<EarlierLocation>,
    /// When it was last entered in a rehearsal or passed a share check.
    pub last_seen: Option<Sighting>,
    /// Live or void.
    pub status: ShareStatus,
    /// When and why it was voided.
    pub voided: Option<Voiding>,
}

impl Share {
    /// A location field as text (`site`, `container`, `seal`, `holder`...).
    pub fn location_field(&self, field: &str) -> Option<String> {
        self.location
            .as_ref()
            .and_then(|l| l.get(field))
            .map(value_text)
    }
}

/// A JSON value as a person reads it: a string without quotes, anything else as JSON.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The holder of a share.
#[derive(Clone, Debug, Serialize)]
pub struct Holder {
    /// The role id.
    pub role: String,
    /// The person's name from the transcript's roles.
    pub name: Option<String>,
}

/// A location a share had before it was moved or resealed.
#[derive(Clone, Debug, Serialize)]
pub struct EarlierLocation {
    /// The location fields.
    pub location: Map<String, Value>,
    /// The record that gave them.
    pub located: Provenance,
}

/// How a share was last seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SeenHow {
    /// Entered in a recovery or rehearsal (`share_entered`).
    #[serde(rename = "rehearsal")]
    Rehearsal,
    /// Passed a share check (`share_checked`).
    #[serde(rename = "share check")]
    ShareCheck,
}

/// The last time a share was seen.
#[derive(Clone, Debug, Serialize)]
pub struct Sighting {
    /// When.
    pub at: UtcTime,
    /// The ceremony id.
    pub ceremony: String,
    /// The transcript, relative to the records folder.
    pub transcript: String,
    /// How.
    pub how: SeenHow,
}

/// Whether a share still counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareStatus {
    /// In custody.
    Live,
    /// Voided (destroyed or superseded in a rotation).
    Void,
}

/// When and why a share was voided.
#[derive(Clone, Debug, Serialize)]
pub struct Voiding {
    /// When.
    pub at: UtcTime,
    /// The ceremony id.
    pub ceremony: String,
    /// The transcript, relative to the records folder.
    pub transcript: String,
    /// The reason recorded.
    pub reason: Option<String>,
}

/// Where a due date is counted from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DueFrom {
    /// The last successful rehearsal.
    LastRehearsal,
    /// The earliest placement of the live shares (no rehearsal yet).
    SharesPlaced,
}

/// The rehearsal schedule of a secret.
#[derive(Clone, Debug, Serialize)]
pub struct Rehearsal {
    /// Days between rehearsals, when any transcript about the secret states it.
    pub interval_days: Option<u32>,
    /// The transcript whose `rehearse_every` gave the interval.
    pub interval_from: Option<String>,
    /// The last successful rehearsal.
    pub last: Option<Provenance>,
    /// When the next is due.
    pub next_due: Option<UtcTime>,
    /// What the due date is counted from.
    pub due_from: Option<DueFrom>,
    /// Whether it was due before `as_of`.
    pub overdue: bool,
    /// Whole days past due, when overdue.
    pub overdue_days: Option<i64>,
}

/// A failed share check not followed by a passed one.
#[derive(Clone, Debug, Serialize)]
pub struct FailedCheck {
    /// The SLIP-39 identifier.
    pub identifier: Option<u64>,
    /// The group.
    pub group: Option<u64>,
    /// The member.
    pub member: Option<u64>,
    /// The holder's role.
    pub holder: Option<String>,
    /// Why it failed.
    pub reason: String,
    /// The share's digest, when a known share matches.
    pub digest: Option<String>,
    /// When.
    pub at: UtcTime,
    /// The ceremony id.
    pub ceremony: String,
    /// The transcript, relative to the records folder.
    pub transcript: String,
}

/// Someone who confirmed a policy exception.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Confirmer {
    /// The role id.
    pub role: String,
    /// The person's name.
    pub name: String,
    /// Their initials.
    pub initials: String,
}

/// A storage-policy rule a placement broke.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BrokenRule {
    /// The rule (`spread_across`, `seal_required`).
    pub rule: String,
    /// The field the rule is about.
    pub field: Option<Value>,
    /// The value that broke it.
    pub value: Option<Value>,
    /// What the policy said.
    pub detail: String,
}

/// A storage-policy exception: a placement the policy refused, stored anyway with a
/// confirmed reason.
#[derive(Clone, Debug, Serialize)]
pub struct PolicyException {
    /// The item stored.
    pub item: String,
    /// The share's digest, when the item is a share.
    pub digest: Option<String>,
    /// The rules it excuses.
    pub rules: Vec<BrokenRule>,
    /// Why the exception was made.
    pub reason: String,
    /// Who confirmed it.
    pub confirmed_by: Vec<Confirmer>,
    /// The ceremony id.
    pub ceremony: String,
    /// The transcript, relative to the records folder.
    pub transcript: String,
    /// When.
    pub at: UtcTime,
    /// For a `spread_across` exception about a live share: the threshold of that share's
    /// group that is still at one place (`None` once a share has moved away).
    pub holds_threshold: Option<ThresholdHeld>,
}

/// A threshold of a group's live shares at one place, as a policy exception allowed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ThresholdHeld {
    /// The location field (`site`, `container`, `holder`).
    pub field: String,
    /// Its value, as the excepted share's location has it now.
    pub value: String,
    /// The split's identifier.
    pub identifier: Option<u64>,
    /// The group.
    pub group: u64,
    /// Live shares of the group at that place.
    pub shares: u64,
    /// Shares of the group needed to recover it.
    pub threshold: u64,
}

/// What became of each transcript file.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Transcripts {
    /// Intact and completed: their facts are in the registry. In the order applied.
    pub counted: Vec<Counted>,
    /// Intact but aborted, incomplete, torn or empty: not used.
    pub not_counted: Vec<NotCounted>,
    /// Failed verification or could not be read: not trusted, not used.
    pub untrusted: Vec<Untrusted>,
}

/// A transcript whose facts are used.
#[derive(Clone, Debug, Serialize)]
pub struct Counted {
    /// Relative to the records folder.
    pub path: String,
    /// The ceremony id.
    pub ceremony: String,
    /// Its first record's time.
    pub started: UtcTime,
    /// Whether `<path>.asc` exists.
    pub signature_file: bool,
    /// Who signed, when the transcript requires signatures (`signers` in its first
    /// record); `None` when it requires none.
    pub signing: Option<Signing>,
}

/// The signatures a completed transcript requires, and who gave one.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Signing {
    /// The roles that must sign, from the transcript's first record.
    pub required: Vec<String>,
    /// Required roles with a signature in `<path>.asc`: checked against their
    /// certificates when `checked`, else named by the signature.
    pub signed: Vec<String>,
    /// Required roles with no signature: they need attention.
    pub not_signed: Vec<String>,
    /// Required roles whose signature does not verify (`checked` only): they need
    /// attention.
    pub bad: Vec<String>,
    /// Required roles status cannot tell about: signatures whose key is not a role's
    /// primary key, and no certificates to check them with.
    pub undetermined: Vec<String>,
    /// Whether the signatures were checked against the roles' certificates, found through
    /// the script the transcript names (same SHA-256).
    pub checked: bool,
    /// The script whose certificates were used, as found.
    pub script: Option<String>,
    /// Signatures in the file.
    pub signatures: usize,
    /// Signatures by a key status cannot tie to a role (no given certificate holds it,
    /// or, unchecked, it is not a role's recorded primary key).
    pub unidentified: usize,
    /// Why the signature file could not be read, when it could not.
    pub problem: Option<String>,
}

/// A transcript left out, and why.
#[derive(Clone, Debug, Serialize)]
pub struct NotCounted {
    /// Relative to the records folder.
    pub path: String,
    /// Why.
    pub why: String,
    /// Failed share checks and mismatched recoveries it records, which need attention.
    pub alarms: Vec<String>,
    /// Shares it showed on screen or wrote to encrypted files before it stopped: they may
    /// exist on paper or disk although nothing in the run counts.
    pub exposed: Vec<Exposure>,
    /// The step it stopped inside, when that step shows shares or writes share files
    /// (`show_shares`, `encrypt_shares`) and some share of the run is not recorded as
    /// shown or written: one may have been shown or written before it was recorded.
    pub stopped_in: Option<StoppedIn>,
}

/// A share an aborted or interrupted run showed or wrote to a file.
#[derive(Clone, Debug, Serialize)]
pub struct Exposure {
    /// The secret's name in that run, when its split is recorded.
    pub secret: Option<String>,
    /// The secret's fingerprint, when that run recorded it.
    pub fingerprint: Option<String>,
    /// The share set.
    pub set: String,
    /// The split's SLIP-39 identifier, when recorded.
    pub identifier: Option<u64>,
    /// The group, from 1.
    pub group: u64,
    /// The member, from 1.
    pub member: u64,
    /// Who it was for.
    pub holder: Holder,
    /// Hex SHA-256 of its words, when recorded.
    pub digest: Option<String>,
    /// Shown on screen (`share_shown` or `share_copy_check_failed`): it may be on paper.
    pub shown: bool,
    /// The encrypted share file written (`share_encrypted`).
    pub file: Option<String>,
    /// The first record about it: line and time.
    pub line: u64,
    /// When.
    pub at: UtcTime,
    /// Why it no longer needs attention (a counted transcript voided it, stored it or
    /// placed it), or `None` while it does.
    pub resolved: Option<String>,
}

/// The step a run stopped inside.
#[derive(Clone, Debug, Serialize)]
pub struct StoppedIn {
    /// The step id.
    pub step: String,
    /// Its kind.
    pub kind: String,
    /// The line of its `step_started`.
    pub line: u64,
}

/// A file that failed verification or could not be read.
#[derive(Clone, Debug, Serialize)]
pub struct Untrusted {
    /// Relative to the records folder.
    pub path: String,
    /// What is wrong, with line numbers.
    pub findings: Vec<String>,
}

/// The most threads used to read transcripts.
const MAX_READERS: usize = 8;

/// Reads and verifies every transcript under `dir` and builds the registry as of `as_of`.
/// Files are verified on all available cores; facts are applied on one, in order.
pub fn scan(dir: &Path, as_of: UtcTime) -> Result<Registry, RecordsError> {
    let found = walk::walk(dir)?;
    let trust = signing::Trust::new(dir);
    let trust = &trust;
    let readers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, MAX_READERS)
        .min(found.files.len().max(1));
    let next = AtomicUsize::new(0);
    let files = &found.files;
    let mut outcomes: Vec<Option<read::Outcome>> = Vec::new();
    outcomes.resize_with(files.len(), || None);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..readers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(path) = files.get(i) else { break };
                        done.push((i, read::read(path, trust)));
                    }
                    done
                })
            })
            .collect();
        for handle in handles {
            let done = handle.join().map_err(|_| RecordsError::Worker)?;
            for (i, outcome) in done {
                outcomes[i] = Some(outcome);
            }
        }
        Ok::<(), RecordsError>(())
    })?;
    let mut read_files = Vec::with_capacity(files.len());
    for (path, outcome) in files.iter().zip(outcomes) {
        // Every index below files.len() was taken by exactly one reader, and every
        // reader was joined, so a missing outcome means a reader stopped early.
        let outcome = outcome.ok_or(RecordsError::Worker)?;
        read_files.push((relative(dir, path), outcome));
    }
    Ok(build::build(dir, as_of, read_files, found.problems))
}

/// `path` relative to the records folder, with `/` between parts.
fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}
