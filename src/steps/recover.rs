//! `recover`: rebuilds a secret in memory from collected shares, with the passphrase if
//! the set uses one.
//!
//! Invariant: the recovered secret goes only into the vault. A wrong passphrase cannot be
//! detected here (SLIP-39 by design gives a different secret); `verify_secret` catches it.

use schemars::JsonSchema;
use serde::Deserialize;

use super::split::PassphraseMode;
use super::{NameKind, Resolver, StepContext, StepError, StepKind};
use crate::operator::{SecretAsk, SecretKind};
use crate::script::de::Spanned;
use crate::script::types::SecretName;
use crate::slip39::Passphrase;
use crate::transcript::events;

/// What a script writes for `recover`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoverSyntax {
    /// The collection of entered shares.
    shares: Spanned<SecretName>,
    /// The name of the recovered secret, for later steps.
    into: Spanned<SecretName>,
    /// `none` (the default) or `prompt` when the set has a passphrase.
    #[serde(default)]
    passphrase: PassphraseMode,
}

/// A resolved `recover` step.
#[derive(Debug)]
pub struct Recover {
    shares: String,
    into: String,
    passphrase: PassphraseMode,
}

impl StepKind for Recover {
    const NAME: &'static str = "recover";
    const DOC: &'static str =
        "Rebuilds the secret in memory from the collected shares (and the passphrase, if any).";
    type Syntax = RecoverSyntax;

    fn resolve(syntax: Self::Syntax, cx: &mut Resolver<'_>) -> Option<Self> {
        let shares = cx.named(&syntax.shares, NameKind::Collection);
        let into = cx.define_named(&syntax.into, NameKind::Secret);
        if let Some(s) = &shares {
            cx.wipe(s);
        }
        Some(Recover {
            shares: shares?,
            into: into?,
            passphrase: syntax.passphrase,
        })
    }

    fn needs(&self, _script: &crate::script::Script) -> crate::steps::Needs {
        crate::steps::Needs {
            types_secret: self.passphrase == PassphraseMode::Prompt,
            ..Default::default()
        }
    }

    fn default_title(&self) -> String {
        format!("Recover `{}` from the entered shares", self.into)
    }

    fn run(&self, cx: &mut StepContext<'_>) -> Result<(), StepError> {
        let passphrase = match self.passphrase {
            PassphraseMode::None => Passphrase::empty(),
            PassphraseMode::Prompt => {
                let typed = cx.operator.ask_secret(
                    &cx.view,
                    &SecretAsk {
                        kind: SecretKind::Passphrase,
                        role: None,
                        prompt: "the set's passphrase".to_string(),
                    },
                    &|s| Passphrase::new(s).map(|_| ()).map_err(|e| e.to_string()),
                )?;
                Passphrase::new(&typed).map_err(|e| StepError::failed(e.to_string()))?
            }
        };
        let collector = cx.vault.take_collection(&self.shares).ok_or_else(|| {
            StepError::failed(format!("no shares were collected into `{}`", self.shares))
        })?;
        let used = collector.len();
        cx.inform("Recovering; this runs PBKDF2 and can take a moment.");
        let secret = collector
            .recover(&passphrase)
            .map_err(|e| StepError::failed(format!("recovery failed: {e}")))?;
        let bits = secret.byte_len() * 8;
        cx.vault.put_secret(&self.into, secret);
        cx.record(&events::SecretRecovered {
            from: self.shares.clone(),
            secret: self.into.clone(),
            shares_used: used,
            passphrase: !passphrase.is_empty(),
            bits,
        })?;
        Ok(())
    }
}
