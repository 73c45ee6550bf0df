//! Interoperability with GnuPG 2.2: everything we write, gpg reads, and the reverse.
//!
//! Each test has its own GNUPGHOME (see `common::gnupg`). Without gpg the tests pass with a
//! note, unless KEYRITE_REQUIRE_INTEROP=1.

use crate::common::gnupg;
use crate::gpg_or_skip;

use keyrite::pgp::{
    decrypt, decrypt_with_password, encrypt, encrypt_with_password, generate, merge_signatures,
    sign_detached, verify_detached, Certificate, PgpError, SecretKey, SignatureResult,
};

const SHARE: &str = "academic acid acrobat romp chubby client grief judicial pulse domain \
                     flip elevator become spirit heat patent hesitate lunar taught \
                     gasoline spine hobo dryer duckling exact clinic wine cover sidewalk \
                     surface mild voting exotic";

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// Our message is PKESK v3 + SEIPDv1 (MDC), nothing gpg 2.2 cannot read.
fn assert_seipd_v1(packets: &str) {
    assert!(packets.contains(":encrypted data packet:"), "{packets}");
    assert!(
        packets.contains("mdc_method: 2"),
        "no MDC / SEIPDv1:\n{packets}"
    );
    let aead = packets
        .lines()
        .any(|l| l.contains("aead") && !l.contains("aead 0"));
    assert!(!aead, "AEAD used:\n{packets}");
}

#[test]
fn gpg_decrypts_message_to_our_generated_key() {
    let gpg = gpg_or_skip!();
    let (secret, public) = generate("Alice <alice@example.org>", Some("alice pass")).unwrap();
    gpg.import_secret(secret.as_bytes(), "alice pass");
    let listing =
        String::from_utf8(gpg.ok(&["--with-colons", "--list-secret-keys"], None)).unwrap();
    assert!(
        listing.contains("ed25519") && listing.contains("cv25519"),
        "{listing}"
    );

    let cert = Certificate::from_bytes(public.as_bytes()).unwrap();
    let msg = encrypt(&[&cert], SHARE.as_bytes()).unwrap();
    assert!(msg.starts_with("-----BEGIN PGP MESSAGE-----"));
    let packets = gpg.list_packets(msg.as_bytes());
    assert!(
        packets.contains(":pubkey enc packet: version 3"),
        "{packets}"
    );
    assert_seipd_v1(&packets);

    let plain = gpg.ok(
        &["--passphrase", "alice pass", "--decrypt"],
        Some(msg.as_bytes()),
    );
    assert_eq!(plain, SHARE.as_bytes());

    // And we open it too.
    let key = SecretKey::from_bytes(secret.as_bytes(), Some("alice pass")).unwrap();
    assert_eq!(
        &decrypt(&key, msg.as_bytes()).unwrap()[..],
        SHARE.as_bytes()
    );
}

#[test]
fn seipd_v1_even_when_the_certificate_advertises_seipd_v2() {
    let gpg = gpg_or_skip!();
    use sequoia_openpgp::cert::prelude::*;
    use sequoia_openpgp::serialize::SerializeInto;
    // A sequoia default certificate advertises SEIPDv2 in its Features.
    let (cert, _) = CertBuilder::general_purpose(Some("Seq <seq@example.org>"))
        .generate()
        .unwrap();
    assert!(cert
        .with_policy(&sequoia_openpgp::policy::StandardPolicy::new(), None)
        .unwrap()
        .features()
        .unwrap()
        .supports_seipdv2());
    let ours = Certificate::from_bytes(&cert.armored().to_vec().unwrap()).unwrap();
    let msg = encrypt(&[&ours], b"hello").unwrap();
    assert_seipd_v1(&gpg.list_packets(msg.as_bytes()));
    gpg.import(&cert.as_tsk().armored().to_vec().unwrap());
    assert_eq!(gpg.ok(&["--decrypt"], Some(msg.as_bytes())), b"hello");
}

