//! Scripted answers: a YAML file that answers every question by step id.
//!
//! ```yaml
//! attend-1:   { officer: AE, witness-1: BE }      # initials by role
//! check-seal: { officer: AE, witness-1: BE }
//! record-1:   { seal_number: SN-0042 }            # values by field
//! store:      { backup-usb: { site: Vault A, container: Box 3, seal: "0042", holder: Carol } }
//! note-1:     ack                                 # acknowledge a note
//! some-step:  { abort: "witness had to leave" }   # abort at this step, with a reason
//! gen:        { dice: "3 1 6 ..." }                # secret input: dice rolls,
//! split:      { passphrase: "TREZOR" }             # a passphrase (used for both entries),
//! collect:    { custodian-1: "academic acid ..." } # a share entered by a role
//! unlock:     { custodian-1: { key_file: k.asc, passphrase: "..." } } # per role

//! show:       { custodian-1: ack }                 # a holder has written their share down
//! ```
//!
//! Secret answers in such a file are test data by definition: a real secret never goes
//! into a file that is not encrypted. Check words after a share is shown are answered
//! from the words just shown, as a holder would from their written copy.
//!
//! Invariants: the file is read with the same budgets and positions as a script; a key
//! that names no step of the script is an error before anything runs (a typo must not
//! leave a step unanswered); a missing or malformed answer fails naming the step and the
//! answers file's line.

use std::collections::HashMap;
use std::path::Path;

use zeroize::Zeroizing;

use super::{
    FieldKey, Operator, OperatorError, RoleView, SecretAsk, SecretKind, SecretValidator,
    SecretView, Severity, Source, StepView, Validator,
};
use crate::script::de::{did_you_mean, Problem};
use crate::script::source::read_bounded;
use crate::script::types::Initials;
use crate::script::yaml::{self, Budget, Node, NodeKind};

/// Answers read from a file.
pub struct Answers {
    file: String,
    by_step: HashMap<String, Node>,
    last_shown: Option<Zeroizing<String>>,
}

/// Why an answers file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AnswersError {
    /// The file could not be read.
    #[error("cannot read the answers file {file}")]
    Read {
        /// The file.
        file: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a mapping from step ids to answers, or names unknown steps.
    #[error("the answers file {file} has {} problem{}", problems.len(), if problems.len() == 1 { "" } else { "s" })]
    Invalid {
        /// The file.
        file: String,
        /// The problems, with positions.
        problems: Vec<Problem>,
    },
}

// Answers hold test secrets (dice, passphrases, shares) and the words last shown: only
// the file name may appear in `Debug`.
impl std::fmt::Debug for Answers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answers")
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

impl Answers {
    /// Reads `path` and checks that every key is one of `ids`, the steps of the script
    /// at `script` (named in messages).
    pub fn load(path: &Path, script: &Path, ids: &[&str]) -> Result<Answers, AnswersError> {
        let file = path.display().to_string();
        let invalid = |problems: Vec<Problem>| AnswersError::Invalid {
            file: file.clone(),
            problems,
        };
        let bytes = read_bounded(path, Budget::SCRIPT)
            .map_err(|source| AnswersError::Read {
                file: file.clone(),
                source,
            })?
            .map_err(|e| invalid(vec![crate::script::source::load_problem(&e)]))?;
        let text = yaml::decode(&bytes, Budget::SCRIPT)
            .map_err(|e| invalid(vec![crate::script::source::load_problem(&e)]))?;
        let loaded = yaml::load(text, Budget::SCRIPT)
            .map_err(|e| invalid(vec![crate::script::source::load_problem(&e)]))?;
        let NodeKind::Map(entries) = loaded.root.kind else {
            return Err(invalid(vec![Problem::at(
                loaded.root.pos,
                "an answers file is a mapping from step id to answers",
            )]));
        };
        let mut problems = Vec::new();
        let mut by_step = HashMap::new();
        for (k, v) in entries {
            match &k.kind {
                NodeKind::Scalar(id, _) if ids.contains(&id.as_str()) => {
                    by_step.insert(id.clone(), v);
                }
                NodeKind::Scalar(id, _) => {
                    let p = Problem::at(
                        k.pos,
                        format!("`{id}` is not a step of {}", script.display()),
                    );
                    problems.push(match did_you_mean(id, ids) {
                        Some(m) => p.hint(format!("did you mean `{m}`?")),
                        None => p.hint(
                            "`keyrite check` lists the script's steps; keys here are step ids",
                        ),
                    });
                }
                _ => problems.push(Problem::at(k.pos, "a key must be a step id")),
            }
        }
        if !problems.is_empty() {
            return Err(invalid(problems));
        }
        Ok(Answers {
            file,
            by_step,
            last_shown: None,
        })
    }

    fn fail(&self, step: &StepView<'_>, problem: String) -> OperatorError {
        OperatorError::Answer {
            file: self.file.clone(),
            step: step.id.to_string(),
            problem,
        }
    }

    fn entry(&self, step: &StepView<'_>) -> Result<&Node, OperatorError> {
        self.by_step
            .get(step.id.as_str())
            .ok_or_else(|| self.fail(step, "no answers for this step".to_string()))
    }

