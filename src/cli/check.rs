//! `keyrite check`: every problem of every script, in a compiler's format.

use std::path::{Path, PathBuf};

use super::{report, EXIT_OK, EXIT_USAGE};
use crate::script::de::Problem;
use crate::script::{self, ScriptError};

/// Prints problems as `file:line:col: error: message` with an indented hint.
pub fn print_problems(path: &Path, problems: &[Problem]) {
    for p in problems {
        match p.pos {
            Some(pos) => eprintln!(
                "{}:{}:{}: error: {}",
                path.display(),
                pos.line,
                pos.col,
                p.message
            ),
            None => eprintln!("{}: error: {}", path.display(), p.message),
        }
        if let Some(hint) = &p.hint {
            eprintln!("  hint: {hint}");
        }
    }
}

pub(super) fn check(scripts: &[PathBuf]) -> i32 {
    let mut code = EXIT_OK;
    for path in scripts {
        match script::load(path) {
            Ok(s) => println!(
                "{}: ok: `{}`, {} role{}, {} step{}",
                path.display(),
                s.id,
                s.roles.len(),
                if s.roles.len() == 1 { "" } else { "s" },
                s.steps.len(),
                if s.steps.len() == 1 { "" } else { "s" },
            ),
            Err(ScriptError::Invalid { path, problems }) => {
                print_problems(&path, &problems);
                eprintln!(
                    "{}: {} problem{} found",
                    path.display(),
                    problems.len(),
                    if problems.len() == 1 { "" } else { "s" }
                );
                code = EXIT_USAGE;
            }
            Err(e) => {
                report(
                    &e,
                    Some("check the path; scripts are YAML files such as ceremonies/demo.yaml"),
                );
                code = EXIT_USAGE;
            }
        }
    }
    code
}
