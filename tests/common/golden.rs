//! The golden-file check shared by cli/report.rs and cli/print.rs.

use std::path::Path;

/// Compares `actual` with the golden file `file` (relative to the crate root), or
/// rewrites it under `KEYRITE_BLESS=1`.
pub fn golden(file: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    if std::env::var_os("KEYRITE_BLESS").is_some() {
        std::fs::write(&path, actual).expect("the golden file is writable");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{file}: {e}; run with KEYRITE_BLESS=1 to create it"));
    assert!(
        expected == actual,
        "{file} differs from the output; run with KEYRITE_BLESS=1 and read the diff\n--- actual\n{actual}"
    );
}
