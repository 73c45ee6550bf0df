//! Byte-for-byte agreement with the reference implementation's splitter.
//!
//! `data/reference_split.json` was made with shamir-mnemonic 0.3.0 by replacing its
//! `RANDOM_BYTES` with a deterministic stream (byte k of the stream is
//! `(k * 31 + 7) mod 256`) and calling `generate_mnemonics(group_threshold, groups,
//! master_secret, passphrase, extendable, iteration_exponent)`. Feeding the same stream
//! to `split` must give the same mnemonics, which pins down the encryption, the
//! polynomial construction, the digest share, the order in which randomness is used,
//! and the encoding.

use keyrite::slip39::{combine, split, GroupSpec, MasterSecret, Passphrase, Share, SplitConfig};
use serde_json::Value;

fn stream() -> impl FnMut(&mut [u8]) {
    let mut k: u32 = 0;
    move |buf: &mut [u8]| {
        for b in buf.iter_mut() {
            *b = k.wrapping_mul(31).wrapping_add(7) as u8;
            k += 1;
        }
    }
}

#[test]
fn split_matches_reference_with_same_randomness() {
    let cases: Vec<Value> =
        serde_json::from_str(include_str!("../data/reference_split.json")).unwrap();
    assert_eq!(cases.len(), 4);
    for case in cases {
        let groups = case["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| GroupSpec {
                member_threshold: g[0].as_u64().unwrap() as u8,
                member_count: g[1].as_u64().unwrap() as u8,
            })
            .collect();
        let config = SplitConfig {
            group_threshold: case["gt"].as_u64().unwrap() as u8,
            groups,
            extendable: case["ext"].as_bool().unwrap(),
            iteration_exponent: case["e"].as_u64().unwrap() as u8,
        };
        let secret =
            MasterSecret::new(&hex::decode(case["ms"].as_str().unwrap()).unwrap()).unwrap();
        let passphrase = Passphrase::new(case["pp"].as_str().unwrap()).unwrap();
        let shares = split(&secret, &passphrase, &config, &mut stream()).unwrap();

        let expected = case["mnemonics"].as_array().unwrap();
        assert_eq!(shares.len(), expected.len());
        for (group, want) in shares.iter().zip(expected) {
            let want = want.as_array().unwrap();
            assert_eq!(group.len(), want.len());
            for (share, w) in group.iter().zip(want) {
                assert_eq!(
                    share.to_words().expose_secret(),
                    w.as_str().unwrap(),
                    "config {config:?}"
                );
            }
        }

        // And the reference's mnemonics recover the secret here.
        let parsed: Vec<Vec<Share>> = expected
            .iter()
            .map(|g| {
                g.as_array()
                    .unwrap()
                    .iter()
                    .map(|m| Share::from_mnemonic(m.as_str().unwrap()).unwrap())
                    .collect()
            })
            .collect();
        let mut subset = Vec::new();
        for (spec, group) in config
            .groups
            .iter()
            .zip(parsed)
            .take(usize::from(config.group_threshold))
        {
            subset.extend(
                group
                    .into_iter()
                    .rev()
                    .take(usize::from(spec.member_threshold)),
            );
        }
        let recovered = combine(&subset, &passphrase).unwrap();
        assert_eq!(recovered.expose_secret(), secret.expose_secret());
    }
}
