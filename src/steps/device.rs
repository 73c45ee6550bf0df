//! `device`: asks a hardware wallet on a serial port (or TCP, or an in-process simulator)
//! what wallet it holds, and compares the answer with the ceremony's secret or with a
//! fingerprint or xpub written in the script.
//!
//! Actions: `probe` (record who the device is), `check_fingerprint`, `check_xpub`,
//! `sign_test_message` (the signature must verify against the device's xpub at the path,
//! and that xpub must be the secret's when a secret is named) and `load` (a debug device
//! only, with `allow_debug_load: true`). `port: simulator` starts a simulated device on a
//! pseudo-terminal, loaded with the named secret (or empty, for `load`), for rehearsals
//! and tests.
//!
//! Invariants:
//! - The transcript gets the device's identity (board, firmware, state, MAC or USB serial
//!   where given), each request's method and the SHA-256 of its reply, any error, each
//!   retry or give-up, and the outcome, in that order and before the next question. It
//!   never gets a secret: a load records only the secret's name and fingerprints.
//! - A mismatch fails the step saying which wallet the device holds and which it should.
//! - A transport failure (unplugged, a timeout, a garbage reply) or a refusal a person can
//!   fix is reported with the offer to retry, asked through [`crate::operator::Operator::ask_field`]
//!   under the key `device_retry` (`retry` or `give up`); after [`MAX_ATTEMPTS`] attempts
//!   the step fails without asking again.

use std::str::FromStr;
use std::time::Duration;

use bitcoin::bip32::{DerivationPath, Xpub};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{NameKind, Resolver, StepContext, StepError, StepKind};
use crate::bip32::{identity, parse_path, Network, DEFAULT_PATH};
use crate::device::sim::{SimConfig, SimState, Simulator};
use crate::device::{self, path_text, DeviceError, DeviceIdentity, Driver, PortSpec, Timeouts};
use crate::operator::FieldKey;
use crate::script::de::{Problem, Spanned};
use crate::script::types::{FieldName, SecretName};
use crate::transcript::events;

/// Attempts per step before it fails without asking again.
pub const MAX_ATTEMPTS: u32 = 5;

/// How long a retry waits for a serial port's path to come back (a device re-enumerates
/// after it is plugged back in).
pub const REPLUG_WAIT: Duration = Duration::from_secs(3);

/// Waits until `path` exists (following symlinks), at most `limit`.
fn wait_for(path: &std::path::Path, limit: Duration) {
    let start = std::time::Instant::now();
    while std::fs::metadata(path).is_err() && start.elapsed() < limit {
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// The path `sign_test_message` signs with unless the script gives one.
pub const DEFAULT_SIGN_PATH: &str = "m/84'/0'/0'/0/0";

/// The message `sign_test_message` signs unless the script gives one.
pub const DEFAULT_MESSAGE: &str = "keyrite key ceremony: device test message";

/// What a `device` step does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviceAction {
    /// Record who the device is (board, firmware, state).
    Probe,
    /// The device's master fingerprint must be the secret's, or the one given.
    CheckFingerprint,
    /// The device's xpub at `path` must be the secret's, or the one given.
    CheckXpub,
    /// The device signs `message` with the key at `path`; the signature must verify
    /// against its xpub there (and that xpub must be the secret's, if one is named).
    SignTestMessage,
    /// Load the secret into a debug device as a temporary wallet (`allow_debug_load`).
    Load,
}

impl DeviceAction {
    fn name(self) -> &'static str {
        match self {
            DeviceAction::Probe => "probe",
            DeviceAction::CheckFingerprint => "check_fingerprint",
            DeviceAction::CheckXpub => "check_xpub",
            DeviceAction::SignTestMessage => "sign_test_message",
            DeviceAction::Load => "load",
        }
    }
}