    fn lookup<'n>(
        &self,
        step: &StepView<'_>,
        node: &'n Node,
        key: &str,
    ) -> Result<&'n Node, OperatorError> {
        match &node.kind {
            NodeKind::Map(entries) => entries
                .iter()
                .find(|(k, _)| matches!(&k.kind, NodeKind::Scalar(s, _) if s == key))
                .map(|(_, v)| v)
                .ok_or_else(|| {
                    self.fail(
                        step,
                        format!("line {}: no answer for `{key}`", node.pos.line),
                    )
                }),
            _ => Err(self.fail(
                step,
                format!(
                    "line {}: expected a mapping with `{key}`, found {}",
                    node.pos.line,
                    node.describe()
                ),
            )),
        }
    }

    fn scalar<'n>(
        &self,
        step: &StepView<'_>,
        node: &'n Node,
        key: &str,
    ) -> Result<&'n str, OperatorError> {
        match &node.kind {
            NodeKind::Scalar(s, _) if !node.is_null() => Ok(s),
            _ => Err(self.fail(
                step,
                format!(
                    "{}: the answer for `{key}` must be text, found {}",
                    node.pos,
                    node.describe()
                ),
            )),
        }
    }
}

impl Operator for Answers {
    fn source(&self) -> Source {
        Source::Answers(self.file.clone())
    }

    fn begin_step(&mut self, step: &StepView<'_>) -> Result<(), OperatorError> {
        if let Some(node) = self.by_step.get(step.id.as_str()) {
            if let Ok(reason) = self.lookup(step, node, "abort") {
                let reason = self.scalar(step, reason, "abort")?;
                return Err(OperatorError::Aborted {
                    reason: reason.to_string(),
                });
            }
        }
        Ok(())
    }

    fn confirm(
        &mut self,
        step: &StepView<'_>,
        role: &RoleView<'_>,
        _statement: &str,
    ) -> Result<Initials, OperatorError> {
        let node = self.lookup(step, self.entry(step)?, role.id.as_str())?;
        let text = self.scalar(step, node, role.id.as_str())?;
        Initials::parse(text).map_err(|e| self.fail(step, format!("{}: {e}", node.pos)))
    }

    fn acknowledge(&mut self, step: &StepView<'_>, _text: &str) -> Result<(), OperatorError> {
        let node = self.entry(step)?;
        match &node.kind {
            NodeKind::Scalar(s, _) if s == "ack" => Ok(()),
            _ => Err(self.fail(
                step,
                format!(
                    "{}: acknowledge a note with `ack`, found {}",
                    node.pos,
                    node.describe()
                ),
            )),
        }
    }

    fn ask_field(
        &mut self,
        step: &StepView<'_>,
        key: &FieldKey,
        _label: &str,
        validate: Validator<'_>,
    ) -> Result<String, OperatorError> {
        let mut node = self.entry(step)?;
        if let Some(item) = &key.item {
            node = self.lookup(step, node, item)?;
        }
        let node = self.lookup(step, node, key.field.as_str())?;
        let value = self.scalar(step, node, &key.to_string())?;
        validate(value).map_err(|e| self.fail(step, format!("{}: `{key}`: {e}", node.pos)))?;
        Ok(value.to_string())
    }

    fn show_secret(
        &mut self,
        step: &StepView<'_>,
        view: &SecretView<'_>,
    ) -> Result<(), OperatorError> {
        let node = self.lookup(step, self.entry(step)?, view.holder.id.as_str())?;
        match &node.kind {
            NodeKind::Scalar(s, _) if s == "ack" => {
                self.last_shown = Some(Zeroizing::new(view.words.expose_secret().to_string()));
                Ok(())
            }
            _ => Err(self.fail(
                step,
                format!(
                    "{}: `{}` confirms the share is written down with `ack`, found {}",
                    node.pos,
                    view.holder.id,
                    node.describe()
                ),
            )),
        }
    }

    fn ask_secret(
        &mut self,
        step: &StepView<'_>,
        ask: &SecretAsk<'_>,
        validate: SecretValidator<'_>,
    ) -> Result<Zeroizing<String>, OperatorError> {
        let (value, what) = match ask.kind {
            SecretKind::CheckWord(n) => {
                let word = self
                    .last_shown
                    .as_ref()
                    .and_then(|w| w.split_whitespace().nth(n.saturating_sub(1)))
                    .ok_or_else(|| {
                        self.fail(step, format!("no share was shown before check word {n}"))
                    })?;
                (Zeroizing::new(word.to_string()), format!("check word {n}"))
            }
            kind => {
                let entry = self.entry(step)?;
                // A role's answers may be a mapping (key file, passphrase, words), so
                // that several people in one step each have their own.
                let role_map = ask.role.as_ref().and_then(|role| {
                    self.lookup(step, entry, role.id.as_str())
                        .ok()
                        .filter(|n| matches!(n.kind, NodeKind::Map(_)))
                });
                let (scope, key) = match (kind, &ask.role, role_map) {
                    (SecretKind::Dice, _, _) => (entry, "dice"),
                    (SecretKind::Passphrase | SecretKind::PassphraseAgain, _, Some(m)) => {
                        (m, "passphrase")
                    }
                    (SecretKind::Passphrase | SecretKind::PassphraseAgain, _, None) => {
                        (entry, "passphrase")
                    }
                    (_, Some(_), Some(m)) => (m, "words"),
                    (_, Some(role), None) => (entry, role.id.as_str()),
                    (_, None, _) => (entry, "share"),
                };
                let node = self.lookup(step, scope, key)?;

                let text = self.scalar(step, node, key)?;
                (
                    Zeroizing::new(text.to_string()),
                    format!("{}: `{key}`", node.pos),
                )
            }
        };
        validate(&value).map_err(|e| self.fail(step, format!("{what}: {e}")))?;
        Ok(value)
    }

    fn inform(&mut self, _step: &StepView<'_>, _severity: Severity, _message: &str) {}
}
