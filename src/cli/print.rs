//! `keyrite print` (being written).

use std::path::Path;

use super::Format;

/// Runs `keyrite print`.
pub fn print(
    script: &Path,
    format: Format,
    output: Option<&Path>,
    templates: Option<&Path>,
) -> i32 {
    let _ = (script, format, output, templates);
    eprintln!("error: `keyrite print` is not built yet");
    super::EXIT_FAILED
}
