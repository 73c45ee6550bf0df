//! The command line as a user meets it: `check` against golden files, `print`, `report`,
//! `schema`, `status`, storage policies, `new` with every template, and secrets that
//! never reach the records or the output.
//!
//! One test binary per theme (see `tests/common/mod.rs`): each links keyrite and its
//! dependencies once, instead of once per file.

#[path = "../common/mod.rs"]
mod common;

mod check_golden;
mod print;
mod report;
mod schema;
mod secrets;
mod status;
mod storage_policy;
mod templates;