#[test]
fn gpg_decrypts_password_message() {
    let gpg = gpg_or_skip!();
    let msg = encrypt_with_password("correct horse battery staple", SHARE.as_bytes()).unwrap();
    let packets = gpg.list_packets(msg.as_bytes());
    assert!(
        packets.contains(":symkey enc packet: version 4"),
        "{packets}"
    );
    assert_seipd_v1(&packets);
    let plain = gpg.ok(
        &["--passphrase", "correct horse battery staple", "--decrypt"],
        Some(msg.as_bytes()),
    );
    assert_eq!(plain, SHARE.as_bytes());
    let wrong = gpg.run(
        &["--passphrase", "wrong", "--decrypt"],
        Some(msg.as_bytes()),
    );
    assert!(!wrong.status.success());
}

#[test]
fn we_decrypt_gpg_password_message() {
    let gpg = gpg_or_skip!();
    let msg = gpg.ok(
        &["--passphrase", "pw 123", "--symmetric", "--armor"],
        Some(SHARE.as_bytes()),
    );
    assert_eq!(
        &decrypt_with_password("pw 123", &msg).unwrap()[..],
        SHARE.as_bytes()
    );
    assert!(matches!(
        decrypt_with_password("nope", &msg),
        Err(PgpError::WrongPassword)
    ));
}

#[test]
fn we_encrypt_to_gpg_generated_certificates() {
    let gpg = gpg_or_skip!();
    for algo in ["default", "rsa3072"] {
        let fpr = gpg.gen_full(&format!("Gpg {algo} <{algo}@example.org>"), algo);
        let file = gpg.write(&format!("{algo}.asc"), gpg.export(&fpr));
        let cert = Certificate::load(&file).unwrap();
        assert_eq!(cert.fingerprint(), fpr);
        assert_eq!(
            cert.user_ids(),
            vec![format!("Gpg {algo} <{algo}@example.org>")]
        );
        let msg = encrypt(&[&cert], SHARE.as_bytes()).unwrap();
        assert_seipd_v1(&gpg.list_packets(msg.as_bytes()));
        assert_eq!(
            gpg.ok(&["--decrypt"], Some(msg.as_bytes())),
            SHARE.as_bytes(),
            "{algo}"
        );

        // The secret key gpg exports works with our decrypt too.
        let key = SecretKey::from_bytes(&gpg.export_secret(&fpr), None).unwrap();
        assert_eq!(
            &decrypt(&key, msg.as_bytes()).unwrap()[..],
            SHARE.as_bytes()
        );
    }
}

#[test]
fn several_recipients_each_can_decrypt() {
    let gpg = gpg_or_skip!();
    let a = gpg.gen_full("A <a@example.org>", "default");
    let b = gpg.gen_full("B <b@example.org>", "rsa3072");
    let ca = Certificate::from_bytes(&gpg.export(&a)).unwrap();
    let cb = Certificate::from_bytes(&gpg.export(&b)).unwrap();
    let msg = encrypt(&[&ca, &cb], b"for both").unwrap();
    assert_eq!(
        count(&gpg.list_packets(msg.as_bytes()), ":pubkey enc packet:"),
        2
    );
    let ka = SecretKey::from_bytes(&gpg.export_secret(&a), None).unwrap();
    let kb = SecretKey::from_bytes(&gpg.export_secret(&b), None).unwrap();
    assert_eq!(&decrypt(&ka, msg.as_bytes()).unwrap()[..], b"for both");
    assert_eq!(&decrypt(&kb, msg.as_bytes()).unwrap()[..], b"for both");
    assert_eq!(gpg.ok(&["--decrypt"], Some(msg.as_bytes())), b"for both");
}

#[test]
fn we_decrypt_what_gpg_encrypted_to_our_key() {
    let gpg = gpg_or_skip!();
    let (secret, public) = generate("Bob <bob@example.org>", None).unwrap();
    let cert = Certificate::from_bytes(public.as_bytes()).unwrap();
    gpg.import(public.as_bytes());
    let msg = gpg.ok(
        &[
            "--trust-model",
            "always",
            "--armor",
            "--encrypt",
            "--recipient",
            &cert.fingerprint(),
        ],
        Some(SHARE.as_bytes()),
    );
    // gpg 2.2 honours our SEIPDv1-only Features.
    assert_seipd_v1(&gpg.list_packets(&msg));
    let key = SecretKey::from_bytes(secret.as_bytes(), None).unwrap();
    assert_eq!(&decrypt(&key, &msg).unwrap()[..], SHARE.as_bytes());

    // A key the message is not for is told which keys it is for.
    let (other, _) = generate("Eve <eve@example.org>", None).unwrap();
    let other = SecretKey::from_bytes(other.as_bytes(), None).unwrap();
    match decrypt(&other, &msg) {
        Err(e @ PgpError::NotForThisKey { .. }) => {
            let text = e.to_string();
            assert!(text.contains(&other.fingerprint()), "{text}");
            let PgpError::NotForThisKey { recipients, .. } = e else {
                unreachable!()
            };
            assert_eq!(recipients.len(), 1);
            assert!(text.contains(&recipients[0]), "{text}");
        }
        other => panic!("expected NotForThisKey, got {other:?}"),
    }
    // A tampered message fails its integrity check.
    let bad = tamper(&gpg, &msg);
    match decrypt(&key, &bad) {
        Err(PgpError::Integrity { .. }) => {}
        other => panic!("expected Integrity, got {other:?}"),
    }
}

