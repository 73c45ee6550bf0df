//! The official SLIP-39 test vectors (45 entries, passphrase "TREZOR").
//!
//! Valid entries must recover the master secret and the BIP-32 root xprv. Invalid ones
//! must be rejected *for the reason their description names*: each description is
//! mapped to the expected error, so a rejection for the wrong reason fails.

use std::path::PathBuf;

use keyrite::slip39::{
    combine, CollectError, MasterSecret, Passphrase, SetParameter, Share, ShareError, Slip39Error,
};

fn vectors_path() -> PathBuf {
    if let Some(p) = std::env::var_os("SLIP39_VECTORS") {
        return PathBuf::from(p);
    }
    // A copy of the official set (python-shamir-mnemonic, MIT), committed so that a clone
    // alone can run the conformance test; `SLIP39_VECTORS` points at another copy.
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/slip39-vectors.json")
}

/// The reason each invalid vector must be rejected for, keyed by its description.
fn expected_rejection(description: &str) -> Option<fn(&Slip39Error) -> bool> {
    let d = description.to_lowercase();
    let rule: fn(&Slip39Error) -> bool = if d.contains("invalid checksum") {
        |e| matches!(e, Slip39Error::Share(ShareError::Checksum))
    } else if d.contains("invalid padding") {
        |e| matches!(e, Slip39Error::Share(ShareError::Padding))
    } else if d.contains("insufficient length") {
        |e| matches!(e, Slip39Error::Share(ShareError::TooShort { .. }))
    } else if d.contains("invalid master secret length") {
        |e| matches!(e, Slip39Error::Share(ShareError::InvalidLength { .. }))
    } else if d.contains("different identifiers") {
        |e| {
            matches!(
                e,
                Slip39Error::Collect(CollectError::DifferentSet {
                    parameter: SetParameter::Identifier,
                    ..
                })
            )
        }
    } else if d.contains("different iteration exponents") {
        |e| {
            matches!(
                e,
                Slip39Error::Collect(CollectError::DifferentSet {
                    parameter: SetParameter::IterationExponent,
                    ..
                })
            )
        }
    } else if d.contains("mismatching group thresholds") {
        |e| {
            matches!(
                e,
                Slip39Error::Collect(CollectError::DifferentSet {
                    parameter: SetParameter::GroupThreshold,
                    ..
                })
            )
        }
    } else if d.contains("mismatching group counts") {
        |e| {
            matches!(
                e,
                Slip39Error::Collect(CollectError::DifferentSet {
                    parameter: SetParameter::GroupCount,
                    ..
                })
            )
        }
    } else if d.contains("greater group threshold than group counts") {
        |e| {
            matches!(
                e,
                Slip39Error::Share(ShareError::GroupThresholdExceedsCount { .. })
            )
        }
    } else if d.contains("duplicate member indices") {
        |e| {
            matches!(
                e,
                Slip39Error::Collect(CollectError::ConflictingMember { .. })
            )
        }
    } else if d.contains("mismatching member thresholds") {
        |e| {
            matches!(
                e,
                Slip39Error::Collect(CollectError::MemberThresholdMismatch { .. })
            )
        }
    } else if d.contains("invalid digest") {
        |e| matches!(e, Slip39Error::DigestMismatch { .. })
    } else if d.contains("insufficient number of groups") {
        |e| matches!(e, Slip39Error::InsufficientGroups { .. })
    } else if d.contains("insufficient number of members") || d.contains("basic sharing 2-of-3") {
        // "Basic sharing 2-of-3" is listed invalid when only one of the two shares is given.
        |e| matches!(e, Slip39Error::TooFewShares { .. })
    } else {
        return None;
    };
    Some(rule)
}

fn recover(mnemonics: &[String]) -> Result<MasterSecret, Slip39Error> {
    let shares = mnemonics
        .iter()
        .map(|m| Share::from_mnemonic(m))
        .collect::<Result<Vec<_>, _>>()?;
    let passphrase = Passphrase::new("TREZOR")?;
    combine(&shares, &passphrase)
}

#[test]
fn official_vectors() {
    let path = vectors_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let vectors: Vec<(String, Vec<String>, String, String)> =
        serde_json::from_str(&text).expect("vectors.json format");
    assert_eq!(vectors.len(), 45, "expected the 45 official vectors");

    let mut failures = Vec::new();
    let (mut valid, mut invalid) = (0, 0);
    for (description, mnemonics, secret_hex, xprv) in &vectors {
        let result = recover(mnemonics);
        if secret_hex.is_empty() {
            invalid += 1;
            match (expected_rejection(description), result) {
                (None, _) => failures.push(format!("{description}: no expected error is mapped")),
                (Some(_), Ok(_)) => {
                    failures.push(format!("{description}: accepted, must be rejected"))
                }
                (Some(is_expected), Err(e)) if !is_expected(&e) => failures.push(format!(
                    "{description}: rejected for the wrong reason: {e} ({e:?})"
                )),
                (Some(_), Err(e)) => {
                    // The message must not quote any word of the given shares.
                    let msg = e.to_string();
                    let leaked = mnemonics
                        .iter()
                        .flat_map(|m| m.split_whitespace())
                        .find(|w| {
                            msg.split(|c: char| !c.is_ascii_alphabetic())
                                .any(|t| t == *w)
                        });
                    if let Some(w) = leaked {
                        failures.push(format!(
                            "{description}: message quotes share word {w:?}: {msg}"
                        ));
                    }
                }
            }
        } else {
            valid += 1;
            match result {
                Err(e) => failures.push(format!("{description}: rejected: {e}")),
                Ok(ms) => {
                    let got = hex::encode(ms.expose_secret());
                    if &got != secret_hex {
                        failures.push(format!(
                            "{description}: secret {got}, expected {secret_hex}"
                        ));
                        continue;
                    }
                    let key = bitcoin::bip32::Xpriv::new_master(
                        bitcoin::Network::Bitcoin,
                        ms.expose_secret(),
                    )
                    .map(|k| k.to_string());
                    match key {
                        Ok(k) if &k == xprv => {}
                        Ok(k) => failures.push(format!("{description}: xprv {k}, expected {xprv}")),
                        Err(e) => {
                            failures.push(format!("{description}: xprv derivation failed: {e}"))
                        }
                    }
                }
            }
        }
    }
    eprintln!("{valid} valid and {invalid} invalid vectors checked");
    assert!(
        failures.is_empty(),
        "{} vector(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
