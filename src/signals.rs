//! Termination signals during a ceremony: SIGTERM (the system or an operator stops the
//! process), SIGHUP (the terminal went away: a closed lid, a dropped SSH session) and
//! SIGINT (Ctrl-C where the terminal sends it).
//!
//! Left to their default action, these kill keyrite mid-step: secrets stay in memory
//! until the process dies, the terminal stays in raw mode on the alternate screen, and
//! the transcript has no end record. Instead, once [`watch`] runs:
//! - the signal is noted ([`requested`]); the engine checks before each step and stops
//!   the ceremony with an `aborted` record that names the signal, after wiping the vault,
//!   exactly as an abort typed by the operator;
//! - the front end is told at once (the [`Watch`] channel), so a question being asked
//!   ends now rather than at the next step: the terminal UI leaves and restores the
//!   terminal, and plain prompts stop reading;
//! - where the front end asks people (plain prompts), Ctrl-C is theirs: it asks for the
//!   abort reason, as the terminal UI's abort does, instead of noting a termination;
//! - a further terminating signal more than a few seconds after the first (the engine is
//!   stuck) ends the process at once, after `last_words` (the UI restores the terminal
//!   there); the transcript then lacks its end record, which `verify` reports as an
//!   interrupted run. Signals in quick succession (SIGHUP and SIGTERM of one closed lid)
//!   count as one.

use std::io::{BufRead, Read};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use zeroize::Zeroizing;

/// How long a first termination may take (the engine finishing its step, writing the
/// abort) before a further signal ends the process without the end record.
const PATIENCE: Duration = Duration::from_secs(5);

/// The first terminating signal received, or 0.
static REQUESTED: AtomicI32 = AtomicI32::new(0);

/// A signal that ends the ceremony.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// SIGTERM.
    Term,
    /// SIGHUP.
    Hup,
    /// SIGINT.
    Int,
}

impl Signal {
    fn of(number: i32) -> Option<Signal> {
        match number {
            SIGTERM => Some(Signal::Term),
            SIGHUP => Some(Signal::Hup),
            SIGINT => Some(Signal::Int),
            _ => None,
        }
    }

    fn number(self) -> i32 {
        match self {
            Signal::Term => SIGTERM,
            Signal::Hup => SIGHUP,
            Signal::Int => SIGINT,
        }
    }

    /// `SIGTERM`, `SIGHUP`, `SIGINT`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Term => "SIGTERM",
            Signal::Hup => "SIGHUP",
            Signal::Int => "SIGINT",
        }
    }

    /// The abort reason recorded for it.
    pub fn reason(self) -> String {
        let why = match self {
            Signal::Term => "keyrite was told to stop",
            Signal::Hup => "the terminal was closed",
            Signal::Int => "interrupted",
        };
        format!("terminated by {} ({why})", self.name())
    }
}

/// The terminating signal received so far, if any.
pub fn requested() -> Option<Signal> {
    Signal::of(REQUESTED.load(Ordering::SeqCst))
}

/// What the front end wants of Ctrl-C.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interrupt {
    /// SIGINT terminates like SIGTERM (scripted answers, the terminal UI, where Ctrl-C
    /// is a key and SIGINT can only come from `kill`).
    Terminates,
    /// SIGINT goes to the front end only, which asks for an abort reason.
    AsksWhy,
}

/// The front end's end of the watch: each signal as it arrives.
pub struct Watch {
    /// Signals, in order.
    pub signals: Receiver<Signal>,
}

/// Starts watching SIGTERM, SIGHUP and SIGINT for the rest of the process.
/// `last_words` runs before the process exits on a second terminating signal.
pub fn watch(interrupt: Interrupt, last_words: fn()) -> std::io::Result<Watch> {
    let mut signals = Signals::new([SIGTERM, SIGHUP, SIGINT])?;
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let mut first_at: Option<Instant> = None;
            for number in signals.forever() {
                let Some(signal) = Signal::of(number) else {
                    continue;
                };
                let terminates = signal != Signal::Int || interrupt == Interrupt::Terminates;
                if terminates {
                    let first = REQUESTED
                        .compare_exchange(0, signal.number(), Ordering::SeqCst, Ordering::SeqCst)
                        .is_ok();
                    match first_at {
                        _ if first => first_at = Some(Instant::now()),
                        // A closed lid sends SIGHUP and SIGTERM together: a signal soon
                        // after the first is the same event, not an insistence.
                        Some(at) if at.elapsed() < PATIENCE => {}
                        _ => {
                            last_words();
                            std::process::exit(128 + signal.number());
                        }
                    }
                }
                // The front end may have gone; the note above still stops the engine.
                let _ = tx.send(signal);
            }
        })?;
    Ok(Watch { signals: rx })
}

