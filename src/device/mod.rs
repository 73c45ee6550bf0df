//! Hardware wallets on a serial port: the transport ([`transport`]), the Jade CBOR-RPC
//! and Specter-DIY text drivers ([`jade`], [`specter`]), Jade's unframed CBOR stream
//! codec ([`cbor`]), Bitcoin signed messages ([`message`]) and a simulator of both
//! devices on a pseudo-terminal or TCP ([`sim`]).
//!
//! A ceremony asks a device what wallet it holds (its master fingerprint, an xpub, a
//! signature on a test message) and compares the answer with the secret it has just
//! generated or recovered. [`connect`] opens a port and returns a [`Wallet`], the one
//! interface the `device` step and `keyrite device` use.
//!
//! Invariants:
//! - Nothing here writes to the transcript: each request's method and the SHA-256 of its
//!   reply are kept as [`Exchange`]s for the caller to record; request parameters, which
//!   may carry a secret (`debug_set_mnemonic`), are never kept.
//! - No device input can panic this module or make it allocate without bound: replies
//!   are bounded ([`cbor::MAX_MESSAGE`], [`specter::MAX_LINE`]), every read has a
//!   deadline, and every error is a [`DeviceError`] saying what went wrong, where (the
//!   port, the request, the device's reply) and what to do.
//! - A secret sent to a device (a debug load) is held in zeroizing buffers only, and only
//!   when the caller passes `allow_debug_load`.

pub mod cbor;
pub mod jade;
pub mod message;
pub mod sim;
pub mod specter;
pub mod transport;

use std::fmt;
use std::time::Duration;

use bitcoin::bip32::DerivationPath;
use serde::{Deserialize, Serialize};

use crate::bip32::Network;

/// Which protocol a device speaks.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum Driver {
    /// Blockstream Jade: CBOR-RPC.
    Jade,
    /// Specter-DIY: plain-text commands.
    Specter,
}

impl Driver {
    /// The name used in scripts and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Driver::Jade => "jade",
            Driver::Specter => "specter",
        }
    }

    /// The product name, for messages.
    pub fn product(self) -> &'static str {
        match self {
            Driver::Jade => "Jade",
            Driver::Specter => "Specter-DIY",
        }
    }

    /// Parses `jade` or `specter`.
    pub fn parse(s: &str) -> Result<Driver, String> {
        match s {
            "jade" => Ok(Driver::Jade),
            "specter" | "specter-diy" => Ok(Driver::Specter),
            _ => Err(format!("`{s}` is not a driver: use `jade` or `specter`")),
        }
    }
}

impl fmt::Display for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a device is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortSpec {
    /// A serial port by path (`/dev/ttyUSB0`, `/dev/serial/by-id/...`).
    Path(String),
    /// The one serial port whose USB ids match the driver.
    Auto,
    /// An in-process simulator on a pseudo-terminal (ceremony steps only).
    Simulator,
    /// A TCP socket: Jade's QEMU emulator, or `keyrite device simulate --tcp`.
    Tcp {
        /// Host name or address.
        host: String,
        /// TCP port.
        port: u16,
    },
}

impl PortSpec {
    /// Parses `PATH`, `auto`, `simulator` or `tcp:HOST:PORT`.
    pub fn parse(s: &str) -> Result<PortSpec, String> {
        let s = s.trim();
        match s {
            "" => Err("the port is empty: give a path such as /dev/ttyUSB0, `auto`, `simulator` or `tcp:HOST:PORT`".to_string()),
            "auto" => Ok(PortSpec::Auto),
            "simulator" => Ok(PortSpec::Simulator),
            _ => match s.strip_prefix("tcp:") {
                Some(rest) => {
                    let (host, port) = rest.rsplit_once(':').ok_or_else(|| {
                        format!("`{s}` has no port number: write `tcp:HOST:PORT`, such as `tcp:127.0.0.1:30121`")
                    })?;
                    let host = host.trim_start_matches('[').trim_end_matches(']');
                    let port: u16 = port.parse().map_err(|_| {
                        format!("`{port}` in `{s}` is not a TCP port number (1 to 65535)")
                    })?;
                    if host.is_empty() || port == 0 {
                        return Err(format!(
                            "`{s}` needs a host and a port from 1 to 65535, such as `tcp:127.0.0.1:30121`"
                        ));
                    }
                    Ok(PortSpec::Tcp {
                        host: host.to_string(),
                        port,
                    })
                }
                None => Ok(PortSpec::Path(s.to_string())),
            },
        }
    }
}