/// What a script writes for `device`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceSyntax {
    /// The device's protocol: `jade` or `specter`.
    driver: Driver,
    /// A serial port path (`/dev/ttyUSB0`), `auto` (the one port with the driver's USB
    /// ids), `simulator` (an in-process simulated device holding `secret`) or
    /// `tcp:HOST:PORT` (Jade's QEMU emulator, `keyrite device simulate --tcp`).
    port: Spanned<String>,
    /// `probe`, `check_fingerprint`, `check_xpub`, `sign_test_message` or `load`.
    action: DeviceAction,
    /// The ceremony's secret the device must hold (or, for `load`, is loaded with).
    #[serde(default)]
    secret: Option<Spanned<SecretName>>,
    /// Or, for `check_fingerprint`: the expected master fingerprint (8 hex digits).
    #[serde(default)]
    fingerprint: Option<Spanned<String>>,
    /// Or, for `check_xpub`: the expected xpub at `path`.
    #[serde(default)]
    xpub: Option<Spanned<String>>,
    /// The derivation path (default `m/84'/0'/0'`; `m/84'/0'/0'/0/0` for signing).
    #[serde(default)]
    path: Option<Spanned<String>>,
    /// `bitcoin` (the default) or `testnet`.
    #[serde(default)]
    network: Network,
    /// The text `sign_test_message` signs.
    #[serde(default)]
    message: Option<Spanned<String>>,
    /// Allow `load` to send the secret to a debug device (`debug_set_mnemonic`).
    #[serde(default)]
    allow_debug_load: bool,
    /// Seconds to wait for a reply (default 15).
    #[serde(default)]
    timeout_seconds: Option<Spanned<u64>>,
    /// Seconds to wait for a reply that needs a button press, such as signing (default 120).
    #[serde(default)]
    confirm_timeout_seconds: Option<Spanned<u64>>,
}

/// What the device's answer is compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expected {
    /// Nothing (`probe`, or signing without a secret).
    Nothing,
    /// The named secret's public identity.
    Secret(String),
    /// A master fingerprint from the script.
    Fingerprint(String),
    /// An xpub from the script.
    Xpub(String),
}

/// A resolved `device` step.
#[derive(Debug)]
pub struct Device {
    driver: Driver,
    port: PortSpec,
    action: DeviceAction,
    expected: Expected,
    path: DerivationPath,
    network: Network,
    message: String,
    allow_debug_load: bool,
    timeouts: Timeouts,
}

/// The record of what a device said about itself on attempt `attempt`.
fn identified(attempt: u32, identity: &DeviceIdentity) -> events::DeviceIdentity {
    // Taken apart whole, so that a fact added to `DeviceIdentity` does not compile until
    // it is recorded here or left out on purpose, as `fields` (the probe's full list) is.
    let DeviceIdentity {
        driver,
        port,
        board,
        firmware,
        state,
        networks,
        config,
        mac,
        usb_serial,
        fields: _,
    } = identity;
    events::DeviceIdentity {
        attempt,
        driver: driver.to_string(),
        port: port.clone(),
        board: board.clone(),
        firmware: firmware.clone(),
        state: state.clone(),
        networks: networks.clone(),
        config: config.clone(),
        mac: mac.clone(),
        usb_serial: usb_serial.clone(),
    }
}

/// The record of one request on attempt `attempt`.
fn requested(attempt: u32, exchange: &device::Exchange) -> events::DeviceRequest {
    // Taken apart whole, as the identity is.
    let device::Exchange {
        method,
        reply_sha256,
        reply_bytes,
        skipped_bytes,
    } = exchange;
    events::DeviceRequest {
        attempt,
        method: method.clone(),
        reply_sha256: reply_sha256.clone(),
        reply_bytes: *reply_bytes,
        skipped_bytes: *skipped_bytes,
    }
}

/// What an attempt found.
#[derive(Debug, Default)]
struct Found {
    fingerprint: Option<String>,
    xpub: Option<String>,
    signature: Option<String>,
}

/// What an attempt produced for the transcript, success or not.
#[derive(Default)]
struct AttemptLog {
    identity: Option<DeviceIdentity>,
    exchanges: Vec<device::Exchange>,
}

/// The public identity the device must show.
struct Want {
    fingerprint: Option<String>,
    xpub: Option<String>,
}

fn same_key(a: &str, b: &str) -> bool {
    match (Xpub::from_str(a), Xpub::from_str(b)) {
        (Ok(a), Ok(b)) => {
            (
                a.depth,
                a.parent_fingerprint,
                a.child_number,
                a.chain_code,
                a.public_key,
            ) == (
                b.depth,
                b.parent_fingerprint,
                b.child_number,
                b.chain_code,
                b.public_key,
            )
        }
        _ => a == b,
    }
}

fn seconds(cx: &Resolver<'_>, value: &Option<Spanned<u64>>, default: Duration) -> Option<Duration> {
    match value {
        None => Some(default),
        Some(s) if (1..=3600).contains(&s.value) => Some(Duration::from_secs(s.value)),
        Some(s) => {
            cx.problem(
                Problem::at(
                    s.pos,
                    format!("{} seconds is not a usable timeout", s.value),
                )
                .hint("give a number of seconds from 1 to 3600"),
            );
            None
        }
    }
}

