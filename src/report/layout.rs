//! Layouts: the minijinja templates that lay out a report or a printable script.
//!
//! The built-in layouts are `templates/layouts/*` compiled into the binary, so the
//! commands work anywhere; `--templates DIR` reads the same file names from DIR instead,
//! so an organisation can restyle them.
//!
//! Invariants:
//! - Values are escaped for the output format whatever the layout does: `.html` layouts
//!   escape HTML, `.md` layouts escape Markdown (table pipes, line breaks, emphasis and
//!   HTML), so a typed value can neither break a table nor inject markup. Only a layout
//!   that writes `|safe` opts out, on purpose.
//! - An undefined variable is an error (strict mode): a restyled layout with a typo fails
//!   loudly instead of leaving a field blank in an audit record.
//! - A layout name is a plain file name: it cannot reach outside the folder.
//! - A layout file is read within [`MAX_LAYOUT_BYTES`].

use std::io::Read;
use std::path::{Path, PathBuf};

use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior, Value};
use serde::Serialize;

/// The built-in layouts, by file name.
pub const BUILT_IN: &[(&str, &str)] = &[
    (
        "report.md.j2",
        include_str!("../../templates/layouts/report.md.j2"),
    ),
    (
        "report.html.j2",
        include_str!("../../templates/layouts/report.html.j2"),
    ),
    (
        "print.md.j2",
        include_str!("../../templates/layouts/print.md.j2"),
    ),
    (
        "print.html.j2",
        include_str!("../../templates/layouts/print.html.j2"),
    ),
    (
        "style.css.j2",
        include_str!("../../templates/layouts/style.css.j2"),
    ),
];

/// Where the built-in layouts live in keyrite's source, for messages.
pub const BUILT_IN_FOLDER: &str = "templates/layouts";

/// Largest layout file read.
pub const MAX_LAYOUT_BYTES: u64 = 1 << 20;

/// The custom auto-escape mode of `.md` layouts.
const MARKDOWN: &str = "markdown";

/// Why a layout could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    /// `--templates` does not name a readable folder.
    #[error("the layout folder {path} cannot be read")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The folder lacks a layout that is needed.
    #[error("the layout folder {folder} has no `{name}` (the built-in layout of that name is {BUILT_IN_FOLDER}/{name})")]
    Missing {
        /// The folder.
        folder: PathBuf,
        /// The layout's file name.
        name: String,
    },
    /// No built-in layout has this name.
    #[error("there is no built-in layout `{0}`")]
    UnknownBuiltIn(String),
    /// The layout failed: a syntax error, an undefined variable, a failed include.
    #[error("the layout `{name}` failed: {detail}")]
    Render {
        /// The layout's file name.
        name: String,
        /// What minijinja said, with the layout's line.
        detail: String,
        /// The error.
        #[source]
        source: Error,
    },
}

/// The layouts in use: the built-in ones, or those in a folder.
#[derive(Clone, Debug)]
pub struct Layouts {
    folder: Option<PathBuf>,
}

impl Layouts {
    /// The layouts compiled into keyrite.
    pub fn built_in() -> Layouts {
        Layouts { folder: None }
    }

    /// The layouts in `folder`, which must exist: a copy of keyrite's `templates/`
    /// (the layouts are then in its `layouts/`), or a folder of layouts.
    pub fn from_folder(folder: &Path) -> Result<Layouts, LayoutError> {
        let nested = folder.join("layouts");
        let folder = if nested.is_dir() { &nested } else { folder };
        match std::fs::metadata(folder) {
            Ok(m) if m.is_dir() => Ok(Layouts {
                folder: Some(folder.to_path_buf()),
            }),
            Ok(_) => Err(LayoutError::Folder {
                path: folder.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "it is not a folder"),
            }),
            Err(source) => Err(LayoutError::Folder {
                path: folder.to_path_buf(),
                source,
            }),
        }
    }

    /// Lays out `view` with the layout `name` (such as `report.md.j2`).
    pub fn render<S: Serialize>(&self, name: &str, view: &S) -> Result<String, LayoutError> {
        match &self.folder {
            Some(folder) if !plain_name(name) || !folder.join(name).is_file() => {
                return Err(LayoutError::Missing {
                    folder: folder.clone(),
                    name: name.to_string(),
                })
            }
            None if !BUILT_IN.iter().any(|(n, _)| *n == name) => {
                return Err(LayoutError::UnknownBuiltIn(name.to_string()))
            }
            _ => {}
        }
        let env = self.environment();
        let failed = |source: Error| LayoutError::Render {
            name: name.to_string(),
            detail: describe(&source),
            source,
        };
        let template = env.get_template(name).map_err(failed)?;
        template.render(Value::from_serialize(view)).map_err(failed)
    }

    fn environment(&self) -> Environment<'static> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_auto_escape_callback(auto_escape);
        env.set_formatter(|out, state, value| match state.auto_escape() {
            AutoEscape::Custom(MARKDOWN) if !value.is_safe() => out
                .write_str(&escape_markdown(&value.to_string()))
                .map_err(Error::from),
            // A safe value in a Markdown layout is written as it is.
            AutoEscape::Custom(MARKDOWN) => out.write_str(&value.to_string()).map_err(Error::from),
            _ => minijinja::escape_formatter(out, state, value),
        });
        match &self.folder {
            None => env.set_loader(|name| {
                Ok(BUILT_IN
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, source)| (*source).to_string()))
            }),
            Some(folder) => {
                let folder = folder.clone();
                env.set_loader(move |name| load(&folder, name).map(Some));
            }
        }
        env
    }
}

