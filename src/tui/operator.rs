//! The engine's side of the terminal UI: [`TuiOperator`] implements [`Operator`] by
//! sending each question over a channel to the UI thread and waiting for the answer.
//!
//! Protocol, per question: the worker sends an [`EngineEvent::Request`] that carries a
//! private reply channel, then waits on it. The UI answers with a [`Reply`]; the worker
//! checks the answer with the engine's validator (which never leaves the worker thread)
//! and sends back an [`EngineEvent::Verdict`]: `Ok` ends the question, `Err` keeps it
//! open so the person can fix what they typed. [`Reply::Abort`] ends it with
//! [`OperatorError::Aborted`].
//!
//! Invariants:
//! - The worker never touches the terminal; the UI never runs engine code.
//! - An abort asked for while no question is open is kept in a shared slot and returned
//!   from the next call (`begin_step` included), before the step does anything more.
//! - If the UI goes away (its end of a channel is dropped), every open and later
//!   question ends in `Aborted` with [`text::UI_CLOSED`]: the engine then writes its end
//!   record, so the transcript is closed, never left hanging.
//! - Secret answers travel in `Zeroizing` strings; the words of a share shown travel in
//!   a `Zeroizing` copy that the secret screen owns and drops when it closes.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};

use zeroize::Zeroizing;

use super::text;
use crate::engine::{End, EngineError, Outcome};
use crate::operator::{
    FieldKey, Opening, Operator, OperatorError, RoleView, SecretAsk, SecretKind, SecretValidator,
    SecretView, Severity, Source, StepView, Validator,
};
use crate::script::types::Initials;

/// A person, as the UI shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    /// The role id.
    pub role: String,
    /// The person's name.
    pub name: String,
}

impl Person {
    fn of(view: &RoleView<'_>) -> Person {
        Person {
            role: view.id.to_string(),
            name: shown(view.name),
        }
    }
}

/// What a question asks.
pub enum Ask {
    /// One person confirms a statement with their initials.
    Confirm {
        /// Who confirms.
        person: Person,
        /// What they confirm.
        statement: String,
    },
    /// The operator acknowledges instructions.
    Acknowledge {
        /// The instructions.
        text: String,
    },
    /// A value is typed in.
    Field {
        /// The field (or item.field).
        key: String,
        /// The label to show.
        label: String,
    },
    /// A secret is shown to one person.
    ShowSecret {
        /// Who it is for.
        holder: Person,
        /// What it is (group, member, set, word count).
        caption: String,
        /// The words. Dropped (and zeroized) when the secret screen closes.
        words: Zeroizing<String>,
    },
    /// Before the first step: the hashes the room compares.
    Opening(super::opening::OpeningScreen),
    /// Secret input: dice, a passphrase, a share, a check word.
    Secret {
        /// What is asked.
        kind: SecretKind,
        /// Who types it, when one person does.
        person: Option<Person>,
        /// The engine's prompt.
        prompt: String,
    },
}

impl std::fmt::Debug for Ask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ask::Confirm { person, .. } => write!(f, "Confirm({})", person.role),
            Ask::Acknowledge { .. } => f.write_str("Acknowledge"),
            Ask::Field { key, .. } => write!(f, "Field({key})"),
            Ask::ShowSecret { holder, .. } => write!(f, "ShowSecret({}, [REDACTED])", holder.role),
            Ask::Secret { kind, .. } => write!(f, "Secret({kind:?})"),
            Ask::Opening(_) => f.write_str("Opening"),
        }
    }
}

/// An answer from the UI.
pub enum Reply {
    /// Typed text: initials or a field value.
    Text(String),
    /// Secret input.
    Secret(Zeroizing<String>),
    /// Acknowledged, or a secret written down.
    Done,
    /// The operator aborted the ceremony, with this reason.
    Abort(String),
}

/// One question, with the channel its answer goes back on.
#[derive(Debug)]
pub struct Request {
    /// The step asking (1-based).
    pub step: usize,
    /// What it asks.
    pub ask: Ask,
    /// Where the answer goes.
    pub reply: Sender<Reply>,
}

/// How the engine's run ended, as the final screen shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finished {
    /// The transcript has an end record.
    Ended {
        /// How it ended.
        end: End,
        /// The transcript file.
        transcript: String,
        /// Records written.
        records: u64,
        /// The head hash.
        head: String,
        /// Signers who signed, and those who did not (with why).
        signed: Vec<String>,
        /// Signers who did not sign, with why.
        unsigned: Vec<(String, String)>,
    },
    /// The engine stopped without an end record (the transcript failed), or panicked.
    Error(String),
}

