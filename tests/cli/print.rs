//! `keyrite print` as an officer runs it: golden Markdown and HTML scripts of the demo
//! ceremonies, the HTML parsed and its structure checked, and scripts that fail `check`.
//!
//! `KEYRITE_BLESS=1 cargo test --test cli print::` rewrites the goldens
//! (`tests/data/print/*.expected.*`); read every rewritten file before committing it.

use std::process::Output;

use crate::common::golden::assert_golden;
use crate::common::{keyrite, repo, text};
use scraper::{Html, Selector};

const SCRIPTS: &[(&str, &str)] = &[
    ("demo", "ceremonies/demo.yaml"),
    ("demo-recovery", "ceremonies/demo-recovery.yaml"),
];

fn print(args: &[&str]) -> Output {
    keyrite()
        .arg("print")
        .args(args)
        .output()
        .expect("keyrite runs")
}

fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    let selector = Selector::parse(css).expect("a valid selector");
    doc.select(&selector).collect()
}

#[test]
fn golden_scripts() {
    for (name, script) in SCRIPTS {
        for format in ["md", "html"] {
            let out = print(&[script, "--format", format]);
            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
            assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
            assert_golden(
                &format!("tests/data/print/{name}.expected.{format}"),
                &text(&out.stdout),
            );
        }
    }
}

#[test]
fn html_structure() {
    for (_, script) in SCRIPTS {
        let loaded = keyrite::script::load(&repo(script)).expect("the demo scripts check");
        let out = print(&[script, "--format", "html"]);
        let html = text(&out.stdout);
        let doc = Html::parse_document(&html);
        assert!(doc.errors.is_empty(), "HTML parse errors: {:?}", doc.errors);
        let title = select(&doc, "title")[0].text().collect::<String>();
        assert_eq!(title, format!("Ceremony script: {}", loaded.title));
        let rows = select(&doc, "table#steps > tbody > tr");
        assert_eq!(rows.len(), loaded.steps.len());
        for (row, step) in rows.iter().zip(&loaded.steps) {
            let cells = select_in(row, "td");
            assert_eq!(cells.len(), 4, "step, activity, initials, time");
            assert!(cells[0].contains(step.id.as_str()));
            assert!(cells[1].contains(&step.title));
            assert!(cells[2].trim().is_empty() && cells[3].trim().is_empty());
        }
        assert_eq!(
            select(&doc, "table#roles > tbody > tr").len(),
            loaded.roles.len()
        );
        assert_eq!(
            select(&doc, "#signatures tbody tr").len(),
            loaded.roles.len(),
            "a signature line for every participant"
        );
        let exceptions = select(&doc, "section#exceptions");
        assert_eq!(exceptions.len(), 1);
        assert_eq!(
            exceptions[0].value().attr("class"),
            Some("page"),
            "the exceptions page starts on a new page"
        );
        assert!(html.contains("@page") && html.contains("break-inside: avoid"));
        for tag in ["script", "link", "img", "iframe"] {
            assert!(select(&doc, tag).is_empty(), "no external resources: {tag}");
        }
        assert!(!html.contains("http://") && !html.contains("https://"));
        // The script's SHA-256 in groups of four, as the first screen of `run` shows it.
        let grouped = keyrite::operator::Opening::grouped(&loaded.sha256);
        assert!(html.contains(&grouped), "{grouped}");
    }
}

fn select_in(element: &scraper::ElementRef<'_>, css: &str) -> Vec<String> {
    let selector = Selector::parse(css).expect("a valid selector");
    element
        .select(&selector)
        .map(|e| e.text().collect())
        .collect()
}

#[test]
fn a_script_that_fails_check_prints_its_problems() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "keyrite: 1\nid: bad\ntitle: Bad\nroles:\n  officer: { name: Alice }\nsteps:\n  - attend: [officer, nobody]\n",
    )
    .unwrap();
    let out = print(&[bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("bad.yaml:7:"), "file:line:col: {err}");
    assert!(err.contains("nobody"), "{err}");
    assert!(out.stdout.is_empty());

    let out = print(&["ceremonies/no-such.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("hint:"));
}

#[test]
fn output_file_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("script.md");
    std::fs::write(&file, "the officer's notes").unwrap();
    let out = print(&["ceremonies/demo.yaml", "-o", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("already exists"));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "the officer's notes"
    );
}
