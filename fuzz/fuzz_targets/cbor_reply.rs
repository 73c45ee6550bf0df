//! Jade's CBOR replies: the stream codec `keyrite::device::cbor::Decoder` (and `scan`),
//! then a `keyrite::device::jade::Jade` driven through every `Wallet` method over a link
//! that plays back the input as what the device sends.
//!
//! Input: byte 0 sets the read size (1 to 4033 bytes), byte 1 the decoder's limit (small
//! limits reach the oversize paths), the rest is the device's byte stream. In the
//! stream, `??????` stands for the id of the request just sent (Jade's ids change each
//! session), so `{"id": "??????", "result": ...}` answers the current call.
//!
//! Properties beyond "no panic":
//! - `scan` never claims more bytes than it was given, or than the limit;
//! - every message is a map of at most `limit` bytes, and its raw bytes decode to it;
//! - after `next_message` returns `None`, less than `limit` bytes are buffered;
//! - without errors, a stream decodes to the same messages whole and in chunks;
//! - a fingerprint is 8 lowercase hex digits; a signature that `message::verify`
//!   accepts is 65 bytes of base64.
#![no_main]

use std::str::FromStr;
use std::time::Duration;

use bitcoin::bip32::DerivationPath;
use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use keyrite::bip32::Network;
use keyrite::device::cbor::{scan, Decoder, Message, Scan, MAX_MESSAGE};
use keyrite::device::jade::Jade;
use keyrite::device::message;
use keyrite::device::{Timeouts, Wallet};
use libfuzzer_sys::fuzz_target;

#[path = "common/link.rs"]
mod link;

/// Decodes `stream` pushed `chunk` bytes at a time; `None` if the decoder failed.
fn decode(stream: &[u8], chunk: usize, limit: usize) -> Option<Vec<Message>> {
    let mut decoder = Decoder::new(limit);
    let mut out = Vec::new();
    let mut failed = false;
    for piece in stream.chunks(chunk.max(1)) {
        decoder.push(piece);
        loop {
            match decoder.next_message() {
                Ok(Some(m)) => {
                    assert!(m.raw.len() <= limit, "a message above the limit");
                    assert!(matches!(m.value, ciborium::Value::Map(_)));
                    let again: ciborium::Value = ciborium::from_reader(m.raw.as_slice())
                        .expect("a message's raw bytes decode");
                    // Compared as encoded: a NaN is not equal to itself.
                    assert_eq!(
                        keyrite::device::cbor::encode(&again),
                        keyrite::device::cbor::encode(&m.value)
                    );
                    let _ = m.get("id");
                    out.push(m);
                }
                Ok(None) => {
                    assert!(
                        decoder.buffered() < limit,
                        "{} bytes buffered with a limit of {limit}",
                        decoder.buffered()
                    );
                    break;
                }
                Err(e) => {
                    let _ = e.to_string();
                    failed = true;
                    break;
                }
            }
        }
    }
    let _ = decoder.take_skipped();
    (!failed).then_some(out)
}

fn device_key() -> PublicKey {
    let secret = SecretKey::from_slice(&[0x42; 32]).expect("a valid secret key");
    PublicKey::from_secret_key(&Secp256k1::signing_only(), &secret)
}

fn drive(stream: &[u8], chunk: usize) {
    let link = link::FuzzLink::new(stream, chunk);
    let timeouts = Timeouts {
        reply: Duration::from_millis(1),
        confirm: Duration::from_millis(1),
    };
    let mut jade = Jade::new(Box::new(link), timeouts, Some("fuzz".to_string()));
    let path = DerivationPath::from_str("m/84h/0h/0h").expect("a valid path");
    let _ = jade.driver();
    let _ = jade.port();
    if let Ok(identity) = jade.identify() {
        let _ = format!("{identity:?}");
    }
    if let Err(e) = jade.unlock(Network::Testnet) {
        let _ = keyrite::error_chain(&e);
        let _ = e.retryable();
    }
    if let Ok(fp) = jade.fingerprint(Network::Bitcoin) {
        assert!(
            fp.len() == 8
                && fp
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
            "fingerprint `{fp}` is not 8 lowercase hex digits"
        );
    }
    let _ = jade.xpub(Network::Testnet, &path);
    if let Ok(signature) = jade.sign_message(&path, "keyrite fuzz") {
        if message::verify(&device_key(), "keyrite fuzz", &signature).is_ok() {
            let bytes = message::base64_decode(signature.trim()).expect("verified base64");
            assert_eq!(bytes.len(), 65);
        }
        if let Some(bytes) = message::base64_decode(&signature) {
            assert_eq!(
                message::base64_decode(&message::base64_encode(&bytes)).as_deref(),
                Some(bytes.as_slice())
            );
        }
    }
    let _ = jade.load_seed(&[7u8; 64], true);
    let _ = jade.call("ping", None, Duration::from_millis(1));
    for exchange in jade.take_exchanges() {
        assert_eq!(exchange.reply_sha256.len(), 64);
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let chunk = 1 + usize::from(data[0] % 64) * 64;
    let limit = match data[1] {
        0..=63 => 16 + usize::from(data[1]) * 8,
        _ => MAX_MESSAGE,
    };
    let stream = &data[2..];

    match scan(stream, limit) {
        Scan::Complete(n) => assert!(n <= stream.len() && n <= limit, "scan claimed {n} bytes"),
        Scan::Incomplete | Scan::Invalid | Scan::TooLarge => {}
    }

    let whole = decode(stream, stream.len().max(1), limit);
    let chunked = decode(stream, chunk, limit);
    if let (Some(whole), Some(chunked)) = (&whole, &chunked) {
        let whole: Vec<&[u8]> = whole.iter().map(|m| m.raw.as_slice()).collect();
        let chunked: Vec<&[u8]> = chunked.iter().map(|m| m.raw.as_slice()).collect();
        assert_eq!(
            whole, chunked,
            "the stream decodes differently in chunks of {chunk}"
        );
    }

    drive(stream, chunk);
});
