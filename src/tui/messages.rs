//! The message tail: the engine's `inform` messages, confirmations and accepted
//! answers, newest at the bottom; the arrows (or j/k) scroll back.
//!
//! Invariant: no secret is ever logged here: secret answers are logged as "accepted"
//! without their content, and share words never reach this pane.

use ratatui::layout::Rect;
use ratatui::style::Style;
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
    let lines = window(&app.messages, app.scroll, rows, width, |m| {
        let (mark, style) = match m.kind {
            MessageKind::Step => ("▶", theme.title()),
            MessageKind::Info => ("•", theme.text()),
            MessageKind::Confirmed => (text::MARK_DONE, theme.done()),
            MessageKind::Problem => ("!", theme.error()),
        };
        (format!("{mark} {}", m.text), style)
    });
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The `rows` rows shown with the log scrolled back by `scroll` messages: the newest
/// message shown is on the last row however many rows the older ones take; scrolled
/// back so far that the rows up to it would not fill the pane, the pane shows the
/// log's first `rows` rows, full, rather than a few rows and blank space.
fn window<F>(
    messages: &[Message],
    scroll: usize,
    rows: usize,
    width: usize,
    look: F,
) -> Vec<Line<'static>>
where
    F: Fn(&Message) -> (String, Style),
{
    let wrapped = |m: &Message| -> Vec<Line<'static>> {
        let (line, style) = look(m);
        wrap(&line, width)
            .into_iter()
            .map(|row| Line::styled(row, style))
            .collect()
    };
    let end = messages
        .len()
        .saturating_sub(scroll)
        .max(1)
        .min(messages.len());
    // Wrapped here rather than by the widget, so that the window is counted in rows.
    let mut lines: Vec<Line<'static>> = Vec::new();
    for m in messages[..end].iter().rev() {
        if lines.len() >= rows {
            break;
        }
        lines.extend(wrapped(m).into_iter().rev());
    }
    lines.truncate(rows);
    lines.reverse();
    // Too few rows above: fill the pane from the messages after them.
    for m in &messages[end..] {
        if lines.len() >= rows {
            break;
        }
        lines.extend(wrapped(m));
    }
    lines.truncate(rows);
    lines
}

/// The furthest scroll (in messages) that still moves the tail with a pane of `rows`
/// rows `width` wide: scrolled further, the pane shows the same first rows of the log.
pub fn max_scroll(messages: &[Message], rows: usize, width: usize) -> usize {
    let width = width.max(4);
    let mut taken = 0;
    for (i, m) in messages.iter().enumerate() {
        // The rows of the messages up to and including `m`.
        taken += wrap(&format!("• {}", m.text), width).len();
        if taken >= rows {
            // Scrolled to just above a message that overflows the pane, the pane is
            // filled from the top.
            let end = if taken == rows { i + 1 } else { i.max(1) };
            return messages.len() - end;
        }
    }
    0
}

/// Rows the message pane takes on a terminal `height` rows high, borders included.
pub fn tail_height(height: u16) -> u16 {
    if height >= 36 {
        9
    } else {
        5
    }
}

/// The furthest useful scroll of `app`'s log on its terminal (see [`max_scroll`]).
pub fn app_max_scroll(app: &App) -> usize {
    match app.size {
        Some((w, h)) => max_scroll(
            &app.messages,
            usize::from(tail_height(h).saturating_sub(2)),
            usize::from(w.saturating_sub(2)),
        ),
        None => app.messages.len().saturating_sub(1),
    }
}

pub use super::pane::wrap;

#[cfg(test)]
mod tests {
    use super::{max_scroll, window, wrap, Message, MessageKind};
    use ratatui::style::Style;

    fn log(texts: &[&str]) -> Vec<Message> {
        texts
            .iter()
            .map(|t| Message {
                step: None,
                kind: MessageKind::Info,
                text: t.to_string(),
            })
            .collect()
    }

    fn shown(messages: &[Message], scroll: usize, rows: usize) -> Vec<String> {
        window(messages, scroll, rows, 10, |m| {
            (format!("• {}", m.text), Style::default())
        })
        .iter()
        .map(|l| l.to_string())
        .collect()
    }

    #[test]
    fn scrolled_to_the_top_the_pane_stays_full() {
        let messages = log(&["a", "b", "c", "d", "e"]);
        assert_eq!(shown(&messages, 0, 3), ["• c", "• d", "• e"]);
        assert_eq!(shown(&messages, 1, 3), ["• b", "• c", "• d"]);
        for scroll in 2..10 {
            assert_eq!(shown(&messages, scroll, 3), ["• a", "• b", "• c"]);
        }
        assert_eq!(max_scroll(&messages, 3, 10), 2);
        assert_eq!(max_scroll(&messages, 9, 10), 0);
        // A message taking two rows.
        let messages = log(&["a", "bbbb bbbb", "c", "d"]);
        assert_eq!(shown(&messages, 1, 3), ["• bbbb", "bbbb", "• c"]);
        assert_eq!(max_scroll(&messages, 3, 10), 2);
        assert_eq!(shown(&messages, 2, 3), ["• a", "• bbbb", "bbbb"]);
        assert_eq!(max_scroll(&messages, 2, 10), 3);
        assert_eq!(shown(&messages, 2, 2), ["• bbbb", "bbbb"]);
        assert_eq!(shown(&messages, 3, 2), ["• a", "• bbbb"]);
    }

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
