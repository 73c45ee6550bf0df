//! `keyrite run`: check the script, pick the front end, run the ceremony.

use crate::sanitize::{for_terminal, line_for_terminal};
use crate::signals::{Interrupt, InterruptibleStdin};
use std::path::Path;

use super::check::print_problems;
use super::{errln, outln, print_error, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use std::io::IsTerminal;

use crate::engine::preflight::{self, Plan, Terminals};
use crate::engine::{self, End, EngineError, Outcome, RunOptions};
use crate::operator::answers::{Answers, AnswersError};
use crate::operator::plain::{Plain, ABORT_WORD};
use crate::operator::Operator;
use crate::script::{self, ScriptError};
use crate::tui::TuiError;

pub(super) fn run(
    script_path: &Path,
    answers: Option<&Path>,
    plain: bool,
    records: &Path,
    out: &Path,
) -> i32 {
    // Before any secret can exist: no core dumps, memory locked where allowed.
    let hygiene = crate::hygiene::harden();
    let script = match script::load(script_path) {
        Ok(s) => s,
        Err(ScriptError::Invalid { path, problems }) => {
            print_problems(&path, &problems);
            errln!("error: the script has problems; nothing was run and nothing was recorded");
            return EXIT_USAGE;
        }
        Err(e) => {
            print_error(&e, Some("check the path of the script"));
            return EXIT_USAGE;
        }
    };
    // Pre-flight: what would stop the ceremony halfway is refused before anything is
    // recorded (see `engine::preflight`).
    let terminals = Terminals {
        answers: answers.is_some(),
        stdin: std::io::stdin().is_terminal(),
        stdout: std::io::stdout().is_terminal(),
    };
    let plan = Plan::of(&script);
    let warnings = match preflight::check(&plan, terminals, records, out) {
        Ok(w) => w,
        Err(e) => {
            print_error(&e, Some(e.hint()));
            errln!("error: nothing was run and nothing was recorded");
            return EXIT_USAGE;
        }
    };
    for w in &warnings {
        errln!("warning: {}", for_terminal(&w.0));
    }
    let options = RunOptions {
        records: records.to_path_buf(),
        hygiene,
        out: out.to_path_buf(),
        warnings: warnings.into_iter().map(|w| w.0).collect(),
    };
    let terminal = terminals.stdin && terminals.stdout;
    // From here on, SIGTERM, SIGHUP and SIGINT end the ceremony with an aborted record
    // instead of killing keyrite mid-step (see `signals`).
    let interactive_interrupt = answers.is_none() && (plain || !terminal);
    let watch = crate::signals::watch(
        if interactive_interrupt {
            Interrupt::AsksWhy
        } else {
            Interrupt::Terminates
        },
        crate::tui::terminal::restore,
    );
    let watch = match watch {
        Ok(w) => w,
        Err(e) => {
            print_error(
                &e,
                Some("keyrite could not watch for termination signals; nothing was run"),
            );
            return EXIT_FAILED;
        }
    };
    if answers.is_none() && !plain && terminal {
        return match crate::tui::run_ceremony(&script, &options, Some(watch)) {
            Ok(outcome) => report_outcome(&outcome, script_path),
            Err(TuiError::Engine(EngineError::Transcript(e))) => {
                let hint = e.hint();
                print_error(&e, hint);
                EXIT_FAILED
            }
            Err(e) => {
                print_error(&e, Some("run with --plain for line-by-line prompts"));
                EXIT_FAILED
            }
        };
    }
    let mut answers_op;
    let mut plain_op;
    let operator: &mut dyn Operator = match answers {
        Some(file) => match Answers::load(file, &script.path, &script.step_ids()) {
            Ok(a) => {
                answers_op = a;
                &mut answers_op
            }
            Err(AnswersError::Invalid { file, problems }) => {
                print_problems(Path::new(&file), &problems);
                errln!("error: the answers file has problems; nothing was run and nothing was recorded");
                return EXIT_USAGE;
            }
            Err(e) => {
                print_error(&e, Some("check the path of the answers file"));
                return EXIT_USAGE;
            }
        },
        None => {
            let n = script.steps.len();
            let intro = format!(
                "{} ({}): {n} step{}. Type `{ABORT_WORD}` at any prompt, or press Ctrl-C, to stop the ceremony.",
                script.title,
                script.id,
                if n == 1 { "" } else { "s" }
            );
            let stdin = match InterruptibleStdin::new(watch) {
                Ok(s) => s,
                Err(e) => {
                    print_error(&e, Some("nothing was run"));
                    return EXIT_FAILED;
                }
            };
            plain_op = Plain::new(
                stdin,
                std::io::stdout(),
                std::io::IsTerminal::is_terminal(&std::io::stdout()),
            )
            .with_intro(intro)
            .confirm_opening(std::io::stdin().is_terminal());
            &mut plain_op
        }
    };
    let outcome = match engine::run(&script, operator, &options) {
        Ok(o) => o,
        Err(EngineError::Transcript(e)) => {
            let hint = e.hint();
            print_error(&e, hint);
            return EXIT_FAILED;
        }
    };
    report_outcome(&outcome, script_path)
}

/// Prints how the ceremony ended and returns the exit code.
fn report_outcome(outcome: &Outcome, script_path: &Path) -> i32 {
    let path = line_for_terminal(&outcome.transcript.display().to_string()).into_owned();
    let head = &outcome.head.hash;
    match &outcome.end {
        End::Completed => {
            outln!("completed: {} records in {path}", outcome.head.records);
            outln!("head: {head}");
            // The same head as words, in numbered groups of four, to read aloud.
            if let Ok(words) = crate::transcript::phrase::encode_hex(head) {
                let groups = crate::transcript::phrase::numbered(&words);
                outln!("head phrase: {}", groups.join("  "));
            }
            let mut unsigned = Vec::new();
            for s in &outcome.signatures {
                match &s.result {
                    Ok(file) => outln!("signed by {} into {}", s.role, file.display()),
                    Err(why) => {
                        errln!("not signed by {}: {}", s.role, for_terminal(why));
                        unsigned.push(s.role.to_string());
                    }
                }
            }
            outln!(
                "verify with: keyrite verify {path} --script {}",
                script_path.display()
            );
            if unsigned.is_empty() {
                EXIT_OK
            } else {
                errln!(
                    "error: the transcript is complete but not valid until {} sign{}",
                    unsigned.join(", "),
                    if unsigned.len() == 1 { "s" } else { "" }
                );
                errln!("  hint: each missing signer runs `keyrite countersign {path} --key THEIR-KEY-FILE`");
                EXIT_FAILED
            }
        }

        End::Aborted { step, reason } => {
            let at = step
                .as_ref()
                .map_or_else(String::new, |s| format!(" at step `{s}`"));
            errln!("aborted{at}: {}", for_terminal(reason));
            errln!("the transcript {path} records the abort (head {head})");
            EXIT_FAILED
        }
        End::Failed { step, error } => {
            errln!(
                "error: step `{step}` could not go on: {}",
                for_terminal(&error.to_string())
            );
            errln!("  hint: the transcript {path} records the failure; fix the cause and run the ceremony again");
            EXIT_FAILED
        }
    }
}
