//! Step kinds: one file each, holding the kind's syntax, its checks and how it runs.
//!
//! A kind is a type implementing [`StepKind`]; [`step_kinds!`] lists them once and makes
//! the [`Action`] enum, the decoder and the schema from that list. Adding a kind is one
//! new file and one line in the list.
//!
//! Invariants:
//! - `resolve` turns syntax into a value whose references are checked: a resolved step
//!   only names roles that exist and values an earlier step defines.
//! - `run` writes every fact to the transcript through [`StepContext::record`] before it
//!   asks the next question; it never writes a secret there.

pub mod attend;
pub mod check_shares;
pub mod collect_shares;
pub mod confirm;
pub mod device;
pub mod earlier_shares;
pub mod encrypt_shares;
pub mod files;
pub mod fingerprint;
pub mod generate_secret;
pub mod initials;
mod needs;
pub mod note;
pub mod protect_file;
pub mod record;
pub mod record_storage;
pub mod recover;
pub mod show_shares;
pub mod sign_transcript;
pub mod split;
pub mod unlock;
pub mod unprotect_file;
pub mod verify_secret;
pub mod void_shares;
pub mod wipe;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use crate::operator::{FieldKey, Operator, OperatorError, RoleView, Severity, StepView};
use crate::script::de::{did_you_mean, from_node_reporting_all, Problem, Problems, Spanned};
use crate::script::types::{FieldName, FieldValue, RoleId, SecretName, StepId};
use crate::script::yaml::{Node, Pos};
use crate::script::{Role, Script};
use crate::transcript::events::Event;
use crate::transcript::{TranscriptError, Writer};
use crate::vault::Vault;
pub use needs::Needs;

/// One kind of step.
pub trait StepKind: Sized {
    /// The key that names the kind in a script.
    const NAME: &'static str;
    /// One sentence for the reference and for editors: what the step does.
    const DOC: &'static str;
    /// What the script writes after the key.
    type Syntax: DeserializeOwned + JsonSchema;
    /// Checks the syntax against the script so far and returns the resolved step.
    /// Problems go to `cx`; `None` means at least one was found.
    fn resolve(syntax: Self::Syntax, cx: &mut Resolver<'_>) -> Option<Self>;
    /// A title for a step that has none.
    fn default_title(&self) -> String;
    /// Runs the step.
    fn run(&self, cx: &mut StepContext<'_>) -> Result<(), StepError>;
    /// The roles who confirm in this step, in the order they are asked (a front end
    /// shows who has confirmed and who has not).
    fn confirmers(&self) -> &[RoleId] {
        &[]
    }

    /// What the step will need before it runs (secrets on the terminal, files it
    /// creates, a device), so that pre-flight can refuse a ceremony that would stop
    /// halfway. Most steps need nothing.
    fn needs(&self, script: &crate::script::Script) -> crate::steps::Needs {
        let _ = script;
        crate::steps::Needs::default()
    }
}

macro_rules! step_kinds {
    ($($module:ident :: $ty:ident),* $(,)?) => {
        /// A resolved step's action: one variant per kind.
        #[derive(Debug)]
        pub enum Action {
            $(
                #[doc = concat!("A `", stringify!($module), "` step.")]
                $ty($module::$ty),
            )*
        }

        /// The names of all step kinds, in the order the reference lists them.
        pub const KINDS: &[&str] = &[$(<$module::$ty as StepKind>::NAME),*];

        impl Action {
            /// Decodes and resolves the action under key `kind`; `None` if `kind` is not
            /// a step kind, `Some(None)` if it is but has problems.
            pub fn resolve(kind: &str, node: &Node, cx: &mut Resolver<'_>) -> Option<Option<Action>> {
                match kind {
                    $(<$module::$ty as StepKind>::NAME => Some(
                        cx.decode::<<$module::$ty as StepKind>::Syntax>(node)
                            .and_then(|syntax| <$module::$ty as StepKind>::resolve(syntax, cx))
                            .map(Action::$ty),
                    ),)*
                    _ => None,
                }
            }

            /// The kind's name.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(Action::$ty(_) => <$module::$ty as StepKind>::NAME,)*
                }
            }

            /// A title for a step that has none.
            pub fn default_title(&self) -> String {
                match self {
                    $(Action::$ty(s) => s.default_title(),)*
                }
            }

            /// The roles who confirm in this step, in order.
            pub fn confirmers(&self) -> &[RoleId] {
                match self {
                    $(Action::$ty(s) => s.confirmers(),)*
                }
            }

            /// What the step will need, for pre-flight.
            pub fn needs(&self, script: &crate::script::Script) -> crate::steps::Needs {
                match self {
                    $(Action::$ty(s) => s.needs(script),)*
                }
            }

            /// Runs the step.
            pub fn run(&self, cx: &mut StepContext<'_>) -> Result<(), StepError> {
                match self {
                    $(Action::$ty(s) => s.run(cx),)*
                }
            }

            /// The JSON Schema of each kind's syntax, by name.
            pub fn schemas(generator: &mut schemars::SchemaGenerator) -> Vec<(&'static str, &'static str, schemars::Schema)> {
                vec![$((
                    <$module::$ty as StepKind>::NAME,
                    <$module::$ty as StepKind>::DOC,
                    generator.subschema_for::<<$module::$ty as StepKind>::Syntax>(),
                )),*]
            }
        }
    };
}

