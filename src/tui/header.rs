//! The header: the ceremony's title and id, the elapsed time, the transcript's record
//! count and short head hash, and who is present.
//!
//! Invariant: "present" lists only people whose attendance the engine accepted (and so
//! recorded); the head is read from the transcript on disk, never guessed.

use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::app::App;
use super::text;

/// Hex digits of the head hash shown.
pub const SHORT_HEAD: usize = 12;

/// Draws the two header rows.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let theme = app.theme;
    let transcript = match &app.head {
        Some(h) => text::transcript(h.records, &h.hash[..h.hash.len().min(SHORT_HEAD)]),
        None => text::NO_TRANSCRIPT.to_string(),
    };
    let right = format!("{}   {}", text::clock(app.elapsed), transcript);
    let right_width = u16::try_from(right.chars().count()).unwrap_or(0);
    let top = Rect { height: 1, ..area };
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(right, theme.dim()))).alignment(Alignment::Right),
        top,
    );
    let left = Rect {
        width: area.width.saturating_sub(right_width + 2),
        ..top
    };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(format!("{} ", text::APP), theme.key()),
            Span::styled(app.info.title.clone(), theme.title()),
            Span::styled(format!("  ({})", app.info.id), theme.dim()),
        ])),
        left,
    );
    let room = usize::from(area.width).saturating_sub(text::PRESENT.chars().count());
    let who = if app.present.is_empty() {
        Span::styled(text::NOBODY_PRESENT, theme.dim())
    } else {
        let names: Vec<String> = app
            .present
            .iter()
            .map(|p| text::person(&p.name, &p.role))
            .collect();
        let mut all = names.join(", ");
        if all.chars().count() > room {
            // Names only, and an ellipsis if even that is too long.
            all = app
                .present
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            if all.chars().count() > room {
                all = all.chars().take(room.saturating_sub(1)).collect::<String>() + "…";
            }
        }
        Span::styled(all, theme.done())
    };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(text::PRESENT, theme.dim()),
            who,
        ])),
        Rect {
            y: area.y + 1,
            height: area.height.saturating_sub(1).min(1),
            ..area
        },
    );
}
