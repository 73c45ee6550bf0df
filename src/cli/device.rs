//! `keyrite device list|probe|simulate`: hardware wallets outside a ceremony.
//!
//! - `list` prints the serial ports with their USB vendor and product ids, serial number
//!   and the driver those ids suggest (`--json` for tooling).
//! - `probe PORT --driver jade|specter` asks the device who it is: a Jade's version info
//!   (board, firmware, state, MAC...), a Specter-DIY's master fingerprint.
//! - `simulate --link PATH` (and/or `--tcp ADDR`) serves a simulated device on a
//!   pseudo-terminal linked at PATH (and/or on TCP, where jadepy and HWI can reach it)
//!   until the process is stopped, with faults for tests.
//!
//! Invariants:
//! - Exit codes: 0 success, 1 the device failed or could not be reached, 2 usage errors.
//! - `simulate` takes its secret as hex on the command line: test data only, never a real
//!   secret (the command line is visible to other processes). It is held zeroizing and
//!   redacted in `Debug`. Its first lines on stdout name the pty, the link and the TCP
//!   address (a test reads them; `--tcp 127.0.0.1:0` picks a free port).

use std::fmt;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use zeroize::Zeroizing;

use super::{errln, print_error, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::bip32::Network;
use crate::device::sim::{Faults, SimConfig, SimState, Simulator};
use crate::device::{self, transport, Driver, PortSpec, Timeouts};

/// The `device` subcommands.
#[derive(Subcommand, Debug)]
pub enum DeviceCommand {
    /// List serial ports with USB ids and a guess at the driver.
    List {
        /// Print one JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Ask a device who it is: Jade's version info, Specter-DIY's fingerprint.
    Probe {
        /// A serial port path, `auto`, or `tcp:HOST:PORT`.
        port: String,
        /// The device's protocol.
        #[arg(long, value_enum, default_value_t = Driver::Jade)]
        driver: Driver,
        /// Seconds to wait for a reply.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
        timeout: u64,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Simulate a Jade or Specter-DIY on a pseudo-terminal and/or TCP until stopped.
    Simulate(SimulateArgs),
}

/// Arguments of `keyrite device simulate`.
#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// Create a pseudo-terminal and keep a symlink to it at PATH (open PATH as the port).
    #[arg(long, value_name = "PATH", required_unless_present = "tcp")]
    link: Option<PathBuf>,
    /// Also (or only) serve on TCP, such as 127.0.0.1:30121 (port 0 picks one).
    #[arg(long, value_name = "ADDR")]
    tcp: Option<String>,
    /// The protocol to simulate.
    #[arg(long, value_enum, default_value_t = Driver::Jade)]
    driver: Driver,
    /// The wallet state at start (a Jade's JADE_STATE).
    #[arg(long, value_enum, default_value_t = SimState::Ready)]
    state: SimState,
    /// The wallet: a secret used as the BIP-32 seed, 16 to 64 bytes in hex (test data
    /// only). Required unless --state uninit.
    #[arg(long, value_name = "HEX", value_parser = HexSecret::parse, conflicts_with = "mnemonic")]
    secret_hex: Option<HexSecret>,
    /// Or: the wallet as SLIP-39 shares (repeat for each share, enough to recover; no
    /// passphrase); the recovered master secret is the BIP-32 seed (test data only).
    #[arg(long, value_name = "WORDS")]
    mnemonic: Vec<String>,
    /// Simulate release firmware: no debug methods (debug_set_mnemonic).
    #[arg(long)]
    release_firmware: bool,
    /// Fault: wait this many milliseconds before each reply.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    delay_ms: u64,
    /// Faults (delay, noise, garbage reply, split, logs) apply only to the first N
    /// requests.
    #[arg(long, value_name = "N")]
    fault_requests: Option<usize>,
    /// Fault: boot noise before each reply.
    #[arg(long)]
    garbage: bool,
    /// Fault: boot noise instead of each reply.
    #[arg(long)]
    garbage_reply: bool,
    /// Fault: write replies in pieces of a few bytes.
    #[arg(long)]
    split: bool,
    /// Fault: {log: ...} maps before each reply (Jade).
    #[arg(long)]
    log_maps: bool,
    /// Fault: hang up halfway through the reply to request N (once).
    #[arg(long, value_name = "N")]
    hangup_at: Option<usize>,
    /// Fault: answer for another wallet than the secret.
    #[arg(long)]
    wrong_wallet: bool,
}

/// A hex secret from the command line, zeroized on drop and redacted in `Debug`.
#[derive(Clone)]
pub struct HexSecret(Zeroizing<Vec<u8>>);

impl HexSecret {
    fn parse(s: &str) -> Result<HexSecret, String> {
        let bytes = Zeroizing::new(hex::decode(s.trim()).map_err(|_| {
            "the secret must be hex digits (0-9, a-f), an even number of them".to_string()
        })?);
        if !(16..=64).contains(&bytes.len()) || bytes.len() % 2 == 1 {
            return Err(format!(
                "the secret is {} bytes; give 16 to 64 bytes (32 to 128 hex digits), an even number of bytes",
                bytes.len()
            ));
        }
        Ok(HexSecret(bytes))
    }
}

impl fmt::Debug for HexSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// Runs a `device` subcommand and returns the exit code.
pub fn run(command: DeviceCommand) -> i32 {
    match command {
        DeviceCommand::List { json } => list(json),
        DeviceCommand::Probe {
            port,
            driver,
            timeout,
            json,
        } => probe(&port, driver, timeout, json),
        DeviceCommand::Simulate(args) => simulate(args),
    }
}

/// Prints a line to stdout; a closed pipe (`| head`) ends the process quietly.
macro_rules! say {
    ($($arg:tt)*) => {
        super::outln!($($arg)*)
    };
}

fn hex4(v: Option<u16>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:04x}"))
}

fn list(json: bool) -> i32 {
    let ports = match transport::list_ports() {
        Ok(p) => p,
        Err(e) => {
            print_error(&e, None);
            return EXIT_FAILED;
        }
    };
    if json {
        match serde_json::to_string_pretty(&ports) {
            Ok(s) => say!("{s}"),
            Err(e) => {
                print_error(&e, None);
                return EXIT_FAILED;
            }
        }
        return EXIT_OK;
    }
    if ports.is_empty() {
        say!("no serial ports found");
        return EXIT_OK;
    }
    say!(
        "{:<28} {:<9} {:<4} {:<4} {:<20} {:<8} PRODUCT",
        "PORT",
        "TYPE",
        "VID",
        "PID",
        "SERIAL",
        "DRIVER"
    );
    for p in &ports {
        say!(
            "{:<28} {:<9} {:<4} {:<4} {:<20} {:<8} {}",
            p.path,
            p.kind,
            hex4(p.vid),
            hex4(p.pid),
            p.serial.as_deref().unwrap_or("-"),
            p.driver.map_or("-", Driver::name),
            [p.manufacturer.as_deref(), p.product.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    EXIT_OK
}

fn probe(port: &str, driver: Driver, timeout: u64, json: bool) -> i32 {
    let spec = match PortSpec::parse(port) {
        Ok(s) => s,
        Err(e) => {
            errln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let timeouts = Timeouts {
        reply: Duration::from_secs(timeout),
        confirm: Duration::from_secs(timeout),
    };
    let result = device::connect(driver, &spec, timeouts).and_then(|mut w| {
        let mut id = w.identify()?;
        if driver == Driver::Specter {
            id.fields
                .push(("fingerprint".to_string(), w.fingerprint(Network::Bitcoin)?));
        }
        Ok(id)
    });
    let id = match result {
        Ok(id) => id,
        Err(e) => {
            print_error(&e, None);
            return if matches!(e, device::DeviceError::BadPort { .. }) {
                EXIT_USAGE
            } else {
                EXIT_FAILED
            };
        }
    };
    if json {
        let mut v = serde_json::json!({ "driver": id.driver, "port": id.port });
        for (k, val) in &id.fields {
            v[k] = serde_json::Value::String(val.clone());
        }
        if let Some(s) = &id.usb_serial {
            v["usb_serial"] = serde_json::Value::String(s.clone());
        }
        say!("{v}");
    } else {
        say!("{:<20} {}", "driver", id.driver);
        say!("{:<20} {}", "port", id.port);
        if let Some(s) = &id.usb_serial {
            say!("{:<20} {s}", "usb serial");
        }
        for (k, v) in &id.fields {
            say!("{k:<20} {v}");
        }
    }
    EXIT_OK
}

/// The master secret recovered from SLIP-39 shares given with `--mnemonic`.
fn secret_from_mnemonics(mnemonics: &[String]) -> Result<Zeroizing<Vec<u8>>, String> {
    let mut shares = Vec::with_capacity(mnemonics.len());
    for (i, m) in mnemonics.iter().enumerate() {
        shares.push(
            crate::slip39::Share::from_mnemonic(m)
                .map_err(|e| format!("--mnemonic {}: {e}", i + 1))?,
        );
    }
    let secret = crate::slip39::combine(&shares, &crate::slip39::Passphrase::empty())
        .map_err(|e| e.to_string())?;
    Ok(Zeroizing::new(secret.expose_secret().to_vec()))
}

fn simulate(args: SimulateArgs) -> i32 {
    let from_mnemonic = if args.mnemonic.is_empty() {
        None
    } else {
        match secret_from_mnemonics(&args.mnemonic) {
            Ok(s) => Some(s),
            Err(e) => {
                errln!("error: the shares given with --mnemonic do not give a secret: {e}");
                errln!("  hint: give enough shares of one set to recover it, each as one quoted argument");
                return EXIT_USAGE;
            }
        }
    };
    if args.secret_hex.is_none() && from_mnemonic.is_none() && args.state != SimState::Uninit {
        errln!("error: --secret-hex or --mnemonic is required unless --state uninit");
        errln!("  hint: give the simulated wallet's seed, such as --secret-hex 000102030405060708090a0b0c0d0e0f (test data only)");
        return EXIT_USAGE;
    }
    let config = SimConfig {
        driver: args.driver,
        state: args.state,
        secret: from_mnemonic.or_else(|| args.secret_hex.as_ref().map(|s| s.0.clone())),
        debug_build: !args.release_firmware,
        faults: Faults {
            delay: Duration::from_millis(args.delay_ms),
            only_first: args.fault_requests,
            garbage: args.garbage,
            garbage_reply: args.garbage_reply,
            split: args.split,
            log_maps: args.log_maps,
            hangup_at: args.hangup_at,
            wrong_wallet: args.wrong_wallet,
        },
    };
    crate::hygiene::harden();
    let mut running = Vec::new();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "simulating a {} (state {:?}{})",
        args.driver.product(),
        args.state,
        if args.release_firmware {
            ", release firmware"
        } else {
            ""
        }
    );
    if let Some(link) = &args.link {
        match Simulator::start_pty(config.clone(), Some(link)) {
            Ok(sim) => {
                let _ = writeln!(
                    out,
                    "pty {} linked at {}",
                    sim.slave().display(),
                    link.display()
                );
                running.push(sim);
            }
            Err(e) => {
                print_error(&e, None);
                return EXIT_FAILED;
            }
        }
    }
    if let Some(addr) = &args.tcp {
        match Simulator::start_tcp(config, addr) {
            Ok(sim) => {
                if let Some(a) = sim.tcp_addr() {
                    let _ = writeln!(out, "tcp tcp:{a}");
                }
                running.push(sim);
            }
            Err(e) => {
                print_error(&e, None);
                return EXIT_FAILED;
            }
        }
    }
    if let Some(fp) = running.first().and_then(|s| s.fingerprint()) {
        let _ = writeln!(out, "fingerprint {fp}");
    }
    let _ = writeln!(out, "serving until stopped (Ctrl-C)");
    let _ = out.flush();
    drop(out);
    loop {
        std::thread::park();
    }
}
