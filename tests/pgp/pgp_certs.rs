//! Bad and unusual certificate and key files: each refused with its own clear error.
//! Most keys are made with sequoia; the gpg-made ones need gpg (skipped without).

use crate::gpg_or_skip;

use std::time::{Duration, SystemTime};

use keyrite::pgp::{
    encrypt, generate, sign_detached, verify_detached, CertProblem, Certificate, PgpError, Purpose,
    SecretKey, SignatureResult,
};
use openpgp::cert::CertBuilder;
use openpgp::parse::Parse;
use openpgp::serialize::SerializeInto;
use openpgp::types::ReasonForRevocation;
use openpgp::{Cert, Profile};
use sequoia_openpgp as openpgp;

const DAY: Duration = Duration::from_secs(86_400);

fn armored(cert: &Cert) -> Vec<u8> {
    cert.armored().to_vec().unwrap()
}

fn v4_builder(uid: &str) -> CertBuilder<'static> {
    CertBuilder::general_purpose(Some(uid))
        .set_profile(Profile::RFC4880)
        .unwrap()
}

fn write(dir: &tempfile::TempDir, name: &str, data: &[u8]) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, data).unwrap();
    p
}

fn problem(cert: &Certificate, purpose: Purpose) -> CertProblem {
    cert.check(purpose, SystemTime::now()).unwrap_err()
}

#[test]
fn good_certificate_checks_and_identifies() {
    let (_, public) = generate("Dora <dora@example.org>", None).unwrap();
    let cert = Certificate::from_bytes(public.as_bytes()).unwrap();
    assert_eq!(cert.fingerprint().len(), 40);
    assert!(cert
        .fingerprint()
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase()));
    assert_eq!(cert.user_ids(), vec!["Dora <dora@example.org>".to_string()]);
    cert.check(Purpose::Encrypt, SystemTime::now()).unwrap();
    cert.check(Purpose::Sign, SystemTime::now()).unwrap();
    // chrono times work too.
    cert.check(Purpose::Sign, chrono::Utc::now()).unwrap();
    // No expiry: fine in 50 years.
    cert.check(Purpose::Encrypt, SystemTime::now() + 50 * 365 * DAY)
        .unwrap();
    // Binary form loads the same.
    let bin = Cert::from_bytes(public.as_bytes())
        .unwrap()
        .to_vec()
        .unwrap();
    assert_eq!(
        Certificate::from_bytes(&bin).unwrap().fingerprint(),
        cert.fingerprint()
    );
}

#[test]
fn expired_certificate_made_by_sequoia() {
    let created = SystemTime::now() - 10 * DAY;
    let (cert, _) = v4_builder("Old <old@example.org>")
        .set_creation_time(created)
        .set_validity_period(DAY)
        .generate()
        .unwrap();
    let cert = Certificate::from_bytes(&armored(&cert)).unwrap();
    match problem(&cert, Purpose::Encrypt) {
        CertProblem::Expired { at } => {
            let want = chrono::DateTime::<chrono::Utc>::from(created + DAY);
            assert!((at - want).num_seconds().abs() <= 1, "{at} vs {want}");
        }
        other => panic!("expected Expired, got {other:?}"),
    }
    // It was fine back then.
    cert.check(Purpose::Encrypt, created + DAY / 2).unwrap();
    let err = encrypt(&[&cert], b"x").unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("expired on") && text.contains(&cert.fingerprint()),
        "{text}"
    );
}

#[test]
fn expired_certificate_made_by_gpg() {
    let gpg = gpg_or_skip!();
    let past = (SystemTime::now() - 30 * DAY)
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let fpr = gpg.gen_key_with(
        &["--faked-system-time", &past],
        "Expired <exp@example.org>",
        "default",
        "default",
        "1d",
    );
    let cert = Certificate::from_bytes(&gpg.export(&fpr)).unwrap();
    assert!(matches!(
        problem(&cert, Purpose::Encrypt),
        CertProblem::Expired { .. }
    ));
    assert!(matches!(
        problem(&cert, Purpose::Sign),
        CertProblem::Expired { .. }
    ));
}