impl Finished {
    /// The summary of an engine result.
    pub fn of(result: &Result<Outcome, EngineError>) -> Finished {
        match result {
            Ok(o) => Finished::Ended {
                end: o.end.clone(),
                transcript: shown(&o.transcript.display().to_string()),
                records: o.head.records,
                head: o.head.hash.clone(),
                signed: o
                    .signatures
                    .iter()
                    .filter(|s| s.result.is_ok())
                    .map(|s| s.role.to_string())
                    .collect(),
                unsigned: o
                    .signatures
                    .iter()
                    .filter_map(|s| {
                        s.result
                            .as_ref()
                            .err()
                            .map(|e| (s.role.to_string(), shown(e)))
                    })
                    .collect(),
            },

            Err(e) => Finished::Error(shown(&e.to_string())),
        }
    }
}

/// What the worker tells the UI.
#[derive(Debug)]
pub enum EngineEvent {
    /// Step `number` (1-based) begins.
    BeginStep(usize),
    /// Something worth telling the room, during step `step`.
    Inform {
        /// The step (1-based).
        step: usize,
        /// What it means, as the engine judges it.
        severity: Severity,
        /// The message.
        message: String,
    },
    /// A question.
    Request(Request),
    /// The engine's verdict on the last answer: `Err` says what is wrong.
    Verdict(Result<(), String>),
    /// A record was written; the transcript's new head.
    Recorded {
        /// Records written.
        records: u64,
        /// Hex SHA-256 of the last record.
        head: String,
    },
    /// The engine has finished; no more events follow.
    Finished(Finished),
}

/// An abort asked for while no question was open; shared by the UI and the worker.
pub type AbortSlot = Arc<Mutex<Option<String>>>;

/// The operator the engine talks to when the terminal UI runs.
pub struct TuiOperator {
    events: Sender<EngineEvent>,
    abort: AbortSlot,
}

impl TuiOperator {
    /// An operator sending to `events`; `abort` is shared with the UI.
    pub fn new(events: Sender<EngineEvent>, abort: AbortSlot) -> TuiOperator {
        TuiOperator { events, abort }
    }

    /// Why the UI went away: a termination signal, else the reason the UI left in the
    /// abort slot as it ended (a terminal that hung up), else that it stopped.
    fn closed(&self) -> OperatorError {
        let left = || {
            self.abort
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone()
                .unwrap_or_else(|| text::UI_CLOSED.to_string())
        };
        let reason = crate::signals::requested().map_or_else(left, crate::signals::Signal::reason);
        OperatorError::Aborted { reason }
    }

    fn send(&self, event: EngineEvent) -> Result<(), OperatorError> {
        self.events.send(event).map_err(|_| self.closed())
    }

