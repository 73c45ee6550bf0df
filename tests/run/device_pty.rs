//! The drivers against the simulator on a pseudo-terminal pair: the simulator serves the
//! master on a thread, the driver opens the slave by path through `serialport`, so the
//! real termios, timeout and hang-up code runs. Every fault mode of the simulator is
//! exercised, for both drivers.

use std::path::Path;
use std::time::{Duration, Instant};

use keyrite::bip32::{identity, parse_path, Network};
use keyrite::device::jade::{code, Jade};
use keyrite::device::sim::{Faults, SimConfig, SimState, Simulator};
use keyrite::device::transport::SerialLink;
use keyrite::device::{self, message, DeviceError, Driver, PortSpec, Timeouts, Wallet};
use keyrite::slip39::MasterSecret;
use zeroize::Zeroizing;

const SECRET: &str = "8f3a1c2b9d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a";

fn secret() -> Zeroizing<Vec<u8>> {
    Zeroizing::new(hex::decode(SECRET).unwrap())
}

fn expected(network: Network, path: &str) -> (String, String) {
    let id = identity(
        &MasterSecret::new(&secret()).unwrap(),
        network,
        &parse_path(path).unwrap(),
    )
    .unwrap();
    (id.master_fingerprint, id.xpub)
}

fn config(driver: Driver, faults: Faults) -> SimConfig {
    SimConfig {
        driver,
        state: SimState::Ready,
        secret: Some(secret()),
        debug_build: true,
        faults,
    }
}

fn quick() -> Timeouts {
    Timeouts {
        reply: Duration::from_secs(5),
        confirm: Duration::from_secs(5),
    }
}

fn connect(driver: Driver, path: &Path, timeouts: Timeouts) -> Box<dyn Wallet> {
    device::connect(
        driver,
        &PortSpec::Path(path.display().to_string()),
        timeouts,
    )
    .expect("the simulator's pty opens")
}

fn methods(w: &mut dyn Wallet) -> Vec<String> {
    w.take_exchanges().into_iter().map(|e| e.method).collect()
}

#[test]
fn jade_answers_for_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("jade");
    let sim = Simulator::start_pty(config(Driver::Jade, Faults::default()), Some(&link)).unwrap();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let mut w = connect(Driver::Jade, &link, quick());
    let id = w.identify().unwrap();
    assert_eq!(id.driver, "jade");
    assert_eq!(id.board.as_deref(), Some("KEYRITE_SIMULATOR"));
    assert_eq!(id.state.as_deref(), Some("READY"));
    assert_eq!(id.mac.as_deref(), Some("00005E005301"));
    assert!(id.firmware.unwrap().starts_with("1.0."));
    w.unlock(Network::Bitcoin).unwrap();
    let (fp, xpub) = expected(Network::Bitcoin, "m/84'/0'/0'");
    assert_eq!(w.fingerprint(Network::Bitcoin).unwrap(), fp);
    assert_eq!(sim.fingerprint(), Some(fp.as_str()));
    let path = parse_path("m/84'/0'/0'").unwrap();
    assert_eq!(w.xpub(Network::Bitcoin, &path).unwrap(), xpub);
    let (_, tpub) = expected(Network::Testnet, "m/84'/1'/0'");
    let tpath = parse_path("m/84'/1'/0'").unwrap();
    assert_eq!(w.xpub(Network::Testnet, &tpath).unwrap(), tpub);
    // Signing: the signature verifies against the xpub at the signing path.
    let spath = parse_path("m/84'/0'/0'/0/0").unwrap();
    let sxpub: bitcoin::bip32::Xpub = w.xpub(Network::Bitcoin, &spath).unwrap().parse().unwrap();
    let sig = w.sign_message(&spath, "keyrite pty test").unwrap();
    message::verify(&sxpub.public_key, "keyrite pty test", &sig).unwrap();
    assert!(message::verify(&sxpub.public_key, "another text", &sig).is_err());
    let ex = w.take_exchanges();
    let names: Vec<&str> = ex.iter().map(|e| e.method.as_str()).collect();
    assert_eq!(
        names,
        [
            "get_version_info",
            "add_entropy",
            "auth_user",
            "get_xpub",
            "get_xpub",
            "get_xpub",
            "get_xpub",
            "sign_message"
        ]
    );
    assert!(ex
        .iter()
        .all(|e| e.reply_sha256.len() == 64 && e.skipped_bytes == 0));
    // A second client after the first closes (exclusivity was released).
    drop(w);
    let mut again = connect(Driver::Jade, &link, quick());
    assert_eq!(again.fingerprint(Network::Bitcoin).unwrap(), fp);
    drop(again);
    drop(sim);
    assert!(
        std::fs::symlink_metadata(&link).is_err(),
        "the link is removed on stop"
    );
}

