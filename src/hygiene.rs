//! Process hygiene: keep secrets out of core dumps, swap and the terminal's echo.
//!
//! Everything here is best effort and reported, never silently assumed: the first
//! transcript record states which measures took effect ([`Hygiene`]).
//!
//! - Core dumps off: `RLIMIT_CORE` = 0 and `PR_SET_DUMPABLE` = 0 (which also stops
//!   other processes of the same user from reading this one's memory with ptrace).
//! - Memory locked: `mlockall(MCL_CURRENT | MCL_FUTURE)`, only when the memlock limit is
//!   unlimited (root, or raised for the user); with a finite limit, locking future pages
//!   could make a later allocation fail mid-ceremony, so it is skipped and reported.
//! - Echo off while secret input is typed at a terminal ([`EchoOff`]).
//!
//! All calls go through `rustix`'s safe wrappers; this crate has no `unsafe`.

use std::io::IsTerminal;
use std::os::fd::AsFd;

use rustix::mm::{mlockall, MlockAllFlags};
use rustix::process::{
    getrlimit, set_dumpable_behavior, setrlimit, DumpableBehavior, Resource, Rlimit,
};
use rustix::termios::{tcgetattr, tcsetattr, LocalModes, OptionalActions, Termios};
use serde::{Deserialize, Serialize};

/// Which measures took effect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hygiene {
    /// Core dumps are disabled (both the limit and the dumpable flag).
    pub core_dumps_off: bool,
    /// All present and future pages are locked in memory (never swapped).
    pub memory_locked: bool,
    /// Why a measure did not take effect, if one did not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Applies the measures to this process and reports what took effect.
pub fn harden() -> Hygiene {
    let mut notes = Vec::new();
    let limit = setrlimit(
        Resource::Core,
        Rlimit {
            current: Some(0),
            maximum: Some(0),
        },
    );
    if let Err(e) = &limit {
        notes.push(format!("core dump limit: {e}"));
    }
    let dumpable = set_dumpable_behavior(DumpableBehavior::NotDumpable);
    if let Err(e) = &dumpable {
        notes.push(format!("dumpable flag: {e}"));
    }
    let memlock = getrlimit(Resource::Memlock);
    let memory_locked = if memlock.current.is_none() {
        match mlockall(MlockAllFlags::CURRENT | MlockAllFlags::FUTURE) {
            Ok(()) => true,
            Err(e) => {
                notes.push(format!("mlockall: {e}"));
                false
            }
        }
    } else {
        notes.push(format!(
            "memory not locked: the memlock limit is {} bytes, not unlimited",
            memlock.current.unwrap_or(0)
        ));
        false
    };
    Hygiene {
        core_dumps_off: limit.is_ok() && dumpable.is_ok(),
        memory_locked,
        notes,
    }
}

/// Turns terminal echo off on standard input until dropped, when stdin is a terminal.
pub struct EchoOff {
    saved: Option<Termios>,
}

impl EchoOff {
    /// Echo off on standard input, if it is a terminal.
    pub fn stdin() -> EchoOff {
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            return EchoOff { saved: None };
        }
        let Ok(saved) = tcgetattr(stdin.as_fd()) else {
            return EchoOff { saved: None };
        };
        let mut quiet = saved.clone();
        quiet.local_modes.remove(LocalModes::ECHO);
        // Keep ECHONL so the Enter key still moves to the next line.
        quiet.local_modes.insert(LocalModes::ECHONL);
        match tcsetattr(stdin.as_fd(), OptionalActions::Now, &quiet) {
            Ok(()) => EchoOff { saved: Some(saved) },
            Err(_) => EchoOff { saved: None },
        }
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        if let Some(saved) = &self.saved {
            let _ = tcsetattr(std::io::stdin().as_fd(), OptionalActions::Now, saved);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harden_turns_core_dumps_off_and_reports_memory_locking() {
        let h = harden();
        assert!(h.core_dumps_off, "{h:?}");
        assert_eq!(getrlimit(Resource::Core).current, Some(0));
        assert_eq!(
            rustix::process::dumpable_behavior().ok(),
            Some(DumpableBehavior::NotDumpable)
        );
        let unlimited = getrlimit(Resource::Memlock).current.is_none();
        if !unlimited {
            assert!(!h.memory_locked);
            assert!(h.notes.iter().any(|n| n.contains("memlock limit")));
        }
    }
}
