//! Specter-DIY: plain-text commands over USB serial, as its `docs/communication.md` and
//! HWI's `specter.py` describe them.
//!
//! A query is `\r\n\r\n<command>\r\n`: the blank line first makes the device drop any
//! half-received command. The device answers `ACK\r\n` as soon as it has the line, then
//! one response line, which is `error: <why>` on failure. Commands used: `fingerprint`
//! (hex), `xpub <path>` (base58, with the device's network prefix) and
//! `signmessage <path> ascii:<message>` or `base64:<message>` (a base64 signature).
//!
//! Invariants:
//! - Lines are bounded by [`MAX_LINE`]; text that is not a reply (lines before `ACK`) is
//!   skipped and counted; the response line's method and SHA-256 are kept as an
//!   [`Exchange`].
//! - Specter-DIY has no command to load a BIP-32 seed, so [`Wallet::load_seed`] is
//!   refused.

use std::str::FromStr;
use std::time::{Duration, Instant};

use bitcoin::bip32::{DerivationPath, Xpub};

use super::message::base64_encode;
use super::transport::{Got, Link};
use super::{path_text, DeviceError, DeviceIdentity, Driver, Exchange, Timeouts, Wallet};
use crate::bip32::Network;

/// The longest line accepted from the device, in bytes.
pub const MAX_LINE: usize = 64 * 1024;

/// What a Specter-DIY error line means, and what to do.
pub fn error_hint(message: &str) -> String {
    if message.contains("cancel") {
        "it was rejected on the device; retry and confirm on the device".to_string()
    } else if message.starts_with("Unknown command") {
        "this firmware does not know the command; update Specter-DIY".to_string()
    } else if message.contains("busy") {
        "the device is busy or locked; unlock it with its PIN, go back to its main screen and retry"
            .to_string()
    } else {
        "read the device's screen; check the step's `path` and `message`".to_string()
    }
}

/// A Specter-DIY.
pub struct Specter {
    link: Box<dyn Link>,
    timeouts: Timeouts,
    exchanges: Vec<Exchange>,
    usb_serial: Option<String>,
    buf: Vec<u8>,
}

impl Specter {
    /// A Specter-DIY on `link`.
    pub fn new(link: Box<dyn Link>, timeouts: Timeouts, usb_serial: Option<String>) -> Specter {
        Specter {
            link,
            timeouts,
            exchanges: Vec::new(),
            usb_serial,
            buf: Vec::new(),
        }
    }

    fn protocol(&self, command: &str, problem: impl Into<String>) -> DeviceError {
        DeviceError::Protocol {
            port: self.link.name().to_string(),
            method: command.to_string(),
            problem: problem.into(),
        }
    }

    /// The next line (without its end), or `None` at the deadline.
    fn line(&mut self, command: &str, deadline: Instant) -> Result<Option<Vec<u8>>, DeviceError> {
        let mut chunk = [0u8; 1024];
        loop {
            if let Some(end) = self.buf.iter().position(|b| *b == b'\n' || *b == b'\r') {
                let line: Vec<u8> = self.buf.drain(..=end).take(end).collect();
                return Ok(Some(line));
            }
            if self.buf.len() > MAX_LINE {
                self.buf.clear();
                return Err(DeviceError::Oversized {
                    port: self.link.name().to_string(),
                    method: command.to_string(),
                    limit: MAX_LINE,
                });
            }
            match self.link.read(&mut chunk, deadline)? {
                Got::Data(n) => self.buf.extend_from_slice(&chunk[..n]),
                Got::Nothing => return Ok(None),
            }
        }
    }

