//! `keyrite new` (being written).

use std::path::Path;

/// Runs `keyrite new`.
pub fn new(
    template: Option<&str>,
    set: &[String],
    output: Option<&Path>,
    list: bool,
    templates: Option<&Path>,
) -> i32 {
    let _ = (template, set, output, list, templates);
    eprintln!("error: `keyrite new` is not built yet");
    super::EXIT_FAILED
}
