//! `keyrite print`: the printable ceremony script, in Markdown or HTML.

use std::path::Path;

use super::check::print_problems;
use super::report::write_output;
use super::{errln, print_error, Format, EXIT_OK, EXIT_USAGE};
use crate::report::PrintView;
use crate::script::{self, ScriptError};

/// Runs `keyrite print`.
pub fn print(
    script: &Path,
    format: Format,
    output: Option<&Path>,
    templates: Option<&Path>,
) -> i32 {
    let loaded = match script::load(script) {
        Ok(s) => s,
        Err(ScriptError::Invalid { path, problems }) => {
            print_problems(&path, &problems);
            errln!(
                "{}: {} problem{} found; fix them (see `keyrite check`) before printing",
                path.display(),
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            );
            return EXIT_USAGE;
        }
        Err(e) => {
            print_error(
                &e,
                Some("check the path; scripts are YAML files such as ceremonies/demo.yaml"),
            );
            return EXIT_USAGE;
        }
    };
    let view = PrintView::build(&loaded);
    let name = match format {
        Format::Md => "print.md.j2",
        Format::Html => "print.html.j2",
    };
    match write_output(&view, name, output, templates) {
        Ok(()) => EXIT_OK,
        Err(code) => code,
    }
}
