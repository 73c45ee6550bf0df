//! `void_shares`: after a rotation has split a secret anew, every earlier share of it is
//! declared void, so that `keyrite status` shows only the new shares as live.
//!
//! The earlier shares are the live shares of the secret's master fingerprint in the
//! records folder (`--records`); this run's own new shares are not there yet, because a
//! transcript counts only once it is completed.
//!
//! Invariants: `check` accepts this step only after a `split` of the same secret in the
//! same script, so a secret is never left with no live shares; the record lists every
//! voided share's digest (`shares_voided`, one record per earlier split), and a rotation
//! that finds no earlier shares fails rather than voiding nothing in silence.

use schemars::JsonSchema;
use serde::Deserialize;

use super::earlier_shares::live_shares;
use super::{NameKind, Resolver, StepContext, StepError, StepKind};
use crate::bip32::{identity, parse_path, Network, DEFAULT_PATH};
use crate::script::de::{Problem, Spanned};
use crate::script::types::{FieldValue, SecretName};
use crate::transcript::events;

/// What a script writes for `void_shares`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidSharesSyntax {
    /// The secret (in memory, recovered earlier in this ceremony) whose earlier shares
    /// become void.
    secret: Spanned<SecretName>,
    /// Why, for the record, such as "rotated to new custodians".
    reason: Spanned<String>,
}

/// A resolved `void_shares` step.
#[derive(Debug)]
pub struct VoidShares {
    secret: String,
    reason: FieldValue,
}

impl StepKind for VoidShares {
    const NAME: &'static str = "void_shares";
    const DOC: &'static str = "Declares every earlier share of a secret void, after a split has made new ones (share rotation).";
    type Syntax = VoidSharesSyntax;

    fn resolve(syntax: Self::Syntax, cx: &mut Resolver<'_>) -> Option<Self> {
        let secret = cx.named(&syntax.secret, NameKind::Secret)?;
        let reason = match FieldValue::parse(&syntax.reason.value) {
            Ok(r) => Some(r),
            Err(e) => {
                cx.problem(
                    Problem::at(syntax.reason.pos, format!("`reason`: {e}")).hint(
                        "say why the old shares are void, such as \"rotated to new custodians\"",
                    ),
                );
                None
            }
        };
        if !cx.was_split(&secret) {
            cx.problem(
                Problem::at(
                    syntax.secret.pos,
                    format!("`{secret}` is not split by an earlier step, so voiding its shares would leave it with none"),
                )
                .hint("split the secret into new shares (and store them) before `void_shares`"),
            );
            return None;
        }
        Some(VoidShares {
            secret,
            reason: reason?,
        })
    }

    fn default_title(&self) -> String {
        format!("Declare the earlier shares of `{}` void", self.secret)
    }

    fn run(&self, cx: &mut StepContext<'_>) -> Result<(), StepError> {
        let path = parse_path(DEFAULT_PATH).map_err(StepError::failed)?;
        let fingerprint = match cx.fingerprints.get(&self.secret) {
            Some(f) => f.clone(),
            None => {
                identity(cx.secret(&self.secret)?, Network::Bitcoin, &path)
                    .map_err(StepError::failed)?
                    .master_fingerprint
            }
        };
        let live = live_shares(cx.records, &fingerprint).map_err(StepError::failed)?;
        if live.is_empty() {
            return Err(StepError::failed(format!(
                "the records in {} hold no earlier share of `{}` ({fingerprint}) to void: give `--records` the folder with the transcripts of its earlier ceremonies",
                cx.records.display(),
                self.secret
            )));
        }
        let mut identifiers: Vec<u16> = live.iter().map(|s| s.identifier).collect();
        identifiers.dedup();
        for identifier in identifiers {
            let of_split: Vec<_> = live.iter().filter(|s| s.identifier == identifier).collect();
            let placed_by = of_split.first().map_or("", |s| s.ceremony.as_str());
            cx.record(&events::SharesVoided {
                secret: fingerprint.clone(),
                name: self.secret.clone(),
                identifier,
                placed_by: placed_by.to_string(),
                reason: self.reason.as_str().to_string(),
                digests: of_split.iter().map(|s| s.digest.clone()).collect(),
            })?;
        }
        cx.inform(&format!(
            "{} earlier shares of `{}` ({fingerprint}) are void from now on. Their holders destroy them.",
            live.len(),
            self.secret
        ));
        Ok(())
    }
}
