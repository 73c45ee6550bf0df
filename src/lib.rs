#![forbid(unsafe_code)]
//! keyrite: key ceremonies from a YAML script, recorded in a hash-chained transcript.
//!
//! Data flows one way: [`script`] (read and resolve) → [`engine`] (run the steps in
//! [`steps`]) → [`operator`] (the people), [`transcript`] (the record).
#![warn(missing_docs)]

pub mod cli;
pub mod device;
pub mod engine;
pub mod hygiene;
pub mod operator;
pub mod pgp;
pub mod script;
pub mod slip39;
pub mod steps;
pub mod transcript;
pub mod tui;
