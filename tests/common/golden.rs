//! Golden files: output compared with a committed file, byte for byte, with a line diff
//! when they differ. `KEYRITE_BLESS=1` rewrites the files that differ from the current
//! output instead; read every rewritten file before committing it: a golden file that
//! blesses a wrong or useless output is worse than none.
//!
//! Used by `cli/check_golden.rs` (which gathers every case before failing, through
//! [`compare`]), `cli/report.rs` and `cli/print.rs` (through [`assert_golden`]). The
//! TUI snapshots use insta instead (`tui/snapshots/`).

use std::fmt::Write as _;
use std::path::Path;

/// Whether golden files are to be rewritten: `KEYRITE_BLESS=1`.
pub fn blessing() -> bool {
    std::env::var_os("KEYRITE_BLESS").is_some_and(|v| v == "1")
}

/// What [`compare`] found.
pub enum Outcome {
    /// The file holds exactly the output.
    Same,
    /// The file differed (or was missing) and was rewritten.
    Blessed,
    /// The file differs (or is missing): a diff, or the output, to show.
    Differs(String),
}

/// Compares `actual` with the golden file at `path`. When they differ and `bless` is
/// true, the file is rewritten with `actual`.
pub fn compare(path: &Path, actual: &str, bless: bool) -> Outcome {
    let expected = std::fs::read_to_string(path).ok();
    if expected.as_deref() == Some(actual) {
        return Outcome::Same;
    }
    if bless {
        std::fs::write(path, actual)
            .unwrap_or_else(|e| panic!("{}: {e}: the golden file is not writable", path.display()));
        return Outcome::Blessed;
    }
    Outcome::Differs(match expected {
        None => format!(
            "  no file {}; actual output:\n{}",
            path.display(),
            actual
                .lines()
                .map(|l| format!("  + {l}\n"))
                .collect::<String>()
        ),
        Some(expected) => diff(&expected, actual),
    })
}

/// Compares `actual` with the golden file `file` (relative to the crate root) and fails
/// the test with a diff if they differ, unless `KEYRITE_BLESS=1`, which rewrites it.
pub fn assert_golden(file: &str, actual: &str) {
    let path = Path::new(super::ROOT).join(file);
    match compare(&path, actual, blessing()) {
        Outcome::Same => {}
        Outcome::Blessed => eprintln!("blessed {file}; read it before committing it"),
        Outcome::Differs(d) => panic!(
            "{file} differs from the output (`-` expected, `+` actual; KEYRITE_BLESS=1 \
             rewrites it):\n{d}"
        ),
    }
}

/// A line diff (longest common subsequence): `-` expected, `+` actual.
pub fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            let _ = writeln!(out, "    {}", a[i]);
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            let _ = writeln!(out, "  - {}", a[i]);
            i += 1;
        } else {
            let _ = writeln!(out, "  + {}", b[j]);
            j += 1;
        }
    }
    if expected.ends_with('\n') != actual.ends_with('\n') {
        let _ = writeln!(out, "  (the final newline differs)");
    }
    out
}
