//! `Debug` of every secret-bearing value (and of the public values around them) shows
//! neither the secret nor a share word, so logging one by mistake leaks nothing.

use crate::common;

use keyrite::slip39::{combine, split, Collector, MasterSecret, Passphrase, Share, SplitConfig};

const PASSPHRASE: &str = "correct horse battery staple";

/// Tokens of a Debug string: runs of letters, digits and underscores, so field names
/// such as `group_index` stay whole and do not look like the list word "group".
fn tokens(s: &str) -> Vec<String> {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// SLIP-39 list words that the module's own message templates use ("member 2 of group
/// 1 was already entered"); they may appear whatever the shares are. `true`/`false`
/// print the extendable flag.
const TEMPLATE_WORDS: &[&str] = &[
    "true", "false", "already", "belong", "check", "extra", "group", "have", "large", "length",
    "maximum", "member", "random", "says", "secret", "space", "system", "that", "together", "type",
    "zero",
];

fn assert_clean(what: &str, debug: &str, secret_hex: &str, shares: &[Vec<String>]) {
    let lower = debug.to_lowercase();
    assert!(
        !lower.contains(secret_hex),
        "{what} shows the secret: {debug}"
    );
    assert!(
        !lower.contains(&secret_hex[..8]),
        "{what} shows part of the secret: {debug}"
    );
    assert!(
        !debug.contains(PASSPHRASE),
        "{what} shows the passphrase: {debug}"
    );
    assert!(
        !lower.contains("horse"),
        "{what} shows part of the passphrase: {debug}"
    );
    let toks = tokens(debug);
    for words in shares {
        for w in words {
            if !TEMPLATE_WORDS.contains(&w.as_str()) {
                assert!(
                    !toks.contains(w),
                    "{what} shows the share word {w:?}: {debug}"
                );
            }
        }
        // Even template words must not appear as a fragment of a mnemonic.
        for pair in words.windows(2) {
            assert!(
                !toks.windows(2).any(|t| t == pair),
                "{what} shows the share words {pair:?}: {debug}"
            );
        }
    }
}

#[test]
fn debug_output_redacts_every_secret() {
    let secret_bytes: Vec<u8> = (0..32).map(|i| 0xA0 ^ (i * 7)).collect();
    let secret_hex = hex::encode(&secret_bytes);
    let secret = MasterSecret::new(&secret_bytes).unwrap();
    let passphrase = Passphrase::new(PASSPHRASE).unwrap();
    let mut config = SplitConfig::single_group(2, 3);
    config.iteration_exponent = 0;
    let groups = split(&secret, &passphrase, &config, &mut common::rng(7)).unwrap();

    let all_words: Vec<Vec<String>> = groups
        .iter()
        .flatten()
        .map(|s| {
            s.to_words()
                .expose_secret()
                .split(' ')
                .map(str::to_string)
                .collect()
        })
        .collect();
    assert_eq!(all_words.len(), 3);

    assert_clean(
        "MasterSecret",
        &format!("{secret:?}"),
        &secret_hex,
        &all_words,
    );
    assert_eq!(format!("{secret:?}"), "MasterSecret([REDACTED; 32 bytes])");
    assert_clean(
        "Passphrase",
        &format!("{passphrase:?}"),
        &secret_hex,
        &all_words,
    );
    assert_eq!(format!("{passphrase:?}"), "Passphrase([REDACTED])");
    assert_clean(
        "split output",
        &format!("{groups:?}"),
        &secret_hex,
        &all_words,
    );
    assert_clean(
        "split output (pretty)",
        &format!("{groups:#?}"),
        &secret_hex,
        &all_words,
    );

    for share in groups.iter().flatten() {
        let words = share.to_words();
        assert_clean("ShareWords", &format!("{words:?}"), &secret_hex, &all_words);
        assert_clean("Share", &format!("{share:?}"), &secret_hex, &all_words);
        assert_clean(
            "ShareInfo",
            &format!("{:?}", share.info()),
            &secret_hex,
            &all_words,
        );
        assert_clean(
            "ShareDigest",
            &format!("{:?} {}", share.digest(), share.digest()),
            &secret_hex,
            &all_words,
        );
    }

    let mut collector = Collector::new();
    for share in &groups[0][..2] {
        let progress = collector.add(common::retype(share)).unwrap();
        assert_clean(
            "CollectProgress",
            &format!("{progress:?}"),
            &secret_hex,
            &all_words,
        );
    }
    assert_clean(
        "Collector",
        &format!("{collector:?}"),
        &secret_hex,
        &all_words,
    );
    let recovered = collector.recover(&passphrase).unwrap();
    assert_eq!(recovered.expose_secret(), &secret_bytes[..]);
    assert_clean(
        "recovered MasterSecret",
        &format!("{recovered:?}"),
        &secret_hex,
        &all_words,
    );

    // Errors about real shares quote none of their words.
    let first = &groups[0][0];
    let mut words: Vec<String> = first
        .to_words()
        .expose_secret()
        .split(' ')
        .map(str::to_string)
        .collect();
    words.swap(5, 6);
    let err = Share::from_mnemonic(&words.join(" ")).unwrap_err();
    assert_clean(
        "checksum error",
        &format!("{err} {err:?}"),
        &secret_hex,
        &all_words,
    );
    let err = combine(&[common::retype(first)], &passphrase).unwrap_err();
    assert_clean(
        "too-few error",
        &format!("{err} {err:?}"),
        &secret_hex,
        &all_words,
    );
    let err = combine(&[common::retype(first), common::retype(first)], &passphrase).unwrap_err();
    assert_clean(
        "duplicate error",
        &format!("{err} {err:?}"),
        &secret_hex,
        &all_words,
    );
}
