//! The layer rule, as a test: a module may import from its own layer and the layers
//! below it, never from a layer above.
//!
//! The layers are drawn in the crate's doc (`lib.rs`) and in `ARCHITECTURE.md`; [`LAYERS`]
//! is the one list both describe. The test reads the sources under `src/`, finds every
//! `crate::` and `super::` path (grouped imports included), and fails naming the file,
//! the line and both layers. Comments, doc links included, do not count: a doc may point
//! up to explain who calls a module.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layers, lowest first. The script's reading half (`yaml`, `de`, `types`, `policy`,
/// `source`) is a leaf; the rest of `script` resolves steps and shares a layer with
/// `steps`, the one intended cycle (a step kind owns its syntax).
const LAYERS: &[&[&str]] = &[
    &[
        "fs",
        "sanitize",
        "signals",
        "hygiene",
        "slip39",
        "pgp",
        "bip32",
        "bip39",
        "script::yaml",
        "script::de",
        "script::types",
        "script::policy",
        "script::source",
    ],
    &["transcript", "operator", "device", "vault"],
    &["records", "signatures"],
    &["script", "steps"],
    &["engine"],
    &["report", "tui", "templates"],
    &["cli"],
];

/// The submodules of `script` that are leaves.
const SCRIPT_LEAVES: &[&str] = &["yaml", "de", "types", "policy", "source"];

fn layer_of(unit: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&unit))
}

/// The unit a module path belongs to: its top-level module, or `script::<leaf>`.
fn unit_of(path: &[String]) -> Option<String> {
    let top = path.first()?;
    match path.get(1) {
        Some(sub) if top == "script" && SCRIPT_LEAVES.contains(&sub.as_str()) => {
            Some(format!("script::{sub}"))
        }
        _ => Some(top.clone()),
    }
}

