//! A YAML tree in which every node knows its line and column.
//!
//! `check` must report every problem of a script with `file:line:col`, and a serde
//! deserializer over a streaming parser knows a position only for the first error. So
//! scripts are first read into this tree, from `yaml-rust2`'s event stream, and the typed
//! script is then deserialized from the tree (see [`super::de`]).
//!
//! Invariants:
//! - Loading is bounded before any allocation grows with the input: the file size, the
//!   nesting depth and the number of nodes after alias expansion each have a budget
//!   ([`Budget`]), so an alias bomb or a 10,000-deep document fails fast with a position.
//! - Only one document per file; tags are refused (the language has no use for them and
//!   they would change a value's meaning silently).
//! - A mapping never holds the same key twice: the second is reported and dropped.

use std::fmt;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A 1-based line and column in a source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    /// Line, counting from 1.
    pub line: u32,
    /// Column in characters, counting from 1.
    pub col: u32,
}

impl Pos {
    fn from_marker(m: &Marker) -> Pos {
        Pos {
            line: u32::try_from(m.line()).unwrap_or(u32::MAX),
            col: u32::try_from(m.col().saturating_add(1)).unwrap_or(u32::MAX),
        }
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// How a scalar was written; quoting matters for what a plain `~` or `true` means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    /// Written without quotes, so it may be null, a boolean or a number.
    Plain,
    /// Quoted or a block scalar: always text.
    Quoted,
}

/// One node of the tree.
#[derive(Clone, Debug)]
pub struct Node {
    /// Where the node starts.
    pub pos: Pos,
    /// What it holds.
    pub kind: NodeKind,
    /// For a value left empty after its key (`title:` and nothing more), the key: messages
    /// then name it, at the key's position, instead of pointing at the next line.
    pub empty_value_of: Option<String>,
}

/// The three YAML node kinds.
#[derive(Clone, Debug)]
pub enum NodeKind {
    /// A scalar with its source text.
    Scalar(String, ScalarStyle),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// A plain empty scalar, `~` or `null`: YAML's null.
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar(s, ScalarStyle::Plain) if s.is_empty() || s == "~" || s == "null" || s == "Null" || s == "NULL")
    }

    /// A short name of what the node is, for messages ("a list", "text `x`").
    pub fn describe(&self) -> String {
        match &self.kind {
            NodeKind::Scalar(_, _) if self.is_null() => match &self.empty_value_of {
                Some(key) => format!("nothing after `{key}:`"),
                None => "nothing".to_string(),
            },
            NodeKind::Scalar(s, _) => {
                let shown: String = s.chars().take(40).collect();
                let more = if s.chars().count() > 40 { "…" } else { "" };
                format!("`{shown}{more}`")
            }
            NodeKind::Seq(_) => "a list".to_string(),
            NodeKind::Map(_) => "a mapping".to_string(),
        }
    }

    fn count(&self) -> usize {
        match &self.kind {
            NodeKind::Scalar(..) => 1,
            NodeKind::Seq(items) => 1 + items.iter().map(Node::count).sum::<usize>(),
            NodeKind::Map(entries) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.count() + v.count())
                    .sum::<usize>()
            }
        }
    }
}

/// Limits that keep a hostile or broken file from exhausting memory, stack or time.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Largest file accepted, in bytes.
    pub max_bytes: usize,
    /// Deepest nesting of lists and mappings.
    pub max_depth: usize,
    /// Most nodes, counting every alias expansion in full.
    pub max_nodes: usize,
}

impl Budget {
    /// The budget for ceremony scripts and answers files: far above any real ceremony
    /// (a 500-step script is ~60 KiB and ~5,000 nodes), far below harm.
    pub const SCRIPT: Budget = Budget {
        max_bytes: 1 << 20,
        max_depth: 64,
        max_nodes: 200_000,
    };
}

