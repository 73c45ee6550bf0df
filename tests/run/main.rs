//! Running ceremonies: the demo headless, crashes, a full disk, tampering with finished
//! transcripts, and hardware wallets (the simulator, its codec, its serial and TCP links,
//! and interop with Blockstream's client).
//!
//! One test binary per theme (see `tests/common/mod.rs`).

#[path = "../common/mod.rs"]
mod common;

mod crash;
mod device_ceremony;
mod device_codec;
mod device_interop;
mod device_pty;
mod run_demo;
mod tamper;
mod write_failure;
