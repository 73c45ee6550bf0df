//! The final screen: how the ceremony ended, where the transcript is and its head hash,
//! until the operator leaves (the CLI then prints the same summary on the terminal).
//!
//! Invariant: drawn only from the engine's outcome, never from what the UI assumed. The
//! head is shown as `report` and `verify` show it: hex in groups of four and the head
//! phrase, the same words in the same order.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::Frame;

use super::app::App;
use super::operator::Finished;
use super::{pane, text};
use crate::engine::End;

/// Draws the final screen in the main pane. Blank rows separate the parts only when
/// everything fits with them; the head and its phrase are never cut.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, finished: &Finished) {
    let theme = app.theme;
    let inner = pane::frame(frame, area, app, None, 0, app.info.steps.len());
    // Each part is a list of rows; parts are separated by a blank row when there is room.
    let mut parts: Vec<Vec<Line<'static>>> =
        vec![vec![Line::styled(text::FINISHED_TITLE, theme.title())]];
    match finished {
        Finished::Ended {
            end,
            transcript,
            records,
            head,
            signed,
            unsigned,
        } => {
            parts.push(vec![match end {
                End::Completed => Line::styled(text::COMPLETED, theme.done()),
                End::Aborted { step, reason } => Line::styled(
                    text::aborted(step.as_ref().map(|s| s.as_str()), reason),
                    theme.error(),
                ),
                End::Failed { step, error } => {
                    Line::styled(text::failed(step.as_str(), error), theme.error())
                }
            }]);
            parts.push(vec![Line::styled(
                text::transcript_at(transcript),
                theme.text(),
            )]);
            // The head as hex in groups of four, then as the head phrase in numbered
            // groups of four words: both fit 80 columns and are read aloud as laid out.
            let mut head_rows = vec![Line::styled(text::head_records(*records), theme.text())];
            for row in crate::operator::Opening::rows(head) {
                head_rows.push(Line::styled(format!("  {row}"), theme.input()));
            }
            if let Ok(words) = crate::transcript::phrase::encode_hex(head) {
                head_rows.push(Line::styled(text::HEAD_PHRASE, theme.text()));
                let numbered = crate::transcript::phrase::numbered(&words);
                let per_row = if inner.width >= 76 { 2 } else { 1 };
                for row in numbered.chunks(per_row) {
                    let cells: Vec<String> = row.iter().map(|c| format!("{c:<36}")).collect();
                    head_rows.push(Line::styled(
                        format!("  {}", cells.join(" ").trim_end()),
                        theme.input(),
                    ));
                }
            }
            parts.push(head_rows);
            let mut signing = Vec::new();
            if !signed.is_empty() {
                signing.push(Line::styled(text::signed_by(signed), theme.done()));
            }
            for (role, why) in unsigned {
                signing.push(Line::styled(text::not_signed(role, why), theme.error()));
            }
            if !signing.is_empty() {
                parts.push(signing);
            }
        }
        Finished::Error(e) => {
            parts.push(vec![Line::styled(text::engine_error(e), theme.error())]);
        }
    }
    parts.push(vec![Line::styled(text::LEAVE, theme.key())]);
    let rows: usize = parts
        .iter()
        .flatten()
        .map(|l| pane::wrapped_height(&l.to_string(), inner.width))
        .map(usize::from)
        .sum();
    let spaced = rows + parts.len() - 1 <= usize::from(inner.height);
    let mut lines = Vec::new();
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 && spaced {
            lines.push(Line::raw(""));
        }
        lines.extend(part);
    }
    pane::paragraph(frame, inner, lines);
}