/// The binary form of `armored` with one byte near the end of the encrypted data
/// flipped.
fn tamper(gpg: &gnupg::Gpg, armored: &[u8]) -> Vec<u8> {
    let mut bin = gpg.ok(&["--dearmor"], Some(armored));
    let n = bin.len();
    bin[n - 5] ^= 0x40;
    bin
}

#[test]
fn gpg_verifies_our_signatures_one_and_several() {
    let gpg = gpg_or_skip!();
    let data = b"transcript line 1\ntranscript line 2\n".repeat(100);
    let data_path = gpg.write("transcript.txt", &data);
    let mut keys = Vec::new();
    for name in [
        "Signer One <one@example.org>",
        "Signer Two <two@example.org>",
        "Signer Three <three@example.org>",
    ] {
        let (secret, public) = generate(name, Some("pw")).unwrap();
        gpg.import(public.as_bytes());
        keys.push(SecretKey::from_bytes(secret.as_bytes(), Some("pw")).unwrap());
    }
    let sigs: Vec<String> = keys
        .iter()
        .map(|k| sign_detached(k, &data).unwrap())
        .collect();
    let packets = gpg.list_packets(sigs[0].as_bytes());
    assert!(
        packets.contains(":signature packet:") && packets.contains("version 4"),
        "{packets}"
    );

    // One signature.
    let one = gpg.write("one.asc", &sigs[0]);
    let (ok, status) = gpg.verify(&one, &data_path);
    assert!(ok, "{status}");
    assert_eq!(count(&status, "[GNUPG:] GOODSIG"), 1, "{status}");

    // Several armour blocks, concatenated (`cat a.asc b.asc c.asc`): gpg 2.2 reads
    // them all.
    let cat = gpg.write("cat.asc", sigs.concat());
    let (ok, status) = gpg.verify(&cat, &data_path);
    assert!(ok, "{status}");
    assert_eq!(count(&status, "[GNUPG:] GOODSIG"), 3, "{status}");

    // One armour block holding several signature packets (merge_signatures).
    let mut merged = String::new();
    for s in &sigs {
        merged = merge_signatures(merged.as_bytes(), s.as_bytes()).unwrap();
    }
    assert_eq!(count(&merged, "-----BEGIN PGP SIGNATURE-----"), 1);
    let merged_path = gpg.write("merged.asc", &merged);
    let (ok, status) = gpg.verify(&merged_path, &data_path);
    assert!(ok, "{status}");
    assert_eq!(count(&status, "[GNUPG:] GOODSIG"), 3, "{status}");
    for k in &keys {
        assert!(
            status.contains(&format!("VALIDSIG {}", signing_subkey_fpr(&status, k))),
            "{status}"
        );
    }
    // Merging again the same signature adds nothing.
    assert_eq!(
        merge_signatures(merged.as_bytes(), sigs[1].as_bytes()).unwrap(),
        merged
    );
    // Changed data: gpg says BAD.
    let changed = gpg.write("changed.txt", [&data[..], b"x"].concat());
    let (ok, status) = gpg.verify(&merged_path, &changed);
    assert!(!ok && status.contains("BADSIG"), "{status}");

    // Our own verifier reads all three forms alike.
    let certs: Vec<Certificate> = keys.iter().map(|k| k.certificate().clone()).collect();
    for file in [&sigs.concat(), &merged] {
        let checks = verify_detached(file.as_bytes(), &data, &certs).unwrap();
        assert_eq!(checks.len(), 3);
        for (c, k) in checks.iter().zip(&keys) {
            assert!(c.is_good(), "{c:?}");
            assert_eq!(c.signer.as_deref(), Some(k.fingerprint().as_str()));
        }
    }
}