    /// Sends `command` and returns its response line.
    pub fn query(&mut self, command: &str, timeout: Duration) -> Result<String, DeviceError> {
        let word = command.split(' ').next().unwrap_or(command).to_string();
        self.link.clear_input();
        self.buf.clear();
        let mut request = Vec::with_capacity(command.len() + 6);
        request.extend_from_slice(b"\r\n\r\n");
        request.extend_from_slice(command.as_bytes());
        request.extend_from_slice(b"\r\n");
        let start = Instant::now();
        self.link.write_all(&request, start + self.timeouts.reply)?;
        let deadline = start + timeout;
        let mut acked = false;
        let mut skipped = 0usize;
        loop {
            let Some(line) = self.line(&word, deadline)? else {
                let port = self.link.name().to_string();
                return Err(if !acked && skipped > 0 {
                    DeviceError::GarbageReply {
                        port,
                        method: word,
                        skipped,
                    }
                } else {
                    DeviceError::Timeout {
                        port,
                        method: word,
                        seconds: timeout.as_secs().max(1),
                        partial: self.buf.len(),
                    }
                });
            };
            if line.is_empty() {
                continue;
            }
            if line == b"ACK" {
                acked = true;
                continue;
            }
            if !acked {
                skipped += line.len() + 1;
                continue;
            }
            self.exchanges.push(Exchange::new(&word, &line, skipped));
            let text = String::from_utf8(line)
                .map_err(|_| self.protocol(&word, "a response line that is not UTF-8 text"))?;
            if let Some(message) = text.strip_prefix("error: ") {
                return Err(DeviceError::Specter {
                    command: word,
                    message: message.to_string(),
                    hint: error_hint(message),
                });
            }
            return Ok(text);
        }
    }
}

impl Wallet for Specter {
    fn driver(&self) -> Driver {
        Driver::Specter
    }

    fn port(&self) -> &str {
        self.link.name()
    }

    fn identify(&mut self) -> Result<DeviceIdentity, DeviceError> {
        // Specter-DIY has no version command; its USB serial number is all there is.
        Ok(DeviceIdentity {
            driver: Driver::Specter.name(),
            port: self.link.name().to_string(),
            usb_serial: self.usb_serial.clone(),
            ..DeviceIdentity::default()
        })
    }

    fn unlock(&mut self, _network: Network) -> Result<(), DeviceError> {
        // Unlocked on the device itself; a locked one answers `error: Device is busy`.
        Ok(())
    }

    fn fingerprint(&mut self, _network: Network) -> Result<String, DeviceError> {
        let fp = self
            .query("fingerprint", self.timeouts.reply)?
            .to_lowercase();
        if fp.len() == 8 && fp.chars().all(|c| c.is_ascii_hexdigit()) {
            Ok(fp)
        } else {
            Err(self.protocol("fingerprint", format!("`{fp}` is not 8 hex digits")))
        }
    }

    fn xpub(&mut self, _network: Network, path: &DerivationPath) -> Result<String, DeviceError> {
        let xpub = self.query(&format!("xpub {}", path_text(path)), self.timeouts.reply)?;
        Xpub::from_str(&xpub)
            .map_err(|e| self.protocol("xpub", format!("`{xpub}` is not an xpub: {e}")))?;
        Ok(xpub)
    }

    fn sign_message(
        &mut self,
        path: &DerivationPath,
        message: &str,
    ) -> Result<String, DeviceError> {
        let plain = message.is_ascii() && !message.contains(['\r', '\n']);
        let body = if plain {
            format!("ascii:{message}")
        } else {
            format!("base64:{}", base64_encode(message.as_bytes()))
        };
        self.query(
            &format!("signmessage {} {body}", path_text(path)),
            self.timeouts.confirm,
        )
    }

    fn load_seed(&mut self, _seed: &[u8], allow_debug_load: bool) -> Result<(), DeviceError> {
        if !allow_debug_load {
            return Err(DeviceError::DebugLoadRefused);
        }
        Err(DeviceError::Unsupported {
            driver: Driver::Specter,
            what: "load a secret: it has no command to load a BIP-32 seed; load it on the device itself".to_string(),
        })
    }

    fn take_exchanges(&mut self) -> Vec<Exchange> {
        std::mem::take(&mut self.exchanges)
    }
}
