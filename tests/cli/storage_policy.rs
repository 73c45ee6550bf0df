//! The storage placement policy, end to end through the binary: every rule, the
//! "another place" path (typed line by line), the signed-exception path, a refusal that
//! cannot be mended, and the problems `check` finds in a policy.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::common::{run_in, text};

const SCRIPT: &str = r#"keyrite: 1
id: policy-test
title: Storage policy test
storage_policy:
  spread_across: [site, holder]
  seal_required: true
  exceptions_by: [officer, witness]
roles:
  officer: { name: Alice Example }
  witness: { name: Bob Example }
  c1: { name: Carol Example }
  c2: { name: Erin Example }
  c3: { name: Frank Example }
steps:
  - id: generate
    generate_secret: { name: s, bits: 128 }
  - id: split
    split: { secret: s, into: shares, groups: [{ threshold: 2, holders: [c1, c2, c3] }] }
  - id: store
    record_storage: { items: shares }
  - id: kit
    record_storage: { items: [laptop] }
  - id: wipe
    wipe: [s, shares]
"#;

/// Answers with `store:` and `kit:` as given.
fn answers(store: &str, kit: &str) -> String {
    format!("store:\n{store}\nkit:\n{kit}\n")
}

const GOOD_KIT: &str =
    "  laptop: { site: Vault A, container: Safe 9, seal: TB-9, holder: Alice Example }";

fn room() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("p.yaml"), SCRIPT).expect("script");
    dir
}

fn run_with_answers(dir: &Path, answers_text: &str) -> (Output, Vec<Value>) {
    std::fs::write(dir.join("p.answers.yaml"), answers_text).expect("answers");
    let out = run_in(
        dir,
        &[
            "run",
            "p.yaml",
            "--answers",
            "p.answers.yaml",
            "--records",
            "records",
            "--out",
            "out",
        ],
        None,
    );
    (out, records(dir))
}

fn records(dir: &Path) -> Vec<Value> {
    let folder = dir.join("records/policy-test");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .expect("records folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    let last = files.pop().expect("a transcript");
    std::fs::read_to_string(last)
        .expect("transcript")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect()
}

fn of<'a>(records: &'a [Value], event: &str) -> Vec<&'a Value> {
    records.iter().filter(|r| r["event"] == event).collect()
}

