//! The opening screen, before the first step: the room compares the script's SHA-256
//! (and keyrite's own) with the cover of the printed script, then the operator goes on
//! with Enter or aborts with Esc.
//!
//! Invariant: the hashes are laid out as `keyrite print` lays out the script's, in groups
//! of four, eight groups a row, so they fit 80 columns and can be read aloud.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

use super::app::App;
use super::text;
use crate::operator::Opening;

/// What the opening screen shows.
pub struct OpeningScreen {
    /// The script file, as given.
    pub script_path: String,
    /// Its SHA-256, in hex.
    pub script_sha256: String,
    /// keyrite's version.
    pub tool_version: String,
    /// The binary's SHA-256, in hex, if it could be read.
    pub tool_sha256: Option<String>,
    /// Pre-flight warnings.
    pub warnings: Vec<String>,
}

impl OpeningScreen {
    /// The screen for `opening`.
    pub fn new(opening: &Opening<'_>) -> OpeningScreen {
        OpeningScreen {
            script_path: crate::sanitize::line_for_terminal(&opening.script_path).into_owned(),
            script_sha256: opening.script_sha256.to_string(),
            tool_version: opening.tool_version.to_string(),
            tool_sha256: opening.tool_sha256.map(str::to_string),
            warnings: opening
                .warnings
                .iter()
                .map(|w| crate::sanitize::for_terminal(w).into_owned())
                .collect(),
        }
    }

    /// Draws the screen in the main pane.
    pub fn draw(&self, frame: &mut Frame<'_>, area: Rect, app: &App) {
        let theme = app.theme;
        let block = Block::bordered()
            .border_style(theme.border())
            .title(Span::styled(
                format!(" {} ", text::OPENING_TITLE),
                theme.title(),
            ));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let mut lines = vec![
            Line::styled(text::OPENING_COMPARE, theme.text()),
            Line::raw(""),
            Line::from(vec![
                Span::styled(format!("{:<10}", text::OPENING_SCRIPT), theme.dim()),
                Span::styled(self.script_path.clone(), theme.input()),
            ]),
        ];
        for (i, row) in Opening::rows(&self.script_sha256).into_iter().enumerate() {
            let label = if i == 0 { "SHA-256" } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!("{label:<10}"), theme.dim()),
                Span::styled(row, theme.title()),
            ]));
        }
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled(format!("{:<10}", "keyrite"), theme.dim()),
            Span::styled(self.tool_version.clone(), theme.input()),
        ]));
        match &self.tool_sha256 {
            Some(hash) => {
                for (i, row) in Opening::rows(hash).into_iter().enumerate() {
                    let label = if i == 0 { "binary" } else { "" };
                    lines.push(Line::from(vec![
                        Span::styled(format!("{label:<10}"), theme.dim()),
                        Span::styled(row, theme.input()),
                    ]));
                }
            }
            None => lines.push(Line::styled(text::OPENING_NO_BINARY_HASH, theme.warning())),
        }
        for w in &self.warnings {
            lines.push(Line::styled(format!("! {w}"), theme.warning()));
        }
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            if app.is_awaiting() {
                text::CHECKING
            } else {
                text::OPENING_PROMPT
            },
            theme.key(),
        ));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    }
}
