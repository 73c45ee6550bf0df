//! Ceremony scripts: `keyrite::script::parse`, the entry point `keyrite check` and
//! `keyrite run` use on a script's bytes, after `yaml::decode` and `yaml::load`.
//!
//! Properties beyond "no panic":
//! - a script that parses has the SHA-256 of exactly the bytes given;
//! - the YAML tree of a file that loads holds no forbidden character (the loader refuses
//!   them, also when they come from an escape such as `"\e"`);
//! - every problem has a position inside the file, and shown through
//!   `sanitize::for_terminal` it holds no control character but a line feed.
//!
//! Role certificates are looked up relative to `tests/check/` of this repository, so
//! the seeds taken from there (`cert: certs/officer.asc`) reach the certificate checks.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use keyrite::script::yaml::{self, Budget, Node, NodeKind};
use libfuzzer_sys::fuzz_target;

fn script_path() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/check")
            .join("fuzz-input.yaml")
    })
}

fn check_tree(node: &Node) {
    match &node.kind {
        NodeKind::Scalar(s, _) => {
            assert!(
                keyrite::sanitize::find_forbidden(s).is_none(),
                "a loaded scalar holds a forbidden character: {s:?}"
            );
        }
        NodeKind::Seq(items) => items.iter().for_each(check_tree),
        NodeKind::Map(entries) => entries.iter().for_each(|(k, v)| {
            check_tree(k);
            check_tree(v);
        }),
    }
}

fn check_shown(text: &str) {
    let shown = keyrite::sanitize::for_terminal(text);
    assert!(
        !shown.chars().any(|c| c.is_control() && c != '\n'),
        "for_terminal left a control character in {shown:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    // The loader on its own.
    let loaded_ok = match yaml::decode(data, Budget::SCRIPT) {
        Ok(text) => match yaml::load(text, Budget::SCRIPT) {
            Ok(loaded) => {
                check_tree(&loaded.root);
                let _ = loaded.root.describe();
                true
            }
            Err(e) => {
                let _ = (e.to_string(), e.hint(), e.pos());
                false
            }
        },
        Err(e) => {
            let _ = (e.to_string(), e.hint(), e.pos());
            false
        }
    };

    // YAML breaks lines at LF, CRLF and a lone CR; positions count lines that way.
    let lines = data
        .iter()
        .enumerate()
        .filter(|&(i, b)| *b == b'\n' || (*b == b'\r' && data.get(i + 1) != Some(&b'\n')))
        .count() as u64
        + 1;
    match keyrite::script::parse(script_path(), data) {
        Ok(script) => {
            assert!(loaded_ok, "parse accepted a file the loader refuses");
            assert_eq!(script.sha256, keyrite::transcript::sha256_hex(data));
            assert!(
                !script.steps.is_empty(),
                "a script without steps was accepted"
            );
            let _ = format!("{script:?}");
        }
        Err(problems) => {
            assert!(!problems.is_empty(), "parse failed without saying why");
            for p in &problems {
                if let Some(pos) = p.pos {
                    assert!(
                        pos.line >= 1 && u64::from(pos.line) <= lines + 1,
                        "problem at line {} of a {lines}-line file: {}",
                        pos.line,
                        p.message
                    );
                }
                check_shown(&p.message);
                if let Some(hint) = &p.hint {
                    check_shown(hint);
                }
            }
        }
    }
});