impl fmt::Display for PortSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortSpec::Path(p) => f.write_str(p),
            PortSpec::Auto => f.write_str("auto"),
            PortSpec::Simulator => f.write_str("simulator"),
            PortSpec::Tcp { host, port } => write!(f, "tcp:{host}:{port}"),
        }
    }
}

/// Why talking to a device failed.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// The serial port could not be opened.
    #[error("cannot open the serial port {port}: {source}; check that the device is plugged in and switched on, and that no other program (a wallet app, a terminal) has the port open")]
    Open {
        /// The port.
        port: String,
        /// What the operating system said.
        source: Box<serialport::Error>,
    },
    /// A TCP connection (emulator, simulator) could not be made.
    #[error("cannot connect to {port}: {source}; check that the emulator or `keyrite device simulate --tcp` is running and listening there")]
    Tcp {
        /// The port, as `tcp:HOST:PORT`.
        port: String,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// Serial ports could not be listed.
    #[error("cannot list the serial ports of this machine: {source}; name the port in the step instead of `auto`")]
    List {
        /// What the operating system said.
        source: Box<serialport::Error>,
    },
    /// `port: auto` found no port with the driver's USB ids.
    #[error("no {} is plugged in: no serial port has its USB ids; plug it in and unlock it, or name its port in the step (such as `port: /dev/ttyUSB0`; `keyrite device list` shows the ports)", .driver.product())]
    NoDevice {
        /// The driver asked for.
        driver: Driver,
    },
    /// `port: auto` found several.
    #[error("several ports look like a {}: {}; unplug the others, or name the port in the step", .driver.product(), .ports.join(", "))]
    SeveralDevices {
        /// The driver asked for.
        driver: Driver,
        /// The ports found.
        ports: Vec<String>,
    },
    /// The port cannot be used here.
    #[error("port `{port}`: {problem}")]
    BadPort {
        /// The port as written.
        port: String,
        /// What is wrong and what to write instead.
        problem: String,
    },
    /// Reading or writing failed.
    #[error(
        "reading or writing {port} failed: {source}; check the cable and the device, then retry"
    )]
    Io {
        /// The port.
        port: String,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A request could not be written in time.
    #[error("the device on {port} did not take keyrite's request in time; unplug it, plug it back in and retry")]
    WriteTimeout {
        /// The port.
        port: String,
    },
    /// The device hung up (unplugged, reset, powered off, emulator stopped).
    #[error("the device on {port} hung up before it replied (unplugged, reset or switched off); plug it back in, unlock it and retry")]
    Disconnected {
        /// The port.
        port: String,
    },
    /// No reply came in time.
    #[error("no reply to `{method}` from the device on {port} within {seconds} s{}; check the device's screen (it may wait for a button press or be asleep), the driver (`jade` or `specter`) and the cable, then retry", if *.partial > 0 { format!(" (device reply: {} bytes of an unfinished message)", .partial) } else { String::new() })]
    Timeout {
        /// The port.
        port: String,
        /// The request.
        method: String,
        /// The timeout.
        seconds: u64,
        /// Bytes of an unfinished reply received.
        partial: usize,
    },
    /// Only bytes that are not a reply came.
    #[error("the device on {port} answered `{method}` with {skipped} bytes that are not a reply (device reply: garbage); is it the right driver (`jade` or `specter`) and device on this port? Unplug it, plug it back in and retry")]
    GarbageReply {
        /// The port.
        port: String,
        /// The request.
        method: String,
        /// Bytes skipped.
        skipped: usize,
    },
    /// A reply was larger than keyrite accepts.
    #[error("the device on {port} answered `{method}` with a message larger than {limit} bytes (device reply: oversized); this is not a reply keyrite expects: unplug the device, plug it back in and retry")]
    Oversized {
        /// The port.
        port: String,
        /// The request.
        method: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// A reply is well-formed but not what the protocol says.
    #[error("the device on {port} answered `{method}` with something keyrite cannot use (device reply: {problem}); check that the driver matches the device and that its firmware is current")]
    Protocol {
        /// The port.
        port: String,
        /// The request.
        method: String,
        /// What is wrong with the reply.
        problem: String,
    },
    /// The device returned an RPC error.
    #[error("the device refused `{method}` (device reply: error {code}, \"{message}\"): {hint}")]
    Rpc {
        /// The request.
        method: String,
        /// The device's error code.
        code: i64,
        /// The device's message.
        message: String,
        /// What it means and what to do.
        hint: String,
    },
    /// The device wants its PIN server (a locked Jade).
    #[error("this device needs its PIN server, which an offline ceremony cannot reach; use Recovery Phrase Login (temporary wallet) on the device")]
    NeedsPinServer,
    /// `auth_user` returned false.
    #[error("the device did not unlock (device reply to `auth_user`: false): the PIN was wrong or unlocking was cancelled; unlock it on the device and retry")]
    NotUnlocked,
    /// The device has no usable wallet.
    #[error("the device has no wallet ready (device reply: state {state}); on the device use Recovery Phrase Login (temporary wallet), or unlock it, then retry")]
    NoWallet {
        /// The state the device reported.
        state: String,
    },
    /// Specter-DIY answered `error: ...`.
    #[error("Specter-DIY refused `{command}` (device reply: \"error: {message}\"): {hint}")]
    Specter {
        /// The command.
        command: String,
        /// The device's message.
        message: String,
        /// What it means and what to do.
        hint: String,
    },
    /// The driver has no way to do this.
    #[error("{} cannot {what}", .driver.product())]
    Unsupported {
        /// The driver.
        driver: Driver,
        /// What was asked.
        what: String,
    },
    /// A debug load was asked for without `allow_debug_load`.
    #[error("refusing to load a secret into the device: only debug devices accept `debug_set_mnemonic`, and the step must say `allow_debug_load: true`")]
    DebugLoadRefused,
    /// The operating system gave no random bytes (for Jade's `add_entropy`).
    #[error("cannot draw random bytes from the operating system for the device's `add_entropy`: {problem}; retry, and check the machine if it persists")]
    Entropy {
        /// What failed.
        problem: String,
    },
    /// The simulator could not start.
    #[error("cannot start the device simulator: {problem}")]
    Simulator {
        /// What failed.
        problem: String,
    },
}

impl DeviceError {
    /// Whether a retry may help (the operator is offered one): transport failures, a
    /// cancelled or locked device. Not for refusals that a retry cannot change.
    pub fn retryable(&self) -> bool {
        !matches!(
            self,
            DeviceError::BadPort { .. }
                | DeviceError::Unsupported { .. }
                | DeviceError::DebugLoadRefused
                | DeviceError::Simulator { .. }
        )
    }
}

/// What a device says about itself.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeviceIdentity {
    /// The driver.
    pub driver: &'static str,
    /// The port.
    pub port: String,
    /// Board type (Jade `BOARD_TYPE`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub board: Option<String>,
    /// Firmware version (Jade `JADE_VERSION`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firmware: Option<String>,
    /// Wallet state (Jade `JADE_STATE`: UNINIT, UNSAVED, LOCKED, READY, TEMP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Networks the wallet is locked to (Jade `JADE_NETWORKS`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub networks: Option<String>,
    /// Firmware configuration (Jade `JADE_CONFIG`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    /// The chip's MAC address (Jade `EFUSEMAC`), a hardware serial.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// The USB serial number of the port, where the system reports one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usb_serial: Option<String>,
    /// Every field the device reported (Jade's version info), for `keyrite device probe`.
    #[serde(skip)]
    pub fields: Vec<(String, String)>,
}

