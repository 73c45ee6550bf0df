//! A throw-away GnuPG home per test, driven in batch mode.
//!
//! If `gpg` is not installed, [`gpg`] prints why and returns `None` (the test then
//! passes without checking interop) — unless `KEYRITE_REQUIRE_INTEROP=1`, when it
//! panics, so CI cannot silently skip the interop checks.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

/// A GnuPG home directory with its own agent, killed on drop.
pub struct Gpg {
    home: TempDir,
}

/// Get a fresh GnuPG home, or `None` (after saying why) if `gpg` is missing.
pub fn gpg() -> Option<Gpg> {
    let found = Command::new("gpg")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !found {
        if super::interop_required() {
            panic!("gpg is not installed but KEYRITE_REQUIRE_INTEROP=1: install GnuPG 2.2");
        }
        // Once per test binary.
        static SAID: std::sync::Once = std::sync::Once::new();
        SAID.call_once(|| {
            super::say_skipped(
                "SKIPPED: gpg is not installed, so GnuPG interop is NOT checked \
                 (set KEYRITE_REQUIRE_INTEROP=1 to fail instead)",
            );
        });
        return None;
    }
    let home = tempfile::Builder::new()
        .prefix("kr-gpg")
        .tempdir_in("/tmp")
        .expect("temp GNUPGHOME");
    let mut perms = std::fs::metadata(home.path()).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o700);
    std::fs::set_permissions(home.path(), perms).unwrap();
    Some(Gpg { home })
}

/// Skip the test (return) when gpg is missing.
#[macro_export]
macro_rules! gpg_or_skip {
    () => {
        match $crate::common::gnupg::gpg() {
            Some(g) => g,
            None => return,
        }
    };
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", self.home.path())
            .args(["--kill", "all"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Gpg {
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// A file path inside the home (for test inputs and outputs).
    pub fn path(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }

    /// Writes `data` to a file in the home and returns its path.
    pub fn write(&self, name: &str, data: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, data).unwrap();
        p
    }

    /// Runs gpg in batch mode with loopback pinentry; returns the output whatever the
    /// exit status.
    pub fn run(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        let mut child = Command::new("gpg")
            .env("GNUPGHOME", self.home.path())
            .args(["--batch", "--no-tty", "--pinentry-mode", "loopback"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn gpg");
        let mut input = child.stdin.take().unwrap();
        let data = stdin.map(|d| d.to_vec()).unwrap_or_default();
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(&data);
        });
        let out = child.wait_with_output().expect("gpg output");
        writer.join().unwrap();
        out
    }

    /// Runs gpg and panics with its stderr unless it succeeds; returns stdout.
    pub fn ok(&self, args: &[&str], stdin: Option<&[u8]>) -> Vec<u8> {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "gpg {:?} failed ({}):\n{}",
            args,
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// `gpg --quick-gen-key`; returns the new key's fingerprint.
    pub fn gen_key(&self, uid: &str, algo: &str, usage: &str, expire: &str) -> String {
        self.gen_key_with(&[], uid, algo, usage, expire)
    }

    /// As [`Gpg::gen_key`], with extra options first (e.g. `--faked-system-time`).
    pub fn gen_key_with(
        &self,
        extra: &[&str],
        uid: &str,
        algo: &str,
        usage: &str,
        expire: &str,
    ) -> String {
        let mut args: Vec<&str> = extra.to_vec();
        args.extend([
            "--passphrase",
            "",
            "--status-fd",
            "1",
            "--quick-gen-key",
            uid,
            algo,
            usage,
            expire,
        ]);
        let out = String::from_utf8(self.ok(&args, None)).unwrap();
        out.lines()
            .find_map(|l| l.strip_prefix("[GNUPG:] KEY_CREATED "))
            .and_then(|rest| rest.split_whitespace().nth(1))
            .unwrap_or_else(|| panic!("no KEY_CREATED in {out}"))
            .to_string()
    }

    /// A key that can certify, sign and encrypt, as a user would make it: `default`
    /// (gpg's own choice: ed25519 + cv25519 subkey), or an RSA size such as `rsa3072`
    /// (primary key, plus an encryption subkey of the same algorithm, added with
    /// `--quick-add-key`, since `--quick-gen-key` with an algorithm makes only the
    /// primary key).
    pub fn gen_full(&self, uid: &str, algo: &str) -> String {
        let fpr = self.gen_key(uid, algo, "default", "never");
        if algo != "default" {
            self.ok(
                &[
                    "--passphrase",
                    "",
                    "--quick-add-key",
                    &fpr,
                    algo,
                    "encr",
                    "never",
                ],
                None,
            );
        }
        fpr
    }

    pub fn import(&self, data: &[u8]) {
        self.ok(&["--passphrase", "", "--import"], Some(data));
    }

    pub fn import_secret(&self, data: &[u8], passphrase: &str) {
        self.ok(&["--passphrase", passphrase, "--import"], Some(data));
    }

    pub fn export(&self, fpr: &str) -> Vec<u8> {
        self.ok(&["--armor", "--export", fpr], None)
    }

    pub fn export_secret(&self, fpr: &str) -> Vec<u8> {
        self.ok(
            &["--passphrase", "", "--armor", "--export-secret-keys", fpr],
            None,
        )
    }

    /// `gpg --list-packets` of `data`, as text.
    pub fn list_packets(&self, data: &[u8]) -> String {
        let out = self.run(&["--list-only", "--list-packets"], Some(data));
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    }

    /// `gpg --verify sig data` with `--status-fd 1`: (success, status lines).
    pub fn verify(&self, sig: &Path, data: &Path) -> (bool, String) {
        let out = self.run(
            &[
                "--status-fd",
                "1",
                "--verify",
                sig.to_str().unwrap(),
                data.to_str().unwrap(),
            ],
            None,
        );
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    }
}