/// Why a file could not be read as YAML. Each carries the position it refers to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The file is larger than the budget allows.
    #[error("the file is {size} bytes; scripts are limited to {max} bytes")]
    TooLarge {
        /// Size of the file, or a lower bound when reading stopped early.
        size: u64,
        /// The limit.
        max: usize,
    },
    /// The file is not UTF-8 text.
    #[error("the file is not UTF-8 text: invalid byte 0x{byte:02x}")]
    NotUtf8 {
        /// Where the invalid byte is.
        pos: Pos,
        /// The first invalid byte.
        byte: u8,
    },
    /// A character YAML does not allow in a file (a control character such as NUL or
    /// ESC) or a bidirectional control that makes an editor show text out of order.
    #[error("the file holds the character {}, which is not allowed anywhere in a script, not even in a comment", crate::sanitize::describe(*.character))]
    Forbidden {
        /// Where it is.
        pos: Pos,
        /// The character.
        character: char,
    },
    /// A quoted text whose escapes (`"\e"`, `"\u001b"`) make a forbidden character.
    #[error("this text makes the character {} with an escape; texts shown to the room must be printable", crate::sanitize::describe(*.character))]
    ForbiddenEscape {
        /// The text.
        pos: Pos,
        /// The character.
        character: char,
    },
    /// The file holds no YAML document (empty, or only comments).
    #[error("the file is empty: a script needs at least `keyrite: 1`, `id`, `title`, `roles` and `steps`")]
    Empty,
    /// YAML syntax error from the parser.
    #[error("YAML syntax error: {message}")]
    Syntax {
        /// Where the parser stopped.
        pos: Pos,
        /// The parser's description.
        message: String,
    },
    /// Nesting deeper than the budget.
    #[error("nesting is deeper than {max} levels")]
    TooDeep {
        /// Where the limit was crossed.
        pos: Pos,
        /// The limit.
        max: usize,
    },
    /// Too many nodes, usually aliases that expand exponentially.
    #[error("the document has more than {max} nodes once its aliases are expanded")]
    TooManyNodes {
        /// Where the limit was crossed.
        pos: Pos,
        /// The limit.
        max: usize,
    },
    /// An alias names an anchor that is not defined before it.
    #[error("alias refers to an anchor that is not defined before it")]
    UnknownAnchor {
        /// The alias.
        pos: Pos,
    },
    /// More than one YAML document in the file.
    #[error("the file holds more than one YAML document (`---`); put one ceremony in each file")]
    MultipleDocuments {
        /// Start of the second document.
        pos: Pos,
    },
    /// A YAML tag such as `!!str` or `!custom`.
    #[error("YAML tags (`{tag}`) are not part of the keyrite language")]
    Tag {
        /// The tagged node.
        pos: Pos,
        /// The tag as written.
        tag: String,
    },
}

impl LoadError {
    /// The position the error refers to, where it has one.
    pub fn pos(&self) -> Option<Pos> {
        match self {
            LoadError::TooLarge { .. } | LoadError::Empty => None,
            LoadError::NotUtf8 { pos, .. }
            | LoadError::Forbidden { pos, .. }
            | LoadError::ForbiddenEscape { pos, .. }
            | LoadError::Syntax { pos, .. }
            | LoadError::TooDeep { pos, .. }
            | LoadError::TooManyNodes { pos, .. }
            | LoadError::UnknownAnchor { pos }
            | LoadError::MultipleDocuments { pos }
            | LoadError::Tag { pos, .. } => Some(*pos),
        }
    }

    /// A suggestion for fixing it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            LoadError::Syntax { message, .. } if message.contains("tab") => {
                Some("indent with spaces; YAML does not allow tabs for indentation")
            }
            LoadError::Syntax { .. } => {
                Some("check indentation and quoting near this position; text containing `: ` or starting with `*`, `&`, `!`, `%` or `@` needs quotes")
            }
            LoadError::NotUtf8 { .. } => Some("save the file as UTF-8"),
            LoadError::Forbidden { .. } => Some(
                "what the room reviews must be what runs: remove the character (an editor may not show it; `cat -A` does)",
            ),
            LoadError::TooLarge { .. } => Some("is this the right file? split very long ceremonies into several scripts"),
            LoadError::TooDeep { .. } => {
                Some("ceremony scripts nest a few levels deep; this file is probably not a keyrite script")
            }
            LoadError::TooManyNodes { .. } => Some(
                "a ceremony script has a few thousand nodes; aliases that refer to aliases multiply (an \"alias bomb\"), so remove them",
            ),
            LoadError::Tag { .. } => Some("remove the tag; quote the value if it must stay text"),
            LoadError::ForbiddenEscape { .. } => Some("remove the escape; a terminal would act on the character instead of showing it"),
            LoadError::UnknownAnchor { .. } => Some("define the anchor (`&name`) before using it (`*name`)"),
            _ => None,
        }
    }
}