#[test]
fn a_spread_out_sealed_placement_is_stored_without_refusal() {
    let dir = room();
    let (out, recs) = run_with_answers(
        dir.path(),
        &answers(
            "  shares-1-1: { site: Vault A, container: Safe 1, seal: TB-1, holder: Carol Example }
  shares-1-2: { site: Vault B, container: Safe 1, seal: TB-2, holder: Erin Example }
  shares-1-3: { site: Vault C, container: Safe 1, seal: TB-3, holder: Frank Example }",
            GOOD_KIT,
        ),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(of(&recs, "storage_refused").is_empty());
    assert_eq!(of(&recs, "stored").len(), 4);
}

#[test]
fn a_threshold_held_by_one_holder_needs_a_confirmed_exception() {
    let dir = room();
    let (out, recs) = run_with_answers(
        dir.path(),
        &answers(
            "  shares-1-1: { site: Vault A, container: Safe 1, seal: TB-1, holder: Carol Example }
  shares-1-2: { site: Vault B, container: Safe 2, seal: TB-2, holder: carol  example, policy: exception, exception_reason: Erin is on leave until May }
  shares-1-3: { site: Vault C, container: Safe 3, seal: TB-3, holder: Frank Example }
  officer: AE
  witness: BE",
            GOOD_KIT,
        ),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Two rules refuse it: a threshold with one holder, and a holder who is not the
    // one the split gave share 2 to (Erin Example).
    let refused = of(&recs, "storage_refused");
    assert_eq!(refused.len(), 2, "{refused:#?}");
    assert!(refused
        .iter()
        .all(|r| r["field"] == "holder" && r["share"]["member"] == 2));
    let rules: Vec<&str> = refused
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["spread_across", "holder"]);
    let exception = of(&recs, "policy_exception");
    assert_eq!(exception.len(), 1);
    assert_eq!(exception[0]["reason"], "Erin is on leave until May");
    let who: Vec<(&str, &str)> = exception[0]["confirmed_by"]
        .as_array()
        .expect("confirmers")
        .iter()
        .map(|c| {
            (
                c["role"].as_str().expect("role"),
                c["initials"].as_str().expect("initials"),
            )
        })
        .collect();
    assert_eq!(who, [("officer", "AE"), ("witness", "BE")]);
    // The exception record comes right before the item's `stored` record.
    let seq = |r: &Value| r["seq"].as_u64().expect("seq");
    let stored_2 = of(&recs, "stored")
        .into_iter()
        .find(|r| r["item"] == "shares-1-2")
        .expect("stored after the exception");
    assert_eq!(seq(stored_2), seq(exception[0]) + 1);
}

#[test]
fn an_exception_without_every_confirmer_is_not_recorded() {
    let dir = room();
    let (out, recs) = run_with_answers(
        dir.path(),
        &answers(
            "  shares-1-1: { site: Vault A, container: Safe 1, seal: TB-1, holder: Carol Example }
  shares-1-2: { site: vault a, container: Safe 2, seal: TB-2, holder: Erin Example, policy: exception, exception_reason: Only one vault }
  officer: AE",
            GOOD_KIT,
        ),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("witness"),
        "{}",
        text(&out.stderr)
    );
    assert!(of(&recs, "policy_exception").is_empty());
    assert!(!of(&recs, "stored")
        .iter()
        .any(|r| r["item"] == "shares-1-2"));
    assert_eq!(of(&recs, "aborted").len(), 1);
}

#[test]
fn a_placement_refused_three_times_stops_the_step_and_stores_nothing_there() {
    let dir = room();
    let (out, recs) = run_with_answers(
        dir.path(),
        &answers(
            "  shares-1-1: { site: Vault A, container: Safe 1, seal: TB-1, holder: Carol Example }
  shares-1-2: { site: Vault A, container: Safe 2, seal: TB-2, holder: Erin Example, policy: another }",
            GOOD_KIT,
        ),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("refused 3 places for shares-1-2"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(of(&recs, "storage_refused").len(), 3);
    assert_eq!(of(&recs, "stored").len(), 1);
}

#[test]
fn a_missing_seal_is_refused_for_shares_and_other_items() {
    let dir = room();
    let (out, recs) = run_with_answers(
        dir.path(),
        &answers(
            "  shares-1-1: { site: Vault A, container: Safe 1, seal: TB-1, holder: Carol Example }
  shares-1-2: { site: Vault B, container: Safe 2, seal: TB-2, holder: Erin Example }
  shares-1-3: { site: Vault C, container: Safe 3, seal: TB-3, holder: Frank Example }",
            "  laptop: { site: Vault A, container: Safe 9, seal: none, holder: Alice Example, policy: exception, exception_reason: The laptop bag tore }\n  officer: AE\n  witness: BE",
        ),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let refused = of(&recs, "storage_refused");
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0]["rule"], "seal_required");
    assert_eq!(refused[0]["item"], "laptop");
}

#[test]
fn another_place_typed_at_the_prompt_replaces_the_refused_one() {
    let dir = room();
    let lines = [
        "Vault A",
        "Safe 1",
        "TB-1",
        "Carol Example", // share 1
        "vault a",
        "Safe 2",
        "TB-2",
        "Erin Example", // refused: a second share at Vault A
        "another",
        "Vault B",
        "Safe 2",
        "TB-2",
        "Erin Example", // share 2 again
        "Vault C",
        "Safe 3",
        "TB-3",
        "Frank Example", // share 3
        "Vault A",
        "Safe 9",
        "TB-9",
        "Alice Example", // laptop
    ];
    let out = run_in(
        dir.path(),
        &[
            "run",
            "p.yaml",
            "--plain",
            "--records",
            "records",
            "--out",
            "out",
        ],
        Some(&(lines.join("\n") + "\n")),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("This place is refused for shares-1-2"));
    let recs = records(dir.path());
    assert_eq!(of(&recs, "storage_refused").len(), 1);
    let stored: Vec<&str> = of(&recs, "stored")
        .iter()
        .map(|r| r["location"]["site"].as_str().expect("site"))
        .collect();
    assert_eq!(stored, ["Vault A", "Vault B", "Vault C", "Vault A"]);
}

#[test]
fn check_finds_the_problems_of_a_policy() {
    let dir = room();
    let cases: &[(&str, &str, &str)] = &[
        (
            "  spread_across: [site]\n  seal_required: true\n  exceptions_by: [officer, witness]",
            "fields: [site, holder]",
            "does not ask for `seal`",
        ),
        (
            "  spread_across: [container]\n  exceptions_by: [officer]",
            "fields: [site, holder]",
            "spreads shares across `container`, but this step does not ask for it",
        ),
        (
            "  spread_across: [site]",
            "fields: [site]",
            "does not say who confirms an exception",
        ),
        (
            "  exceptions_by: [officer]",
            "fields: [site]",
            "has no rule",
        ),
        (
            "  spread_across: [site]\n  exceptions_by: [officer, nobody]",
            "fields: [site]",
            "unknown role `nobody`",
        ),
        (
            "  spread_across: [building]\n  exceptions_by: [officer]",
            "fields: [site]",
            "building",
        ),
        (
            "  spread_across: [site]\n  exceptions_by: [officer]\n  seal: true",
            "fields: [site]",
            "unknown",
        ),
    ];
    for (policy, fields, expected) in cases {
        let script = SCRIPT
            .replace(
                "  spread_across: [site, holder]\n  seal_required: true\n  exceptions_by: [officer, witness]",
                policy,
            )
            .replace("record_storage: { items: shares }", &format!("record_storage: {{ items: shares, {fields} }}"));
        std::fs::write(dir.path().join("bad.yaml"), script).expect("script");
        let out = run_in(dir.path(), &["check", "bad.yaml"], None);
        assert_eq!(out.status.code(), Some(2), "{policy}");
        let err = text(&out.stderr);
        assert!(
            err.contains(expected),
            "{policy}: expected {expected:?} in\n{err}"
        );
        assert!(
            err.contains("bad.yaml:"),
            "problems carry file:line:col: {err}"
        );
    }
}

/// A share recorded as held by someone its split did not give it to (custodian c3's share
/// "held by Carol Example") is refused even without a storage policy; typed again the
/// same way three times, the step stops and nothing is stored for it.
#[test]
fn a_share_recorded_with_another_holder_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = SCRIPT.replace(
        "storage_policy:\n  spread_across: [site, holder]\n  seal_required: true\n  exceptions_by: [officer, witness]\n",
        "",
    );
    assert!(!script.contains("storage_policy"));
    std::fs::write(dir.path().join("p.yaml"), script).expect("script");
    let (out, recs) = run_with_answers(
        dir.path(),
        &answers(
            "  shares-1-1: { site: Vault A, container: Safe 1, seal: TB-1, holder: Carol Example }
  shares-1-2: { site: Vault B, container: Safe 2, seal: TB-2, holder: c2 }
  shares-1-3: { site: Vault C, container: Safe 3, seal: TB-3, holder: Carol Example, policy: another }",
            GOOD_KIT,
        ),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let refused = of(&recs, "storage_refused");
    assert_eq!(refused.len(), 3, "{refused:#?}");
    assert!(refused
        .iter()
        .all(|r| r["rule"] == "holder" && r["share"]["member"] == 3));
    assert_eq!(
        refused[0]["detail"],
        "share 1/3 was given to Frank Example (c3) by its split, not to `Carol Example`"
    );
    // Shares 1 and 2 (by role id) are stored; share 3 is not.
    let stored: Vec<&str> = of(&recs, "stored")
        .iter()
        .map(|r| r["item"].as_str().unwrap())
        .collect();
    assert_eq!(stored, ["shares-1-1", "shares-1-2"]);
}
