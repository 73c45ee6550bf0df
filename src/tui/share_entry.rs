//! Share entry, word by word: each word completes as soon as its typed prefix is unique
//! in the SLIP-39 list (at most four letters), and the cursor moves on with no separator
//! key. Backspace steps back across words; a prefix that no word starts with is flagged
//! at once. The share goes to the engine when it is complete (33 words, or 20 words
//! whose checksum holds) or on Enter; the engine's validator then judges it.
//!
//! Invariants:
//! - The words exist only here, as list indices in a `Zeroizing` vector plus the letters
//!   of the word being typed in a `Zeroizing` string; the mnemonic handed to the engine
//!   is built in a `Zeroizing` string. All of it is wiped when the screen is left.
//! - Error messages quote typed letters only when no list word starts with them, never a
//!   valid word.
//! - The group progress the engine reports (its `inform` messages in this step) is shown
//!   above the words, so the room sees how many shares are still needed.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;
use zeroize::Zeroizing;

use super::app::{App, StepInfo};
use super::operator::Person;
use super::{pane, text};
use crate::slip39::{complete_prefix, PrefixMatch, Share, WORDS};

/// Words in the longest share (a 256-bit secret).
pub const MAX_WORDS: usize = 33;
/// Words in the shortest share (a 128-bit secret).
pub const SHORT_WORDS: usize = 20;

/// What a key did.
pub enum Typed {
    /// Nothing to send yet.
    Nothing,
    /// The share is complete: send it.
    Submit(Zeroizing<String>),
}

/// Letters needed to make `word` unique in the list (its shortest unique prefix).
pub fn unique_prefix_len(word: &str) -> usize {
    (1..=word.len())
        .find(|&k| matches!(complete_prefix(&word[..k]), PrefixMatch::Unique(_)))
        .unwrap_or(word.len())
}

/// A share being typed.
pub struct ShareEntry {
    /// Who types it.
    pub person: Option<Person>,
    /// The engine's prompt.
    pub prompt: String,
    words: Zeroizing<Vec<u16>>,
    current: Zeroizing<String>,
    error: Option<String>,
    flagged: bool,
}

impl ShareEntry {
    /// An empty share entry.
    pub fn new(person: Option<Person>, prompt: String) -> ShareEntry {
        ShareEntry {
            person,
            prompt,
            words: Zeroizing::new(Vec::with_capacity(MAX_WORDS)),
            current: Zeroizing::new(String::new()),
            error: None,
            flagged: false,
        }
    }

    /// Number of complete words.
    pub fn word_count(&self) -> usize {
        self.words.len()
    }

    /// Whether the letters being typed cannot begin any list word.
    pub fn is_flagged(&self) -> bool {
        self.flagged
    }

    /// The message shown, if any.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The engine's objection to the share sent.
    pub fn set_error(&mut self, message: String) {
        self.error = Some(message);
    }

