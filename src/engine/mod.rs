//! Runs a resolved script: each step in order, through the operator, into the transcript.
//!
//! Invariants:
//! - The first record (`ceremony_started`) is durable before the first question is asked,
//!   and each step's facts are durable before the next step begins (ARCHITECTURE.md, invariant 2).
//! - Every run ends with exactly one end record, `completed` or `aborted` (with the reason
//!   and the step), unless the transcript itself cannot be written; then the run stops at
//!   once and the file ends at its last complete record.
//! - Signing (a last `sign_transcript` step) happens only after the end record of a
//!   completed run: signatures cover the closed transcript and never change it.

use std::collections::HashMap;
use std::path::PathBuf;

pub mod preflight;

use crate::operator::{Opening, Operator, OperatorError, Severity, StepView};
use crate::script::types::{FieldValue, StepId};
use crate::script::Script;
use crate::steps::sign_transcript::SignerOutcome;
use crate::steps::unlock::Asker;
use crate::steps::{StepContext, StepError, Values};

use crate::transcript::events;
use crate::transcript::writer::Head;
use crate::transcript::{TranscriptError, Writer};
use crate::vault::Vault;

/// Where a run writes.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Root of the records folder; the transcript goes to `<records>/<id>/<time>.jsonl`.
    pub records: PathBuf,
    /// The process hygiene measures that took effect, for the first record.
    pub hygiene: crate::hygiene::Hygiene,
    /// Where steps write files (encrypted shares): `--out`.
    pub out: PathBuf,
    /// Pre-flight warnings the room hears before the first step (a device not connected).
    pub warnings: Vec<String>,
}

/// How a ceremony ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// Every step finished.
    Completed,
    /// The operator stopped it.
    Aborted {
        /// The step it stopped in.
        step: Option<StepId>,
        /// The reason given.
        reason: String,
    },
    /// A step could not go on (an unusable scripted answer, a failed input).
    Failed {
        /// The step it stopped in.
        step: StepId,
        /// What went wrong.
        error: String,
    },
}

/// The result of a run whose transcript was written to the end.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The transcript file.
    pub transcript: PathBuf,
    /// Its final hash.
    pub head: Head,
    /// How it ended.
    pub end: End,
    /// Each required signer's signature, for a completed ceremony whose last step is
    /// `sign_transcript` (empty otherwise).
    pub signatures: Vec<SignerOutcome>,
}

/// Why a run stopped without an end record.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The transcript could not be created or written.
    #[error(transparent)]
    Transcript(#[from] TranscriptError),
}

/// Hex SHA-256 of the running keyrite binary, read once: the room compares it with the
/// build it expects, and the first record keeps it.
pub fn tool_sha256() -> Option<&'static str> {
    static HASH: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        use sha2::{Digest, Sha256};
        // /proc/self/exe is the running image even if the file was replaced since.
        let mut file = std::fs::File::open("/proc/self/exe")
            .or_else(|_| std::env::current_exe().and_then(std::fs::File::open))
            .ok()?;
        let mut hasher = Sha256::new();
        std::io::copy(&mut file, &mut hasher).ok()?;
        Some(hex::encode(hasher.finalize()))
    })
    .as_deref()
}

/// The machine's host name, for the first record.
pub fn host_name() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".to_string())
}

fn started(
    script: &Script,
    operator: &dyn Operator,
    hygiene: &crate::hygiene::Hygiene,
) -> events::CeremonyStarted {
    events::CeremonyStarted {
        ceremony: events::Ceremony {
            id: script.id.to_string(),
            title: script.title.clone(),
            description: script.description.clone(),
            rehearse_every: script.rehearse_every.map(String::from),
        },
        script: events::ScriptFile {
            path: script.path.display().to_string(),
            sha256: script.sha256.clone(),
        },
        tool: events::Tool {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            sha256: tool_sha256().map(str::to_string),
        },
        host: host_name(),
        operator: operator.source().to_string(),
        roles: script
            .roles
            .iter()
            .map(|r| events::Role {
                id: r.id.to_string(),
                name: r.name.clone(),
                cert: r.cert.as_ref().map(|c| c.path.display().to_string()),
                fingerprint: r.cert.as_ref().map(|c| c.certificate.fingerprint()),
            })
            .collect(),
        signers: script
            .signing()
            .map(|s| s.signers().iter().map(ToString::to_string).collect())
            .unwrap_or_default(),
        same_person_allowed: script
            .same_person_allowed
            .iter()
            .map(|a| events::SamePerson {
                roles: [a.roles.0.to_string(), a.roles.1.to_string()],
                reason: a.reason.clone(),
            })
            .collect(),
        steps: script.steps.iter().map(|s| s.id.to_string()).collect(),
        hygiene: Some(hygiene.clone()),
    }
}

