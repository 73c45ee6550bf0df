//! The key-hint line at the bottom: the keys that do something on the screen open now.
//!
//! Invariant: it names `Esc` (not `q`) for abort and `F1` for help whenever the focused
//! input takes text, where `q` and `?` are letters.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::app::{App, Overlay, Screen};
use super::secret::SecretStep;
use super::text;

/// The hints for the app's state.
pub fn hints(app: &App) -> Vec<(&'static str, &'static str)> {
    use text::*;
    match &app.overlay {
        Some(Overlay::Help) => return vec![HINT_CLOSE],
        Some(Overlay::Abort(_)) => return vec![HINT_ABORT_CONFIRM, HINT_TAB, HINT_KEEP_GOING],
        None => {}
    }
    match &app.screen {
        Screen::Starting | Screen::Working(_) => vec![HINT_ABORT_Q, HINT_HELP, HINT_SCROLL],
        Screen::Confirm(_) => vec![HINT_ENTER_CONFIRM, HINT_ABORT_ESC, HINT_HELP, HINT_SCROLL],
        Screen::Acknowledge(_) | Screen::Opening(_) => {
            vec![HINT_ENTER_ACK, HINT_ABORT_Q, HINT_HELP, HINT_SCROLL]
        }
        Screen::Field(_) | Screen::Masked(_) => {
            vec![HINT_ENTER_SUBMIT, HINT_ABORT_ESC, HINT_HELP_F1, HINT_SCROLL]
        }
        Screen::Share(_) => vec![
            HINT_ENTER_SUBMIT,
            HINT_BACKSPACE_WORDS,
            HINT_ABORT_ESC,
            HINT_HELP,
        ],
        Screen::Secret(s) => match s.step {
            SecretStep::Warning => vec![HINT_ENTER_REVEAL, HINT_ABORT_Q],
            SecretStep::Revealed => vec![HINT_ENTER_WRITTEN, HINT_ABORT_Q],
            SecretStep::Confirming => vec![HINT_YES_NO, HINT_ABORT_Q],
        },
        Screen::Finished(_) => vec![HINT_ENTER_LEAVE],
    }
}

/// Draws the hint line.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let theme = app.theme;
    let mut spans = Vec::new();
    for (i, (key, what)) in hints(app).into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled("  ·  ", theme.dim()));
        }
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::styled(format!(" {what}"), theme.text()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
