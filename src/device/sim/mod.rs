//! A simulator of Jade and Specter-DIY, served on a pseudo-terminal (opened through
//! `serialport` by path like a USB serial device) or on TCP (as Jade's QEMU emulator
//! serves its UART on port 30121, which pyserial clients such as jadepy and HWI need:
//! they cannot drive a pty, setting DTR and RTS fails there).
//!
//! The wallet is a secret used as the BIP-32 seed, so its fingerprints agree with
//! [`crate::bip32::identity`]. The Jade side answers the calls clients make
//! first (`get_version_info` with the fields HWI reads, `add_entropy`, `auth_user`,
//! `ping`, `set_epoch`, `logout`), then `get_xpub`, `sign_message` and, on a debug
//! build, `debug_set_mnemonic` with a `seed`; the Specter side answers `fingerprint`,
//! `xpub` and `signmessage`.
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
//! - A pty hang-up closes the master side and opens a fresh pair, re-pointing the link
//!   (as a device that is unplugged and plugged back in); the link is an atomic rename.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use bitcoin::bip32::{ChildNumber, DerivationPath, Xpriv};
use bitcoin::secp256k1::Secp256k1;
use ciborium::Value;
use sha2::Digest as _;
use zeroize::Zeroizing;

use super::cbor::{self, map, text, Decoder, Message};
use super::jade::code;
use super::message::{self, base64_decode};
use super::specter::MAX_LINE;
use super::{DeviceError, Driver};
use crate::bip32::{identity, Network};
use crate::slip39::MasterSecret;

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

fn parse_message_file(file: &str) -> Option<(DerivationPath, String)> {
    parse_signmessage(file.strip_prefix("signmessage ")?)
}

/// One connection's parsing state.
struct Session {
    decoder: Decoder,
    line: Vec<u8>,
}

impl Session {
    fn new() -> Session {
        Session {
            decoder: Decoder::default(),
            line: Vec::new(),
        }
    }

    fn reset(&mut self) {
        self.decoder.clear();
        self.line.clear();
    }

    /// Feeds received bytes; returns what to do.
    fn feed(&mut self, device: &mut Device, bytes: &[u8]) -> Vec<Act> {
        let mut acts = Vec::new();
        match device.config.driver {
            Driver::Jade => {
                self.decoder.push(bytes);
                loop {
                    let reply = match self.decoder.next_message() {
                        Ok(Some(msg)) => device.jade(&msg),
                        Ok(None) => break,
                        Err(_) => {
                            err_reply("00", code::INVALID_REQUEST, "Invalid RPC request message")
                        }
                    };
                    acts.extend(device.deliver(cbor::encode(&reply)));
                    if acts.contains(&Act::HangUp) {
                        break;
                    }
                }
            }
            Driver::Specter => {
                for &b in bytes {
                    if b != b'\r' && b != b'\n' {
                        if self.line.len() < MAX_LINE {
                            self.line.push(b);
                        }
                        continue;
                    }
                    if self.line.is_empty() {
                        continue;
                    }
                    let line =
                        String::from_utf8_lossy(&std::mem::take(&mut self.line)).into_owned();
                    let response = device.specter(&line);
                    let mut out = b"ACK\r\n".to_vec();
                    out.extend_from_slice(response.as_bytes());
                    out.extend_from_slice(b"\r\n");
                    acts.extend(device.deliver(out));
                    if acts.contains(&Act::HangUp) {
                        break;
                    }
                }
            }
        }
        acts
    }
}

/// A running simulator; dropping it stops it.
pub struct Simulator {
    stop: Arc<AtomicBool>,
    replugs: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
    path: Arc<Mutex<PathBuf>>,
    link: Option<PathBuf>,
    tcp: Option<SocketAddr>,
    fingerprint: Option<String>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("path", &self.path())
            .field("tcp", &self.tcp)
            .finish()
    }
}

fn sim_err(what: &str, e: impl std::fmt::Display) -> DeviceError {
    DeviceError::Simulator {
        problem: format!("{what}: {e}"),
    }
}