/// `.html` layouts escape HTML, `.md` layouts Markdown, others (CSS) nothing.
fn auto_escape(name: &str) -> AutoEscape {
    let base = name.strip_suffix(".j2").unwrap_or(name);
    match base.rsplit('.').next() {
        Some("html" | "htm") => AutoEscape::Html,
        Some("md") => AutoEscape::Custom(MARKDOWN),
        _ => AutoEscape::None,
    }
}

/// A file name without folders, so a layout cannot include a file outside the folder.
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\', '\0'])
        && !name.starts_with('.')
}

fn load(folder: &Path, name: &str) -> Result<String, Error> {
    let path = folder.join(name);
    let missing = || {
        Error::new(
            ErrorKind::TemplateNotFound,
            format!(
                "{} does not exist (the built-in layout of that name is {BUILT_IN_FOLDER}/{name})",
                path.display()
            ),
        )
    };
    if !plain_name(name) {
        return Err(Error::new(
            ErrorKind::TemplateNotFound,
            format!("`{name}` is not a file name in the layout folder"),
        ));
    }
    let file = match crate::fs::open_regular(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(missing()),
        Err(e) => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("cannot read {}: {e}", path.display()),
            ))
        }
    };
    let mut bytes = Vec::new();
    file.take(MAX_LAYOUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            Error::new(
                ErrorKind::InvalidOperation,
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
    if bytes.len() as u64 > MAX_LAYOUT_BYTES {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "{} is larger than {MAX_LAYOUT_BYTES} bytes: not a layout",
                path.display()
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|_| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("{} is not UTF-8 text", path.display()),
        )
    })
}

/// One line: the error, where it happened, and its causes.
fn describe(e: &Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Escapes text for Markdown: characters that start emphasis, code, links, HTML or
/// table cells are backslash-escaped, and line breaks become `<br>`, so the text stays
/// in its table cell or line whatever it holds.
pub fn escape_markdown(text: &str) -> String {
    // Controls become visible escapes first (the same as on a terminal), so a transcript
    // cannot hide text in a rendered or printed report either.
    let text = text.trim_end_matches(['\n', '\r']).replace("\r\n", "\n");
    let text = crate::sanitize::for_terminal(&text);
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    let mut previous = ' ';
    while let Some(c) = chars.next() {
        // An underscore inside a word never starts emphasis (CommonMark), and field
        // names such as `laptop_bag_seal` stay readable.
        let inside_word = c == '_'
            && previous.is_alphanumeric()
            && chars.peek().is_some_and(|n| n.is_alphanumeric());
        previous = c;
        match c {
            '_' if inside_word => out.push(c),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => out.push_str("<br>"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escaping_keeps_a_value_in_its_cell() {
        assert_eq!(escape_markdown("a | b"), "a \\| b");
        assert_eq!(escape_markdown("line 1\nline 2\n"), "line 1<br>line 2");
        assert_eq!(escape_markdown("x\r\ny"), "x<br>y");
        assert_eq!(
            escape_markdown("<script>*x*</script>"),
            "\\<script\\>\\*x\\*\\</script\\>"
        );
        // A control shows as a visible escape; its backslash is escaped for Markdown.
        assert_eq!(escape_markdown("a\u{7}b\u{202e}"), "a\\\\x07b\\\\u{202e}");
        assert_eq!(escape_markdown("TB-004217"), "TB-004217");
        assert_eq!(escape_markdown("laptop_bag_seal"), "laptop_bag_seal");
        assert_eq!(escape_markdown("_x_ a_ _b"), "\\_x\\_ a\\_ \\_b");
    }

    #[derive(Serialize)]
    struct V {
        value: &'static str,
    }

    #[test]
    fn every_built_in_layout_parses() {
        let env = Layouts::built_in().environment();
        for (name, _) in BUILT_IN {
            env.get_template(name)
                .unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
    }

    #[test]
    fn folder_layouts_escape_by_extension_and_are_strict() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t.md.j2"), "| {{ value }} |").unwrap();
        std::fs::write(dir.path().join("t.html.j2"), "<p>{{ value }}</p>").unwrap();
        std::fs::write(dir.path().join("typo.md.j2"), "{{ valeu }}").unwrap();
        std::fs::write(dir.path().join("up.md.j2"), "{% include '../x' %}").unwrap();
        let layouts = Layouts::from_folder(dir.path()).unwrap();
        let v = V { value: "a|b<i>" };
        assert_eq!(layouts.render("t.md.j2", &v).unwrap(), "| a\\|b\\<i\\> |");
        assert_eq!(
            layouts.render("t.html.j2", &v).unwrap(),
            "<p>a|b&lt;i&gt;</p>"
        );
        let typo = layouts.render("typo.md.j2", &v).unwrap_err().to_string();
        assert!(typo.contains("undefined"), "{typo}");
        assert!(layouts.render("up.md.j2", &v).is_err());
        let missing = layouts.render("report.md.j2", &v).unwrap_err().to_string();
        assert!(
            missing.contains("report.md.j2") && missing.contains(BUILT_IN_FOLDER),
            "{missing}"
        );
        assert!(Layouts::from_folder(&dir.path().join("nope")).is_err());
    }
}
