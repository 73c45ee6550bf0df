//! The operator boundary: the only way the engine talks to the people in the room.
//!
//! Three front ends implement [`Operator`]: scripted answers ([`answers`]), line-by-line
//! prompts ([`plain`]) and the terminal UI. The engine asks questions through this trait
//! and never touches a terminal itself.
//!
//! Invariants:
//! - Every question carries the step it belongs to and a stable key (a role id, a field
//!   name, an item and a field), so a scripted answers file can answer it by name and an
//!   error can name the step.
//! - Any question may end in [`OperatorError::Aborted`]: an operator can stop the
//!   ceremony at any prompt, and must give a reason, which is recorded.
//! - Validation of typed values belongs to the engine; the front end only re-asks (an
//!   interactive one) or fails naming the step (a scripted one).

pub mod answers;
pub mod plain;

use zeroize::Zeroizing;

use crate::script::types::{FieldName, Initials, RoleId, StepId};
use crate::slip39::ShareWords;

/// Where a ceremony's answers came from, as the first transcript record states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The terminal UI.
    Tty,
    /// Line-by-line prompts.
    Plain,
    /// A scripted answers file.
    Answers(String),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Tty => f.write_str("tty"),
            Source::Plain => f.write_str("plain"),
            Source::Answers(path) => write!(f, "answers:{path}"),
        }
    }
}

/// What the front end shows about the current step.
#[derive(Clone, Debug)]
pub struct StepView<'a> {
    /// 1-based position in the script.
    pub number: usize,
    /// Number of steps in the script.
    pub total: usize,
    /// The step id.
    pub id: &'a StepId,
    /// The step kind (`attend`, `confirm`, ...).
    pub kind: &'static str,
    /// The title, or a description derived from the kind.
    pub title: &'a str,
}

/// A person asked to confirm something.
#[derive(Clone, Debug)]
pub struct RoleView<'a> {
    /// The role id.
    pub id: &'a RoleId,
    /// The person's name.
    pub name: &'a str,
}

/// The key of a typed-in value: a field, or a field of a storage item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldKey {
    /// The item, for `record_storage`.
    pub item: Option<String>,
    /// The field.
    pub field: FieldName,
}

impl FieldKey {
    /// The key of answer `field` (a constant such as `key_file` or `policy`) about `item`
    /// (a role or a storage item).
    pub fn of_item(item: &str, field: &'static str) -> FieldKey {
        FieldKey {
            item: Some(item.to_string()),
            // Invariant: callers pass constant names in the field-name form (`key_file`).
            field: FieldName::parse(field).expect("a constant field name is valid"),
        }
    }
}

impl std::fmt::Display for FieldKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.item {
            Some(item) => write!(f, "{item}.{}", self.field),
            None => write!(f, "{}", self.field),
        }
    }
}

/// What a secret screen shows to one person.
pub struct SecretView<'a> {
    /// The person it is for; everyone else must look away.
    pub holder: RoleView<'a>,
    /// What it is, such as "share 2 of group 1 (2 of 3 needed) of treasury-shares".
    pub caption: String,
    /// The words. Shown only on a secret screen, never written anywhere.
    pub words: &'a ShareWords,
}

/// What kind of secret input is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretKind {
    /// Dice rolls, as digits 1 to 6.
    Dice,
    /// A passphrase.
    Passphrase,
    /// The passphrase again, to catch a typo.
    PassphraseAgain,
    /// A whole SLIP-39 share.
    Share,
    /// Word `n` (1-based) of the share just shown, typed back from the written copy.
    CheckWord(usize),
}

/// The key of a secret input: what, and from whom.
#[derive(Clone, Debug)]
pub struct SecretAsk<'a> {
    /// What is asked.
    pub kind: SecretKind,
    /// Who types it, when one person does.
    pub role: Option<RoleView<'a>>,
    /// The prompt.
    pub prompt: String,
}

/// A check the engine applies to secret input. Its message never quotes the input.
pub type SecretValidator<'a> = &'a dyn Fn(&str) -> Result<(), String>;

/// A check the engine applies to a typed value; `Err` says what is wrong.
pub type Validator<'a> = &'a dyn Fn(&str) -> Result<(), String>;

