//! Armoured or binary OpenPGP certificates: `keyrite::pgp::Certificate::from_bytes` (what
//! a script's `cert:` and `verify --certs DIR` load), `SecretKey::from_bytes` (a signer's
//! key file), then every use of a certificate that parsed: checks, armouring,
//! encrypting to it and verifying with it.
//!
//! Properties beyond "no panic":
//! - a certificate has a 40-hex-digit fingerprint and no secret key material;
//! - a certificate re-armoured by `to_armored` parses to the same fingerprint and user
//!   IDs;
//! - a secret key that parses has the fingerprint of its certificate.
#![no_main]

use std::time::{Duration, SystemTime};

use keyrite::pgp::{self, Certificate, Purpose, SecretKey};
use libfuzzer_sys::fuzz_target;

/// A signature over a transcript of this repository, to verify with each certificate.
const TRANSCRIPT: &[u8] = include_bytes!("../../tests/report/demo-genesis.jsonl");
const SIGNATURES: &[u8] = include_bytes!("../../tests/report/demo-genesis.jsonl.asc");

fn is_fingerprint(f: &str) -> bool {
    f.len() == 40
        && f.chars()
            .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c))
}

fuzz_target!(|data: &[u8]| {
    match Certificate::from_bytes(data) {
        Ok(cert) => {
            let fpr = cert.fingerprint();
            assert!(is_fingerprint(&fpr), "fingerprint `{fpr}`");
            let uids = cert.user_ids();
            let _ = format!("{cert:?}");
            for when in [
                SystemTime::UNIX_EPOCH,
                SystemTime::now(),
                SystemTime::now() + Duration::from_secs(100 * 365 * 86_400),
            ] {
                for purpose in [Purpose::Sign, Purpose::Encrypt] {
                    if let Err(problem) = cert.check(purpose, when) {
                        let _ = problem.to_string();
                    }
                }
            }
            let armored = cert.to_armored().expect("a parsed certificate armours");
            let again = Certificate::from_bytes(armored.as_bytes())
                .expect("an armoured certificate parses again");
            assert_eq!(again.fingerprint(), fpr);
            assert_eq!(again.user_ids(), uids);
            // A certificate holds no secret: it is not a secret key.
            assert!(SecretKey::from_bytes(armored.as_bytes(), None).is_err());

            if cert.check(Purpose::Encrypt, SystemTime::now()).is_ok() {
                let _ = pgp::encrypt(&[&cert], b"a share");
            }
            if let Ok(checks) = pgp::verify_detached(SIGNATURES, TRANSCRIPT, &[cert]) {
                for c in checks {
                    if c.is_good() {
                        assert_eq!(c.signer.as_deref(), Some(fpr.as_str()));
                    }
                }
            }
        }
        Err(e) => {
            let _ = keyrite::error_chain(&e);
        }
    }

    // With no passphrase, a protected key fails before any key derivation runs.
    if let Ok(key) = SecretKey::from_bytes(data, None) {
        assert_eq!(key.fingerprint(), key.certificate().fingerprint());
        assert!(is_fingerprint(&key.fingerprint()));
        let _ = format!("{key:?}");
    }
});