/// The VALIDSIG line names the signing subkey's fingerprint and, last, the primary's:
/// find the line of `key`'s primary and return its first field.
fn signing_subkey_fpr(status: &str, key: &SecretKey) -> String {
    status
        .lines()
        .filter_map(|l| l.strip_prefix("[GNUPG:] VALIDSIG "))
        .find(|l| l.trim_end().ends_with(&key.fingerprint()))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no VALIDSIG for {}: {status}", key.fingerprint()))
        .to_string()
}

#[test]
fn we_verify_gpg_signatures() {
    let gpg = gpg_or_skip!();
    let data = b"a ceremony transcript\n".repeat(50);
    let data_path = gpg.write("data", &data);
    let a = gpg.gen_key("Gpg A <ga@example.org>", "default", "default", "never");
    let b = gpg.gen_key("Gpg B <gb@example.org>", "rsa3072", "default", "never");
    let ca = Certificate::from_bytes(&gpg.export(&a)).unwrap();
    let cb = Certificate::from_bytes(&gpg.export(&b)).unwrap();

    let sig = gpg.ok(
        &[
            "--armor",
            "--local-user",
            &a,
            "--output",
            "-",
            "--detach-sign",
            data_path.to_str().unwrap(),
        ],
        None,
    );
    let checks = verify_detached(&sig, &data, &[cb.clone(), ca.clone()]).unwrap();
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].result, SignatureResult::Good, "{:?}", checks[0]);
    assert_eq!(checks[0].signer.as_deref(), Some(a.as_str()));
    assert!(checks[0].issuer_fingerprint.is_some());
    assert!(checks[0].created.is_some());

    // Changed data.
    let checks = verify_detached(&sig, b"another text", std::slice::from_ref(&ca)).unwrap();
    assert!(
        matches!(checks[0].result, SignatureResult::Bad(_)),
        "{:?}",
        checks[0]
    );
    assert_eq!(checks[0].signer.as_deref(), Some(a.as_str()));
    // Key not given.
    let checks = verify_detached(&sig, &data, std::slice::from_ref(&cb)).unwrap();
    assert_eq!(checks[0].result, SignatureResult::UnknownKey);
    assert_eq!(checks[0].signer, None);

    // gpg signing with two keys at once: one block, two packets. Plus a text-mode one.
    let both = gpg.ok(
        &[
            "--armor",
            "-u",
            &a,
            "-u",
            &b,
            "--output",
            "-",
            "--detach-sign",
            data_path.to_str().unwrap(),
        ],
        None,
    );
    let text = gpg.ok(
        &[
            "--armor",
            "--textmode",
            "-u",
            &b,
            "--output",
            "-",
            "--detach-sign",
            data_path.to_str().unwrap(),
        ],
        None,
    );
    let all = [both, text].concat();
    let checks = verify_detached(&all, &data, &[ca.clone(), cb.clone()]).unwrap();
    assert_eq!(checks.len(), 3, "{checks:?}");
    assert!(checks.iter().all(|c| c.is_good()), "{checks:?}");
    let signers: Vec<_> = checks.iter().map(|c| c.signer.clone().unwrap()).collect();
    assert!(signers.contains(&a) && signers.contains(&b));
    // Only one of the two certificates given: the other's are UnknownKey.
    let checks = verify_detached(&all, &data, &[ca]).unwrap();
    assert_eq!(checks.iter().filter(|c| c.is_good()).count(), 1);
    assert_eq!(
        checks
            .iter()
            .filter(|c| c.result == SignatureResult::UnknownKey)
            .count(),
        2
    );
}

