//! The simulated Specter-DIY: its text commands `fingerprint`, `xpub` and `signmessage`.
//!
//! Each command line is acknowledged with `ACK` and answered with one response line,
//! `error: <why>` on failure, as the firmware does.
//!
//! Invariants:
//! - A command line is bounded by [`MAX_LINE`]: the excess of a longer one is dropped.
//! - A wallet that is not ready answers `error: Device is busy`, never a key.

use std::str::FromStr;

use bitcoin::bip32::DerivationPath;

use super::{parse_signmessage, Act, Device};
use crate::bip32::Network;
use crate::device::specter::MAX_LINE;

impl Device {
    /// The response line to one Specter-DIY command.
    fn specter(&mut self, line: &str) -> String {
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        if !matches!(word, "fingerprint" | "xpub" | "signmessage") {
            return format!("error: Unknown command: \"{word}\"");
        }
        if !self.ready() {
            return "error: Device is busy".to_string();
        }
        match word {
            "fingerprint" => self
                .fingerprint()
                .unwrap_or_else(|| "error: Device is busy".to_string()),
            "xpub" => match DerivationPath::from_str(rest.trim()) {
                Ok(path) => self
                    .xpub(Network::Bitcoin, &path)
                    .unwrap_or_else(|e| format!("error: {e}")),
                Err(_) => format!("error: Invalid path: \"{}\"", rest.trim()),
            },
            _ => match parse_signmessage(rest) {
                Some((path, msg)) => self
                    .sign(&path, &msg)
                    .unwrap_or_else(|e| format!("error: {e}")),
                None => "error: Invalid message".to_string(),
            },
        }
    }
}

/// Gathers command lines from `bytes` (a partial line waits in `pending`) and answers
/// each complete one; returns what to do.
pub(super) fn feed(pending: &mut Vec<u8>, device: &mut Device, bytes: &[u8]) -> Vec<Act> {
    let mut acts = Vec::new();
    for &b in bytes {
        if b != b'\r' && b != b'\n' {
            if pending.len() < MAX_LINE {
                pending.push(b);
            }
            continue;
        }
        if pending.is_empty() {
            continue;
        }
        let line = String::from_utf8_lossy(&std::mem::take(pending)).into_owned();
        let response = device.specter(&line);
        let mut out = b"ACK\r\n".to_vec();
        out.extend_from_slice(response.as_bytes());
        out.extend_from_slice(b"\r\n");
        acts.extend(device.deliver(out));
        if acts.contains(&Act::HangUp) {
            break;
        }
    }
    acts
}
