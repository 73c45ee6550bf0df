//! Share entry. People type a share in whatever way they were taught: the shortest
//! unique start of each word with no separator (each word completes by itself, the
//! fast path), the first four letters of each word, or whole words, with or without
//! spaces, in any mix. The typed text is read by [`crate::slip39::typing`]; what it was
//! read as is shown as full words while typing. When the share is complete (a reading
//! of a share's length passes the RS1024 checksum) it goes to the engine by itself;
//! when two readings pass, the person is shown each and picks one. Enter sends what is
//! typed, and the engine's validator judges it.
//!
//! Editing: Shift-Tab (or Up, where the front end routes it here) selects a word,
//! counting back from the end; Tab (or Down) the next one; digits typed then pick a
//! word by its number ("1", "2": word 12). Typing letters then retypes the
//! selected word: its letters in the typed text are replaced, with separators around
//! them so that the neighbouring words keep their reading. Enter (or Esc, where routed)
//! ends the retyping. Backspace deletes the last letter typed, wherever it is.
//!
//! Invariants:
//! - The typed letters exist only here, in a `Zeroizing` string whose capacity is
//!   reserved up front (no reallocation leaves a copy), and in the `Zeroizing` readings
//!   derived from it; the mnemonic handed to the engine is built in a `Zeroizing`
//!   string. All of it is wiped when the screen is left.
//! - Error messages quote typed letters only when no list word starts with them, never a
//!   valid word.
//! - The group progress the engine reports (its `inform` messages in this step) is shown
//!   above the words, so the room sees how many shares are still needed.

use std::ops::Range;

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;
use zeroize::Zeroizing;

use super::action::Action;
use super::app::{App, StepInfo};
use super::operator::Person;
use super::{pane, text};
use crate::operator::Severity;
use crate::slip39::typing::{
    self, differing_words, is_separator, is_valid_share, Decision, Reading, Readings, Stuck,
};
use crate::slip39::{complete_prefix, PrefixMatch, WORDS};

pub use crate::slip39::typing::unique_prefix_len;

/// Words in the longest share the grid is laid out for (a 256-bit secret); longer
/// shares are accepted and the grid grows.
pub const MAX_WORDS: usize = 33;
/// Words in the shortest share (a 128-bit secret).
pub const SHORT_WORDS: usize = 20;

/// Most characters kept: a 59-word share in whole words with separators fits.
const MAX_TYPED: usize = 59 * 9;

/// What a key did.
pub enum Typed {
    /// Nothing to send yet.
    Nothing,
    /// The share is complete: send it.
    Submit(Zeroizing<String>),
}

/// What the typed text reads as.
enum View {
    /// Readable (allowing a fragment at the cursor).
    Read(Box<Readings>),
    /// Not readable: the words before the place where reading stops, the letters
    /// there, and the words after them.
    Stuck {
        before: Option<Box<Readings>>,
        stuck: Stuck,
        after: Option<Box<Readings>>,
    },
}

/// A word picked to retype.
struct Edit {
    /// Its index among the words shown.
    word: usize,
    /// The letters typed for it so far, in the typed text; `None` until the first key.
    span: Option<Range<usize>>,
    /// The word number typed to jump to it (digits, while a word is picked).
    number: usize,
}

/// Several readings pass the checksum: the person picks one.
struct Choice {
    options: Vec<Reading>,
    differ: Vec<usize>,
    shown: usize,
}

/// How one cell of the grid looks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    /// Letters that several words start with, at the cursor.
    Fragment,
    /// Letters no word starts with.
    Flagged,
    /// The word picked to retype.
    Selected,
    /// A word (or letters) being retyped.
    Retyped,
    /// A word that differs between readings that pass the checksum.
    Differs,
}

/// One cell of the grid: a word, or letters of the typed text.
struct Cell {
    word: Option<u16>,
    letters: Range<usize>,
    kind: Kind,
}

/// A share being typed.
pub struct ShareEntry {
    /// Who types it.
    pub person: Option<Person>,
    /// The engine's prompt.
    pub prompt: String,
    /// Lowercase letters and single spaces for separators.
    raw: Zeroizing<String>,
    view: Box<View>,
    edit: Option<Edit>,
    choice: Option<Choice>,
    error: Option<String>,
    check: fn(&str) -> bool,
}

