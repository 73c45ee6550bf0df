//! `check_shares`: every holder of a live share enters or decrypts only their own share;
//! keyrite checks it and compares its digest with the one recorded when the share was
//! made. The secret is never rebuilt, and every live share is asked for, not a threshold.
//!
//! The live shares come from the records folder (`--records`): the transcripts of the
//! ceremonies that split the secret, known by its master fingerprint.
//!
//! Invariants: a checked share never enters a collection or the vault; it is dropped
//! (and zeroized) as soon as its digest is compared. The transcript records which share
//! was verified by whom (`share_checked`), or why it failed after three tries
//! (`share_check_failed`), never a word. A failed share does not stop the other checks:
//! the summary (`shares_checked`) and `keyrite status` report it.

use schemars::JsonSchema;
use serde::Deserialize;

use super::collect_shares::{ask_words, from_encrypted_file, ShareSource};
use super::earlier_shares::{live_shares, LiveShare};
use super::{NameKind, Resolver, StepContext, StepError, StepKind};
use crate::script::de::Spanned;
use crate::script::types::{MasterFingerprint, RoleId, SecretName};
use crate::transcript::events;

/// What a script writes for `check_shares`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckSharesSyntax {
    /// The secret's master fingerprint (8 hex digits), as its genesis recorded it.
    secret: Spanned<MasterFingerprint>,
    /// Where the shares come from: `words` typed from paper (the default), or the
    /// `encrypted_files` that `encrypt_shares` made.
    #[serde(default)]
    from: Option<Spanned<ShareSource>>,
    /// A name for the checked shares, so that a later `record_storage` can record where
    /// they go back (a new seal, a new place).
    #[serde(default)]
    into: Option<Spanned<SecretName>>,
}

/// A resolved `check_shares` step.
#[derive(Debug)]
pub struct CheckShares {
    secret: MasterFingerprint,
    from: ShareSource,
    into: Option<String>,
}

/// What a `check_shares` step leaves for `record_storage`: public facts only.
#[derive(Clone, Debug, Default)]
pub struct CheckedShares {
    /// The shares their holders verified, which go back into storage.
    pub checked: Vec<CheckedShare>,
    /// Where the other live shares still are (not verified, so not moved): the storage
    /// policy counts them when the checked ones are placed again.
    pub elsewhere: Vec<crate::script::policy::Placed>,
}

/// A share its holder checked: public facts, for `record_storage`.
#[derive(Clone, Debug)]
pub struct CheckedShare {
    /// The SLIP-39 identifier of its split.
    pub identifier: u16,
    /// Its digest.
    pub digest: String,
    /// Group, 1-based.
    pub group: usize,
    /// Member, 1-based.
    pub member: usize,
    /// Shares of its group needed to recover.
    pub threshold: usize,
    /// Who holds it.
    pub holder: RoleId,
}

/// Tries a holder gets for each share.
const TRIES: usize = 3;

impl StepKind for CheckShares {
    const NAME: &'static str = "check_shares";
    const DOC: &'static str = "Every holder enters or decrypts only their own share; its digest is compared with the one recorded when it was made. The secret is never rebuilt.";
    type Syntax = CheckSharesSyntax;

    fn resolve(syntax: Self::Syntax, cx: &mut Resolver<'_>) -> Option<Self> {
        let into = match &syntax.into {
            Some(name) => Some(cx.define_named(name, NameKind::CheckedShares)?),
            None => None,
        };
        Some(CheckShares {
            secret: syntax.secret.value,
            from: syntax.from.map_or(ShareSource::Words, |f| f.value),
            into,
        })
    }

    fn needs(&self, _script: &crate::script::Script) -> crate::steps::Needs {
        crate::steps::Needs {
            types_secret: true,
            ..Default::default()
        }
    }

    fn default_title(&self) -> String {
        format!("Each holder checks their share of {}", self.secret)
    }

