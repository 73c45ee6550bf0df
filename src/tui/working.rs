//! The "working…" pane: shown while the engine computes (key derivation, splitting,
//! writing the transcript) with no question open; a spinner, an indeterminate bar and
//! the time spent so far.
//!
//! Invariant: it is drawn from the app's clock alone, so it moves only when the runtime
//! ticks (about four times a second while working) and is deterministic in tests.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::app::{App, StepInfo};
use super::{pane, text};

const SPINNER: [&str; 8] = ["⣾", "⣽", "⣻", "⢿", "⡿", "⣟", "⣯", "⣷"];

/// Draws the pane; `step` is the step at work (`None` before the first).
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, step: Option<&StepInfo>) {
    let theme = app.theme;
    let number = app.current.map_or(0, |i| i + 1);
    let inner = pane::frame(frame, area, app, step, number, app.info.steps.len());
    let spent = app.working_for().unwrap_or_default();
    let tick = usize::try_from(spent.as_millis() / 250).unwrap_or(0);
    let title = if step.is_some() {
        text::WORKING
    } else {
        text::STARTING
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                format!("{} ", SPINNER[tick % SPINNER.len()]),
                theme.current(),
            ),
            Span::styled(title, theme.title()),
            Span::styled(format!("  {}", text::seconds(spent)), theme.dim()),
        ]),
        Line::raw(""),
        bar(inner.width.saturating_sub(2), tick, app),
        Line::raw(""),
        Line::styled(text::WORKING_HINT, theme.dim()),
    ];
    if let Some(reason) = &app.abort_reason {
        lines.push(Line::raw(""));
        lines.push(Line::styled(text::abort_pending(reason), theme.warning()));
    }
    pane::paragraph(frame, inner, lines);
}

/// An indeterminate bar: a block bouncing from end to end.
fn bar(width: u16, tick: usize, app: &App) -> Line<'static> {
    let width = usize::from(width.clamp(10, 60));
    let block = width / 5;
    let travel = width - block;
    let phase = tick % (2 * travel).max(1);
    let at = if phase < travel {
        phase
    } else {
        2 * travel - phase
    };
    Line::from(vec![
        Span::styled("░".repeat(at), app.theme.dim()),
        Span::styled("█".repeat(block), app.theme.current()),
        Span::styled("░".repeat(travel - at), app.theme.dim()),
    ])
}
