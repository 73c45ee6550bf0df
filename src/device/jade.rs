//! Blockstream Jade: CBOR-RPC over a serial port or TCP, as jadepy speaks it.
//!
//! A request is a CBOR map `{id, method, params}`; the reply is `{id, result}` or `{id,
//! error: {code, message, data}}`, with the same `id` (or `"00"` when Jade could not
//! read the request at all). Messages follow each other with no framing; `{log: ...}`
//! maps may come in between and are skipped, as are stale replies to earlier ids.
//!
//! Unlocking follows only the offline paths: a wallet that is `READY` or `TEMP` answers
//! `auth_user` with `true` at once; a locked one asks for its PIN server (an
//! `http_request` result), which a ceremony cannot reach, and that is reported as such.
//!
//! Invariants:
//! - Each reply's method and SHA-256 are kept as an [`Exchange`]; parameters never are.
//! - A request that carries a secret (`debug_set_mnemonic`) is encoded into a zeroizing
//!   buffer and its value is wiped after encoding; it is sent only when the caller passes
//!   `allow_debug_load`.
//! - Device errors map to [`DeviceError::Rpc`] with what the code means and what to do.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::{Duration, Instant};

use bitcoin::bip32::{ChildNumber, DerivationPath, Xpub};
use ciborium::Value;
use zeroize::{Zeroize, Zeroizing};

use super::cbor::{self, map, text, CodecError, Decoder, Message};
use super::transport::{Got, Link};
use super::{
    jade_network, path_numbers, DeviceError, DeviceIdentity, Driver, Exchange, Timeouts, Wallet,
};
use crate::bip32::Network;

/// Jade's RPC error codes (`main/utils/cbor_rpc.h`).
pub mod code {
    /// The request is not a valid RPC message.
    pub const INVALID_REQUEST: i64 = -32600;
    /// The firmware has no such method.
    pub const UNKNOWN_METHOD: i64 = -32601;
    /// The parameters are wrong.
    pub const BAD_PARAMETERS: i64 = -32602;
    /// The device failed internally.
    pub const INTERNAL_ERROR: i64 = -32603;
    /// The user cancelled on the device.
    pub const USER_CANCELLED: i64 = -32000;
    /// The message sequence was wrong.
    pub const PROTOCOL_ERROR: i64 = -32001;
    /// The device is locked or has no wallet.
    pub const HW_LOCKED: i64 = -32002;
    /// The wallet is locked to another network.
    pub const NETWORK_MISMATCH: i64 = -32003;
}

/// What an RPC error code means, and what to do.
pub fn error_hint(code: i64, method: &str) -> String {
    match code {
        code::USER_CANCELLED => "it was cancelled on the device (someone pressed Cancel or Reject, or the screen timed out); retry and confirm on the device".to_string(),
        code::PROTOCOL_ERROR => "the device lost track of the conversation; unplug it, plug it back in and retry".to_string(),
        code::HW_LOCKED => "the device is locked or has no wallet; unlock it with its PIN, or use Recovery Phrase Login (temporary wallet) on the device, then retry".to_string(),
        code::NETWORK_MISMATCH => "the device's wallet is locked to another network (mainnet or testnet); set the step's `network` to the device's, or use a wallet made for this network".to_string(),
        code::INVALID_REQUEST => "the device found keyrite's request malformed; check that this is a Jade and that its firmware is current".to_string(),
        code::UNKNOWN_METHOD => format!("this firmware has no `{method}`; update the firmware{}", if method.starts_with("debug_") { ", or use a debug build (debug methods exist only there)" } else { "" }),
        code::BAD_PARAMETERS => "the device rejected the request's parameters; check the step's `path`, `network` and `message`".to_string(),
        code::INTERNAL_ERROR => "the device failed internally; restart it and retry".to_string(),
        _ => "an error code keyrite does not know; read the device's screen and check its firmware version".to_string(),
    }
}

/// Wipes the bytes and text inside a CBOR value (best effort).
pub fn wipe(value: &mut Value) {
    match value {
        Value::Bytes(b) => b.zeroize(),
        Value::Text(t) => t.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(wipe),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            wipe(k);
            wipe(v)
        }),
        Value::Tag(_, inner) => wipe(inner),
        _ => {}
    }
}

/// A Jade.
pub struct Jade {
    link: Box<dyn Link>,
    decoder: Decoder,
    timeouts: Timeouts,
    next_id: u32,
    exchanges: Vec<Exchange>,
    usb_serial: Option<String>,
    state: Option<String>,
}

fn as_text(v: Option<&Value>) -> Option<String> {
    match v {
        Some(Value::Text(t)) => Some(t.clone()),
        _ => None,
    }
}

fn display(v: &Value) -> String {
    match v {
        Value::Text(t) => t.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Integer(i) => i128::from(*i).to_string(),
        Value::Bytes(b) => hex::encode(b),
        Value::Null => "null".to_string(),
        other => format!("{other:?}"),
    }
}

