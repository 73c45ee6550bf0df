//! BIP-32 for a secret used as the seed, as SLIP-39 wallets use their master secret: the
//! network of an extended key, derivation paths, and a secret's public identity (master
//! fingerprint and the xpub at a path).
//!
//! Steps (`fingerprint`, `verify_secret`, `void_shares`, `device`) and the device layer
//! (drivers and simulator) share these helpers, so a step and a device compute the same
//! fingerprint and xpub from the same secret.
//!
//! Invariants:
//! - A leaf module: it imports external crates and [`crate::slip39`] only, never steps,
//!   the engine, records, devices or the user interface, so any layer may use it.
//! - Only public values leave: the 4-byte master fingerprint and the xpub. The seed stays
//!   in a [`MasterSecret`] (zeroized on drop, redacted in `Debug`); no type here holds a
//!   secret, so their derived `Debug` prints public values only.
//! - Derived private keys are erased after use (best effort: the `bitcoin` crate's key
//!   types do not zeroize on drop).

use std::str::FromStr;

use bitcoin::bip32::{DerivationPath, Xpriv, Xpub};
use bitcoin::secp256k1::Secp256k1;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
