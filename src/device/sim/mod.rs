//! A simulator of Jade and Specter-DIY, for tests, benchmarks and rehearsals without a
//! device: a [`Simulator`] serves it on a pseudo-terminal or on TCP (`serve.rs`), and the
//! device answers as Jade (`jade.rs`) or Specter-DIY (`specter.rs`) would.
//!
//! The wallet is a secret used as the BIP-32 seed, so its fingerprints agree with
//! [`crate::bip32::identity`]. This module holds what both protocols share: the
//! configuration, the simulated device's wallet and request count, and the faults.
//!
//! Faults for tests ([`Faults`]): a delay before replies, boot noise before replies or
//! instead of them, replies split into small pieces, `{log: ...}` maps, a hang-up halfway
//! through a reply, and a wrong wallet (another seed).
//!
//! Invariants:
//! - The simulator never panics on client bytes: requests go through the same bounded
//!   codec as replies, and malformed ones get Jade's `"00"` error reply.
//! - The secret lives in a [`MasterSecret`] (zeroized on drop) in the serving thread;
//!   stopping the simulator (dropping [`Simulator`]) joins the thread and wipes it.
//!   `SimConfig`'s `Debug` redacts the secret. Keys derived to sign are erased after use.

mod jade;
mod serve;
mod specter;

use std::str::FromStr;
use std::time::Duration;

use bitcoin::bip32::{DerivationPath, Xpriv};
use bitcoin::secp256k1::Secp256k1;
use ciborium::Value;
use sha2::Digest as _;
use zeroize::Zeroizing;

use super::cbor::{self, map};
use super::message::{self, base64_decode};
use super::{DeviceError, Driver};
use crate::bip32::{identity, Network};
use crate::slip39::MasterSecret;

pub use serve::Simulator;

/// The wallet state a simulated Jade reports (`JADE_STATE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SimState {
    /// No wallet: only a debug load can give it one.
    Uninit,
    /// A wallet protected by a PIN and the PIN server: `auth_user` asks for the server.
    Locked,
    /// Unlocked.
    Ready,
    /// A temporary wallet (Recovery Phrase Login).
    Temp,
}

/// Faults to inject.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    /// Wait this long before each reply.
    pub delay: Duration,
    /// Apply delay, noise, garbage replies, splitting and logs only to the first N
    /// requests of the simulator's life (`None`: to all).
    pub only_first: Option<usize>,
    /// Boot noise before each reply.
    pub garbage: bool,
    /// Boot noise instead of each reply.
    pub garbage_reply: bool,
    /// Replies written in pieces of a few bytes, with pauses.
    pub split: bool,
    /// `{log: ...}` maps before each reply (Jade).
    pub log_maps: bool,
    /// Hang up halfway through the reply to request N (1-based), once.
    pub hangup_at: Option<usize>,
    /// Answer for another wallet than the configured secret.
    pub wrong_wallet: bool,
}

/// What to simulate.
#[derive(Clone)]
pub struct SimConfig {
    /// The protocol.
    pub driver: Driver,
    /// The wallet state at start.
    pub state: SimState,
    /// The secret used as the BIP-32 seed (`None` only with [`SimState::Uninit`]).
    pub secret: Option<Zeroizing<Vec<u8>>>,
    /// Whether debug methods (`debug_set_mnemonic`) exist, as on a debug build.
    pub debug_build: bool,
    /// Faults to inject.
    pub faults: Faults,
}

impl std::fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimConfig")
            .field("driver", &self.driver)
            .field("state", &self.state)
            .field("secret", &self.secret.as_ref().map(|_| "[REDACTED]"))
            .field("debug_build", &self.debug_build)
            .field("faults", &self.faults)
            .finish()
    }
}

/// The boot noise an ESP32 prints on its UART at reset.
pub const NOISE: &[u8] =
    b"ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n\xff\xfe\x00";

/// What a serving loop does next.
#[derive(Debug, PartialEq, Eq)]
enum Act {
    Write(Vec<u8>),
    Sleep(Duration),
    HangUp,
}

/// The simulated device: its wallet and its request count.
struct Device {
    config: SimConfig,
    state: SimState,
    seed: Option<MasterSecret>,
    requests: usize,
    hung_up: bool,
}

fn wrong(seed: &[u8]) -> Option<MasterSecret> {
    let mut h = sha2::Sha256::new();
    h.update(b"keyrite simulator: another wallet");
    h.update(seed);
    MasterSecret::new(&h.finalize()).ok()
}

