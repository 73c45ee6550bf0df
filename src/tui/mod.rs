//! The terminal UI: a ratatui + crossterm front end on the operator boundary, the third
//! beside scripted answers and plain prompts.
//!
//! Architecture: the UI thread owns the terminal. [`run_ceremony`] runs the engine on a
//! worker thread (scoped, so the script is borrowed) with a [`TuiOperator`] that sends
//! each question over a channel and waits for the answer; a second small thread turns
//! terminal input into messages on the same channel. The UI thread waits on that one
//! channel (with a timeout for the clock), turns each message into an [`Action`], calls
//! [`App::update`], and draws with [`App::draw`] when something changed. Long work (key
//! derivation in `split` and `recover`) runs on the worker while the UI shows a
//! "working…" pane and stays responsive.
//!
//! Modules: one per screen or widget (`confirm`, `acknowledge`, `field`, `secret`,
//! `share_entry`, `working`, `abort`, `help`, `too_small`, `finished`, `header`,
//! `step_list`, `messages`, `hints`, `input`, `pane`), the state (`app`), the actions
//! (`action`), the channel protocol (`operator`), the terminal (`terminal`), styles
//! (`theme`), every string (`text`), and who confirms in each step (`roster`).
//!
//! Invariants:
//! - The engine does not change for the UI, and never touches the terminal.
//! - The whole UI runs on the alternate screen; the terminal is restored (alternate
//!   screen left, raw mode off, cursor shown) on every exit, by a guard and a panic hook.
//! - Secret words live only in the secret screen's and the share entry's state, in
//!   zeroizing buffers; the terminal is cleared when either screen opens or closes.
//! - No busy loop: input is polled with a timeout on its own thread, and the UI thread
//!   sleeps on its channel until a message arrives or the clock needs a redraw (each
//!   second; four times a second while the engine works).

pub mod abort;
pub mod acknowledge;
pub mod action;
pub mod app;
pub mod backend;
pub mod confirm;
pub mod field;
pub mod finished;
pub mod header;
pub mod help;
pub mod hints;
pub mod input;
pub mod messages;
pub mod opening;
pub mod operator;
pub mod pane;
pub mod roster;
pub mod secret;
pub mod share_entry;
pub mod step_list;
pub mod terminal;
pub mod text;
pub mod theme;
pub mod too_small;
pub mod working;

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossterm::event::{self, Event};

pub use action::Action;
pub use app::{App, CeremonyInfo};
pub use operator::{EngineEvent, TuiOperator};

use crate::engine::{EngineError, Outcome, RunOptions};
use crate::script::Script;
use operator::Finished;
use terminal::TerminalGuard;
use theme::Theme;

/// The smallest terminal the UI draws in; below it, a message says so.
pub const MIN_WIDTH: u16 = 80;
/// The smallest terminal the UI draws in; below it, a message says so.
pub const MIN_HEIGHT: u16 = 24;

/// How often the input thread checks whether it should stop.
const INPUT_POLL: Duration = Duration::from_millis(250);
/// Redraws while the engine works (spinner and elapsed time).
const WORKING_TICK: Duration = Duration::from_millis(250);
/// A "working" pane is drawn only if the engine stays busy this long, so quick steps
/// between two questions do not flash it.
const WORKING_DELAY: Duration = Duration::from_millis(150);

/// Why the terminal UI could not run a ceremony.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    /// The ceremony itself stopped without an end record.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The terminal could not be set up or drawn.
    #[error("the terminal failed")]
    Terminal(#[source] std::io::Error),
}

/// Everything the UI thread receives.
enum Inbox {
    Input(Event),
    InputFailed(std::io::Error),
    Engine(EngineEvent),
    /// A termination signal: the UI leaves at once and the engine ends the ceremony.
    Signal,
}