/// A new pseudo-terminal pair in raw mode: the master and the slave's path.
fn open_pty() -> Result<(OwnedFd, PathBuf), DeviceError> {
    use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)
        .map_err(|e| sim_err("cannot open a pseudo-terminal", e))?;
    grantpt(&master).map_err(|e| sim_err("grantpt", e))?;
    unlockpt(&master).map_err(|e| sim_err("unlockpt", e))?;
    let name = ptsname(&master, Vec::new()).map_err(|e| sim_err("ptsname", e))?;
    let path = PathBuf::from(
        name.into_string()
            .map_err(|_| sim_err("ptsname", "the name is not UTF-8"))?,
    );
    // Raw mode from the start (set through the master, it applies to the slave), so
    // nothing is echoed or translated before a client configures the port itself.
    let mut t = rustix::termios::tcgetattr(&master).map_err(|e| sim_err("tcgetattr", e))?;
    t.make_raw();
    rustix::termios::tcsetattr(&master, rustix::termios::OptionalActions::Now, &t)
        .map_err(|e| sim_err("tcsetattr", e))?;
    rustix::io::ioctl_fionbio(&master, true).map_err(|e| sim_err("non-blocking mode", e))?;
    Ok((master, path))
}

/// Points `link` at `target` atomically; refuses to replace anything but a symlink.
fn relink(link: &Path, target: &Path) -> Result<(), DeviceError> {
    if let Ok(meta) = std::fs::symlink_metadata(link) {
        if !meta.file_type().is_symlink() {
            return Err(sim_err(
                &format!("{} exists and is not a symlink", link.display()),
                "choose another --link path",
            ));
        }
    }
    let tmp = link.with_file_name(format!(
        ".{}.keyrite-sim-{}",
        link.file_name()
            .map_or_else(|| "link".into(), |n| n.to_string_lossy()),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp)
        .map_err(|e| sim_err(&format!("cannot create {}", tmp.display()), e))?;
    std::fs::rename(&tmp, link)
        .map_err(|e| sim_err(&format!("cannot create {}", link.display()), e))
}

fn poll_one(fd: &OwnedFd, events: rustix::event::PollFlags, ms: u64) -> rustix::event::PollFlags {
    use rustix::event::{poll, PollFd};
    let mut fds = [PollFd::new(fd, events)];
    let timeout = rustix::event::Timespec {
        tv_sec: 0,
        tv_nsec: (ms * 1_000_000) as _,
    };
    match poll(&mut fds, Some(&timeout)) {
        Ok(_) => fds[0].revents(),
        Err(_) => rustix::event::PollFlags::empty(),
    }
}

enum End {
    Stopped,
    HungUp,
}

/// Writes all of `bytes` to the non-blocking master; `false` if the client is gone.
fn write_master(master: &OwnedFd, mut bytes: &[u8], stop: &AtomicBool) -> bool {
    use rustix::event::PollFlags;
    while !bytes.is_empty() {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        match rustix::io::write(master, bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(rustix::io::Errno::AGAIN) | Err(rustix::io::Errno::INTR) => {
                poll_one(master, PollFlags::OUT, 50);
            }
            Err(_) => return false,
        }
    }
    true
}

fn serve_pty(master: &OwnedFd, device: &mut Device, stop: &AtomicBool) -> End {
    use rustix::event::PollFlags;
    let mut session = Session::new();
    let mut buf = [0u8; 8192];
    loop {
        if stop.load(Ordering::Relaxed) {
            return End::Stopped;
        }
        let ev = poll_one(master, PollFlags::IN, 50);
        if !ev.contains(PollFlags::IN) {
            if ev.intersects(PollFlags::HUP | PollFlags::ERR) {
                // No client has the slave open: wait for one.
                session.reset();
                std::thread::sleep(Duration::from_millis(10));
            }
            continue;
        }
        let n = match rustix::io::read(master, &mut buf[..]) {
            Ok(0) => continue,
            Ok(n) => n,
            Err(rustix::io::Errno::AGAIN) | Err(rustix::io::Errno::INTR) => continue,
            Err(_) => {
                session.reset();
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        for act in session.feed(device, &buf[..n]) {
            match act {
                Act::Write(bytes) => {
                    if !write_master(master, &bytes, stop) {
                        session.reset();
                        break;
                    }
                }
                Act::Sleep(d) => std::thread::sleep(d),
                Act::HangUp => return End::HungUp,
            }
        }
    }
}

fn serve_tcp(mut stream: TcpStream, device: &mut Device, stop: &AtomicBool) {
    use std::io::{Read, Write};
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let mut session = Session::new();
    let mut buf = [0u8; 8192];
    while !stop.load(Ordering::Relaxed) {
        let n = match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) =>
            {
                continue
            }
            Err(_) => return,
        };
        for act in session.feed(device, &buf[..n]) {
            match act {
                Act::Write(bytes) => {
                    if stream.write_all(&bytes).is_err() {
                        return;
                    }
                }
                Act::Sleep(d) => std::thread::sleep(d),
                Act::HangUp => {
                    let _ = stream.shutdown(std::net::Shutdown::Both);
                    return;
                }
            }
        }
    }
}

impl Simulator {
    /// Serves `config` on a new pseudo-terminal; `link`, if given, is a symlink kept
    /// pointing at the current slave.
    pub fn start_pty(config: SimConfig, link: Option<&Path>) -> Result<Simulator, DeviceError> {
        let mut device = Device::new(config)?;
        let fingerprint = device.fingerprint();
        let (master, slave) = open_pty()?;
        if let Some(link) = link {
            relink(link, &slave)?;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let path = Arc::new(Mutex::new(slave));
        let link_buf = link.map(Path::to_path_buf);
        let replugs = Arc::new(AtomicUsize::new(0));
        let (stop2, path2, link2, replugs2) = (
            stop.clone(),
            path.clone(),
            link_buf.clone(),
            replugs.clone(),
        );
        let thread = std::thread::Builder::new()
            .name("keyrite-sim-pty".into())
            .spawn(move || {
                let mut master = master;
                loop {
                    match serve_pty(&master, &mut device, &stop2) {
                        End::Stopped => return,
                        End::HungUp => {
                            drop(master);
                            // Unplugged: come back as a new device node, like a replug.
                            std::thread::sleep(Duration::from_millis(10));
                            let Ok((m, slave)) = open_pty() else { return };
                            if let Some(link) = &link2 {
                                if relink(link, &slave).is_err() {
                                    return;
                                }
                            }
                            if let Ok(mut p) = path2.lock() {
                                *p = slave;
                            }
                            master = m;
                            replugs2.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                }
            })
            .map_err(|e| sim_err("cannot start a thread", e))?;
        Ok(Simulator {
            stop,
            replugs,
            thread: Some(thread),
            path,
            link: link_buf,
            tcp: None,
            fingerprint,
        })
    }

    /// Serves `config` on TCP at `addr` (port 0 picks a free one).
    pub fn start_tcp(config: SimConfig, addr: &str) -> Result<Simulator, DeviceError> {
        let mut device = Device::new(config)?;
        let fingerprint = device.fingerprint();
        let listener =
            TcpListener::bind(addr).map_err(|e| sim_err(&format!("cannot listen on {addr}"), e))?;
        let local = listener
            .local_addr()
            .map_err(|e| sim_err("local address", e))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| sim_err("non-blocking mode", e))?;
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = std::thread::Builder::new()
            .name("keyrite-sim-tcp".into())
            .spawn(move || {
                while !stop2.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let _ = stream.set_nonblocking(false);
                            serve_tcp(stream, &mut device, &stop2);
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
            })
            .map_err(|e| sim_err("cannot start a thread", e))?;
        Ok(Simulator {
            stop,
            replugs: Arc::new(AtomicUsize::new(0)),
            thread: Some(thread),
            path: Arc::new(Mutex::new(PathBuf::new())),
            link: None,
            tcp: Some(local),
            fingerprint,
        })
    }

    /// The path clients open: the link if there is one, else the current slave.
    pub fn path(&self) -> PathBuf {
        if let Some(link) = &self.link {
            return link.clone();
        }
        self.path.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// The current pty slave (`/dev/pts/N`).
    pub fn slave(&self) -> PathBuf {
        self.path.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// How often the pty was replaced after a hang-up (a replug).
    pub fn replugs(&self) -> usize {
        self.replugs.load(Ordering::SeqCst)
    }

    /// The TCP address, for a TCP simulator.
    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        self.tcp
    }

    /// The master fingerprint the simulated device answers with (`None` if no wallet).
    pub fn fingerprint(&self) -> Option<&str> {
        self.fingerprint.as_deref()
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if let Some(link) = &self.link {
            if std::fs::symlink_metadata(link).is_ok_and(|m| m.file_type().is_symlink()) {
                let _ = std::fs::remove_file(link);
            }
        }
    }
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
