//! The too-small screen: below 80×24 the UI draws only this message, never a cut or
//! overlapping layout; the ceremony waits, and resizing redraws the full UI.
//!
//! Invariant: nothing else is drawn at that size, secrets included (keys are ignored
//! meanwhile, so nothing can be answered blind).

use ratatui::layout::{Alignment, Constraint, Flex, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::theme::Theme;
use super::{text, MIN_HEIGHT, MIN_WIDTH};

/// Draws the message centred in `area`.
pub fn draw(frame: &mut Frame<'_>, area: Rect, theme: Theme) {
    let lines = vec![
        Line::styled(
            text::too_small(area.width, area.height, MIN_WIDTH, MIN_HEIGHT),
            theme.warning(),
        ),
        Line::raw(""),
        Line::styled(text::TOO_SMALL_HINT, theme.text()),
    ];
    let [row] = Layout::vertical([Constraint::Length(6.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    frame.render_widget(
        Paragraph::new(lines)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        row,
    );
}