/// One request and a digest of its reply, for the transcript.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Exchange {
    /// The method (Jade) or command word (Specter).
    pub method: String,
    /// SHA-256 of the reply's bytes, hex.
    pub reply_sha256: String,
    /// The reply's length in bytes.
    pub reply_bytes: usize,
    /// Bytes skipped before the reply (garbage, logs).
    #[serde(skip_serializing_if = "is_zero")]
    pub skipped_bytes: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Exchange {
    /// An exchange whose reply was `raw`.
    pub fn new(method: &str, raw: &[u8], skipped: usize) -> Exchange {
        use sha2::Digest as _;
        Exchange {
            method: method.to_string(),
            reply_sha256: hex::encode(sha2::Sha256::digest(raw)),
            reply_bytes: raw.len(),
            skipped_bytes: skipped,
        }
    }
}

/// Timeouts of a device session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// For replies that need no one to touch the device.
    pub reply: Duration,
    /// For replies that wait for a button press (signing).
    pub confirm: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            reply: Duration::from_secs(15),
            confirm: Duration::from_secs(120),
        }
    }
}

/// A connected hardware wallet.
pub trait Wallet {
    /// The driver.
    fn driver(&self) -> Driver;
    /// The port.
    fn port(&self) -> &str;
    /// What the device says about itself (Jade: `get_version_info`).
    fn identify(&mut self) -> Result<DeviceIdentity, DeviceError>;
    /// Makes the wallet usable offline for `network` (Jade: `add_entropy`, `auth_user`).
    fn unlock(&mut self, network: Network) -> Result<(), DeviceError>;
    /// The BIP-32 master fingerprint, 8 lowercase hex digits.
    fn fingerprint(&mut self, network: Network) -> Result<String, DeviceError>;
    /// The xpub at `path`.
    fn xpub(&mut self, network: Network, path: &DerivationPath) -> Result<String, DeviceError>;
    /// A base64 Bitcoin signed-message signature of `message` with the key at `path`.
    fn sign_message(&mut self, path: &DerivationPath, message: &str)
        -> Result<String, DeviceError>;
    /// Loads `seed` as a temporary wallet (debug firmware only). Refused unless
    /// `allow_debug_load`.
    fn load_seed(&mut self, seed: &[u8], allow_debug_load: bool) -> Result<(), DeviceError>;
    /// The exchanges since the last call.
    fn take_exchanges(&mut self) -> Vec<Exchange>;
}

