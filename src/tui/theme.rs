//! Styles of the terminal UI, with and without colour.
//!
//! Invariants:
//! - `NO_COLOR` (set and not empty, as no-color.org defines it) turns every colour off;
//!   what colour would say is then said by marks, bold, underline or capitals, never lost.
//! - Widgets ask the theme for a style by meaning (`error`, `done`, ...), never pick a
//!   colour themselves.

use ratatui::style::{Color, Modifier, Style};

/// The styles in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    /// Whether colours may be used.
    pub color: bool,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set to a non-empty value.
    pub fn from_env() -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme { color: !no_color }
    }

    /// A theme with colour.
    pub const COLOR: Theme = Theme { color: true };
    /// A theme without colour.
    pub const NO_COLOR: Theme = Theme { color: false };

    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    /// Ordinary text.
    pub fn text(self) -> Style {
        Style::new()
    }
    /// Less important text.
    pub fn dim(self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }
    /// Titles and the current step.
    pub fn title(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    /// Something done.
    pub fn done(self) -> Style {
        self.fg(Color::Green)
    }
    /// The step running now.
    pub fn current(self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    /// A failure or a problem.
    pub fn error(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    /// A warning: look away, abort.
    pub fn warning(self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    /// Keys in the hint line.
    pub fn key(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    /// An input field's text.
    pub fn input(self) -> Style {
        self.fg(Color::White).add_modifier(Modifier::BOLD)
    }
    /// The focused element (button, field label).
    pub fn focus(self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }
    /// Borders.
    pub fn border(self) -> Style {
        self.fg(Color::Blue)
    }
    /// The emphasised first four letters of a share word.
    pub fn word_head(self) -> Style {
        self.fg(Color::LightYellow)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }
    /// The rest of a share word.
    pub fn word_tail(self) -> Style {
        self.fg(Color::White)
    }
    /// Word numbers on the secret screen.
    pub fn word_number(self) -> Style {
        self.dim()
    }
    /// The group-progress line.
    pub fn progress(self) -> Style {
        self.fg(Color::Green).add_modifier(Modifier::BOLD)
    }
}
