//! The printable script's view model: what the officers bring into the room and
//! annotate by hand, built from a checked script.
//!
//! Invariants:
//! - Built only from a script that passes `check` (a resolved [`Script`]), so every role
//!   a row names exists and every step is the step `run` will run, in the same order,
//!   with the same number and id the transcript will record.
//! - The activity of a row is derived from the step's kind and parameters, never
//!   written twice by hand: what the script says is what the paper says.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::script::types::{FieldName, FieldValue, RoleId};
use crate::script::{Script, Step};
use crate::steps::record::label;
use crate::steps::{Action, Values};

/// Blank rows on the exceptions page.
pub const EXCEPTION_ROWS: usize = 15;

/// The printable script.
#[derive(Clone, Debug, Serialize)]
pub struct PrintView {
    /// The cover page.
    pub ceremony: PrintCeremony,
    /// The roles, in script order.
    pub roles: Vec<PrintRole>,
    /// One row per step.
    pub steps: Vec<PrintStep>,
    /// The line numbers of the blank exceptions table.
    pub exception_rows: Vec<usize>,
    /// The keyrite version that printed it.
    pub tool: String,
}

/// The cover page.
#[derive(Clone, Debug, Serialize)]
pub struct PrintCeremony {
    /// The ceremony id.
    pub id: String,
    /// The title.
    pub title: String,
    /// The description.
    pub description: Option<String>,
    /// The script's path as given.
    pub script_path: String,
    /// The script's SHA-256 (the transcript's first record will name it).
    pub script_sha256: String,
    /// The same in groups of eight, for reading aloud and comparing.
    pub script_sha256_groups: String,
    /// How often a recovery rehearsal is due (`90d`).
    pub rehearse_every: Option<String>,
    /// The storage policy in words, for the room to apply by hand too.
    pub storage_policy: Option<String>,
}

/// A role.
#[derive(Clone, Debug, Serialize)]
pub struct PrintRole {
    /// The role id.
    pub id: String,
    /// The person's name.
    pub name: String,
    /// Their certificate's fingerprint.
    pub fingerprint: Option<String>,
    /// The same in groups of four.
    pub fingerprint_groups: Option<String>,
}

/// A person who must act in a step.
#[derive(Clone, Debug, Serialize)]
pub struct Actor {
    /// The role id.
    pub role: String,
    /// The name.
    pub name: String,
    /// `Name (role)`.
    pub label: String,
}

/// One row of the steps table.
#[derive(Clone, Debug, Serialize)]
pub struct PrintStep {
    /// The step's number, from 1.
    pub number: usize,
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its kind.
    pub kind: String,
    /// What happens, in one sentence (empty when the title says it already).
    pub action: String,
    /// What the kind does in general.
    pub doc: String,
    /// Who must act (confirm, hold, enter, sign).
    pub who: Vec<Actor>,
    /// Further lines: the items to store, the shares to show.
    pub details: Vec<String>,
    /// Values to write down by hand as they are typed in.
    pub entries: Vec<String>,
}

