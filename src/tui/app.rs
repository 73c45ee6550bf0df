//! The UI's state ([`App`]), how an [`Action`] changes it ([`App::update`]) and how it
//! is drawn ([`App::draw`]).
//!
//! Invariants:
//! - `update` is the only place state changes; `draw` only reads. Time comes in as
//!   [`Action::Tick`], so a drawing depends on the state alone (tests inject the clock).
//! - At most one engine question is open; its reply channel is held in `reply` until it
//!   is answered. An answer is sent once, then the screen waits for the engine's
//!   verdict; an `Err` verdict reopens the same screen with the message and the input.
//! - Secret words exist only in the secret screen's state ([`Screen::Secret`]) and in
//!   the share entry's state ([`Screen::Share`]); no other pane, message or title ever
//!   receives them. Leaving either screen drops that state (zeroized) and sets the
//!   `clear` flag, so the runtime clears the terminal before it draws anything else; so
//!   does opening the secret screen.
//! - An abort with its reason is answered to the open question at once, or, if none is
//!   open, kept in the shared [`AbortSlot`] and given to the next question.

use std::sync::mpsc::Sender;
use std::time::Duration;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::Frame;

use super::abort::{AbortDialog, DialogOutcome};
use super::acknowledge::AckPrompt;
use super::action::Action;
use super::confirm::ConfirmPrompt;
use super::field::{FieldPrompt, MaskedPrompt};
use super::messages::{Message, MessageKind};
use super::opening::OpeningScreen;
use super::operator::{AbortSlot, Ask, EngineEvent, Finished, Person, Reply, Request};
use super::secret::SecretScreen;
use super::share_entry::{ShareEntry, Typed};
use super::theme::Theme;
use super::{
    finished, header, help, hints, messages, step_list, text, too_small, working, MIN_HEIGHT,
    MIN_WIDTH,
};
use crate::engine::End;
use crate::operator::{SecretKind, Severity};
use crate::script::Script;

/// One step of the script, as the step list shows it.
#[derive(Clone, Debug)]
pub struct StepInfo {
    /// The step id.
    pub id: String,
    /// The title.
    pub title: String,
    /// The step kind.
    pub kind: &'static str,
    /// Who confirms in this step, in order (attend and confirm steps; empty otherwise).
    pub roster: Vec<Person>,
}

/// What the UI knows of the ceremony before it starts.
#[derive(Clone, Debug)]
pub struct CeremonyInfo {
    /// The script's title.
    pub title: String,
    /// The ceremony id.
    pub id: String,
    /// The steps, in order.
    pub steps: Vec<StepInfo>,
}

impl CeremonyInfo {
    /// Everything the UI shows from a resolved script.
    pub fn from_script(script: &Script) -> CeremonyInfo {
        let rosters = super::roster::rosters(script);
        CeremonyInfo {
            title: super::operator::shown(&script.title),
            id: script.id.to_string(),
            steps: script
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| StepInfo {
                    id: s.id.to_string(),
                    title: super::operator::shown(&s.title),
                    kind: s.action.kind(),
                    roster: rosters.get(i).cloned().unwrap_or_default(),
                })
                .collect(),
        }
    }
}

/// Where a step stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepStatus {
    /// Not reached yet.
    Pending,
    /// Running now.
    Current,
    /// Finished.
    Done,
    /// Failed or aborted.
    Failed,
    /// Never run: the ceremony ended before it.
    Skipped,
}

/// The transcript's state, as far as the UI knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeadInfo {
    /// Records written.
    pub records: u64,
    /// Hex SHA-256 of the last record.
    pub hash: String,
}