/// A key that appeared twice in one mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// The key text.
    pub key: String,
    /// Where it first appears.
    pub first: Pos,
    /// The repeated occurrence, which was dropped.
    pub again: Pos,
}

/// The loaded document and the duplicate keys found on the way.
#[derive(Debug)]
pub struct Loaded {
    /// The root node.
    pub root: Node,
    /// Duplicate keys, already removed from `root`.
    pub duplicates: Vec<DuplicateKey>,
}

/// Decodes bytes as UTF-8 and checks the size budget.
pub fn decode(bytes: &[u8], budget: Budget) -> Result<&str, LoadError> {
    if bytes.len() > budget.max_bytes {
        return Err(LoadError::TooLarge {
            size: bytes.len() as u64,
            max: budget.max_bytes,
        });
    }
    // A UTF-8 byte order mark is invisible in editors and means nothing in YAML.
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        // The prefix is valid UTF-8 by definition of `valid_up_to`.
        let text = std::str::from_utf8(good).unwrap_or("");
        let (line, col) = crate::sanitize::position(text, text.len());
        LoadError::NotUtf8 {
            pos: Pos { line, col },
            byte: bytes[e.valid_up_to()],
        }
    })?;
    // The parser stops at a NUL as if the file ended there, and would pass other
    // controls into texts shown to the room: the file is refused whole, so the bytes
    // hashed, the bytes reviewed and the steps run are the same.
    if let Some((at, character)) = crate::sanitize::find_forbidden(text) {
        let (line, col) = crate::sanitize::position(text, at);
        return Err(LoadError::Forbidden {
            pos: Pos { line, col },
            character,
        });
    }
    Ok(text)
}

/// The first tab in the indentation of a line at or after `near`'s line, or on the line
/// before it: the scanner reports a tab where it gave up, often at the end of the line
/// before, not where the tab is.
fn first_tab_indent(text: &str, near: Pos) -> Option<Pos> {
    let from = usize::try_from(near.line).unwrap_or(1).max(1);
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .take(3)
        .find_map(|(i, line)| {
            let indent = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
            indent.find('\t').map(|at| Pos {
                line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                col: u32::try_from(at + 1).unwrap_or(u32::MAX),
            })
        })
}

/// A tag as it was written: `!!str` for the YAML core tags, `!name` for local ones.
fn tag_text(tag: &yaml_rust2::parser::Tag) -> String {
    match tag.handle.as_str() {
        "tag:yaml.org,2002:" => format!("!!{}", tag.suffix),
        "!" | "" => format!("!{}", tag.suffix),
        handle => format!("{handle}{}", tag.suffix),
    }
}

enum Frame {
    Seq(Pos, usize, Vec<Node>),
    Map(Pos, usize, Vec<(Node, Node)>, Option<Node>),
}