/// The Jade network name of a network.
pub fn jade_network(network: Network) -> &'static str {
    match network {
        Network::Bitcoin => "mainnet",
        Network::Testnet => "testnet",
    }
}

/// The path as a list of child numbers (Jade's `path` parameter).
pub fn path_numbers(path: &DerivationPath) -> Vec<u32> {
    path.into_iter().map(|c| u32::from(*c)).collect()
}

/// The path as text with `h` for hardened steps (`m/84h/0h/0h`).
pub fn path_text(path: &DerivationPath) -> String {
    let mut s = String::from("m");
    for c in path {
        s.push('/');
        s.push_str(&c.to_string().replace('\'', "h"));
    }
    s
}

/// Opens `port` and returns the wallet that `driver` speaks to there.
pub fn connect(
    driver: Driver,
    port: &PortSpec,
    timeouts: Timeouts,
) -> Result<Box<dyn Wallet>, DeviceError> {
    let (link, usb_serial): (Box<dyn transport::Link>, Option<String>) = match port {
        PortSpec::Path(path) => (
            Box::new(transport::SerialLink::open(path, timeouts.reply)?),
            transport::usb_serial_of(path),
        ),
        PortSpec::Auto => {
            let found = transport::find_auto(driver)?;
            (
                Box::new(transport::SerialLink::open(&found.path, timeouts.reply)?),
                found.serial,
            )
        }
        PortSpec::Tcp { host, port } => (
            Box::new(transport::TcpLink::connect(host, *port, timeouts.reply)?),
            None,
        ),
        PortSpec::Simulator => {
            return Err(DeviceError::BadPort {
                port: port.to_string(),
                problem: "the in-process simulator exists only inside a ceremony step; run `keyrite device simulate --link PATH` and use that PATH".to_string(),
            })
        }
    };
    Ok(match driver {
        Driver::Jade => Box::new(jade::Jade::new(link, timeouts, usb_serial)),
        Driver::Specter => Box::new(specter::Specter::new(link, timeouts, usb_serial)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_parse() {
        assert_eq!(PortSpec::parse("auto"), Ok(PortSpec::Auto));
        assert_eq!(PortSpec::parse("simulator"), Ok(PortSpec::Simulator));
        assert_eq!(
            PortSpec::parse("/dev/ttyUSB0"),
            Ok(PortSpec::Path("/dev/ttyUSB0".into()))
        );
        assert_eq!(
            PortSpec::parse("tcp:127.0.0.1:30121"),
            Ok(PortSpec::Tcp {
                host: "127.0.0.1".into(),
                port: 30121
            })
        );
        assert_eq!(
            PortSpec::parse("tcp:[::1]:2222"),
            Ok(PortSpec::Tcp {
                host: "::1".into(),
                port: 2222
            })
        );
        assert!(PortSpec::parse("tcp:localhost").is_err());
        assert!(PortSpec::parse("tcp:localhost:0").is_err());
        assert!(PortSpec::parse("tcp::80").is_err());
        assert!(PortSpec::parse("").is_err());
    }

    #[test]
    fn paths_render_with_h() {
        let p = crate::bip32::parse_path("m/84'/0'/0'/0/7").unwrap();
        assert_eq!(path_text(&p), "m/84h/0h/0h/0/7");
        assert_eq!(
            path_numbers(&p),
            vec![0x8000_0054, 0x8000_0000, 0x8000_0000, 0, 7]
        );
    }
}