/// The module path of a source file: `src/script/yaml.rs` is `[script, yaml]`,
/// `src/steps/mod.rs` is `[steps]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The source without comments (line comments and doc comments; a `//` after a quote
/// is kept, as it may be inside a string) and without its unit tests, which sit at the
/// end of a file and may use anything to set up a case.
fn without_comments(text: &str) -> String {
    let code = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    code.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident(s: &str) -> (&str, &str) {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    (&s[..end], &s[end..])
}

/// The paths named by the text after `prefix::`, expanded two segments deep:
/// `a::b::c` gives `[a, b]`, `{a::{b, C}, d}` gives `[a, b]`, `[a, C]`, `[d]`.
fn expand(rest: &str, prefix: &[String], depth: usize, out: &mut Vec<Vec<String>>) {
    if depth == 0 {
        out.push(prefix.to_vec());
        return;
    }
    let rest = rest.trim_start();
    if let Some(group) = rest.strip_prefix('{') {
        let mut level = 0;
        let mut start = 0;
        let mut items = Vec::new();
        for (i, c) in group.char_indices() {
            match c {
                '{' => level += 1,
                '}' if level == 0 => {
                    items.push(&group[start..i]);
                    break;
                }
                '}' => level -= 1,
                ',' if level == 0 => {
                    items.push(&group[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        for item in items {
            expand(item, prefix, depth, out);
        }
        return;
    }
    let (name, after) = ident(rest);
    if name.is_empty() || name == "self" {
        out.push(prefix.to_vec());
        return;
    }
    let mut path = prefix.to_vec();
    path.push(name.to_string());
    match after.strip_prefix("::") {
        Some(next) => expand(next, &path, depth - 1, out),
        None => out.push(path),
    }
}

/// Every module path the file names, with its line, resolved from the crate root.
fn imports(module: &[String], text: &str) -> Vec<(usize, Vec<String>)> {
    let text = without_comments(text);
    let mut found = Vec::new();
    for (prefix, base) in [
        ("crate::", Vec::new()),
        ("super::", {
            let mut parent = module.to_vec();
            parent.pop();
            parent
        }),
    ] {
        let mut from = 0;
        while let Some(at) = text[from..].find(prefix) {
            let start = from + at;
            from = start + prefix.len();
            // `keyrite::crate::` cannot occur; `my_super::` or `xcrate::` are other names.
            if text[..start]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                continue;
            }
            let mut rest = &text[from..];
            let mut base = base.clone();
            while let Some(next) = rest.strip_prefix("super::") {
                base.pop();
                rest = next;
            }
            let line = text[..start].matches('\n').count() + 1;
            let mut paths = Vec::new();
            let depth = 2usize.saturating_sub(base.len()).max(1);
            expand(rest, &base, depth, &mut paths);
            found.extend(paths.into_iter().map(|p| (line, p)));
        }
    }
    found
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src/ is readable in a checkout")
        .map(|e| e.expect("src/ entries are readable").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every upward import in the sources under `src`, as `file:line: unit (layer) imports
/// unit (layer)`.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    sources(src, &mut files);
    let mut found = Vec::new();
    for file in files {
        let module = module_path(src, &file);
        let Some(unit) = unit_of(&module) else {
            continue;
        };
        // lib.rs, main.rs and this file sit above the layers.
        let Some(own) = layer_of(&unit) else { continue };
        let text = std::fs::read_to_string(&file).expect("sources are UTF-8");
        for (line, path) in imports(&module, &text) {
            let Some(target) = unit_of(&path) else {
                continue;
            };
            if let Some(theirs) = layer_of(&target) {
                if theirs > own {
                    found.push(format!(
                        "{}:{line}: {unit} (layer {own}) imports {target} (layer {theirs})",
                        file.display()
                    ));
                }
            }
        }
    }
    found
}

#[test]
fn no_module_imports_from_a_layer_above() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(
        found.is_empty(),
        "lower layers import higher ones (see the layers in src/lib.rs):\n{}",
        found.join("\n")
    );
}

#[test]
fn every_module_has_a_layer() {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs"))
        .expect("src/lib.rs is readable");
    let mut modules = BTreeSet::new();
    for line in lib.lines() {
        if let Some(name) = line.strip_prefix("pub mod ") {
            modules.insert(name.trim_end_matches(';').to_string());
        }
    }
    let missing: Vec<_> = modules.iter().filter(|m| layer_of(m).is_none()).collect();
    assert!(missing.is_empty(), "modules without a layer: {missing:?}");
    for layer in LAYERS {
        for unit in *layer {
            let top = unit.split("::").next().unwrap_or(unit);
            assert!(
                modules.contains(top),
                "{unit} is in LAYERS but not in lib.rs"
            );
            assert!(
                lib.contains(unit),
                "the drawing in lib.rs does not name {unit}"
            );
        }
    }
}

#[test]
fn the_scanner_finds_grouped_nested_and_relative_imports() {
    let module = vec!["script".to_string(), "source".to_string()];
    let text = "use crate::{fs, script::{de::Problem, Script}};\n\
                // use crate::tui; a comment is not an import\n\
                let x = super::Step::new(); let y = crate::engine::run();\n\
                #[cfg(test)]\nmod tests {\n    use crate::cli;\n}\n";
    let found: Vec<_> = imports(&module, text)
        .into_iter()
        .map(|(line, p)| format!("{line}:{}", p.join("::")))
        .collect();
    assert_eq!(
        found,
        [
            "1:fs",
            "1:script::de",
            "1:script::Script",
            "3:engine::run",
            "3:script::Step"
        ]
    );
    // `super::Step` from a leaf reaches the resolving half of `script`: a violation.
    assert_eq!(
        unit_of(&["script".into(), "Step".into()]).as_deref(),
        Some("script")
    );
    assert_eq!(
        layer_of("script::source").map(|l| l < layer_of("script").unwrap_or(0)),
        Some(true)
    );
}