impl ShareEntry {
    /// An empty share entry.
    pub fn new(person: Option<Person>, prompt: String) -> ShareEntry {
        let mut entry = ShareEntry {
            person,
            prompt,
            raw: Zeroizing::new(String::with_capacity(MAX_TYPED + 2)),
            view: Box::new(View::Stuck {
                before: None,
                stuck: Stuck {
                    word: 1,
                    letters: 0..0,
                    candidates: None,
                },
                after: None,
            }),
            edit: None,
            choice: None,
            error: None,
            check: is_valid_share,
        };
        entry.refresh();
        entry
    }

    /// The same entry judging completeness with `check` instead of the share checksum
    /// (tests of the choice between readings, which real shares almost never need).
    #[doc(hidden)]
    pub fn with_check(mut self, check: fn(&str) -> bool) -> ShareEntry {
        self.check = check;
        self
    }

    /// Number of whole words shown.
    pub fn word_count(&self) -> usize {
        self.cells().iter().filter(|c| c.word.is_some()).count()
    }

    /// Whether the letters typed cannot be read as words.
    pub fn is_flagged(&self) -> bool {
        matches!(*self.view, View::Stuck { .. }) && !self.raw.trim().is_empty()
    }

    /// Whether a word is picked to retype.
    pub fn is_editing(&self) -> bool {
        self.edit.is_some()
    }

    /// Whether the person is asked to pick between readings.
    pub fn is_choosing(&self) -> bool {
        self.choice.is_some()
    }

    /// The 1-based number of the word picked to retype.
    pub fn editing_word(&self) -> Option<usize> {
        self.edit.as_ref().map(|e| e.word + 1)
    }

    /// The message shown, if any.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The engine's objection to the share sent.
    pub fn set_error(&mut self, message: String) {
        self.error = Some(message);
    }