#[test]
fn specter_answers_for_the_secret() {
    let sim = Simulator::start_pty(config(Driver::Specter, Faults::default()), None).unwrap();
    let mut w = connect(Driver::Specter, &sim.path(), quick());
    let id = w.identify().unwrap();
    assert_eq!(id.driver, "specter");
    w.unlock(Network::Bitcoin).unwrap();
    let (fp, xpub) = expected(Network::Bitcoin, "m/84'/0'/0'");
    assert_eq!(w.fingerprint(Network::Bitcoin).unwrap(), fp);
    let path = parse_path("m/84h/0h/0h").unwrap();
    assert_eq!(w.xpub(Network::Bitcoin, &path).unwrap(), xpub);
    let spath = parse_path("m/84'/0'/0'/0/3").unwrap();
    let key: bitcoin::bip32::Xpub = w.xpub(Network::Bitcoin, &spath).unwrap().parse().unwrap();
    for msg in ["plain ascii text", "two\r\nlines and ünïcode"] {
        let sig = w.sign_message(&spath, msg).unwrap();
        message::verify(&key.public_key, msg, &sig).unwrap();
    }
    assert_eq!(
        methods(w.as_mut()),
        ["fingerprint", "xpub", "xpub", "signmessage", "signmessage"]
    );
    // `error: ...` lines become Specter errors with a hint.
    let specter = w.as_mut();
    assert!(matches!(
        specter.load_seed(&secret(), false),
        Err(DeviceError::DebugLoadRefused)
    ));
    assert!(matches!(
        specter.load_seed(&secret(), true),
        Err(DeviceError::Unsupported { .. })
    ));
}

#[test]
fn specter_errors_and_busy_device() {
    let mut cfg = config(Driver::Specter, Faults::default());
    cfg.state = SimState::Locked;
    let sim = Simulator::start_pty(cfg, None).unwrap();
    let mut w = connect(Driver::Specter, &sim.path(), quick());
    let e = w.fingerprint(Network::Bitcoin).unwrap_err();
    assert!(
        matches!(&e, DeviceError::Specter { message, .. } if message == "Device is busy"),
        "{e}"
    );
    assert!(e.to_string().contains("unlock it with its PIN"), "{e}");
}

#[test]
fn delay_within_the_timeout_is_waited_for() {
    let faults = Faults {
        delay: Duration::from_millis(300),
        ..Faults::default()
    };
    for driver in [Driver::Jade, Driver::Specter] {
        let sim = Simulator::start_pty(config(driver, faults.clone()), None).unwrap();
        let mut w = connect(driver, &sim.path(), quick());
        let t = Instant::now();
        let (fp, _) = expected(Network::Bitcoin, "m");
        assert_eq!(w.fingerprint(Network::Bitcoin).unwrap(), fp);
        assert!(t.elapsed() >= Duration::from_millis(300));
    }
}

