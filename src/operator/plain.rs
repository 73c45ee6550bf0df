//! Line-by-line prompts on standard input and output, for a terminal without the UI or
//! for a person driving keyrite through a pipe.
//!
//! At any prompt, `:abort` stops the ceremony; keyrite then asks for the reason, which
//! is recorded. End of input also aborts, with that as the reason.
//!
//! Invariant: invalid input is explained and asked again; nothing typed is recorded
//! until the engine accepts it.

use std::io::{BufRead, Write};

use super::{FieldKey, Operator, OperatorError, RoleView, Source, StepView, Validator};
use crate::script::types::Initials;

/// What the operator types at any prompt to abort.
pub const ABORT_WORD: &str = ":abort";

/// The plain front end over any reader and writer.
pub struct Plain<R, W> {
    input: R,
    output: W,
}

impl<R: BufRead, W: Write> Plain<R, W> {
    /// Prompts on `output`, reads lines from `input`.
    pub fn new(input: R, output: W) -> Self {
        Plain { input, output }
    }

    fn read_line(&mut self, prompt: &str) -> Result<String, OperatorError> {
        write!(self.output, "{prompt}> ")?;
        self.output.flush()?;
        let mut line = String::new();
        if self.input.read_line(&mut line)? == 0 {
            writeln!(self.output)?;
            return Err(OperatorError::Aborted {
                reason: "input ended before the ceremony finished".to_string(),
            });
        }
        let line = line.trim_end_matches(['\n', '\r']).to_string();
        if line.trim() == ABORT_WORD {
            return Err(self.abort_reason()?);
        }
        Ok(line)
    }

    fn abort_reason(&mut self) -> Result<OperatorError, OperatorError> {
        loop {
            write!(self.output, "  reason for aborting the ceremony> ")?;
            self.output.flush()?;
            let mut line = String::new();
            if self.input.read_line(&mut line)? == 0 {
                return Ok(OperatorError::Aborted {
                    reason: "aborted; input ended before a reason was given".to_string(),
                });
            }
            let reason = line.trim();
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
            match parse(&line) {
                Ok(v) => return Ok(v),
                Err(e) => writeln!(self.output, "  ! {e}")?,
            }
        }
    }
}

impl<R: BufRead, W: Write> Operator for Plain<R, W> {
    fn source(&self) -> Source {
        Source::Plain
    }

    fn begin_step(&mut self, step: &StepView<'_>) -> Result<(), OperatorError> {
        writeln!(
            self.output,
            "\n[{}/{}] {} ({})",
            step.number, step.total, step.title, step.id
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
            "  {} ({}), confirm: {statement}",
            role.name, role.id
        )?;
        self.ask_valid(&format!("  {} initials", role.name), Initials::parse)
    }

    fn acknowledge(&mut self, _step: &StepView<'_>, text: &str) -> Result<(), OperatorError> {
        for line in text.lines() {
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
        self.ask_valid(&format!("  {label}"), |s| {
            validate(s).map(|()| s.trim().to_string())
        })
    }

    fn inform(&mut self, _step: &StepView<'_>, message: &str) {
        let _ = writeln!(self.output, "  {message}");
    }
}