impl StepKind for Device {
    const NAME: &'static str = "device";
    const DOC: &'static str = "Asks a hardware wallet (Jade or Specter-DIY, on a serial port, TCP or a simulator) what wallet it holds and checks it against the ceremony's secret.";
    type Syntax = DeviceSyntax;

    fn resolve(syntax: Self::Syntax, cx: &mut Resolver<'_>) -> Option<Self> {
        let mut ok = true;
        let port = match PortSpec::parse(&syntax.port.value) {
            Ok(p) => Some(p),
            Err(e) => {
                cx.problem(Problem::at(syntax.port.pos, e).hint(
                    "write a path such as /dev/ttyUSB0, `auto`, `simulator` or `tcp:127.0.0.1:30121`",
                ));
                None
            }
        };
        let secret = match &syntax.secret {
            Some(s) => {
                let r = cx.named(s, NameKind::Secret);
                ok &= r.is_some();
                r
            }
            None => None,
        };
        let at = syntax.port.pos;
        let action = syntax.action;
        // Whether `secret` is written, resolved or not: a secret that does not resolve is
        // already reported and must not read as a missing one.
        let secret_given = syntax.secret.as_ref().map(|_| ());
        let expected = match (action, secret_given, &syntax.fingerprint, &syntax.xpub) {
            (_, Some(_), Some(f), _) | (_, _, Some(f), Some(_)) => {
                cx.problem(Problem::at(
                    f.pos,
                    "give only one of `secret`, `fingerprint` and `xpub`",
                ));
                None
            }
            (_, Some(_), None, Some(x)) => {
                cx.problem(Problem::at(
                    x.pos,
                    "give either `secret` or `xpub`, not both",
                ));
                None
            }
            (DeviceAction::CheckFingerprint, None, Some(f), None) => {
                let text = f.value.trim().to_lowercase();
                if text.len() == 8 && text.chars().all(|c| c.is_ascii_hexdigit()) {
                    Some(Expected::Fingerprint(text))
                } else {
                    cx.problem(
                        Problem::at(f.pos, format!("`{}` is not a master fingerprint", f.value))
                            .hint("a fingerprint is 8 hex digits, such as `73c5da0a`; quote it so YAML keeps it as text"),
                    );
                    None
                }
            }
            (DeviceAction::CheckXpub, None, None, Some(x)) => {
                match Xpub::from_str(x.value.trim()) {
                    Ok(_) => Some(Expected::Xpub(x.value.trim().to_string())),
                    Err(e) => {
                        cx.problem(Problem::at(
                            x.pos,
                            format!("`{}` is not an xpub: {e}", x.value),
                        ));
                        None
                    }
                }
            }
            (_, None, Some(f), None) => {
                cx.problem(Problem::at(
                    f.pos,
                    "`fingerprint` is only for `action: check_fingerprint`",
                ));
                None
            }
            (_, None, None, Some(x)) => {
                cx.problem(Problem::at(
                    x.pos,
                    "`xpub` is only for `action: check_xpub`",
                ));
                None
            }
            (DeviceAction::CheckFingerprint | DeviceAction::CheckXpub, None, None, None) => {
                cx.problem(
                    Problem::at(at, format!("`{}` needs what to compare with", action.name()))
                        .hint("name the ceremony's `secret`, or give the expected `fingerprint` (check_fingerprint) or `xpub` (check_xpub)"),
                );
                None
            }
            (DeviceAction::Load, None, None, None) => {
                cx.problem(
                    Problem::at(at, "`load` needs the `secret` to load")
                        .hint("name a secret an earlier step generated or recovered"),
                );
                None
            }
            (_, Some(()), None, None) => secret.clone().map(Expected::Secret),
            (DeviceAction::Probe | DeviceAction::SignTestMessage, None, None, None) => {
                Some(Expected::Nothing)
            }
        };
        if action == DeviceAction::Load && !syntax.allow_debug_load {
            cx.problem(
                Problem::at(
                    at,
                    "`load` sends the secret to the device, which only a debug device accepts",
                )
                .hint("add `allow_debug_load: true` if this is a debug device or the simulator"),
            );
            ok = false;
        }
        if action == DeviceAction::Load && syntax.driver == Driver::Specter {
            cx.problem(
                Problem::at(at, "Specter-DIY has no command to load a seed")
                    .hint("load it on the device itself, then use `check_fingerprint`"),
            );
            ok = false;
        }
        if port == Some(PortSpec::Simulator) && syntax.secret.is_none() {
            cx.problem(
                Problem::at(
                    at,
                    "`port: simulator` needs `secret`: the simulated device holds it",
                )
                .hint("name the secret the simulator is loaded with"),
            );
            ok = false;
        }
        let default_path = if action == DeviceAction::SignTestMessage {
            DEFAULT_SIGN_PATH
        } else {
            DEFAULT_PATH
        };
        let path = match &syntax.path {
            None => parse_path(default_path).ok(),
            Some(p) => parse_path(&p.value)
                .map_err(|e| cx.problem(Problem::at(p.pos, e)))
                .ok(),
        };
        let message = match &syntax.message {
            Some(m) if m.value.is_empty() || m.value.len() > 4096 => {
                cx.problem(Problem::at(
                    m.pos,
                    "the test message must be 1 to 4096 characters",
                ));
                None
            }
            Some(m) => Some(m.value.clone()),
            None => Some(DEFAULT_MESSAGE.to_string()),
        };
        let defaults = Timeouts::default();
        let reply = seconds(cx, &syntax.timeout_seconds, defaults.reply);
        let confirm = seconds(cx, &syntax.confirm_timeout_seconds, defaults.confirm);
        if !ok {
            return None;
        }
        Some(Device {
            driver: syntax.driver,
            port: port?,
            action,
            expected: expected?,
            path: path?,
            network: syntax.network,
            message: message?,
            allow_debug_load: syntax.allow_debug_load,
            timeouts: Timeouts {
                reply: reply?,
                confirm: confirm?,
            },
        })
    }

