//! `fingerprint`: the secret's public identity, its BIP-32 master fingerprint and the
//! xpub at a path (the secret used as the BIP-32 seed, as SLIP-39 wallets do). The
//! computation is [`crate::bip32::identity`]; this module is the step: its syntax, its
//! run and its record.
//!
//! Invariant: only public values leave this step: the 4-byte fingerprint and the xpub
//! (the derived private keys are erased by [`crate::bip32`]).

use bitcoin::bip32::DerivationPath;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{NameKind, Resolver, StepContext, StepError, StepKind};
use crate::bip32::{identity, parse_path, Network, DEFAULT_PATH};
use crate::script::de::{Problem, Spanned};
use crate::script::types::SecretName;

/// What a script writes for `fingerprint`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FingerprintSyntax {
    /// The secret to identify.
    secret: Spanned<SecretName>,
    /// The path of the recorded xpub (default `m/84'/0'/0'`).
    #[serde(default)]
    path: Option<Spanned<String>>,
    /// `bitcoin` (the default) or `testnet`.
    #[serde(default)]
    network: Network,
}

/// A resolved `fingerprint` step.
#[derive(Debug)]
pub struct Fingerprint {
    secret: String,
    path: DerivationPath,
    network: Network,
}

impl From<Network> for crate::transcript::events::Network {
    fn from(network: Network) -> Self {
        match network {
            Network::Bitcoin => Self::Bitcoin,
            Network::Testnet => Self::Testnet,
        }
    }
}

impl StepKind for Fingerprint {
    const NAME: &'static str = "fingerprint";
    const DOC: &'static str = "Records the secret's BIP-32 master fingerprint and the xpub at a path: its public identity.";
    type Syntax = FingerprintSyntax;

    fn resolve(syntax: Self::Syntax, cx: &mut Resolver<'_>) -> Option<Self> {
        let secret = cx.named(&syntax.secret, NameKind::Secret);
        let path = match &syntax.path {
            None => parse_path(DEFAULT_PATH).ok(),
            Some(p) => parse_path(&p.value)
                .map_err(|e| cx.problem(Problem::at(p.pos, e)))
                .ok(),
        };
        Some(Fingerprint {
            secret: secret?,
            path: path?,
            network: syntax.network,
        })
    }

    fn default_title(&self) -> String {
        format!("Record the fingerprint of `{}`", self.secret)
    }

    fn run(&self, cx: &mut StepContext<'_>) -> Result<(), StepError> {
        let id = identity(cx.secret(&self.secret)?, self.network, &self.path)
            .map_err(StepError::failed)?;
        cx.record(&crate::transcript::events::Fingerprint {
            secret: self.secret.clone(),
            network: self.network.into(),
            master_fingerprint: id.master_fingerprint.clone(),
            path: id.path.clone(),
            xpub: id.xpub.clone(),
        })?;
        cx.inform(&format!(
            "`{}` has master fingerprint {} and xpub {} at {}.",
            self.secret, id.master_fingerprint, id.xpub, id.path
        ));
        cx.fingerprints
            .insert(self.secret.clone(), id.master_fingerprint);
        Ok(())
    }
}
