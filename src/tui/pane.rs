//! The main pane's frame: a bordered block titled with the step's position and kind,
//! the step's title on its first line, and helpers the prompts share.
//!
//! Invariants: every prompt is drawn inside [`frame`], so the step being answered is
//! always named on screen; the bottom rows of the pane hold the input, so the input does
//! not move when the text above it is long (long text is clipped, never overlaps it).

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, StepInfo};
use super::text;

/// Draws the pane's block and the step title; returns the area below the title.
pub fn frame(
    frame: &mut Frame<'_>,
    area: Rect,
    app: &App,
    step: Option<&StepInfo>,
    number: usize,
    total: usize,
) -> Rect {
    let theme = app.theme;
    let heading = match step {
        Some(s) => text::step_heading(number, total, s.kind),
        None => String::new(),
    };
    let mut block = Block::bordered().border_style(theme.border());
    if !heading.is_empty() {
        block = block.title(Span::styled(format!(" {heading} "), theme.title()));
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 {
        return inner;
    }
    if let Some(s) = step {
        let title = Paragraph::new(Line::styled(s.title.clone(), theme.title()));
        frame.render_widget(title, Rect { height: 1, ..inner });
    }
    Rect {
        y: inner.y + 2.min(inner.height),
        height: inner.height.saturating_sub(2),
        ..inner
    }
}

/// Lines a wrapped text of `chars` characters takes in `width` columns (an estimate
/// that errs on the high side).
pub fn wrapped_height(text: &str, width: u16) -> u16 {
    let w = usize::from(width.max(1));
    let lines: usize = text
        .lines()
        .map(|l| l.chars().count().div_ceil(w).max(1))
        .sum();
    u16::try_from(lines.max(1)).unwrap_or(u16::MAX)
}

/// Splits `area` into the text above and the `rows` rows at its bottom.
pub fn bottom(area: Rect, rows: u16) -> (Rect, Rect) {
    let rows = rows.min(area.height);
    let top = Rect {
        height: area.height - rows,
        ..area
    };
    let low = Rect {
        y: area.y + area.height - rows,
        height: rows,
        ..area
    };
    (top, low)
}

/// Splits `area` into `content` rows of text, one blank row, and `rows` rows for the
/// input below it; the input keeps its rows when the text is too long (the text is then
/// clipped).
pub fn stack(area: Rect, content: u16, rows: u16) -> (Rect, Rect) {
    let rows = rows.min(area.height);
    let room = area.height - rows;
    let content = content.min(room.saturating_sub(1));
    let top = Rect {
        height: content,
        ..area
    };
    let gap = u16::from(room > content);
    let low = Rect {
        y: area.y + content + gap,
        height: rows,
        ..area
    };
    (top, low)
}

/// Draws wrapped lines.
pub fn paragraph(frame: &mut Frame<'_>, area: Rect, lines: Vec<Line<'static>>) {
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

/// Row `i` of `area` (clipped to it).
pub fn row(area: Rect, i: u16) -> Rect {
    Rect {
        y: area.y.saturating_add(i),
        height: u16::from(i < area.height),
        ..area
    }
}
