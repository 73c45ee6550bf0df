//! `keyrite check`: every problem of every script, in a compiler's format.

use std::path::{Path, PathBuf};

use super::{errln, outln, print_error, EXIT_OK, EXIT_USAGE};
use crate::sanitize::{for_terminal, line_for_terminal};
use crate::script::de::Problem;
use crate::script::{self, ScriptError};

/// Prints problems as `file:line:col: error: message` with an indented hint.
pub fn print_problems(path: &Path, problems: &[Problem]) {
    let path = line_for_terminal(&path.display().to_string()).into_owned();
    for p in problems {
        match p.pos {
            Some(pos) => errln!(
                "{path}:{}:{}: error: {}",
                pos.line,
                pos.col,
                for_terminal(&p.message)
            ),
            None => errln!("{path}: error: {}", for_terminal(&p.message)),
        }
        if let Some(hint) = &p.hint {
            errln!("  hint: {}", for_terminal(hint));
        }
    }
}

pub(super) fn check(scripts: &[PathBuf]) -> i32 {
    let mut code = EXIT_OK;
    for path in scripts {
        match script::load(path) {
            Ok(s) => outln!(
                "{}: ok: `{}`, {} role{}, {} step{}",
                line_for_terminal(&path.display().to_string()),
                s.id,
                s.roles.len(),
                if s.roles.len() == 1 { "" } else { "s" },
                s.steps.len(),
                if s.steps.len() == 1 { "" } else { "s" },
            ),
            Err(ScriptError::Invalid { path, problems }) => {
                print_problems(&path, &problems);
                errln!(
                    "{}: {} problem{} found",
                    line_for_terminal(&path.display().to_string()),
                    problems.len(),
                    if problems.len() == 1 { "" } else { "s" }
                );
                code = EXIT_USAGE;
            }
            Err(e) => {
                print_error(
                    &e,
                    Some("check the path; scripts are YAML files such as ceremonies/demo.yaml"),
                );
                code = EXIT_USAGE;
            }
        }
    }
    code
}
