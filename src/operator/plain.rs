//! Line-by-line prompts on standard input and output, for a terminal without the UI or
//! for a person driving keyrite through a pipe.
//!
//! At any prompt, `:abort` or Ctrl-C stops the ceremony; keyrite then asks for the
//! reason, which is recorded. End of input also aborts, with that as the reason, and so
//! do SIGTERM and SIGHUP, naming the signal (see `signals`).
//!
//! Invariants:
//! - Invalid input is explained and asked again; nothing typed is recorded until the
//!   engine accepts it.
//! - A secret is shown only when the output is a terminal: on the alternate screen,
//!   after everyone else is asked to look away, and cleared (with the scrollback)
//!   before anything else is printed. Into a pipe or a file it is refused.
//! - Secret input is read with echo off when the input is a terminal.

use std::io::{BufRead, Write};

use zeroize::Zeroizing;

use super::{
    FieldKey, Opening, Operator, OperatorError, RoleView, SecretAsk, SecretValidator, SecretView,
    Severity, Source, StepView, Validator,
};
use crate::script::types::Initials;
use crate::signals::Signal;

/// What the operator types at any prompt to abort.
pub const ABORT_WORD: &str = ":abort";

/// The plain front end over any reader and writer.
pub struct Plain<R, W> {
    input: R,
    output: W,
    secret_screen: bool,
    intro: Option<String>,
    on_secret_screen: bool,
    confirm_opening: bool,
}

/// Enters the alternate screen and clears it.
const ENTER_SECRET_SCREEN: &str = "\x1b[?1049h\x1b[2J\x1b[H";
/// Clears the screen and the scrollback, then leaves the alternate screen.
const LEAVE_SECRET_SCREEN: &str = "\x1b[2J\x1b[3J\x1b[H\x1b[?1049l";

