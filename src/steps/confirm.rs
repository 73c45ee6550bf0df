//! `confirm`: each listed role confirms a statement separately, with their initials.
//!
//! The statement may quote values recorded earlier (`{seal_number}`); the transcript
//! keeps the statement as it was shown, so an auditor reads what each person confirmed.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Resolver, StepContext, StepError, StepKind, Text};
use crate::script::de::Spanned;
use crate::script::types::RoleId;
use crate::transcript::events;

/// What a script writes for `confirm`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmSyntax {
    /// The roles who confirm, each separately.
    by: Spanned<Vec<Spanned<String>>>,
    /// The statement they confirm; `{field}` quotes a value recorded earlier.
    text: Spanned<String>,
}

/// A resolved `confirm` step.
#[derive(Debug)]
pub struct Confirm {
    by: Vec<RoleId>,
    text: Text,
}

// Read-only access for `keyrite print`.
impl Confirm {
    /// The text the roles confirm, with `{field}` placeholders.
    pub fn text(&self) -> &Text {
        &self.text
    }
}

impl StepKind for Confirm {
    const NAME: &'static str = "confirm";
    const DOC: &'static str =
        "Each listed role confirms a statement separately, with their initials.";
    type Syntax = ConfirmSyntax;

    fn resolve(syntax: Self::Syntax, cx: &mut Resolver<'_>) -> Option<Self> {
        let by = cx.roles(&syntax.by, "`by`");
        let text = cx.text(&syntax.text);
        Some(Confirm {
            by: by?,
            text: text?,
        })
    }

    fn default_title(&self) -> String {
        "Confirmation".to_string()
    }

    fn confirmers(&self) -> &[RoleId] {
        &self.by
    }

    fn run(&self, cx: &mut StepContext<'_>) -> Result<(), StepError> {
        let statement = self.text.render(cx.values);
        for id in &self.by {
            let role = cx.role(id);
            let name = role.name.to_string();
            let initials = super::initials::confirm_as(cx, id, &statement)?;
            cx.record(&events::Confirmed {
                role: id.to_string(),
                name,
                initials: initials.as_str().to_string(),
                text: statement.clone(),
            })?;
        }
        Ok(())
    }
}
