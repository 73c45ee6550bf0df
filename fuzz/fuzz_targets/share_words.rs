//! SLIP-39 share words: `keyrite::slip39::Share::from_mnemonic` (what a holder types or
//! an answers file gives), then a `Collector` fed the shares in order, as the
//! `collect_shares` and `recover` steps do.
//!
//! The first byte picks the mode:
//! - even: the rest is text, one mnemonic per line (the seeds are the test vectors);
//! - odd: the rest is a list of 10-bit word indices, to which this target appends a
//!   correct RS1024 checksum (a random mnemonic almost never has one), so the decoding
//!   behind the checksum is reached; words are written in full or as their 4-letter
//!   prefixes.
//!
//! Properties beyond "no panic":
//! - a share that parses re-encodes (`to_words`) to words that parse to the same share
//!   info and the same words again, with the same digest;
//! - in index mode, a share that parses re-encodes to exactly the words given;
//! - `word_index` and `complete_prefix` agree with the word list.
#![no_main]

use keyrite::slip39::{
    complete_prefix, word_index, Collector, Passphrase, PrefixMatch, Share, WORDS,
};
use libfuzzer_sys::fuzz_target;

/// RS1024 of SLIP-39 (the standard's reference code), for making test mnemonics valid.
fn rs1024_polymod(values: impl IntoIterator<Item = u32>) -> u32 {
    const GEN: [u32; 10] = [
        0xE0E040, 0x1C1C080, 0x3838100, 0x7070200, 0xE0E0009, 0x1C0C2412, 0x38086C24, 0x3090FC48,
        0x21B1F890, 0x3F3F120,
    ];
    let mut chk: u32 = 1;
    for v in values {
        let b = chk >> 20;
        chk = ((chk & 0xFFFFF) << 10) ^ v;
        for (i, g) in GEN.iter().enumerate() {
            if (b >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

fn with_checksum(idx: &[u16]) -> Vec<u16> {
    let id_exp = idx
        .iter()
        .take(2)
        .fold(0u32, |acc, &w| (acc << 10) | u32::from(w & 0x3FF));
    let extendable = idx.len() >= 2 && (id_exp >> 4) & 1 == 1;
    let cs: &[u8] = if extendable {
        b"shamir_extendable"
    } else {
        b"shamir"
    };
    let values = cs
        .iter()
        .map(|&b| u32::from(b))
        .chain(idx.iter().map(|&w| u32::from(w)))
        .chain([0, 0, 0]);
    let polymod = rs1024_polymod(values) ^ 1;
    let mut out = idx.to_vec();
    for i in (0..3).rev() {
        out.push(((polymod >> (10 * i)) & 1023) as u16);
    }
    out
}

fn check_word_list(token: &str) {
    if let Some(i) = word_index(token) {
        assert!(WORDS[usize::from(i)].eq_ignore_ascii_case(token));
        assert_eq!(complete_prefix(token), PrefixMatch::Unique(i));
    }
    if let PrefixMatch::Unique(i) = complete_prefix(token) {
        assert!(WORDS[usize::from(i)].starts_with(&token.to_ascii_lowercase()));
    }
}

/// Parses, and checks the round trip; returns the share.
fn parse(mnemonic: &str) -> Option<Share> {
    let share = Share::from_mnemonic(mnemonic).ok()?;
    let words = share.to_words();
    assert_eq!(words.word_count(), share.word_count());
    let again = Share::from_mnemonic(words.expose_secret())
        .expect("the words of a parsed share parse again");
    assert_eq!(again.info(), share.info());
    assert_eq!(again.to_words().expose_secret(), words.expose_secret());
    assert_eq!(again.digest(), share.digest());
    Some(share)
}

fn collect(shares: Vec<Share>) {
    let mut collector = Collector::new();
    let mut slow = false;
    for share in shares {
        // PBKDF2 runs 10000 << e iterations: keep recovery to the cheapest exponent.
        slow |= share.info().iteration_exponent > 0;
        let _ = collector.add(share);
    }
    let progress = collector.progress();
    assert!(progress.groups_complete as usize <= progress.groups.len());
    if progress.ready && !slow {
        let _ = collector.recover(&Passphrase::empty());
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        let Ok(text) = std::str::from_utf8(rest) else {
            return;
        };
        for token in text.split_whitespace().take(64) {
            check_word_list(token);
        }
        let shares: Vec<Share> = text.lines().take(32).filter_map(parse).collect();
        collect(shares);
    } else {
        // 10-bit indices from byte pairs: at most 70 words, above the longest share.
        let idx: Vec<u16> = rest
            .chunks_exact(2)
            .take(70)
            .map(|p| u16::from_le_bytes([p[0], p[1]]) & 0x3FF)
            .collect();
        let idx = with_checksum(&idx);
        let full: Vec<&str> = idx.iter().map(|&i| WORDS[usize::from(i)]).collect();
        let mnemonic = if mode & 2 == 0 {
            full.join(" ")
        } else {
            // Every SLIP-39 word is unique in its first four letters.
            full.iter()
                .map(|w| &w[..w.len().min(4)])
                .collect::<Vec<_>>()
                .join(if mode & 4 == 0 { " " } else { "\t\n " })
        };
        if let Some(share) = parse(&mnemonic) {
            assert_eq!(
                share.to_words().expose_secret(),
                full.join(" "),
                "a valid mnemonic does not re-encode to its own words"
            );
            collect(vec![share]);
        }
    }
});