/// Runs `script` to its end, asking `operator`, writing under `options.records`.
pub fn run(
    script: &Script,
    operator: &mut dyn Operator,
    options: &RunOptions,
) -> Result<Outcome, EngineError> {
    let mut transcript = Writer::create(&options.records, &script.id, &script.sha256)?;
    transcript.write(None, &started(script, operator, &options.hygiene))?;
    operator.recorded(transcript.next_seq(), transcript.head_hash());
    let path = transcript.path().to_path_buf();
    let mut values = Values::new();
    let mut vault = Vault::default();
    let mut fingerprints = HashMap::new();
    let mut checked_shares = HashMap::new();
    let total = script.steps.len();
    let mut done = 0;
    let mut end = End::Completed;
    let opening = Opening {
        title: &script.title,
        script_path: script.path.display().to_string(),
        script_sha256: &script.sha256,
        tool_version: env!("CARGO_PKG_VERSION"),
        tool_sha256: tool_sha256(),
        warnings: &options.warnings,
    };
    match operator.opening(&opening) {
        Ok(()) => {}
        Err(OperatorError::Aborted { reason }) => end = End::Aborted { step: None, reason },
        Err(e) => {
            end = End::Aborted {
                step: None,
                reason: format!("before the first step: {e}"),
            }
        }
    }
    let steps = if end == End::Completed {
        &script.steps[..]
    } else {
        &[]
    };
    for (index, step) in steps.iter().enumerate() {
        let view = StepView {
            number: index + 1,
            total,
            id: &step.id,
            kind: step.action.kind(),
            title: &step.title,
        };
        // `{head}` and `{head_phrase}` quote the transcript as it is before this step.
        let head = transcript.head_hash().to_string();
        if let Ok(words) = crate::transcript::phrase::encode_hex(&head) {
            values.insert(
                "head_phrase".to_string(),
                FieldValue::computed(words.join(" ")),
            );
        }
        values.insert("head".to_string(), FieldValue::computed(head));
        let mut cx = StepContext {
            script,
            view,
            operator: &mut *operator,
            values: &mut values,
            vault: &mut vault,
            fingerprints: &mut fingerprints,
            checked_shares: &mut checked_shares,
            out: &options.out,
            records: &options.records,
            transcript: &mut transcript,
        };
        // A termination signal (see `signals`) stops the ceremony between steps, as an
        // abort does; the front end ends a question that is open when it arrives.
        if let Some(signal) = crate::signals::requested() {
            end = End::Aborted {
                step: Some(step.id.clone()),
                reason: signal.reason(),
            };
            break;
        }
        let result = run_step(step, &mut cx);
        match result {
            Ok(()) => done += 1,
            Err(StepError::Transcript(e)) => return Err(EngineError::Transcript(e)),
            Err(StepError::Operator(OperatorError::Aborted { reason })) => {
                end = End::Aborted {
                    step: Some(step.id.clone()),
                    reason,
                };
                break;
            }
            Err(StepError::Operator(e)) => {
                end = End::Failed {
                    step: step.id.clone(),
                    error: e.to_string(),
                };
                break;
            }
            Err(StepError::Failed { message }) => {
                operator.inform(
                    &view_of(script, index),
                    Severity::Problem,
                    &format!("This step failed: {message}"),
                );
                end = End::Failed {
                    step: step.id.clone(),
                    error: message,
                };
                break;
            }
        }
    }
    // A signal during the last step: the ceremony did not complete as the room meant.
    if end == End::Completed {
        if let Some(signal) = crate::signals::requested() {
            end = End::Aborted {
                step: None,
                reason: signal.reason(),
            };
        }
    }
    let left = vault.names();
    vault.wipe_all();
    if !left.is_empty() {
        transcript.write(None, &events::VaultWiped { names: left })?;
    }
    let head = match &end {
        End::Completed => transcript.end(
            None,
            &events::Completed {
                steps_done: done,
                steps_total: total,
            },
        )?,
        End::Aborted { step, reason } => transcript.end(
            step.as_ref(),
            &events::Aborted {
                reason: reason.clone(),
                steps_done: done,
                steps_total: total,
            },
        )?,
        End::Failed { step, error } => transcript.end(
            Some(step),
            &events::Aborted {
                reason: format!("failed: {error}"),
                steps_done: done,
                steps_total: total,
            },
        )?,
    };
    let signatures = match (&end, script.signing()) {
        (End::Completed, Some(signing)) => {
            let mut asker = Asker {
                script,
                operator: &mut *operator,
                view: view_of(script, total - 1),
            };
            // Read once: every signer signs these bytes, and they must be the file the
            // writer closed.
            match std::fs::read(&path) {
                Ok(data) if crate::signatures::is_transcript(&data, head.records, &head.hash) => {
                    signing.sign_closed(&mut asker, &path, &data)
                }
                Ok(_) => not_signed(
                    signing,
                    "the transcript on disk is not the one keyrite closed; it was not signed",
                ),
                Err(e) => not_signed(signing, &format!("cannot read the closed transcript: {e}")),
            }
        }
        _ => Vec::new(),
    };
    Ok(Outcome {
        transcript: path,
        head,
        end,
        signatures,
    })
}

fn not_signed(
    signing: &crate::steps::sign_transcript::SignTranscript,
    why: &str,
) -> Vec<SignerOutcome> {
    signing
        .signers()
        .iter()
        .map(|role| SignerOutcome {
            role: role.clone(),
            result: Err(why.to_string()),
        })
        .collect()
}

fn view_of(script: &Script, index: usize) -> StepView<'_> {
    let step = &script.steps[index];
    StepView {
        number: index + 1,
        total: script.steps.len(),
        id: &step.id,
        kind: step.action.kind(),
        title: &step.title,
    }
}

fn run_step(step: &crate::script::Step, cx: &mut StepContext<'_>) -> Result<(), StepError> {
    cx.record(&events::StepStarted {
        number: cx.view.number,
        kind: cx.view.kind.to_string(),
        title: cx.view.title.to_string(),
    })?;
    cx.operator.begin_step(&cx.view)?;
    step.action.run(cx)?;
    cx.record(&events::StepDone {
        kind: step.action.kind().to_string(),
    })?;
    Ok(())
}