impl Device {
    fn new(mut config: SimConfig) -> Result<Device, DeviceError> {
        let seed = match config.secret.take() {
            Some(bytes) => Some(
                MasterSecret::new(&bytes).map_err(|e| DeviceError::Simulator {
                    problem: format!("the secret is not usable as a seed: {e}"),
                })?,
            ),
            None => None,
        };
        if seed.is_none() && config.state != SimState::Uninit {
            return Err(DeviceError::Simulator {
                problem: "a simulated wallet needs a secret (only state `uninit` has none)"
                    .to_string(),
            });
        }
        Ok(Device {
            state: if seed.is_none() {
                SimState::Uninit
            } else {
                config.state
            },
            config,
            seed,
            requests: 0,
            hung_up: false,
        })
    }

    /// The seed the device answers for (another one in wrong-wallet mode).
    fn wallet(&self) -> Option<MasterSecret> {
        let seed = self.seed.as_ref()?;
        if self.config.faults.wrong_wallet {
            wrong(seed.expose_secret())
        } else {
            MasterSecret::new(seed.expose_secret()).ok()
        }
    }

    /// The master fingerprint the device answers with.
    fn fingerprint(&self) -> Option<String> {
        let wallet = self.wallet()?;
        identity(&wallet, Network::Bitcoin, &DerivationPath::master())
            .ok()
            .map(|i| i.master_fingerprint)
    }

    fn ready(&self) -> bool {
        matches!(self.state, SimState::Ready | SimState::Temp)
    }

    fn xpub(&self, network: Network, path: &DerivationPath) -> Result<String, String> {
        let wallet = self.wallet().ok_or("no wallet")?;
        identity(&wallet, network, path).map(|i| i.xpub)
    }

    fn sign(&self, path: &DerivationPath, msg: &str) -> Result<String, String> {
        let wallet = self.wallet().ok_or("no wallet")?;
        let secp = Secp256k1::new();
        let mut master = Xpriv::new_master(bitcoin::NetworkKind::Main, wallet.expose_secret())
            .map_err(|e| e.to_string())?;
        let mut child = master.derive_priv(&secp, path).map_err(|e| e.to_string())?;
        let sig = message::sign(&child.private_key, msg);
        master.private_key.non_secure_erase();
        child.private_key.non_secure_erase();
        sig
    }

    /// Applies the faults to a reply and returns what to do.
    fn deliver(&mut self, reply: Vec<u8>) -> Vec<Act> {
        self.requests += 1;
        let n = self.requests;
        let f = &self.config.faults;
        let faulty = f.only_first.is_none_or(|k| n <= k);
        let mut acts = Vec::new();
        if faulty && !f.delay.is_zero() {
            acts.push(Act::Sleep(f.delay));
        }
        if faulty && f.log_maps && self.config.driver == Driver::Jade {
            acts.push(Act::Write(cbor::encode(&map(vec![(
                "log",
                Value::Bytes(format!("I ({n}) keyrite-sim: handling request {n}\n").into_bytes()),
            )]))));
        }
        if faulty && (f.garbage || f.garbage_reply) {
            let mut noise = NOISE.to_vec();
            if self.config.driver == Driver::Specter {
                // MicroPython prints whole lines.
                noise.extend_from_slice(b"\r\n");
            }
            acts.push(Act::Write(noise));
        }
        if faulty && f.garbage_reply {
            return acts;
        }
        if f.hangup_at == Some(n) && !self.hung_up {
            self.hung_up = true;
            let half = reply.len() / 2;
            acts.push(Act::Write(reply[..half].to_vec()));
            acts.push(Act::Sleep(Duration::from_millis(20)));
            acts.push(Act::HangUp);
            return acts;
        }
        if faulty && f.split {
            for (i, piece) in reply.chunks(1 + n % 5).enumerate() {
                if i > 0 {
                    acts.push(Act::Sleep(Duration::from_millis(2)));
                }
                acts.push(Act::Write(piece.to_vec()));
            }
        } else {
            acts.push(Act::Write(reply));
        }
        acts
    }
}

/// Parses `<path> ascii:<message>` or `<path> base64:<message>`: the arguments of
/// Specter-DIY's `signmessage`, which Jade's `message_file` carries too.
fn parse_signmessage(rest: &str) -> Option<(DerivationPath, String)> {
    let (path, body) = rest.trim_start().split_once(' ')?;
    let path = DerivationPath::from_str(path).ok()?;
    let msg = if let Some(m) = body.strip_prefix("ascii:") {
        m.to_string()
    } else {
        String::from_utf8(base64_decode(body.strip_prefix("base64:")?)?).ok()?
    };
    Some((path, msg))
}

/// The xpub and master fingerprint a secret gives, as the simulator answers them.
pub fn expected_xpub(
    secret: &[u8],
    network: Network,
    path: &str,
) -> Result<(String, String), String> {
    let s = MasterSecret::new(secret).map_err(|e| e.to_string())?;
    let p = crate::bip32::parse_path(path)?;
    let id = identity(&s, network, &p)?;
    Ok((id.master_fingerprint, id.xpub))
}
