//! Interop: Blockstream's own client code, through HWI (`python3 -m pip install hwi`,
//! which bundles jadepy), drives the simulator over TCP as it drives Jade's QEMU
//! emulator, and must get the secret's xpub; jadepy itself makes the other calls. (HWI
//! 3.x no longer has a Specter-DIY client.) Our own drivers run over TCP too.
//!
//! Without HWI the HWI tests print a skip message and pass, unless
//! `KEYRITE_REQUIRE_INTEROP=1`: then they fail with the install command.

use std::process::Command;
use std::time::Duration;

use keyrite::bip32::{identity, parse_path, Network};
use keyrite::device::sim::{Faults, SimConfig, SimState, Simulator};
use keyrite::device::{self, message, Driver, PortSpec, Timeouts};
use keyrite::slip39::MasterSecret;
use zeroize::Zeroizing;

use crate::common::{interop_required, say_skipped};

const SECRET: &str = "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e5349553";
const INSTALL: &str = "python3 -m pip install hwi==3.2.0";

fn expected(network: Network, path: &str) -> String {
    identity(
        &MasterSecret::new(&hex::decode(SECRET).unwrap()).unwrap(),
        network,
        &parse_path(path).unwrap(),
    )
    .unwrap()
    .xpub
}

fn sim(driver: Driver) -> Simulator {
    let config = SimConfig {
        driver,
        state: SimState::Ready,
        secret: Some(Zeroizing::new(hex::decode(SECRET).unwrap())),
        debug_build: false,
        faults: Faults::default(),
    };
    Simulator::start_tcp(config, "127.0.0.1:0").expect("the simulator listens")
}

/// The command that runs HWI, if it is installed.
fn hwi() -> Option<Vec<String>> {
    let ok = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if ok("hwi", &["--version"]) {
        return Some(vec!["hwi".to_string()]);
    }
    if ok("python3", &["-c", "import hwilib._cli"]) {
        return Some(
            [
                "python3",
                "-c",
                "import sys; from hwilib._cli import main; sys.exit(main())",
            ]
            .map(String::from)
            .to_vec(),
        );
    }
    None
}

/// HWI, or `None` after printing why the test is skipped (a failure if interop is
/// required).
fn require_hwi(test: &str) -> Option<Vec<String>> {
    let found = hwi();
    if found.is_none() {
        if interop_required() {
            panic!("{test}: HWI is not installed and KEYRITE_REQUIRE_INTEROP=1; install it with: {INSTALL}");
        }
        say_skipped(&format!(
            "skipped {test}: HWI is not installed (install it with: {INSTALL})"
        ));
    }
    found
}

fn run_hwi(hwi: &[String], args: &[&str]) -> serde_json::Value {
    let out = Command::new(&hwi[0])
        .args(&hwi[1..])
        .args(args)
        .output()
        .expect("hwi runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "hwi {args:?} failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("hwi printed {stdout}: {e}"))
}

#[test]
fn hwi_gets_the_xpub_from_the_jade_simulator_over_tcp() {
    let Some(hwi) = require_hwi("hwi_gets_the_xpub_from_the_jade_simulator_over_tcp") else {
        return;
    };
    let sim = sim(Driver::Jade);
    let port = format!("tcp:{}", sim.tcp_addr().unwrap());
    let v = run_hwi(
        &hwi,
        &[
            "--device-type",
            "jade",
            "--device-path",
            &port,
            "getxpub",
            "m/84h/0h/0h",
        ],
    );
    assert_eq!(v["xpub"], expected(Network::Bitcoin, "m/84'/0'/0'"), "{v}");
    // Testnet: HWI asks for network `testnet` and gets a tpub.
    let v = run_hwi(
        &hwi,
        &[
            "--device-type",
            "jade",
            "--device-path",
            &port,
            "--chain",
            "test",
            "getxpub",
            "m/84h/1h/0h",
        ],
    );
    assert_eq!(v["xpub"], expected(Network::Testnet, "m/84'/1'/0'"), "{v}");
    // A message signed through HWI verifies against the xpub at its path.
    let v = run_hwi(
        &hwi,
        &[
            "--device-type",
            "jade",
            "--device-path",
            &port,
            "signmessage",
            "keyrite interop",
            "m/84h/0h/0h/0/0",
        ],
    );
    let xpub: bitcoin::bip32::Xpub = expected(Network::Bitcoin, "m/84'/0'/0'/0/0")
        .parse()
        .unwrap();
    message::verify(
        &xpub.public_key,
        "keyrite interop",
        v["signature"].as_str().unwrap(),
    )
    .unwrap();
}