#[test]
fn revoked_certificate_made_by_sequoia_says_why() {
    let (cert, _) = v4_builder("Rev <rev@example.org>").generate().unwrap();
    let key = SecretKey::from_bytes(&cert.as_tsk().armored().to_vec().unwrap(), None).unwrap();
    let data = b"signed before the revocation";
    let sig = sign_detached(&key, data).unwrap();

    let mut signer = cert
        .primary_key()
        .key()
        .clone()
        .parts_into_secret()
        .unwrap()
        .into_keypair()
        .unwrap();
    let rev = cert
        .revoke(
            &mut signer,
            ReasonForRevocation::KeyCompromised,
            b"laptop stolen",
        )
        .unwrap();
    let (revoked, _) = cert.insert_packets(rev).unwrap();
    let revoked = Certificate::from_bytes(&armored(&revoked)).unwrap();
    match problem(&revoked, Purpose::Encrypt) {
        CertProblem::Revoked { reason: Some(r) } => assert!(r.contains("laptop stolen"), "{r}"),
        other => panic!("expected Revoked with a reason, got {other:?}"),
    }
    let text = encrypt(&[&revoked], b"x").unwrap_err().to_string();
    assert!(
        text.contains("revoked") && text.contains("laptop stolen"),
        "{text}"
    );

    // A compromised key's signatures are bad, whenever made.
    let checks = verify_detached(sig.as_bytes(), data, &[revoked]).unwrap();
    match &checks[0].result {
        SignatureResult::Bad(r) => assert!(r.contains("revoked"), "{r}"),
        other => panic!("expected Bad, got {other:?}"),
    }
}

#[test]
fn revoked_certificate_made_by_gpg() {
    let gpg = gpg_or_skip!();
    let fpr = gpg.gen_key("Gone <gone@example.org>", "default", "default", "never");
    // gpg writes a revocation certificate at key generation, with ':' guarding the
    // armour line against accidental import.
    let rev = std::fs::read_to_string(gpg.path(&format!("openpgp-revocs.d/{fpr}.rev"))).unwrap();
    let rev = rev.replace(
        ":-----BEGIN PGP PUBLIC KEY BLOCK-----",
        "-----BEGIN PGP PUBLIC KEY BLOCK-----",
    );
    gpg.import(rev.as_bytes());
    let cert = Certificate::from_bytes(&gpg.export(&fpr)).unwrap();
    match problem(&cert, Purpose::Encrypt) {
        CertProblem::Revoked { .. } => {}
        other => panic!("expected Revoked, got {other:?}"),
    }
}

#[test]
fn sign_only_certificate_cannot_be_encrypted_to() {
    let (cert, _) = CertBuilder::new()
        .add_userid("Sig <sig@example.org>")
        .add_signing_subkey()
        .generate()
        .unwrap();
    let cert = Certificate::from_bytes(&armored(&cert)).unwrap();
    assert!(matches!(
        problem(&cert, Purpose::Encrypt),
        CertProblem::NoEncryptionKey { .. }
    ));
    cert.check(Purpose::Sign, SystemTime::now()).unwrap();
    let text = encrypt(&[&cert], b"x").unwrap_err().to_string();
    assert!(text.contains("no usable encryption key"), "{text}");

    // And one without a signing key, for signing.
    let (cert, _) = CertBuilder::new()
        .add_userid("Enc <enc@example.org>")
        .add_transport_encryption_subkey()
        .generate()
        .unwrap();
    let cert = Certificate::from_bytes(&armored(&cert)).unwrap();
    assert!(matches!(
        problem(&cert, Purpose::Sign),
        CertProblem::NoSigningKey { .. }
    ));
}

#[test]
fn sign_only_certificate_made_by_gpg() {
    let gpg = gpg_or_skip!();
    let fpr = gpg.gen_key("GSig <gsig@example.org>", "ed25519", "sign", "never");
    let cert = Certificate::from_bytes(&gpg.export(&fpr)).unwrap();
    assert!(matches!(
        problem(&cert, Purpose::Encrypt),
        CertProblem::NoEncryptionKey { .. }
    ));
    assert!(matches!(
        encrypt(&[&cert], b"x"),
        Err(PgpError::Unusable { .. })
    ));
}