step_kinds! {
    attend::Attend,
    confirm::Confirm,
    record::Record,
    record_storage::RecordStorage,
    note::Note,
    generate_secret::GenerateSecret,
    split::Split,
    fingerprint::Fingerprint,
    encrypt_shares::EncryptShares,
    protect_file::ProtectFile,
    unprotect_file::UnprotectFile,

    show_shares::ShowShares,
    check_shares::CheckShares,
    collect_shares::CollectShares,
    recover::Recover,
    verify_secret::VerifySecret,
    void_shares::VoidShares,
    wipe::Wipe,
    device::Device,
    sign_transcript::SignTranscript,
}

/// What a name defined by a step stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    /// A value typed in by a `record` step.
    Field,
    /// A secret in the vault (generated or recovered).
    Secret,
    /// The shares of a split.
    ShareSet,
    /// Shares entered by holders, to recover from.
    Collection,
    /// Shares their holders checked (public facts only), for `record_storage`.
    CheckedShares,
}

impl NameKind {
    fn describe(self) -> &'static str {
        match self {
            NameKind::Field => "recorded field",
            NameKind::Secret => "secret",
            NameKind::ShareSet => "share set",
            NameKind::Collection => "collection of entered shares",
            NameKind::CheckedShares => "list of checked shares",
        }
    }
}

#[derive(Clone, Debug)]
struct Defined {
    kind: NameKind,
    pos: Pos,
    step: StepId,
    wiped_by: Option<StepId>,
}

/// The state of checking: roles, names defined so far, and where problems go.
pub struct Resolver<'a> {
    base: &'a Path,
    roles: &'a [Role],
    declared: &'a [String],
    problems: &'a Problems,
    names: HashMap<String, Defined>,
    holders: HashMap<String, Vec<RoleId>>,
    split_secrets: Vec<String>,
    step: StepId,
    storage_policy: Option<&'a crate::script::policy::StoragePolicy>,
    uncertain: std::cell::RefCell<std::collections::HashSet<String>>,
    failed_certs: &'a [RoleId],
    people: &'a crate::script::People,
}