/// What the main pane shows.
pub enum Screen {
    /// Before the first step.
    Starting,
    /// The engine is busy (since the given time).
    Working(Duration),
    /// A person confirms with initials.
    Confirm(ConfirmPrompt),
    /// Instructions to acknowledge.
    Acknowledge(AckPrompt),
    /// Before the first step: the hashes the room compares.
    Opening(OpeningScreen),
    /// A value to type.
    Field(FieldPrompt),
    /// Masked secret input: dice, a passphrase, a check word.
    Masked(MaskedPrompt),
    /// The secret screen (takes the whole terminal).
    Secret(SecretScreen),
    /// Share entry, word by word.
    Share(ShareEntry),
    /// The ceremony has ended.
    Finished(Finished),
}

/// An overlay over the screen.
pub enum Overlay {
    /// The key help.
    Help,
    /// The abort dialog.
    Abort(AbortDialog),
}

/// The UI's whole state.
pub struct App {
    /// The ceremony.
    pub info: CeremonyInfo,
    /// Styles.
    pub theme: Theme,
    /// Time since the UI started.
    pub elapsed: Duration,
    /// The terminal's size, when known.
    pub size: Option<(u16, u16)>,
    /// The transcript's record count and head.
    pub head: Option<HeadInfo>,
    /// Who has confirmed attendance.
    pub present: Vec<Person>,
    /// Each step's status.
    pub status: Vec<StepStatus>,
    /// The current step (0-based).
    pub current: Option<usize>,
    /// The message log.
    pub messages: Vec<Message>,
    /// Lines scrolled back from the newest message.
    pub scroll: usize,
    /// The main pane.
    pub screen: Screen,
    /// The overlay, if any.
    pub overlay: Option<Overlay>,
    /// Who confirmed in the current step, with their initials.
    pub confirmed: Vec<(Person, String)>,
    /// The engine's messages during the current step (group progress for share entry).
    pub step_informs: Vec<(Severity, String)>,
    /// The abort asked for, if any.
    pub abort_reason: Option<String>,
    reply: Option<Sender<Reply>>,
    awaiting: bool,
    abort_slot: AbortSlot,
    clear: bool,
    quit: bool,
}

/// Messages kept in the log.
const MAX_MESSAGES: usize = 500;

impl App {
    /// A fresh UI for `info`.
    pub fn new(info: CeremonyInfo, theme: Theme, abort_slot: AbortSlot) -> App {
        let n = info.steps.len();
        App {
            info,
            theme,
            elapsed: Duration::ZERO,
            size: None,
            head: None,
            present: Vec::new(),
            status: vec![StepStatus::Pending; n],
            current: None,
            messages: Vec::new(),
            scroll: 0,
            screen: Screen::Starting,
            overlay: None,
            confirmed: Vec::new(),
            step_informs: Vec::new(),
            abort_reason: None,
            reply: None,
            awaiting: false,
            abort_slot,
            clear: false,
            quit: false,
        }
    }

    /// Whether the UI is done (the ceremony ended and the operator left).
    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// Whether the terminal must be cleared before the next drawing; resets the flag.
    pub fn take_clear(&mut self) -> bool {
        std::mem::take(&mut self.clear)
    }

    /// Whether an answer has been sent and the engine's verdict is awaited.
    pub fn is_awaiting(&self) -> bool {
        self.awaiting
    }

    /// Whether the engine is busy with no question open.
    pub fn is_working(&self) -> bool {
        matches!(self.screen, Screen::Working(_) | Screen::Starting)
    }

    /// How long the engine has been busy, if it is.
    pub fn working_for(&self) -> Option<Duration> {
        match self.screen {
            Screen::Working(since) => Some(self.elapsed.saturating_sub(since)),
            Screen::Starting => Some(self.elapsed),
            _ => None,
        }
    }

    /// Whether the terminal is too small to draw the UI.
    pub fn too_small(&self) -> bool {
        self.size
            .is_some_and(|(w, h)| w < MIN_WIDTH || h < MIN_HEIGHT)
    }

    /// Sets the transcript's state.
    pub fn set_head(&mut self, head: HeadInfo) {
        self.head = Some(head);
    }

