//! The terminal UI: a ratatui front end on the operator boundary.
//!
//! The engine runs on a worker thread with an operator that sends each question over a
//! channel to the UI thread and waits for the answer; the UI thread owns the terminal.

use crate::engine::{EngineError, Outcome, RunOptions};
use crate::script::Script;

/// Why the terminal UI could not run a ceremony.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    /// The ceremony itself stopped without an end record.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The terminal could not be set up or drawn.
    #[error("the terminal failed")]
    Terminal(#[source] std::io::Error),
}

/// Runs `script` in the terminal UI; the terminal is restored before this returns.
pub fn run_ceremony(script: &Script, options: &RunOptions) -> Result<Outcome, TuiError> {
    let _ = (script, options);
    Err(TuiError::Terminal(std::io::Error::other(
        "the terminal UI is not built yet; use --plain",
    )))
}
