#![forbid(unsafe_code)]
//! keyrite: key ceremonies from a YAML script, recorded in a hash-chained transcript.
//!
//! Data flows one way: [`script`] (read and resolve) → [`engine`] (run the steps in
//! [`steps`]) → [`operator`] (the people), [`transcript`] (the record).
#![warn(missing_docs)]

pub mod bip32;
pub mod cli;
pub mod device;
pub mod engine;
pub mod fs;
pub mod hygiene;
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