/// A share's words laid out for copying: numbered, four to a row, the first four letters
/// in capitals (steel plates often hold only those).
pub fn format_words(words: &str) -> Zeroizing<String> {
    use std::fmt::Write as _;
    // Written straight into one pre-sized zeroizing buffer: no copy of a word elsewhere.
    let mut out = Zeroizing::new(String::with_capacity(words.len() * 4 + 64));
    for (i, word) in words.split_whitespace().enumerate() {
        let _ = write!(out, "{:>4}. ", i + 1);
        let mut len = 0;
        for (k, c) in word.chars().enumerate() {
            out.push(if k < 4 { c.to_ascii_uppercase() } else { c });
            len += 1;
        }
        for _ in len..14 {
            out.push(' ');
        }
        if i % 4 == 3 {
            out.push('\n');
        }
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// What a prompt got.
enum Typed {
    /// A line (without its line ending).
    Line(Zeroizing<String>),
    /// A signal arrived while waiting.
    Interrupted(Signal),
    /// The operator typed the abort word.
    Abort,
}

/// Text from the script, a file or a person, made safe for the terminal.
fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    crate::sanitize::for_terminal(text)
}

impl<R: BufRead, W: Write> Plain<R, W> {
    /// Prompts on `output`, reads lines from `input`. `secret_screen` says whether
    /// `output` is a terminal on which a secret may be shown.
    pub fn new(input: R, output: W, secret_screen: bool) -> Self {
        Plain {
            input,
            output,
            secret_screen,
            intro: None,
            on_secret_screen: false,
            confirm_opening: false,
        }
    }

    /// Waits for Enter after showing the hashes the room compares before the first step
    /// (a person at a terminal); otherwise they are only printed.
    pub fn confirm_opening(mut self, confirm: bool) -> Self {
        self.confirm_opening = confirm;
        self
    }

    /// Text shown once, before the first step (after the transcript exists).
    pub fn with_intro(mut self, intro: String) -> Self {
        self.intro = Some(intro);
        self
    }

    fn read_line(&mut self, prompt: &str) -> Result<Zeroizing<String>, OperatorError> {
        match self.read_raw(prompt)? {
            Typed::Line(line) => Ok(line),
            Typed::Interrupted(signal) => Err(self.interrupted(signal)?),
            Typed::Abort => Err(self.abort_reason()?),
        }
    }

    /// One line, or why there is none. The caller asks for an abort reason only after
    /// it has turned echo back on.
    fn read_raw(&mut self, prompt: &str) -> Result<Typed, OperatorError> {
        write!(self.output, "{prompt}> ")?;
        self.output.flush()?;
        let read = crate::fs::read_line_limited(&mut self.input);
        if let Some(signal) = read.as_ref().err().and_then(crate::signals::signalled) {
            return Ok(Typed::Interrupted(signal));
        }
        let Some(line) = read? else {
            writeln!(self.output)?;
            return Err(OperatorError::Aborted {
                reason: "input ended before the ceremony finished".to_string(),
            });
        };
        if line.trim() == ABORT_WORD {
            return Ok(Typed::Abort);
        }
        Ok(Typed::Line(line))
    }

    /// A signal arrived while a person was asked: Ctrl-C asks why, as `:abort` does; a
    /// termination ends the ceremony naming the signal.
    fn interrupted(&mut self, signal: Signal) -> Result<OperatorError, OperatorError> {
        // Nothing more is asked on a secret screen: the share leaves the screen first.
        if self.on_secret_screen {
            self.on_secret_screen = false;
            write!(self.output, "{LEAVE_SECRET_SCREEN}")?;
        }
        if signal != Signal::Int {
            writeln!(self.output, "\n  ! {}", signal.reason())?;
            return Ok(OperatorError::Aborted {
                reason: signal.reason(),
            });
        }
        writeln!(
            self.output,
            "\n  Ctrl-C: the ceremony stops here. Give the reason for the record (Ctrl-C again stops without one)."
        )?;
        Ok(match self.abort_reason()? {
            OperatorError::Aborted { reason } => OperatorError::Aborted {
                reason: format!("interrupted (Ctrl-C): {reason}"),
            },
            other => other,
        })
    }

    fn abort_reason(&mut self) -> Result<OperatorError, OperatorError> {
        loop {
            write!(self.output, "  reason for aborting the ceremony> ")?;
            self.output.flush()?;
            let read = crate::fs::read_line_limited(&mut self.input);
            if let Some(signal) = read.as_ref().err().and_then(crate::signals::signalled) {
                writeln!(self.output)?;
                return Ok(OperatorError::Aborted {
                    reason: match signal {
                        Signal::Int => {
                            "aborted; Ctrl-C again before a reason was given".to_string()
                        }
                        other => other.reason(),
                    },
                });
            }
            let Some(line) = read? else {
                return Ok(OperatorError::Aborted {
                    reason: "aborted; input ended before a reason was given".to_string(),
                });
            };
            let reason = line.trim();
            if let Err(e) = crate::sanitize::check_line(reason) {
                writeln!(self.output, "  ! {e}")?;
                continue;
            }
            if !reason.is_empty() {
                return Ok(OperatorError::Aborted {
                    reason: reason.to_string(),
                });
            }
            writeln!(
                self.output,
                "  ! a reason is required; it goes into the transcript"
            )?;
        }
    }

    fn ask_valid<T>(
        &mut self,
        prompt: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T, OperatorError> {
        loop {
            let line = self.read_line(prompt)?;
            if let Err(e) = crate::sanitize::check_line(&line) {
                writeln!(self.output, "  ! {e}")?;
                continue;
            }
            match parse(&line) {
                Ok(v) => return Ok(v),
                Err(e) => writeln!(self.output, "  ! {}", shown(&e))?,
            }
        }
    }
}

impl<R: BufRead, W: Write> Operator for Plain<R, W> {
    fn source(&self) -> Source {
        Source::Plain
    }

    fn opening(&mut self, opening: &Opening<'_>) -> Result<(), OperatorError> {
        if let Some(intro) = self.intro.take() {
            writeln!(self.output, "{}", shown(&intro))?;
        }
        writeln!(
            self.output,
            "\nBefore the first step, compare with the cover of the printed script (`keyrite print`):"
        )?;
        writeln!(self.output, "  script   {}", shown(&opening.script_path))?;
        for (i, line) in Opening::rows(opening.script_sha256).iter().enumerate() {
            let label = if i == 0 { "SHA-256" } else { "" };
            writeln!(self.output, "  {label:<8} {line}")?;
        }
        writeln!(self.output, "  keyrite  {}", opening.tool_version)?;
        if let Some(tool) = opening.tool_sha256 {
            for (i, line) in Opening::rows(tool).iter().enumerate() {
                let label = if i == 0 { "binary" } else { "" };
                writeln!(self.output, "  {label:<8} {line}")?;
            }
        }
        for w in opening.warnings {
            writeln!(self.output, "  ! {}", shown(w))?;
        }
        if self.confirm_opening {
            self.read_line("  press Enter when the room has compared them")?;
        }
        Ok(())
    }

    fn begin_step(&mut self, step: &StepView<'_>) -> Result<(), OperatorError> {
        if let Some(intro) = self.intro.take() {
            writeln!(self.output, "{}", shown(&intro))?;
        }
        writeln!(
            self.output,
            "\n[{}/{}] {} ({})",
            step.number,
            step.total,
            shown(step.title),
            step.id
        )?;
        Ok(())
    }

    fn confirm(
        &mut self,
        _step: &StepView<'_>,
        role: &RoleView<'_>,
        statement: &str,
    ) -> Result<Initials, OperatorError> {
        writeln!(
            self.output,
            "  {} ({}), confirm: {}",
            shown(role.name),
            role.id,
            shown(statement)
        )?;
        self.ask_valid(&format!("  {} initials", shown(role.name)), Initials::parse)
    }

    fn acknowledge(&mut self, _step: &StepView<'_>, text: &str) -> Result<(), OperatorError> {
        for line in shown(text).lines() {
            writeln!(self.output, "  {line}")?;
        }
        self.read_line("  press Enter to acknowledge").map(|_| ())
    }

    fn ask_field(
        &mut self,
        _step: &StepView<'_>,
        _key: &FieldKey,
        label: &str,
        validate: Validator<'_>,
    ) -> Result<String, OperatorError> {
        self.ask_valid(&format!("  {}", shown(label)), |s| {
            validate(s).map(|()| s.trim().to_string())
        })
    }

    fn show_secret(
        &mut self,
        _step: &StepView<'_>,
        view: &SecretView<'_>,
    ) -> Result<(), OperatorError> {
        if !self.secret_screen {
            return Err(OperatorError::NotASecretScreen {
                reason: "standard output is not a terminal, and a share must never go into a pipe or a file".to_string(),
            });
        }
        let who = format!("{} ({})", shown(view.holder.name), view.holder.id);
        writeln!(
            self.output,
            "  The next screen is for {who} only. Everyone else, please look away."
        )?;
        self.read_line(&format!(
            "  {who}, press Enter when only you can see the screen"
        ))?;
        write!(self.output, "{ENTER_SECRET_SCREEN}")?;
        self.on_secret_screen = true;
        let shown = (|| -> Result<(), OperatorError> {
            writeln!(
                self.output,
                "SECRET: for {who} only. Everyone else, look away.\n"
            )?;
            writeln!(self.output, "{}\n", shown(&view.caption))?;
            self.output
                .write_all(format_words(view.words.expose_secret()).as_bytes())?;
            writeln!(self.output, "\nWrite every word down, in order. The first four letters (capitals) are enough on steel.")?;
            // The same question as the terminal UI's: one stray Enter must not close
            // the share before it is copied.
            let count = view.words.expose_secret().split_whitespace().count();
            loop {
                let answer = self.read_line(&format!(
                    "Have you written all {count} words, in order? Type y to close the secret screen, n to keep looking"
                ))?;
                match answer.trim() {
                    "y" | "Y" | "yes" => return Ok(()),
                    _ => writeln!(self.output, "  The share stays on the screen.")?,
                }
            }
        })();
        if std::mem::take(&mut self.on_secret_screen) {
            write!(self.output, "{LEAVE_SECRET_SCREEN}")?;
        }
        self.output.flush()?;
        shown
    }

    fn ask_secret(
        &mut self,
        _step: &StepView<'_>,
        ask: &SecretAsk<'_>,
        validate: SecretValidator<'_>,
    ) -> Result<Zeroizing<String>, OperatorError> {
        loop {
            let typed = {
                let _echo = crate::hygiene::EchoOff::stdin();
                self.read_raw(&format!("  {}", shown(&ask.prompt)))?
            };
            // Echo is on again before an abort reason is asked for.
            let line = match typed {
                Typed::Line(line) => line,
                Typed::Interrupted(signal) => return Err(self.interrupted(signal)?),
                Typed::Abort => return Err(self.abort_reason()?),
            };
            if let Err(e) = crate::sanitize::check_line(&line) {
                writeln!(self.output, "  ! {e}")?;
                continue;
            }
            match validate(&line) {
                Ok(()) => return Ok(line),
                Err(e) => writeln!(self.output, "  ! {}", shown(&e))?,
            }
        }
    }

    fn inform(&mut self, _step: &StepView<'_>, severity: Severity, message: &str) {
        let mark = match severity {
            Severity::Info => " ",
            Severity::Done => "✓",
            Severity::Problem => "!",
        };
        let _ = writeln!(self.output, "  {mark} {}", shown(message));
    }
}
