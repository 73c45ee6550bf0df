//! `verify_secret`: checks a secret in memory against its expected public identity, the
//! BIP-32 master fingerprint written in the script or computed by an earlier step.
//!
//! Invariant: a mismatch fails the step, and so the ceremony, saying which fingerprint was
//! found and which was expected; only fingerprints are recorded.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{NameKind, Resolver, StepContext, StepError, StepKind};
use crate::bip32::{identity, parse_path, Network, DEFAULT_PATH};
use crate::script::de::{Problem, Spanned};
use crate::script::types::{MasterFingerprint, SecretName};
use crate::transcript::events;

/// What a script writes for `verify_secret`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifySecretSyntax {
    /// The secret to check.
    secret: Spanned<SecretName>,
    /// The expected master fingerprint (8 hex digits), as recorded at genesis.
    #[serde(default)]
    fingerprint: Option<Spanned<MasterFingerprint>>,
    /// Or: the name of a secret whose fingerprint an earlier step recorded in this run.
    #[serde(default)]
    same_as: Option<Spanned<SecretName>>,
}

/// Where the expected fingerprint comes from.
#[derive(Debug)]
enum Expected {
    Literal(String),
    SameAs(String),
}

/// A resolved `verify_secret` step.
#[derive(Debug)]
pub struct VerifySecret {
    secret: String,
    expected: Expected,
}

impl StepKind for VerifySecret {
    const NAME: &'static str = "verify_secret";
    const DOC: &'static str = "Checks the secret's master fingerprint against the expected one; a mismatch stops the ceremony.";
    type Syntax = VerifySecretSyntax;

    fn resolve(syntax: Self::Syntax, cx: &mut Resolver<'_>) -> Option<Self> {
        let secret = cx.named(&syntax.secret, NameKind::Secret);
        let expected = match (&syntax.fingerprint, &syntax.same_as) {
            (Some(f), None) => Some(Expected::Literal(f.value.as_str().to_string())),
            (None, Some(other)) => cx.named(other, NameKind::Secret).map(Expected::SameAs),
            (Some(f), Some(_)) => {
                cx.problem(Problem::at(
                    f.pos,
                    "give either `fingerprint` or `same_as`, not both",
                ));
                None
            }
            (None, None) => {
                cx.problem(
                    Problem::at(syntax.secret.pos, "`verify_secret` needs `fingerprint` (from the genesis record) or `same_as`")
                        .hint("copy the master fingerprint from the genesis transcript's `fingerprint` record"),
                );
                None
            }
        };
        Some(VerifySecret {
            secret: secret?,
            expected: expected?,
        })
    }

    fn default_title(&self) -> String {
        format!("Check `{}` against its recorded fingerprint", self.secret)
    }

    fn run(&self, cx: &mut StepContext<'_>) -> Result<(), StepError> {
        let path = parse_path(DEFAULT_PATH).map_err(StepError::failed)?;
        let found = identity(cx.secret(&self.secret)?, Network::Bitcoin, &path)
            .map_err(StepError::failed)?
            .master_fingerprint;
        let expected = match &self.expected {
            Expected::Literal(f) => f.clone(),
            Expected::SameAs(name) => match cx.fingerprints.get(name) {
                Some(f) => f.clone(),
                None => {
                    identity(cx.secret(name)?, Network::Bitcoin, &path)
                        .map_err(StepError::failed)?
                        .master_fingerprint
                }
            },
        };
        let matches = found == expected;
        cx.record(&events::SecretVerified {
            secret: self.secret.clone(),
            fingerprint: found.clone(),
            expected: expected.clone(),
            matches,
        })?;
        if !matches {
            return Err(StepError::failed(format!(
                "`{}` has master fingerprint {found}, but {expected} was expected: wrong shares, or a wrong passphrase",
                self.secret
            )));
        }
        cx.done(&format!(
            "`{}` matches its recorded fingerprint {expected}.",
            self.secret
        ));
        Ok(())
    }
}
