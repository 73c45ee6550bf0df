//! The message tail: the engine's `inform` messages, confirmations and accepted
//! answers, newest at the bottom; the arrows (or j/k) scroll back.
//!
//! Invariant: no secret is ever logged here: secret answers are logged as "accepted"
//! without their content, and share words never reach this pane.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

use super::app::App;
use super::text;

/// What a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind {
    /// A step began.
    Step,
    /// The engine told the room something.
    Info,
    /// Someone confirmed, or an answer was accepted.
    Confirmed,
    /// Something went wrong.
    Problem,
}

/// One line of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The step it belongs to (1-based).
    pub step: Option<usize>,
    /// What it is.
    pub kind: MessageKind,
    /// The text.
    pub text: String,
}

/// Draws the tail in `area`.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let theme = app.theme;
    let block = Block::bordered()
        .border_style(theme.border())
        .title(Span::styled(format!(" {} ", text::MESSAGES), theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if app.messages.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(text::NO_MESSAGES, theme.dim())),
            inner,
        );
        return;
    }
    let rows = usize::from(inner.height);
    let end = app.messages.len().saturating_sub(app.scroll);
    let start = end.saturating_sub(rows);
    let lines: Vec<Line<'static>> = app.messages[start..end]
        .iter()
        .map(|m| {
            let (mark, style) = match m.kind {
                MessageKind::Step => ("▶", theme.title()),
                MessageKind::Info => ("•", theme.text()),
                MessageKind::Confirmed => (text::MARK_DONE, theme.done()),
                MessageKind::Problem => ("!", theme.error()),
            };
            Line::from(vec![
                Span::styled(format!("{mark} "), style),
                Span::styled(m.text.clone(), style),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
