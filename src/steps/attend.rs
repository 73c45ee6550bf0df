//! `attend`: the listed roles confirm they are present, each with their initials.
//!
//! Invariant: each presence is its own durable record (`present`), written before the
//! next person is asked, so a transcript shows exactly who had confirmed when it ended.

use super::{Resolver, StepContext, StepError, StepKind};
use crate::script::de::Spanned;
use crate::script::types::RoleId;
use crate::transcript::events;

/// A resolved `attend` step.
#[derive(Debug)]
pub struct Attend {
    roles: Vec<RoleId>,
}

impl StepKind for Attend {
    const NAME: &'static str = "attend";
    const DOC: &'static str = "Each listed role confirms they are present, with their initials.";
    /// The roles that must be present: `attend: [officer, witness-1]`.
    type Syntax = Spanned<Vec<Spanned<String>>>;

    fn resolve(syntax: Self::Syntax, cx: &mut Resolver<'_>) -> Option<Self> {
        cx.roles(&syntax, "`attend`").map(|roles| Attend { roles })
    }

    fn default_title(&self) -> String {
        "Attendance".to_string()
    }

    fn confirmers(&self) -> &[RoleId] {
        &self.roles
    }

    fn run(&self, cx: &mut StepContext<'_>) -> Result<(), StepError> {
        for id in &self.roles {
            let role = cx.role(id);
            let name = role.name.to_string();
            let statement = format!("I, {name} ({id}), am present.");
            let initials = super::initials::confirm_as(cx, id, &statement)?;
            cx.record(&events::Present {
                role: id.to_string(),
                name,
                initials: initials.as_str().to_string(),
            })?;
        }
        Ok(())
    }
}
