#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]
//! keyrite: key ceremonies from a YAML script, recorded in a hash-chained transcript.
//!
//! Data flows one way: [`script`] (read and resolve) → [`engine`] (run the steps in
//! [`steps`]) → [`operator`] (the people), [`transcript`] (the record); [`records`],
//! [`report`] and the auditor's commands read transcripts back.
//!
//! # Layers
//!
//! A module imports from its own layer and the layers below, never from above
//! (`src/layers.rs` is the test that holds this). `ARCHITECTURE.md` in the repository
//! tells what each layer is for, how data flows, and which test holds each invariant.
//!
//! ```text
//! 6  cli
//! 5  report  tui  templates
//! 4  engine
//! 3  script  steps                 (the one intended cycle: a step kind owns its syntax)
//! 2  records  signatures
//! 1  transcript  operator  device  vault
//! 0  fs  sanitize  signals  hygiene  slip39  pgp  bip32  bip39
//!    script::yaml  script::de  script::types  script::policy  script::source
//! ```
#![warn(missing_docs)]

pub mod bip32;
pub mod bip39;
pub mod cli;
pub mod device;
pub mod engine;
pub mod fs;
pub mod hygiene;
#[cfg(test)]
mod layers;
pub mod operator;
pub mod pgp;
pub mod records;
pub mod report;
pub mod sanitize;
pub mod script;
pub mod signals;
pub mod signatures;
pub mod slip39;
pub mod steps;
pub mod templates;
pub mod transcript;
pub mod tui;
pub mod vault;

/// An error and its causes on one line, `outer: cause: cause`, for messages that go to
/// the room or into a record.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