    fn mnemonic(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(self.words.len() * 9));
        for (i, &w) in self.words.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(WORDS[usize::from(w)]);
        }
        out
    }

    /// A letter was typed.
    pub fn letter(&mut self, c: char) -> Typed {
        if self.flagged || self.words.len() >= MAX_WORDS || !c.is_ascii_alphabetic() {
            return Typed::Nothing;
        }
        self.current.push(c.to_ascii_lowercase());
        match complete_prefix(&self.current) {
            PrefixMatch::Unique(i) => {
                self.words.push(i);
                self.current.clear();
                self.error = None;
                let n = self.words.len();
                let done = n == MAX_WORDS
                    || (n == SHORT_WORDS && Share::from_mnemonic(&self.mnemonic()).is_ok());
                if done {
                    return Typed::Submit(self.mnemonic());
                }
            }
            PrefixMatch::Ambiguous(_) => self.error = None,
            PrefixMatch::NoMatch => {
                self.flagged = true;
                self.error = Some(text::no_such_word(self.words.len() + 1, &self.current));
            }
        }
        Typed::Nothing
    }

    /// Backspace: deletes the last letter, or reopens the last word one letter short of
    /// the prefix that completed it.
    pub fn backspace(&mut self) {
        self.error = None;
        self.flagged = false;
        if self.current.pop().is_some() {
            if let PrefixMatch::NoMatch = complete_prefix(&self.current) {
                if !self.current.is_empty() {
                    self.flagged = true;
                    self.error = Some(text::no_such_word(self.words.len() + 1, &self.current));
                }
            }
            return;
        }
        if let Some(i) = self.words.pop() {
            let word = WORDS[usize::from(i)];
            let k = unique_prefix_len(word);
            self.current.push_str(&word[..k.saturating_sub(1)]);
        }
    }

    /// Enter: sends the share, unless a word is incomplete or nothing is typed.
    pub fn enter(&mut self) -> Typed {
        if self.flagged {
            return Typed::Nothing;
        }
        if !self.current.is_empty() {
            if let PrefixMatch::Ambiguous(n) = complete_prefix(&self.current) {
                self.error = Some(text::word_incomplete(self.words.len() + 1, n));
            }
            return Typed::Nothing;
        }
        if self.words.is_empty() {
            self.error = Some(text::SHARE_EMPTY.to_string());
            return Typed::Nothing;
        }
        Typed::Submit(self.mnemonic())
    }

    /// Draws the share entry in the main pane.
    pub fn draw(
        &self,
        frame: &mut Frame<'_>,
        area: Rect,
        app: &App,
        step: Option<&StepInfo>,
        number: usize,
        total: usize,
    ) {
        let theme = app.theme;
        let inner = pane::frame(frame, area, app, step, number, total);
        let roomy = inner.height >= 20;
        // Group progress, prominent: a box of its own when there is room.
        let informs = progress_lines(app);
        let progress_height = if roomy {
            u16::try_from(informs.len()).unwrap_or(1) + 2
        } else {
            1
        };
        let cell: u16 = 13;
        let cols = usize::from((inner.width / cell).max(1));
        let slots = if self.words.len() < SHORT_WORDS {
            SHORT_WORDS
        } else {
            MAX_WORDS
        };
        let grid_rows = u16::try_from(slots.div_ceil(cols)).unwrap_or(u16::MAX);
        let [progress, who, _, grid, _, count, status, how] = Layout::vertical([
            Constraint::Length(progress_height),
            Constraint::Length(1),
            Constraint::Length(u16::from(roomy)),
            Constraint::Max(grid_rows),
            Constraint::Length(u16::from(roomy)),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        if roomy {
            frame.render_widget(
                Paragraph::new(informs).wrap(Wrap { trim: true }).block(
                    Block::bordered()
                        .border_style(theme.progress())
                        .title(Span::styled(
                            format!(" {} ", text::PROGRESS),
                            theme.progress(),
                        )),
                ),
                progress,
            );
        } else {
            let mut spans = vec![Span::styled(
                format!("{}: ", text::PROGRESS),
                theme.progress(),
            )];
            for (i, line) in informs.into_iter().enumerate() {
                if i > 0 {
                    spans.push(Span::styled(" · ", theme.dim()));
                }
                spans.extend(line.spans);
            }
            frame.render_widget(Paragraph::new(Line::from(spans)), progress);
        }
        let title = match &self.person {
            Some(p) => text::share_entry_for(&p.name, &p.role),
            None => text::THE_SHARE.to_string(),
        };
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(title, theme.title()),
                Span::styled(format!("  {}", text::SHARE_ENTRY_PRIVACY), theme.dim()),
            ])),
            who,
        );
        // The grid, scrolled so the word being typed is visible.
        let cursor_at = self.words.len();
        let visible = usize::from(grid.height.max(1));
        let first_row = (cursor_at / cols + 1).saturating_sub(visible);
        for i in (first_row * cols)..slots.max(cursor_at + 1).min(MAX_WORDS) {
            let row = i / cols - first_row;
            if row >= visible {
                break;
            }
            let x = grid.x + cell * u16::try_from(i % cols).unwrap_or(0);
            let y = grid.y + u16::try_from(row).unwrap_or(0);
            let number = Span::styled(format!("{:>2} ", i + 1), theme.dim());
            let body = if let Some(&w) = self.words.get(i) {
                Span::styled(WORDS[usize::from(w)], theme.input())
            } else if i == cursor_at {
                let style = if self.flagged {
                    theme.error()
                } else {
                    theme.current()
                };
                Span::styled(self.current.as_str(), style)
            } else {
                Span::styled("·", theme.dim())
            };
            let cell_area = Rect {
                x,
                y,
                width: cell,
                height: 1,
            };
            frame.render_widget(Paragraph::new(Line::from(vec![number, body])), cell_area);
            if i == cursor_at && !app.is_awaiting() {
                let cx = x + 3 + u16::try_from(self.current.len()).unwrap_or(0);
                frame.set_cursor_position((cx, y));
            }
        }
        let typed = match complete_prefix(&self.current) {
            PrefixMatch::Ambiguous(n) if !self.current.is_empty() => {
                format!(
                    "{} · {}",
                    text::words_typed(self.words.len()),
                    text::candidates(n)
                )
            }
            _ => text::words_typed(self.words.len()),
        };
        frame.render_widget(Paragraph::new(Line::styled(typed, theme.dim())), count);
        let line = match (&self.error, app.is_awaiting()) {
            (_, true) => Line::styled(text::SHARE_SENT, theme.dim()),
            (Some(e), false) => Line::styled(text::problem(e), theme.error()),
            (None, false) => Line::styled(self.prompt.clone(), theme.text()),
        };
        frame.render_widget(Paragraph::new(line), status);
        frame.render_widget(
            Paragraph::new(Line::styled(text::SHARE_ENTRY_HOW, theme.dim())),
            how,
        );
    }
}

/// The engine's messages in this step (group progress, rejected shares), the last two.
fn progress_lines(app: &App) -> Vec<Line<'static>> {
    let theme = app.theme;
    if app.step_informs.is_empty() {
        return vec![Line::styled(text::NO_PROGRESS, theme.dim())];
    }
    let n = app.step_informs.len();
    app.step_informs
        .iter()
        .skip(n.saturating_sub(2))
        .map(|m| {
            let style = if m.contains("not accepted") {
                theme.error()
            } else {
                theme.progress()
            };
            Line::styled(m.clone(), style)
        })
        .collect()
}
