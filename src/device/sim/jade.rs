//! The simulated Jade: its CBOR-RPC methods, as the firmware answers them.
//!
//! It answers the calls clients make first (`get_version_info` with the fields HWI
//! reads, `add_entropy`, `auth_user`, `ping`, `set_epoch`, `logout`), then `get_xpub`,
//! `sign_message` and, on a debug build, `debug_set_mnemonic` with a `seed`. A locked
//! wallet's `auth_user` asks for the PIN server, as the firmware does.
//!
//! Invariants:
//! - Requests are decoded by the same bounded codec as replies ([`Decoder`]); a request
//!   that does not decode, or lacks an `id` or `method`, gets Jade's `"00"` error reply,
//!   never a panic.
//! - Debug methods exist only when the configuration says it is a debug build.

use bitcoin::bip32::{ChildNumber, DerivationPath};
use ciborium::Value;

use super::{parse_signmessage, Act, Device, SimState};
use crate::bip32::Network;
use crate::device::cbor::{self, map, text, Decoder, Message};
use crate::device::jade::code;
use crate::slip39::MasterSecret;

impl SimState {
    fn jade(self) -> &'static str {
        match self {
            SimState::Uninit => "UNINIT",
            SimState::Locked => "LOCKED",
            SimState::Ready => "READY",
            SimState::Temp => "TEMP",
        }
    }
}

fn err_reply(id: &str, code: i64, message: &str) -> Value {
    map(vec![
        ("id", text(id)),
        (
            "error",
            map(vec![
                ("code", Value::Integer(code.into())),
                ("message", text(message)),
                ("data", Value::Null),
            ]),
        ),
    ])
}

fn ok_reply(id: &str, result: Value) -> Value {
    map(vec![("id", text(id)), ("result", result)])
}

fn parse_network(v: Option<&Value>) -> Result<Network, &'static str> {
    match v {
        Some(Value::Text(n)) => match n.as_str() {
            "mainnet" | "liquid" => Ok(Network::Bitcoin),
            "testnet" | "testnet-liquid" | "localtest" | "localtest-liquid" => Ok(Network::Testnet),
            _ => Err("Invalid network"),
        },
        _ => Err("Expecting parameters map"),
    }
}

fn parse_path(v: Option<&Value>) -> Result<DerivationPath, &'static str> {
    let Some(Value::Array(items)) = v else {
        return Err("Failed to extract valid path from parameters");
    };
    if items.len() > 16 {
        return Err("Failed to extract valid path from parameters");
    }
    let mut children = Vec::with_capacity(items.len());
    for item in items {
        let Value::Integer(i) = item else {
            return Err("Failed to extract valid path from parameters");
        };
        let n = u32::try_from(i128::from(*i))
            .map_err(|_| "Failed to extract valid path from parameters")?;
        children.push(ChildNumber::from(n));
    }
    Ok(DerivationPath::from(children))
}

fn parse_message_file(file: &str) -> Option<(DerivationPath, String)> {
    parse_signmessage(file.strip_prefix("signmessage ")?)
}

impl Device {
    fn version_info(&self) -> Value {
        let debug = self.config.debug_build;
        map(vec![
            (
                "JADE_VERSION",
                text(if debug {
                    "1.0.36-keyrite-sim-dbg"
                } else {
                    "1.0.36-keyrite-sim"
                }),
            ),
            ("JADE_OTA_MAX_CHUNK", Value::Integer(4096.into())),
            ("JADE_CONFIG", text("NORADIO")),
            ("BOARD_TYPE", text("KEYRITE_SIMULATOR")),
            ("JADE_FEATURES", text(if debug { "DEV" } else { "SB" })),
            ("IDF_VERSION", text("v5.1.2")),
            ("CHIP_FEATURES", text("32000000")),
            // A MAC from the range RFC 7042 reserves for documentation.
            ("EFUSEMAC", text("00005E005301")),
            ("BATTERY_STATUS", Value::Integer(0.into())),
            ("JADE_STATE", text(self.state.jade())),
            ("JADE_NETWORKS", text("ALL")),
            (
                "JADE_HAS_PIN",
                Value::Bool(matches!(self.state, SimState::Locked | SimState::Ready)),
            ),
        ])
    }