    fn needs(&self, _script: &crate::script::Script) -> crate::steps::Needs {
        crate::steps::Needs {
            device_port: match &self.port {
                PortSpec::Path(path) => Some(std::path::PathBuf::from(path)),
                _ => None,
            },
            ..Default::default()
        }
    }

    fn default_title(&self) -> String {
        let what = match self.action {
            DeviceAction::Probe => "Identify",
            DeviceAction::CheckFingerprint => "Check the fingerprint of",
            DeviceAction::CheckXpub => "Check the xpub of",
            DeviceAction::SignTestMessage => "Sign a test message with",
            DeviceAction::Load => "Load the secret into",
        };
        format!("{what} the {} on {}", self.driver.product(), self.port)
    }

    fn run(&self, cx: &mut StepContext<'_>) -> Result<(), StepError> {
        let want = self.want(cx)?;
        // The in-process simulator holds a copy of the secret; it is wiped when dropped.
        let simulator = match (&self.port, &self.expected) {
            (PortSpec::Simulator, Expected::Secret(name)) => {
                let bytes = Zeroizing::new(cx.secret(name)?.expose_secret().to_vec());
                let load = self.action == DeviceAction::Load;
                let config = SimConfig {
                    driver: self.driver,
                    state: if load {
                        SimState::Uninit
                    } else {
                        SimState::Ready
                    },
                    secret: (!load).then_some(bytes),
                    debug_build: true,
                    faults: Default::default(),
                };
                Some(
                    Simulator::start_pty(config, None)
                        .map_err(|e| StepError::failed(e.to_string()))?,
                )
            }
            _ => None,
        };
        let seed = match (self.action, &self.expected) {
            (DeviceAction::Load, Expected::Secret(name)) => {
                Some(Zeroizing::new(cx.secret(name)?.expose_secret().to_vec()))
            }
            _ => None,
        };
        let mut attempt = 1u32;
        loop {
            let port = match &simulator {
                Some(sim) => PortSpec::Path(sim.path().display().to_string()),
                None => self.port.clone(),
            };
            if let (true, PortSpec::Path(p)) = (attempt > 1, &port) {
                wait_for(std::path::Path::new(p), REPLUG_WAIT);
            }
            let mut log = AttemptLog::default();
            let result = self.attempt(&port, seed.as_deref().map(|s| s.as_slice()), &mut log);
            if let Some(identity) = &log.identity {
                cx.record(&identified(attempt, identity))?;
            }
            for exchange in &log.exchanges {
                cx.record(&requested(attempt, exchange))?;
            }
            let error = match result {
                Ok(found) => return self.judge(cx, &want, found, log.identity.as_ref()),
                Err(e) => e,
            };
            let message = error.to_string();
            let offer = error.retryable() && attempt < MAX_ATTEMPTS;
            cx.record(&events::DeviceError {
                attempt,
                error: message.clone(),
                retry_offered: offer,
            })?;
            if !offer {
                let why = if error.retryable() {
                    format!(" (after {attempt} attempts)")
                } else {
                    String::new()
                };
                return Err(StepError::failed(format!("{message}{why}")));
            }
            cx.inform(&message);
            let choice = self.ask_retry(cx, &message)?;
            cx.record(&events::DeviceRetry {
                attempt,
                choice: choice.clone(),
            })?;
            if choice != "retry" {
                return Err(StepError::failed(format!(
                    "gave up on the device after attempt {attempt}: {message}"
                )));
            }
            attempt += 1;
        }
    }
}

