//! The confirmation prompt: one named person confirms a statement (or their presence)
//! by typing their initials, and the screen shows who in the step has confirmed and who
//! has not.
//!
//! Invariants: each person confirms separately (the engine asks once per role); the
//! roster comes from the script (`roster`), and the marks come only from the engine's
//! accepted verdicts, so "confirmed" on screen means recorded in the transcript.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
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

    /// Draws the prompt in the main pane.
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
        let statement_height = pane::wrapped_height(&self.statement, inner.width.saturating_sub(2));
        let mut lines = vec![Line::styled(
            text::confirm_by(&self.person.name, &self.person.role),
            theme.text(),
        )];
        // Room for the statement, drawn indented below; then a blank line.
        for _ in 0..=statement_height {
            lines.push(Line::raw(""));
        }
        lines.push(Line::styled(text::WHO_CONFIRMS, theme.dim()));
        let roster = roster(app, step, &self.person);
        let n = u16::try_from(roster.len()).unwrap_or(u16::MAX);
        // The roster one per line when it fits, else on one wrapped line.
        let fixed = 3 + statement_height + 1 + 4;
        let listed = inner.height >= fixed + n;
        if listed {
            for (mark, who, state, style) in roster {
                lines.push(Line::from(vec![
                    Span::styled(format!("  {mark} "), style),
                    Span::styled(who, style),
                    Span::styled(format!("  {state}"), theme.dim()),
                ]));
            }
        } else {
            let mut spans = Vec::new();
            for (mark, who, state, style) in roster {
                spans.push(Span::styled(format!("{mark} "), style));
                spans.push(Span::styled(who, style));
                spans.push(Span::styled(format!(" {state}   "), theme.dim()));
            }
            lines.push(Line::from(spans));
        }
        let height = 3 + statement_height + if listed { n } else { 2 };
        let height = height.min(inner.height);
        let (above, low) = pane::stack(inner, height, 3);
        pane::paragraph(frame, above, lines);
        // The statement, indented, over the blank lines reserved for it.
        let statement_area = Rect {
            x: above.x + 2,
            y: above.y + 1,
            width: above.width.saturating_sub(2),
            height: statement_height.min(above.height.saturating_sub(1)),
        };
        frame.render_widget(ratatui::widgets::Clear, statement_area);
        pane::paragraph(
            frame,
            statement_area,
            vec![Line::styled(self.statement.clone(), theme.input())],
        );
        let label = Line::styled(text::initials_of(&self.person.name), theme.text());
        frame.render_widget(ratatui::widgets::Paragraph::new(label), pane::row(low, 0));
        self.input
            .draw(frame, pane::row(low, 1), theme, !app.is_awaiting());
        let status = match (&self.error, app.is_awaiting()) {
            (_, true) => Line::styled(text::CHECKING, theme.dim()),
            (Some(e), false) => Line::styled(text::problem(e), theme.error()),
            (None, false) => Line::raw(""),
        };
        frame.render_widget(ratatui::widgets::Paragraph::new(status), pane::row(low, 2));
    }
}

/// (mark, person, state, style) for each person of the step's roster.
fn roster(
    app: &App,
    step: Option<&StepInfo>,
    now: &Person,
) -> Vec<(&'static str, String, String, ratatui::style::Style)> {
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