    /// The reply to one Jade request.
    fn jade(&mut self, msg: &Message) -> Value {
        let Some(Value::Text(id)) = msg.get("id") else {
            return err_reply("00", code::INVALID_REQUEST, "Invalid RPC request message");
        };
        let id = id.clone();
        let Some(Value::Text(method)) = msg.get("method") else {
            return err_reply(&id, code::INVALID_REQUEST, "Invalid RPC request message");
        };
        if id.is_empty() || id.len() > 15 || method.len() > 31 {
            return err_reply("00", code::INVALID_REQUEST, "Invalid RPC request message");
        }
        let params = msg.get("params");
        let param = |k: &str| params.and_then(|p| cbor::map_get(p, k));
        let bad = |m: &str| err_reply(&id, code::BAD_PARAMETERS, m);
        let locked = |s: SimState| match s {
            SimState::Uninit => err_reply(&id, code::HW_LOCKED, "Jade is uninitialised"),
            _ => err_reply(
                &id,
                code::HW_LOCKED,
                "Cannot process message - Jade is locked",
            ),
        };
        match method.as_str() {
            "ping" => ok_reply(&id, Value::Integer(0.into())),
            "get_version_info" => ok_reply(&id, self.version_info()),
            "add_entropy" => match param("entropy") {
                Some(Value::Bytes(_)) => ok_reply(&id, Value::Bool(true)),
                _ => bad("Failed to extract entropy from parameters"),
            },
            "set_epoch" => ok_reply(&id, Value::Bool(true)),
            "logout" => {
                if self.ready() {
                    self.state = if self.state == SimState::Temp {
                        SimState::Uninit
                    } else {
                        SimState::Locked
                    };
                }
                ok_reply(&id, Value::Bool(true))
            }
            "auth_user" => {
                if let Err(m) = parse_network(param("network")) {
                    return bad(m);
                }
                match self.state {
                    SimState::Ready | SimState::Temp => ok_reply(&id, Value::Bool(true)),
                    SimState::Locked => ok_reply(
                        &id,
                        map(vec![(
                            "http_request",
                            map(vec![
                                (
                                    "params",
                                    map(vec![
                                        (
                                            "urls",
                                            Value::Array(vec![
                                                text("https://jadepin.blockstream.com/start_handshake"),
                                                text("http://mrrxtq6tjpbnbm7vh5jt6mpjctn7ggyfy5wegvbeff3x7jrznqawlmid.onion/start_handshake"),
                                            ]),
                                        ),
                                        ("method", text("POST")),
                                        ("accept", text("json")),
                                        ("data", text("")),
                                    ]),
                                ),
                                ("on-reply", text("handshake_init")),
                            ]),
                        )]),
                    ),
                    SimState::Uninit => locked(SimState::Uninit),
                }
            }
            "get_xpub" => {
                if !self.ready() {
                    return locked(self.state);
                }
                let network = match parse_network(param("network")) {
                    Ok(n) => n,
                    Err(m) => return bad(m),
                };
                let path = match parse_path(param("path")) {
                    Ok(p) => p,
                    Err(m) => return bad(m),
                };
                match self.xpub(network, &path) {
                    Ok(x) => ok_reply(&id, text(&x)),
                    Err(m) => err_reply(&id, code::INTERNAL_ERROR, &m),
                }
            }
            "sign_message" => {
                if !self.ready() {
                    return locked(self.state);
                }
                if param("ae_host_commitment").is_some() {
                    return bad("Anti-exfil signatures are not supported by this simulator");
                }
                let (path, msg) = match (param("message_file"), param("message")) {
                    (Some(Value::Text(file)), _) => match parse_message_file(file) {
                        Some(x) => x,
                        None => return bad("Failed to parse message file"),
                    },
                    (None, Some(Value::Text(m))) => match parse_path(param("path")) {
                        Ok(p) => (p, m.clone()),
                        Err(m) => return bad(m),
                    },
                    _ => return bad("Failed to extract message from parameters"),
                };
                match self.sign(&path, &msg) {
                    Ok(sig) => ok_reply(&id, text(&sig)),
                    Err(m) => err_reply(&id, code::INTERNAL_ERROR, &m),
                }
            }
            "debug_set_mnemonic" if self.config.debug_build => match param("seed") {
                Some(Value::Bytes(seed)) => match MasterSecret::new(seed) {
                    Ok(s) => {
                        self.seed = Some(s);
                        self.state = SimState::Temp;
                        ok_reply(&id, Value::Bool(true))
                    }
                    Err(_) => bad("Invalid seed length"),
                },
                _ => bad("This simulator loads a `seed`, not a BIP-39 mnemonic"),
            },
            "debug_clean_reset" if self.config.debug_build => {
                self.seed = None;
                self.state = SimState::Uninit;
                ok_reply(&id, Value::Bool(true))
            }
            _ => err_reply(&id, code::UNKNOWN_METHOD, "Unknown method"),
        }
    }
}

/// Decodes the requests in `bytes` (after what `decoder` kept from earlier reads) and
/// answers each; returns what to do.
pub(super) fn feed(decoder: &mut Decoder, device: &mut Device, bytes: &[u8]) -> Vec<Act> {
    let mut acts = Vec::new();
    decoder.push(bytes);
    loop {
        let reply = match decoder.next_message() {
            Ok(Some(msg)) => device.jade(&msg),
            Ok(None) => break,
            Err(_) => err_reply("00", code::INVALID_REQUEST, "Invalid RPC request message"),
        };
        acts.extend(device.deliver(cbor::encode(&reply)));
        if acts.contains(&Act::HangUp) {
            break;
        }
    }
    acts
}
