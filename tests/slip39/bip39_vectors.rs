//! The BIP-39 reference's English vectors (`tests/data/bip39-vectors.json`, from
//! trezor/python-mnemonic's `vectors.json`): entropy → words → entropy, words and the
//! passphrase `TREZOR` → seed, seed → BIP-32 master key, every one; and random entropy of
//! every length against the reference itself (`mnemonic` from PyPI, installed by CI).

use std::path::PathBuf;

use bitcoin::bip32::Xpriv;
use bitcoin::NetworkKind;
use keyrite::bip39::{Entropy, Mnemonic};

#[test]
fn reference_vectors() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/bip39-vectors.json");
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("the vectors file")).unwrap();
    let passphrase = data["passphrase"].as_str().unwrap();
    let vectors = data["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 24, "every English vector");
    for (n, v) in vectors.iter().enumerate() {
        let entropy = hex::decode(v["entropy"].as_str().unwrap()).unwrap();
        let words: Vec<&str> = v["mnemonic"].as_str().unwrap().split(' ').collect();
        let made = Entropy::new(&entropy).unwrap().to_mnemonic();
        assert_eq!(made.words().collect::<Vec<_>>(), words, "vector {n}: words");
        let read = Mnemonic::from_words(&words).unwrap();
        assert_eq!(
            read.entropy().expose_secret(),
            entropy.as_slice(),
            "vector {n}: entropy"
        );
        let seed = read.seed(passphrase).unwrap();
        assert_eq!(
            hex::encode(seed.expose_secret()),
            v["seed"].as_str().unwrap(),
            "vector {n}: seed"
        );
        let master = Xpriv::new_master(NetworkKind::Main, seed.expose_secret()).unwrap();
        assert_eq!(
            master.to_string(),
            v["xprv"].as_str().unwrap(),
            "vector {n}: xprv"
        );
    }
}

/// The reference implementation (`pip install mnemonic==0.21`) as a Python program:
/// reads `ENTROPY_HEX PASSPHRASE` lines, prints `WORDS<TAB>SEED_HEX` lines.
const REFERENCE: &str = r#"
import sys
from mnemonic import Mnemonic
m = Mnemonic("english")
for line in sys.stdin:
    entropy, passphrase = line.split()
    words = m.to_mnemonic(bytes.fromhex(entropy))
    print(words + "\t" + Mnemonic.to_seed(words, passphrase).hex())
"#;

/// Whether the reference package can be imported; panics if not and interop is required.
fn reference_available() -> bool {
    let found = std::process::Command::new("python3")
        .args(["-c", "import mnemonic"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            !crate::common::interop_required(),
            "the BIP-39 reference (`pip install mnemonic==0.21`) is not installed, and \
             KEYRITE_REQUIRE_INTEROP=1 requires the interop tests"
        );
        crate::common::say_skipped(
            "SKIP: the BIP-39 reference (`pip install mnemonic==0.21`) is not installed; \
             the BIP-39 interop test did not run",
        );
    }
    found
}

/// Random entropy of every length, words and seeds made by us and by the reference:
/// both agree, and our reading of the reference's words gives the entropy back.
#[test]
fn random_entropy_agrees_with_the_reference() {
    if !reference_available() {
        return;
    }
    let mut random = crate::common::rng(39);
    let mut cases = Vec::new();
    for round in 0..40 {
        for len in [16usize, 20, 24, 28, 32] {
            let mut entropy = vec![0u8; len];
            random(&mut entropy);
            cases.push((entropy, format!("pass{round}")));
        }
    }
    let input: String = cases
        .iter()
        .map(|(e, p)| format!("{} {p}\n", hex::encode(e)))
        .collect();
    let out = crate::common::output_with_input(
        std::process::Command::new("python3").args(["-c", REFERENCE]),
        input.as_bytes(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(lines.len(), cases.len());
    for ((entropy, passphrase), line) in cases.iter().zip(&lines) {
        let (words, seed) = line.split_once('\t').unwrap();
        let ours = Entropy::new(entropy).unwrap().to_mnemonic();
        assert_eq!(ours.words().collect::<Vec<_>>().join(" "), words);
        let read = Mnemonic::from_words(&words.split(' ').collect::<Vec<_>>()).unwrap();
        assert_eq!(read.entropy().expose_secret(), entropy.as_slice());
        assert_eq!(
            hex::encode(read.seed(passphrase).unwrap().expose_secret()),
            seed
        );
    }
}