impl<'a> Resolver<'a> {
    /// A resolver over the script's roles. `declared` are all role ids written under
    /// `roles:`, including those with problems of their own (already reported), so that
    /// steps naming them are not reported again.
    pub fn new(
        base: &'a Path,
        roles: &'a [Role],
        declared: &'a [String],
        problems: &'a Problems,
    ) -> Resolver<'a> {
        Resolver {
            base,
            roles,
            declared,
            problems,
            names: HashMap::new(),
            holders: HashMap::new(),
            split_secrets: Vec::new(),
            step: StepId::parse("start")
                .unwrap_or_else(|_| unreachable!("`start` is a valid step id")),
            storage_policy: None,
            uncertain: Default::default(),
            failed_certs: &[],
            people: crate::script::People::none(),
        }
    }

    /// Sets the roles whose `cert` is written but could not be used (already reported):
    /// steps do not report them again as roles without a certificate.
    pub fn with_failed_certs(mut self, roles: &'a [RoleId]) -> Resolver<'a> {
        self.failed_certs = roles;
        self
    }

    /// Sets which roles are the same person, for steps that need distinct people.
    pub fn with_people(mut self, people: &'a crate::script::People) -> Resolver<'a> {
        self.people = people;
        self
    }

    /// Whether `role`'s certificate file is written but could not be used (already
    /// reported where it is written).
    pub fn cert_failed(&self, role: &RoleId) -> bool {
        self.failed_certs.contains(role)
    }

    /// Why roles `a` and `b` are one person (same certificate, user id or name), unless
    /// the script allows it for this pair with `same_person_allowed`.
    pub fn same_person(&self, a: &RoleId, b: &RoleId) -> Option<&str> {
        self.people.same_unallowed(a, b)
    }

    /// Marks every value written in a step that could not be read as possibly defined:
    /// its problem is reported, and later references to the names it may define are not
    /// reported again.
    pub fn unsure_of(&self, node: &Node) {
        fn walk(node: &Node, out: &mut std::collections::HashSet<String>) {
            match &node.kind {
                crate::script::yaml::NodeKind::Scalar(s, _) => {
                    out.insert(s.clone());
                }
                crate::script::yaml::NodeKind::Seq(items) => {
                    items.iter().for_each(|n| walk(n, out));
                }
                crate::script::yaml::NodeKind::Map(entries) => {
                    entries.iter().for_each(|(_, v)| walk(v, out));
                }
            }
        }
        walk(node, &mut self.uncertain.borrow_mut());
    }

    /// Whether `name` may have been defined by a step that could not be read.
    pub fn is_unsure(&self, name: &str) -> bool {
        !self.names.contains_key(name) && self.uncertain.borrow().contains(name)
    }

    /// Sets the script's storage policy, which `record_storage` steps are checked against.
    pub fn with_storage_policy(
        mut self,
        policy: Option<&'a crate::script::policy::StoragePolicy>,
    ) -> Resolver<'a> {
        self.storage_policy = policy;
        self
    }

    /// The script's storage policy, if it has one.
    pub fn storage_policy(&self) -> Option<&'a crate::script::policy::StoragePolicy> {
        self.storage_policy
    }

    /// A path written in the script, relative to the script's folder. Names with `..`
    /// are allowed: a script may name files next to it or above it.
    pub fn script_path(&self, written: &str) -> PathBuf {
        self.base.join(written)
    }

    /// Sets the step being checked, for messages.
    pub fn enter_step(&mut self, id: StepId) {
        self.step = id;
    }

    /// Records a problem.
    pub fn problem(&self, problem: Problem) {
        self.problems.borrow_mut().push(problem);
    }

    /// Decodes a node with serde, recording every problem if it fails.
    pub fn decode<T: DeserializeOwned>(&self, node: &Node) -> Option<T> {
        let decoded = from_node_reporting_all::<T>(node, self.problems);
        if decoded.is_none() {
            self.unsure_of(node);
        }
        decoded
    }

    /// Resolves a role reference.
    pub fn role(&self, name: &Spanned<String>) -> Option<RoleId> {
        if let Some(role) = self.roles.iter().find(|r| r.id.as_str() == name.value) {
            return Some(role.id.clone());
        }
        if self.declared.contains(&name.value) {
            return None;
        }
        let ids: Vec<&str> = self.roles.iter().map(|r| r.id.as_str()).collect();
        let p = Problem::at(name.pos, format!("unknown role `{}`", name.value));
        self.problem(match (did_you_mean(&name.value, &ids), ids.is_empty()) {
            (Some(m), _) => p.hint(format!("did you mean `{m}`?")),
            (None, true) => p.hint("define the role under `roles:`"),
            (None, false) => p.hint(format!(
                "roles are defined under `roles:`; this script has {}",
                crate::script::de::one_of(&ids)
            )),
        });
        None
    }

    /// Resolves a non-empty list of distinct roles.
    pub fn roles(&self, list: &Spanned<Vec<Spanned<String>>>, what: &str) -> Option<Vec<RoleId>> {
        if list.value.is_empty() {
            self.problem(
                Problem::at(list.pos, format!("{what} is an empty list"))
                    .hint("name at least one role"),
            );
            return None;
        }
        let mut out: Vec<RoleId> = Vec::with_capacity(list.value.len());
        let mut ok = true;
        for name in &list.value {
            match self.role(name) {
                Some(id) if out.contains(&id) => {
                    self.problem(
                        Problem::at(name.pos, format!("role `{id}` is listed twice"))
                            .hint("each person confirms once; remove the repeat"),
                    );
                    ok = false;
                }
                Some(id) => out.push(id),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// Defines a name for later steps; a second definition is a problem.
    pub fn define(&mut self, name: &str, pos: Pos, kind: NameKind) -> bool {
        if kind == NameKind::Field && BUILT_IN_FIELDS.contains(&name) {
            self.problem(
                Problem::at(pos, format!("`{name}` is a built-in field: texts quote it as `{{{name}}}` and keyrite fills it in"))
                    .hint("choose another name for this field"),
            );
            return false;
        }
        if let Some(first) = self.names.get(name) {
            self.problem(
                Problem::at(
                    pos,
                    format!(
                        "`{name}` is already defined as a {} by step `{}` at line {}",
                        first.kind.describe(),
                        first.step,
                        first.pos.line
                    ),
                )
                .hint("names are defined once per script; choose another name"),
            );
            return false;
        }
        self.names.insert(
            name.to_string(),
            Defined {
                kind,
                pos,
                step: self.step.clone(),
                wiped_by: None,
            },
        );
        true
    }

    /// Remembers who holds the shares of a share set, for steps that use the holders.
    pub fn set_holders(&mut self, set: &str, holders: Vec<RoleId>) {
        self.holders.insert(set.to_string(), holders);
    }

    /// Remembers that an earlier step splits `secret` into new shares.
    pub fn set_split(&mut self, secret: &str) {
        self.split_secrets.push(secret.to_string());
    }

    /// Whether an earlier step splits `secret`.
    pub fn was_split(&self, secret: &str) -> bool {
        self.split_secrets.iter().any(|s| s == secret)
    }

    /// The holders of a share set's shares, in share order.
    pub fn holders(&self, set: &str) -> &[RoleId] {
        self.holders.get(set).map_or(&[], Vec::as_slice)
    }

    /// The role with this id, if the script defines it.
    pub fn role_def(&self, id: &RoleId) -> Option<&Role> {
        self.roles.iter().find(|r| &r.id == id)
    }

    /// Marks a name as wiped: later steps may no longer use it.
    pub fn wipe(&mut self, name: &str) {
        let step = self.step.clone();
        if let Some(d) = self.names.get_mut(name) {
            d.wiped_by = Some(step);
        }
    }

    /// The kind of a defined, not yet wiped name.
    pub fn kind_of(&self, name: &str) -> Option<NameKind> {
        self.names
            .get(name)
            .filter(|d| d.wiped_by.is_none())
            .map(|d| d.kind)
    }

    /// Checks that `name` was defined by an earlier step as a `kind`.
    pub fn reference(&self, name: &str, pos: Pos, kind: NameKind) -> bool {
        match self.names.get(name) {
            Some(Defined {
                wiped_by: Some(step),
                ..
            }) => {
                self.problem(
                    Problem::at(
                        pos,
                        format!("`{name}` was wiped by step `{step}` and can no longer be used"),
                    )
                    .hint("move this step before the `wipe`, or recover the secret again"),
                );
                false
            }
            Some(d) if d.kind == kind => true,
            Some(d) => {
                self.problem(Problem::at(
                    pos,
                    format!(
                        "`{name}` is a {}, not a {}",
                        d.kind.describe(),
                        kind.describe()
                    ),
                ));
                false
            }
            None if self.uncertain.borrow().contains(name) => false,
            None => {
                let known: Vec<&str> = self
                    .names
                    .iter()
                    .filter(|(_, d)| d.kind == kind)
                    .map(|(n, _)| n.as_str())
                    .collect();
                let p = Problem::at(pos, format!("`{name}` is not defined by any earlier step"));
                self.problem(match did_you_mean(name, &known) {
                    Some(m) => p.hint(format!("did you mean `{m}`?")),
                    None => p.hint(format!(
                        "a {} must be defined by a step before the one that uses it",
                        kind.describe()
                    )),
                });
                false
            }
        }
    }

    /// Resolves a reference to a secret, share set or collection by name.
    pub fn named(&self, name: &Spanned<SecretName>, kind: NameKind) -> Option<String> {
        self.reference(name.value.as_str(), name.pos, kind)
            .then(|| name.value.as_str().to_string())
    }

    /// Defines a secret, share set or collection name.
    pub fn define_named(&mut self, name: &Spanned<SecretName>, kind: NameKind) -> Option<String> {
        self.define(name.value.as_str(), name.pos, kind)
            .then(|| name.value.as_str().to_string())
    }

    /// Parses text with `{field}` placeholders and checks each one.
    pub fn text(&self, text: &Spanned<String>) -> Option<Text> {
        if text.value.trim().is_empty() {
            self.problem(
                Problem::at(text.pos, "the text is empty")
                    .hint("write what the room reads or confirms here"),
            );
            return None;
        }
        match Text::parse(&text.value) {
            Ok(parsed) => {
                let mut ok = true;
                for name in parsed.placeholders() {
                    if BUILT_IN_FIELDS.contains(&name) && !self.names.contains_key(name) {
                        continue;
                    }
                    ok &= self.reference(name, text.pos, NameKind::Field);
                }
                ok.then_some(parsed)
            }
            Err(e) => {
                self.problem(
                    Problem::at(text.pos, e).hint("write `{{` and `}}` for literal braces"),
                );
                None
            }
        }
    }
}

/// Fields every text may quote without a step recording them: the transcript's current
/// head hash and its head phrase, which the engine fills in when the text is shown.
pub const BUILT_IN_FIELDS: &[&str] = &["head", "head_phrase"];

/// Text that may quote values recorded earlier, as `{field}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text(Vec<TextPart>);

#[derive(Clone, Debug, PartialEq, Eq)]
enum TextPart {
    Literal(String),
    Field(String),
}

impl Text {
    /// Parses `{name}` placeholders; `{{` and `}}` are literal braces.
    pub fn parse(s: &str) -> Result<Text, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    let mut closed = false;
                    for c in chars.by_ref() {
                        if c == '}' {
                            closed = true;
                            break;
                        }
                        name.push(c);
                    }
                    if !closed {
                        return Err(format!("`{{{name}` has no closing `}}`"));
                    }
                    if FieldName::parse(&name).is_err() {
                        return Err(format!(
                            "`{{{name}}}` is not a placeholder such as `{{seal_number}}`"
                        ));
                    }
                    if !literal.is_empty() {
                        parts.push(TextPart::Literal(std::mem::take(&mut literal)));
                    }
                    parts.push(TextPart::Field(name));
                }
                '}' => return Err("a `}` has no matching `{`".to_string()),
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(TextPart::Literal(literal));
        }
        Ok(Text(parts))
    }

    fn placeholders(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|p| match p {
            TextPart::Field(n) => Some(n.as_str()),
            TextPart::Literal(_) => None,
        })
    }

    /// The text with recorded values filled in.
    pub fn render(&self, values: &Values) -> String {
        self.0
            .iter()
            .map(|p| match p {
                TextPart::Literal(s) => s.as_str(),
                TextPart::Field(n) => values.get(n).map_or("(not recorded)", FieldValue::as_str),
            })
            .collect()
    }
}

