//! `keyrite new`: a ceremony script from a template, written only if it does not exist
//! yet, and checked at once like `keyrite check`.
//!
//! Exit codes: 0 written and it passes `check`; 1 written, but `check` found problems
//! (typically certificates not yet in place: the problems say which); 2 nothing written
//! (unknown template, a bad `--set`, an existing output file).

use std::path::Path;

use super::{errln, outln, print_error, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::report::output::OutputError;
use crate::script::{self, ScriptError};
use crate::templates::{Catalogue, TemplateError, VarType};

fn hint_for(e: &TemplateError) -> &'static str {
    match e {
        TemplateError::UnknownTemplate { .. } => "`keyrite new --list` shows the templates",
        TemplateError::Set { .. } | TemplateError::Missing { .. } => {
            "`keyrite new --list` shows each template's variables, their types and defaults"
        }
        TemplateError::Inconsistent(_) => "change the values so that they fit together",
        TemplateError::Read { .. } | TemplateError::Catalogue { .. } | TemplateError::Render { .. } => {
            "a --templates folder has `ceremonies/templates.yaml` and the `.j2` files it names; compare with keyrite's templates/ folder"
        }
    }
}

fn list(catalogue: &Catalogue) -> i32 {
    for t in catalogue.templates() {
        outln!("{}\n  {}", t.name, t.about);
        for v in &t.vars {
            let kind = match &v.kind {
                VarType::Text => "text".to_string(),
                VarType::Int { min, max } => format!("{min}..{max}"),
                VarType::Choice { choices } => choices.join("|"),
                VarType::Fingerprint => "fingerprint".to_string(),
                VarType::Interval => "interval".to_string(),
                VarType::Names => "names".to_string(),
            };
            let default = match &v.default {
                Some(d) if d.is_empty() => " (default: none)".to_string(),
                Some(d) => format!(" (default: {d})"),
                None => " (required)".to_string(),
            };
            outln!("    --set {}=<{kind}>{default}  {}", v.name, v.about);
        }
        outln!();
    }
    EXIT_OK
}

/// Runs `keyrite new`.
pub fn new(
    template: Option<&str>,
    set: &[String],
    output: Option<&Path>,
    list_only: bool,
    templates: Option<&Path>,
) -> i32 {
    let catalogue = match Catalogue::load(templates) {
        Ok(c) => c,
        Err(e) => {
            print_error(&e, Some(hint_for(&e)));
            return EXIT_USAGE;
        }
    };
    if list_only {
        return list(&catalogue);
    }
    // Invariant: clap requires both unless `--list` is given.
    let (Some(template), Some(output)) = (template, output) else {
        errln!("error: give --template NAME and -o FILE, or --list");
        return EXIT_USAGE;
    };
    let text = match catalogue.render(template, set) {
        Ok(t) => t,
        Err(e) => {
            print_error(&e, Some(hint_for(&e)));
            return EXIT_USAGE;
        }
    };
    if let Err(e) = crate::report::output::write_new(output, text.as_bytes()) {
        let hint = match e {
            OutputError::Exists { .. } => {
                "keyrite new never overwrites a script; choose another file name or remove the old one"
            }
            OutputError::Io { .. } => "check that the folder exists and is writable",
        };
        print_error(&e, Some(hint));
        return EXIT_USAGE;
    }
    outln!("wrote {} from template `{template}`", output.display());
    match script::load(output) {
        Ok(s) => {
            outln!(
                "{}: ok: `{}`, {} roles, {} steps",
                output.display(),
                s.id,
                s.roles.len(),
                s.steps.len()
            );
            outln!(
                "next: read it, print it with `keyrite print {}`, and run it with `keyrite run {}`",
                output.display(),
                output.display()
            );
            EXIT_OK
        }
        Err(ScriptError::Invalid { path, problems }) => {
            super::check::print_problems(&path, &problems);
            errln!(
                "{}: written, but {} problem{} to fix before it can run (often: put each role's certificate where `cert:` says, or --set keys=DIR)",
                path.display(),
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            );
            EXIT_FAILED
        }
        Err(e) => {
            print_error(&e, None);
            EXIT_FAILED
        }
    }
}