#[test]
fn delay_past_the_timeout_times_out_then_a_retry_works() {
    let faults = Faults {
        delay: Duration::from_millis(1500),
        only_first: Some(1),
        ..Faults::default()
    };
    let short = Timeouts {
        reply: Duration::from_millis(700),
        confirm: Duration::from_millis(700),
    };
    for driver in [Driver::Jade, Driver::Specter] {
        let sim = Simulator::start_pty(config(driver, faults.clone()), None).unwrap();
        let mut w = connect(driver, &sim.path(), short);
        let t = Instant::now();
        let e = w.fingerprint(Network::Bitcoin).unwrap_err();
        assert!(
            t.elapsed() < Duration::from_millis(1400),
            "the deadline is kept"
        );
        assert!(matches!(e, DeviceError::Timeout { .. }), "{e}");
        assert!(e.retryable());
        assert!(e.to_string().contains("no reply to"), "{e}");
        // The stale reply arrives late on the same connection; the next request must
        // not take it for its own (ids for Jade, a fresh ACK for Specter).
        std::thread::sleep(Duration::from_millis(1000));
        let (fp, _) = expected(Network::Bitcoin, "m");
        assert_eq!(w.fingerprint(Network::Bitcoin).unwrap(), fp, "{driver}");
    }
}

#[test]
fn stale_jade_reply_is_skipped_by_id() {
    // The delayed reply to the first request arrives while the second waits.
    let faults = Faults {
        delay: Duration::from_millis(600),
        only_first: Some(1),
        ..Faults::default()
    };
    let sim = Simulator::start_pty(config(Driver::Jade, faults), None).unwrap();
    let link = SerialLink::open(&sim.path().display().to_string(), Duration::from_secs(2)).unwrap();
    let mut jade = Jade::new(Box::new(link), quick(), None);
    let e = jade
        .call("ping", None, Duration::from_millis(200))
        .unwrap_err();
    assert!(matches!(e, DeviceError::Timeout { .. }));
    let info = jade.version_info().unwrap();
    assert_eq!(info["JADE_STATE"], "READY");
}

#[test]
fn boot_noise_before_replies_is_skipped() {
    let faults = Faults {
        garbage: true,
        ..Faults::default()
    };
    for driver in [Driver::Jade, Driver::Specter] {
        let sim = Simulator::start_pty(config(driver, faults.clone()), None).unwrap();
        let mut w = connect(driver, &sim.path(), quick());
        let (fp, _) = expected(Network::Bitcoin, "m");
        assert_eq!(w.fingerprint(Network::Bitcoin).unwrap(), fp);
        let ex = w.take_exchanges();
        assert!(ex.iter().all(|e| e.skipped_bytes > 0), "{driver}: {ex:?}");
    }
}

#[test]
fn garbage_instead_of_a_reply_is_a_garbage_error() {
    let faults = Faults {
        garbage_reply: true,
        ..Faults::default()
    };
    let short = Timeouts {
        reply: Duration::from_millis(600),
        confirm: Duration::from_millis(600),
    };
    for driver in [Driver::Jade, Driver::Specter] {
        let sim = Simulator::start_pty(config(driver, faults.clone()), None).unwrap();
        let mut w = connect(driver, &sim.path(), short);
        let e = w.fingerprint(Network::Bitcoin).unwrap_err();
        assert!(
            matches!(e, DeviceError::GarbageReply { .. }),
            "{driver}: {e}"
        );
        assert!(e.to_string().contains("device reply: garbage"), "{e}");
        assert!(e.retryable());
    }
}

#[test]
fn replies_split_into_pieces_decode() {
    let faults = Faults {
        split: true,
        ..Faults::default()
    };
    for driver in [Driver::Jade, Driver::Specter] {
        let sim = Simulator::start_pty(config(driver, faults.clone()), None).unwrap();
        let mut w = connect(driver, &sim.path(), quick());
        w.identify().unwrap();
        w.unlock(Network::Bitcoin).unwrap();
        let (fp, xpub) = expected(Network::Bitcoin, "m/84'/0'/0'");
        assert_eq!(w.fingerprint(Network::Bitcoin).unwrap(), fp);
        assert_eq!(
            w.xpub(Network::Bitcoin, &parse_path("m/84'/0'/0'").unwrap())
                .unwrap(),
            xpub
        );
    }
}

