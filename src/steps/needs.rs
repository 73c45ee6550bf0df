//! What a step will need before it runs, for the engine's pre-flight check: whether it
//! shows or asks for a secret, the files it creates, the port it opens, the room it
//! takes on disk.
//!
//! Each step kind says (`StepKind::needs`); the engine adds them up before anyone is
//! asked anything. It lives beside the step kinds, not in the engine, because the kinds
//! fill it in and the engine is above them.

use std::path::PathBuf;

/// What one step will need; each step kind says (`StepKind::needs`).
#[derive(Debug, Default)]
pub struct Needs {
    /// It shows a secret on the screen.
    pub shows_secret: bool,
    /// People type secrets in it.
    pub types_secret: bool,
    /// Files it creates, relative to `--out`.
    pub out_files: Vec<PathBuf>,
    /// The serial port it opens, if it is a path.
    pub device_port: Option<PathBuf>,
    /// Bytes it writes, estimated.
    pub bytes: u64,
}
