//! Finds the transcripts under the records folder: every `*.jsonl` at any depth, sorted.
//!
//! Invariants: symbolic links are followed, but every real folder and file is visited
//! once (by its canonical path), so a link loop ends and a linked copy is not counted
//! twice; only regular files are returned (a FIFO named `x.jsonl` would block a reader);
//! a folder or entry that cannot be read is a problem to report, not an error, except
//! the records folder itself.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::RecordsError;

/// Deeper than this is not a records layout; it is reported and not followed.
const MAX_DEPTH: usize = 64;

/// What the walk found.
pub(super) struct Found {
    /// The transcripts, sorted by path.
    pub files: Vec<PathBuf>,
    /// Paths that could not be read, and why.
    pub problems: Vec<(PathBuf, String)>,
}

fn is_transcript_name(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "jsonl")
}

/// Walks `root`. Only a missing or unreadable `root` is an error.
pub(super) fn walk(root: &Path) -> Result<Found, RecordsError> {
    let meta = std::fs::metadata(root).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            RecordsError::Missing {
                path: root.to_path_buf(),
            }
        } else {
            RecordsError::Unreadable {
                path: root.to_path_buf(),
                source,
            }
        }
    })?;
    if !meta.is_dir() {
        return Err(RecordsError::NotAFolder {
            path: root.to_path_buf(),
        });
    }
    let canonical_root =
        std::fs::canonicalize(root).map_err(|source| RecordsError::Unreadable {
            path: root.to_path_buf(),
            source,
        })?;
    // The root must be listable; deeper folders that are not are reported instead.
    std::fs::read_dir(root).map_err(|source| RecordsError::Unreadable {
        path: root.to_path_buf(),
        source,
    })?;
    let mut found = Found {
        files: Vec::new(),
        problems: Vec::new(),
    };
    let mut seen_dirs = HashSet::from([canonical_root.clone()]);
    let mut seen_files = HashSet::new();
    // (path as reached from root, its canonical path, depth)
    let mut stack = vec![(root.to_path_buf(), canonical_root, 0usize)];
    while let Some((dir, canonical_dir, depth)) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                found
                    .problems
                    .push((dir, format!("cannot read this folder: {e}")));
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    found
                        .problems
                        .push((dir.clone(), format!("cannot read this folder: {e}")));
                    break;
                }
            };
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                if is_transcript_name(&path) {
                    found
                        .problems
                        .push((path, "cannot tell what kind of file it is".to_string()));
                }
                continue;
            };
            if kind.is_symlink() {
                // Follow it once: its target decides what it is.
                let target = match std::fs::metadata(&path) {
                    Ok(m) => m,
                    Err(e) => {
                        if is_transcript_name(&path) {
                            found
                                .problems
                                .push((path, format!("a link that cannot be followed: {e}")));
                        }
                        continue;
                    }
                };
                let Ok(canonical) = std::fs::canonicalize(&path) else {
                    continue;
                };
                if target.is_dir() {
                    push_dir(
                        &mut found,
                        &mut stack,
                        &mut seen_dirs,
                        path,
                        canonical,
                        depth,
                    );
                } else if is_transcript_name(&path) {
                    push_file(
                        &mut found,
                        &mut seen_files,
                        path,
                        canonical,
                        target.is_file(),
                    );
                }
            } else if kind.is_dir() {
                let canonical = canonical_dir.join(entry.file_name());
                push_dir(
                    &mut found,
                    &mut stack,
                    &mut seen_dirs,
                    path,
                    canonical,
                    depth,
                );
            } else if is_transcript_name(&path) {
                let canonical = canonical_dir.join(entry.file_name());
                push_file(&mut found, &mut seen_files, path, canonical, kind.is_file());
            }
        }
    }
    found.files.sort();
    found.problems.sort();
    Ok(found)
}

fn push_dir(
    found: &mut Found,
    stack: &mut Vec<(PathBuf, PathBuf, usize)>,
    seen: &mut HashSet<PathBuf>,
    path: PathBuf,
    canonical: PathBuf,
    depth: usize,
) {
    if depth + 1 > MAX_DEPTH {
        found.problems.push((
            path,
            format!("more than {MAX_DEPTH} folders deep; not read"),
        ));
    } else if seen.insert(canonical.clone()) {
        stack.push((path, canonical, depth + 1));
    }
}

fn push_file(
    found: &mut Found,
    seen: &mut HashSet<PathBuf>,
    path: PathBuf,
    canonical: PathBuf,
    regular: bool,
) {
    if !regular {
        found
            .problems
            .push((path, "not a regular file; not read".to_string()));
    } else if seen.insert(canonical) {
        found.files.push(path);
    }
}
