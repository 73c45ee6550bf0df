//! `record_storage`: for each item, where it is kept (site, container, seal, holder, or
//! the fields the script lists) is typed in and recorded.
//!
//! With a `storage_policy` in the script, each location is checked as it is typed: a
//! placement that would put a threshold of a group's shares at one site, container or
//! holder, or an item without a seal number, is refused (`storage_refused`) with the
//! reason. The room then gives another place, or records an exception (`policy_exception`)
//! with its reason, confirmed by the initials of every role in `exceptions_by`.
//!
//! Invariants: each item's location is one durable `stored` record, so the custody
//! registry can be rebuilt from transcripts alone; a location that breaks the policy is
//! never stored without a `policy_exception` record before it.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::record::label;
use super::NameKind;
use super::{Resolver, StepContext, StepError, StepKind};
use crate::operator::FieldKey;
use crate::script::de::{Problem, Spanned};
use crate::script::policy::{
    check_placement, same_place, Placed, StoragePolicy, Violation, SEAL_FIELD,
};
use crate::script::types::{FieldName, FieldValue, RoleId, SecretName};
use crate::transcript::events;

/// The items whose storage is recorded: a list of labels, or a share set (each share).
#[derive(JsonSchema)]
#[schemars(untagged)]
pub enum ItemsSyntax {
    /// Every share of a split, by the share set's name.
    ShareSet(SecretName),
    /// Items by label, such as `[laptop, backup-usb]`.
    Labels(Vec<Spanned<String>>),
}

impl<'de> Deserialize<'de> for ItemsSyntax {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ItemsSyntax;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a share set's name or a list of item labels")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ItemsSyntax, E> {
                SecretName::parse(v)
                    .map(ItemsSyntax::ShareSet)
                    .map_err(E::custom)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<ItemsSyntax, A::Error> {
                let mut labels = Vec::new();
                while let Some(label) = seq.next_element::<Spanned<String>>()? {
                    labels.push(label);
                }
                Ok(ItemsSyntax::Labels(labels))
            }
        }
        d.deserialize_any(V)
    }
}

/// What a script writes for `record_storage`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordStorageSyntax {
    /// The items: a list of labels such as `[laptop, backup-usb]`, or a share set's name.
    items: Spanned<ItemsSyntax>,
    /// The fields typed in for each item; `[site, container, seal, holder]` if omitted.
    #[serde(default)]
    fields: Option<Spanned<Vec<Spanned<FieldName>>>>,
}

/// What is stored.
#[derive(Debug)]
enum Items {
    Labels(Vec<String>),
    ShareSet(String),
    /// Shares a `check_shares` step verified, going back into storage.
    Checked(String),
}

/// A resolved `record_storage` step.
#[derive(Debug)]
pub struct RecordStorage {
    items: Items,
    fields: Vec<FieldName>,
}

/// One item to place, with what the transcript says about it.
struct Item {
    label: String,
    share: Option<ShareRef>,
}

struct ShareRef {
    set: String,
    group: usize,
    member: usize,
    holder: RoleId,
    digest: String,
    threshold: usize,
    identifier: u16,
}

impl ShareRef {
    /// The share as its records name it (the threshold and identifier are for the
    /// policy, not the record).
    fn recorded(&self) -> events::ShareRef {
        events::ShareRef {
            set: self.set.clone(),
            group: self.group as u64,
            member: self.member as u64,
            holder: self.holder.to_string(),
            digest: self.digest.clone(),
        }
    }
}

/// Keys of the room's answer when a placement is refused.
const CHOICE_FIELD: &str = "policy";
const REASON_FIELD: &str = "exception_reason";
/// The choices offered when a placement is refused.
const ANOTHER: &str = "another";
const EXCEPTION: &str = "exception";
/// Refusals of one item before the step gives up (a scripted answer cannot change).
const MAX_REFUSALS: usize = 3;

/// The storage fields when a script names none.
pub const DEFAULT_FIELDS: &[&str] = &["site", "container", "seal", "holder"];

fn check_distinct<T: PartialEq + std::fmt::Display>(
    list: &Spanned<Vec<Spanned<T>>>,
    what: &str,
    cx: &Resolver<'_>,
) -> bool {
    if list.value.is_empty() {
        cx.problem(
            Problem::at(list.pos, format!("`{what}` is an empty list"))
                .hint(format!("name at least one of the {what}")),
        );
        return false;
    }
    let mut ok = true;
    for (i, x) in list.value.iter().enumerate() {
        if list.value[..i].iter().any(|y| y.value == x.value) {
            cx.problem(Problem::at(
                x.pos,
                format!("`{}` is listed twice in `{what}`", x.value),
            ));
            ok = false;
        }
    }
    ok
}