/// Values recorded so far in a run, by field name.
pub type Values = HashMap<String, FieldValue>;

/// Why a step could not finish.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// The operator aborted, or an answer was missing or unusable.
    #[error(transparent)]
    Operator(#[from] OperatorError),
    /// The transcript could not be written: the ceremony must stop.
    #[error(transparent)]
    Transcript(#[from] TranscriptError),
    /// The step found something wrong (a fingerprint mismatch, too few shares).
    #[error("{message}")]
    Failed {
        /// What went wrong, for the room and the transcript.
        message: String,
    },
}

impl StepError {
    /// A step failure with a message.
    pub fn failed(message: impl Into<String>) -> StepError {
        StepError::Failed {
            message: message.into(),
        }
    }
}

/// What a running step can use.
pub struct StepContext<'a> {
    /// The script.
    pub script: &'a Script,
    /// The step as the operator sees it.
    pub view: StepView<'a>,
    /// The front end.
    pub operator: &'a mut dyn Operator,
    /// Values recorded so far.
    pub values: &'a mut Values,
    /// The secrets of this run.
    pub vault: &'a mut Vault,
    /// Public facts computed so far: fingerprints by secret name.
    pub fingerprints: &'a mut HashMap<String, String>,
    /// Public facts: shares their holders checked, by the name `check_shares` gave them.
    pub checked_shares: &'a mut HashMap<String, check_shares::CheckedShares>,
    /// Where steps write files (`--out`).
    pub out: &'a std::path::Path,
    /// The records folder (`--records`), where earlier ceremonies' transcripts are.
    pub records: &'a std::path::Path,
    pub(crate) transcript: &'a mut Writer,
}