#[test]
fn log_maps_between_replies_are_skipped() {
    let faults = Faults {
        log_maps: true,
        ..Faults::default()
    };
    let sim = Simulator::start_pty(config(Driver::Jade, faults), None).unwrap();
    let mut w = connect(Driver::Jade, &sim.path(), quick());
    w.identify().unwrap();
    let (fp, _) = expected(Network::Bitcoin, "m");
    assert_eq!(w.fingerprint(Network::Bitcoin).unwrap(), fp);
    let ex = w.take_exchanges();
    assert!(ex.iter().all(|e| e.skipped_bytes > 20), "{ex:?}");
}

#[test]
fn hang_up_mid_reply_then_the_replugged_device_answers() {
    let dir = tempfile::tempdir().unwrap();
    for driver in [Driver::Jade, Driver::Specter] {
        let link = dir.path().join(driver.name());
        let faults = Faults {
            hangup_at: Some(2),
            ..Faults::default()
        };
        let sim = Simulator::start_pty(config(driver, faults), Some(&link)).unwrap();
        let mut w = connect(driver, &link, quick());
        w.identify().unwrap();
        let path = parse_path("m/84'/0'/0'").unwrap();
        // Jade: request 2 is add_entropy; Specter: the first two are xpub queries.
        let e = match driver {
            Driver::Jade => w.unlock(Network::Bitcoin).unwrap_err(),
            Driver::Specter => {
                w.xpub(Network::Bitcoin, &path).unwrap();
                w.xpub(Network::Bitcoin, &path).unwrap_err()
            }
        };
        assert!(
            matches!(e, DeviceError::Disconnected { .. }),
            "{driver}: {e}"
        );
        assert!(e.to_string().contains("hung up"), "{e}");
        drop(w);
        // The device comes back on a new pty (the kernel may reuse its number); the link
        // follows it.
        let t = Instant::now();
        while sim.replugs() == 0 && t.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(sim.replugs(), 1);
        let mut w = connect(driver, &link, quick());
        w.unlock(Network::Bitcoin).unwrap();
        let (fp, xpub) = expected(Network::Bitcoin, "m/84'/0'/0'");
        assert_eq!(w.fingerprint(Network::Bitcoin).unwrap(), fp);
        assert_eq!(w.xpub(Network::Bitcoin, &path).unwrap(), xpub);
    }
}

#[test]
fn wrong_wallet_mode_answers_for_another_seed() {
    let faults = Faults {
        wrong_wallet: true,
        ..Faults::default()
    };
    for driver in [Driver::Jade, Driver::Specter] {
        let sim = Simulator::start_pty(config(driver, faults.clone()), None).unwrap();
        let mut w = connect(driver, &sim.path(), quick());
        w.unlock(Network::Bitcoin).unwrap();
        let (fp, _) = expected(Network::Bitcoin, "m");
        let got = w.fingerprint(Network::Bitcoin).unwrap();
        assert_ne!(got, fp);
        assert_eq!(sim.fingerprint(), Some(got.as_str()));
    }
}

