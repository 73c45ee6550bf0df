//! The BIP-39 reference's English vectors (`tests/data/bip39-vectors.json`, from
//! trezor/python-mnemonic's `vectors.json`): entropy → words → entropy, words and the
//! passphrase `TREZOR` → seed, seed → BIP-32 master key, every one.

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
