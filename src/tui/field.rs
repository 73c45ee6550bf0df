//! Typed input prompts: a recorded value (shown as typed), and masked secret input
//! (dice rolls, a passphrase, a check word of the share just shown).
//!
//! Invariants: a masked prompt never draws what was typed (only a count of
//! characters), keeps it in a `Zeroizing` buffer, and empties that buffer when the
//! engine rejects the answer (the person types it again rather than editing blind).

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::app::{App, StepInfo};
use super::input::Input;
use super::operator::Person;
use super::{pane, text};
use crate::operator::SecretKind;

/// A value being typed.
pub struct FieldPrompt {
    /// The field key (`room`, `laptop.site`).
    pub key: String,
    /// The label shown.
    pub label: String,
    /// The value.
    pub input: Input,
    /// The engine's objection to the last answer.
    pub error: Option<String>,
}

impl FieldPrompt {
    /// A prompt for one field.
    pub fn new(key: String, label: String) -> FieldPrompt {
        FieldPrompt {
            key,
            label,
            input: Input::plain(),
            error: None,
        }
    }

    /// Draws the prompt in the main pane.
    pub fn draw(
        &self,
        frame: &mut Frame<'_>,
        area: Rect,
        app: &App,
        step: Option<&StepInfo>,
        number: usize,
        total: usize,
    ) {
        let theme = app.theme;
        let inner = pane::frame(frame, area, app, step, number, total);
        let lines = vec![
            Line::styled(text::FIELD_TITLE, theme.dim()),
            Line::raw(""),
            Line::styled(self.label.clone(), theme.title()),
        ];
        let height = 2 + pane::wrapped_height(&self.label, inner.width);
        let (above, low) = pane::stack(inner, height, 3);
        pane::paragraph(frame, above, lines);
        input_rows(
            frame,
            low,
            app,
            &self.input,
            self.error.as_deref(),
            text::FIELD_HINT,
        );
    }
}

/// Masked secret input.
pub struct MaskedPrompt {
    /// What is asked.
    pub kind: SecretKind,
    /// Who types it.
    pub person: Option<Person>,
    /// The engine's prompt.
    pub prompt: String,
    /// The hidden input.
    pub input: Input,
    /// The engine's objection to the last answer.
    pub error: Option<String>,
}

impl MaskedPrompt {
    /// A prompt for secret input.
    pub fn new(kind: SecretKind, person: Option<Person>, prompt: String) -> MaskedPrompt {
        MaskedPrompt {
            kind,
            person,
            prompt,
            input: Input::masked(),
            error: None,
        }
    }

    /// A new empty masked input.
    pub fn fresh_input(&self) -> Input {
        Input::masked()
    }

    /// What is asked, in a few words.
    pub fn title(&self) -> String {
        match self.kind {
            SecretKind::Dice => text::DICE_TITLE.to_string(),
            SecretKind::Passphrase => text::PASSPHRASE_TITLE.to_string(),
            SecretKind::PassphraseAgain => text::PASSPHRASE_AGAIN_TITLE.to_string(),
            SecretKind::CheckWord(n) => text::check_word_title(n),
            SecretKind::Share => text::THE_SHARE.to_string(),
        }
    }

    /// Draws the prompt in the main pane.
    pub fn draw(
        &self,
        frame: &mut Frame<'_>,
        area: Rect,
        app: &App,
        step: Option<&StepInfo>,
        number: usize,
        total: usize,
    ) {
        let theme = app.theme;
        let inner = pane::frame(frame, area, app, step, number, total);
        let mut lines = vec![Line::styled(self.title(), theme.title()), Line::raw("")];
        lines.push(Line::styled(self.prompt.clone(), theme.text()));
        if let SecretKind::CheckWord(_) = self.kind {
            lines.push(Line::raw(""));
            lines.push(Line::styled(text::CHECK_WORD_HINT, theme.dim()));
        }
        let mut height = 2 + pane::wrapped_height(&self.prompt, inner.width);
        if let SecretKind::CheckWord(_) = self.kind {
            height += 1 + pane::wrapped_height(text::CHECK_WORD_HINT, inner.width);
        }
        let (above, low) = pane::stack(inner, height, 3);
        pane::paragraph(frame, above, lines);
        let hint = if self.input.is_empty() {
            text::MASKED_HINT.to_string()
        } else if self.kind == SecretKind::Dice {
            // Rolls are counted, not characters: spaces between groups are not rolls.
            format!(
                "{} · {}",
                text::rolls_typed(self.input.non_space_len()),
                text::MASKED_HINT
            )
        } else {
            format!(
                "{} · {}",
                text::typed_count(self.input.len()),
                text::MASKED_HINT
            )
        };
        input_rows(frame, low, app, &self.input, self.error.as_deref(), &hint);
    }
}

/// The input, then a status row: "checking…", the engine's objection, or a hint.
fn input_rows(
    frame: &mut Frame<'_>,
    low: Rect,
    app: &App,
    input: &Input,
    error: Option<&str>,
    hint: &str,
) {
    let theme = app.theme;
    input.draw(frame, pane::row(low, 0), theme, !app.is_awaiting());
    let status = match (error, app.is_awaiting()) {
        (_, true) => Line::styled(text::CHECKING, theme.dim()),
        (Some(e), false) => Line::styled(text::problem(e), theme.error()),
        (None, false) => Line::styled(hint.to_string(), theme.dim()),
    };
    frame.render_widget(
        Paragraph::new(status).wrap(ratatui::widgets::Wrap { trim: false }),
        Rect {
            y: low.y + 1.min(low.height),
            height: low.height.saturating_sub(1),
            ..low
        },
    );
}