/// Why a question got no answer.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    /// The operator stopped the ceremony.
    #[error("aborted by the operator: {reason}")]
    Aborted {
        /// The reason given.
        reason: String,
    },
    /// A scripted answers file has no usable answer for a question.
    #[error("answers file {file}: step `{step}`: {problem}")]
    Answer {
        /// The answers file.
        file: String,
        /// The step asking.
        step: String,
        /// What is missing or wrong.
        problem: String,
    },
    /// A secret would have been shown where it could be copied or recorded.
    #[error("refusing to show a secret: {reason}")]
    NotASecretScreen {
        /// Why the output is not a secret screen.
        reason: String,
    },
    /// The terminal or standard input failed.
    #[error("cannot read the operator's input")]
    Io(#[from] std::io::Error),
}

/// The engine's questions to the people in the room.
pub trait Operator {
    /// Where the answers come from.
    fn source(&self) -> Source;

    /// A step begins: show it. Returning `Aborted` stops before the step does anything.
    fn begin_step(&mut self, step: &StepView<'_>) -> Result<(), OperatorError>;

    /// One person confirms `statement` by typing their initials.
    fn confirm(
        &mut self,
        step: &StepView<'_>,
        role: &RoleView<'_>,
        statement: &str,
    ) -> Result<Initials, OperatorError>;

    /// The operator acknowledges instructions.
    fn acknowledge(&mut self, step: &StepView<'_>, text: &str) -> Result<(), OperatorError>;

    /// The operator types a value; `validate` says whether it is acceptable.
    fn ask_field(
        &mut self,
        step: &StepView<'_>,
        key: &FieldKey,
        label: &str,
        validate: Validator<'_>,
    ) -> Result<String, OperatorError>;

    /// Shows a secret to one person on a secret screen, and waits until they have
    /// written it down. The screen is cleared before anything else is shown.
    fn show_secret(
        &mut self,
        step: &StepView<'_>,
        view: &SecretView<'_>,
    ) -> Result<(), OperatorError>;

    /// Asks for secret input (dice, a passphrase, a share, a check word). The answer is
    /// zeroized when dropped; `validate` says whether it is acceptable.
    fn ask_secret(
        &mut self,
        step: &StepView<'_>,
        ask: &SecretAsk<'_>,
        validate: SecretValidator<'_>,
    ) -> Result<Zeroizing<String>, OperatorError>;

    /// A record was written: the transcript now has `records` records and its last line
    /// hashes to `head`. Front ends that show the head hash keep it; others ignore it.
    fn recorded(&mut self, records: u64, head: &str) {
        let _ = (records, head);
    }

    /// Before the first step: the room compares the script's SHA-256 (and keyrite's own)
    /// with the printed script, then goes on; an operator may abort here. A scripted
    /// front end has no room to show it to.
    fn opening(&mut self, opening: &Opening<'_>) -> Result<(), OperatorError> {
        let _ = opening;
        Ok(())
    }

    /// Something worth telling the room: a fact recorded, an outcome, a problem. The
    /// engine says which (`severity`); a front end never guesses it from the text.
    fn inform(&mut self, step: &StepView<'_>, severity: Severity, message: &str);
}

/// What the room checks before the first step.
#[derive(Clone, Debug)]
pub struct Opening<'a> {
    /// The ceremony's title.
    pub title: &'a str,
    /// The script file as given.
    pub script_path: String,
    /// Hex SHA-256 of the script's bytes.
    pub script_sha256: &'a str,
    /// keyrite's version.
    pub tool_version: &'static str,
    /// Hex SHA-256 of the running keyrite binary, if it could be read.
    pub tool_sha256: Option<&'a str>,
    /// Pre-flight warnings (a device not connected yet).
    pub warnings: &'a [String],
}

impl Opening<'_> {
    /// A hex digest in groups of four, as `keyrite print` lays out the script's on its
    /// cover page.
    pub fn grouped(hex: &str) -> String {
        hex.as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// `hex` in groups of four, eight groups a row: a SHA-256 in two rows that fit 80
    /// columns with a label, on every screen that shows one.
    pub fn rows(hex: &str) -> Vec<String> {
        let grouped = Opening::grouped(hex);
        let groups: Vec<&str> = grouped.split(' ').collect();
        groups.chunks(8).map(|c| c.join(" ")).collect()
    }
}

/// What a message means to the room, as the engine judges it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// A fact or progress: a share accepted so far, a file written, a device's answer.
    Info,
    /// Something the room did succeeded: a check passed, a key unlocked, a signature made.
    Done,
    /// Something was refused or failed; the message says what to do.
    Problem,
}
