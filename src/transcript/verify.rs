//! Checks a transcript: parse, sequence, hash chain, seal, script hash, and its end.
//!
//! The verifier streams the file line by line, so memory does not grow with its size.
//! It tells three kinds of trouble apart, because an auditor acts on them differently:
//! - tampering: a record was changed, removed, reordered or added (any of the findings
//!   except the two below);
//! - a truncated tail: the last line is torn (no newline), as a crash mid-write leaves it;
//! - incomplete: every record is intact but there is no end record, as a crash or a kill
//!   between records leaves it.
//!
//! Memory is bounded by [`MAX_RECORD_BYTES`], not by the file: a longer line is hashed
//! as it is read (so the chain past it is still checked) but not kept or parsed.

use std::borrow::Cow;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{
    sha256_hex, EVENT_ABORTED, EVENT_COMPLETED, EVENT_PRESENT, EVENT_STARTED, EVENT_STEP_DONE,
    SEAL_SUFFIX_LEN,
};

/// The longest record the verifier keeps in memory to parse. The writer's records are a
/// few kilobytes; a longer line is reported as unreadable, its hash still chained.
pub const MAX_RECORD_BYTES: usize = 16 << 20;

/// One thing found wrong with a transcript. Lines count from 1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// The file has no records at all: the run stopped right after creating it.
    Empty,
    /// A line is not a JSON record with `seq`, `at`, `event` and `prev`.
    Unreadable {
        /// Line number.
        line: u64,
        /// What the parser said.
        reason: String,
    },
    /// `seq` is not the next number: a record was removed, added or moved.
    Sequence {
        /// Line number.
        line: u64,
        /// The number expected.
        expected: u64,
        /// The number found.
        found: u64,
    },
    /// `prev` is not the SHA-256 of the line before: that line or this one was changed,
    /// or a line was removed, added or moved.
    Chain {
        /// Line number of the record whose `prev` does not match.
        line: u64,
    },
    /// The first record is not a `ceremony_started` record that names the script's hash.
    Start {
        /// What is wrong with it.
        reason: String,
    },
    /// The end record's seal does not match its bytes: the last record was changed.
    Seal {
        /// Line number.
        line: u64,
    },
    /// A record follows the end record.
    AfterEnd {
        /// Line number.
        line: u64,
    },
    /// The script hash in the transcript is not the hash of the script given.
    ScriptMismatch {
        /// SHA-256 of the script given with `--script`.
        expected: String,
        /// SHA-256 recorded in the transcript.
        recorded: String,
    },
    /// The last line is torn (it has no newline): a crash while writing it.
    TruncatedTail {
        /// Line number of the torn line.
        line: u64,
        /// How many bytes of it are there.
        bytes: u64,
    },
    /// All records are intact but the transcript has no end record.
    Incomplete {
        /// The last step that started, if any.
        after_step: Option<String>,
    },
}

impl Finding {
    /// Whether this finding means the records were altered, as opposed to interrupted.
    pub fn is_tampering(&self) -> bool {
        !matches!(
            self,
            Finding::TruncatedTail { .. } | Finding::Incomplete { .. } | Finding::Empty
        )
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Finding::Empty => write!(f, "incomplete: the transcript is empty; the run stopped right after creating it"),
            Finding::Unreadable { line, reason } => {
                write!(f, "line {line} is not a transcript record: {reason}")
            }
            Finding::Sequence { line, expected, found } => write!(
                f,
                "line {line} has seq {found} where {expected} was expected: a record was removed, added or moved"
            ),
            Finding::Chain { line } => write!(
                f,
                "line {line}'s `prev` does not match the SHA-256 of line {}: one of them was changed, or a line was removed or moved",
                line - 1
            ),
            Finding::Start { reason } => write!(f, "the first record is wrong: {reason}"),
            Finding::Seal { line } => write!(
                f,
                "line {line}, the end record, does not match its seal: it was changed"
            ),
            Finding::AfterEnd { line } => {
                write!(f, "line {line} comes after the end record: records were added")
            }
            Finding::ScriptMismatch { expected, recorded } => write!(
                f,
                "the transcript was made from a script with SHA-256 {recorded}, not the given script ({expected})"
            ),
            Finding::TruncatedTail { line, bytes } => write!(
                f,
                "truncated tail: line {line} is incomplete ({bytes} bytes, no newline); the ceremony was interrupted while writing it"
            ),
            Finding::Incomplete { after_step: Some(step) } => write!(
                f,
                "incomplete: the ceremony was interrupted after step {step}"
            ),
            Finding::Incomplete { after_step: None } => write!(
                f,
                "incomplete: the ceremony was interrupted before its first step"
            ),
        }
    }
}