/// Runs `script` in the terminal UI; the terminal is restored before this returns.
/// Each signal from `signals` ends the UI at once; the engine then records the abort.
pub fn run_ceremony(
    script: &Script,
    options: &RunOptions,
    signals: Option<crate::signals::Watch>,
) -> Result<Outcome, TuiError> {
    let info = CeremonyInfo::from_script(script);
    let abort_slot: operator::AbortSlot = Arc::new(Mutex::new(None));
    let mut app = App::new(info, Theme::from_env(), Arc::clone(&abort_slot));
    let mut guard = TerminalGuard::enter().map_err(TuiError::Terminal)?;
    if let Ok(size) = guard.terminal.size() {
        app.update(Action::Resize(size.width, size.height));
    }
    let (inbox, messages) = mpsc::channel::<Inbox>();
    let (events, engine_events) = mpsc::channel::<EngineEvent>();
    // The input threads are not scoped: after the terminal is gone, a read can spin
    // inside crossterm (see `hangup_watch`), and the process must still be able to end.
    let stop = Arc::new(AtomicBool::new(false));
    for watch in [input_loop, hangup_watch] {
        let inbox = inbox.clone();
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || watch(&inbox, &stop));
    }
    if let Some(watch) = signals {
        let forward = inbox.clone();
        // Not scoped: the watch lasts as long as the process.
        std::thread::spawn(move || {
            for _ in watch.signals {
                if forward.send(Inbox::Signal).is_err() {
                    return;
                }
            }
        });
    }
    let (ui, engine) = std::thread::scope(|s| {
        let worker = s.spawn(move || {
            let mut operator = TuiOperator::new(events.clone(), abort_slot);
            let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
                crate::engine::run(script, &mut operator, options)
            }));
            let finished = match &result {
                Ok(r) => Finished::of(r),
                Err(_) => Finished::Error(text::UI_FAILED.to_string()),
            };
            let _ = events.send(EngineEvent::Finished(finished));
            result
        });
        let forward = inbox.clone();
        s.spawn(move || {
            // Engine events join the one inbox the UI thread sleeps on.
            for e in engine_events {
                if forward.send(Inbox::Engine(e)).is_err() {
                    break;
                }
            }
        });
        drop(inbox);
        let ui = ui_loop(&mut guard, app, messages);
        stop.store(true, Ordering::SeqCst);
        (ui, worker.join())
    });
    drop(guard);
    let engine = match engine {
        Ok(r) => r,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    let outcome = match engine {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => return Err(TuiError::Engine(e)),
        Err(panic) => std::panic::resume_unwind(panic),
    };
    ui.map_err(TuiError::Terminal)?;
    Ok(outcome)
}

/// Reads terminal events until told to stop or the UI is gone.
fn input_loop(inbox: &Sender<Inbox>, stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        match event::poll(INPUT_POLL) {
            Ok(false) => {}
            Ok(true) => {
                let message = match event::read() {
                    Ok(e) => Inbox::Input(e),
                    Err(e) => Inbox::InputFailed(e),
                };
                let failed = matches!(message, Inbox::InputFailed(_));
                if inbox.send(message).is_err() || failed {
                    return;
                }
            }
            Err(e) => {
                let _ = inbox.send(Inbox::InputFailed(e));
                return;
            }
        }
    }
}