/// The error a read returns when a signal arrived while it waited: see [`signalled`].
#[derive(Debug, thiserror::Error)]
#[error("{} arrived while keyrite waited for input", .0.name())]
pub struct Signalled(pub Signal);

/// The signal that ended a read, if that is why `error` happened.
pub fn signalled(error: &std::io::Error) -> Option<Signal> {
    error
        .get_ref()
        .and_then(|e| e.downcast_ref::<Signalled>())
        .map(|s| s.0)
}

enum Chunk {
    Data(Zeroizing<Vec<u8>>),
    Failed(std::io::Error),
    Signal(Signal),
}

/// Standard input, read on a thread of its own, so that a signal ends a read that waits
/// for a person: the read returns an error carrying [`Signalled`], and the next read
/// goes on with the input. Typed bytes (passphrases, shares) pass in wiped buffers.
pub struct InterruptibleStdin {
    chunks: Receiver<Chunk>,
    pending: Zeroizing<Vec<u8>>,
    at: usize,
}

impl InterruptibleStdin {
    /// Standard input, interrupted by the signals of `watch`.
    pub fn new(watch: Watch) -> std::io::Result<InterruptibleStdin> {
        let (tx, rx) = mpsc::channel();
        let data = tx.clone();
        std::thread::Builder::new()
            .name("stdin".into())
            .spawn(move || {
                let mut stdin = std::io::stdin().lock();
                loop {
                    // Larger than the standard library's own stdin buffer, which is then
                    // bypassed: the typed bytes land only in this wiped buffer.
                    let mut buffer = Zeroizing::new(vec![0u8; 16 * 1024]);
                    let chunk = match stdin.read(&mut buffer) {
                        Ok(n) => {
                            buffer.truncate(n);
                            Chunk::Data(buffer)
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(e) => Chunk::Failed(e),
                    };
                    let last = !matches!(&chunk, Chunk::Data(d) if !d.is_empty());
                    if data.send(chunk).is_err() || last {
                        return;
                    }
                }
            })?;
        std::thread::Builder::new()
            .name("stdin-signals".into())
            .spawn(move || {
                for signal in watch.signals {
                    if tx.send(Chunk::Signal(signal)).is_err() {
                        return;
                    }
                }
            })?;
        Ok(InterruptibleStdin {
            chunks: rx,
            pending: Zeroizing::new(Vec::new()),
            at: 0,
        })
    }
}

impl BufRead for InterruptibleStdin {
    // The only buffer is the wiped chunk itself: no `BufReader` on top keeps a copy of
    // what was typed.
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.at >= self.pending.len() {
            match self.chunks.recv() {
                // The reader thread ended: the input is over.
                Err(_) => return Ok(&[]),
                Ok(Chunk::Data(data)) => {
                    self.pending = data;
                    self.at = 0;
                }
                Ok(Chunk::Failed(e)) => return Err(e),
                Ok(Chunk::Signal(signal)) => {
                    return Err(std::io::Error::other(Signalled(signal)));
                }
            }
        }
        Ok(&self.pending[self.at..])
    }

    fn consume(&mut self, amount: usize) {
        self.at = (self.at + amount).min(self.pending.len());
    }
}

impl Read for InterruptibleStdin {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = out.len().min(available.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_name_the_signal() {
        assert_eq!(
            Signal::Hup.reason(),
            "terminated by SIGHUP (the terminal was closed)"
        );
        assert_eq!(Signal::of(SIGTERM), Some(Signal::Term));
        assert_eq!(Signal::of(0), None);
    }
}
