//! The live shares of a secret according to the records folder: what `check_shares` checks
//! holders against and what `void_shares` retires.
//!
//! Invariants: the registry is [`crate::records::scan`], the same one `keyrite status`
//! shows, so a step and the status report never disagree about which shares are live.
//! Only intact, completed transcripts count; the running ceremony's own transcript is
//! incomplete and so never counts for itself.

use std::path::Path;

use crate::records::{scan, UtcTime};

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
    /// Shares of its group needed to recover it (0 if the records do not say).
    pub threshold: usize,
    /// Where it is, as last recorded: field and value.
    pub location: Vec<(String, String)>,
    /// The ceremony that placed it.
    pub ceremony: String,
}

/// The live shares of the secret with master fingerprint `fingerprint`, in identifier,
/// group and member order. An unreadable folder is an error, with what to do.
pub fn live_shares(records: &Path, fingerprint: &str) -> Result<Vec<LiveShare>, String> {
    let registry = scan(records, UtcTime(chrono::Utc::now())).map_err(|e| {
        let mut text = crate::error_chain(&e);
        if let Some(hint) = e.hint() {
            text.push_str(": ");
            text.push_str(hint);
        }
        text
    })?;
    if !registry.transcripts.untrusted.is_empty() {
        // A transcript that cannot be trusted may be the one that voided or placed shares:
        // without it, the list of live shares could be wrong, and a wrong list would go into
        // this ceremony's signed record.
        let paths: Vec<&str> = registry
            .transcripts
            .untrusted
            .iter()
            .map(|u| u.path.as_str())
            .collect();
        return Err(format!(
            "the records in {} include transcripts that fail verification ({}), so the live shares cannot be known: run `keyrite status --records {}`, and restore or move those files before this step",
            records.display(),
            paths.join(", "),
            records.display()
        ));
    }
    let Some(secret) = registry.secret(fingerprint) else {
        return Ok(Vec::new());
    };
    // The registry keeps shares in identifier, group and member order.
    let live: Vec<LiveShare> = secret
        .live_shares()
        .map(|s| LiveShare {
            digest: s.digest.clone(),
            identifier: s
                .identifier
                .and_then(|i| u16::try_from(i).ok())
                .unwrap_or_default(),
            group: usize::try_from(s.group).unwrap_or_default(),
            member: usize::try_from(s.member).unwrap_or_default(),
            holder: s.holder.role.clone(),
            threshold: s
                .threshold
                .and_then(|t| usize::try_from(t).ok())
                .unwrap_or_default(),
            location: s
                .location
                .iter()
                .flatten()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect(),
            ceremony: s.placed.ceremony.clone(),
        })
        .collect();
    Ok(live)
}
