//! Reading a script file, before any step is resolved: its bytes within the budget, the
//! loader's errors as problems, and the facts an auditor needs to check signatures.
//!
//! This is the script's leaf layer (see `ARCHITECTURE.md`): it depends on [`super::yaml`],
//! [`super::de`] and [`crate::fs`] only, so `signatures`, `records` and `operator` can
//! read a script file without depending on the step kinds.
//!
//! Invariants: a file is read within its [`Budget`] (a pipe or a device is refused
//! without waiting on it); [`signing_facts`] reads only `roles.*.cert` and the last
//! step's `sign_transcript.by`, and never resolves (a script whose certificate has
//! expired since still names its signers).

use std::path::{Path, PathBuf};

use super::de::Problem;
use super::yaml::{self, Budget, Node, NodeKind};
use crate::fs::FileProblem;

/// The name of the step kind whose `by:` lists the required signers (checked against
/// the step kind in the script's tests).
pub const SIGN_TRANSCRIPT: &str = "sign_transcript";

/// Why a script could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    /// The file could not be read.
    #[error("cannot read the script {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The script has problems; each has a position.
    #[error("{path}: {} problem{} found", problems.len(), if problems.len() == 1 { "" } else { "s" })]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found, in file order.
        problems: Vec<Problem>,
    },
}

/// Reads a regular file within `budget.max_bytes`: a huge file is refused without being
/// read, and a pipe or a device is refused without waiting on it.
pub fn read_bounded(
    path: &Path,
    budget: Budget,
) -> std::io::Result<Result<Vec<u8>, yaml::LoadError>> {
    match crate::fs::read_bounded(path, budget.max_bytes as u64) {
        Ok(bytes) => Ok(Ok(bytes)),
        Err(e) => match e.get_ref().and_then(|r| r.downcast_ref::<FileProblem>()) {
            Some(FileProblem::TooLarge { size, .. }) => Ok(Err(yaml::LoadError::TooLarge {
                size: *size,
                max: budget.max_bytes,
            })),
            _ => Err(e),
        },
    }
}

pub(crate) fn invalid(path: &Path, mut problems: Vec<Problem>) -> ScriptError {
    problems.sort_by_key(|p| p.pos);
    ScriptError::Invalid {
        path: path.to_path_buf(),
        problems,
    }
}

/// A loader error as a problem.
pub fn load_problem(e: &yaml::LoadError) -> Problem {
    Problem {
        pos: e.pos(),
        message: e.to_string(),
        hint: e.hint().map(str::to_string),
    }
}

/// What an auditor takes from a script to check a transcript's signatures.
#[derive(Debug, Default)]
pub struct SigningFacts {
    /// The certificate file of each role that names one, as `(role id, path)`.
    pub cert_files: Vec<(String, PathBuf)>,
    /// The roles the last step, `sign_transcript`, lists (empty without one).
    pub signers: Vec<String>,
}

/// The roles' certificate files and the required signers of a script, without checking
/// anything else: an auditor verifying an old transcript needs them even when a
/// certificate has expired since and the script no longer passes `check`.
pub fn signing_facts(path: &Path) -> Result<SigningFacts, ScriptError> {
    let bytes = match read_bounded(path, Budget::SCRIPT) {
        Err(source) => {
            return Err(ScriptError::Read {
                path: path.to_path_buf(),
                source,
            })
        }
        Ok(Err(e)) => return Err(invalid(path, vec![load_problem(&e)])),
        Ok(Ok(bytes)) => bytes,
    };
    let text =
        yaml::decode(&bytes, Budget::SCRIPT).map_err(|e| invalid(path, vec![load_problem(&e)]))?;
    let loaded =
        yaml::load(text, Budget::SCRIPT).map_err(|e| invalid(path, vec![load_problem(&e)]))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut facts = SigningFacts::default();
    let field = |node: &Node, key: &str| -> Option<String> {
        match &node.kind {
            NodeKind::Map(entries) => entries.iter().find_map(|(k, v)| {
                (scalar_key(k) == Some(key))
                    .then(|| match &v.kind {
                        NodeKind::Scalar(s, _) => Some(s.clone()),
                        _ => None,
                    })
                    .flatten()
            }),
            _ => None,
        }
    };
    if let NodeKind::Map(top) = &loaded.root.kind {
        if let Some((_, roles)) = top.iter().find(|(k, _)| scalar_key(k) == Some("roles")) {
            if let NodeKind::Map(entries) = &roles.kind {
                for (k, v) in entries {
                    if let (Some(id), Some(cert)) = (scalar_key(k), field(v, "cert")) {
                        facts.cert_files.push((id.to_string(), base.join(cert)));
                    }
                }
            }
        }
        let last_step = top
            .iter()
            .find(|(k, _)| scalar_key(k) == Some("steps"))
            .and_then(|(_, steps)| match &steps.kind {
                NodeKind::Seq(items) => items.last(),
                _ => None,
            });
        let signing = last_step.and_then(|step| match &step.kind {
            NodeKind::Map(entries) => entries
                .iter()
                .find(|(k, _)| scalar_key(k) == Some(SIGN_TRANSCRIPT))
                .map(|(_, v)| v),
            _ => None,
        });
        if let Some(NodeKind::Map(entries)) = signing.map(|n| &n.kind) {
            if let Some((_, by)) = entries.iter().find(|(k, _)| scalar_key(k) == Some("by")) {
                if let NodeKind::Seq(roles) = &by.kind {
                    facts.signers = roles
                        .iter()
                        .filter_map(|r| match &r.kind {
                            NodeKind::Scalar(s, _) => Some(s.clone()),
                            _ => None,
                        })
                        .collect();
                }
            }
        }
    }
    Ok(facts)
}

/// The text of a scalar key.
pub(crate) fn scalar_key(node: &Node) -> Option<&str> {
    match &node.kind {
        NodeKind::Scalar(s, _) => Some(s),
        _ => None,
    }
}
