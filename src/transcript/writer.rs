//! Appends records to a new transcript file, durably.
//!
//! Invariants:
//! - The file is created exclusively (`create_new`): a transcript is never overwritten.
//! - Every record is one `write_all` of the whole line followed by `fdatasync`; the
//!   directory is synced after the file is created, so the name survives a crash too.
//! - After any failed write the file is truncated back to its last complete record and
//!   the writer refuses further records: the caller must stop the ceremony.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use super::events::{EndEvent, Event};
use super::{sha256_hex, EVENT_ABORTED, EVENT_COMPLETED, RESERVED_FIELDS};
use crate::script::types::{ScriptId, StepId};

/// Why a transcript could not be written.
#[derive(Debug, thiserror::Error)]
pub enum TranscriptError {
    /// The records folder could not be created.
    #[error("cannot create the records folder {path}")]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The transcript file could not be created.
    #[error("cannot create the transcript {path}")]
    Create {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A record could not be written or synced to disk.
    #[error("cannot write record {seq} to the transcript {path}; the ceremony stops here")]
    Write {
        /// The file.
        path: PathBuf,
        /// The record that failed.
        seq: u64,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// An earlier write failed, so the transcript accepts nothing more.
    #[error("the transcript {path} failed earlier and accepts no more records")]
    Failed {
        /// The file.
        path: PathBuf,
    },
    /// A record's fields were not a JSON object, or used a reserved name (a bug).
    #[error("internal error: record fields for `{event}` are not a plain object of public facts")]
    BadFields {
        /// The event.
        event: String,
    },
}

impl TranscriptError {
    /// What the operator can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            TranscriptError::CreateDir { .. } | TranscriptError::Create { .. } => Some(
                "--records must name a folder you can write to (not a file), on a disk with free space",
            ),
            TranscriptError::Write { .. } | TranscriptError::Failed { .. } => Some(
                "every record before this one is on disk and intact (`keyrite verify` reports the \
                 transcript as INCOMPLETE); free space or fix the disk, then run the ceremony again",
            ),
            TranscriptError::BadFields { .. } => None,
        }
    }
}

/// The hash of the last record written, which a signature or a head phrase pins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// Number of records in the file.
    pub records: u64,
    /// Hex SHA-256 of the last line.
    pub hash: String,
}

/// An open transcript.
#[derive(Debug)]
pub struct Writer {
    file: File,
    path: PathBuf,
    seq: u64,
    prev: String,
    len: u64,
    failed: bool,
    sync: bool,
}

