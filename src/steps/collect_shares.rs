//! `collect_shares`: holders enter their shares word by word (full words or unique
//! prefixes); each share is checked as soon as it is complete: its checksum, and whether
//! it belongs to the same set as the others. Progress is shown per group.
//!
//! Invariants: entered shares go only into the vault's collection; the transcript records
//! each share's group, member, digest and who entered it, never a word. An error message
//! may name a word position or a typed word that is not in the list, never a valid word.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{NameKind, Resolver, StepContext, StepError, StepKind};
use crate::operator::{SecretAsk, SecretKind};
use crate::script::de::Spanned;
use crate::script::types::{RoleId, SecretName};
use crate::slip39::{CollectProgress, Share};

/// What a script writes for `collect_shares`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CollectSharesSyntax {
    /// The name of the collection, for `recover`.
    into: Spanned<SecretName>,
    /// The holders who enter their shares, asked in this order until enough are in.
    by: Spanned<Vec<Spanned<String>>>,
}

/// A resolved `collect_shares` step.
#[derive(Debug)]
pub struct CollectShares {
    into: String,
    by: Vec<RoleId>,
}

#[derive(Serialize)]
struct Entered<'a> {
    collection: &'a str,
    group: u8,
    member: u8,
    digest: String,
    entered_by: &'a RoleId,
    identifier: u16,
}

#[derive(Serialize)]
struct Ready<'a> {
    collection: &'a str,
    shares: usize,
    groups_complete: u8,
    groups_needed: u8,
}

/// "group 1: 2 of 2 ✓ · group 2: 1 of 3", the progress line the room sees.
pub fn progress_line(p: &CollectProgress) -> String {
    let groups: Vec<String> = p
        .groups
        .iter()
        .map(|g| {
            let mark = if g.complete { " ✓" } else { "" };
            format!(
                "group {}: {} of {}{mark}",
                g.group_index + 1,
                g.have,
                g.needed
            )
        })
        .collect();
    let mut line = groups.join(" · ");
    if p.groups_needed > 1 {
        line.push_str(&format!(
            " ({} of {} groups needed)",
            p.groups_complete, p.groups_needed
        ));
    }
    line
}

impl StepKind for CollectShares {
    const NAME: &'static str = "collect_shares";
    const DOC: &'static str = "Holders enter their shares; each is checked at once (checksum, same set) and progress is shown per group.";
    type Syntax = CollectSharesSyntax;

    fn resolve(syntax: Self::Syntax, cx: &mut Resolver<'_>) -> Option<Self> {
        let by = cx.roles(&syntax.by, "`by`");
        let into = cx.define_named(&syntax.into, NameKind::Collection);
        Some(CollectShares {
            into: into?,
            by: by?,
        })
    }

    fn default_title(&self) -> String {
        "Holders enter their shares".to_string()
    }

    fn run(&self, cx: &mut StepContext<'_>) -> Result<(), StepError> {
        for holder in &self.by {
            let role = cx.role(holder);
            let mut tries = 0;
            loop {
                tries += 1;
                let words = cx.operator.ask_secret(
                    &cx.view,
                    &SecretAsk {
                        kind: SecretKind::Share,
                        role: Some(role.clone()),
                        prompt: format!(
                            "{} ({}), your share (words or their first 4 letters)",
                            role.name, role.id
                        ),
                    },
                    &|typed| {
                        Share::from_mnemonic(typed)
                            .map(|_| ())
                            .map_err(|e| e.to_string())
                    },
                )?;
                let share =
                    Share::from_mnemonic(&words).map_err(|e| StepError::failed(e.to_string()))?;
                let info = share.info().clone();
                let digest = share.digest().to_string();
                match cx.vault.collection(&self.into).add(share) {
                    Ok(progress) => {
                        cx.record(
                            "share_entered",
                            &Entered {
                                collection: &self.into,
                                group: info.group_index + 1,
                                member: info.member_index + 1,
                                digest,
                                entered_by: holder,
                                identifier: info.identifier,
                            },
                        )?;
                        cx.inform(&progress_line(&progress));
                        if progress.ready {
                            let shares = cx.vault.collection(&self.into).len();
                            cx.record(
                                "shares_collected",
                                &Ready {
                                    collection: &self.into,
                                    shares,
                                    groups_complete: progress.groups_complete,
                                    groups_needed: progress.groups_needed,
                                },
                            )?;
                            return Ok(());
                        }
                        break;
                    }
                    Err(e) if tries < 3 => {
                        cx.inform(&format!("That share was not accepted: {e}. Try again."))
                    }
                    Err(e) => {
                        return Err(StepError::failed(format!(
                            "{}'s share was not accepted: {e}",
                            role.name
                        )))
                    }
                }
            }
        }
        let progress = cx.vault.collection(&self.into).progress();
        Err(StepError::failed(format!(
            "every listed holder entered a share, but that is not enough to recover: {}",
            progress_line(&progress)
        )))
    }
}
