//! Encrypted OpenPGP messages (an encrypted share, a protected file):
//! `keyrite::pgp::decrypt` with a demo secret key and `decrypt_with_password`, what the
//! `check_shares`, `recover` and `unprotect_file` steps run over files they are given.
//!
//! Properties beyond "no panic": a message the target encrypts to the demo key from the
//! input decrypts to the input.
#![no_main]

use std::sync::OnceLock;

use keyrite::pgp::{decrypt, decrypt_with_password, encrypt, SecretKey};
use libfuzzer_sys::fuzz_target;

const KEY: &[u8] = include_bytes!("../../ceremonies/demo/keys/custodian-1.secret.asc");

fn key() -> &'static SecretKey {
    static KEY_: OnceLock<SecretKey> = OnceLock::new();
    KEY_.get_or_init(|| SecretKey::from_bytes(KEY, None).expect("the demo key is unprotected"))
}

fuzz_target!(|data: &[u8]| {
    let key = key();
    if let Err(e) = decrypt(key, data) {
        let _ = keyrite::error_chain(&e);
    }
    if let Err(e) = decrypt_with_password("fuzz", data) {
        let _ = keyrite::error_chain(&e);
    }
    if data.len() <= 64 {
        let message = encrypt(&[key.certificate()], data).expect("encrypting to the demo key");
        let plain = decrypt(key, message.as_bytes()).expect("decrypting what was just encrypted");
        assert_eq!(plain.as_slice(), data);
    }
});
