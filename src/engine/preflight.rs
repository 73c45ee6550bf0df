//! Pre-flight: before the first record is written, everything that can be known at the
//! start is checked, so that a ceremony does not stop halfway, after the secret exists,
//! for a reason that was visible before it began.
//!
//! Invariants:
//! - Nothing is written by a refused pre-flight: no transcript, no file under `--out`
//!   (the writability probes are created and removed in a private temporary name).
//! - A refusal says what is wrong and what to do; a device that is not plugged in yet is
//!   only a warning naming the step that needs it (it may be plugged in by then).

use std::path::{Path, PathBuf};

use crate::script::types::StepId;
use crate::script::Script;

/// What the steps of a script will need, from the script alone.
#[derive(Debug, Default)]
pub struct Plan {
    /// Steps that show a secret on the screen.
    pub shows_secrets: Vec<StepId>,
    /// Steps in which people type secrets (shares, dice, passphrases).
    pub types_secrets: Vec<StepId>,
    /// Files the ceremony will create, relative to `--out`, with the step that writes them.
    pub out_files: Vec<(StepId, PathBuf)>,
    /// Serial ports the ceremony will talk to, with the step.
    pub devices: Vec<(StepId, PathBuf)>,
    /// Bytes the ceremony will write, estimated.
    pub bytes: u64,
}

impl Plan {
    /// The plan of `script`.
    pub fn of(script: &Script) -> Plan {
        let mut plan = Plan {
            // The transcript: a few hundred bytes a record, a handful of records a step.
            bytes: 64 * 1024 + 8 * 1024 * script.steps.len() as u64,
            ..Plan::default()
        };
        for step in &script.steps {
            let needs = step.action.needs(script);
            if needs.shows_secret {
                plan.shows_secrets.push(step.id.clone());
            }
            if needs.types_secret {
                plan.types_secrets.push(step.id.clone());
            }
            for file in needs.out_files {
                plan.out_files.push((step.id.clone(), file));
            }
            if let Some(port) = needs.device_port {
                plan.devices.push((step.id.clone(), port));
            }
            plan.bytes += needs.bytes;
        }
        plan
    }
}

/// Where the answers come from, for the terminal rule.
#[derive(Clone, Copy, Debug)]
pub struct Terminals {
    /// A scripted answers file: nobody types, nothing is shown.
    pub answers: bool,
    /// Standard input is a terminal.
    pub stdin: bool,
    /// Standard output is a terminal.
    pub stdout: bool,
}

/// Why a ceremony may not start.
#[derive(Debug, thiserror::Error)]
pub enum PreflightError {
    /// Secrets would be shown into a pipe or a file, or typed blind.
    #[error("step `{step}` {what}, but {which} is not a terminal")]
    NotATerminal {
        /// The first step that needs it.
        step: StepId,
        /// "shows a share" or "asks for secret input".
        what: &'static str,
        /// "standard output" or "standard input".
        which: &'static str,
    },
    /// A file the ceremony will create exists already (or an earlier step creates it).
    #[error("step `{step}` will create {}, which exists already or an earlier step creates", path.display())]
    FileExists {
        /// The step.
        step: StepId,
        /// The file.
        path: PathBuf,
    },
    /// A folder cannot be written.
    #[error("{what} {} cannot be written", path.display())]
    NotWritable {
        /// "the records folder" or "the output folder".
        what: &'static str,
        /// The folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Not enough free space.
    #[error("{} has {free} bytes free; the ceremony will write about {needed} bytes", path.display())]
    NoRoom {
        /// The folder.
        path: PathBuf,
        /// Free bytes.
        free: u64,
        /// Estimated need.
        needed: u64,
    },
}

impl PreflightError {
    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            PreflightError::NotATerminal { .. } => {
                "run keyrite in a terminal (not redirected into a file or a pipe), or give --answers for a scripted test run"
            }
            PreflightError::FileExists { .. } => {
                "give another --out folder, or move the earlier ceremony's files away after checking what they are"
            }
            PreflightError::NotWritable { .. } => "give a folder this user can write (--records, --out)",
            PreflightError::NoRoom { .. } => "free space on that disk, or give folders on another one",
        }
    }
}

/// A warning the room should hear before the first step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning(pub String);

