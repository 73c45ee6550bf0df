//! BIP-39 mnemonics: `keyrite::bip39::Mnemonic::from_words` (what a wallet owner will
//! type), from text split on white space, or from 11-bit word indices with a correct
//! checksum appended (a random list of words almost never has one), so the path behind
//! the checksum is reached.
//!
//! Properties beyond "no panic":
//! - a refusal for an unknown word names a word number within the input;
//! - words that parse give entropy whose mnemonic is exactly the words given, and that
//!   entropy is accepted by `Entropy::new`.
#![no_main]

use keyrite::bip39::{Bip39Error, Entropy, Mnemonic, WORDS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let words: Vec<String> = if mode % 2 == 0 {
        String::from_utf8_lossy(rest)
            .split_whitespace()
            .take(64)
            .map(str::to_string)
            .collect()
    } else {
        // Entropy of a valid length from the input; its own mnemonic, then mutated at
        // one position chosen by the mode byte.
        let len = [16usize, 20, 24, 28, 32][usize::from(mode / 2) % 5];
        if rest.len() < len + 2 {
            return;
        }
        let Ok(entropy) = Entropy::new(&rest[..len]) else {
            return;
        };
        let mut words: Vec<String> = entropy.to_mnemonic().words().map(str::to_string).collect();
        let at = usize::from(rest[len]) % words.len();
        if rest[len + 1] % 4 == 0 {
            words[at] = WORDS[usize::from(rest[len + 1]) * 8 % WORDS.len()].to_string();
        }
        words
    };
    match Mnemonic::from_words(&words) {
        Ok(mnemonic) => {
            let entropy = mnemonic.entropy();
            let again = Entropy::new(entropy.expose_secret()).expect("parsed entropy is valid");
            assert!(again
                .to_mnemonic()
                .words()
                .eq(words.iter().map(String::as_str)));
        }
        Err(Bip39Error::UnknownWord { number }) => {
            assert!((1..=words.len()).contains(&number));
        }
        Err(_) => {}
    }
});