#[test]
fn v6_keys_are_refused() {
    let (cert, _) = CertBuilder::general_purpose(Some("Six <six@example.org>"))
        .set_profile(Profile::RFC9580)
        .unwrap()
        .generate()
        .unwrap();
    assert_eq!(cert.primary_key().key().version(), 6);
    let err = Certificate::from_bytes(&armored(&cert)).unwrap_err();
    assert!(matches!(err, PgpError::V6Key { .. }));
    assert!(err
        .to_string()
        .contains("GnuPG 2.2 cannot read v6 keys; export a v4 key"));
    let err = SecretKey::from_bytes(&cert.as_tsk().armored().to_vec().unwrap(), None).unwrap_err();
    assert!(matches!(err, PgpError::V6Key { .. }));
}

#[test]
fn garbage_empty_and_wrong_kinds_of_files() {
    let dir = tempfile::tempdir().unwrap();
    for (name, data) in [
        ("garbage.bin", &b"\x00\x01\x02\x03 this is not OpenPGP at all \xff\xfe"[..]),
        ("text.txt", b"hello world, just some text\n"),
        ("armor.asc", b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!!notbase64\n-----END PGP PUBLIC KEY BLOCK-----\n"),
    ] {
        let err = Certificate::load(write(&dir, name, data)).unwrap_err();
        assert!(matches!(err, PgpError::NotOpenPgp { .. }), "{name}: {err:?}");
        assert!(err.to_string().contains("does not hold OpenPGP data"), "{err}");
        let err = SecretKey::load(dir.path().join(name), None).unwrap_err();
        assert!(matches!(err, PgpError::NotOpenPgp { .. }), "{name}: {err:?}");
    }
    for data in [&b""[..], b"\n  \n"] {
        let err = Certificate::load(write(&dir, "empty.asc", data)).unwrap_err();
        assert!(matches!(err, PgpError::EmptyFile { .. }), "{err:?}");
        assert!(err.to_string().contains("is empty"), "{err}");
    }
    let err = Certificate::load(dir.path().join("missing.asc")).unwrap_err();
    assert!(matches!(err, PgpError::Io { .. }), "{err:?}");

    // A signature file where a certificate is expected.
    let (secret, _) = generate("S <s@example.org>", None).unwrap();
    let key = SecretKey::from_bytes(secret.as_bytes(), None).unwrap();
    let sig = sign_detached(&key, b"data").unwrap();
    let err = Certificate::from_bytes(sig.as_bytes()).unwrap_err();
    assert!(
        matches!(&err, PgpError::NotAKey { found, .. } if found == "a signature"),
        "{err:?}"
    );
    // A message where a certificate is expected.
    let msg = encrypt(&[key.certificate()], b"m").unwrap();
    let err = Certificate::from_bytes(msg.as_bytes()).unwrap_err();
    assert!(
        matches!(&err, PgpError::NotAKey { found, .. } if found == "an encrypted message"),
        "{err:?}"
    );
}

#[test]
fn several_certificates_in_one_file() {
    let certs: Vec<String> = (0..3)
        .map(|i| {
            generate(&format!("K{i} <k{i}@example.org>"), None)
                .unwrap()
                .1
        })
        .collect();
    // Concatenated armour blocks.
    let err = Certificate::from_bytes(certs[..2].concat().as_bytes()).unwrap_err();
    assert!(
        matches!(err, PgpError::SeveralCertificates { count: 2, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("holds 2 certificates"), "{err}");
    // A binary keyring.
    let mut ring = Vec::new();
    for c in &certs {
        ring.extend(Cert::from_bytes(c.as_bytes()).unwrap().to_vec().unwrap());
    }
    let err = Certificate::from_bytes(&ring).unwrap_err();
    assert!(
        matches!(err, PgpError::SeveralCertificates { count: 3, .. }),
        "{err:?}"
    );
}

#[test]
fn secret_key_where_certificate_expected_is_fine() {
    let dir = tempfile::tempdir().unwrap();
    let (secret, public) = generate("T <t@example.org>", Some("pw")).unwrap();
    let from_secret = Certificate::load(write(&dir, "secret.asc", secret.as_bytes())).unwrap();
    let from_public = Certificate::from_bytes(public.as_bytes()).unwrap();
    assert_eq!(from_secret.fingerprint(), from_public.fingerprint());
    let armored = from_secret.to_armored().unwrap();
    assert!(armored.contains("PUBLIC KEY BLOCK") && !armored.contains("PRIVATE"));
    // Encrypting to it works.
    encrypt(&[&from_secret], b"x").unwrap();
}

#[test]
fn certificate_where_secret_key_expected_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = generate("U <u@example.org>", None).unwrap();
    let path = write(&dir, "cert.asc", public.as_bytes());
    let err = SecretKey::load(&path, None).unwrap_err();
    assert!(matches!(err, PgpError::NoSecretKey { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("this file holds no secret key material"),
        "{err}"
    );
    assert!(!SecretKey::needs_passphrase(&path));
}

#[test]
fn passphrases() {
    let dir = tempfile::tempdir().unwrap();
    let (secret, _) = generate("P <p@example.org>", Some("open sesame")).unwrap();
    let path = write(&dir, "key.asc", secret.as_bytes());
    assert!(SecretKey::needs_passphrase(&path));
    let err = SecretKey::load(&path, None).unwrap_err();
    assert!(
        matches!(err, PgpError::PassphraseRequired { .. }),
        "{err:?}"
    );
    let err = SecretKey::load(&path, Some("open sesame!")).unwrap_err();
    assert!(matches!(err, PgpError::WrongPassphrase { .. }), "{err:?}");
    assert!(!format!("{err:?} {err}").contains("sesame"));
    let key = SecretKey::load(&path, Some("open sesame")).unwrap();
    let dbg = format!("{key:?}");
    assert!(
        dbg.contains("redacted") && dbg.contains(&key.fingerprint()),
        "{dbg}"
    );
    assert!(!dbg.contains("sesame"));

    let (plain, _) = generate("Q <q@example.org>", None).unwrap();
    let path = write(&dir, "plain.asc", plain.as_bytes());
    assert!(!SecretKey::needs_passphrase(&path));
    // A passphrase given for an unprotected key is ignored.
    SecretKey::load(&path, Some("whatever")).unwrap();
}

#[test]
fn password_round_trip_and_errors() {
    use keyrite::pgp::{decrypt, decrypt_with_password, encrypt_with_password};
    let msg = encrypt_with_password("pw", b"secret text").unwrap();
    assert_eq!(
        &decrypt_with_password("pw", msg.as_bytes()).unwrap()[..],
        b"secret text"
    );
    assert!(matches!(
        decrypt_with_password("pW", msg.as_bytes()),
        Err(PgpError::WrongPassword)
    ));
    assert!(matches!(
        encrypt_with_password("", b"x"),
        Err(PgpError::EmptyPassword)
    ));

    let (secret, public) = generate("R <r@example.org>", None).unwrap();
    let cert = Certificate::from_bytes(public.as_bytes()).unwrap();
    let key = SecretKey::from_bytes(secret.as_bytes(), None).unwrap();
    let to_key = encrypt(&[&cert], b"k").unwrap();
    assert!(matches!(
        decrypt_with_password("pw", to_key.as_bytes()),
        Err(PgpError::NotPasswordEncrypted { .. })
    ));
    match decrypt(&key, msg.as_bytes()) {
        Err(PgpError::NotForThisKey { recipients, .. }) => assert!(recipients.is_empty()),
        other => panic!("expected NotForThisKey, got {other:?}"),
    }
    // Not a message at all.
    assert!(matches!(
        decrypt(&key, b"hello"),
        Err(PgpError::NotEncrypted { .. })
    ));
    assert!(matches!(
        decrypt(&key, public.as_bytes()),
        Err(PgpError::NotEncrypted { .. })
    ));
}

#[test]
fn verify_rejects_non_signature_input() {
    let (_, public) = generate("V <v@example.org>", None).unwrap();
    let cert = Certificate::from_bytes(public.as_bytes()).unwrap();
    for input in [&b""[..], b"garbage", public.as_bytes()] {
        let err = verify_detached(input, b"data", std::slice::from_ref(&cert)).unwrap_err();
        assert!(matches!(err, PgpError::NoSignatures { .. }), "{err:?}");
    }
}