impl Device {
    /// The expected public values, computed before the device is asked anything.
    fn want(&self, cx: &StepContext<'_>) -> Result<Want, StepError> {
        Ok(match &self.expected {
            Expected::Nothing => Want {
                fingerprint: None,
                xpub: None,
            },
            Expected::Fingerprint(f) => Want {
                fingerprint: Some(f.clone()),
                xpub: None,
            },
            Expected::Xpub(x) => Want {
                fingerprint: None,
                xpub: Some(x.clone()),
            },
            Expected::Secret(name) => {
                let id = identity(cx.secret(name)?, self.network, &self.path)
                    .map_err(StepError::failed)?;
                Want {
                    fingerprint: Some(id.master_fingerprint),
                    xpub: Some(id.xpub),
                }
            }
        })
    }

    fn attempt(
        &self,
        port: &PortSpec,
        seed: Option<&[u8]>,
        log: &mut AttemptLog,
    ) -> Result<Found, DeviceError> {
        let mut wallet = device::connect(self.driver, port, self.timeouts)?;
        let result = self.work(wallet.as_mut(), seed, log);
        log.exchanges.extend(wallet.take_exchanges());
        result
    }

    fn work(
        &self,
        wallet: &mut dyn device::Wallet,
        seed: Option<&[u8]>,
        log: &mut AttemptLog,
    ) -> Result<Found, DeviceError> {
        log.identity = Some(wallet.identify()?);
        let mut found = Found::default();
        match self.action {
            DeviceAction::Probe => {}
            DeviceAction::Load => {
                wallet.load_seed(seed.unwrap_or_default(), self.allow_debug_load)?;
                found.fingerprint = Some(wallet.fingerprint(self.network)?);
            }
            DeviceAction::CheckFingerprint => {
                wallet.unlock(self.network)?;
                found.fingerprint = Some(wallet.fingerprint(self.network)?);
            }
            DeviceAction::CheckXpub => {
                wallet.unlock(self.network)?;
                found.xpub = Some(wallet.xpub(self.network, &self.path)?);
                found.fingerprint = Some(wallet.fingerprint(self.network)?);
            }
            DeviceAction::SignTestMessage => {
                wallet.unlock(self.network)?;
                found.xpub = Some(wallet.xpub(self.network, &self.path)?);
                found.signature = Some(wallet.sign_message(&self.path, &self.message)?);
                found.fingerprint = Some(wallet.fingerprint(self.network)?);
            }
        }
        Ok(found)
    }

    fn ask_retry(&self, cx: &mut StepContext<'_>, error: &str) -> Result<String, StepError> {
        let key = FieldKey {
            item: None,
            field: FieldName::parse("device_retry").map_err(StepError::failed)?,
        };
        let label = format!(
            "The {} did not answer as it should: {error}\nType `retry` to try again, or `give up` to fail this step",
            self.driver.product()
        );
        let normal = |s: &str| s.trim().to_lowercase().replace(['-', '_'], " ");
        let typed =
            cx.operator
                .ask_field(&cx.view, &key, &label, &|s| match normal(s).as_str() {
                    "retry" | "give up" | "giveup" => Ok(()),
                    _ => Err("type `retry` or `give up`".to_string()),
                })?;
        Ok(if normal(&typed) == "retry" {
            "retry".to_string()
        } else {
            "give up".to_string()
        })
    }

