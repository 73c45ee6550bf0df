//! The secret screen: a share shown to its holder alone.
//!
//! It goes through three states: a warning (who it is for, everyone else look away,
//! press Enter to reveal), the words (numbered, in a grid, the first four letters
//! emphasised: bold and underlined, or in capitals without colour), and the holder's
//! confirmation that every word is written down.
//!
//! Invariants:
//! - The words are held only here, in a `Zeroizing` string, and are drawn only by this
//!   module, only in the revealed states; dropping the screen wipes them.
//! - The screen takes the whole terminal: no header, step list or message pane is drawn
//!   beside it, so no other pane can carry a word into a later redraw.
//! - The app clears the terminal when this screen opens and when it closes.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;
use zeroize::{Zeroize, Zeroizing};

use super::action::Action;
use super::operator::Person;
use super::text;
use super::theme::Theme;

/// Where the secret screen is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretStep {
    /// Everyone else is asked to look away; nothing secret is drawn.
    Warning,
    /// The words are shown.
    Revealed,
    /// The words are shown and the holder is asked to confirm they are written down.
    Confirming,
}

/// A share on the secret screen.
pub struct SecretScreen {
    /// Who it is for.
    pub holder: Person,
    /// What it is.
    pub caption: String,
    /// Where the screen is.
    pub step: SecretStep,
    /// The engine's objection, if any.
    pub error: Option<String>,
    words: Zeroizing<String>,
}

impl SecretScreen {
    /// A secret screen in its warning state.
    pub fn new(holder: Person, caption: String, words: Zeroizing<String>) -> SecretScreen {
        SecretScreen {
            holder,
            caption,
            step: SecretStep::Warning,
            error: None,
            words,
        }
    }

    /// Number of words.
    pub fn word_count(&self) -> usize {
        self.words.split_whitespace().count()
    }

    /// Handles a key; returns whether the holder has confirmed the share is written.
    pub fn key(&mut self, action: &Action) -> bool {
        match (self.step, action) {
            (SecretStep::Warning, Action::Enter) => self.step = SecretStep::Revealed,
            (SecretStep::Revealed, Action::Enter) => self.step = SecretStep::Confirming,
            (SecretStep::Confirming, Action::Char('y' | 'Y')) => return true,
            (SecretStep::Confirming, Action::Char('n' | 'N')) => self.step = SecretStep::Revealed,
            _ => {}
        }
        false
    }

    /// Draws the screen over the whole terminal.
    pub fn draw(&self, frame: &mut Frame<'_>, area: Rect, theme: Theme) {
        let block = Block::bordered()
            .border_style(theme.warning())
            .title(Span::styled(
                format!(" {} ", text::SECRET_TITLE),
                theme.warning(),
            ));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        match self.step {
            SecretStep::Warning => self.draw_warning(frame, inner, theme),
            SecretStep::Revealed | SecretStep::Confirming => self.draw_words(frame, inner, theme),
        }
    }

