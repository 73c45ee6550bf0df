//! The main pane's frame: a bordered block titled with the step's position and kind,
//! the step's title on its first lines (wrapped, never cut), and helpers the prompts
//! share: word wrapping that says exactly how many rows a text takes, so a layout can
//! give every text the rows it needs.
//!
//! Invariants: every prompt is drawn inside [`frame`], so the step being answered is
//! always named on screen; the rows a text is given are counted with [`wrap`], the same
//! wrapping that draws it, so nothing a person must read is cut off where it fits.

use std::ops::Range;

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, StepInfo};
use super::text;

/// Draws the pane's block and the step title; returns the area below the title and a
/// blank row.
pub fn frame(
    frame: &mut Frame<'_>,
    area: Rect,
    app: &App,
    step: Option<&StepInfo>,
    number: usize,
    total: usize,
) -> Rect {
    let below = frame_tight(frame, area, app, step, number, total);
    Rect {
        y: below.y + 1.min(below.height),
        height: below.height.saturating_sub(1),
        ..below
    }
}

/// Draws the pane's block and the step title, wrapped over as many rows as it takes
/// (at most a third of the pane; an ellipsis ends a title longer than that); returns
/// the area right below the title, with no blank row. With no step, the first row is
/// left empty as a title's would be.
pub fn frame_tight(
    frame: &mut Frame<'_>,
    area: Rect,
    app: &App,
    step: Option<&StepInfo>,
    number: usize,
    total: usize,
) -> Rect {
    let theme = app.theme;
    let heading = match step {
        Some(s) => text::step_heading(number, total, s.kind),
        None => String::new(),
    };
    let mut block = Block::bordered().border_style(theme.border());
    if !heading.is_empty() {
        block = block.title(Span::styled(format!(" {heading} "), theme.title()));
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(s) = step else {
        return Rect {
            y: inner.y + 1.min(inner.height),
            height: inner.height.saturating_sub(1),
            ..inner
        };
    };
    if inner.height == 0 {
        return inner;
    }
    let most = usize::from((inner.height / 3).max(1));
    let mut rows = wrap(&s.title, usize::from(inner.width));
    if rows.len() > most {
        rows.truncate(most);
        if let Some(last) = rows.last_mut() {
            let keep = usize::from(inner.width).saturating_sub(1);
            *last = last.chars().take(keep).collect::<String>() + "…";
        }
    }
    let height = u16::try_from(rows.len()).unwrap_or(u16::MAX);
    let lines: Vec<Line<'static>> = rows
        .into_iter()
        .map(|r| Line::styled(r, theme.title()))
        .collect();
    frame.render_widget(Paragraph::new(lines), Rect { height, ..inner });
    Rect {
        y: inner.y + height,
        height: inner.height - height,
        ..inner
    }
}

/// Rows a text takes wrapped in `width` columns (as [`wrap`] wraps it).
pub fn wrapped_height(text: &str, width: u16) -> u16 {
    u16::try_from(wrap(text, usize::from(width)).len()).unwrap_or(u16::MAX)
}

/// Each row of `paragraph` (which holds no newline) wrapped in `width` columns, as a
/// range of its characters: rows break at spaces (the space at a break is dropped), a
/// word longer than a row is split, and the paragraph's indent is kept on its first row.
fn row_ranges(paragraph: &[char], width: usize) -> Vec<Range<usize>> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let indent = paragraph.iter().take_while(|c| **c == ' ').count();
    let (mut start, mut len) = (0, indent);
    let mut only_indent = indent > 0;
    let mut at = indent;
    for word in paragraph[indent..].split(|c| *c == ' ') {
        let (mut from, mut left) = (at, word.len());
        at += word.len() + 1;
        if only_indent {
            only_indent = false;
            if len + left <= width {
                len += left;
                continue;
            }
            // The first word does not fit after the indent: the indent goes.
            len = 0;
        }
        if len > 0 && len + 1 + left > width {
            rows.push(start..start + len);
            len = 0;
        }
        if len > 0 {
            len += 1 + left;
            continue;
        }
        while left > width {
            rows.push(from..from + width);
            from += width;
            left -= width;
        }
        start = from;
        len = left;
    }
    rows.push(start..start + len);
    rows
}

