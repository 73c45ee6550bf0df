//! Encrypting to certificates, in a form GnuPG 2.2 reads.
//!
//! Invariants:
//! - The output is one ASCII-armoured `PGP MESSAGE`: one v3 PKESK packet (the RFC 4880
//!   "v3" public-key encrypted session key, used with v4 keys) per encryption-capable
//!   key, then a SEIPD **v1** packet (CFB with MDC), AES-256, holding one literal
//!   data packet. No compression, no padding, no AEAD.
//! - SEIPDv2 (RFC 9580 AEAD) is never used, even when a certificate advertises it
//!   (sequoia-made certificates do): GnuPG 2.2 cannot read it. This is forced by
//!   telling the encryptor that every recipient supports SEIPDv1 only.
//! - Every recipient certificate is checked first ([`Certificate::check`] for
//!   [`Purpose::Encrypt`], now); one unusable certificate fails the whole call, naming
//!   it. Every valid encryption subkey (transport or storage) of each recipient gets
//!   a PKESK, as GnuPG does when asked for all.
//! - Recipients are named by key ID in the PKESKs (not hidden), so a wrong key can be
//!   told which keys the message is for.

use std::io::Write;
use std::time::SystemTime;

use openpgp::armor;
use openpgp::crypto::Password;
use openpgp::serialize::stream::{Armorer, Encryptor, LiteralWriter, Message, Recipient};
use openpgp::types::{Features, SymmetricAlgorithm};
use openpgp::KeyHandle;
use sequoia_openpgp as openpgp;

use super::cert::Certificate;
use super::error::{PgpError, Purpose};

/// Encrypts `plaintext` to every valid encryption key of every recipient; returns an
/// ASCII-armoured message that GnuPG 2.2 can decrypt.
pub fn encrypt(recipients: &[&Certificate], plaintext: &[u8]) -> Result<String, PgpError> {
    if recipients.is_empty() {
        return Err(PgpError::NoRecipients);
    }
    let now = SystemTime::now();
    let mut keys = Vec::new();
    for cert in recipients {
        let vc = cert.require(Purpose::Encrypt, now)?;
        for ka in vc
            .keys()
            .supported()
            .alive()
            .revoked(false)
            .for_transport_encryption()
            .for_storage_encryption()
        {
            keys.push(Recipient::new(
                seipd_v1_only(),
                Some(KeyHandle::from(ka.key().keyid())),
                ka.key(),
            ));
        }
    }
    seal(keys, None, plaintext)
}

/// The features we pretend every recipient has: SEIPDv1 only, so the encryptor never
/// picks SEIPDv2, whatever the certificate says.
fn seipd_v1_only() -> Features {
    Features::empty().set_seipdv1()
}

/// Writes the armoured message: PKESKs for `recipients`, an SKESK v4 for `password`,
/// then SEIPDv1 around a literal data packet.
pub(crate) fn seal(
    recipients: Vec<Recipient<'_>>,
    password: Option<Password>,
    plaintext: &[u8],
) -> Result<String, PgpError> {
    let op = "encrypting";
    let err = |e: openpgp::anyhow::Error| PgpError::crypto(op, e);
    let mut sink = Vec::new();
    {
        let message = Message::new(&mut sink);
        let message = Armorer::new(message)
            .kind(armor::Kind::Message)
            .build()
            .map_err(err)?;
        let mut encryptor = Encryptor::for_recipients(message, recipients)
            .symmetric_algo(SymmetricAlgorithm::AES256);
        if let Some(password) = password {
            encryptor = encryptor.add_passwords(Some(password));
        }
        let message = encryptor.build().map_err(err)?;
        let mut literal = LiteralWriter::new(message).build().map_err(err)?;
        literal
            .write_all(plaintext)
            .map_err(|e| PgpError::crypto(op, e))?;
        literal.finalize().map_err(err)?;
    }
    String::from_utf8(sink).map_err(|e| PgpError::crypto(op, e))
}
