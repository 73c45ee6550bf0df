//! `keyrite report` (being written).

use std::path::Path;

use super::Format;

/// Runs `keyrite report`.
pub fn report(
    transcript: &Path,
    format: Format,
    script: Option<&Path>,
    certs: Option<&Path>,
    output: Option<&Path>,
    templates: Option<&Path>,
) -> i32 {
    let _ = (transcript, format, script, certs, output, templates);
    eprintln!("error: `keyrite report` is not built yet");
    super::EXIT_FAILED
}