/// The overall result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every record is intact and the transcript has its end record.
    Intact,
    /// Every record is intact, but there is no end record.
    Incomplete,
    /// Every complete record is intact; the last line is torn.
    Truncated,
    /// Records were altered.
    Tampered,
}

impl Verdict {
    /// The verdict in one sentence, for an auditor.
    pub fn explain(self) -> &'static str {
        match self {
            Verdict::Intact => "INTACT: every record is unchanged and in order, and the transcript is closed",
            Verdict::Incomplete => "INCOMPLETE: the records are intact, but the ceremony never reached its end",
            Verdict::Truncated => "TRUNCATED: the records are intact up to a torn last line; the ceremony was interrupted while writing",
            Verdict::Tampered => "TAMPERED: the transcript was changed after it was written; do not trust it",
        }
    }
}

/// Facts from the first record.
#[derive(Clone, Debug, Default, Serialize)]
pub struct StartFacts {
    /// The ceremony id.
    pub ceremony: String,
    /// The ceremony title.
    pub title: String,
    /// When it started.
    pub at: String,
    /// The script's SHA-256.
    pub script_sha256: String,
    /// The script's path as given to `run`.
    pub script_path: String,
    /// keyrite version that wrote it.
    pub tool_version: String,
    /// Host name.
    pub host: String,
    /// Where the answers came from: `plain`, `tty` or `answers:<file>`.
    pub operator: String,
    /// The roles, with their certificates' fingerprints.
    pub roles: Vec<RoleFacts>,
    /// The role ids whose signatures the transcript needs (from `sign_transcript`).
    pub signers: Vec<String>,
}

/// A role as the first record lists it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RoleFacts {
    /// The role id.
    pub id: String,
    /// The person's name.
    pub name: String,
    /// The fingerprint of the role's certificate, if it has one.
    #[serde(default)]
    pub fingerprint: Option<String>,
}

/// Facts from the end record.
#[derive(Clone, Debug, Serialize)]
pub struct EndFacts {
    /// `completed` or `aborted`.
    pub outcome: String,
    /// When.
    pub at: String,
    /// The step it ended in, for an abort.
    pub step: Option<String>,
    /// The reason given for an abort.
    pub reason: Option<String>,
}

/// Who confirmed presence.
#[derive(Clone, Debug, Serialize)]
pub struct Attendance {
    /// The role id.
    pub role: String,
    /// The person's name.
    pub name: String,
}

/// Everything `verify` found.
#[derive(Clone, Debug, Serialize)]
pub struct Verification {
    /// The file.
    pub path: PathBuf,
    /// The overall result.
    pub verdict: Verdict,
    /// Number of complete records.
    pub records: u64,
    /// Facts from the first record, if it could be read.
    pub start: Option<StartFacts>,
    /// Roles that confirmed presence, in order.
    pub attended: Vec<Attendance>,
    /// Steps that finished, in order.
    pub steps_done: Vec<String>,
    /// The end record, if any.
    pub end: Option<EndFacts>,
    /// Hex SHA-256 of the last complete line: what a signature or head phrase pins.
    pub head: Option<String>,
    /// What is wrong, in file order.
    pub findings: Vec<Finding>,
}

/// The fields every record has. Texts are `Cow`: a value with a JSON escape (a name
/// such as `Bob "Bobby" Example`) cannot be borrowed from the line and is copied.
#[derive(Deserialize)]
struct RecordHead<'a> {
    seq: u64,
    #[serde(borrow)]
    at: Cow<'a, str>,
    #[serde(borrow)]
    step: Option<Cow<'a, str>>,
    #[serde(borrow)]
    event: Cow<'a, str>,
    #[serde(borrow)]
    prev: Cow<'a, str>,
    #[serde(borrow, default)]
    seal: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    role: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    let mut cur = v;
    for key in path {
        match cur.get(key) {
            Some(next) => cur = next,
            None => return "",
        }
    }
    cur.as_str().unwrap_or("")
}

/// One record as the verifier reads it, handed to the visitor of [`verify_file_with`].
/// Whether the record can be trusted is known only when the whole file has been read:
/// a visitor keeps what it learns aside until the verdict.
#[derive(Clone, Copy, Debug)]
pub struct RecordView<'a> {
    /// Line number, from 1.
    pub line: u64,
    /// The record's `at`, as written.
    pub at: &'a str,
    /// The step id, or `None` for ceremony-level records.
    pub step: Option<&'a str>,
    /// The event.
    pub event: &'a str,
    /// The line's bytes, without the newline.
    pub bytes: &'a [u8],
}

