//! The final screen: how the ceremony ended, where the transcript is and its head hash,
//! until the operator leaves (the CLI then prints the same summary on the terminal).
//!
//! Invariant: drawn only from the engine's outcome, never from what the UI assumed.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::Frame;

use super::app::App;
use super::operator::Finished;
use super::{pane, text};
use crate::engine::End;

/// Draws the final screen in the main pane.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, finished: &Finished) {
    let theme = app.theme;
    let inner = pane::frame(frame, area, app, None, 0, app.info.steps.len());
    let mut lines = vec![
        Line::styled(text::FINISHED_TITLE, theme.title()),
        Line::raw(""),
    ];
    match finished {
        Finished::Ended {
            end,
            transcript,
            records,
            head,
            signed,
            unsigned,
        } => {
            lines.push(match end {
                End::Completed => Line::styled(text::COMPLETED, theme.done()),
                End::Aborted { step, reason } => Line::styled(
                    text::aborted(step.as_ref().map(|s| s.as_str()), reason),
                    theme.error(),
                ),
                End::Failed { step, error } => {
                    Line::styled(text::failed(step.as_str(), error), theme.error())
                }
            });
            lines.push(Line::raw(""));
            lines.push(Line::styled(text::transcript_at(transcript), theme.text()));
            lines.push(Line::styled(
                text::head_aloud(*records, head),
                theme.input(),
            ));
            if !signed.is_empty() {
                lines.push(Line::styled(text::signed_by(signed), theme.done()));
            }
            for (role, why) in unsigned {
                lines.push(Line::styled(text::not_signed(role, why), theme.error()));
            }
        }
        Finished::Error(e) => {
            lines.push(Line::styled(text::engine_error(e), theme.error()));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(text::LEAVE, theme.key()));
    pane::paragraph(frame, inner, lines);
}