    fn log(&mut self, kind: MessageKind, text: String) {
        self.messages.push(Message {
            step: self.current.map(|i| i + 1),
            kind,
            text,
        });
        if self.messages.len() > MAX_MESSAGES {
            let extra = self.messages.len() - MAX_MESSAGES;
            self.messages.drain(..extra);
        }
        self.scroll = 0;
    }

    /// Changes the state.
    pub fn update(&mut self, action: Action) {
        match action {
            Action::Tick(d) => self.elapsed = d,
            Action::Resize(w, h) => self.size = Some((w, h)),
            Action::Engine(event) => self.on_engine(event),
            key => self.on_key(key),
        }
    }

    // ---- the engine ------------------------------------------------------------------

    fn on_engine(&mut self, event: EngineEvent) {
        match event {
            EngineEvent::BeginStep(number) => self.begin_step(number),
            EngineEvent::Recorded { records, head } => {
                self.head = Some(HeadInfo {
                    records,
                    hash: head,
                });
            }
            EngineEvent::Inform {
                step,
                severity,
                message,
            } => {
                if self.current.map(|i| i + 1) == Some(step) {
                    self.step_informs.push((severity, message.clone()));
                }
                // The engine says what a message means; the text is never parsed.
                let kind = match severity {
                    Severity::Info => MessageKind::Info,
                    Severity::Done => MessageKind::Confirmed,
                    Severity::Problem => MessageKind::Problem,
                };
                self.log(kind, message);
            }
            EngineEvent::Request(request) => self.open(request),
            EngineEvent::Verdict(Ok(())) => self.accepted(),
            EngineEvent::Verdict(Err(message)) => self.rejected(message),
            EngineEvent::Finished(f) => self.finish(f),
        }
    }

    fn begin_step(&mut self, number: usize) {
        let index = number
            .saturating_sub(1)
            .min(self.status.len().saturating_sub(1));
        for s in self.status.iter_mut().take(index) {
            if *s == StepStatus::Current || *s == StepStatus::Pending {
                *s = StepStatus::Done;
            }
        }
        if let Some(s) = self.status.get_mut(index) {
            *s = StepStatus::Current;
        }
        self.current = Some(index);
        self.confirmed.clear();
        self.step_informs.clear();
        let title = self
            .info
            .steps
            .get(index)
            .map(|s| s.title.clone())
            .unwrap_or_default();
        self.log(MessageKind::Step, text::step_started(number, &title));
        self.leave_screen(Screen::Working(self.elapsed));
    }

    fn open(&mut self, request: Request) {
        let Request { step, ask, reply } = request;
        if let Some(reason) = &self.abort_reason {
            let _ = reply.send(Reply::Abort(reason.clone()));
            return;
        }
        // Step 0 asks before the first step begins.
        if step > 0 && self.current != Some(step - 1) {
            self.current = Some(step - 1);
        }
        let screen = match ask {
            Ask::Opening(o) => Screen::Opening(o),
            Ask::Confirm { person, statement } => {
                let attend = self.current_step().is_some_and(|s| s.kind == "attend");
                Screen::Confirm(ConfirmPrompt::new(person, statement, attend))
            }
            Ask::Acknowledge { text } => Screen::Acknowledge(AckPrompt::new(text)),
            Ask::Field { key, label } => Screen::Field(FieldPrompt::new(key, label)),
            Ask::ShowSecret {
                holder,
                caption,
                words,
            } => {
                self.clear = true;
                Screen::Secret(SecretScreen::new(holder, caption, words))
            }
            Ask::Secret {
                kind: SecretKind::Share,
                person,
                prompt,
            } => Screen::Share(ShareEntry::new(person, prompt)),
            Ask::Secret {
                kind,
                person,
                prompt,
            } => Screen::Masked(MaskedPrompt::new(kind, person, prompt)),
        };
        self.leave_screen(screen);
        self.reply = Some(reply);
        self.awaiting = false;
    }