/// Reads one YAML document into a [`Node`] tree within `budget`.
pub fn load(text: &str, budget: Budget) -> Result<Loaded, LoadError> {
    if text.len() > budget.max_bytes {
        return Err(LoadError::TooLarge {
            size: text.len() as u64,
            max: budget.max_bytes,
        });
    }
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: std::collections::HashMap<usize, (Node, usize)> = Default::default();
    let mut nodes = 0usize;
    let mut root: Option<Node> = None;
    let mut duplicates = Vec::new();
    loop {
        let (event, mark) = parser.next_token().map_err(|e| {
            let pos = Pos::from_marker(e.marker());
            // The scanner has its own nesting limit, which it can reach before the
            // parser hands us the event that would cross ours; it is the same finding.
            if e.info().contains("recursion limit") {
                LoadError::TooDeep {
                    pos,
                    max: budget.max_depth,
                }
            } else if e.info().contains("unknown anchor") {
                LoadError::UnknownAnchor { pos }
            } else if e.info().contains("tab") {
                LoadError::Syntax {
                    pos: first_tab_indent(text, pos).unwrap_or(pos),
                    message: e.info().to_string(),
                }
            } else {
                LoadError::Syntax {
                    pos,
                    message: e.info().to_string(),
                }
            }
        })?;
        let pos = Pos::from_marker(&mark);
        let finished: Option<(Node, usize)> = match event {
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => None,
            Event::StreamEnd => break,
            Event::DocumentStart => {
                if root.is_some() {
                    return Err(LoadError::MultipleDocuments { pos });
                }
                None
            }
            Event::Alias(id) => {
                let (node, count) = anchors.get(&id).ok_or(LoadError::UnknownAnchor { pos })?;
                nodes = nodes.saturating_add(*count);
                if nodes > budget.max_nodes {
                    return Err(LoadError::TooManyNodes {
                        pos,
                        max: budget.max_nodes,
                    });
                }
                Some((node.clone(), 0))
            }
            Event::Scalar(text, style, anchor, tag) => {
                if let Some(tag) = tag {
                    return Err(LoadError::Tag {
                        pos,
                        tag: tag_text(&tag),
                    });
                }
                if let Some((_, character)) = crate::sanitize::find_forbidden(&text) {
                    return Err(LoadError::ForbiddenEscape { pos, character });
                }
                nodes += 1;
                let style = match style {
                    TScalarStyle::Plain => ScalarStyle::Plain,
                    _ => ScalarStyle::Quoted,
                };
                Some((
                    Node {
                        pos,
                        kind: NodeKind::Scalar(text, style),
                        empty_value_of: None,
                    },
                    anchor,
                ))
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                let is_seq = matches!(event, Event::SequenceStart(..));
                if let Some(tag) = tag {
                    return Err(LoadError::Tag {
                        pos,
                        tag: tag_text(tag),
                    });
                }
                nodes += 1;
                if stack.len() >= budget.max_depth {
                    return Err(LoadError::TooDeep {
                        pos,
                        max: budget.max_depth,
                    });
                }
                if is_seq {
                    stack.push(Frame::Seq(pos, anchor, Vec::new()));
                } else {
                    stack.push(Frame::Map(pos, anchor, Vec::new(), None));
                }
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(pos, anchor, items)) => Some((
                    Node {
                        pos,
                        kind: NodeKind::Seq(items),
                        empty_value_of: None,
                    },
                    anchor,
                )),
                Some(Frame::Map(map_pos, anchor, entries, _)) => {
                    // A block mapping's start mark is where its first key is.
                    let pos = entries.first().map_or(map_pos, |(k, _)| k.pos);
                    Some((
                        Node {
                            pos,
                            kind: NodeKind::Map(entries),
                            empty_value_of: None,
                        },
                        anchor,
                    ))
                }
                None => None,
            },
        };
        if nodes > budget.max_nodes {
            return Err(LoadError::TooManyNodes {
                pos,
                max: budget.max_nodes,
            });
        }
        let Some((node, anchor)) = finished else {
            continue;
        };
        if anchor != 0 {
            let count = node.count();
            anchors.insert(anchor, (node.clone(), count));
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq(_, _, items)) => items.push(node),
            Some(Frame::Map(_, _, entries, pending)) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => {
                    let key_text = match &key.kind {
                        NodeKind::Scalar(s, _) => Some(s.clone()),
                        _ => None,
                    };
                    let earlier = key_text.as_ref().and_then(|k| {
                        entries
                            .iter()
                            .find(|(e, _)| matches!(&e.kind, NodeKind::Scalar(s, _) if s == k))
                    });
                    let mut node = node;
                    // The parser places an empty value where the next token starts,
                    // often on the next line; it belongs to its key.
                    if matches!(&node.kind, NodeKind::Scalar(v, ScalarStyle::Plain) if v.is_empty())
                    {
                        node.pos = key.pos;
                        node.empty_value_of.clone_from(&key_text);
                    }
                    match (earlier, key_text) {
                        (Some((first, _)), Some(text)) => duplicates.push(DuplicateKey {
                            key: text,
                            first: first.pos,
                            again: key.pos,
                        }),
                        _ => entries.push((key, node)),
                    }
                }
            },
        }
    }
    match root {
        Some(root) if !root.is_null() => Ok(Loaded { root, duplicates }),
        _ => Err(LoadError::Empty),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_str(s: &str) -> Result<Loaded, LoadError> {
        load(s, Budget::SCRIPT)
    }

    #[test]
    fn positions_are_one_based() {
        let l = load_str("a: 1\nbb:\n  - x\n").unwrap();
        let NodeKind::Map(entries) = &l.root.kind else {
            panic!("not a map")
        };
        assert_eq!(entries[0].0.pos, Pos { line: 1, col: 1 });
        assert_eq!(entries[0].1.pos, Pos { line: 1, col: 4 });
        let NodeKind::Seq(items) = &entries[1].1.kind else {
            panic!("not a seq")
        };
        assert_eq!(items[0].pos, Pos { line: 3, col: 5 });
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            s.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        match load_str(&s) {
            Err(LoadError::TooManyNodes { pos, .. }) => assert!(pos.line >= 4),
            other => panic!("expected TooManyNodes, got {other:?}"),
        }
    }

    #[test]
    fn small_aliases_expand() {
        let l = load_str("w: &w [bob, carol]\nx: *w\n").unwrap();
        let NodeKind::Map(entries) = &l.root.kind else {
            panic!()
        };
        assert!(matches!(&entries[1].1.kind, NodeKind::Seq(v) if v.len() == 2));
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let s = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let r = load_str(&s);
        assert!(
            matches!(r, Err(LoadError::TooDeep { max: 64, .. })),
            "{r:?}"
        );
        let block: String = (0..10_000)
            .map(|i| format!("{}k:\n", " ".repeat(i % 2000)))
            .collect();
        assert!(load_str(&block).is_err());
    }

    #[test]
    fn duplicate_keys_are_reported_and_dropped() {
        let l = load_str("a: 1\nb: 2\na: 3\n").unwrap();
        assert_eq!(l.duplicates.len(), 1);
        assert_eq!(l.duplicates[0].first, Pos { line: 1, col: 1 });
        assert_eq!(l.duplicates[0].again, Pos { line: 3, col: 1 });
    }

    #[test]
    fn empty_and_comment_only_files_are_empty() {
        assert_eq!(load_str("").unwrap_err(), LoadError::Empty);
        assert_eq!(load_str("# nothing\n\n").unwrap_err(), LoadError::Empty);
    }

    #[test]
    fn tabs_are_syntax_errors_with_position() {
        let e = load_str("a:\n\tb: 1\n").unwrap_err();
        assert_eq!(e.pos(), Some(Pos { line: 2, col: 1 }));
        // The scanner gives up at the end of the line before; the tab is on line 10.
        let text = "a:\n  b: 1\n  c: [x]\n\td: 2\n";
        let e = load_str(text).unwrap_err();
        assert_eq!(e.pos(), Some(Pos { line: 4, col: 1 }), "{e:?}");
        assert!(e.hint().unwrap().contains("spaces"));
    }

    #[test]
    fn non_utf8_position() {
        let e = decode(b"a: 1\nb: \xff\n", Budget::SCRIPT).unwrap_err();
        assert_eq!(
            e,
            LoadError::NotUtf8 {
                pos: Pos { line: 2, col: 4 },
                byte: 0xff
            }
        );
    }

    #[test]
    fn tags_and_multiple_documents_are_refused() {
        assert!(matches!(
            load_str("a: !!str 1\n"),
            Err(LoadError::Tag { .. })
        ));
        assert!(matches!(
            load_str("a: 1\n---\nb: 2\n"),
            Err(LoadError::MultipleDocuments { .. })
        ));
    }
}
