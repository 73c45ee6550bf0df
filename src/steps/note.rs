//! `note`: instructions for the room, acknowledged by the operator.

use super::{Resolver, StepContext, StepError, StepKind, Text};
use crate::script::de::Spanned;
use crate::transcript::events;

/// A resolved `note` step.
#[derive(Debug)]
pub struct Note {
    text: Text,
}

// Read-only access for `keyrite print`.
impl Note {
    /// The instructions, with `{field}` placeholders.
    pub fn text(&self) -> &Text {
        &self.text
    }
}

impl StepKind for Note {
    const NAME: &'static str = "note";
    const DOC: &'static str = "Instructions for the room, which the operator acknowledges.";
    /// The instructions; `{field}` quotes a value recorded earlier.
    type Syntax = Spanned<String>;

    fn resolve(syntax: Self::Syntax, cx: &mut Resolver<'_>) -> Option<Self> {
        cx.text(&syntax).map(|text| Note { text })
    }

    fn default_title(&self) -> String {
        "Instructions".to_string()
    }

    fn run(&self, cx: &mut StepContext<'_>) -> Result<(), StepError> {
        let text = self.text.render(cx.values);
        cx.operator.acknowledge(&cx.view, &text)?;
        cx.record(&events::Acknowledged { text })
    }
}