impl Jade {
    /// A Jade on `link`.
    pub fn new(link: Box<dyn Link>, timeouts: Timeouts, usb_serial: Option<String>) -> Jade {
        // Ids start somewhere new each session, so a stale reply is never taken for ours.
        let start = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_micros());
        Jade {
            link,
            decoder: Decoder::default(),
            timeouts,
            next_id: 100_000 + start % 800_000,
            exchanges: Vec::new(),
            usb_serial,
            state: None,
        }
    }

    /// Sends `method` with `params` and waits up to `timeout` for its result.
    pub fn call(
        &mut self,
        method: &str,
        params: Option<Value>,
        timeout: Duration,
    ) -> Result<Value, DeviceError> {
        let id = self.next_id.to_string();
        self.next_id = self.next_id.wrapping_add(1).max(100_000);
        let mut entries = vec![("id", text(&id)), ("method", text(method))];
        if let Some(p) = params {
            entries.push(("params", p));
        }
        let mut request = map(entries);
        let bytes = Zeroizing::new(cbor::encode(&request));
        wipe(&mut request);
        self.link.clear_input();
        self.decoder.clear();
        self.decoder.take_skipped();
        self.link
            .write_all(&bytes, Instant::now() + self.timeouts.reply.max(timeout))?;
        drop(bytes);
        self.await_reply(&id, method, timeout)
    }

    fn await_reply(
        &mut self,
        id: &str,
        method: &str,
        timeout: Duration,
    ) -> Result<Value, DeviceError> {
        let deadline = Instant::now() + timeout;
        let mut buf = [0u8; 4096];
        let mut skipped = 0usize; // garbage and replies to other ids
        let mut logs = 0usize;
        loop {
            loop {
                let msg = match self.decoder.next_message() {
                    Ok(Some(m)) => m,
                    Ok(None) => break,
                    Err(CodecError::Oversized { limit }) => {
                        return Err(DeviceError::Oversized {
                            port: self.link.name().to_string(),
                            method: method.to_string(),
                            limit,
                        })
                    }
                };
                let reply_id = as_text(msg.get("id"));
                match reply_id.as_deref() {
                    Some(r) if r == id || (r == "00" && msg.get("error").is_some()) => {
                        skipped += self.decoder.take_skipped();
                        self.exchanges
                            .push(Exchange::new(method, &msg.raw, skipped + logs));
                        return self.result_of(method, &msg);
                    }
                    None if msg.get("log").is_some() => logs += msg.raw.len(),
                    _ => skipped += msg.raw.len(),
                }
            }
            match self.link.read(&mut buf, deadline)? {
                Got::Data(n) => self.decoder.push(&buf[..n]),
                Got::Nothing => {
                    let garbage = skipped + self.decoder.take_skipped();
                    let partial = self.decoder.buffered();
                    let port = self.link.name().to_string();
                    return Err(if garbage > 0 && partial == 0 {
                        DeviceError::GarbageReply {
                            port,
                            method: method.to_string(),
                            skipped: garbage,
                        }
                    } else {
                        DeviceError::Timeout {
                            port,
                            method: method.to_string(),
                            seconds: timeout.as_secs().max(1),
                            partial,
                        }
                    });
                }
            }
        }
    }

    fn protocol(&self, method: &str, problem: impl Into<String>) -> DeviceError {
        DeviceError::Protocol {
            port: self.link.name().to_string(),
            method: method.to_string(),
            problem: problem.into(),
        }
    }

    fn result_of(&self, method: &str, msg: &Message) -> Result<Value, DeviceError> {
        match (msg.get("result"), msg.get("error")) {
            (Some(result), None) => Ok(result.clone()),
            (None, Some(error)) => {
                let code = match cbor::map_get(error, "code") {
                    Some(Value::Integer(i)) => i64::try_from(i128::from(*i)).unwrap_or(0),
                    _ => return Err(self.protocol(method, "an error without a numeric `code`")),
                };
                let message = as_text(cbor::map_get(error, "message")).unwrap_or_default();
                Err(DeviceError::Rpc {
                    method: method.to_string(),
                    code,
                    message,
                    hint: error_hint(code, method),
                })
            }
            (Some(_), Some(_)) => {
                Err(self.protocol(method, "a reply with both `result` and `error`"))
            }
            (None, None) => Err(self.protocol(method, "a reply with neither `result` nor `error`")),
        }
    }

    /// `get_version_info`: every field, as text.
    pub fn version_info(&mut self) -> Result<BTreeMap<String, String>, DeviceError> {
        let result = self.call("get_version_info", None, self.timeouts.reply)?;
        let Value::Map(entries) = &result else {
            return Err(self.protocol("get_version_info", "the result is not a map"));
        };
        let mut out = BTreeMap::new();
        for (k, v) in entries {
            if let Value::Text(k) = k {
                out.insert(k.clone(), display(v));
            }
        }
        for key in ["JADE_VERSION", "JADE_STATE"] {
            if !out.contains_key(key) {
                return Err(self.protocol("get_version_info", format!("no `{key}` field")));
            }
        }
        self.state = out.get("JADE_STATE").cloned();
        Ok(out)
    }

    /// `auth_user` for `network`: `true` for an unlocked or temporary wallet.
    pub fn auth_user(&mut self, network: Network) -> Result<(), DeviceError> {
        let epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let params = map(vec![
            ("network", text(jade_network(network))),
            ("epoch", Value::Integer(epoch.into())),
        ]);
        // A locked device asks for its PIN first: allow time for that.
        match self.call("auth_user", Some(params), self.timeouts.confirm)? {
            Value::Bool(true) => Ok(()),
            Value::Bool(false) => Err(DeviceError::NotUnlocked),
            v if cbor::map_get(&v, "http_request").is_some() => Err(DeviceError::NeedsPinServer),
            _ => Err(self.protocol(
                "auth_user",
                "a result that is neither a boolean nor an `http_request`",
            )),
        }
    }

    fn text_result(&self, method: &str, v: Value) -> Result<String, DeviceError> {
        match v {
            Value::Text(t) => Ok(t),
            _ => Err(self.protocol(method, "the result is not text")),
        }
    }
}