/// Verifies the transcript at `path`. `script_sha256` is the hash of the script the
/// auditor holds, when given. An I/O error reading the file is an `Err`; everything
/// wrong with its contents is a finding.
pub fn verify_file(path: &Path, script_sha256: Option<&str>) -> std::io::Result<Verification> {
    verify_file_with(path, script_sha256, |_| {})
}

/// [`verify_file`], also handing every complete record that parses as a record to
/// `visit`, in file order, so a reader of facts needs no second pass over the file.
pub fn verify_file_with(
    path: &Path,
    script_sha256: Option<&str>,
    visit: impl FnMut(&RecordView<'_>),
) -> std::io::Result<Verification> {
    // A named pipe or a device is refused at once instead of blocking or never ending.
    let file = crate::fs::open_regular(path)?;
    verify_reader_with(
        path,
        BufReader::with_capacity(1 << 20, file),
        script_sha256,
        visit,
    )
}

/// [`verify_file_with`] over bytes already read from `path` (a reader that holds the
/// whole file), so that what is verified is exactly what the caller goes on to use.
pub fn verify_reader_with(
    path: &Path,
    mut reader: impl BufRead,
    script_sha256: Option<&str>,
    mut visit: impl FnMut(&RecordView<'_>),
) -> std::io::Result<Verification> {
    let mut v = Verification {
        path: path.to_path_buf(),
        verdict: Verdict::Intact,
        records: 0,
        start: None,
        attended: Vec::new(),
        steps_done: Vec::new(),
        end: None,
        head: None,
        findings: Vec::new(),
    };
    let mut buf = Vec::with_capacity(4096);
    let mut line_no = 0u64;
    let mut prev_hash: Option<String> = None;
    let mut last_step: Option<String> = None;
    let mut ended_at_line: Option<u64> = None;
    loop {
        buf.clear();
        let read = read_line_bounded(&mut reader, &mut buf, MAX_RECORD_BYTES)?;
        if read.len == 0 {
            break;
        }
        line_no += 1;
        if !read.newline {
            v.findings.push(Finding::TruncatedTail {
                line: line_no,
                bytes: read.len,
            });
            break;
        }
        if let Some(end_line) = ended_at_line {
            if end_line + 1 == line_no {
                v.findings.push(Finding::AfterEnd { line: line_no });
            }
        }
        if let Some(hash) = read.overlong_hash {
            // Not kept, so not parsed; but its hash links the next line, so a record
            // after it that was changed is still found.
            v.findings.push(Finding::Unreadable {
                line: line_no,
                reason: format!(
                    "the line is longer than {MAX_RECORD_BYTES} bytes ({} bytes)",
                    read.len - 1
                ),
            });
            prev_hash = Some(hash);
            v.records += 1;
            continue;
        }
        let line = &buf[..];
        let hash = sha256_hex(line);
        let head: RecordHead<'_> = match serde_json::from_slice(line) {
            Ok(h) => h,
            Err(e) => {
                v.findings.push(Finding::Unreadable {
                    line: line_no,
                    reason: e.to_string(),
                });
                prev_hash = Some(hash);
                v.records += 1;
                continue;
            }
        };
        let expected_seq = line_no - 1;
        if head.seq != expected_seq {
            v.findings.push(Finding::Sequence {
                line: line_no,
                expected: expected_seq,
                found: head.seq,
            });
        }
        match &prev_hash {
            Some(p) if *p != head.prev => v.findings.push(Finding::Chain { line: line_no }),
            Some(_) => {}
            None => check_start(&mut v, line, &head, script_sha256),
        }
        // Only an end record is sealed: a sealed record of another kind is an end record
        // whose event was altered, not an interrupted ceremony.
        if head.seal.is_some() && !matches!(&*head.event, EVENT_COMPLETED | EVENT_ABORTED) {
            v.findings.push(Finding::Seal { line: line_no });
        }
        visit(&RecordView {
            line: line_no,
            at: &head.at,
            step: head.step.as_deref(),
            event: &head.event,
            bytes: line,
        });
        match &*head.event {
            EVENT_PRESENT => v.attended.push(Attendance {
                role: head.role.as_deref().unwrap_or("").to_string(),
                name: head.name.as_deref().unwrap_or("").to_string(),
            }),
            EVENT_STEP_DONE => {
                if let Some(step) = head.step.as_deref() {
                    v.steps_done.push(step.to_string());
                }
            }
            EVENT_COMPLETED | EVENT_ABORTED => {
                let sealed = head.seal.as_deref().is_some_and(|seal| {
                    line.len() > SEAL_SUFFIX_LEN
                        && line.ends_with(format!(",\"seal\":\"{seal}\"}}").as_bytes())
                        && seal.len() == 64
                        && sha256_hex(&line[..line.len() - SEAL_SUFFIX_LEN]) == seal
                });
                if !sealed {
                    v.findings.push(Finding::Seal { line: line_no });
                }
                let reason = if head.event == EVENT_ABORTED {
                    serde_json::from_slice::<Value>(line)
                        .ok()
                        .and_then(|r| r.get("reason").and_then(Value::as_str).map(str::to_string))
                } else {
                    None
                };
                v.end = Some(EndFacts {
                    outcome: head.event.to_string(),
                    at: head.at.to_string(),
                    step: head.step.as_deref().map(str::to_string),
                    reason,
                });
                ended_at_line = Some(line_no);
            }
            _ => {}
        }
        if let Some(step) = head.step.as_deref() {
            if last_step.as_deref() != Some(step) {
                last_step = Some(step.to_string());
            }
        }
        prev_hash = Some(hash);
        v.records += 1;
    }
    v.head = prev_hash;
    if v.records == 0 && v.findings.is_empty() {
        v.findings.push(Finding::Empty);
    }
    if v.end.is_none() && v.records > 0 {
        v.findings.push(Finding::Incomplete {
            after_step: last_step,
        });
    }
    v.verdict = if v.findings.iter().any(Finding::is_tampering) {
        Verdict::Tampered
    } else if v
        .findings
        .iter()
        .any(|f| matches!(f, Finding::TruncatedTail { .. }))
    {
        Verdict::Truncated
    } else if v.end.is_none() {
        Verdict::Incomplete
    } else {
        Verdict::Intact
    };
    Ok(v)
}

/// What [`read_line_bounded`] read.
struct LineRead {
    /// Bytes read, with the newline if there was one; 0 at the end of the input.
    len: u64,
    /// Whether the line ended with a newline (else the input ended first).
    newline: bool,
    /// For a line longer than the limit: its SHA-256 (hex, without the newline); the
    /// buffer then holds nothing useful.
    overlong_hash: Option<String>,
}

/// Reads one line into `buf` (without its newline), keeping at most `max` bytes: a
/// longer line is hashed as it streams past instead, so memory stays bounded.
fn read_line_bounded(
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<LineRead> {
    let mut len = 0u64;
    let mut hasher: Option<Sha256> = None;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(LineRead {
                len,
                newline: false,
                overlong_hash: hasher.map(|h| hex::encode(h.finalize())),
            });
        }
        let (part, newline) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (&chunk[..i], true),
            None => (chunk, false),
        };
        match &mut hasher {
            Some(h) => h.update(part),
            None if buf.len() + part.len() > max => {
                let mut h = Sha256::new();
                h.update(&buf[..]);
                h.update(part);
                buf.clear();
                hasher = Some(h);
            }
            None => buf.extend_from_slice(part),
        }
        let used = part.len() + usize::from(newline);
        len += used as u64;
        reader.consume(used);
        if newline {
            return Ok(LineRead {
                len,
                newline: true,
                overlong_hash: hasher.map(|h| hex::encode(h.finalize())),
            });
        }
    }
}