#[test]
fn locked_and_uninitialised_jades_say_what_to_do() {
    let mut cfg = config(Driver::Jade, Faults::default());
    cfg.state = SimState::Locked;
    let sim = Simulator::start_pty(cfg, None).unwrap();
    let mut w = connect(Driver::Jade, &sim.path(), quick());
    assert_eq!(w.identify().unwrap().state.as_deref(), Some("LOCKED"));
    let e = w.unlock(Network::Bitcoin).unwrap_err();
    assert_eq!(
        e.to_string(),
        "this device needs its PIN server, which an offline ceremony cannot reach; use Recovery Phrase Login (temporary wallet) on the device"
    );
    // Asking anyway: -32002, with what to do.
    let e = w.fingerprint(Network::Bitcoin).unwrap_err();
    match &e {
        DeviceError::Rpc { code: c, .. } => assert_eq!(*c, code::HW_LOCKED),
        other => panic!("{other}"),
    }
    assert!(e.to_string().contains("Recovery Phrase Login"), "{e}");

    let cfg = SimConfig {
        state: SimState::Uninit,
        secret: None,
        ..config(Driver::Jade, Faults::default())
    };
    let sim = Simulator::start_pty(cfg, None).unwrap();
    let mut w = connect(Driver::Jade, &sim.path(), quick());
    let e = w.unlock(Network::Bitcoin).unwrap_err();
    assert!(
        matches!(&e, DeviceError::NoWallet { state } if state == "UNINIT"),
        "{e}"
    );
}

#[test]
fn error_reply_with_id_00_and_unknown_methods() {
    let sim = Simulator::start_pty(config(Driver::Jade, Faults::default()), None).unwrap();
    let link = SerialLink::open(&sim.path().display().to_string(), Duration::from_secs(2)).unwrap();
    let mut jade = Jade::new(Box::new(link), quick(), None);
    // Jade refuses a method name of 32 characters or more with id "00".
    let e = jade
        .call(&"x".repeat(40), None, Duration::from_secs(2))
        .unwrap_err();
    match &e {
        DeviceError::Rpc { code: c, .. } => assert_eq!(*c, code::INVALID_REQUEST),
        other => panic!("{other}"),
    }
    let e = jade
        .call("no_such_method", None, Duration::from_secs(2))
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("this firmware has no `no_such_method`"),
        "{e}"
    );
    assert_eq!(
        jade.call("ping", None, Duration::from_secs(2)).unwrap(),
        ciborium::Value::Integer(0.into())
    );
}

#[test]
fn debug_load_only_when_allowed_and_only_on_debug_firmware() {
    let uninit = SimConfig {
        state: SimState::Uninit,
        secret: None,
        ..config(Driver::Jade, Faults::default())
    };
    let sim = Simulator::start_pty(uninit.clone(), None).unwrap();
    let mut w = connect(Driver::Jade, &sim.path(), quick());
    assert!(matches!(
        w.load_seed(&secret(), false),
        Err(DeviceError::DebugLoadRefused)
    ));
    assert!(w.take_exchanges().is_empty(), "nothing was sent");
    w.load_seed(&secret(), true).unwrap();
    assert_eq!(w.identify().unwrap().state.as_deref(), Some("TEMP"));
    let (fp, _) = expected(Network::Bitcoin, "m");
    assert_eq!(w.fingerprint(Network::Bitcoin).unwrap(), fp);
    let ex = w.take_exchanges();
    assert_eq!(ex[0].method, "debug_set_mnemonic");

    let release = SimConfig {
        debug_build: false,
        ..uninit
    };
    let sim = Simulator::start_pty(release, None).unwrap();
    let mut w = connect(Driver::Jade, &sim.path(), quick());
    let e = w.load_seed(&secret(), true).unwrap_err();
    assert!(matches!(&e, DeviceError::Rpc { code: c, .. } if *c == code::UNKNOWN_METHOD));
    assert!(e.to_string().contains("debug build"), "{e}");
}

#[test]
fn a_missing_port_is_a_clear_error() {
    let e = device::connect(
        Driver::Jade,
        &PortSpec::Path("/dev/keyrite-no-such-port".into()),
        quick(),
    )
    .err()
    .unwrap();
    assert!(matches!(e, DeviceError::Open { .. }));
    assert!(e
        .to_string()
        .contains("cannot open the serial port /dev/keyrite-no-such-port"));
    assert!(e.retryable());
    let e = device::connect(Driver::Jade, &PortSpec::Simulator, quick())
        .err()
        .unwrap();
    assert!(!e.retryable());
}
