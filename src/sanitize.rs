//! What text may contain, and how any text is shown on a terminal.
//!
//! Two rules, one module, so every reader and every screen agree:
//! - **Input.** A script, an answers file, a template value or a typed value may hold
//!   only the characters YAML 1.2 calls printable (tab, line breaks, and no other C0 or
//!   C1 control, no DEL, no U+FFFE/U+FFFF), and none of the bidirectional embedding,
//!   override and isolate controls, which make an editor show text in another order than
//!   it runs. [`find_forbidden`] finds the first such character; readers report it with
//!   its line and column ([`position`]).
//! - **Output.** Nothing read from a file, a device or a person reaches a terminal as is:
//!   [`for_terminal`] keeps line breaks, turns a tab into a space, and shows every other
//!   character that is not printable as a visible escape (`\x1b`, `\u{202e}`), so an
//!   escape sequence cannot move the cursor, hide or rewrite a line, or retitle the
//!   window. The transcript keeps the exact text; only the screen shows the escape.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` may not appear in a script or any other text keyrite reads.
pub fn is_forbidden(c: char) -> bool {
    match c {
        '\t' | '\n' | '\r' => false,
        // C0, DEL, and C1 except NEL (which YAML allows as a line break).
        '\u{0}'..='\u{1f}' | '\u{7f}' | '\u{80}'..='\u{84}' | '\u{86}'..='\u{9f}' => true,
        '\u{fffe}' | '\u{ffff}' => true,
        c => is_bidi_control(c),
    }
}

/// The bidirectional embedding, override and isolate controls (the "Trojan Source" set).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Whether a terminal would not show `c` as itself: controls (other than a line feed),
/// bidirectional marks and controls, line and paragraph separators, and noncharacters.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || is_bidi_control(c)
        || matches!(
            c,
            '\u{200e}'
                | '\u{200f}'
                | '\u{061c}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{fffe}'
                | '\u{ffff}'
        )
}

/// The byte offset and value of the first forbidden character in `text`.
pub fn find_forbidden(text: &str) -> Option<(usize, char)> {
    text.char_indices().find(|(_, c)| is_forbidden(*c))
}

/// The 1-based line and column (in characters) of byte offset `at` in `text`. Line
/// breaks are counted as the YAML parser counts them (LF, CRLF, or a lone CR), so these
/// positions agree with the parser's.
pub fn position(text: &str, at: usize) -> (u32, u32) {
    let before = text.get(..at).unwrap_or(text);
    let (mut line, mut col) = (1usize, 1usize);
    let mut chars = before.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                line += 1;
                col = 1;
            }
            _ => col += 1,
        }
    }
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(col).unwrap_or(u32::MAX),
    )
}

/// A character's code and, for the controls people meet, its name: `U+001B (ESC)`.
pub fn describe(c: char) -> String {
    let name = match c {
        '\u{0}' => " (NUL)",
        '\u{7}' => " (BEL)",
        '\u{8}' => " (backspace)",
        '\u{b}' => " (vertical tab)",
        '\u{c}' => " (form feed)",
        '\u{1b}' => " (ESC)",
        '\u{7f}' => " (DEL)",
        '\u{9b}' => " (CSI)",
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => " (bidirectional control)",
        _ => "",
    };
    format!("U+{:04X}{name}", u32::from(c))
}

/// Why a typed or templated value was refused: names the character, never the value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("character {} at position {at} is a control character; only printable text is accepted", describe(*.character))]
pub struct ForbiddenCharacter {
    /// 1-based position in characters.
    pub at: usize,
    /// The character.
    pub character: char,
}

/// Checks a one-line value (typed, or given on a command line): no forbidden character
/// and no line break.
pub fn check_line(value: &str) -> Result<(), ForbiddenCharacter> {
    match value
        .chars()
        .enumerate()
        .find(|(_, c)| is_forbidden(*c) || matches!(c, '\n' | '\r' | '\t'))
    {
        Some((i, character)) => Err(ForbiddenCharacter {
            at: i + 1,
            character,
        }),
        None => Ok(()),
    }
}

/// `text` as it may be written to a terminal: see the module documentation.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && needs_escape(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push('\n'),
            '\t' => out.push(' '),
            c if needs_escape(c) => {
                let code = u32::from(c);
                // Writing to a String cannot fail.
                let _ = if code < 0x100 {
                    write!(out, "\\x{code:02x}")
                } else {
                    write!(out, "\\u{{{code:x}}}")
                };
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`for_terminal`] for a single line: line breaks are shown escaped too.
pub fn line_for_terminal(text: &str) -> Cow<'_, str> {
    if !text.contains('\n') {
        return for_terminal(text);
    }
    Cow::Owned(for_terminal(text).replace('\n', "\\x0a"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_printable_set_is_allowed_and_the_rest_forbidden() {
        for c in [
            '\t', '\n', '\r', ' ', '~', '\u{85}', '\u{a0}', 'é', '€', '\u{feff}', '😀',
        ] {
            assert!(!is_forbidden(c), "{c:?}");
        }
        for c in [
            '\0', '\u{7}', '\u{1b}', '\u{7f}', '\u{80}', '\u{9b}', '\u{fffe}', '\u{202e}',
            '\u{2066}',
        ] {
            assert!(is_forbidden(c), "{c:?}");
        }
    }

    #[test]
    fn positions_count_lines_and_characters() {
        let text = "a: 1\n\tb: é\u{1b}";
        let (at, c) = find_forbidden(text).unwrap();
        assert_eq!(c, '\u{1b}');
        assert_eq!(position(text, at), (2, 6));
        assert_eq!(position("x", 0), (1, 1));
        // CRLF is one break; a lone CR is one too, as the YAML parser counts it.
        assert_eq!(position("a\r\nb\rc", 5), (3, 1));
        assert_eq!(position("a\r\nbc", 4), (2, 2));
    }

    #[test]
    fn terminal_text_shows_escapes_and_keeps_line_breaks() {
        assert!(matches!(for_terminal("plain text\nnext"), Cow::Borrowed(_)));
        assert_eq!(
            for_terminal("ok\u{1b}[2J\u{7}\tx\r\u{202e}y\u{9b}"),
            "ok\\x1b[2J\\x07 x\\x0d\\u{202e}y\\x9b"
        );
        assert_eq!(line_for_terminal("a\nb"), "a\\x0ab");
    }

    #[test]
    fn a_typed_line_names_the_character_and_not_the_value() {
        let e = check_line("ab\u{1b}c").unwrap_err();
        assert_eq!(e.at, 3);
        assert_eq!(
            e.to_string(),
            "character U+001B (ESC) at position 3 is a control character; only printable text is accepted"
        );
        assert!(check_line("Alice Example").is_ok());
        assert!(check_line("a\tb").is_err());
    }
}