impl Wallet for Jade {
    fn driver(&self) -> Driver {
        Driver::Jade
    }

    fn port(&self) -> &str {
        self.link.name()
    }

    fn identify(&mut self) -> Result<DeviceIdentity, DeviceError> {
        let info = self.version_info()?;
        Ok(DeviceIdentity {
            driver: Driver::Jade.name(),
            port: self.link.name().to_string(),
            board: info.get("BOARD_TYPE").cloned(),
            firmware: info.get("JADE_VERSION").cloned(),
            state: info.get("JADE_STATE").cloned(),
            networks: info.get("JADE_NETWORKS").cloned(),
            config: info.get("JADE_CONFIG").cloned(),
            mac: info.get("EFUSEMAC").cloned(),
            usb_serial: self.usb_serial.clone(),
            fields: info.into_iter().collect(),
        })
    }

    fn unlock(&mut self, network: Network) -> Result<(), DeviceError> {
        if self.state.is_none() {
            self.version_info()?;
        }
        let state = self.state.clone().unwrap_or_default();
        match state.as_str() {
            "UNINIT" | "UNSAVED" => return Err(DeviceError::NoWallet { state }),
            _ => {}
        }
        let mut entropy = Zeroizing::new([0u8; 32]);
        getrandom::fill(entropy.as_mut()).map_err(|e| DeviceError::Entropy {
            problem: e.to_string(),
        })?;
        let params = map(vec![("entropy", Value::Bytes(entropy.to_vec()))]);
        self.call("add_entropy", Some(params), self.timeouts.reply)?;
        self.auth_user(network)
    }

    fn fingerprint(&mut self, network: Network) -> Result<String, DeviceError> {
        // As HWI does: the parent fingerprint of the xpub at m/0h is the master's.
        let path = DerivationPath::from(vec![ChildNumber::Hardened { index: 0 }]);
        let xpub = self.xpub(network, &path)?;
        let key = Xpub::from_str(&xpub)
            .map_err(|e| self.protocol("get_xpub", format!("`{xpub}` is not an xpub: {e}")))?;
        Ok(key.parent_fingerprint.to_string())
    }

    fn xpub(&mut self, network: Network, path: &DerivationPath) -> Result<String, DeviceError> {
        let numbers = path_numbers(path)
            .into_iter()
            .map(|n| Value::Integer(n.into()))
            .collect();
        let params = map(vec![
            ("network", text(jade_network(network))),
            ("path", Value::Array(numbers)),
        ]);
        let v = self.call("get_xpub", Some(params), self.timeouts.reply)?;
        self.text_result("get_xpub", v)
    }

    fn sign_message(
        &mut self,
        path: &DerivationPath,
        message: &str,
    ) -> Result<String, DeviceError> {
        let numbers = path_numbers(path)
            .into_iter()
            .map(|n| Value::Integer(n.into()))
            .collect();
        let params = map(vec![
            ("path", Value::Array(numbers)),
            ("message", text(message)),
        ]);
        let v = self.call("sign_message", Some(params), self.timeouts.confirm)?;
        self.text_result("sign_message", v)
    }

    fn load_seed(&mut self, seed: &[u8], allow_debug_load: bool) -> Result<(), DeviceError> {
        if !allow_debug_load {
            return Err(DeviceError::DebugLoadRefused);
        }
        let params = map(vec![("seed", Value::Bytes(seed.to_vec()))]);
        match self.call("debug_set_mnemonic", Some(params), self.timeouts.reply)? {
            Value::Bool(true) => {
                self.state = Some("TEMP".to_string());
                Ok(())
            }
            _ => Err(self.protocol("debug_set_mnemonic", "the result is not `true`")),
        }
    }

    fn take_exchanges(&mut self) -> Vec<Exchange> {
        std::mem::take(&mut self.exchanges)
    }
}