/// Blockstream's jadepy, as HWI bundles it (`hwilib.devices.jadepy`; the PyPI package
/// named `jadepy` is an unrelated project), calls the simulator directly: the calls
/// clients make first, a debug seed load into an empty device, signing, errors.
const JADEPY: &str = r#"
import sys, json
from hwilib.devices.jadepy.jade import JadeAPI, JadeError
port, seed = sys.argv[1], bytes.fromhex(sys.argv[2])
out = {}
with JadeAPI.create_serial(port, timeout=10) as jade:
    out['ping'] = jade.ping()
    info = jade.get_version_info()
    out['state_before'] = info['JADE_STATE']
    out['board'] = info['BOARD_TYPE']
    out['add_entropy'] = jade.add_entropy(b'\x01' * 32)
    out['set_epoch'] = jade.set_epoch()
    try:
        jade.get_xpub('mainnet', [])
    except JadeError as e:
        out['locked_code'] = e.code
    out['set_seed'] = jade.set_seed(seed)
    out['state_after'] = jade.get_version_info()['JADE_STATE']
    out['auth_user'] = jade.auth_user('mainnet')
    out['xpub'] = jade.get_xpub('mainnet', [2147483732, 2147483648, 2147483648])
    out['signature'] = jade.sign_message([2147483732, 2147483648, 2147483648, 0, 0], 'jadepy says hi')
    try:
        jade._jadeRpc('no_such_method')
    except JadeError as e:
        out['unknown_code'] = e.code
    out['logout'] = jade.logout()
print(json.dumps(out))
"#;

#[test]
fn jadepy_drives_an_empty_debug_simulator() {
    let Some(_) = require_hwi("jadepy_drives_an_empty_debug_simulator") else {
        return;
    };
    let config = SimConfig {
        driver: Driver::Jade,
        state: SimState::Uninit,
        secret: None,
        debug_build: true,
        faults: Faults {
            log_maps: true,
            split: true,
            ..Faults::default()
        },
    };
    let sim = Simulator::start_tcp(config, "127.0.0.1:0").unwrap();
    let port = format!("tcp:{}", sim.tcp_addr().unwrap());
    let out = Command::new("python3")
        .args(["-c", JADEPY, &port, SECRET])
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "jadepy failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["ping"], 0);
    assert_eq!(v["state_before"], "UNINIT");
    assert_eq!(v["board"], "KEYRITE_SIMULATOR");
    assert_eq!(v["add_entropy"], true);
    assert_eq!(v["set_epoch"], true);
    assert_eq!(v["locked_code"], -32002);
    assert_eq!(v["set_seed"], true);
    assert_eq!(v["state_after"], "TEMP");
    assert_eq!(v["auth_user"], true);
    assert_eq!(v["xpub"], expected(Network::Bitcoin, "m/84'/0'/0'"));
    assert_eq!(v["unknown_code"], -32601);
    assert_eq!(v["logout"], true);
    let xpub: bitcoin::bip32::Xpub = expected(Network::Bitcoin, "m/84'/0'/0'/0/0")
        .parse()
        .unwrap();
    message::verify(
        &xpub.public_key,
        "jadepy says hi",
        v["signature"].as_str().unwrap(),
    )
    .unwrap();
}

#[test]
fn our_drivers_over_tcp() {
    let timeouts = Timeouts {
        reply: Duration::from_secs(5),
        confirm: Duration::from_secs(5),
    };
    for driver in [Driver::Jade, Driver::Specter] {
        let sim = sim(driver);
        let addr = sim.tcp_addr().unwrap();
        let spec = PortSpec::parse(&format!("tcp:{addr}")).unwrap();
        let mut w = device::connect(driver, &spec, timeouts).unwrap();
        w.identify().unwrap();
        w.unlock(Network::Bitcoin).unwrap();
        let path = parse_path("m/84'/0'/0'").unwrap();
        assert_eq!(
            w.xpub(Network::Bitcoin, &path).unwrap(),
            expected(Network::Bitcoin, "m/84'/0'/0'")
        );
        assert_eq!(
            w.fingerprint(Network::Bitcoin).unwrap(),
            sim.fingerprint().unwrap()
        );
    }
    // Nothing listening: a clear error.
    let spec = PortSpec::parse("tcp:127.0.0.1:1").unwrap();
    let e = device::connect(Driver::Jade, &spec, timeouts)
        .err()
        .unwrap();
    assert!(
        e.to_string()
            .starts_with("cannot connect to tcp:127.0.0.1:1"),
        "{e}"
    );
}
