//! Specter-DIY's text replies: a `keyrite::device::specter::Specter` driven through every
//! `Wallet` method and `query` over a link that plays back the input as what the
//! device sends (`ACK` lines, response lines, `error: ...` lines, noise).
//!
//! Input: byte 0 sets the read size (1 to 4033 bytes); the rest is the device's stream.
//!
//! Properties beyond "no panic": a fingerprint is 8 lowercase hex digits; an xpub that
//! is returned parses as one; a reply line never holds a line break.
#![no_main]

use std::str::FromStr;
use std::time::Duration;

use bitcoin::bip32::{DerivationPath, Xpub};
use keyrite::bip32::Network;
use keyrite::device::specter::Specter;
use keyrite::device::{Timeouts, Wallet};
use libfuzzer_sys::fuzz_target;

#[path = "common/link.rs"]
mod link;

fuzz_target!(|data: &[u8]| {
    let Some((&first, stream)) = data.split_first() else {
        return;
    };
    let chunk = 1 + usize::from(first % 64) * 64;
    let link = link::FuzzLink::new(stream, chunk);
    let timeouts = Timeouts {
        reply: Duration::from_millis(1),
        confirm: Duration::from_millis(1),
    };
    let mut specter = Specter::new(Box::new(link), timeouts, Some("fuzz".to_string()));
    let path = DerivationPath::from_str("m/84h/0h/0h").expect("a valid path");
    let _ = specter.identify();
    let _ = specter.unlock(Network::Bitcoin);
    if let Ok(fp) = specter.fingerprint(Network::Bitcoin) {
        assert!(
            fp.len() == 8
                && fp
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
            "fingerprint `{fp}` is not 8 lowercase hex digits"
        );
    }
    if let Ok(xpub) = specter.xpub(Network::Testnet, &path) {
        assert!(Xpub::from_str(&xpub).is_ok());
    }
    match specter.sign_message(&path, "keyrite fuzz") {
        Ok(signature) => assert!(!signature.contains(['\r', '\n'])),
        Err(e) => {
            let _ = keyrite::error_chain(&e);
        }
    }
    if let Ok(line) = specter.query("fingerprint", Duration::from_millis(1)) {
        assert!(!line.contains(['\r', '\n']));
    }
    let _ = specter.load_seed(&[7u8; 64], true);
    let _ = specter.take_exchanges();
});
