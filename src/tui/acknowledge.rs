//! The acknowledgement prompt: instructions (a `note` step) that the operator reads to
//! the room and acknowledges with Enter.
//!
//! Invariant: the acknowledgement is sent only on Enter, never by another key.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::app::{App, StepInfo};
use super::{pane, text};

/// Instructions waiting for an acknowledgement.
pub struct AckPrompt {
    /// The instructions.
    pub text: String,
    /// The engine's objection, if any.
    pub error: Option<String>,
}

impl AckPrompt {
    /// A prompt for `text`.
    pub fn new(text: String) -> AckPrompt {
        AckPrompt { text, error: None }
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
        let (above, low) = pane::bottom(inner, 2);
        let width = usize::from(inner.width);
        let mut lines = pane::wrap_styled(text::ACK_TITLE, theme.dim(), width);
        lines.push(Line::raw(""));
        // Indented, and the indent kept on the rows a long line wraps to.
        for row in pane::wrap(&self.text, width.saturating_sub(2)) {
            lines.push(Line::styled(format!("  {row}"), theme.input()));
        }
        frame.render_widget(Paragraph::new(lines), above);
        let prompt = if app.is_awaiting() {
            Line::styled(text::CHECKING, theme.dim())
        } else {
            Line::styled(text::ACK_PROMPT, theme.key())
        };
        frame.render_widget(Paragraph::new(prompt), pane::row(low, 0));
        if let Some(e) = &self.error {
            frame.render_widget(
                Paragraph::new(Line::styled(text::problem(e), theme.error())),
                pane::row(low, 1),
            );
        }
    }
}