    /// The whole words shown, as a mnemonic (for tests; it is what Enter would send
    /// when no reading passes the checksum).
    pub fn words(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(self.raw.len() * 2 + 16));
        for c in self.cells() {
            if let Some(w) = c.word {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(WORDS[usize::from(w)]);
            }
        }
        out
    }

    /// Any key meant for share entry. Returns whether the share is to be sent.
    pub fn key(&mut self, action: &Action) -> Typed {
        match action {
            Action::Char(c) => self.letter(*c),
            Action::Backspace => {
                self.backspace();
                Typed::Nothing
            }
            Action::Enter => self.enter(),
            Action::Tab | Action::Down | Action::Right => self.select_next(),
            Action::BackTab | Action::Up | Action::Left => self.select_previous(),
            Action::Esc => {
                self.leave();
                Typed::Nothing
            }
            _ => Typed::Nothing,
        }
    }

    /// Where letters go: the end of the retyped word, or the end of the text.
    fn cursor(&self) -> usize {
        match &self.edit {
            Some(Edit {
                span: Some(span), ..
            }) => span.end,
            _ => self.raw.len(),
        }
    }

    /// Reads the typed text again.
    fn refresh(&mut self) {
        let cursor = self.cursor();
        *self.view = match typing::read(&self.raw, Some(cursor)) {
            Ok(r) => View::Read(Box::new(r)),
            Err(stuck) => {
                let before = typing::read(&self.raw[..stuck.letters.start], None)
                    .ok()
                    .map(Box::new);
                let after = typing::read(&self.raw[stuck.letters.end..], None)
                    .ok()
                    .map(Box::new);
                View::Stuck {
                    before,
                    stuck,
                    after,
                }
            }
        };
    }

    /// The message for text that cannot be read.
    fn stuck_message(&self) -> Option<String> {
        let View::Stuck { stuck, .. } = &*self.view else {
            return None;
        };
        let letters = &self.raw[stuck.letters.clone()];
        Some(match (stuck.candidates, complete_prefix(letters)) {
            (Some(n), _) => text::word_incomplete(stuck.word, n),
            (None, PrefixMatch::NoMatch) => text::no_such_word(stuck.word, letters),
            // Letters that begin a word but cannot be read where they are: not quoted.
            (None, _) => text::word_unreadable(stuck.word),
        })
    }

    /// After a change: flag unreadable text, and send the share when it is complete.
    fn changed(&mut self) -> Typed {
        self.refresh();
        if self.is_flagged() {
            self.error = self.stuck_message();
            return Typed::Nothing;
        }
        self.error = None;
        let View::Read(readings) = &*self.view else {
            return Typed::Nothing;
        };
        match readings.decide(&self.check) {
            Decision::One(r) => {
                self.edit = None;
                Typed::Submit(r.mnemonic())
            }
            Decision::Several(options) => {
                self.offer(options);
                Typed::Nothing
            }
            Decision::NoneValid | Decision::TooMany => {
                // A full-length share that fails the checksum goes to the engine, which
                // says so (as when the words were typed one by one).
                let p = readings.preferred();
                if self.edit.is_none() && p.fragment().is_none() && p.len() == MAX_WORDS {
                    Typed::Submit(p.mnemonic())
                } else {
                    Typed::Nothing
                }
            }
        }
    }

    fn offer(&mut self, options: Vec<Reading>) {
        let differ = differing_words(&options);
        self.edit = None;
        self.choice = Some(Choice {
            options,
            differ,
            shown: 0,
        });
    }

    /// Replaces `range` of the typed text with `with`, in place (the capacity is
    /// reserved, so nothing is reallocated).
    fn splice(&mut self, range: Range<usize>, with: &str) {
        let tail = Zeroizing::new(self.raw[range.end..].to_string());
        self.raw.truncate(range.start);
        self.raw.push_str(with);
        self.raw.push_str(&tail);
    }

    /// Starts retyping the selected word: its letters are taken out and separators put
    /// around the place, so the neighbours keep their reading.
    fn begin_retype(&mut self) {
        let Some(edit) = &self.edit else { return };
        if edit.span.is_some() {
            return;
        }
        let word = edit.word;
        let span = self
            .cells()
            .get(word)
            .map_or(self.raw.len()..self.raw.len(), |c| c.letters.clone());
        let left = span.start > 0 && !self.raw[..span.start].ends_with(' ');
        let right = span.end < self.raw.len() && !self.raw[span.end..].starts_with(' ');
        let pos = span.start + usize::from(left);
        let with = match (left, right) {
            (true, true) => "  ",
            (true, false) | (false, true) => " ",
            (false, false) => "",
        };
        self.splice(span, with);
        self.edit = Some(Edit {
            word,
            span: Some(pos..pos),
            number: 0,
        });
    }

    /// A character was typed: a letter, or a separator (space, comma, hyphen, ...).
    /// While readings are offered, a digit picks one.
    pub fn letter(&mut self, c: char) -> Typed {
        if let Some(choice) = &self.choice {
            if let Some(d) = c.to_digit(10) {
                let k = d as usize;
                if (1..=choice.options.len()).contains(&k) {
                    let r = &choice.options[k - 1];
                    return Typed::Submit(r.mnemonic());
                }
                return Typed::Nothing;
            }
            if !c.is_ascii_alphabetic() {
                return Typed::Nothing;
            }
            self.choice = None;
        }
        if let (Some(d), Some(Edit { span: None, .. })) = (c.to_digit(10), &self.edit) {
            // A word is picked: its number moves the pick ("1", "2" picks word 12).
            let words = self.cells().iter().filter(|c| c.word.is_some()).count();
            let d = d as usize;
            if let Some(edit) = &mut self.edit {
                let n = edit.number * 10 + d;
                let n = if (1..=words).contains(&n) { n } else { d };
                if (1..=words).contains(&n) {
                    edit.number = n;
                    edit.word = n - 1;
                }
            }
            return Typed::Nothing;
        }
        let letter = c.is_ascii_alphabetic();
        if !(letter || is_separator(c)) || self.is_flagged() || self.raw.len() >= MAX_TYPED {
            return Typed::Nothing;
        }
        if self.edit.is_none() && letter {
            // The grid holds a share's words; once a full-length share is shown, more
            // letters at the end are refused (edit a word, or Backspace).
            if let View::Read(r) = &*self.view {
                let p = r.preferred();
                if p.fragment().is_none() && p.len() >= MAX_WORDS {
                    return Typed::Nothing;
                }
            }
        }
        self.begin_retype();
        let at = self.cursor();
        let before = self.raw[..at].chars().last();
        if !letter && (before.is_none() || before == Some(' ')) {
            return Typed::Nothing;
        }
        let ch = if letter { c.to_ascii_lowercase() } else { ' ' };
        self.raw.insert(at, ch);
        if let Some(Edit {
            span: Some(span), ..
        }) = &mut self.edit
        {
            span.end += 1;
        }
        if !letter {
            // A separator after letters that several words start with would close an
            // incomplete word: refuse it and say so.
            self.refresh();
            if self.is_flagged() {
                let message = self.stuck_message();
                self.raw.remove(at);
                if let Some(Edit {
                    span: Some(span), ..
                }) = &mut self.edit
                {
                    span.end -= 1;
                }
                self.refresh();
                self.error = message;
                return Typed::Nothing;
            }
        }
        self.changed()
    }

    /// Backspace: deletes the last letter typed (of the retyped word, when one is being
    /// retyped; a picked word is cleared).
    pub fn backspace(&mut self) {
        if self.choice.take().is_some() {
            return;
        }
        self.error = None;
        match &self.edit {
            Some(Edit { span: None, .. }) => self.begin_retype(),
            Some(Edit {
                span: Some(span), ..
            }) => {
                if span.end > span.start {
                    let at = span.end - 1;
                    self.raw.remove(at);
                    if let Some(Edit {
                        span: Some(span), ..
                    }) = &mut self.edit
                    {
                        span.end -= 1;
                    }
                }
            }
            None => {
                self.raw.pop();
            }
        }
        self.refresh();
        if self.is_flagged() {
            self.error = self.stuck_message();
        }
    }

    /// Ends retyping a word (or cancels a pick or a choice).
    fn leave(&mut self) {
        self.choice = None;
        if self.is_flagged() {
            return;
        }
        if let Some(edit) = self.edit.take() {
            if let Some(span) = edit.span {
                if span.is_empty() {
                    // The word was cleared and nothing typed: it is deleted; one of the
                    // separators put around it goes too.
                    let end = (span.end + 1).min(self.raw.len());
                    if self.raw[span.end..end] == *" " {
                        self.raw.remove(span.end);
                    }
                }
            }
        }
        self.refresh();
    }

    /// Enter: takes the reading shown when asked to pick, ends retyping a word, or
    /// sends the share (unless a word is incomplete or nothing is typed).
    pub fn enter(&mut self) -> Typed {
        if let Some(choice) = &self.choice {
            return Typed::Submit(choice.options[choice.shown].mnemonic());
        }
        if self.is_flagged() {
            return Typed::Nothing;
        }
        if self.edit.is_some() {
            self.leave();
            return self.changed();
        }
        if !self.raw.bytes().any(|b| b.is_ascii_alphabetic()) {
            self.error = Some(text::SHARE_EMPTY.to_string());
            return Typed::Nothing;
        }
        let readings = match typing::read(&self.raw, None) {
            Ok(r) => r,
            Err(stuck) => {
                let candidates = stuck.candidates;
                *self.view = View::Stuck {
                    before: None,
                    stuck,
                    after: None,
                };
                self.error = self.stuck_message();
                self.refresh();
                if candidates.is_none() {
                    // Shown flagged until Backspace.
                }
                return Typed::Nothing;
            }
        };
        match readings.decide(&self.check) {
            Decision::One(r) => Typed::Submit(r.mnemonic()),
            Decision::Several(options) => {
                self.offer(options);
                Typed::Nothing
            }
            Decision::TooMany => {
                self.error = Some(text::SHARE_TOO_MANY.to_string());
                Typed::Nothing
            }
            Decision::NoneValid => Typed::Submit(readings.preferred().mnemonic()),
        }
    }

    /// Picks the previous word to retype (from the end: the last whole word).
    pub fn select_previous(&mut self) -> Typed {
        if let Some(choice) = &mut self.choice {
            let n = choice.options.len();
            choice.shown = (choice.shown + n - 1) % n;
            return Typed::Nothing;
        }
        if self.is_flagged() {
            return Typed::Nothing;
        }
        let target = match &self.edit {
            Some(e) => e.word.saturating_sub(1),
            None => match self.cells().iter().rposition(|c| c.word.is_some()) {
                Some(k) => k,
                None => return Typed::Nothing,
            },
        };
        self.pick(target)
    }

    /// Picks the next word to retype; past the last one, typing goes on at the end.
    pub fn select_next(&mut self) -> Typed {
        if let Some(choice) = &mut self.choice {
            choice.shown = (choice.shown + 1) % choice.options.len();
            return Typed::Nothing;
        }
        if self.is_flagged() {
            return Typed::Nothing;
        }
        let Some(e) = &self.edit else {
            return Typed::Nothing;
        };
        let target = e.word + 1;
        self.pick(target)
    }

    fn pick(&mut self, target: usize) -> Typed {
        let was_retyping = matches!(self.edit, Some(Edit { span: Some(_), .. }));
        self.leave();
        let words = self.cells().iter().filter(|c| c.word.is_some()).count();
        self.edit = (target < words).then_some(Edit {
            word: target,
            span: None,
            number: 0,
        });
        self.error = None;
        if was_retyping {
            return self.changed();
        }
        Typed::Nothing
    }

    /// The grid's cells, and the index of the cell where the cursor is.
    fn cells(&self) -> Vec<Cell> {
        let mut cells = Vec::new();
        if let Some(choice) = &self.choice {
            let r = &choice.options[choice.shown];
            for k in 0..r.len() {
                let kind = if choice.differ.contains(&(k + 1)) {
                    Kind::Differs
                } else {
                    Kind::Word
                };
                cells.push(Cell {
                    word: r.word(k),
                    letters: r.span(k),
                    kind,
                });
            }
            return cells;
        }
        let push_reading = |cells: &mut Vec<Cell>, r: &Reading, offset: usize| {
            for k in 0..r.len() {
                let span = r.span(k);
                let word = r.word(k);
                cells.push(Cell {
                    word,
                    letters: span.start + offset..span.end + offset,
                    kind: if word.is_some() {
                        Kind::Word
                    } else {
                        Kind::Fragment
                    },
                });
            }
        };
        match &*self.view {
            View::Read(r) => push_reading(&mut cells, r.preferred(), 0),
            View::Stuck {
                before,
                stuck,
                after,
            } => {
                if let Some(b) = before {
                    push_reading(&mut cells, b.preferred(), 0);
                }
                if !stuck.letters.is_empty() {
                    cells.push(Cell {
                        word: None,
                        letters: stuck.letters.clone(),
                        kind: Kind::Flagged,
                    });
                }
                if let Some(a) = after {
                    push_reading(&mut cells, a.preferred(), stuck.letters.end);
                }
            }
        }
        match &self.edit {
            Some(Edit {
                word, span: None, ..
            }) => {
                if let Some(c) = cells.get_mut(*word) {
                    c.kind = Kind::Selected;
                }
            }
            Some(Edit {
                span: Some(span), ..
            }) => {
                let mut any = false;
                for c in cells.iter_mut() {
                    if c.letters.start >= span.start && c.letters.end <= span.end {
                        if c.kind != Kind::Flagged {
                            c.kind = Kind::Retyped;
                        }
                        any = true;
                    }
                }
                if !any {
                    let at = cells
                        .iter()
                        .position(|c| c.letters.start >= span.end)
                        .unwrap_or(cells.len());
                    cells.insert(
                        at,
                        Cell {
                            word: None,
                            letters: span.clone(),
                            kind: Kind::Retyped,
                        },
                    );
                }
            }
            None => {}
        }
        cells
    }

    /// The index of the cell with the cursor, if there is a cursor.
    fn cursor_cell(&self, cells: &[Cell]) -> Option<usize> {
        if self.choice.is_some() {
            return None;
        }
        match &self.edit {
            Some(Edit { span: None, .. }) => None,
            Some(Edit {
                span: Some(span), ..
            }) => cells.iter().rposition(|c| {
                matches!(c.kind, Kind::Retyped | Kind::Flagged) && c.letters.end <= span.end
            }),
            None => match cells.last() {
                Some(c) if matches!(c.kind, Kind::Fragment | Kind::Flagged) => {
                    Some(cells.len() - 1)
                }
                // No more words are taken at the end of a full-length share.
                _ if cells.len() >= MAX_WORDS => None,
                _ => Some(cells.len()),
            },
        }
    }

    /// Draws the share entry in the main pane. Every text is wrapped and given the rows
    /// it takes; the word grid gets the rows left (scrolled to the word being typed),
    /// and blank rows only when there is room for them.
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
        let body = pane::frame_tight(frame, area, app, step, number, total);
        let width = usize::from(body.width);
        let roomy = body.height >= 21;
        // Group progress, prominent: a box of its own when there is room.
        let informs = progress_lines(app);
        let progress = if roomy {
            let mut lines = Vec::new();
            for (m, style) in &informs {
                lines.extend(pane::wrap_styled(m, *style, width.saturating_sub(2)));
            }
            lines
        } else {
            let label = format!("{}: ", text::PROGRESS);
            let mut pieces = vec![(label.as_str(), theme.progress())];
            for (i, (m, style)) in informs.iter().enumerate() {
                if i > 0 {
                    pieces.push((" · ", theme.dim()));
                }
                pieces.push((m.as_str(), *style));
            }
            pane::wrap_spans(&pieces, width)
        };
        let progress_height = pane::height(&progress) + if roomy { 2 } else { 0 };
        let title = match &self.person {
            Some(p) => text::share_entry_for(&p.name, &p.role),
            None => text::THE_SHARE.to_string(),
        };
        let privacy = format!("  {}", text::SHARE_ENTRY_PRIVACY);
        let who = pane::wrap_spans(
            &[
                (title.as_str(), theme.title()),
                (privacy.as_str(), theme.dim()),
            ],
            width,
        );
        let cells = self.cells();
        let cursor = self.cursor_cell(&cells);
        let cell: u16 = 13;
        let cols = usize::from((body.width / cell).max(1));
        let shown = cells.len().max(cursor.map_or(0, |c| c + 1));
        let slots = if shown <= SHORT_WORDS {
            SHORT_WORDS
        } else {
            shown.max(MAX_WORDS)
        };
        let grid_rows = u16::try_from(slots.div_ceil(cols)).unwrap_or(u16::MAX);
        let words = cells.iter().filter(|c| c.word.is_some()).count();
        let fragment = cells
            .iter()
            .find(|c| c.kind == Kind::Fragment)
            .map(|c| &self.raw[c.letters.clone()]);
        let typed = match fragment.map(complete_prefix) {
            Some(PrefixMatch::Ambiguous(n)) => {
                format!("{} · {}", text::words_typed(words), text::candidates(n))
            }
            _ => text::words_typed(words),
        };
        let count = pane::wrap_styled(&typed, theme.dim(), width);
        let (status, style) = match (&self.error, app.is_awaiting(), &self.choice, &self.edit) {
            (_, true, _, _) => (text::SHARE_SENT.to_string(), theme.dim()),
            (_, false, Some(c), _) => (
                text::share_choice(c.shown + 1, c.options.len(), &typing::word_list(&c.differ)),
                theme.warning(),
            ),
            (Some(e), false, None, _) => (text::problem(e), theme.error()),
            (None, false, None, Some(e)) => (
                text::share_editing(e.word + 1, e.span.is_some()),
                theme.current(),
            ),
            (None, false, None, None) => (self.prompt.clone(), theme.text()),
        };
        let status = pane::wrap_styled(&status, style, width);
        let how = pane::wrap_styled(text::SHARE_ENTRY_HOW, theme.dim(), width);
        // The texts first; the grid takes the rows left, then the blank rows.
        let fixed = progress_height
            + pane::height(&who)
            + pane::height(&count)
            + pane::height(&status)
            + pane::height(&how);
        let room = body.height.saturating_sub(fixed);
        let grid_height = grid_rows.min(room);
        let mut spare = room - grid_height;
        let mut blank = |wanted: bool| -> u16 {
            let b = u16::from(wanted && spare > 0);
            spare -= b;
            b
        };
        let gap = blank(true);
        let after_who = blank(roomy);
        let after_grid = blank(roomy);
        let mut y = body.y + gap;
        let mut take = |rows: u16| -> Rect {
            let r = Rect {
                y,
                height: rows.min((body.y + body.height).saturating_sub(y)),
                ..body
            };
            y = y.saturating_add(rows);
            r
        };
        let progress_area = take(progress_height);
        let who_area = take(pane::height(&who) + after_who);
        let grid = take(grid_height);
        let count_area = take(after_grid + pane::height(&count));
        let status_area = take(pane::height(&status));
        let how_area = take(pane::height(&how));
        if roomy {
            frame.render_widget(
                Paragraph::new(progress).block(
                    Block::bordered()
                        .border_style(theme.progress())
                        .title(Span::styled(
                            format!(" {} ", text::PROGRESS),
                            theme.progress(),
                        )),
                ),
                progress_area,
            );
        } else {
            frame.render_widget(Paragraph::new(progress), progress_area);
        }
        frame.render_widget(Paragraph::new(who), who_area);
        // The grid, scrolled so the word being typed (or picked) is visible.
        let focus = cursor
            .or_else(|| self.edit.as_ref().map(|e| e.word))
            .unwrap_or(0);
        let visible = usize::from(grid.height);
        let first_row = (focus / cols + 1).saturating_sub(visible);
        for i in (first_row * cols)..slots {
            let row = i / cols - first_row;
            if row >= visible {
                break;
            }
            let x = grid.x + cell * u16::try_from(i % cols).unwrap_or(0);
            let y = grid.y + u16::try_from(row).unwrap_or(0);
            let number = Span::styled(format!("{:>2} ", i + 1), theme.dim());
            let body = match cells.get(i) {
                Some(c) => {
                    let style: Style = match c.kind {
                        Kind::Word => theme.input(),
                        Kind::Fragment | Kind::Retyped => theme.current(),
                        Kind::Flagged => theme.error(),
                        Kind::Selected => theme.focus(),
                        Kind::Differs => theme.warning(),
                    };
                    match c.word {
                        Some(w) => Span::styled(WORDS[usize::from(w)], style),
                        None => Span::styled(&self.raw[c.letters.clone()], style),
                    }
                }
                None if Some(i) == cursor => Span::raw(""),
                None => Span::styled("·", theme.dim()),
            };
            let cell_area = Rect {
                x,
                y,
                width: cell,
                height: 1,
            };
            frame.render_widget(Paragraph::new(Line::from(vec![number, body])), cell_area);
            if Some(i) == cursor && !app.is_awaiting() {
                let len = cells.get(i).map_or(0, |c| match (c.word, c.kind) {
                    (Some(w), Kind::Word | Kind::Retyped) => WORDS[usize::from(w)].len(),
                    _ => c.letters.len(),
                });
                let cx = x + 3 + u16::try_from(len.min(usize::from(cell) - 3)).unwrap_or(0);
                frame.set_cursor_position((cx, y));
            }
        }
        let count_area = Rect {
            y: count_area.y + after_grid.min(count_area.height),
            height: count_area.height.saturating_sub(after_grid),
            ..count_area
        };
        frame.render_widget(Paragraph::new(count), count_area);
        frame.render_widget(Paragraph::new(status), status_area);
        frame.render_widget(Paragraph::new(how), how_area);
    }
}

/// The engine's messages in this step (group progress, rejected shares, how to decrypt
/// a share file outside keyrite), the last two, with their styles.
fn progress_lines(app: &App) -> Vec<(String, Style)> {
    let theme = app.theme;
    if app.step_informs.is_empty() {
        return vec![(text::NO_PROGRESS.to_string(), theme.dim())];
    }
    let n = app.step_informs.len();
    app.step_informs
        .iter()
        .skip(n.saturating_sub(2))
        .map(|(severity, m)| {
            let style = match severity {
                Severity::Problem => theme.error(),
                Severity::Info | Severity::Done => theme.progress(),
            };
            (m.clone(), style)
        })
        .collect()
}
