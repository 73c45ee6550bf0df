//! SLIP-39: Shamir's secret sharing for mnemonic codes, including the 2024
//! extendable-backup flag.
//!
//! A [`MasterSecret`] is encrypted with a [`Passphrase`] (4-round Feistel over
//! PBKDF2-HMAC-SHA256), split in two levels (groups, then members of each group) and
//! encoded as mnemonic [`Share`]s of 10-bit words with an RS1024 checksum. [`combine`]
//! or a [`Collector`] reverses it.
//!
//! Invariants of the public surface:
//! - Secret-bearing types ([`MasterSecret`], [`Passphrase`], [`Share`], [`ShareWords`])
//!   are zeroized on drop, have a redacting `Debug`, and implement neither `Display`,
//!   `Clone` nor `Serialize`; their content is reached only through an explicitly named
//!   method (`expose_secret`, `to_words`).
//! - Public facts ([`ShareInfo`], [`ShareDigest`], progress reports, errors) never
//!   contain secret material, so they may be logged and recorded.
//! - Nothing here panics on bad input; internal invariants that could only fail through
//!   a bug surface as [`Slip39Error::Internal`].
//! - A wrong passphrase cannot be detected (by design of the standard): it yields a
//!   different secret. Callers check the result against a recorded fingerprint.

mod cipher;
mod collect;
mod error;
mod gf256;
mod rs1024;
mod shamir;
mod share;
pub mod typing;
pub(crate) mod wordlist;

use std::fmt;

use zeroize::Zeroizing;

pub use collect::{CollectProgress, Collector, GroupProgress};
pub use error::{CollectError, ConfigError, SetParameter, ShareError, Slip39Error};
pub use shamir::{combine, split, split_with_os_random, GroupSpec, SplitConfig};
pub use share::{Share, ShareDigest, ShareInfo, ShareWords};
pub use typing::{read_share, unique_prefix_len, TypingError};
pub use wordlist::{complete_prefix, word_index, PrefixMatch, WORDS};

/// The secret being shared: 16 to 64 bytes, an even number. Zeroized on drop.
pub struct MasterSecret(Zeroizing<Vec<u8>>);

impl MasterSecret {
    /// Shortest allowed secret, in bytes (128 bits: the standard's minimum).
    pub const MIN_LEN: usize = 16;
    /// Longest allowed secret, in bytes (512 bits: this implementation's limit).
    pub const MAX_LEN: usize = share::MAX_VALUE_BYTES;

    fn check_len(len: usize) -> Result<(), Slip39Error> {
        if (Self::MIN_LEN..=Self::MAX_LEN).contains(&len) && len.is_multiple_of(2) {
            Ok(())
        } else {
            Err(Slip39Error::InvalidSecretLength { len })
        }
    }

    /// Copy `bytes` into a new secret. The caller remains responsible for its own copy.
    pub fn new(bytes: &[u8]) -> Result<Self, Slip39Error> {
        Self::check_len(bytes.len())?;
        Ok(MasterSecret(Zeroizing::new(bytes.to_vec())))
    }

    /// Take ownership of an already zeroizing buffer, without copying.
    pub fn from_zeroizing(bytes: Zeroizing<Vec<u8>>) -> Result<Self, Slip39Error> {
        Self::check_len(bytes.len())?;
        Ok(MasterSecret(bytes))
    }

    /// A fresh random secret of `len` bytes from the operating system.
    pub fn generate(len: usize) -> Result<Self, Slip39Error> {
        Self::check_len(len)?;
        let mut bytes = Zeroizing::new(vec![0u8; len]);
        getrandom::fill(&mut bytes).map_err(Slip39Error::Random)?;
        Ok(MasterSecret(bytes))
    }

    /// The secret bytes. Every call site is a place where the secret leaves this type.
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes (not secret).
    pub fn byte_len(&self) -> usize {
        self.0.len()
    }
}

impl fmt::Debug for MasterSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterSecret([REDACTED; {} bytes])", self.0.len())
    }
}

/// The passphrase that encrypts the master secret: printable ASCII (space to `~`),
/// possibly empty. Zeroized on drop.
pub struct Passphrase(Zeroizing<Vec<u8>>);

impl Passphrase {
    /// Validate and copy a passphrase.
    pub fn new(passphrase: &str) -> Result<Self, Slip39Error> {
        if let Some(i) = passphrase.chars().position(|c| !(' '..='~').contains(&c)) {
            return Err(Slip39Error::InvalidPassphrase { position: i + 1 });
        }
        Ok(Passphrase(Zeroizing::new(passphrase.as_bytes().to_vec())))
    }

    /// The empty passphrase.
    pub fn empty() -> Self {
        Passphrase(Zeroizing::new(Vec::new()))
    }

    /// Whether the passphrase is empty (not secret: an empty passphrase protects nothing).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The passphrase bytes (ASCII).
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }
}

impl Default for Passphrase {
    fn default() -> Self {
        Self::empty()
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not even the length: it narrows a guess.
        f.write_str("Passphrase([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn master_secret_lengths() {
        for len in [16usize, 18, 32, 64] {
            assert!(MasterSecret::new(&vec![1; len]).is_ok(), "{len}");
        }
        for len in [0usize, 14, 15, 17, 33, 66] {
            assert_eq!(
                MasterSecret::new(&vec![1; len]).unwrap_err(),
                Slip39Error::InvalidSecretLength { len }
            );
        }
        assert_eq!(MasterSecret::generate(32).unwrap().byte_len(), 32);
        assert!(MasterSecret::generate(31).is_err());
    }

    #[test]
    fn passphrase_must_be_printable_ascii() {
        assert!(Passphrase::new(" ~TREZOR 123!").is_ok());
        assert!(Passphrase::new("").unwrap().is_empty());
        assert_eq!(
            Passphrase::new("abc\tdef").unwrap_err(),
            Slip39Error::InvalidPassphrase { position: 4 }
        );
        assert_eq!(
            Passphrase::new("zé").unwrap_err(),
            Slip39Error::InvalidPassphrase { position: 2 }
        );
        assert_eq!(
            Passphrase::new("\u{7f}").unwrap_err(),
            Slip39Error::InvalidPassphrase { position: 1 }
        );
    }
}
