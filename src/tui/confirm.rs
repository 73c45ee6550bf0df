//! The confirmation prompt: one named person confirms a statement (or their presence)
//! by typing their initials, and the screen shows who in the step has confirmed and who
//! has not.
//!
//! Invariants: each person confirms separately (the engine asks once per role); the
//! roster comes from the script (`roster`), and the marks come only from the engine's
//! accepted verdicts, so "confirmed" on screen means recorded in the transcript.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::app::{App, StepInfo};
use super::input::Input;
use super::operator::Person;
use super::{pane, text};

/// A confirmation being typed.
pub struct ConfirmPrompt {
    /// Who confirms.
    pub person: Person,
    /// What they confirm.
    pub statement: String,
    /// Their initials.
    pub input: Input,
    /// The engine's objection to the last answer.
    pub error: Option<String>,
    /// Whether this is attendance.
    pub attend: bool,
}

impl ConfirmPrompt {
    /// A prompt for `person` to confirm `statement`.
    pub fn new(person: Person, statement: String, attend: bool) -> ConfirmPrompt {
        ConfirmPrompt {
            person,
            statement,
            input: Input::plain(),
            error: None,
            attend,
        }
    }

    /// Draws the prompt in the main pane. Everything is wrapped, never cut; when the
    /// pane is short the blank rows go first, then the roster is laid out compactly
    /// (names, several to a row), and only then is it windowed around the person
    /// confirming now.
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
        // The blank row under the title is one of the blank rows given up first.
        let inner = pane::frame_tight(frame, area, app, step, number, total);
        let width = usize::from(inner.width);
        let mut head = pane::wrap_styled(
            &text::confirm_by(&self.person.name, &self.person.role),
            theme.text(),
            width,
        );
        for row in pane::wrap(&self.statement, width.saturating_sub(2)) {
            head.push(Line::styled(format!("  {row}"), theme.input()));
        }
        let who = pane::wrap_styled(text::WHO_CONFIRMS, theme.dim(), width);
        let roster = roster(app, step, &self.person);
        let label = pane::wrap_styled(&text::initials_of(&self.person.name), theme.text(), width);
        let status = match (&self.error, app.is_awaiting()) {
            (_, true) => pane::wrap_styled(text::CHECKING, theme.dim(), width),
            (Some(e), false) => pane::wrap_styled(&text::problem(e), theme.error(), width),
            (None, false) => vec![Line::raw("")],
        };
        let low = pane::height(&label) + 1 + pane::height(&status);
        let fixed = pane::height(&head) + pane::height(&who) + low;
        let room = inner.height.saturating_sub(fixed);
        let groups = listed(&roster, width, theme.dim());
        let all: Vec<Line<'static>> = groups.iter().flatten().cloned().collect();
        let (people, blanks) = if pane::height(&all) + 3 <= room {
            (all, 3)
        } else if pane::height(&all) <= room {
            let blanks = room - pane::height(&all);
            (all, blanks)
        } else {
            let compact = compact(&roster, width);
            if pane::height(&compact) <= room {
                (compact, 0)
            } else {
                let now = roster
                    .iter()
                    .position(|p| p.0 == text::MARK_CURRENT)
                    .unwrap_or(0);
                (windowed(&groups, now, usize::from(room)), 0)
            }
        };
        // Blank rows, while there is room: under the title, under the statement, above
        // the initials.
        let mut lines = Vec::new();
        if blanks > 0 {
            lines.push(Line::raw(""));
        }
        lines.extend(head);
        if blanks > 1 {
            lines.push(Line::raw(""));
        }
        lines.extend(who);
        lines.extend(people);
        let content = pane::height(&lines);
        let gap = u16::from(blanks > 2);
        let above = Rect {
            height: content.min(inner.height.saturating_sub(low)),
            ..inner
        };
        let low = Rect {
            y: above.y + above.height + gap,
            height: low.min(inner.height.saturating_sub(above.height + gap)),
            ..inner
        };
        frame.render_widget(Paragraph::new(lines), above);
        let label_rows = pane::height(&label);
        frame.render_widget(
            Paragraph::new(label),
            Rect {
                height: label_rows.min(low.height),
                ..low
            },
        );
        self.input
            .draw(frame, pane::row(low, label_rows), theme, !app.is_awaiting());
        frame.render_widget(
            Paragraph::new(status),
            Rect {
                y: low.y + label_rows + 1,
                height: low.height.saturating_sub(label_rows + 1),
                ..low
            },
        );
    }
}