    fn judge(
        &self,
        cx: &mut StepContext<'_>,
        want: &Want,
        found: Found,
        identity: Option<&DeviceIdentity>,
    ) -> Result<(), StepError> {
        let secret = match &self.expected {
            Expected::Secret(s) => Some(s.as_str()),
            _ => None,
        };
        let what = match identity {
            Some(DeviceIdentity {
                board: Some(b),
                firmware: Some(f),
                ..
            }) => format!("The {} ({b}, firmware {f})", self.driver.product()),
            _ => format!("The {}", self.driver.product()),
        };
        let holds = |fp: Option<&String>| match fp {
            Some(fp) => format!("the wallet with master fingerprint {fp}"),
            None => "another wallet".to_string(),
        };
        let should = match (secret, &want.fingerprint) {
            (Some(s), Some(fp)) => format!("`{s}` (master fingerprint {fp})"),
            (None, Some(fp)) => format!("the wallet with master fingerprint {fp}"),
            _ => "the expected wallet".to_string(),
        };
        let mut record = events::DeviceChecked {
            action: self.action.name().to_string(),
            secret: secret.map(str::to_string),
            path: None,
            network: None,
            expected: None,
            device_fingerprint: found.fingerprint.clone(),
            device_xpub: found.xpub.clone(),
            message: None,
            signature: None,
            signature_verified: None,
            matches: true,
        };
        let mut failure = None;
        match self.action {
            DeviceAction::Probe => {
                cx.record(&record)?;
                cx.inform(&format!("{what} on {} answered.", self.port));
                return Ok(());
            }
            DeviceAction::CheckFingerprint | DeviceAction::Load => {
                record.expected.clone_from(&want.fingerprint);
                record.matches =
                    found.fingerprint.is_some() && found.fingerprint == want.fingerprint;
                if !record.matches {
                    failure = Some(format!(
                        "{what} holds {}, but it should hold {should}: this is another device, or it holds another seed or passphrase",
                        holds(found.fingerprint.as_ref())
                    ));
                }
            }
            DeviceAction::CheckXpub => {
                record.path = Some(path_text(&self.path));
                record.network = Some(self.network.into());
                record.expected.clone_from(&want.xpub);
                record.matches = match (&found.xpub, &want.xpub) {
                    (Some(a), Some(b)) => same_key(a, b),
                    _ => false,
                };
                if !record.matches {
                    failure = Some(format!(
                        "{what} gives xpub {} at {}, but {} was expected: it holds {}, and it should hold {should}",
                        found.xpub.as_deref().unwrap_or("(none)"),
                        path_text(&self.path),
                        want.xpub.as_deref().unwrap_or("(none)"),
                        holds(found.fingerprint.as_ref()),
                    ));
                }
            }
            DeviceAction::SignTestMessage => {
                record.path = Some(path_text(&self.path));
                record.network = Some(self.network.into());
                record.message = Some(self.message.clone());
                record.signature.clone_from(&found.signature);
                record.expected.clone_from(&want.xpub);
                let verified = match (&found.xpub, &found.signature) {
                    (Some(x), Some(sig)) => match Xpub::from_str(x) {
                        Ok(xpub) => device::message::verify(&xpub.public_key, &self.message, sig),
                        Err(e) => Err(format!("the device's xpub `{x}` is not valid: {e}")),
                    },
                    _ => Err("the device gave no signature".to_string()),
                };
                record.signature_verified = Some(verified.is_ok());
                let key_ok = match (&found.xpub, &want.xpub) {
                    (Some(a), Some(b)) => same_key(a, b),
                    (_, None) => true,
                    (None, Some(_)) => false,
                };
                record.matches = verified.is_ok() && key_ok;
                if let Err(why) = &verified {
                    failure = Some(format!(
                        "{what}'s signature of the test message at {} does not verify: {why}",
                        path_text(&self.path)
                    ));
                } else if !key_ok {
                    failure = Some(format!(
                        "{what} signed with a key of {}, but it should hold {should}",
                        holds(found.fingerprint.as_ref())
                    ));
                }
            }
        }
        cx.record(&record)?;
        if let Some(message) = failure {
            return Err(StepError::failed(message));
        }
        let done = match self.action {
            DeviceAction::Load => format!("{what} now holds {should} as a temporary wallet."),
            DeviceAction::CheckFingerprint => format!("{what} holds {should}, as expected."),
            DeviceAction::CheckXpub => format!(
                "{what} gives the expected xpub at {}.",
                path_text(&self.path)
            ),
            _ => format!(
                "{what} signed the test message at {}, and the signature verifies.",
                path_text(&self.path)
            ),
        };
        cx.inform(&done);
        Ok(())
    }
}
