//! SLIP-39 and BIP-39: the official vectors, property tests, mixed and incremental share entry,
//! `Debug` hygiene, `keyrite slip39` on the command line, and interop with the reference
//! implementation (`shamir`).
//!
//! One test binary per theme (see `tests/common/mod.rs`).

#[path = "../common/mod.rs"]
mod common;

mod bip39_vectors;
mod slip39_cli;
mod slip39_collector;
mod slip39_hygiene;
mod slip39_interop;
mod slip39_interop_cli;
mod slip39_mixing;
mod slip39_roundtrip;
mod slip39_vectors;