/// One person of the roster: mark, who, state, style.
type Entry = (&'static str, String, String, Style);

/// The roster one person a row (wrapped if need be): mark, name and role, state.
fn listed(roster: &[Entry], width: usize, dim: Style) -> Vec<Vec<Line<'static>>> {
    roster
        .iter()
        .map(|(mark, who, state, style)| {
            let mark = format!("  {mark} ");
            let state = format!("  {state}");
            pane::wrap_spans(&[(&mark, *style), (who, *style), (&state, dim)], width)
        })
        .collect()
}

/// The roster in few rows: marks and names (with the initials of who confirmed),
/// several to a row.
fn compact(roster: &[Entry], width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let mut row: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for (mark, who, state, style) in roster {
        let name = who.split(" (").next().unwrap_or(who);
        let tail = if *mark == text::MARK_DONE {
            // "confirmed AE": the initials.
            state.rsplit(' ').next().unwrap_or_default().to_string()
        } else if *mark == text::MARK_CURRENT {
            state.clone()
        } else {
            String::new()
        };
        let entry = if tail.is_empty() {
            format!("{mark} {name}")
        } else {
            format!("{mark} {name} {tail}")
        };
        let len = entry.chars().count();
        if used > 0 && used + 3 + len > width {
            lines.push(Line::from(std::mem::take(&mut row)));
            used = 0;
        }
        if len > width {
            lines.extend(pane::wrap_styled(&entry, *style, width));
            continue;
        }
        if used > 0 {
            row.push(Span::raw("   "));
            used += 3;
        }
        used += len;
        row.push(Span::styled(entry, *style));
    }
    if !row.is_empty() {
        lines.push(Line::from(row));
    }
    lines
}

/// At most `rows` rows of the listed roster around the person confirming now (`now`),
/// with an ellipsis row for the people above and below that do not fit.
fn windowed(groups: &[Vec<Line<'static>>], now: usize, rows: usize) -> Vec<Line<'static>> {
    let n = groups.len();
    if n == 0 {
        return Vec::new();
    }
    let now = now.min(n - 1);
    let cost = |a: usize, b: usize| -> usize {
        groups[a..b].iter().map(Vec::len).sum::<usize>() + usize::from(a > 0) + usize::from(b < n)
    };
    let (mut a, mut b) = (now, now + 1);
    loop {
        let mut grew = false;
        if b < n && cost(a, b + 1) <= rows {
            b += 1;
            grew = true;
        }
        if a > 0 && cost(a - 1, b) <= rows {
            a -= 1;
            grew = true;
        }
        if !grew {
            break;
        }
    }
    let mut out = Vec::new();
    if a > 0 {
        out.push(Line::raw("  …"));
    }
    out.extend(groups[a..b].iter().flatten().cloned());
    if b < n {
        out.push(Line::raw("  …"));
    }
    out.truncate(rows);
    out
}

/// (mark, person, state, style) for each person of the step's roster.
fn roster(app: &App, step: Option<&StepInfo>, now: &Person) -> Vec<Entry> {
    let theme = app.theme;
    let mut people: Vec<Person> = step.map(|s| s.roster.clone()).unwrap_or_default();
    for (p, _) in &app.confirmed {
        if !people.contains(p) {
            people.push(p.clone());
        }
    }
    if !people.contains(now) {
        people.push(now.clone());
    }
    people
        .into_iter()
        .map(|p| {
            let who = text::person(&p.name, &p.role);
            if let Some((_, initials)) = app.confirmed.iter().find(|(c, _)| *c == p) {
                (
                    text::MARK_DONE,
                    who,
                    format!("{} {initials}", text::ROSTER_DONE),
                    theme.done(),
                )
            } else if p == *now {
                (
                    text::MARK_CURRENT,
                    who,
                    text::ROSTER_NOW.to_string(),
                    theme.current(),
                )
            } else {
                (
                    text::MARK_PENDING,
                    who,
                    text::ROSTER_WAITING.to_string(),
                    theme.text(),
                )
            }
        })
        .collect()
}
