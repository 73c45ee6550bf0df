//! `keyrite report`: the auditor's account of a transcript, in Markdown or HTML.
//!
//! Exit codes follow `keyrite verify`: 0 when the transcript is intact, closed and signed
//! by every required signer, 1 when it is not (the report is still written, and opens
//! with a warning when the records fail verification), 2 when no report can be made.

use std::path::Path;

use serde::Serialize;

use super::{print_error as error, Format, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::report::output::{write_new, OutputError};
use crate::report::{LayoutError, Layouts, ReportError, ReportView};
use crate::signatures::AuditError;

/// Runs `keyrite report`.
pub fn report(
    transcript: &Path,
    format: Format,
    script: Option<&Path>,
    certs: Option<&Path>,
    output: Option<&Path>,
    templates: Option<&Path>,
) -> i32 {
    let view = match ReportView::from_file(transcript, script, certs) {
        Ok(v) => v,
        Err(e) => {
            let hint = match &e {
                ReportError::Read { .. } => "check the transcript's path (records/<ceremony id>/<time>.jsonl)",
                ReportError::TooLarge { .. } | ReportError::NotTranscript { .. } => {
                    "a transcript is the .jsonl file `keyrite run` writes under records/"
                }
                ReportError::Script { .. } | ReportError::Audit(AuditError::Script(_)) => {
                    "check the path given with --script"
                }
                ReportError::Audit(AuditError::CertFolder { .. }) => {
                    "--certs names a folder of certificate files, each named after its role (officer.asc)"
                }
                ReportError::Audit(_) => "report it again when nothing is writing the transcript",
            };
            error(&e, Some(hint));
            return EXIT_USAGE;
        }
    };
    let name = match format {
        Format::Md => "report.md.j2",
        Format::Html => "report.html.j2",
    };
    if let Err(code) = write_output(&view, name, output, templates) {
        return code;
    }
    if view.valid {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}

/// Lays out `view` with the layout `name` (built in, or from `templates`) and writes it
/// to standard output or to the new file `output`; `Err` is the exit code.
pub(super) fn write_output<S: Serialize>(
    view: &S,
    name: &str,
    output: Option<&Path>,
    templates: Option<&Path>,
) -> Result<(), i32> {
    let layouts = match templates.map(Layouts::from_folder) {
        None => Layouts::built_in(),
        Some(Ok(l)) => l,
        Some(Err(e)) => {
            error(&e, Some("--templates names a folder of layouts; the built-in ones are in templates/layouts/"));
            return Err(EXIT_USAGE);
        }
    };
    let text = match layouts.render(name, view) {
        Ok(t) => t,
        Err(e) => {
            let hint = match e {
                LayoutError::Render { .. } => "fix the layout; every variable it uses must exist (see the built-in layouts in templates/layouts/)",
                _ => "copy the built-in layout from templates/layouts/ into the folder and restyle it",
            };
            error(&e, Some(hint));
            return Err(EXIT_USAGE);
        }
    };
    match output {
        None => {
            use std::io::{IsTerminal, Write};
            let mut stdout = std::io::stdout().lock();
            // Layouts are escaped for their format, not for a terminal: on a terminal, a
            // control character from a transcript is shown as a visible escape.
            let text = if stdout.is_terminal() {
                crate::sanitize::for_terminal(&text).into_owned()
            } else {
                text
            };
            if let Err(e) = stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                super::exit_on_write_error(&e);
            }
        }
        Some(path) => match write_new(path, text.as_bytes()) {
            Ok(()) => {}
            Err(e @ OutputError::Exists { .. }) => {
                error(
                    &e,
                    Some("choose another file with -o, or move the old one away first"),
                );
                return Err(EXIT_USAGE);
            }
            Err(e) => {
                error(&e, Some("check that the folder exists and is writable"));
                return Err(EXIT_FAILED);
            }
        },
    }
    Ok(())
}
