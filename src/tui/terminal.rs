//! Terminal set-up and restoration: raw mode and the alternate screen for the whole UI,
//! and a panic hook plus a `Drop` guard that always put the terminal back.
//!
//! Invariants:
//! - Restoring clears the alternate screen (and asks the terminal to purge scrollback)
//!   before leaving it, so a secret on screen at a crash is not left behind in the
//!   terminal's alternate buffer; then raw mode is turned off and the cursor shown.
//! - Restoring is idempotent and runs at most once per set-up, whether by the guard's
//!   `Drop` or by the panic hook (whichever comes first, on any thread).
//! - The panic hook in place before the UI started is put back when the guard drops.

use std::io::{self, Stdout, Write};
use std::panic::{self, PanicHookInfo};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crossterm::cursor::Show;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen,
};
use crossterm::{execute, queue};
use ratatui::Terminal;

use super::backend::RoomBackend;

static ACTIVE: AtomicBool = AtomicBool::new(false);

type Hook = Box<dyn Fn(&PanicHookInfo<'_>) + Sync + Send + 'static>;

/// Puts the terminal back, if the UI had set it up.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let mut out = io::stdout();
        let _ = queue!(out, Clear(ClearType::All), Clear(ClearType::Purge));
        let _ = execute!(out, LeaveAlternateScreen, Show);
        let _ = disable_raw_mode();
        let _ = out.flush();
    }
}

/// Owns the terminal while the UI runs; restores it when dropped.
pub struct TerminalGuard {
    /// The ratatui terminal.
    pub terminal: Terminal<RoomBackend<Stdout>>,
    previous: Option<Arc<Hook>>,
}

impl TerminalGuard {
    /// Enters raw mode and the alternate screen, and installs the panic hook.
    pub fn enter() -> io::Result<TerminalGuard> {
        let previous: Arc<Hook> = Arc::new(panic::take_hook());
        let chained = Arc::clone(&previous);
        panic::set_hook(Box::new(move |info| {
            // Caught by the OpenPGP layer and reported as damaged input: the UI goes on.
            if crate::pgp::panic_is_contained() {
                return;
            }
            restore();
            chained(info);
        }));
        ACTIVE.store(true, Ordering::SeqCst);
        let mut guard = TerminalGuard {
            terminal: Terminal::new(RoomBackend::new(io::stdout()))?,
            previous: Some(previous),
        };
        enable_raw_mode()?;
        execute!(io::stdout(), EnterAlternateScreen, Clear(ClearType::All))?;
        guard.terminal.clear()?;
        Ok(guard)
    }

    /// Clears the screen and the terminal's memory of what was drawn; purges scrollback.
    pub fn clear_all(&mut self) -> io::Result<()> {
        self.terminal.clear()?;
        execute!(io::stdout(), Clear(ClearType::Purge))
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
        if let Some(previous) = self.previous.take() {
            if !std::thread::panicking() {
                let _ours = panic::take_hook();
                panic::set_hook(Box::new(move |info| previous(info)));
            }
        }
    }
}