/// Splits `text` into rows of at most `width` characters, at spaces where it can; each
/// newline starts a row.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut rows = Vec::new();
    for paragraph in text.split('\n') {
        let chars: Vec<char> = paragraph.chars().collect();
        for r in row_ranges(&chars, width) {
            rows.push(chars[r].iter().collect());
        }
    }
    rows
}

/// Wraps styled pieces of text as one text (see [`wrap`]), keeping each piece's style.
pub fn wrap_spans(pieces: &[(&str, Style)], width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let mut chars: Vec<(char, Style)> = Vec::new();
    for (piece, style) in pieces {
        chars.extend(piece.chars().map(|c| (c, *style)));
    }
    for paragraph in chars.split(|(c, _)| *c == '\n') {
        let plain: Vec<char> = paragraph.iter().map(|(c, _)| *c).collect();
        for r in row_ranges(&plain, width) {
            let mut spans: Vec<Span<'static>> = Vec::new();
            let mut run = String::new();
            let mut style = None;
            for (c, s) in &paragraph[r] {
                if style.is_some_and(|st| st != *s) {
                    spans.push(Span::styled(
                        std::mem::take(&mut run),
                        style.unwrap_or_default(),
                    ));
                }
                style = Some(*s);
                run.push(*c);
            }
            if let Some(s) = style {
                spans.push(Span::styled(run, s));
            }
            lines.push(Line::from(spans));
        }
    }
    lines
}

/// Wraps `text` in one style.
pub fn wrap_styled(text: &str, style: Style, width: usize) -> Vec<Line<'static>> {
    wrap_spans(&[(text, style)], width)
}

/// Rows taken by lines, as a row count.
pub fn height(lines: &[Line<'_>]) -> u16 {
    u16::try_from(lines.len()).unwrap_or(u16::MAX)
}

/// Splits `area` into the text above and the `rows` rows at its bottom.
pub fn bottom(area: Rect, rows: u16) -> (Rect, Rect) {
    let rows = rows.min(area.height);
    let top = Rect {
        height: area.height - rows,
        ..area
    };
    let low = Rect {
        y: area.y + area.height - rows,
        height: rows,
        ..area
    };
    (top, low)
}

/// Splits `area` into `content` rows of text, one blank row, and `rows` rows for the
/// input below it; the input keeps its rows when the text is too long (the text is then
/// clipped).
pub fn stack(area: Rect, content: u16, rows: u16) -> (Rect, Rect) {
    let rows = rows.min(area.height);
    let room = area.height - rows;
    let content = content.min(room.saturating_sub(1));
    let top = Rect {
        height: content,
        ..area
    };
    let gap = u16::from(room > content);
    let low = Rect {
        y: area.y + content + gap,
        height: rows,
        ..area
    };
    (top, low)
}

/// Draws wrapped lines.
pub fn paragraph(frame: &mut Frame<'_>, area: Rect, lines: Vec<Line<'static>>) {
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

/// Row `i` of `area` (clipped to it).
pub fn row(area: Rect, i: u16) -> Rect {
    Rect {
        y: area.y.saturating_add(i),
        height: u16::from(i < area.height),
        ..area
    }
}

#[cfg(test)]
mod tests {
    use super::{wrap, wrap_spans};
    use ratatui::style::Style;

    #[test]
    fn keeps_the_indent_of_the_first_row() {
        assert_eq!(wrap("  a b", 10), ["  a b"]);
        assert_eq!(wrap("  abc def", 6), ["  abc", "def"]);
        assert_eq!(wrap("   abcdef", 6), ["abcdef"]);
        assert_eq!(wrap("   ", 6), ["   "]);
    }

    #[test]
    fn styled_rows_match_plain_rows() {
        let (a, b) = (Style::default(), Style::default().bold());
        let text = "  the quick brown fox jumps over a lazy dog, extraordinarily";
        for width in 1..30 {
            let lines = wrap_spans(&[(&text[..20], a), (&text[20..], b)], width);
            let plain: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            assert_eq!(plain, wrap(text, width), "at {width}");
            for row in plain {
                assert!(row.chars().count() <= width, "{row:?} at {width}");
            }
        }
    }
}
