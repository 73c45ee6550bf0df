//! The step list: every step of the script with its status (done, current, pending,
//! failed, skipped), scrolled so the current step is always visible.
//!
//! Invariant: each status has its own mark, so the list reads the same without colour.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use super::app::{App, StepStatus};
use super::text;

/// Draws the list in `area`.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let theme = app.theme;
    let block = Block::bordered()
        .border_style(theme.border())
        .title(Span::styled(format!(" {} ", text::STEPS), theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let rows = usize::from(inner.height);
    let current = app.current.unwrap_or(0);
    let first = (current + 2)
        .saturating_sub(rows)
        .min(app.info.steps.len().saturating_sub(rows));
    let width = usize::from(inner.width);
    let lines: Vec<Line<'static>> = app
        .info
        .steps
        .iter()
        .zip(&app.status)
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, (step, status))| {
            let (mark, style) = match status {
                StepStatus::Done => (text::MARK_DONE, theme.done()),
                StepStatus::Current => (text::MARK_CURRENT, theme.current()),
                StepStatus::Pending => (text::MARK_PENDING, theme.text()),
                StepStatus::Failed => (text::MARK_FAILED, theme.error()),
                StepStatus::Skipped => (text::MARK_SKIPPED, theme.dim()),
            };
            let label = format!("{:>2}. {}", i + 1, step.title);
            let room = width.saturating_sub(2);
            let label = if label.chars().count() > room {
                let cut: String = label.chars().take(room.saturating_sub(1)).collect();
                format!("{cut}…")
            } else {
                label
            };
            Line::from(vec![
                Span::styled(format!("{mark} "), style),
                Span::styled(label, style),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
