//! Detached signature files (`<transcript>.asc`): `keyrite::pgp::verify_detached` (what
//! `keyrite verify` and `signatures::check` run over the file), `merge_signatures` (what
//! `countersign` runs to add one), and `keyrite::signatures::check` itself over a file.
//!
//! The signatures are checked against a transcript of this repository
//! (`tests/report/demo-genesis.jsonl`) and the demo certificates of its signers, so the
//! seed (its real `.asc`) gives good signatures and mutations reach every outcome.
//!
//! Properties beyond "no panic":
//! - a good signature names the certificate that made it, and that certificate holds
//!   the issuer it names;
//! - merging the input into nothing and into itself gives the same file, and the merged
//!   file has no more signatures than the input and a good one exactly when it has.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use keyrite::pgp::{merge_signatures, verify_detached, Certificate};
use keyrite::signatures::{self, TrustedCert};
use keyrite::transcript::verify_reader_with;
use libfuzzer_sys::fuzz_target;

const TRANSCRIPT: &[u8] = include_bytes!("../../tests/report/demo-genesis.jsonl");
const CERTS: &[(&str, &[u8])] = &[
    (
        "officer",
        include_bytes!("../../ceremonies/demo/keys/officer.asc"),
    ),
    (
        "witness-1",
        include_bytes!("../../ceremonies/demo/keys/witness-1.asc"),
    ),
];

struct Fixture {
    certs: Vec<Certificate>,
    trusted: Vec<TrustedCert>,
    start: keyrite::transcript::StartFacts,
    transcript: PathBuf,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let certs: Vec<Certificate> = CERTS
            .iter()
            .map(|(_, b)| Certificate::from_bytes(b).expect("a demo certificate"))
            .collect();
        let trusted = CERTS
            .iter()
            .zip(&certs)
            .map(|((role, _), c)| TrustedCert {
                role: Some(role.to_string()),
                certificate: c.clone(),
            })
            .collect();
        let v = verify_reader_with(std::path::Path::new("t.jsonl"), TRANSCRIPT, None, |_| {})
            .expect("reading a slice");
        let dir = std::env::temp_dir().join(format!("keyrite-fuzz-sig-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        let transcript = dir.join("t.jsonl");
        std::fs::write(&transcript, TRANSCRIPT).expect("writing the transcript");
        Fixture {
            certs,
            trusted,
            start: v.start.unwrap_or_default(),
            transcript,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let fx = fixture();
    let checks = match verify_detached(data, TRANSCRIPT, &fx.certs) {
        Ok(checks) => checks,
        Err(e) => {
            let _ = keyrite::error_chain(&e);
            Vec::new()
        }
    };
    for c in &checks {
        if c.is_good() {
            let signer = c
                .signer
                .as_deref()
                .expect("a good signature names its signer");
            assert!(fx.certs.iter().any(|cert| cert.fingerprint() == signer));
        }
    }

    if let Ok(merged) = merge_signatures(b"", data) {
        let twice = merge_signatures(merged.as_bytes(), data).expect("merging again");
        assert_eq!(twice, merged, "merging the same signatures twice adds some");
        let again = verify_detached(merged.as_bytes(), TRANSCRIPT, &fx.certs)
            .expect("a merged signature file verifies");
        assert!(again.len() <= checks.len());
        let good = |cs: &[keyrite::pgp::SignatureCheck]| cs.iter().filter(|c| c.is_good()).count();
        assert!(good(&again) <= good(&checks));
        assert_eq!(
            good(&again) > 0,
            good(&checks) > 0,
            "merging lost or made a good signature"
        );
    }

    if std::fs::write(signatures::signature_path(&fx.transcript), data).is_ok() {
        let report = signatures::check(&fx.transcript, TRANSCRIPT, &fx.start, &fx.trusted, None);
        if report.valid {
            assert!(report.bad.is_empty() && report.missing.is_empty());
        }
        let _ = serde_json::to_string(&report);
    }
});
