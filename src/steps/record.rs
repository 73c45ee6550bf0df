//! `record`: the operator types in named values (a seal number, the room), which are
//! recorded and can be quoted by later steps as `{name}`.
//!
//! Invariant: a field name is defined once per script, so `{name}` always means one
//! value. These are public facts; a secret never goes through this step.

use super::{NameKind, Resolver, StepContext, StepError, StepKind};
use crate::operator::FieldKey;
use crate::script::de::{Problem, Spanned};
use crate::script::types::FieldName;
use crate::transcript::events;

/// A resolved `record` step.
#[derive(Debug)]
pub struct Record {
    fields: Vec<FieldName>,
}

/// A field's label for prompts: `seal_number` becomes "Seal number".
pub fn label(field: &FieldName) -> String {
    let text = field.as_str().replace('_', " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

// Read-only access for `keyrite print`.
impl Record {
    /// The fields typed in, in order.
    pub fn fields(&self) -> &[FieldName] {
        &self.fields
    }
}

impl StepKind for Record {
    const NAME: &'static str = "record";
    const DOC: &'static str =
        "The operator types in named values, which later text can quote as `{name}`.";
    /// The names of the values to type in: `record: [seal_number, room]`.
    type Syntax = Spanned<Vec<Spanned<FieldName>>>;

    fn resolve(syntax: Self::Syntax, cx: &mut Resolver<'_>) -> Option<Self> {
        if syntax.value.is_empty() {
            cx.problem(
                Problem::at(syntax.pos, "`record` is an empty list")
                    .hint("name at least one field, such as `[seal_number]`"),
            );
            return None;
        }
        let mut ok = true;
        for f in &syntax.value {
            ok &= cx.define(f.value.as_str(), f.pos, NameKind::Field);
        }
        ok.then(|| Record {
            fields: syntax.value.into_iter().map(|f| f.value).collect(),
        })
    }

    fn default_title(&self) -> String {
        let labels: Vec<String> = self.fields.iter().map(label).collect();
        format!("Record {}", labels.join(", ").to_lowercase())
    }

    fn run(&self, cx: &mut StepContext<'_>) -> Result<(), StepError> {
        for field in &self.fields {
            let key = FieldKey {
                item: None,
                field: field.clone(),
            };
            let value = cx.ask_value(&key, &label(field))?;
            cx.record(&events::Recorded {
                field: field.to_string(),
                value: value.as_str().to_string(),
            })?;
            cx.values.insert(field.as_str().to_string(), value);
        }
        Ok(())
    }
}
