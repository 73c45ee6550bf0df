//! `keyrite report` as an auditor runs it: golden Markdown and HTML reports of fixed
//! transcripts, the HTML parsed and its structure checked, restyled and broken layouts,
//! files that are not transcripts, and `-o`.
//!
//! The fixtures in `tests/report/` are fixed bytes: `demo-genesis.jsonl` and its `.asc`
//! come from a headless run of `ceremonies/demo.yaml` (see the README of the demo);
//! `demo-genesis-tampered.jsonl` is the same with one stored value changed;
//! `demo-genesis-rechained.jsonl` has the same value changed and every later `prev` and
//! the seal recomputed (a forger's edit: the chain checks, the signatures do not), with
//! the original `.asc`;
//! `recovery-mismatch.jsonl` is a run of `tests/report/recovery-mismatch.yaml`, whose
//! verify step fails;
//! `every-event.jsonl` holds every kind of record that scripted answers can make, but for
//! the end of a completed, signed run (in `demo-genesis.jsonl`): it is made from the
//! repository's root by `keyrite run tests/report/every-event-genesis.yaml` and then
//! `keyrite run tests/report/every-event.yaml`, each with its `.answers.yaml`, both with
//! `--records /tmp/keyrite-every-event/records --out /tmp/keyrite-every-event/out` (the
//! second script names the first one's fingerprint, `0fa28eee` in this fixture);
//! `miscopied-share.jsonl` holds the one kind of record only a person at the terminal
//! makes (a check word typed wrong three times): it is the run of
//! `a_miscopied_share_can_be_shown_again` (tests/tui/tui_e2e.rs) with its script read from
//! `tests/report/miscopied-share.yaml` (the test's steps, with a comment).
//! `KEYRITE_BLESS=1 cargo test --test cli report::` rewrites the goldens
//! (`tests/report/*.expected.*`); read every rewritten file before committing it.
//! (The fixtures stay in `tests/report/`: the reports quote their paths, and the fuzz
//! targets read them too.)

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

use crate::common::golden::assert_golden;
use crate::common::{keyrite, repo, text};
use scraper::{Html, Selector};

/// A golden case: its name, the arguments after `report`, the exit code expected, and
/// whether the report lists exceptions.
struct Case {
    name: &'static str,
    args: &'static [&'static str],
    exit: i32,
    exceptions: bool,
}

const CASES: &[Case] = &[
    Case {
        name: "demo-genesis",
        args: &[
            "tests/report/demo-genesis.jsonl",
            "--script",
            "tests/report/demo-genesis.yaml",
        ],
        exit: 0,
        exceptions: false,
    },
    Case {
        name: "demo-genesis-tampered",
        args: &[
            "tests/report/demo-genesis-tampered.jsonl",
            "--script",
            "tests/report/demo-genesis.yaml",
        ],
        exit: 1,
        exceptions: false,
    },
    Case {
        name: "demo-genesis-rechained",
        args: &[
            "tests/report/demo-genesis-rechained.jsonl",
            "--script",
            "tests/report/demo-genesis.yaml",
        ],
        exit: 1,
        exceptions: false,
    },
    Case {
        name: "demo-genesis-no-certs",
        args: &["tests/report/demo-genesis.jsonl"],
        exit: 1,
        exceptions: false,
    },
    Case {
        name: "recovery-mismatch",
        args: &[
            "tests/report/recovery-mismatch.jsonl",
            "--script",
            "tests/report/recovery-mismatch.yaml",
        ],
        exit: 0,
        exceptions: true,
    },
    Case {
        name: "every-event",
        args: &[
            "tests/report/every-event.jsonl",
            "--script",
            "tests/report/every-event.yaml",
        ],
        exit: 0,
        exceptions: true,
    },
    Case {
        name: "miscopied-share",
        args: &[
            "tests/report/miscopied-share.jsonl",
            "--script",
            "tests/report/miscopied-share.yaml",
        ],
        exit: 0,
        exceptions: true,
    },
];

fn report(args: &[&str]) -> Output {
    keyrite()
        .arg("report")
        .args(args)
        .output()
        .expect("keyrite runs")
}