impl PrintView {
    /// The printable view of a checked script.
    pub fn build(script: &Script) -> PrintView {
        let docs: Vec<(&str, &str)> = {
            let mut generator = schemars::SchemaGenerator::default();
            Action::schemas(&mut generator)
                .into_iter()
                .map(|(name, doc, _)| (name, doc))
                .collect()
        };
        // A placeholder in a confirmation or note shows as the field's label, for the
        // value is not known before the ceremony.
        let mut values = Values::new();
        // The head and head phrase are keyrite's, shown on screen at that step.
        for (name, shown) in [
            ("head", "[the head shown on screen]"),
            ("head_phrase", "[the head phrase shown on screen]"),
        ] {
            values.insert(name.to_string(), FieldValue::computed(shown.to_string()));
        }
        for step in &script.steps {
            if let Action::Record(r) = &step.action {
                for field in r.fields() {
                    if let Ok(v) = FieldValue::parse(&format!("[{}]", label(field))) {
                        values.insert(field.as_str().to_string(), v);
                    }
                }
            }
        }
        let steps = script
            .steps
            .iter()
            .enumerate()
            .map(|(i, step)| {
                let kind = step.action.kind();
                let mut row = PrintStep {
                    number: i + 1,
                    id: step.id.to_string(),
                    title: step.title.clone(),
                    kind: kind.to_string(),
                    action: step.action.default_title(),
                    doc: docs
                        .iter()
                        .find(|(name, _)| *name == kind)
                        .map(|(_, doc)| (*doc).to_string())
                        .unwrap_or_default(),
                    who: Vec::new(),
                    details: Vec::new(),
                    entries: Vec::new(),
                };
                activity(script, step, &values, &mut row);
                if row.action == row.title {
                    row.action.clear();
                }
                row
            })
            .collect();
        PrintView {
            ceremony: PrintCeremony {
                id: script.id.to_string(),
                title: script.title.clone(),
                description: script.description.clone(),
                script_path: script.path.display().to_string(),
                script_sha256_groups: crate::operator::Opening::grouped(&script.sha256),
                script_sha256: script.sha256.clone(),
                rehearse_every: script.rehearse_every.map(String::from),
                storage_policy: script
                    .storage_policy
                    .as_ref()
                    .map(|p| policy_words(script, p)),
            },
            roles: script
                .roles
                .iter()
                .map(|r| {
                    let fingerprint = r.cert.as_ref().map(|c| c.certificate.fingerprint());
                    PrintRole {
                        id: r.id.to_string(),
                        name: r.name.clone(),
                        fingerprint_groups: fingerprint.as_deref().map(|f| super::hex_groups(f, 4)),
                        fingerprint,
                    }
                })
                .collect(),
            steps,
            exception_rows: (1..=EXCEPTION_ROWS).collect(),
            tool: format!("keyrite {}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// The storage policy as one sentence.
fn policy_words(script: &Script, policy: &crate::script::policy::StoragePolicy) -> String {
    let mut rules = Vec::new();
    if !policy.spread_across.is_empty() {
        let fields: Vec<&str> = policy.spread_across.iter().map(|f| f.as_str()).collect();
        let either = match fields.split_last() {
            Some((last, [])) => last.to_string(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        };
        rules.push(format!(
            "no single {either} may hold a threshold of any group's shares"
        ));
    }
    if policy.seal_required {
        rules.push("every stored item needs a seal number".to_string());
    }
    let who: Vec<String> = policy
        .exceptions_by
        .iter()
        .map(|r| format!("{} ({r})", script.role(r).name))
        .collect();
    format!(
        "{}; an exception is recorded with its reason and confirmed by {}",
        rules.join("; "),
        who.join(" and ")
    )
}

fn actors<'a>(script: &Script, roles: impl IntoIterator<Item = &'a RoleId>) -> Vec<Actor> {
    let mut seen = BTreeSet::new();
    roles
        .into_iter()
        .filter(|r| seen.insert(r.to_string()))
        .map(|r| {
            let name = script.role(r).name.clone();
            Actor {
                label: format!("{name} ({r})"),
                role: r.to_string(),
                name,
            }
        })
        .collect()
}

/// The split that makes `set`, if the script has one.
fn split_of<'a>(script: &'a Script, set: &str) -> Option<&'a crate::steps::split::Split> {
    script.steps.iter().find_map(|s| match &s.action {
        Action::Split(split) if split.share_set() == set => Some(split),
        _ => None,
    })
}

/// Each share of `set` as `<set>-<group>-<member>` with its holder, as `record_storage`
/// names them.
fn shares_of(script: &Script, set: &str) -> Vec<String> {
    let Some(split) = split_of(script, set) else {
        return vec![format!("each share of `{set}`")];
    };
    let mut lines = Vec::new();
    for (g, holders) in split.holders().iter().enumerate() {
        for (m, holder) in holders.iter().enumerate() {
            lines.push(format!(
                "{set}-{}-{}: {} ({holder})",
                g + 1,
                m + 1,
                script.role(holder).name
            ));
        }
    }
    lines
}

fn labels(fields: &[FieldName]) -> Vec<String> {
    fields.iter().map(label).collect()
}

fn activity(script: &Script, step: &Step, values: &Values, row: &mut PrintStep) {
    match &step.action {
        Action::Attend(_) => {
            row.action = "Each person says they are present and gives their initials.".into();
        }
        Action::Confirm(c) => {
            row.action = format!("Confirm: “{}”", c.text().render(values).trim());
        }
        Action::Note(n) => {
            row.action = format!(
                "Read out and acknowledge: “{}”",
                n.text().render(values).trim()
            );
        }
        Action::Record(r) => {
            row.action = "Type in, and write down here:".into();
            row.entries = labels(r.fields());
        }
        Action::RecordStorage(r) => {
            row.action = format!(
                "For each item, type in where it is kept ({}).",
                labels(r.fields()).join(", ")
            );
            row.details = match (r.labels(), r.share_set()) {
                (Some(items), _) => items.to_vec(),
                (None, Some(set)) => shares_of(script, set),
                (None, None) => Vec::new(),
            };
        }
        Action::Split(s) => {
            row.who = actors(script, s.holders().iter().flatten());
        }
        Action::ShowShares(s) => {
            if let Some(split) = split_of(script, s.share_set()) {
                row.who = actors(script, split.holders().iter().flatten());
            }
            row.details = shares_of(script, s.share_set());
        }
        Action::CollectShares(c) => row.who = actors(script, c.holders()),
        Action::SignTranscript(s) => row.who = actors(script, s.signers()),
        _ => {}
    }
    if row.who.is_empty() {
        row.who = actors(script, step.action.confirmers());
    }
}