fn check_start(
    v: &mut Verification,
    line: &[u8],
    head: &RecordHead<'_>,
    script_sha256: Option<&str>,
) {
    if head.event != EVENT_STARTED {
        v.findings.push(Finding::Start {
            reason: format!("its event is `{}`, not `{EVENT_STARTED}`", head.event),
        });
        return;
    }
    let Ok(record) = serde_json::from_slice::<Value>(line) else {
        return;
    };
    let recorded = str_at(&record, &["script", "sha256"]);
    if recorded != head.prev {
        v.findings.push(Finding::Start {
            reason: "its `prev` is not the script hash it records".to_string(),
        });
    }
    if let Some(expected) = script_sha256 {
        if expected != recorded {
            v.findings.push(Finding::ScriptMismatch {
                expected: expected.to_string(),
                recorded: recorded.to_string(),
            });
        }
    }
    v.start = Some(StartFacts {
        ceremony: str_at(&record, &["ceremony", "id"]).to_string(),
        title: str_at(&record, &["ceremony", "title"]).to_string(),
        at: head.at.to_string(),
        script_sha256: recorded.to_string(),
        script_path: str_at(&record, &["script", "path"]).to_string(),
        tool_version: str_at(&record, &["tool", "version"]).to_string(),
        host: str_at(&record, &["host"]).to_string(),
        operator: str_at(&record, &["operator"]).to_string(),
        roles: record
            .get("roles")
            .and_then(|r| serde_json::from_value(r.clone()).ok())
            .unwrap_or_default(),
        signers: record
            .get("signers")
            .and_then(|r| serde_json::from_value(r.clone()).ok())
            .unwrap_or_default(),
    });
}
