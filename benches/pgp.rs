//! The ceremony's OpenPGP work, next to GnuPG doing the same:
//! - encrypting 16 different 33-word share texts, each to its own recipient;
//! - verifying a ~1 MB transcript carrying 5 detached signatures (one armour block).
//!
//! gpg runs from a prepared GNUPGHOME (16 recipient certificates and 5 signer
//! certificates imported); without gpg only our side runs.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use criterion::{criterion_group, criterion_main, Criterion};
use keyrite::pgp::{
    encrypt, generate, merge_signatures, sign_detached, verify_detached, Certificate, SecretKey,
};

const WORDS: &[&str] = &[
    "academic", "acid", "acrobat", "romp", "chubby", "client", "grief", "judicial", "pulse",
    "domain", "flip", "elevator", "become", "spirit", "heat", "patent", "hesitate", "lunar",
    "taught", "gasoline", "spine", "hobo", "dryer", "duckling", "exact", "clinic", "wine", "cover",
    "sidewalk", "surface", "mild", "voting", "exotic", "zero", "wits", "year",
];

fn share(i: usize) -> String {
    (0..33)
        .map(|w| WORDS[(i * 7 + w * 13 + w * w) % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

fn gpg(home: &Path, args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let mut child = Command::new("gpg")
        .env("GNUPGHOME", home)
        .args(["--batch", "--no-tty", "--quiet", "--trust-model", "always"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn gpg");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "gpg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn have_gpg() -> bool {
    Command::new("gpg")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn bench(c: &mut Criterion) {
    let with_gpg = have_gpg();
    if !with_gpg {
        eprintln!("gpg not found: benchmarking keyrite only");
    }
    let home = tempfile::Builder::new()
        .prefix("kr-bench")
        .tempdir_in("/tmp")
        .unwrap();
    std::fs::set_permissions(
        home.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();

    // 16 recipients.
    let recipients: Vec<Certificate> = (0..16)
        .map(|i| {
            let (_, public) = generate(&format!("Holder {i} <h{i}@example.org>"), None).unwrap();
            if with_gpg {
                gpg(home.path(), &["--import"], public.as_bytes());
            }
            Certificate::from_bytes(public.as_bytes()).unwrap()
        })
        .collect();
    let shares: Vec<String> = (0..16).map(share).collect();

    // A ~1 MB transcript with 5 signatures.
    let line = "{\"seq\":1,\"step\":\"split\",\"hash\":\"0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0\"}\n";
    let transcript = line.repeat(1_000_000 / line.len()).into_bytes();
    let mut signers = Vec::new();
    let mut sigs = String::new();
    for i in 0..5 {
        let (secret, public) = generate(&format!("Witness {i} <w{i}@example.org>"), None).unwrap();
        if with_gpg {
            gpg(home.path(), &["--import"], public.as_bytes());
        }
        let key = SecretKey::from_bytes(secret.as_bytes(), None).unwrap();
        sigs = merge_signatures(
            sigs.as_bytes(),
            sign_detached(&key, &transcript).unwrap().as_bytes(),
        )
        .unwrap();
        signers.push(key.certificate().clone());
    }
    let data_path = home.path().join("transcript.jsonl");
    let sig_path = home.path().join("transcript.jsonl.asc");
    std::fs::write(&data_path, &transcript).unwrap();
    std::fs::write(&sig_path, &sigs).unwrap();
    assert!(verify_detached(sigs.as_bytes(), &transcript, &signers)
        .unwrap()
        .iter()
        .all(|c| c.is_good()));

    let mut g = c.benchmark_group("encrypt_16_shares_to_16_recipients");
    g.sample_size(10);
    g.bench_function("keyrite", |b| {
        b.iter(|| {
            for (cert, text) in recipients.iter().zip(&shares) {
                std::hint::black_box(encrypt(&[cert], text.as_bytes()).unwrap());
            }
        })
    });
    if with_gpg {
        g.bench_function("gpg_16_calls", |b| {
            b.iter(|| {
                for (cert, text) in recipients.iter().zip(&shares) {
                    let fpr = cert.fingerprint();
                    std::hint::black_box(gpg(
                        home.path(),
                        &["--armor", "--encrypt", "--recipient", &fpr],
                        text.as_bytes(),
                    ));
                }
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("verify_1MB_transcript_5_signatures");
    g.sample_size(10);
    g.bench_function("keyrite", |b| {
        b.iter(|| {
            let checks = verify_detached(sigs.as_bytes(), &transcript, &signers).unwrap();
            assert_eq!(checks.len(), 5);
        })
    });
    if with_gpg {
        let (s, d) = (sig_path.to_str().unwrap(), data_path.to_str().unwrap());
        g.bench_function("gpg_one_verify_call", |b| {
            b.iter(|| gpg(home.path(), &["--verify", s, d], b""))
        });
    }
    g.finish();

    let _ = Command::new("gpgconf")
        .env("GNUPGHOME", home.path())
        .args(["--kill", "all"])
        .status();
}

criterion_group!(benches, bench);
criterion_main!(benches);
