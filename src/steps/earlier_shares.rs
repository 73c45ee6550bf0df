//! The live shares of a secret according to the records folder: what `check_shares` checks
//! holders against and what `void_shares` retires.
//!
//! Invariants: only transcripts that verify intact and completed are read (a tampered,
//! aborted or crashed run places no share); a share is live from its `secret_split`
//! record until a `shares_voided` record lists its digest; a secret is known by its
//! BIP-32 master fingerprint, linked to the split by a `fingerprint` or a matching
//! `secret_verified` record in the same transcript.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::transcript::{verify_file, Verdict};

/// A share that the records say exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveShare {
    /// Hex SHA-256 of its words.
    pub digest: String,
    /// The SLIP-39 identifier of its split.
    pub identifier: u16,
    /// Group, 1-based.
    pub group: usize,
    /// Member, 1-based.
    pub member: usize,
    /// The role that holds it.
    pub holder: String,
    /// The ceremony that placed it.
    pub ceremony: String,
    /// Its transcript.
    pub transcript: PathBuf,
}

#[derive(Deserialize)]
struct Record {
    event: String,
    #[serde(default)]
    secret: Option<String>,
    #[serde(default)]
    master_fingerprint: Option<String>,
    #[serde(default)]
    fingerprint: Option<serde_json::Value>,
    #[serde(default)]
    matches: Option<bool>,
    #[serde(default)]
    identifier: Option<u16>,
    #[serde(default)]
    shares: Option<serde_json::Value>,
    #[serde(default)]
    digests: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct SplitShare {
    group: usize,
    member: usize,
    holder: String,
    digest: String,
}

fn transcripts(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() && depth < 8 => transcripts(&path, out, depth + 1),
            Ok(t) if t.is_file() && path.extension().is_some_and(|e| e == "jsonl") => {
                out.push(path)
            }
            _ => {}
        }
    }
}

/// The live shares of the secret with master fingerprint `fingerprint`, in group and
/// member order. An unreadable folder is an error; transcripts that do not count are
/// skipped (`keyrite status` lists them).
pub fn live_shares(records: &Path, fingerprint: &str) -> Result<Vec<LiveShare>, String> {
    if !records.is_dir() {
        return Err(format!(
            "the records folder {} does not exist; give `--records` the folder that holds the transcript of the ceremony that made the shares",
            records.display()
        ));
    }
    let mut files = Vec::new();
    transcripts(records, &mut files, 0);
    // Events apply in time order across transcripts.
    let mut ordered: Vec<(String, PathBuf, String)> = Vec::new();
    for path in files {
        let Ok(v) = verify_file(&path, None) else {
            continue;
        };
        let completed = v.end.as_ref().is_some_and(|e| e.outcome == "completed");
        if v.verdict != Verdict::Intact || !completed {
            continue;
        }
        let (Some(start), Ok(text)) = (v.start, std::fs::read_to_string(&path)) else {
            continue;
        };
        ordered.push((start.at, path, text));
    }
    ordered.sort();
    let mut live: Vec<LiveShare> = Vec::new();
    for (_, path, text) in &ordered {
        let records: Vec<Record> = text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        let mut names: HashMap<&str, String> = HashMap::new();
        for r in &records {
            match (r.event.as_str(), &r.secret) {
                ("fingerprint", Some(name)) => {
                    if let Some(f) = &r.master_fingerprint {
                        names.insert(name, f.to_lowercase());
                    }
                }
                ("secret_verified", Some(name)) if r.matches == Some(true) => {
                    if let Some(f) = r.fingerprint.as_ref().and_then(|f| f.as_str()) {
                        names.insert(name, f.to_lowercase());
                    }
                }
                _ => {}
            }
        }
        let ceremony = path
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for r in &records {
            match r.event.as_str() {
                "secret_split" => {
                    let of_secret = r.secret.as_deref().and_then(|n| names.get(n));
                    if of_secret.map(String::as_str) != Some(fingerprint) {
                        continue;
                    }
                    let shares: Vec<SplitShare> = r
                        .shares
                        .clone()
                        .and_then(|s| serde_json::from_value(s).ok())
                        .unwrap_or_default();
                    for s in shares {
                        live.push(LiveShare {
                            digest: s.digest,
                            identifier: r.identifier.unwrap_or_default(),
                            group: s.group,
                            member: s.member,
                            holder: s.holder,
                            ceremony: ceremony.clone(),
                            transcript: path.clone(),
                        });
                    }
                }
                "shares_voided" => {
                    let void = r.digests.as_deref().unwrap_or_default();
                    live.retain(|s| !void.contains(&s.digest));
                }
                _ => {}
            }
        }
    }
    live.sort_by_key(|s| (s.identifier, s.group, s.member));
    Ok(live)
}