/// Every Markdown table keeps its column count on every row: no value broke a cell.
fn assert_tables_intact(md: &str) {
    let cells = |line: &str| {
        let mut count = 0;
        let mut escaped = false;
        for c in line.chars() {
            match c {
                '\\' if !escaped => escaped = true,
                '|' if !escaped => count += 1,
                _ => escaped = false,
            }
            if c != '\\' {
                escaped = false;
            }
        }
        count
    };
    let mut width = None;
    for line in md.lines() {
        if line.starts_with('|') {
            let n = cells(line);
            assert_eq!(*width.get_or_insert(n), n, "a table row is broken: {line}");
        } else {
            width = None;
        }
    }
}

fn parse(html: &str) -> Html {
    let doc = Html::parse_document(html);
    assert!(doc.errors.is_empty(), "HTML parse errors: {:?}", doc.errors);
    doc
}

fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    let selector = Selector::parse(css).expect("a valid selector");
    doc.select(&selector).collect()
}

fn planned_steps(transcript: &str) -> usize {
    let text = std::fs::read_to_string(repo(transcript)).expect("the fixture exists");
    let first: serde_json::Value =
        serde_json::from_str(text.lines().next().expect("a first line")).expect("JSON");
    first["steps"].as_array().expect("a steps list").len()
}

#[test]
fn golden_reports() {
    for case in CASES {
        for (format, ext) in [("md", "md"), ("html", "html")] {
            let mut args = case.args.to_vec();
            args.extend(["--format", format]);
            let out = report(&args);
            assert_eq!(
                out.status.code(),
                Some(case.exit),
                "{} {format}: {}",
                case.name,
                text(&out.stderr)
            );
            assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
            let stdout = text(&out.stdout);
            if format == "md" {
                assert_tables_intact(&stdout);
            } else {
                parse(&stdout);
            }
            assert_golden(
                &format!("tests/report/{}.expected.{ext}", case.name),
                &stdout,
            );
        }
    }
}

