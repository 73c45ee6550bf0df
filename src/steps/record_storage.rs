//! `record_storage`: for each item, where it is kept (site, container, seal, holder, or
//! the fields the script lists) is typed in and recorded.
//!
//! Invariant: each item's location is one durable `stored` record, so the custody
//! registry can be rebuilt from transcripts alone.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::record::label;
use super::{Resolver, StepContext, StepError, StepKind};
use crate::operator::FieldKey;
use crate::script::de::{Problem, Spanned};
use crate::script::types::{FieldName, FieldValue};

/// What a script writes for `record_storage`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordStorageSyntax {
    /// The items whose storage is recorded, such as `backup-usb` or `laptop`.
    items: Spanned<Vec<Spanned<String>>>,
    /// The fields typed in for each item; `[site, container, seal, holder]` if omitted.
    #[serde(default)]
    fields: Option<Spanned<Vec<Spanned<FieldName>>>>,
}

/// A resolved `record_storage` step.
#[derive(Debug)]
pub struct RecordStorage {
    items: Vec<String>,
    fields: Vec<FieldName>,
}

/// The storage fields when a script names none.
pub const DEFAULT_FIELDS: &[&str] = &["site", "container", "seal", "holder"];

#[derive(Serialize)]
struct Stored<'a> {
    item: &'a str,
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

impl StepKind for RecordStorage {
    const NAME: &'static str = "record_storage";
    const DOC: &'static str = "For each item, where it is stored (site, container, seal, holder) is typed in and recorded.";
    type Syntax = RecordStorageSyntax;

    fn resolve(syntax: Self::Syntax, cx: &mut Resolver<'_>) -> Option<Self> {
        let mut ok = check_distinct(&syntax.items, "items", cx);
        for item in &syntax.items.value {
            if item.value.trim().is_empty() || item.value.chars().any(char::is_control) {
                cx.problem(Problem::at(item.pos, "an item name must be visible text"));
                ok = false;
            }
        }
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
        ok.then(|| RecordStorage {
            items: syntax.items.value.into_iter().map(|i| i.value).collect(),
            fields,
        })
    }

    fn default_title(&self) -> String {
        "Record where each item is stored".to_string()
    }

    fn run(&self, cx: &mut StepContext<'_>) -> Result<(), StepError> {
        for item in &self.items {
            let mut values = Vec::with_capacity(self.fields.len());
            for field in &self.fields {
                let key = FieldKey {
                    item: Some(item.clone()),
                    field: field.clone(),
                };
                let prompt = format!("{item}: {}", label(field));
                let value = cx.ask_value(&key, &prompt)?;
                values.push(value);
            }
            let location = self
                .fields
                .iter()
                .map(FieldName::as_str)
                .zip(values.iter())
                .collect();
            cx.record("stored", &Stored { item, location })?;
        }
        Ok(())
    }
}