// Read-only access for `keyrite print`.
impl RecordStorage {
    /// The items' labels, when the items are listed by label.
    pub fn labels(&self) -> Option<&[String]> {
        match &self.items {
            Items::Labels(labels) => Some(labels),
            Items::ShareSet(_) | Items::Checked(_) => None,
        }
    }

    /// The share set, when the items are its shares (or the shares a `check_shares` step
    /// checked).
    pub fn share_set(&self) -> Option<&str> {
        match &self.items {
            Items::ShareSet(set) | Items::Checked(set) => Some(set),
            Items::Labels(_) => None,
        }
    }

    /// The fields typed in for each item.
    pub fn fields(&self) -> &[FieldName] {
        &self.fields
    }
}

impl StepKind for RecordStorage {
    const NAME: &'static str = "record_storage";
    const DOC: &'static str = "For each item, where it is stored (site, container, seal, holder) is typed in and recorded.";
    type Syntax = RecordStorageSyntax;

    fn resolve(syntax: Self::Syntax, cx: &mut Resolver<'_>) -> Option<Self> {
        let mut ok = true;
        let items = match syntax.items.value {
            ItemsSyntax::ShareSet(name)
                if cx.kind_of(name.as_str()) == Some(NameKind::CheckedShares) =>
            {
                Items::Checked(name.as_str().to_string())
            }
            ItemsSyntax::ShareSet(name) => {
                let set = cx.named(&Spanned::new(syntax.items.pos, name), NameKind::ShareSet);
                ok &= set.is_some();
                Items::ShareSet(set.unwrap_or_default())
            }
            ItemsSyntax::Labels(labels) => {
                let labels = Spanned::new(syntax.items.pos, labels);
                ok &= check_distinct(&labels, "items", cx);
                for item in &labels.value {
                    if item.value.trim().is_empty() || item.value.chars().any(char::is_control) {
                        cx.problem(Problem::at(item.pos, "an item name must be visible text"));
                        ok = false;
                    }
                }
                Items::Labels(labels.value.into_iter().map(|i| i.value).collect())
            }
        };
        let fields_pos = syntax.fields.as_ref().map_or(syntax.items.pos, |f| f.pos);
        let fields: Vec<FieldName> = match syntax.fields {
            Some(fields) => {
                ok &= check_distinct(&fields, "fields", cx);
                fields.value.into_iter().map(|f| f.value).collect()
            }
            None => DEFAULT_FIELDS
                .iter()
                .filter_map(|f| FieldName::parse(f).ok())
                .collect(),
        };
        if let Some(policy) = cx.storage_policy() {
            let asks = |name: &str| fields.iter().any(|f| f.as_str() == name);
            if policy.seal_required && !asks(SEAL_FIELD) {
                cx.problem(
                    Problem::at(fields_pos, "the storage policy requires a seal number, but this step does not ask for `seal`")
                        .hint("add `seal` to `fields`"),
                );
                ok = false;
            }
            if matches!(items, Items::ShareSet(_) | Items::Checked(_)) {
                for spread in &policy.spread_across {
                    if !asks(spread.as_str()) {
                        cx.problem(
                            Problem::at(fields_pos, format!("the storage policy spreads shares across `{}`, but this step does not ask for it", spread.as_str()))
                                .hint(format!("add `{}` to `fields`", spread.as_str())),
                        );
                        ok = false;
                    }
                }
            }
            for reserved in [CHOICE_FIELD, REASON_FIELD] {
                if asks(reserved) {
                    cx.problem(
                        Problem::at(fields_pos, format!("`{reserved}` is the room's answer when a placement is refused; it cannot be a storage field"))
                            .hint("name the field differently"),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(RecordStorage { items, fields })
    }

    fn default_title(&self) -> String {
        "Record where each item is stored".to_string()
    }

    fn run(&self, cx: &mut StepContext<'_>) -> Result<(), StepError> {
        let items: Vec<Item> = match &self.items {
            Items::Labels(labels) => labels
                .iter()
                .map(|l| Item {
                    label: l.clone(),
                    share: None,
                })
                .collect(),
            Items::ShareSet(name) => {
                let set = cx.vault.share_set(name).ok_or_else(|| {
                    StepError::failed(format!(
                        "the share set `{name}` is not in memory (was it wiped?)"
                    ))
                })?;
                set.groups
                    .iter()
                    .enumerate()
                    .flat_map(|(g, group)| {
                        group.iter().enumerate().map(move |(m, held)| Item {
                            label: format!("{name}-{}-{}", g + 1, m + 1),
                            share: Some(ShareRef {
                                set: name.clone(),
                                group: g + 1,
                                member: m + 1,
                                holder: held.holder.clone(),
                                digest: held.share.digest().to_string(),
                                threshold: usize::from(held.share.info().member_threshold),
                                identifier: held.share.info().identifier,
                            }),
                        })
                    })
                    .collect()
            }
            Items::Checked(name) => {
                let checked = cx.checked_shares.get(name).ok_or_else(|| {
                    StepError::failed(format!("no shares were checked under the name `{name}`"))
                })?;
                checked
                    .checked
                    .iter()
                    .map(|c| Item {
                        label: format!("{name}-{}-{}", c.group, c.member),
                        share: Some(ShareRef {
                            set: name.clone(),
                            group: c.group,
                            member: c.member,
                            holder: c.holder.clone(),
                            digest: c.digest.clone(),
                            threshold: c.threshold,
                            identifier: c.identifier,
                        }),
                    })
                    .collect()
            }
        };
        // Shares placed earlier count against the spread rule: in this step, and, after a
        // share check, the live shares that were not checked and stay where they are.
        let mut placed: Vec<Placed> = match &self.items {
            Items::Checked(name) => cx
                .checked_shares
                .get(name)
                .map(|c| c.elsewhere.clone())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        for Item { label: item, share } in &items {
            let mut refusals = 0;
            loop {
                let values = self.ask_location(cx, item, share.as_ref())?;
                let typed: Vec<(String, String)> = self
                    .fields
                    .iter()
                    .zip(&values)
                    .map(|(f, v)| (f.as_str().to_string(), v.as_str().to_string()))
                    .collect();
                let mut violations = match cx.script.storage_policy.as_ref() {
                    Some(policy) => {
                        let same_split: Vec<Placed> = placed
                            .iter()
                            .filter(|p| {
                                share.as_ref().is_some_and(|s| s.identifier == p.identifier)
                            })
                            .cloned()
                            .collect();
                        check_placement(
                            policy,
                            &typed,
                            share.as_ref().map(|s| (s.group, s.threshold)),
                            &same_split,
                        )
                    }
                    None => Vec::new(),
                };
                if let Some(mismatch) = share.as_ref().and_then(|s| holder_mismatch(cx, s, &typed))
                {
                    violations.push(mismatch);
                }
                if !violations.is_empty() {
                    // Without a policy (a holder mismatch), the officer (the script's first
                    // role) confirms an exception.
                    let fallback;
                    let policy = match cx.script.storage_policy.as_ref() {
                        Some(p) => p,
                        None => {
                            fallback = StoragePolicy {
                                spread_across: Vec::new(),
                                seal_required: false,
                                exceptions_by: cx
                                    .script
                                    .roles
                                    .iter()
                                    .take(1)
                                    .map(|r| r.id.clone())
                                    .collect(),
                            };
                            &fallback
                        }
                    };
                    refusals += 1;
                    if !refuse_or_except(cx, policy, item, share.as_ref(), &violations, refusals)? {
                        continue;
                    }
                }
                let location: BTreeMap<String, String> = self
                    .fields
                    .iter()
                    .map(FieldName::to_string)
                    .zip(values.iter().map(|v| v.as_str().to_string()))
                    .collect();
                cx.record(&events::Stored {
                    item: item.to_string(),
                    share: share.as_ref().map(ShareRef::recorded),
                    location,
                })?;
                if let Some(s) = share {
                    placed.push(Placed {
                        identifier: s.identifier,
                        group: s.group,
                        threshold: s.threshold,
                        location: typed,
                    });
                }
                break;
            }
        }
        Ok(())
    }
}

impl RecordStorage {
    /// Asks each storage field of one item.
    fn ask_location(
        &self,
        cx: &mut StepContext<'_>,
        item: &str,
        share: Option<&ShareRef>,
    ) -> Result<Vec<FieldValue>, StepError> {
        let mut values = Vec::with_capacity(self.fields.len());
        for field in &self.fields {
            let key = FieldKey {
                item: Some(item.to_string()),
                field: field.clone(),
            };
            let prompt = match share {
                Some(s) => format!(
                    "share {}/{} of {} (held by {}): {}",
                    s.group,
                    s.member,
                    s.set,
                    s.holder,
                    label(field)
                ),
                None => format!("{item}: {}", label(field)),
            };
            values.push(cx.ask_value(&key, &prompt)?);
        }
        Ok(values)
    }
}

/// A share recorded as held by someone other than the holder its split gave it to: the
/// `holder` typed must name that role (its id or its person's name, compared as places
/// are: case and spacing ignored).
fn holder_mismatch(
    cx: &StepContext<'_>,
    share: &ShareRef,
    typed: &[(String, String)],
) -> Option<Violation> {
    let (_, value) = typed.iter().find(|(field, _)| field == HOLDER_FIELD)?;
    let role = cx.script.role(&share.holder);
    if same_place(value, role.id.as_str()) || same_place(value, &role.name) {
        return None;
    }
    Some(Violation {
        rule: "holder",
        field: HOLDER_FIELD,
        value: value.clone(),
        detail: format!(
            "share {}/{} was given to {} ({}) by its split, not to `{value}`",
            share.group, share.member, role.name, role.id
        ),
    })
}

/// The storage field that names who holds an item.
const HOLDER_FIELD: &str = "holder";

/// Records a refused placement and asks the room what to do. `Ok(true)`: an exception
/// was confirmed and recorded, store the item here; `Ok(false)`: ask for another place.
fn refuse_or_except(
    cx: &mut StepContext<'_>,
    policy: &StoragePolicy,
    item: &str,
    share: Option<&ShareRef>,
    violations: &[Violation],
    refusals: usize,
) -> Result<bool, StepError> {
    for v in violations {
        cx.record(&events::StorageRefused {
            item: item.to_string(),
            share: share.map(ShareRef::recorded),
            rule: v.rule.to_string(),
            field: v.field.to_string(),
            value: v.value.clone(),
            detail: v.detail.clone(),
        })?;
    }
    let why: Vec<&str> = violations.iter().map(|v| v.detail.as_str()).collect();
    cx.problem(&format!(
        "This place is refused for {item}: {}.",
        why.join("; ")
    ));
    let confirmers: Vec<String> = policy.exceptions_by.iter().map(|r| r.to_string()).collect();
    let choice = cx.operator.ask_field(
        &cx.view,
        &FieldKey::of_item(item, CHOICE_FIELD),
        &format!(
            "{item}: type `{ANOTHER}` to give another place, or `{EXCEPTION}` to record an exception that {} confirm",
            confirmers.join(" and ")
        ),
        &|s| match s.trim() {
            ANOTHER | EXCEPTION => Ok(()),
            _ => Err(format!("type `{ANOTHER}` or `{EXCEPTION}`")),
        },
    )?;
    match choice.trim() {
        ANOTHER if refusals < MAX_REFUSALS => return Ok(false),
        ANOTHER => {
            return Err(StepError::failed(format!(
                "the storage policy refused {refusals} places for {item}: {}",
                why.join("; ")
            )))
        }
        EXCEPTION => {}
        other => {
            return Err(StepError::failed(format!(
                "`{other}` is not a choice: type `{ANOTHER}` or `{EXCEPTION}`"
            )))
        }
    }
    let reason = cx.ask_value(
        &FieldKey::of_item(item, REASON_FIELD),
        &format!("{item}: why is this exception needed? (it goes into the signed record)"),
    )?;
    let statement = format!(
        "I accept an exception to the storage policy for {item}: {}. Reason: {reason}",
        why.join("; ")
    );
    let mut confirmed_by = Vec::with_capacity(policy.exceptions_by.len());
    for id in &policy.exceptions_by {
        let role = cx.role(id);
        let initials = super::initials::confirm_as(cx, id, &statement)?;
        confirmed_by.push(events::Confirmer {
            role: role.id.to_string(),
            name: role.name.to_string(),
            initials: initials.as_str().to_string(),
        });
    }
    cx.record(&events::PolicyException {
        item: item.to_string(),
        share: share.map(ShareRef::recorded),
        rules: violations
            .iter()
            .map(|v| events::Violation {
                rule: v.rule.to_string(),
                field: v.field.to_string(),
                value: v.value.clone(),
                detail: v.detail.clone(),
            })
            .collect(),
        reason: reason.as_str().to_string(),
        confirmed_by,
    })?;
    cx.inform(&format!("Exception recorded for {item}."));
    Ok(true)
}
