//! Golden tests for `keyrite check`.
//!
//! Every `tests/check/<name>.yaml` is checked with `keyrite check tests/check/<name>.yaml`
//! from the crate root (so the paths in messages are relative and stable), and the output
//! is compared with `tests/check/<name>.expected`:
//!
//! ```text
//! exit: <code>
//! <standard error>
//! --- stdout
//! <standard output>
//! ```
//!
//! Some cases are too big to commit; [`GENERATED`] writes them into a temporary folder at
//! run time, and their expected output (`tests/check/generated-*.expected`) has the
//! folder replaced by `<tmp>`.
//!
//! `KEYRITE_BLESS=1 cargo test --test cli check_golden` rewrites the `.expected` files
//! from the current output (see `common::golden`). Read every rewritten file before
//! committing it: a golden file that blesses a wrong or useless message is worse than
//! none.
//!
//! [`KNOWN_BUGS`] lists cases whose `.expected` holds the output keyrite *should* give
//! and currently does not. They are reported but do not fail the test, are never
//! blessed, and fail the test once keyrite gets them right, so the entry is removed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::common::golden::{blessing, compare, Outcome};
use crate::common::keyrite;

/// At least this many committed cases must exist.
const MIN_CASES: usize = 30;

/// Cases whose `.expected` file is the correct output that keyrite does not give yet.
const KNOWN_BUGS: &[(&str, &str)] = &[];

/// A case written at run time.
struct Generated {
    name: &'static str,
    make: fn() -> Vec<u8>,
}

const GENERATED: &[Generated] = &[
    Generated {
        name: "generated-50mb",
        make: fifty_megabytes,
    },
    Generated {
        name: "generated-1mib-exact",
        make: one_mib_exact,
    },
    Generated {
        name: "generated-1mib-plus-one",
        make: one_mib_plus_one,
    },
    Generated {
        name: "generated-deep-flow-sequences",
        make: deep_flow_sequences,
    },
    Generated {
        name: "generated-deep-flow-mappings",
        make: deep_flow_mappings,
    },
    Generated {
        name: "generated-deep-block-mappings",
        make: deep_block_mappings,
    },
    Generated {
        name: "generated-deep-block-sequences",
        make: deep_block_sequences,
    },
    Generated {
        name: "generated-too-many-nodes",
        make: too_many_nodes,
    },
    Generated {
        name: "generated-non-utf8",
        make: non_utf8,
    },
    Generated {
        name: "generated-non-utf8-at-eof",
        make: non_utf8_at_eof,
    },
];

const HEADER: &str = "keyrite: 1\nid: generated\ntitle: Generated\nroles:\n  officer: { name: Alice Example }\nsteps:\n";
const MIB: usize = 1 << 20;

/// A valid script padded with comment lines to exactly `size` bytes.
fn padded(size: usize) -> Vec<u8> {
    let mut s = format!("{HEADER}  - attend: [officer]\n");
    let line = format!("# {}\n", "x".repeat(77));
    while s.len() + line.len() <= size {
        s.push_str(&line);
    }
    let rest = size - s.len();
    if rest > 0 {
        s.push('#');
        s.push_str(&"x".repeat(rest - 1));
    }
    assert_eq!(s.len(), size);
    s.into_bytes()
}

fn fifty_megabytes() -> Vec<u8> {
    padded(50 * MIB)
}

fn one_mib_exact() -> Vec<u8> {
    padded(MIB)
}

fn one_mib_plus_one() -> Vec<u8> {
    padded(MIB + 1)
}

fn deep_flow_sequences() -> Vec<u8> {
    let header = HEADER.replace("steps:\n", "steps: ");
    format!("{header}{}{}\n", "[".repeat(10_000), "]".repeat(10_000)).into_bytes()
}

fn deep_flow_mappings() -> Vec<u8> {
    let header = HEADER.replace("steps:\n", "steps: ");
    format!("{header}{}x{}\n", "{a: ".repeat(10_000), "}".repeat(10_000)).into_bytes()
}

fn deep_block_mappings() -> Vec<u8> {
    // One more space of indentation per level keeps 1,000 levels under the size limit.
    let mut s = format!("{HEADER}  - note:\n");
    for level in 0..1_000 {
        s.push_str(&" ".repeat(level + 5));
        s.push_str("k:\n");
    }
    s.into_bytes()
}

fn deep_block_sequences() -> Vec<u8> {
    format!("{HEADER}  {}x\n", "- ".repeat(10_000)).into_bytes()
}

fn too_many_nodes() -> Vec<u8> {
    // 210,000 scalars and no alias at all, well under the size limit.
    let items = vec!["a"; 210_000].join(",");
    format!("{HEADER}  - record: [{items}]\n").into_bytes()
}

fn non_utf8() -> Vec<u8> {
    // Multi-byte characters before the bad byte: the column counts characters.
    let mut b = format!("{HEADER}  - note: \"Grüße aus Köln ").into_bytes();
    b.extend_from_slice(b"\xc3\x28 und M\xfcnchen\"\n");
    b
}

