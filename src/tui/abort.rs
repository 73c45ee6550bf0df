//! The abort dialog: asks before the ceremony is aborted, and for the reason that goes
//! into the transcript. Tab (or the arrows) moves between the reason and the buttons.
//!
//! Invariants: nothing is aborted without a non-empty reason and an explicit choice of
//! the abort button (or Enter in the reason field); Esc always closes the dialog and the
//! ceremony goes on.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::action::Action;
use super::input::Input;
use super::text;
use super::theme::Theme;

/// What has focus in the dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    /// The reason field.
    Reason,
    /// The abort button.
    Abort,
    /// The keep-going button.
    Continue,
}

/// What the dialog decided.
pub enum DialogOutcome {
    /// Still open.
    Stay,
    /// Closed; the ceremony goes on.
    Close,
    /// Abort with this reason.
    Abort(String),
}

/// The abort dialog.
pub struct AbortDialog {
    /// The reason typed.
    pub reason: Input,
    /// What has focus.
    pub focus: Focus,
    /// A problem, such as an empty reason.
    pub error: Option<&'static str>,
}

impl Default for AbortDialog {
    fn default() -> Self {
        Self::new()
    }
}

impl AbortDialog {
    /// A dialog with an empty reason in focus.
    pub fn new() -> AbortDialog {
        AbortDialog {
            reason: Input::plain(),
            focus: Focus::Reason,
            error: None,
        }
    }

    fn next(&mut self, forward: bool) {
        self.focus = match (self.focus, forward) {
            (Focus::Reason, true) | (Focus::Continue, false) => Focus::Abort,
            (Focus::Abort, true) | (Focus::Reason, false) => Focus::Continue,
            (Focus::Continue, true) | (Focus::Abort, false) => Focus::Reason,
        };
    }

    fn submit(&mut self) -> DialogOutcome {
        let reason = self.reason.value().trim();
        if reason.is_empty() {
            self.error = Some(text::ABORT_NEED_REASON);
            self.focus = Focus::Reason;
            DialogOutcome::Stay
        } else {
            DialogOutcome::Abort(reason.to_string())
        }
    }

    /// Handles a key.
    pub fn key(&mut self, action: Action) -> DialogOutcome {
        match action {
            Action::Esc => return DialogOutcome::Close,
            Action::Tab | Action::Down => self.next(true),
            Action::BackTab | Action::Up => self.next(false),
            Action::Enter => {
                return match self.focus {
                    Focus::Reason | Focus::Abort => self.submit(),
                    Focus::Continue => DialogOutcome::Close,
                }
            }
            Action::Char(c) if self.focus == Focus::Reason => {
                self.reason.push(c);
                self.error = None;
            }
            Action::Backspace if self.focus == Focus::Reason => self.reason.backspace(),
            _ => {}
        }
        DialogOutcome::Stay
    }

    /// Draws the dialog centred over `area`.
    pub fn draw(&self, frame: &mut Frame<'_>, area: Rect, theme: Theme) {
        let [row] = Layout::vertical([Constraint::Length(12)])
            .flex(Flex::Center)
            .areas(area);
        let [boxed] = Layout::horizontal([Constraint::Length(area.width.min(70))])
            .flex(Flex::Center)
            .areas(row);
        frame.render_widget(Clear, boxed);
        let block = Block::bordered()
            .border_style(theme.error())
            .title(Span::styled(
                format!(" {} ", text::ABORT_TITLE),
                theme.error(),
            ));
        let inner = block.inner(boxed);
        frame.render_widget(block, boxed);
        let [explain, label, field, error, _, buttons, _] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Fill(1),
        ])
        .areas(inner.inner(ratatui::layout::Margin::new(1, 0)));
        frame.render_widget(
            Paragraph::new(text::ABORT_EXPLAIN).wrap(Wrap { trim: true }),
            explain,
        );
        let label_style = if self.focus == Focus::Reason {
            theme.title()
        } else {
            theme.text()
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text::ABORT_REASON, label_style)),
            label,
        );
        self.reason
            .draw(frame, field, theme, self.focus == Focus::Reason);
        if let Some(e) = self.error {
            frame.render_widget(
                Paragraph::new(Line::styled(text::problem(e), theme.error())),
                error,
            );
        }
        let button = |label: &'static str, focus: Focus| {
            let style = if self.focus == focus {
                theme.focus()
            } else {
                theme.text()
            };
            Span::styled(format!("[ {label} ]"), style)
        };
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                button(text::ABORT_BUTTON, Focus::Abort),
                Span::raw("   "),
                button(text::CONTINUE_BUTTON, Focus::Continue),
            ])),
            buttons,
        );
    }
}
