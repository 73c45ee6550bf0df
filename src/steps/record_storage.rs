//! `record_storage`: for each item, where it is kept (site, container, seal, holder, or
//! the fields the script lists) is typed in and recorded.
//!
//! Invariant: each item's location is one durable `stored` record, so the custody
//! registry can be rebuilt from transcripts alone.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::record::label;
use super::NameKind;
use super::{Resolver, StepContext, StepError, StepKind};
use crate::operator::FieldKey;
use crate::script::de::{Problem, Spanned};
use crate::script::types::{FieldName, FieldValue, RoleId, SecretName};

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

#[derive(Serialize)]
struct ShareRef {
    set: String,
    group: usize,
    member: usize,
    holder: RoleId,
    digest: String,
}

/// The storage fields when a script names none.
pub const DEFAULT_FIELDS: &[&str] = &["site", "container", "seal", "holder"];

#[derive(Serialize)]
struct Stored<'a> {
    item: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    share: Option<&'a ShareRef>,
    location: BTreeMap<&'a str, &'a FieldValue>,
}

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
            Items::ShareSet(_) => None,
        }
    }

    /// The share set, when the items are its shares.
    pub fn share_set(&self) -> Option<&str> {
        match &self.items {
            Items::ShareSet(set) => Some(set),
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
        let fields = match syntax.fields {
            Some(fields) => {
                ok &= check_distinct(&fields, "fields", cx);
                fields.value.into_iter().map(|f| f.value).collect()
            }
            None => DEFAULT_FIELDS
                .iter()
                .filter_map(|f| FieldName::parse(f).ok())
                .collect(),
        };
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
                            }),
                        })
                    })
                    .collect()
            }
        };
        for Item { label: item, share } in &items {
            let mut values = Vec::with_capacity(self.fields.len());
            for field in &self.fields {
                let key = FieldKey {
                    item: Some(item.clone()),
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
                let value = cx.ask_value(&key, &prompt)?;
                values.push(value);
            }
            let location = self
                .fields
                .iter()
                .map(FieldName::as_str)
                .zip(values.iter())
                .collect();
            cx.record(
                "stored",
                &Stored {
                    item,
                    share: share.as_ref(),
                    location,
                },
            )?;
        }
        Ok(())
    }
}
