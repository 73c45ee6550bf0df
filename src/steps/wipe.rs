//! `wipe`: erases secrets, share sets or collections from memory and records that it did.
//!
//! Invariant: after a `wipe`, no later step may use the names wiped (checked at `check`
//! time). The engine also wipes everything left at the end of every run.

use super::{Resolver, StepContext, StepError, StepKind};
use crate::script::de::{Problem, Spanned};
use crate::script::types::SecretName;
use crate::transcript::events;

/// A resolved `wipe` step.
#[derive(Debug)]
pub struct Wipe {
    names: Vec<String>,
}

impl StepKind for Wipe {
    const NAME: &'static str = "wipe";
    const DOC: &'static str = "Erases the named secrets, share sets or collections from memory.";
    /// The names to wipe: `wipe: [treasury, treasury-shares]`.
    type Syntax = Spanned<Vec<Spanned<SecretName>>>;

    fn resolve(syntax: Self::Syntax, cx: &mut Resolver<'_>) -> Option<Self> {
        if syntax.value.is_empty() {
            cx.problem(
                Problem::at(syntax.pos, "`wipe` is an empty list")
                    .hint("name the secrets and share sets to erase"),
            );
            return None;
        }
        let mut ok = true;
        for name in &syntax.value {
            match cx.kind_of(name.value.as_str()) {
                // A name a step that could not be read may define: already reported.
                None if cx.is_unsure(name.value.as_str()) => ok = false,
                Some(super::NameKind::Field) | None => {
                    let known = cx.kind_of(name.value.as_str()).is_some();
                    cx.problem(Problem::at(
                        name.pos,
                        if known {
                            format!("`{}` is a recorded field, not a secret; only secrets and shares are wiped", name.value)
                        } else {
                            format!("`{}` is not a secret, share set or collection in memory at this point", name.value)
                        },
                    ));
                    ok = false;
                }
                Some(_) => {}
            }
        }
        if !ok {
            return None;
        }
        for name in &syntax.value {
            cx.wipe(name.value.as_str());
        }
        Some(Wipe {
            names: syntax
                .value
                .into_iter()
                .map(|n| n.value.as_str().to_string())
                .collect(),
        })
    }

    fn default_title(&self) -> String {
        format!("Wipe {} from memory", self.names.join(", "))
    }

    fn run(&self, cx: &mut StepContext<'_>) -> Result<(), StepError> {
        for name in &self.names {
            cx.vault.wipe(name);
        }
        cx.record(&events::Wiped {
            names: self.names.clone(),
        })?;
        cx.inform(&format!("Wiped from memory: {}.", self.names.join(", ")));
        Ok(())
    }
}