    /// Replaces the screen; leaving a screen that held secret words clears the terminal.
    fn leave_screen(&mut self, next: Screen) {
        let old = std::mem::replace(&mut self.screen, next);
        if matches!(old, Screen::Secret(_) | Screen::Share(_)) {
            self.clear = true;
        }
        drop(old);
    }

    fn accepted(&mut self) {
        self.awaiting = false;
        self.reply = None;
        let done = match &self.screen {
            Screen::Confirm(c) => {
                let initials = c.input.value().trim().to_string();
                let p = c.person.clone();
                let m = if c.attend {
                    if !self.present.contains(&p) {
                        self.present.push(p.clone());
                    }
                    text::attended(&p.name, &p.role, &initials)
                } else {
                    text::confirmed(&p.name, &p.role, &initials)
                };
                self.confirmed.push((p, initials));
                Some((MessageKind::Confirmed, m))
            }
            Screen::Acknowledge(_) => Some((MessageKind::Confirmed, text::ACKNOWLEDGED.into())),
            Screen::Opening(_) => Some((MessageKind::Confirmed, text::OPENING_DONE.into())),
            Screen::Field(f) => Some((
                MessageKind::Confirmed,
                text::recorded(&f.label, f.input.value().trim()),
            )),
            Screen::Secret(s) => Some((
                MessageKind::Confirmed,
                text::share_written(&s.holder.name, &s.holder.role),
            )),
            // Secret input is judged by the step after the answer is taken (a share may
            // be a duplicate, a passphrase may not unlock the key): the step says how it
            // went, once, with its own severity.
            Screen::Masked(_) | Screen::Share(_) => None,
            _ => None,
        };
        if let Some((kind, m)) = done {
            self.log(kind, m);
        }
        self.leave_screen(Screen::Working(self.elapsed));
    }

    fn rejected(&mut self, message: String) {
        self.awaiting = false;
        if let Some(reason) = self.abort_reason.clone() {
            self.send_abort(reason);
            return;
        }
        match &mut self.screen {
            Screen::Confirm(c) => c.error = Some(message),
            Screen::Field(f) => f.error = Some(message),
            Screen::Masked(m) => {
                // A hundred dice rolls are not retyped for one wrong digit: the engine
                // says which roll it is, and the rolls stay to be corrected.
                if m.kind != SecretKind::Dice {
                    m.input = m.fresh_input();
                }
                m.error = Some(message);
            }
            Screen::Share(s) => s.set_error(message),
            Screen::Acknowledge(a) => a.error = Some(message),
            Screen::Secret(s) => s.error = Some(message),
            _ => {}
        }
    }

    fn finish(&mut self, f: Finished) {
        self.reply = None;
        self.awaiting = false;
        let (stopped, completed) = match &f {
            Finished::Ended { end, .. } => match end {
                End::Completed => (None, true),
                End::Aborted { step, .. } => (
                    step.as_ref()
                        .and_then(|s| self.info.steps.iter().position(|x| x.id == s.as_str()))
                        .or(self.current),
                    false,
                ),
                End::Failed { step, .. } => (
                    self.info
                        .steps
                        .iter()
                        .position(|x| x.id == step.as_str())
                        .or(self.current),
                    false,
                ),
            },
            Finished::Error(_) => (self.current, false),
        };
        for (i, s) in self.status.iter_mut().enumerate() {
            *s = match (completed, stopped) {
                (true, _) => StepStatus::Done,
                (false, Some(at)) if i < at => StepStatus::Done,
                (false, Some(at)) if i == at => StepStatus::Failed,
                _ => StepStatus::Skipped,
            };
        }
        if let Finished::Ended { records, head, .. } = &f {
            self.head = Some(HeadInfo {
                records: *records,
                hash: head.clone(),
            });
        }
        self.leave_screen(Screen::Finished(f));
    }

    fn current_step(&self) -> Option<&StepInfo> {
        self.current.and_then(|i| self.info.steps.get(i))
    }

    // ---- answers and aborts ----------------------------------------------------------