impl<'a> StepContext<'a> {
    /// Writes a record for this step and syncs it before returning.
    pub fn record<E: Event>(&mut self, event: &E) -> Result<(), StepError> {
        self.transcript.write(Some(self.view.id), event)?;
        self.operator
            .recorded(self.transcript.next_seq(), self.transcript.head_hash());
        Ok(())
    }

    /// Asks the operator to type a value for `key` and checks its form.
    pub fn ask_value(&mut self, key: &FieldKey, label: &str) -> Result<FieldValue, StepError> {
        let typed = self.operator.ask_field(&self.view, key, label, &|s| {
            FieldValue::parse(s).map(|_| ())
        })?;
        FieldValue::parse(&typed).map_err(|problem| {
            StepError::Operator(OperatorError::Answer {
                file: self.operator.source().to_string(),
                step: self.view.id.to_string(),
                problem: format!("{key}: {problem}"),
            })
        })
    }

    /// The secret called `name`, or a failure if it was wiped.
    pub fn secret(&self, name: &str) -> Result<&crate::slip39::MasterSecret, StepError> {
        self.vault.secret(name).ok_or_else(|| {
            StepError::failed(format!(
                "the secret `{name}` is not in memory (was it wiped?)"
            ))
        })
    }

    /// Tells the room a fact or progress.
    pub fn inform(&mut self, message: &str) {
        self.operator.inform(&self.view, Severity::Info, message);
    }

    /// Tells the room that what it did succeeded (a check passed, a key unlocked).
    pub fn done(&mut self, message: &str) {
        self.operator.inform(&self.view, Severity::Done, message);
    }

    /// Tells the room that something was refused or failed, and what to do.
    pub fn problem(&mut self, message: &str) {
        self.operator.inform(&self.view, Severity::Problem, message);
    }

    /// The role with this id. Resolution guarantees it exists.
    pub fn role(&self, id: &RoleId) -> RoleView<'a> {
        let script: &'a Script = self.script;
        let role = script.role(id);
        RoleView {
            id: &role.id,
            name: &role.name,
        }
    }
}