fn non_utf8_at_eof() -> Vec<u8> {
    // A multi-byte sequence cut off by the end of the file.
    let mut b = format!("{HEADER}  - note: caf").into_bytes();
    b.push(0xc3);
    b
}

/// Runs `keyrite check` from `root` and renders its result in the `.expected` format.
fn run_check(root: &Path, arg: &Path) -> String {
    let out = keyrite()
        .arg("check")
        .arg(arg)
        .current_dir(root)
        .stdin(Stdio::null())
        .output()
        .expect("run keyrite check");
    let code = match out.status.code() {
        Some(c) => c.to_string(),
        None => format!("killed ({})", out.status),
    };
    let mut stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if !stderr.is_empty() && !stderr.ends_with('\n') {
        stderr.push('\n');
    }
    format!(
        "exit: {code}\n{stderr}--- stdout\n{}",
        String::from_utf8_lossy(&out.stdout)
    )
}

#[test]
fn check_output_matches_golden_files() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("tests").join("check");
    let bless = blessing();
    let known: BTreeMap<&str, &str> = KNOWN_BUGS.iter().copied().collect();

    let mut yaml = BTreeSet::new();
    let mut expected = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("read tests/check") {
        let path = entry.expect("list tests/check").path();
        let (Some(stem), Some(ext)) = (
            path.file_stem().and_then(|s| s.to_str()),
            path.extension().and_then(|s| s.to_str()),
        ) else {
            continue;
        };
        match ext {
            "yaml" => {
                yaml.insert(stem.to_string());
            }
            "expected" => {
                expected.insert(stem.to_string());
            }
            _ => {}
        }
    }

    let mut failures: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut blessed: Vec<String> = Vec::new();
    let mut record = |name: &str, outcome: Outcome, failures: &mut Vec<String>| {
        let bug = known.get(name);
        match (outcome, bug) {
            (Outcome::Same, None) => {}
            (Outcome::Same, Some(_)) => failures.push(format!(
                "{name}: listed in KNOWN_BUGS but keyrite now gives the expected output; \
                 remove it from KNOWN_BUGS\n"
            )),
            (Outcome::Blessed, _) => blessed.push(name.to_string()),
            (Outcome::Differs(d), Some(why)) => {
                notes.push(format!("{name} (known bug: {why}):\n{d}"));
            }
            (Outcome::Differs(d), None) => failures.push(format!("{name}:\n{d}")),
        }
    };

    let generated_names: BTreeSet<&str> = GENERATED.iter().map(|g| g.name).collect();
    if yaml.len() < MIN_CASES {
        failures.push(format!(
            "only {} cases in tests/check; at least {MIN_CASES} are required\n",
            yaml.len()
        ));
    }
    for name in &expected {
        if !yaml.contains(name) && !generated_names.contains(name.as_str()) {
            failures.push(format!(
                "{name}.expected has no {name}.yaml and is not a generated case\n"
            ));
        }
    }
    for name in &yaml {
        if generated_names.contains(name.as_str()) {
            failures.push(format!(
                "{name}.yaml is committed but its name is reserved for a generated case\n"
            ));
        }
    }
    for name in known.keys() {
        if !yaml.contains(*name) && !generated_names.contains(name) {
            failures.push(format!("KNOWN_BUGS names `{name}`, which is not a case\n"));
        }
    }

    for name in &yaml {
        let arg = PathBuf::from("tests")
            .join("check")
            .join(format!("{name}.yaml"));
        let actual = run_check(&root, &arg);
        let outcome = compare(
            &dir.join(format!("{name}.expected")),
            &actual,
            bless && !known.contains_key(name.as_str()),
        );
        record(name, outcome, &mut failures);
    }

    let tmp = tempfile::tempdir().expect("temporary folder");
    for g in GENERATED {
        let file = tmp.path().join(format!("{}.yaml", g.name));
        std::fs::write(&file, (g.make)()).expect("write generated case");
        let actual = run_check(&root, &file).replace(&tmp.path().display().to_string(), "<tmp>");
        std::fs::remove_file(&file).expect("remove generated case");
        let outcome = compare(
            &dir.join(format!("{}.expected", g.name)),
            &actual,
            bless && !known.contains_key(g.name),
        );
        record(g.name, outcome, &mut failures);
    }

    eprintln!(
        "{} committed and {} generated cases checked",
        yaml.len(),
        GENERATED.len()
    );
    for n in &notes {
        eprintln!("{n}");
    }
    if !blessed.is_empty() {
        eprintln!(
            "blessed {} file(s); read each before committing: {}",
            blessed.len(),
            blessed.join(", ")
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from tests/check/*.expected \
         (`-` expected, `+` actual; KEYRITE_BLESS=1 rewrites them):\n\n{}",
        failures.len(),
        yaml.len() + GENERATED.len(),
        failures.join("\n")
    );
}