    fn answer(&mut self, reply: Reply) {
        if self.awaiting {
            return;
        }
        if let Some(tx) = &self.reply {
            if tx.send(reply).is_ok() {
                self.awaiting = true;
            }
        }
    }

    fn send_abort(&mut self, reason: String) {
        if let Some(tx) = self.reply.take() {
            let _ = tx.send(Reply::Abort(reason));
        }
        self.awaiting = false;
        self.leave_screen(Screen::Working(self.elapsed));
    }

    /// Aborts the ceremony with `reason`: now if a question is open, else at the next.
    pub fn abort(&mut self, reason: String) {
        self.abort_reason = Some(reason.clone());
        *self.abort_slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(reason.clone());
        self.log(MessageKind::Problem, text::abort_pending(&reason));
        if !self.awaiting && self.reply.is_some() {
            self.send_abort(reason);
        }
    }

    // ---- keys ------------------------------------------------------------------------

    fn on_key(&mut self, action: Action) {
        if self.too_small() {
            return;
        }
        match self.overlay.take() {
            Some(Overlay::Help) => return,
            Some(Overlay::Abort(mut dialog)) => {
                match dialog.key(action) {
                    DialogOutcome::Stay => self.overlay = Some(Overlay::Abort(dialog)),
                    DialogOutcome::Close => {}
                    DialogOutcome::Abort(reason) => self.abort(reason),
                }
                return;
            }
            None => {}
        }
        let finished = matches!(self.screen, Screen::Finished(_));
        match action {
            Action::Interrupt if !finished => return self.ask_abort(),
            Action::Help => return self.overlay = Some(Overlay::Help),
            Action::Up => return self.scroll_by(1),
            Action::Down => return self.scroll_by(-1),
            Action::PageUp => return self.scroll_by(5),
            Action::PageDown => return self.scroll_by(-5),
            _ => {}
        }
        if self.awaiting {
            return;
        }
        let typing = matches!(
            self.screen,
            Screen::Confirm(_) | Screen::Field(_) | Screen::Masked(_)
        );
        match action {
            // Esc first ends a word being retyped or a choice between readings.
            Action::Esc
                if !finished
                    && !matches!(&self.screen, Screen::Share(s) if s.is_editing() || s.is_choosing()) =>
            {
                return self.ask_abort()
            }
            Action::Char('q') if !typing && !finished && !self.is_share() => {
                return self.ask_abort()
            }
            Action::Char('?') if !matches!(self.screen, Screen::Field(_) | Screen::Masked(_)) => {
                return self.overlay = Some(Overlay::Help)
            }
            Action::Char('j') if !typing && !self.is_share() => return self.scroll_by(-1),
            Action::Char('k') if !typing && !self.is_share() => return self.scroll_by(1),
            _ => {}
        }
        let mut reply = None;
        match &mut self.screen {
            Screen::Confirm(c) => match action {
                Action::Char(ch) => c.input.push(ch),
                Action::Backspace => c.input.backspace(),
                Action::Enter => reply = Some(Reply::Text(c.input.value().to_string())),
                _ => {}
            },
            Screen::Field(f) => match action {
                Action::Char(ch) => f.input.push(ch),
                Action::Backspace => f.input.backspace(),
                Action::Enter => reply = Some(Reply::Text(f.input.value().to_string())),
                _ => {}
            },
            Screen::Masked(m) => match action {
                // An objection is about what was sent; once the input changes it is old.
                Action::Char(ch) => {
                    m.input.push(ch);
                    m.error = None;
                }
                Action::Backspace => {
                    m.input.backspace();
                    m.error = None;
                }
                Action::Enter => reply = Some(Reply::Secret(m.input.take_secret())),
                _ => {}
            },
            Screen::Acknowledge(_) | Screen::Opening(_) => {
                if let Action::Enter = action {
                    reply = Some(Reply::Done);
                }
            }
            Screen::Secret(s) => {
                if s.key(&action) {
                    reply = Some(Reply::Done);
                }
            }
            Screen::Share(s) => {
                // Letters, separators, word numbers and the editing keys all belong to
                // the share entry.
                if let Typed::Submit(words) = s.key(&action) {
                    reply = Some(Reply::Secret(words));
                }
            }
            Screen::Finished(_) => {
                if matches!(action, Action::Enter | Action::Esc | Action::Char('q')) {
                    self.quit = true;
                }
            }
            Screen::Starting | Screen::Working(_) => {}
        }
        if let Some(r) = reply {
            self.answer(r);
        }
    }