    fn run(&self, cx: &mut StepContext<'_>) -> Result<(), StepError> {
        let fingerprint = self.secret.as_str();
        let live = live_shares(cx.records, fingerprint).map_err(StepError::failed)?;
        if live.is_empty() {
            return Err(StepError::failed(format!(
                "the records in {} hold no live share of the secret {fingerprint}: give `--records` the folder with the transcript of the ceremony that split it, and check the fingerprint",
                cx.records.display()
            )));
        }
        let missing: Vec<&str> = live
            .iter()
            .map(|s| s.holder.as_str())
            .filter(|h| !cx.script.roles.iter().any(|r| r.id.as_str() == *h))
            .collect();
        if !missing.is_empty() {
            return Err(StepError::failed(format!(
                "shares of {fingerprint} are held by {}, who are not roles in this script: add them under `roles:` (with the same role ids as at genesis)",
                missing.join(", ")
            )));
        }
        cx.inform(&format!(
            "{} live shares of {fingerprint} to check, placed by {}.",
            live.len(),
            placed_by(&live)
        ));
        let mut checked = Vec::new();
        let mut failed = 0;
        for expected in &live {
            match self.check_one(cx, expected)? {
                Some(share) => checked.push(share),
                None => failed += 1,
            }
        }
        cx.record(&events::SharesChecked {
            secret: fingerprint.to_string(),
            live: live.len(),
            checked: checked.len(),
            failed,
        })?;
        if failed > 0 {
            cx.problem(&format!(
                "WARNING: {failed} of {} shares of {fingerprint} could not be verified. The record says which; `keyrite status` lists them until they are checked again.",
                live.len()
            ));
        } else {
            cx.done(&format!(
                "All {} shares of {fingerprint} verified by their holders.",
                live.len()
            ));
        }
        if let Some(name) = &self.into {
            let elsewhere = live
                .iter()
                .filter(|l| !checked.iter().any(|c| c.digest == l.digest))
                .map(|l| crate::script::policy::Placed {
                    identifier: l.identifier,
                    group: l.group,
                    threshold: l.threshold,
                    location: l.location.clone(),
                })
                .collect();
            cx.checked_shares
                .insert(name.clone(), CheckedShares { checked, elsewhere });
        }
        Ok(())
    }
}

fn placed_by(live: &[LiveShare]) -> String {
    let mut ceremonies: Vec<&str> = live.iter().map(|s| s.ceremony.as_str()).collect();
    ceremonies.dedup();
    ceremonies.join(", ")
}

impl CheckShares {
    /// Asks the holder of `expected` for it, up to three times. `None`: it failed, and
    /// the failure is recorded.
    fn check_one(
        &self,
        cx: &mut StepContext<'_>,
        expected: &LiveShare,
    ) -> Result<Option<CheckedShare>, StepError> {
        let fingerprint = self.secret.as_str();
        // Invariant: `run` checked that every holder is a role of this script.
        let Ok(holder) = RoleId::parse(&expected.holder) else {
            unreachable!("holders were matched against the script's role ids")
        };
        let name = cx.role(&holder).name;
        cx.inform(&format!(
            "{name} ({holder}): share {}/{} of {fingerprint}.",
            expected.group, expected.member
        ));
        let mut problem = String::new();
        for _ in 0..TRIES {
            let (words, from_file) = match self.from {
                ShareSource::Words => (ask_words(cx, &holder)?, None),
                ShareSource::EncryptedFiles => match from_encrypted_file(cx, &holder)? {
                    Ok(got) => got,
                    Err(p) => {
                        problem = p;
                        cx.problem(&format!("{problem}. Try again."));
                        continue;
                    }
                },
            };
            let share = match crate::slip39::read_share(&words) {
                Ok(share) => share,
                Err(e) => {
                    problem = format!("that is not a valid share: {e}");
                    cx.problem(&format!("{problem}. Try again."));
                    continue;
                }
            };
            drop(words);
            let info = share.info();
            let (group, member) = (
                usize::from(info.group_index) + 1,
                usize::from(info.member_index) + 1,
            );
            let digest = share.digest().to_string();
            let threshold = usize::from(info.member_threshold);
            let identifier = info.identifier;
            drop(share);
            problem = if identifier != expected.identifier {
                format!(
                    "that share belongs to another split (identifier {identifier}, not {})",
                    expected.identifier
                )
            } else if (group, member) != (expected.group, expected.member) {
                format!(
                    "that is share {group}/{member}, not {name}'s share {}/{}: each holder enters only their own",
                    expected.group, expected.member
                )
            } else if digest != expected.digest {
                "that share is valid but differs from the one recorded when it was made".to_string()
            } else {
                cx.record(&events::ShareChecked {
                    secret: fingerprint.to_string(),
                    identifier,
                    group: group as u64,
                    member: member as u64,
                    holder: holder.to_string(),
                    digest: digest.clone(),
                    checked_by: holder.to_string(),
                    placed_by: expected.ceremony.clone(),
                    from_file,
                })?;
                cx.done(&format!(
                    "Share {group}/{member} verified: it matches the record of {}.",
                    expected.ceremony
                ));
                return Ok(Some(CheckedShare {
                    identifier,
                    digest,
                    group,
                    member,
                    threshold,
                    holder,
                }));
            };
            cx.problem(&format!("{problem}. Try again."));
        }
        cx.record(&events::ShareCheckFailed {
            secret: fingerprint.to_string(),
            identifier: expected.identifier,
            group: expected.group as u64,
            member: expected.member as u64,
            holder: holder.to_string(),
            digest: expected.digest.clone(),
            reason: problem.clone(),
        })?;
        cx.problem(&format!(
            "Share {}/{} of {name} was NOT verified after {TRIES} tries: {problem}.",
            expected.group, expected.member
        ));
        Ok(None)
    }
}
