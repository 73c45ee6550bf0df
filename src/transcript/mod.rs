//! The transcript: a hash-chained JSON Lines record of a ceremony.
//!
//! One record a line, UTF-8, compact JSON, in this key order: `seq`, `at` (RFC 3339 UTC,
//! milliseconds), `step` (the step id, or null for ceremony-level records), `event`, the
//! event's own fields, and `prev`. The end record (`completed` or `aborted`) also ends
//! with `seal`.
//!
//! Invariants (ARCHITECTURE.md, invariants 2 and 3):
//! - `prev` of record 0 is the script's SHA-256; `prev` of record n is the SHA-256 of the
//!   exact bytes of line n-1 (without its newline). `seq` counts from 0 with no gap.
//! - `seal` is the SHA-256 of the end record's own bytes up to `,"seal":"`, so the last
//!   line is protected too: no single changed byte anywhere goes unnoticed.
//! - A record is written with one `write` and `fsync`'d before the writer returns; a
//!   failed write is cut back off the file, so the file is always a verifiable prefix.
//! - No field ever holds a secret: callers pass public facts only (the engine's step
//!   kinds are tested for this). The engine and the steps write the typed events of
//!   [`events`], which `records` and `report` read back.

pub mod events;
pub mod phrase;
pub mod verify;
pub mod writer;

pub use verify::{
    verify_file, verify_file_with, verify_reader_with, Finding, RecordView, RoleFacts, StartFacts,
    Verdict, Verification, MAX_RECORD_BYTES,
};
pub use writer::{TranscriptError, Writer};

use events::Event;
use sha2::{Digest, Sha256};

/// The event that opens every transcript.
pub const EVENT_STARTED: &str = events::CeremonyStarted::NAME;
/// The end event of a ceremony that ran to the end.
pub const EVENT_COMPLETED: &str = events::Completed::NAME;
/// The end event of a ceremony that was stopped.
pub const EVENT_ABORTED: &str = events::Aborted::NAME;
/// Written when a step begins.
pub const EVENT_STEP_STARTED: &str = events::StepStarted::NAME;
/// Written when a step has finished.
pub const EVENT_STEP_DONE: &str = events::StepDone::NAME;
/// A role confirmed presence.
pub const EVENT_PRESENT: &str = events::Present::NAME;

/// Field names the writer owns; an event's fields may not use them.
pub const RESERVED_FIELDS: &[&str] = &["seq", "at", "step", "event", "prev", "seal"];

/// Hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The seal suffix's fixed length: `,"seal":"` + 64 hex digits + `"}`.
const SEAL_SUFFIX_LEN: usize = 9 + 64 + 2;
