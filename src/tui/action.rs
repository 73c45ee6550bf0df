//! Actions: everything that can change the UI's state, from keys, the clock, the
//! terminal and the engine.
//!
//! Invariants:
//! - Key mapping here is context-free: a printable key is always [`Action::Char`]; what
//!   `q`, `?`, `j` or `k` mean (a letter or a command) is decided by the screen that has
//!   focus, in `App::update`. So a share word with a `q`, or a field value with a `?`,
//!   can always be typed.
//! - Only key presses count (not releases or repeats reported as such), so a key is never
//!   acted on twice.

use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::operator::EngineEvent;

/// One input to [`super::app::App::update`].
#[derive(Debug)]
pub enum Action {
    /// A printable character.
    Char(char),
    /// Enter.
    Enter,
    /// Escape.
    Esc,
    /// Backspace.
    Backspace,
    /// Arrow up.
    Up,
    /// Arrow down.
    Down,
    /// Arrow left.
    Left,
    /// Arrow right.
    Right,
    /// Page up.
    PageUp,
    /// Page down.
    PageDown,
    /// Tab.
    Tab,
    /// Shift-Tab.
    BackTab,
    /// F1: help, even while typing.
    Help,
    /// Ctrl-C: ask to abort, even while typing.
    Interrupt,
    /// The terminal was resized.
    Resize(u16, u16),
    /// The clock: time since the UI started.
    Tick(Duration),
    /// The engine said something.
    Engine(EngineEvent),
}

impl Action {
    /// The action for a terminal event, if any.
    pub fn from_event(event: Event) -> Option<Action> {
        match event {
            Event::Key(key) => Action::from_key(key),
            Event::Resize(w, h) => Some(Action::Resize(w, h)),
            _ => None,
        }
    }

    /// The action for a key press, if any.
    pub fn from_key(key: KeyEvent) -> Option<Action> {
        if key.kind != KeyEventKind::Press {
            return None;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        Some(match key.code {
            KeyCode::Char('c') | KeyCode::Char('C') if ctrl => Action::Interrupt,
            KeyCode::Char(_) if ctrl => return None,
            KeyCode::Char(c) => Action::Char(c),
            KeyCode::Enter => Action::Enter,
            KeyCode::Esc => Action::Esc,
            KeyCode::Backspace => Action::Backspace,
            KeyCode::Up => Action::Up,
            KeyCode::Down => Action::Down,
            KeyCode::Left => Action::Left,
            KeyCode::Right => Action::Right,
            KeyCode::PageUp => Action::PageUp,
            KeyCode::PageDown => Action::PageDown,
            KeyCode::Tab => Action::Tab,
            KeyCode::BackTab => Action::BackTab,
            KeyCode::F(1) => Action::Help,
            _ => return None,
        })
    }

    /// The action for a key code with no modifiers (tests and benches).
    pub fn key(code: KeyCode) -> Option<Action> {
        Action::from_key(KeyEvent::new(code, KeyModifiers::NONE))
    }
}