    fn is_share(&self) -> bool {
        matches!(self.screen, Screen::Share(_))
    }

    fn ask_abort(&mut self) {
        if self.abort_reason.is_none() {
            self.overlay = Some(Overlay::Abort(AbortDialog::new()));
        }
    }

    fn scroll_by(&mut self, lines: isize) {
        // Past the top the pane shows the same first rows: stop there, so the first
        // key back down moves it at once.
        let max = messages::app_max_scroll(self);
        self.scroll = self.scroll.saturating_add_signed(lines).min(max);
    }

    // ---- drawing ---------------------------------------------------------------------

    /// Draws the whole UI into `frame`.
    pub fn draw(&self, frame: &mut Frame<'_>) {
        let area = frame.area();
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            too_small::draw(frame, area, self.theme);
            return;
        }
        if let Screen::Secret(s) = &self.screen {
            s.draw(frame, area, self.theme);
            self.draw_overlay(frame, area);
            return;
        }
        // The opening and the final screen carry what the room reads aloud: on a small
        // terminal they take the messages' rows and the step list's columns.
        let reading = matches!(self.screen, Screen::Opening(_) | Screen::Finished(_));
        let tail = if reading && area.height < 36 {
            0
        } else {
            messages::tail_height(area.height)
        };
        let [top, body, log, keys] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Min(8),
            Constraint::Length(tail),
            Constraint::Length(1),
        ])
        .areas(area);
        header::draw(frame, top, self);
        // Share entry needs the width for its word grid on a small terminal.
        let list_width = match (&self.screen, area.width >= 110) {
            (_, true) => 38,
            (Screen::Share(_) | Screen::Opening(_) | Screen::Finished(_), false) => 0,
            (_, false) => 28,
        };
        let [list, main] =
            Layout::horizontal([Constraint::Length(list_width), Constraint::Min(40)]).areas(body);
        step_list::draw(frame, list, self);
        self.draw_main(frame, main);
        messages::draw(frame, log, self);
        hints::draw(frame, keys, self);
        self.draw_overlay(frame, area);
    }

    fn draw_main(&self, frame: &mut Frame<'_>, area: Rect) {
        let step = self.current_step();
        let number = self.current.map_or(0, |i| i + 1);
        let total = self.info.steps.len();
        match &self.screen {
            Screen::Starting => working::draw(frame, area, self, None),
            Screen::Working(_) => working::draw(frame, area, self, step),
            Screen::Confirm(c) => c.draw(frame, area, self, step, number, total),
            Screen::Acknowledge(a) => a.draw(frame, area, self, step, number, total),
            Screen::Opening(o) => o.draw(frame, area, self),
            Screen::Field(f) => f.draw(frame, area, self, step, number, total),
            Screen::Masked(m) => m.draw(frame, area, self, step, number, total),
            Screen::Share(s) => s.draw(frame, area, self, step, number, total),
            Screen::Finished(f) => finished::draw(frame, area, self, f),
            Screen::Secret(_) => {}
        }
    }

    fn draw_overlay(&self, frame: &mut Frame<'_>, area: Rect) {
        match &self.overlay {
            Some(Overlay::Help) => help::draw(frame, area, self.theme),
            Some(Overlay::Abort(d)) => d.draw(frame, area, self.theme),
            None => {}
        }
    }
}