/// Every kind of event has a sentence, or its place in the report's structure, and some
/// golden report shows it: a new event kind fails here until the report says it (in
/// `src/report/view/sentences.rs`) and a fixture above holds it. In the intact
/// transcripts every record reads as its event's type, so no fact is shown generically.
#[test]
fn every_event_kind_is_said_in_a_golden_report() {
    let mut seen = BTreeSet::new();
    for case in CASES {
        let path = repo(case.args[0]);
        let script = case.args.get(2).map(|s| repo(s));
        let view = keyrite::report::ReportView::from_file(&path, script.as_deref(), None)
            .expect("the fixture is reported");
        if !view.verification.intact {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("the fixture");
        for line in text.lines() {
            let record: serde_json::Value = serde_json::from_str(line).expect("a record");
            seen.insert(record["event"].as_str().expect("an event").to_string());
        }
        let facts = view
            .steps
            .iter()
            .flat_map(|s| &s.facts)
            .chain(&view.ceremony_facts);
        for fact in facts {
            assert!(
                fact.summary.is_some(),
                "{}: the `{}` record at {} has no sentence",
                case.name,
                fact.event,
                fact.at
            );
        }
    }
    let missing: Vec<&str> = keyrite::transcript::events::ALL
        .iter()
        .copied()
        .filter(|event| !seen.contains(*event))
        .collect();
    assert!(
        missing.is_empty(),
        "no golden report shows {missing:?}: add a fixture that records them (see the top of this file)"
    );
    let unknown: Vec<&String> = seen
        .iter()
        .filter(|event| !keyrite::transcript::events::ALL.contains(&event.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "events the crate does not know: {unknown:?}"
    );
}

/// The records this version made (the fixtures made for the report of every event) read
/// as their event's type and written again are the same bytes: the typed events write
/// what the writer wrote before them, field for field and in the same order.
#[test]
fn typed_events_write_the_records_byte_for_byte() {
    const FRAME: [&str; 4] = ["seq", "at", "step", "event"];
    for fixture in [
        "tests/report/every-event.jsonl",
        "tests/report/miscopied-share.jsonl",
    ] {
        let text = std::fs::read_to_string(repo(fixture)).expect("the fixture");
        for line in text.lines() {
            let mut record: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(line).expect("a record");
            let mut again = serde_json::Map::new();
            for key in FRAME {
                again.insert(key.to_string(), record.remove(key).expect("framing"));
            }
            let prev = record.remove("prev").expect("prev");
            let seal = record.remove("seal");
            let event = again["event"].as_str().expect("an event").to_string();
            let fields = keyrite::transcript::events::rewrite(&event, record)
                .unwrap_or_else(|| panic!("{fixture}: `{event}` is not an event"))
                .unwrap_or_else(|e| panic!("{fixture}: `{event}` does not read: {e}"));
            again.extend(fields.as_object().expect("an object").clone());
            again.insert("prev".to_string(), prev);
            if let Some(seal) = seal {
                again.insert("seal".to_string(), seal);
            }
            assert_eq!(
                serde_json::to_string(&again).expect("JSON"),
                line,
                "{fixture}: `{event}`"
            );
        }
    }
}

#[test]
fn html_structure() {
    for case in CASES {
        let mut args = case.args.to_vec();
        args.extend(["--format", "html"]);
        let out = report(&args);
        let doc = parse(&text(&out.stdout));
        let title = select(&doc, "title");
        assert_eq!(title.len(), 1);
        assert!(title[0]
            .text()
            .collect::<String>()
            .starts_with("Ceremony report: "));
        let rows = select(&doc, "table#steps > tbody > tr");
        assert_eq!(rows.len(), planned_steps(case.args[0]), "{}", case.name);
        let phrase: Vec<String> = select(&doc, "#head-phrase li")
            .iter()
            .flat_map(|li| {
                li.text()
                    .collect::<String>()
                    .split_whitespace()
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(
            phrase.len(),
            26,
            "{}: the head phrase has 26 words",
            case.name
        );
        // The phrase is the head hash's words: decode it back and compare.
        let head = std::fs::read(repo(case.args[0])).expect("the fixture");
        let last = head
            .strip_suffix(b"\n")
            .and_then(|b| b.rsplit(|&c| c == b'\n').next())
            .expect("a last line");
        let hash = keyrite::transcript::phrase::decode(&phrase.join(" ")).expect("a head phrase");
        assert_eq!(hex::encode(hash), keyrite::transcript::sha256_hex(last));
        let warned = !select(&doc, "#warning").is_empty();
        let fails = case.name.contains("tampered") || case.name.contains("rechained");
        assert_eq!(warned, fails, "{}", case.name);
        let none = !select(&doc, "#no-exceptions").is_empty();
        assert_eq!(none, !case.exceptions, "{}", case.name);
        for tag in ["script", "link", "img", "iframe"] {
            assert!(select(&doc, tag).is_empty(), "no external resources: {tag}");
        }
    }
}

#[test]
fn restyled_layouts_come_from_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("report.md.j2"),
        "{{ ceremony.id }} | {{ ceremony.title }}\n{{ transcript.phrase }}\n",
    )
    .unwrap();
    let folder = dir.path().to_str().unwrap();
    let out = report(&[
        "tests/report/recovery-mismatch.jsonl",
        "--templates",
        folder,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let mut lines = stdout.lines();
    assert_eq!(
        lines.next(),
        Some("recovery-mismatch | Recovery rehearsal whose fingerprint does not match \\| a pipe")
    );
    assert_eq!(lines.next().map(|l| l.split(' ').count()), Some(26));

    // The HTML layout is not in the folder: the error names it and the built-in one.
    let out = report(&[
        "tests/report/recovery-mismatch.jsonl",
        "--templates",
        folder,
        "--format",
        "html",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("has no `report.html.j2`") && err.contains("templates/layouts/report.html.j2"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_layout_with_an_undefined_variable_fails_loudly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("report.md.j2"),
        "# {{ ceremony.title }}\n{{ ceremony.tittle }}\n",
    )
    .unwrap();
    let out = report(&[
        "tests/report/demo-genesis.jsonl",
        "--templates",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("the layout `report.md.j2` failed") && err.contains("undefined"),
        "{err}"
    );
    assert!(
        err.contains("report.md.j2:2"),
        "the message says where: {err}"
    );
    assert!(out.stdout.is_empty(), "nothing half-rendered is printed");
}

#[test]
fn files_that_are_not_transcripts_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.jsonl");
    let mut bytes: Vec<u8> = (0..20_000u32).map(|i| (i * 7919 % 251) as u8).collect();
    bytes.extend_from_slice(b"\n{\"seq\":0}\n\xff\xfe");
    std::fs::write(&garbage, &bytes).unwrap();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, b"").unwrap();
    let json = dir.path().join("other.jsonl");
    std::fs::write(&json, b"{\"hello\":\"world\"}\n").unwrap();
    for (path, wanted) in [
        (garbage.as_path(), "is not a keyrite transcript"),
        (empty.as_path(), "is not a keyrite transcript"),
        (json.as_path(), "is not a keyrite transcript"),
        (dir.path(), "cannot read the transcript"),
        (
            Path::new("tests/report/no-such.jsonl"),
            "cannot read the transcript",
        ),
    ] {
        let out = report(&[path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{}", path.display());
        let err = text(&out.stderr);
        assert!(err.contains(wanted), "{}: {err}", path.display());
        assert!(err.contains("hint:"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn output_file_is_created_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.html");
    let f = file.to_str().unwrap();
    let args = [
        "tests/report/recovery-mismatch.jsonl",
        "--format",
        "html",
        "-o",
        f,
    ];
    let out = report(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let written = std::fs::read_to_string(&file).unwrap();
    let stdout = report(&args[..3]);
    assert_eq!(written, text(&stdout.stdout));
    let again = report(&args);
    assert_eq!(again.status.code(), Some(2));
    let err = text(&again.stderr);
    assert!(
        err.contains("already exists") && err.contains("hint:"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), written);
}

#[test]
fn a_script_that_differs_is_reported() {
    let out = report(&[
        "tests/report/recovery-mismatch.jsonl",
        "--script",
        "ceremonies/demo-recovery.yaml",
    ]);
    // The hash mismatch is a finding: the report opens with the warning, exit 1.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let md = text(&out.stdout);
    assert!(md.contains("**DIFFERENT SHA-256**"), "{md}");
    assert!(md.contains("> **WARNING"), "{md}");
}

#[test]
fn certificates_from_a_folder_check_the_signatures() {
    let out = report(&[
        "tests/report/demo-genesis.jsonl",
        "--certs",
        "ceremonies/demo/keys",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let md = text(&out.stdout);
    assert!(
        md.contains("Every required signer signed, and every signature verifies."),
        "{md}"
    );
    assert!(md.contains("| Alice Example | officer | B910E42A25C4FB921CE1BC16F152F137ECF92C03 |"));
}

/// A forger edits a record and recomputes the chain: the chain checks, the signatures
/// do not. The report must not say INTACT, and the signers signed (badly): they are not
/// missing. As `keyrite verify` says it.
#[test]
fn a_rechained_edit_is_changed_after_signing_not_intact() {
    let args = [
        "tests/report/demo-genesis-rechained.jsonl",
        "--script",
        "tests/report/demo-genesis.yaml",
    ];
    let out = report(&args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let md = text(&out.stdout);
    assert!(!md.contains("INTACT"), "{md}");
    assert!(md.contains("> **WARNING"), "{md}");
    assert!(
        md.contains(&format!(
            "| Result | {} |",
            keyrite::signatures::CHANGED_AFTER_SIGNING
        )),
        "{md}"
    );
    for signer in ["Alice Example (officer)", "Bob Example (witness-1)"] {
        assert!(
            md.contains(&format!(
                "- BAD: {signer} signed, but the signature does not match these records"
            )),
            "{md}"
        );
    }
    assert!(!md.contains("No good signature from"), "{md}");
    assert!(!md.contains("| missing |"), "{md}");
    let verify = keyrite().arg("verify").args(args).output().unwrap();
    let says = text(&verify.stdout);
    assert!(
        says.contains(&format!(
            "result      {}",
            keyrite::signatures::CHANGED_AFTER_SIGNING
        )),
        "{says}"
    );
    let mut args = args.to_vec();
    args.extend(["--format", "html"]);
    let doc = parse(&text(&report(&args).stdout));
    let result: Vec<String> = select(&doc, "td.bad")
        .iter()
        .map(|td| td.text().collect())
        .collect();
    assert!(
        result.contains(&keyrite::signatures::CHANGED_AFTER_SIGNING.to_string()),
        "{result:?}"
    );
}