#[test]
fn gpg_reads_our_generated_keys() {
    let gpg = gpg_or_skip!();
    let (secret, public) = generate("Carol <carol@example.org>", Some("s3cret")).unwrap();
    gpg.import(public.as_bytes());
    gpg.import_secret(secret.as_bytes(), "s3cret");
    let cert = Certificate::from_bytes(public.as_bytes()).unwrap();
    let colons =
        String::from_utf8(gpg.ok(&["--with-colons", "--list-keys", &cert.fingerprint()], None))
            .unwrap();
    // pub (certify), sub (sign), sub (encrypt); no expiry (field 7 empty).
    let kinds: Vec<(&str, &str, &str)> = colons
        .lines()
        .filter(|l| l.starts_with("pub:") || l.starts_with("sub:"))
        .map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f[0], f[6], f[11])
        })
        .collect();
    assert_eq!(kinds.len(), 3, "{colons}");
    assert!(kinds.iter().all(|(_, exp, _)| exp.is_empty()), "{colons}");
    assert!(kinds[0].2.contains('c'));
    assert!(kinds.iter().any(|(k, _, u)| *k == "sub" && u.contains('s')));
    assert!(kinds.iter().any(|(k, _, u)| *k == "sub" && u.contains('e')));
    // gpg signs with our key, and we verify it.
    let data_path = gpg.write("d", b"data");
    let sig = gpg.ok(
        &[
            "--passphrase",
            "s3cret",
            "--armor",
            "-u",
            &cert.fingerprint(),
            "--output",
            "-",
            "--detach-sign",
            data_path.to_str().unwrap(),
        ],
        None,
    );
    let checks = verify_detached(&sig, b"data", &[cert]).unwrap();
    assert!(checks[0].is_good(), "{checks:?}");
}

#[test]
fn we_unlock_a_passphrase_protected_gpg_export() {
    let gpg = gpg_or_skip!();
    let out = String::from_utf8(gpg.ok(
        &[
            "--passphrase",
            "gpg pass",
            "--status-fd",
            "1",
            "--quick-gen-key",
            "Prot <prot@example.org>",
            "default",
            "default",
            "never",
        ],
        None,
    ))
    .unwrap();
    let fpr = out
        .lines()
        .find_map(|l| l.strip_prefix("[GNUPG:] KEY_CREATED "))
        .and_then(|r| r.split_whitespace().nth(1))
        .unwrap()
        .to_string();
    let exported = gpg.ok(
        &[
            "--passphrase",
            "gpg pass",
            "--armor",
            "--export-secret-keys",
            &fpr,
        ],
        None,
    );
    let path = gpg.write("prot.asc", &exported);
    assert!(SecretKey::needs_passphrase(&path));
    assert!(matches!(
        SecretKey::load(&path, Some("not it")),
        Err(PgpError::WrongPassphrase { .. })
    ));
    let key = SecretKey::load(&path, Some("gpg pass")).unwrap();
    assert_eq!(key.fingerprint(), fpr);
    // It decrypts what gpg encrypts to it, and gpg verifies what it signs.
    let msg = gpg.ok(
        &[
            "--trust-model",
            "always",
            "--armor",
            "--encrypt",
            "-r",
            &fpr,
        ],
        Some(b"to the protected key"),
    );
    assert_eq!(&decrypt(&key, &msg).unwrap()[..], b"to the protected key");
    let sig = gpg.write("d.asc", sign_detached(&key, b"d").unwrap());
    let data = gpg.write("d", b"d");
    let (ok, status) = gpg.verify(&sig, &data);
    assert!(ok, "{status}");
}

/// Found by fuzzing: sequoia-openpgp 2.3.0 panics on an encrypted share file cut off
/// just after the encrypted-data packet's prefix. Every cut of a real share file is a
/// clear error, never a crash.
#[test]
fn a_cut_off_share_file_is_an_error_not_a_crash() {
    let armored = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/ceremonies/demo/shares/custodian-1.asc"
    ))
    .unwrap();
    let key = keyrite::pgp::SecretKey::load(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/ceremonies/demo/keys/custodian-1.secret.asc"
        ),
        None,
    )
    .unwrap();
    // De-armour: the base64 lines between the header's blank line and the checksum.
    let text = String::from_utf8(armored).unwrap();
    let body: String = text
        .split("\n\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|l| !l.starts_with('=') && !l.starts_with("-----"))
        .collect();
    let binary = keyrite::device::message::base64_decode(&body).unwrap();
    assert!(decrypt(&key, &binary).is_ok(), "the whole file opens");
    for cut in 1..binary.len() {
        let result = decrypt(&key, &binary[..cut]);
        assert!(result.is_err(), "{cut} bytes decrypted?");
    }
    let e = decrypt(&key, &binary[..118]).unwrap_err();
    assert!(e.to_string().contains("damaged or cut off"), "{e}");
}