    fn draw_warning(&self, frame: &mut Frame<'_>, area: Rect, theme: Theme) {
        let lines = vec![
            Line::styled(
                text::secret_for(&self.holder.name, &self.holder.role),
                theme.warning(),
            ),
            Line::raw(""),
            Line::styled(text::LOOK_AWAY, theme.warning()),
            Line::raw(""),
            Line::styled(self.caption.clone(), theme.text()),
            Line::raw(""),
            Line::styled(text::reveal_prompt(&self.holder.name), theme.key()),
        ];
        let height = u16::try_from(lines.len()).unwrap_or(0);
        let [_, middle, _] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(height + 2),
            Constraint::Fill(1),
        ])
        .areas(area);
        frame.render_widget(
            Paragraph::new(lines)
                .alignment(ratatui::layout::Alignment::Center)
                .wrap(Wrap { trim: true }),
            middle,
        );
    }

    fn draw_words(&self, frame: &mut Frame<'_>, area: Rect, theme: Theme) {
        let words: Vec<&str> = self.words.split_whitespace().collect();
        let cols: usize = if area.width >= 100 { 4 } else { 3 };
        let rows = words.len().div_ceil(cols);
        let grid_rows = u16::try_from(rows).unwrap_or(u16::MAX);
        // Blank lines between rows when there is room: easier to copy.
        let spaced = area.height >= grid_rows * 2 + 8;
        let grid_height = if spaced { grid_rows * 2 } else { grid_rows };
        let [banner, caption, _, grid, _, note, prompt, _] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(grid_height),
            Constraint::Length(1),
            Constraint::Length(2),
            Constraint::Length(2),
            Constraint::Fill(1),
        ])
        .areas(area);
        frame.render_widget(
            Paragraph::new(Line::styled(
                text::secret_banner(&self.holder.name, &self.holder.role),
                theme.warning(),
            )),
            banner,
        );
        frame.render_widget(
            Paragraph::new(Line::styled(self.caption.clone(), theme.text())),
            caption,
        );
        let cell = grid.width / u16::try_from(cols).unwrap_or(1);
        for (i, word) in words.iter().enumerate() {
            let (r, c) = (i / cols, i % cols);
            let y = grid.y + u16::try_from(if spaced { r * 2 } else { r }).unwrap_or(0);
            let x = grid.x + cell * u16::try_from(c).unwrap_or(0);
            if y >= grid.y + grid.height {
                continue;
            }
            let split = word.char_indices().nth(4).map_or(word.len(), |(b, _)| b);
            let (head, tail) = word.split_at(split);
            // Without colour the head is in capitals, made in a stack buffer that is
            // wiped below: no heap copy of a word is made for drawing.
            let mut upper = [0u8; 16];
            let head_shown: &str = if theme.color {
                head
            } else {
                capitals(head, &mut upper)
            };
            let line = Line::from(vec![
                Span::styled(format!("{:>4}. ", i + 1), theme.word_number()),
                Span::styled(head_shown, theme.word_head()),
                Span::styled(tail, theme.word_tail()),
            ]);
            frame.render_widget(
                Paragraph::new(line),
                Rect {
                    x,
                    y,
                    width: cell,
                    height: 1,
                },
            );
            upper.zeroize();
        }
        frame.render_widget(
            Paragraph::new(Line::styled(text::WRITE_DOWN, theme.dim())).wrap(Wrap { trim: true }),
            note,
        );
        let n = words.len();
        let ask = match (&self.error, self.step) {
            (Some(e), _) => Line::styled(text::problem(e), theme.error()),
            (None, SecretStep::Confirming) => {
                Line::styled(text::written_confirm(n), theme.warning())
            }
            (None, _) => Line::styled(text::written_prompt(n), theme.key()),
        };
        frame.render_widget(Paragraph::new(ask).wrap(Wrap { trim: true }), prompt);
    }
}

/// `head` in ASCII capitals, written into `buf` (SLIP-39 words are lowercase ASCII; any
/// other text is returned unchanged).
fn capitals<'a>(head: &'a str, buf: &'a mut [u8; 16]) -> &'a str {
    let bytes = head.as_bytes();
    if !head.is_ascii() || bytes.len() > buf.len() {
        return head;
    }
    for (b, c) in buf.iter_mut().zip(bytes) {
        *b = c.to_ascii_uppercase();
    }
    std::str::from_utf8(&buf[..bytes.len()]).unwrap_or(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capitals_in_a_stack_buffer() {
        let mut buf = [0u8; 16];
        assert_eq!(capitals("acad", &mut buf), "ACAD");
        let mut buf = [0u8; 16];
        assert_eq!(capitals("é", &mut buf), "é");
    }

    #[test]
    fn the_holder_must_reveal_then_confirm() {
        let holder = Person {
            role: "custodian-1".into(),
            name: "Carol Example".into(),
        };
        let mut s = SecretScreen::new(
            holder,
            String::new(),
            Zeroizing::new("acid academic".into()),
        );
        assert_eq!(s.word_count(), 2);
        assert!(!s.key(&Action::Char('y')), "not before the reveal");
        assert!(!s.key(&Action::Enter));
        assert_eq!(s.step, SecretStep::Revealed);
        assert!(!s.key(&Action::Char('y')), "not before Enter");
        assert!(!s.key(&Action::Enter));
        assert!(s.key(&Action::Char('y')));
    }
}