    fn pending_abort(&self) -> Result<(), OperatorError> {
        let slot = self.abort.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_ref() {
            Some(reason) => Err(OperatorError::Aborted {
                reason: reason.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Sends a question and waits until `check` accepts an answer.
    fn exchange<T>(
        &mut self,
        step: usize,
        ask: Ask,
        mut check: impl FnMut(Reply) -> Result<T, String>,
    ) -> Result<T, OperatorError> {
        self.pending_abort()?;
        let (reply, answers): (Sender<Reply>, Receiver<Reply>) = mpsc::channel();
        self.send(EngineEvent::Request(Request { step, ask, reply }))?;
        loop {
            match answers.recv() {
                Err(_) => return Err(self.closed()),
                Ok(Reply::Abort(reason)) => return Err(OperatorError::Aborted { reason }),
                Ok(answer) => match check(answer) {
                    Ok(v) => {
                        self.send(EngineEvent::Verdict(Ok(())))?;
                        return Ok(v);
                    }
                    Err(message) => self.send(EngineEvent::Verdict(Err(shown(&message))))?,
                },
            }
        }
    }
}

/// Text from the script, a file, a device or a person, made safe to draw: every string
/// the UI shows from the engine passes here first.
pub(super) fn shown(text: &str) -> String {
    crate::sanitize::for_terminal(text).into_owned()
}

fn unexpected() -> String {
    "the terminal UI sent an answer of the wrong kind".to_string()
}

impl Operator for TuiOperator {
    fn source(&self) -> Source {
        Source::Tty
    }

    fn opening(&mut self, opening: &Opening<'_>) -> Result<(), OperatorError> {
        let ask = Ask::Opening(super::opening::OpeningScreen::new(opening));
        // Step 0: before the first step.
        self.exchange(0, ask, |reply| match reply {
            Reply::Done => Ok(()),
            _ => Err(unexpected()),
        })
    }

    fn begin_step(&mut self, step: &StepView<'_>) -> Result<(), OperatorError> {
        self.pending_abort()?;
        self.send(EngineEvent::BeginStep(step.number))
    }

    fn confirm(
        &mut self,
        step: &StepView<'_>,
        role: &RoleView<'_>,
        statement: &str,
    ) -> Result<Initials, OperatorError> {
        let ask = Ask::Confirm {
            person: Person::of(role),
            statement: shown(statement),
        };
        self.exchange(step.number, ask, |reply| match reply {
            Reply::Text(t) => Initials::parse(&t),
            _ => Err(unexpected()),
        })
    }

    fn acknowledge(&mut self, step: &StepView<'_>, text: &str) -> Result<(), OperatorError> {
        let ask = Ask::Acknowledge { text: shown(text) };
        self.exchange(step.number, ask, |reply| match reply {
            Reply::Done => Ok(()),
            _ => Err(unexpected()),
        })
    }

    fn ask_field(
        &mut self,
        step: &StepView<'_>,
        key: &FieldKey,
        label: &str,
        validate: Validator<'_>,
    ) -> Result<String, OperatorError> {
        let ask = Ask::Field {
            key: key.to_string(),
            label: shown(label),
        };
        self.exchange(step.number, ask, |reply| match reply {
            Reply::Text(t) => validate(&t).map(|()| t.trim().to_string()),
            _ => Err(unexpected()),
        })
    }

    fn show_secret(
        &mut self,
        step: &StepView<'_>,
        view: &SecretView<'_>,
    ) -> Result<(), OperatorError> {
        let ask = Ask::ShowSecret {
            holder: Person::of(&view.holder),
            caption: shown(&view.caption),
            words: Zeroizing::new(view.words.expose_secret().to_string()),
        };
        self.exchange(step.number, ask, |reply| match reply {
            Reply::Done => Ok(()),
            _ => Err(unexpected()),
        })
    }

    fn ask_secret(
        &mut self,
        step: &StepView<'_>,
        ask: &SecretAsk<'_>,
        validate: SecretValidator<'_>,
    ) -> Result<Zeroizing<String>, OperatorError> {
        let question = Ask::Secret {
            kind: ask.kind,
            person: ask.role.as_ref().map(Person::of),
            prompt: shown(&ask.prompt),
        };
        self.exchange(step.number, question, |reply| match reply {
            Reply::Secret(s) => validate(&s).map(|()| s),
            _ => Err(unexpected()),
        })
    }

    fn recorded(&mut self, records: u64, head: &str) {
        let _ = self.send(EngineEvent::Recorded {
            records,
            head: head.to_string(),
        });
    }

    fn inform(&mut self, step: &StepView<'_>, severity: Severity, message: &str) {
        let _ = self.send(EngineEvent::Inform {
            step: step.number,
            severity,
            message: shown(message),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::types::{RoleId, StepId};

    #[test]
    fn every_text_from_the_engine_reaches_the_ui_with_controls_escaped() {
        let (events, received) = mpsc::channel();
        let mut operator = TuiOperator::new(events, AbortSlot::default());
        let id = StepId::parse("step-1").unwrap();
        let step = StepView {
            number: 1,
            total: 1,
            id: &id,
            kind: "note",
            title: "t",
        };
        // A device's reply or a name read from a record may carry an escape sequence.
        operator.inform(
            &step,
            Severity::Info,
            "device says \u{1b}]0;pwned\u{7} ok\u{202e}",
        );
        let Ok(EngineEvent::Inform { message, .. }) = received.recv() else {
            panic!("an Inform event");
        };
        assert_eq!(message, "device says \\x1b]0;pwned\\x07 ok\\u{202e}");

        let role = RoleId::parse("officer").unwrap();
        let worker = std::thread::spawn(move || {
            let view = RoleView {
                id: &role,
                name: "Alice\u{1b}[8m",
            };
            operator.confirm(&step_view(&id), &view, "seal \u{9b}2K reads 7")
        });
        let Ok(EngineEvent::Request(request)) = received.recv() else {
            panic!("a Request event");
        };
        let Ask::Confirm { person, statement } = &request.ask else {
            panic!("a Confirm question");
        };
        assert_eq!(person.name, "Alice\\x1b[8m");
        assert_eq!(statement, "seal \\x9b2K reads 7");
        request.reply.send(Reply::Abort("done".into())).unwrap();
        assert!(worker.join().unwrap().is_err());
    }

    fn step_view(id: &StepId) -> StepView<'_> {
        StepView {
            number: 1,
            total: 1,
            id,
            kind: "confirm",
            title: "t",
        }
    }
}
