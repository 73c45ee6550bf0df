//! `fingerprint`: the secret's public identity, its BIP-32 master fingerprint and the
//! xpub at a path (the secret used as the BIP-32 seed, as SLIP-39 wallets do).
//!
//! Invariant: only public values leave this step: the 4-byte fingerprint and the xpub.
//! The derived private keys are erased after use (best effort: the `bitcoin` crate's key
//! types do not zeroize on drop).

use std::str::FromStr;

use bitcoin::bip32::{DerivationPath, Xpriv, Xpub};
use bitcoin::secp256k1::Secp256k1;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{NameKind, Resolver, StepContext, StepError, StepKind};
use crate::script::de::{Problem, Spanned};
use crate::script::types::SecretName;
use crate::slip39::MasterSecret;

/// Which Bitcoin network the xpub is for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Network {
    /// Mainnet (`xpub`).
    #[default]
    Bitcoin,
    /// Testnet, signet and regtest (`tpub`).
    Testnet,
}

/// The public identity of a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// BIP-32 master key fingerprint, 8 lowercase hex digits.
    pub master_fingerprint: String,
    /// The derivation path of `xpub`.
    pub path: String,
    /// The extended public key at `path`.
    pub xpub: String,
}

/// The default path: BIP-84 account 0 on mainnet.
pub const DEFAULT_PATH: &str = "m/84'/0'/0'";

/// Computes the identity of `secret` (used as the BIP-32 seed).
pub fn identity(
    secret: &MasterSecret,
    network: Network,
    path: &DerivationPath,
) -> Result<Identity, String> {
    let secp = Secp256k1::new();
    let kind = match network {
        Network::Bitcoin => bitcoin::NetworkKind::Main,
        Network::Testnet => bitcoin::NetworkKind::Test,
    };
    let mut master =
        Xpriv::new_master(kind, secret.expose_secret()).map_err(|e| format!("BIP-32: {e}"))?;
    let fingerprint = master.fingerprint(&secp);
    let mut child = master
        .derive_priv(&secp, path)
        .map_err(|e| format!("BIP-32 derivation: {e}"))?;
    let xpub = Xpub::from_priv(&secp, &child);
    master.private_key.non_secure_erase();
    child.private_key.non_secure_erase();
    Ok(Identity {
        master_fingerprint: fingerprint.to_string(),
        path: format!("m/{path}"),
        xpub: xpub.to_string(),
    })
}

/// Parses a derivation path, accepting `h` or `'` for hardened steps.
pub fn parse_path(text: &str) -> Result<DerivationPath, String> {
    DerivationPath::from_str(text)
        .map_err(|_| format!("`{text}` is not a BIP-32 path such as `m/84'/0'/0'`"))
}

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
