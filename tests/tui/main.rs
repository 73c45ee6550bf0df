//! The terminal interface: insta snapshots of every screen (`snapshots/`), keystrokes
//! through the app, and the real binary end to end in a pseudo-terminal.
//!
//! One test binary per theme (see `tests/common/mod.rs`).

#[path = "../common/mod.rs"]
mod common;

mod tui_e2e;
mod tui_keystrokes;
mod tui_snapshots;