impl Writer {
    /// Creates `root/<id>/<UTC timestamp>.jsonl`; record 0's `prev` will be `script_sha256`.
    pub fn create(
        root: &Path,
        id: &ScriptId,
        script_sha256: &str,
    ) -> Result<Writer, TranscriptError> {
        let dir = root.join(id.as_str());
        std::fs::create_dir_all(&dir).map_err(|source| TranscriptError::CreateDir {
            path: dir.clone(),
            source,
        })?;
        let stamp = Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
        let mut attempt = 1;
        let (file, path) = loop {
            let name = if attempt == 1 {
                format!("{stamp}.jsonl")
            } else {
                format!("{stamp}-{attempt}.jsonl")
            };
            let path = dir.join(name);
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(f) => break (f, path),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 1000 => {
                    attempt += 1;
                }
                Err(source) => return Err(TranscriptError::Create { path, source }),
            }
        };
        // The new name must survive a crash as well as the bytes.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(Writer {
            file,
            path,
            seq: 0,
            prev: script_sha256.to_string(),
            len: 0,
            failed: false,
            sync: true,
        })
    }

    /// Turns off `fsync` per record. Only for benchmarks and tests that build long
    /// transcripts quickly; the engine never calls it.
    #[doc(hidden)]
    pub fn without_fsync(mut self) -> Writer {
        self.sync = false;
        self
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next record's sequence number.
    pub fn next_seq(&self) -> u64 {
        self.seq
    }

    /// Hex SHA-256 of the last line written (or the script hash before record 0).
    pub fn head_hash(&self) -> &str {
        &self.prev
    }

    /// Appends a record and syncs it to disk. keyrite writes the typed events of
    /// [`super::events`] with [`Writer::write`]; this is for tests and benchmarks that
    /// make records of their own.
    pub fn append<F: Serialize>(
        &mut self,
        step: Option<&StepId>,
        event: &str,
        fields: &F,
    ) -> Result<(), TranscriptError> {
        let line = self.line(step, event, fields, false)?;
        self.write_line(line)
    }

    /// Appends a typed event and syncs it to disk.
    pub fn write<E: Event>(
        &mut self,
        step: Option<&StepId>,
        event: &E,
    ) -> Result<(), TranscriptError> {
        self.append(step, E::NAME, event)
    }

    /// Appends the typed end record (`completed` or `aborted`) with its seal.
    pub fn end<E: EndEvent>(
        self,
        step: Option<&StepId>,
        event: &E,
    ) -> Result<Head, TranscriptError> {
        self.close_as(step, E::NAME, event)
    }

    /// Appends the end record (`completed` or `aborted`) with its seal.
    pub fn close<F: Serialize>(
        self,
        step: Option<&StepId>,
        completed: bool,
        fields: &F,
    ) -> Result<Head, TranscriptError> {
        let event = if completed {
            EVENT_COMPLETED
        } else {
            EVENT_ABORTED
        };
        self.close_as(step, event, fields)
    }

    fn close_as<F: Serialize>(
        mut self,
        step: Option<&StepId>,
        event: &str,
        fields: &F,
    ) -> Result<Head, TranscriptError> {
        let line = self.line(step, event, fields, true)?;
        self.write_line(line)?;
        Ok(Head {
            records: self.seq,
            hash: self.prev,
        })
    }

    fn line<F: Serialize>(
        &self,
        step: Option<&StepId>,
        event: &str,
        fields: &F,
        seal: bool,
    ) -> Result<Vec<u8>, TranscriptError> {
        if self.failed {
            return Err(TranscriptError::Failed {
                path: self.path.clone(),
            });
        }
        let bad = || TranscriptError::BadFields {
            event: event.to_string(),
        };
        let fields = match serde_json::to_value(fields).map_err(|_| bad())? {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            _ => return Err(bad()),
        };
        if fields.keys().any(|k| RESERVED_FIELDS.contains(&k.as_str())) {
            return Err(bad());
        }
        let mut record = Map::with_capacity(fields.len() + 5);
        record.insert("seq".into(), self.seq.into());
        record.insert(
            "at".into(),
            Utc::now()
                .to_rfc3339_opts(SecondsFormat::Millis, true)
                .into(),
        );
        record.insert(
            "step".into(),
            step.map(|s| s.as_str().into()).unwrap_or(Value::Null),
        );
        record.insert("event".into(), event.into());
        record.extend(fields);
        record.insert("prev".into(), self.prev.clone().into());
        let mut line = serde_json::to_vec(&record).map_err(|_| bad())?;
        if seal {
            // `line` ends with `}`; the seal covers everything before `,"seal":"`.
            line.pop();
            let seal = sha256_hex(&line);
            line.extend_from_slice(b",\"seal\":\"");
            line.extend_from_slice(seal.as_bytes());
            line.extend_from_slice(b"\"}");
        }
        Ok(line)
    }

    fn write_line(&mut self, mut line: Vec<u8>) -> Result<(), TranscriptError> {
        let hash = sha256_hex(&line);
        line.push(b'\n');
        let result = self.file.write_all(&line).and_then(|()| {
            if self.sync {
                self.file.sync_data()
            } else {
                Ok(())
            }
        });
        if let Err(source) = result {
            self.failed = true;
            // Cut a partial line back off so the file stays a verifiable prefix.
            if self.file.set_len(self.len).is_ok() {
                let _ = self.file.sync_data();
            }
            return Err(TranscriptError::Write {
                path: self.path.clone(),
                seq: self.seq,
                source,
            });
        }
        self.len += line.len() as u64;
        self.seq += 1;
        self.prev = hash;
        Ok(())
    }
}