/// Watches standard input, the terminal, for a hang-up (a closed window, a dropped SSH
/// session), and ends the UI with it.
///
/// Crossterm retries a read of the terminal for as long as it fails, so once the
/// terminal has hung up its `poll` never returns and takes a core: the input thread
/// cannot tell. This thread asks the operating system instead (a poll for no event at
/// all still reports a hang-up), so the UI ends, the engine records the abort and the
/// process exits, even when no SIGHUP comes.
fn hangup_watch(inbox: &Sender<Inbox>, stop: &AtomicBool) {
    use rustix::event::{PollFd, PollFlags, Timespec};
    let stdin = std::io::stdin();
    let every = Timespec {
        tv_sec: i64::try_from(INPUT_POLL.as_secs()).unwrap_or(i64::MAX),
        tv_nsec: i64::from(INPUT_POLL.subsec_nanos()),
    };
    while !stop.load(Ordering::SeqCst) {
        let mut fds = [PollFd::new(&stdin, PollFlags::empty())];
        match rustix::event::poll(&mut fds, Some(&every)) {
            Ok(0) | Err(rustix::io::Errno::INTR) => {}
            Ok(_)
                if fds[0]
                    .revents()
                    .intersects(PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL) =>
            {
                let gone =
                    std::io::Error::new(std::io::ErrorKind::BrokenPipe, text::TERMINAL_HUNG_UP);
                let _ = inbox.send(Inbox::InputFailed(gone));
                return;
            }
            Ok(_) => {}
            // Without a way to watch, the input thread and the signals still end the UI.
            Err(_) => return,
        }
    }
}

/// The UI thread: sleeps on the inbox, updates, draws. Returns when the operator leaves
/// the final screen, or with the terminal's error. The app (and any open question's
/// reply channel) is dropped on return, so a waiting worker is released.
fn ui_loop(
    guard: &mut TerminalGuard,
    mut app: App,
    messages: Receiver<Inbox>,
) -> std::io::Result<()> {
    let result = ui_events(guard, &mut app, &messages);
    if let Err(e) = &result {
        // The terminal failed (a read, or a draw to a terminal that hung up): the open
        // question, or the next, ends with the reason, so the record says why the room
        // lost its screen. A termination signal says it better.
        let reason = crate::signals::requested()
            .map_or_else(|| text::terminal_failed(e), crate::signals::Signal::reason);
        app.abort(reason);
    }
    result
}

/// The UI thread's loop, until the final screen is left or the terminal fails.
fn ui_events(
    guard: &mut TerminalGuard,
    app: &mut App,
    messages: &Receiver<Inbox>,
) -> std::io::Result<()> {
    let start = Instant::now();
    let mut dirty = true;
    let mut shown_second = 0;
    loop {
        app.update(Action::Tick(start.elapsed()));
        if app.should_quit() {
            return Ok(());
        }
        if app.take_clear() {
            guard.clear_all()?;
            dirty = true;
        }
        let deferred = app
            .working_for()
            .is_some_and(|d| d < WORKING_DELAY && !matches!(app.screen, app::Screen::Starting));
        if dirty && !deferred {
            guard.terminal.draw(|f| app.draw(f))?;
            dirty = false;
            shown_second = start.elapsed().as_secs();
        }
        let now = start.elapsed();
        let timeout = if deferred {
            WORKING_DELAY.saturating_sub(app.working_for().unwrap_or_default())
        } else if app.is_working() {
            WORKING_TICK
        } else {
            Duration::from_secs(shown_second + 1).saturating_sub(now)
        };
        let first = match messages.recv_timeout(timeout.max(Duration::from_millis(5))) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) => {
                let second = start.elapsed().as_secs();
                if deferred || app.is_working() || second != shown_second {
                    dirty = true;
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        };
        // Handle everything already waiting before drawing once.
        let mut next = Some(first);
        while let Some(m) = next {
            match m {
                Inbox::Input(e) => {
                    if let Some(a) = Action::from_event(e) {
                        app.update(a);
                    }
                }
                Inbox::InputFailed(e) => {
                    // The open question ends with the reason, so the record says why
                    // the room lost its screen; a termination signal says it better.
                    let reason = crate::signals::requested()
                        .map_or_else(|| text::terminal_failed(&e), crate::signals::Signal::reason);
                    app.abort(reason);
                    return Err(e);
                }
                Inbox::Engine(e) => app.update(Action::Engine(e)),
                Inbox::Signal => return Ok(()),
            }
            next = messages.try_recv().ok();
        }
        dirty = true;
    }
}
