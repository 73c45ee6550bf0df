//! A one-line text input: the buffer, editing, and how it is drawn (plain or masked).
//!
//! Invariants:
//! - The buffer is a `Zeroizing` string, so what was typed (a passphrase, dice, a check
//!   word) is wiped when the input is dropped or cleared.
//! - A masked input never draws its content, not even its length beyond a count of
//!   characters in words ("5 characters"); the same `•` is drawn for every character.
//! - Control characters are never inserted.

use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use zeroize::Zeroizing;

use super::theme::Theme;

/// Longest input accepted, in characters (a field value is at most 200; dice rolls for a
/// 256-bit secret with spaces fit too).
pub const MAX_CHARS: usize = 1000;

/// A one-line input.
pub struct Input {
    buffer: Zeroizing<String>,
    masked: bool,
}

impl Input {
    /// An empty, visible input.
    pub fn plain() -> Input {
        Input {
            buffer: Zeroizing::new(String::new()),
            masked: false,
        }
    }

    /// An empty input whose content is never drawn.
    pub fn masked() -> Input {
        Input {
            buffer: Zeroizing::new(String::new()),
            masked: true,
        }
    }

    /// Whether the content is hidden.
    pub fn is_masked(&self) -> bool {
        self.masked
    }

    /// Appends a character (at the end: the cursor is always at the end).
    pub fn push(&mut self, c: char) {
        if !c.is_control()
            && !crate::sanitize::is_forbidden(c)
            && self.buffer.chars().count() < MAX_CHARS
        {
            self.buffer.push(c);
        }
    }

    /// Deletes the last character.
    pub fn backspace(&mut self) {
        self.buffer.pop();
    }

    /// The content.
    pub fn value(&self) -> &str {
        &self.buffer
    }

    /// A zeroizing copy of the content, to send away.
    pub fn take_secret(&mut self) -> Zeroizing<String> {
        std::mem::replace(&mut self.buffer, Zeroizing::new(String::new()))
    }

    /// Number of characters typed.
    pub fn len(&self) -> usize {
        self.buffer.chars().count()
    }

    /// Number of characters typed other than spaces (dice rolls between groups).
    pub fn non_space_len(&self) -> usize {
        self.buffer.chars().filter(|c| !c.is_whitespace()).count()
    }

    /// Whether nothing is typed.
    pub fn is_empty(&self) -> bool {
        self.buffer.is_empty()
    }

    /// Draws `> text` in one row of `area`, scrolled so the end is visible, and puts the
    /// cursor after it when `focused`.
    pub fn draw(&self, frame: &mut Frame<'_>, area: Rect, theme: Theme, focused: bool) {
        if area.width < 4 || area.height == 0 {
            return;
        }
        let room = usize::from(area.width.saturating_sub(3));
        let shown: String = if self.masked {
            "•".repeat(self.len().min(room))
        } else {
            let n = self.len();
            self.buffer.chars().skip(n.saturating_sub(room)).collect()
        };
        let width = u16::try_from(shown.chars().count()).unwrap_or(u16::MAX);
        let line = Line::from(vec![
            Span::styled("> ", theme.key()),
            Span::styled(shown, theme.input()),
        ]);
        let row = Rect { height: 1, ..area };
        frame.render_widget(Paragraph::new(line), row);
        if focused {
            frame.set_cursor_position(Position {
                x: area.x.saturating_add(2).saturating_add(width),
                y: area.y,
            });
        }
    }
}
