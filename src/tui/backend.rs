//! The terminal backend the room's UI draws through: crossterm's, except that it never
//! asks the terminal where its cursor is.
//!
//! Ratatui asks for the cursor position (the `ESC [ 6 n` query) when it clears or
//! resizes the screen, to put the cursor back afterwards. A terminal that does not answer
//! (a serial console, some multiplexers, a test harness) would make that wait and fail
//! with "the cursor position could not be read", ending a ceremony over a cursor. The UI
//! is full-screen and places the cursor itself on every frame, so this backend answers
//! from the last position it set.

use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

/// Crossterm's backend, remembering the cursor position instead of querying it.
pub struct RoomBackend<W: Write> {
    inner: CrosstermBackend<W>,
    cursor: Position,
}

impl<W: Write> RoomBackend<W> {
    /// Draws to `writer`.
    pub fn new(writer: W) -> Self {
        RoomBackend {
            inner: CrosstermBackend::new(writer),
            cursor: Position::ORIGIN,
        }
    }
}

impl<W: Write> Backend for RoomBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.inner.draw(content)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        Ok(self.cursor)
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let position = position.into();
        self.cursor = position;
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> io::Result<Size> {
        self.inner.size()
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clearing_never_queries_the_terminal() {
        // A writer that is not a terminal: a query would fail or wait; this must not.
        let options = ratatui::TerminalOptions {
            viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 10, 5)),
        };
        let mut terminal =
            ratatui::Terminal::with_options(RoomBackend::new(Vec::new()), options).unwrap();
        terminal.set_cursor_position((3, 4)).unwrap();
        terminal.clear().unwrap();
        assert_eq!(terminal.get_cursor_position().unwrap(), Position::new(3, 4));
    }
}
