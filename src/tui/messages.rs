//! The message tail: the engine's `inform` messages, confirmations and accepted
//! answers, newest at the bottom; the arrows (or j/k) scroll back.
//!
//! Invariant: no secret is ever logged here: secret answers are logged as "accepted"
//! without their content, and share words never reach this pane.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
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
    let width = usize::from(inner.width).max(4);
    let end = app.messages.len().saturating_sub(app.scroll);
    // Wrapped here rather than by the widget, so that the newest message is always on
    // the last row however many rows the older ones take.
    let mut lines: Vec<Line<'static>> = Vec::new();
    for m in app.messages[..end].iter().rev() {
        if lines.len() >= rows {
            break;
        }
        let (mark, style) = match m.kind {
            MessageKind::Step => ("▶", theme.title()),
            MessageKind::Info => ("•", theme.text()),
            MessageKind::Confirmed => (text::MARK_DONE, theme.done()),
            MessageKind::Problem => ("!", theme.error()),
        };
        let wrapped = wrap(&format!("{mark} {}", m.text), width);
        for row in wrapped.into_iter().rev() {
            lines.push(Line::styled(row, style));
        }
    }
    lines.truncate(rows);
    lines.reverse();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Splits `text` into rows of at most `width` characters, at spaces where it can.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut rows = Vec::new();
    for paragraph in text.split('\n') {
        let mut row = String::new();
        let mut len = 0;
        for word in paragraph.split(' ') {
            let mut word: Vec<char> = word.chars().collect();
            if len > 0 && len + 1 + word.len() > width {
                rows.push(std::mem::take(&mut row));
                len = 0;
            }
            if len > 0 {
                row.push(' ');
                len += 1;
            }
            while word.len() > width - len {
                let rest = word.split_off(width - len);
                row.extend(word);
                rows.push(std::mem::take(&mut row));
                len = 0;
                word = rest;
            }
            len += word.len();
            row.extend(word);
        }
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_at_spaces_and_splits_long_words() {
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("a\nb", 10), ["a", "b"]);
        assert_eq!(wrap("", 5), [""]);
        for width in 4..20 {
            for row in wrap(
                "the quick brown fox jumps over a lazy dog, extraordinarily",
                width,
            ) {
                assert!(row.chars().count() <= width, "{row:?} at {width}");
            }
        }
    }
}
