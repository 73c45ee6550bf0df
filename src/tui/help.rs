//! The help overlay: the keys and a few notes, over whatever screen is open.
//!
//! Invariant: any key closes it and does nothing else, so opening help can never answer
//! a question by accident.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::text;
use super::theme::Theme;

/// Draws the overlay centred over `area`.
pub fn draw(frame: &mut Frame<'_>, area: Rect, theme: Theme) {
    let mut lines: Vec<Line<'static>> = Vec::new();
    for (key, what) in text::HELP_KEYS {
        lines.push(Line::from(vec![
            Span::styled(format!("{key:>16}  "), theme.key()),
            Span::styled(*what, theme.text()),
        ]));
    }
    lines.push(Line::raw(""));
    for note in text::HELP_NOTES {
        lines.push(Line::styled(*note, theme.dim()));
    }
    let width = area.width.min(84);
    let height = (u16::try_from(lines.len()).unwrap_or(0) + 6).min(area.height);
    let [row] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [boxed] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(row);
    frame.render_widget(Clear, boxed);
    let block = Block::bordered()
        .border_style(theme.title())
        .title(Span::styled(
            format!(" {} ", text::HELP_TITLE),
            theme.title(),
        ));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        boxed,
    );
}