/// Checks `plan` against this machine. `Ok` carries warnings to show; `Err` means the
/// ceremony must not start.
pub fn check(
    plan: &Plan,
    terminals: Terminals,
    records: &Path,
    out: &Path,
) -> Result<Vec<Warning>, PreflightError> {
    if !terminals.answers {
        if let (Some(step), false) = (plan.shows_secrets.first(), terminals.stdout) {
            return Err(PreflightError::NotATerminal {
                step: step.clone(),
                what: "shows a share on the screen",
                which: "standard output",
            });
        }
        if let (Some(step), false) = (plan.types_secrets.first(), terminals.stdin) {
            return Err(PreflightError::NotATerminal {
                step: step.clone(),
                what: "asks for secret input (shares, dice or a passphrase)",
                which: "standard input",
            });
        }
    }
    for (i, (step, file)) in plan.out_files.iter().enumerate() {
        let path = out.join(file);
        if plan.out_files[..i]
            .iter()
            .any(|(_, earlier)| earlier == file)
        {
            return Err(PreflightError::FileExists {
                step: step.clone(),
                path,
            });
        }
        if std::fs::symlink_metadata(&path).is_ok() {
            return Err(PreflightError::FileExists {
                step: step.clone(),
                path,
            });
        }
    }
    writable(records, "the records folder")?;
    if !plan.out_files.is_empty() {
        writable(out, "the output folder")?;
    }
    for folder in [records, out] {
        if let Some(free) = free_bytes(folder) {
            if free < plan.bytes {
                return Err(PreflightError::NoRoom {
                    path: folder.to_path_buf(),
                    free,
                    needed: plan.bytes,
                });
            }
        }
    }
    let mut warnings = Vec::new();
    for (step, port) in &plan.devices {
        if std::fs::metadata(port).is_err() {
            warnings.push(Warning(format!(
                "step `{step}` talks to a device on {}, which is not connected now; connect it before that step",
                port.display()
            )));
        }
    }
    Ok(warnings)
}

/// The nearest existing folder at or above `path` (a folder keyrite will create).
fn existing_ancestor(path: &Path) -> Option<&Path> {
    path.ancestors()
        .find(|p| p.as_os_str().is_empty() || p.is_dir())
        .map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        })
}

/// Probes that a file can be created in `folder` (or where it will be created).
fn writable(folder: &Path, what: &'static str) -> Result<(), PreflightError> {
    let failed = |source| PreflightError::NotWritable {
        what,
        path: folder.to_path_buf(),
        source,
    };
    let base = existing_ancestor(folder).ok_or_else(|| {
        failed(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no part of the path exists",
        ))
    })?;
    let probe = base.join(format!(".keyrite-preflight-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(failed)?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Free bytes for an unprivileged user on the disk that holds `folder`.
fn free_bytes(folder: &Path) -> Option<u64> {
    let base = existing_ancestor(folder)?;
    let stat = rustix::fs::statvfs(base).ok()?;
    Some(stat.f_bavail.saturating_mul(stat.f_frsize))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(id: &str) -> StepId {
        StepId::parse(id).unwrap()
    }

    #[test]
    fn secrets_need_terminals_unless_answers_are_scripted() {
        let plan = Plan {
            shows_secrets: vec![step("show")],
            types_secrets: vec![step("collect")],
            ..Plan::default()
        };
        let dir = tempfile::tempdir().unwrap();
        let piped = Terminals {
            answers: false,
            stdin: true,
            stdout: false,
        };
        let e = check(&plan, piped, dir.path(), dir.path()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "step `show` shows a share on the screen, but standard output is not a terminal"
        );
        let blind = Terminals {
            stdout: true,
            stdin: false,
            answers: false,
        };
        assert!(matches!(
            check(&plan, blind, dir.path(), dir.path()),
            Err(PreflightError::NotATerminal {
                which: "standard input",
                ..
            })
        ));
        let scripted = Terminals {
            answers: true,
            stdin: false,
            stdout: false,
        };
        assert!(check(&plan, scripted, dir.path(), dir.path()).is_ok());
    }

    #[test]
    fn an_existing_output_file_and_an_unwritable_folder_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("share-1.asc"), "earlier").unwrap();
        let plan = Plan {
            out_files: vec![(step("encrypt"), PathBuf::from("share-1.asc"))],
            ..Plan::default()
        };
        let terminals = Terminals {
            answers: true,
            stdin: false,
            stdout: false,
        };
        assert!(matches!(
            check(&plan, terminals, dir.path(), dir.path()),
            Err(PreflightError::FileExists { .. })
        ));
        let e = writable(Path::new("/proc/keyrite"), "the records folder").unwrap_err();
        assert!(e
            .to_string()
            .starts_with("the records folder /proc/keyrite cannot be written"));
        let huge = Plan {
            bytes: u64::MAX,
            ..Plan::default()
        };
        assert!(matches!(
            check(&huge, terminals, dir.path(), dir.path()),
            Err(PreflightError::NoRoom { .. })
        ));
        // No probe file is left behind.
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1);
    }

    #[test]
    fn a_missing_device_is_a_warning_naming_its_step() {
        let dir = tempfile::tempdir().unwrap();
        let plan = Plan {
            devices: vec![(step("wallet"), PathBuf::from("/dev/ttyKEYRITE9"))],
            ..Plan::default()
        };
        let terminals = Terminals {
            answers: true,
            stdin: false,
            stdout: false,
        };
        let warnings = check(&plan, terminals, dir.path(), dir.path()).unwrap();
        assert_eq!(
            warnings,
            [Warning("step `wallet` talks to a device on /dev/ttyKEYRITE9, which is not connected now; connect it before that step".into())]
        );
    }
}
