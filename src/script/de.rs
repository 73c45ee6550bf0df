//! A serde deserializer over the positioned YAML tree of [`super::yaml`].
//!
//! The script's types are plain serde types (they also generate the JSON Schema); this
//! deserializer gives them three things a streaming YAML deserializer cannot:
//! - every error carries the line and column of the node it is about;
//! - [`Spanned<T>`] fields remember where their value was written, so later checks
//!   (unknown role, dangling reference) can point at it;
//! - unknown keys in a struct are collected into a [`Problems`] sink, each with a
//!   did-you-mean, and decoding of that struct goes on, so one pass reports them all.
//!
//! Scalars follow YAML 1.2's core schema, resolved by the type asked for: a plain `yes`
//! is not a boolean, and text fields keep `007` as written.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::yaml::{Node, NodeKind, Pos, ScalarStyle};

/// One problem found in a file, with where it is and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where, when known.
    pub pos: Option<Pos>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Problem {
    /// A problem at a position.
    pub fn at(pos: Pos, message: impl Into<String>) -> Problem {
        Problem {
            pos: Some(pos),
            message: message.into(),
            hint: None,
        }
    }

    /// The same problem with a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Problem {
        self.hint = Some(hint.into());
        self
    }
}

/// Where problems found while decoding are collected.
pub type Problems = RefCell<Vec<Problem>>;

/// The error type of the deserializer: a [`Problem`] under construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeError(pub Problem);

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for DeError {}

impl DeError {
    fn at(pos: Pos, message: impl Into<String>) -> DeError {
        DeError(Problem::at(pos, message))
    }

    fn with_hint(mut self, hint: impl Into<String>) -> DeError {
        self.0.hint = Some(hint.into());
        self
    }

    fn or_at(mut self, pos: Pos) -> DeError {
        if self.0.pos.is_none() {
            self.0.pos = Some(pos);
        }
        self
    }
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(word, c), *c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Formats a list of keys as "`a`, `b` or `c`".
pub fn one_of(candidates: &[&str]) -> String {
    let quoted: Vec<String> = candidates.iter().map(|c| format!("`{c}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {}", rest.join(", "), last),
    }
}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError(Problem {
            pos: None,
            message: msg.to_string(),
            hint: None,
        })
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        let e = DeError::custom(format!("unknown kind `{variant}`"));
        match did_you_mean(variant, expected) {
            Some(m) => e.with_hint(format!("did you mean `{m}`?")),
            None => e.with_hint(format!("expected one of {}", one_of(expected))),
        }
    }

    fn missing_field(field: &'static str) -> Self {
        DeError::custom(format!("missing key `{field}`"))
    }

    fn duplicate_field(field: &'static str) -> Self {
        DeError::custom(format!("key `{field}` is given twice"))
    }

    fn invalid_length(len: usize, exp: &dyn de::Expected) -> Self {
        DeError::custom(format!("expected {exp}, found {len} items"))
    }
}

/// The serde name that makes [`Spanned`] ask the deserializer for a position.
const SPANNED: &str = "$keyrite::Spanned";
const SPANNED_FIELDS: &[&str] = &["$line", "$col", "$value"];

/// A value with the position where it was written.
#[derive(Clone, Debug)]
pub struct Spanned<T> {
    /// Where the value starts in the file.
    pub pos: Pos,
    /// The value.
    pub value: T,
}

impl<T> Spanned<T> {
    /// A value with a position.
    pub fn new(pos: Pos, value: T) -> Spanned<T> {
        Spanned { pos, value }
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for Spanned<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

impl<'de, T: de::Deserialize<'de>> de::Deserialize<'de> for Spanned<T> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SpannedVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: de::Deserialize<'de>> Visitor<'de> for SpannedVisitor<T> {
            type Value = Spanned<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a value with a position")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut line = None;
                let mut col = None;
                let mut value = None;
                while let Some(key) = map.next_key::<&str>()? {
                    match key {
                        "$line" => line = Some(map.next_value::<u32>()?),
                        "$col" => col = Some(map.next_value::<u32>()?),
                        _ => value = Some(map.next_value::<T>()?),
                    }
                }
                match (line, col, value) {
                    (Some(line), Some(col), Some(value)) => Ok(Spanned {
                        pos: Pos { line, col },
                        value,
                    }),
                    _ => Err(de::Error::custom(
                        "positions are only known when reading a script",
                    )),
                }
            }
        }
        deserializer.deserialize_struct(
            SPANNED,
            SPANNED_FIELDS,
            SpannedVisitor(std::marker::PhantomData),
        )
    }
}

/// Deserializes one node.
#[derive(Clone, Copy)]
pub struct NodeDe<'a> {
    node: &'a Node,
    problems: &'a Problems,
}

impl<'a> NodeDe<'a> {
    /// A deserializer for `node` that reports unknown keys into `problems`.
    pub fn new(node: &'a Node, problems: &'a Problems) -> NodeDe<'a> {
        NodeDe { node, problems }
    }

    fn scalar(&self, what: &str) -> Result<&'a str, DeError> {
        match &self.node.kind {
            NodeKind::Scalar(_, _) if self.node.is_null() => Err(DeError::at(
                self.node.pos,
                format!("expected {what}, found {}", self.node.describe()),
            )),
            NodeKind::Scalar(s, _) => Ok(s),
            NodeKind::Map(_) => Err(DeError::at(
                self.node.pos,
                format!("expected {what}, found {}", self.node.describe()),
            )
            .with_hint("text containing `: ` must be quoted, such as \"Warning: do not ...\"")),
            NodeKind::Seq(_) => Err(DeError::at(
                self.node.pos,
                format!("expected {what}, found {}", self.node.describe()),
            )
            .with_hint("write one value here, not a list")),
        }
    }

    fn plain_scalar(&self, what: &str) -> Result<&'a str, DeError> {
        let s = self.scalar(what)?;
        match &self.node.kind {
            NodeKind::Scalar(_, ScalarStyle::Plain) => Ok(s),
            _ => Err(DeError::at(
                self.node.pos,
                format!(
                    "expected {what}, found the quoted text {}",
                    self.node.describe()
                ),
            )
            .with_hint("write numbers and true/false without quotes")),
        }
    }

    fn integer<T: std::str::FromStr + fmt::Display>(&self, min: T, max: T) -> Result<T, DeError> {
        let what = format!("a whole number from {min} to {max}");
        let s = self.plain_scalar(&what)?;
        s.parse::<T>().map_err(|_| {
            let found = if s.parse::<i128>().is_ok() {
                format!("{s}, which is out of range")
            } else {
                self.node.describe()
            };
            DeError::at(self.node.pos, format!("expected {what}, found {found}"))
        })
    }

    fn wrong_type(&self, exp: &dyn de::Expected) -> DeError {
        let expected = match exp.to_string().as_str() {
            "a sequence" => "a list".to_string(),
            "a map" => "a mapping".to_string(),
            other => other.to_string(),
        };
        let e = DeError::at(
            self.node.pos,
            format!("expected {expected}, found {}", self.node.describe()),
        );
        match (&self.node.kind, expected.as_str()) {
            (NodeKind::Scalar(..), "a list") => e.with_hint("write a list, such as `[officer, witness-1]`, or one item per line starting with `- `"),
            (NodeKind::Map(_), _) if expected.contains("text") || expected.contains("string") => {
                e.with_hint("text containing `: ` must be quoted, such as \"Warning: do not ...\"")
            }
            _ => e,
        }
    }
}

macro_rules! integer_methods {
    ($($method:ident $visit:ident $t:ty),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            let v = self.integer::<$t>(<$t>::MIN, <$t>::MAX)?;
            visitor.$visit::<DeError>(v).map_err(|e| e.or_at(self.node.pos))
        })*
    };
}

impl<'de, 'a> de::Deserializer<'de> for NodeDe<'a> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let pos = self.node.pos;
        let r = match &self.node.kind {
            NodeKind::Scalar(..) if self.node.is_null() => visitor.visit_unit(),
            NodeKind::Scalar(s, ScalarStyle::Plain) if s == "true" => visitor.visit_bool(true),
            NodeKind::Scalar(s, ScalarStyle::Plain) if s == "false" => visitor.visit_bool(false),
            NodeKind::Scalar(s, ScalarStyle::Plain) if s.parse::<u64>().is_ok() => {
                visitor.visit_u64(s.parse::<u64>().unwrap_or_default())
            }
            NodeKind::Scalar(s, ScalarStyle::Plain) if s.parse::<i64>().is_ok() => {
                visitor.visit_i64(s.parse::<i64>().unwrap_or_default())
            }
            NodeKind::Scalar(s, _) => visitor.visit_str(s),
            NodeKind::Seq(_) => self.deserialize_seq(visitor),
            NodeKind::Map(_) => self.deserialize_map(visitor),
        };
        r.map_err(|e| e.or_at(pos))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let s = self.plain_scalar("true or false")?;
        match s {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            _ => Err(DeError::at(
                self.node.pos,
                format!("expected true or false, found {}", self.node.describe()),
            )
            .with_hint("YAML 1.2 booleans are exactly `true` and `false`")),
        }
    }

    integer_methods! {
        deserialize_i8 visit_i8 i8, deserialize_i16 visit_i16 i16,
        deserialize_i32 visit_i32 i32, deserialize_i64 visit_i64 i64,
        deserialize_u8 visit_u8 u8, deserialize_u16 visit_u16 u16,
        deserialize_u32 visit_u32 u32, deserialize_u64 visit_u64 u64,
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let s = self.plain_scalar("a number")?;
        let v: f64 = s.parse().map_err(|_| {
            DeError::at(
                self.node.pos,
                format!("expected a number, found {}", self.node.describe()),
            )
        })?;
        visitor.visit_f64(v)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let s = self.scalar("text")?;
        visitor
            .visit_str::<DeError>(s)
            .map_err(|e| e.or_at(self.node.pos))
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.node.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.node.is_null() {
            visitor.visit_unit()
        } else {
            Err(self.wrong_type(&"nothing"))
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor
            .visit_newtype_struct(self)
            .map_err(|e| e.or_at(self.node.pos))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.kind {
            NodeKind::Seq(items) => visitor
                .visit_seq(SeqAccess {
                    items: items.iter(),
                    problems: self.problems,
                })
                .map_err(|e| e.or_at(self.node.pos)),
            _ => Err(self.wrong_type(&visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.kind {
            NodeKind::Map(entries) => visitor
                .visit_map(MapAccess {
                    entries: entries.iter().map(|(k, v)| (Key::Node(k), v)),
                    value: None,
                    problems: self.problems,
                })
                .map_err(|e| e.or_at(self.node.pos)),
            _ => Err(self.wrong_type(&visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if name == SPANNED {
            return visitor.visit_map(SpannedAccess { de: self, state: 0 });
        }
        let NodeKind::Map(entries) = &self.node.kind else {
            return Err(self.wrong_type(&visitor));
        };
        // Unknown keys are reported here, each on its own, and skipped, so that the
        // derived visitor goes on to check the keys it knows. A likely typo of a key that
        // is not written (`thresold` for `threshold`) is read as that key, so that its
        // absence is not reported as a second problem and its value is still checked.
        let written: Vec<&str> = entries
            .iter()
            .filter_map(|(k, _)| match &k.kind {
                NodeKind::Scalar(k, _) => Some(k.as_str()),
                _ => None,
            })
            .collect();
        let mut claimed: Vec<&'static str> = Vec::new();
        let mut known = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            match &k.kind {
                NodeKind::Scalar(text, _) if !fields.contains(&text.as_str()) => {
                    let mut p = Problem::at(k.pos, format!("unknown key `{text}`"));
                    let suggestion = did_you_mean(text, fields);
                    p.hint = Some(match suggestion {
                        Some(m) => format!("did you mean `{m}`?"),
                        None => format!("expected {}", one_of(fields)),
                    });
                    self.problems.borrow_mut().push(p);
                    if let Some(m) = suggestion {
                        if !written.contains(&m) && !claimed.contains(&m) {
                            claimed.push(m);
                            known.push((Key::Renamed(m, k.pos), v));
                        }
                    }
                }
                NodeKind::Scalar(..) => known.push((Key::Node(k), v)),
                _ => self.problems.borrow_mut().push(Problem::at(
                    k.pos,
                    format!("a key must be text, found {}", k.describe()),
                )),
            }
        }
        visitor
            .visit_map(MapAccess {
                entries: known.into_iter(),
                value: None,
                problems: self.problems,
            })
            .map_err(|e| e.or_at(self.node.pos))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.node.kind {
            NodeKind::Scalar(..) => {
                let mut s = self.scalar("a kind")?;
                // A likely typo (`optinal`) is reported once and read as what it is
                // likely to mean, so that the rest of the mapping is still checked.
                if !variants.is_empty() && !variants.contains(&s) {
                    if let Some(m) = did_you_mean(s, variants) {
                        self.problems.borrow_mut().push(
                            Problem::at(self.node.pos, format!("unknown kind `{s}`"))
                                .hint(format!("did you mean `{m}`?")),
                        );
                        s = m;
                    }
                }
                visitor
                    .visit_enum(s.into_deserializer())
                    .map_err(|e: DeError| e.or_at(self.node.pos))
            }
            NodeKind::Map(entries) if entries.len() == 1 => visitor
                .visit_enum(EnumAccess {
                    key: &entries[0].0,
                    value: &entries[0].1,
                    problems: self.problems,
                })
                .map_err(|e| e.or_at(self.node.pos)),
            _ => Err(self.wrong_type(&visitor)),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

struct SeqAccess<'a, I: Iterator<Item = &'a Node>> {
    items: I,
    problems: &'a Problems,
}

impl<'de, 'a, I: Iterator<Item = &'a Node>> de::SeqAccess<'de> for SeqAccess<'a, I> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.items.next() {
            None => Ok(None),
            Some(node) => seed
                .deserialize(NodeDe::new(node, self.problems))
                .map(Some)
                .map_err(|e| e.or_at(node.pos)),
        }
    }
}

/// A mapping key as the decoder reads it: as written, or read as the known key a typo
/// most likely means (the typo itself is already reported).
#[derive(Clone, Copy)]
enum Key<'a> {
    Node(&'a Node),
    Renamed(&'static str, Pos),
}

struct MapAccess<'a, I: Iterator<Item = (Key<'a>, &'a Node)>> {
    entries: I,
    value: Option<&'a Node>,
    problems: &'a Problems,
}

impl<'de, 'a, I: Iterator<Item = (Key<'a>, &'a Node)>> de::MapAccess<'de> for MapAccess<'a, I> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.entries.next() {
            None => Ok(None),
            Some((Key::Node(k), v)) => {
                self.value = Some(v);
                seed.deserialize(NodeDe::new(k, self.problems))
                    .map(Some)
                    .map_err(|e| e.or_at(k.pos))
            }
            Some((Key::Renamed(name, pos), v)) => {
                self.value = Some(v);
                seed.deserialize(de::value::BorrowedStrDeserializer::<DeError>::new(name))
                    .map(Some)
                    .map_err(|e| e.or_at(pos))
            }
        }
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, DeError> {
        let Some(v) = self.value.take() else {
            return Err(de::Error::custom("a value was asked for before its key"));
        };
        seed.deserialize(NodeDe::new(v, self.problems))
            .map_err(|e| e.or_at(v.pos))
    }
}

struct SpannedAccess<'a> {
    de: NodeDe<'a>,
    state: u8,
}

impl<'de, 'a> de::MapAccess<'de> for SpannedAccess<'a> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some(key) = SPANNED_FIELDS.get(usize::from(self.state)) else {
            return Ok(None);
        };
        seed.deserialize(de::value::BorrowedStrDeserializer::new(key))
            .map(Some)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, DeError> {
        let pos = self.de.node.pos;
        self.state += 1;
        match self.state {
            1 => seed.deserialize(pos.line.into_deserializer()),
            2 => seed.deserialize(pos.col.into_deserializer()),
            _ => seed.deserialize(self.de),
        }
    }
}

struct EnumAccess<'a> {
    key: &'a Node,
    value: &'a Node,
    problems: &'a Problems,
}

impl<'de, 'a> de::EnumAccess<'de> for EnumAccess<'a> {
    type Error = DeError;
    type Variant = NodeDe<'a>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, NodeDe<'a>), DeError> {
        let v = seed
            .deserialize(NodeDe::new(self.key, self.problems))
            .map_err(|e| e.or_at(self.key.pos))?;
        Ok((v, NodeDe::new(self.value, self.problems)))
    }
}

impl<'de, 'a> de::VariantAccess<'de> for NodeDe<'a> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        if self.node.is_null() {
            Ok(())
        } else {
            Err(DeError::at(
                self.node.pos,
                format!(
                    "expected nothing after this kind, found {}",
                    self.node.describe()
                ),
            ))
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_map(self, visitor)
    }
}

/// Deserializes `T` from `node`; unknown keys go to `problems`, the first hard error is
/// returned as a problem with its position.
pub fn from_node<'de, T: de::Deserialize<'de>>(
    node: &Node,
    problems: &Problems,
) -> Result<T, Problem> {
    T::deserialize(NodeDe::new(node, problems)).map_err(|e| e.or_at(node.pos).0)
}

/// [`from_node`] that reports every independent problem of a mapping: after a hard error
/// in one entry's value, that entry is left out and the mapping decoded again, so that
/// errors in the other entries are reported too (and not the absence of the entries left
/// out). Every problem goes to `problems`; `None` if there was any hard error.
pub fn from_node_reporting_all<'de, T: de::Deserialize<'de>>(
    node: &Node,
    problems: &Problems,
) -> Option<T> {
    let first = match from_node::<T>(node, problems) {
        Ok(v) => return Some(v),
        Err(p) => p,
    };
    let NodeKind::Map(entries) = &node.kind else {
        problems.borrow_mut().push(first);
        return None;
    };
    let mut error = first;
    let mut left_out: Vec<String> = Vec::new();
    let mut entries = entries.clone();
    loop {
        let is_consequence = left_out
            .iter()
            .any(|k| error.message == format!("missing key `{k}`"));
        if is_consequence {
            break;
        }
        // The entry whose value holds the error, if any.
        let at = error.pos.and_then(|pos| {
            entries
                .iter()
                .rposition(|(k, _)| k.pos <= pos)
                .filter(|&i| entries[i].1.pos <= pos)
        });
        {
            let mut all = problems.borrow_mut();
            if !all.contains(&error) {
                all.push(error.clone());
            }
        }
        let Some(i) = at else { break };
        let (k, _) = entries.remove(i);
        if let NodeKind::Scalar(k, _) = &k.kind {
            left_out.push(k.clone());
        }
        let retry = Node {
            kind: NodeKind::Map(entries.clone()),
            ..node.clone()
        };
        // Problems found again are not repeated; problems in entries the first pass did
        // not reach are new.
        let scratch = Problems::default();
        let result = from_node::<T>(&retry, &scratch);
        {
            let mut all = problems.borrow_mut();
            for p in scratch.into_inner() {
                if !all.contains(&p) {
                    all.push(p);
                }
            }
        }
        match result {
            Ok(_) => break,
            Err(p) => error = p,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::yaml::{load, Budget};
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Confirm {
        by: Vec<Spanned<String>>,
        text: String,
        #[serde(default)]
        #[allow(dead_code)]
        count: Option<u8>,
    }

    fn decode<T: for<'de> Deserialize<'de>>(s: &str) -> (Result<T, Problem>, Vec<Problem>) {
        let l = load(s, Budget::SCRIPT).unwrap();
        let problems = Problems::default();
        let r = from_node::<T>(&l.root, &problems);
        (r, problems.into_inner())
    }

    #[test]
    fn spans_and_values() {
        let (r, p) = decode::<Confirm>("by: [a, b]\ntext: hello\n");
        let c = r.unwrap();
        assert!(p.is_empty());
        assert_eq!(c.by[1].value, "b");
        assert_eq!(c.by[1].pos, Pos { line: 1, col: 9 });
        assert_eq!(c.text, "hello");
    }

    #[test]
    fn every_unknown_key_is_collected_with_did_you_mean() {
        let (r, p) = decode::<Confirm>("by: [a]\ntxt: hi\ncuont: 2\ntext: x\n");
        assert!(r.is_ok());
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].message, "unknown key `txt`");
        assert_eq!(p[0].hint.as_deref(), Some("did you mean `text`?"));
        assert_eq!(p[1].pos, Some(Pos { line: 3, col: 1 }));
    }

    #[test]
    fn type_errors_have_positions() {
        let (r, _) = decode::<Confirm>("by: [a]\ntext: x\ncount: 300\n");
        let e = r.unwrap_err();
        assert_eq!(e.pos, Some(Pos { line: 3, col: 8 }));
        assert_eq!(
            e.message,
            "expected a whole number from 0 to 255, found 300, which is out of range"
        );
        let (r, _) = decode::<Confirm>("by: a\ntext: x\n");
        assert_eq!(r.unwrap_err().pos, Some(Pos { line: 1, col: 5 }));
    }

    #[test]
    fn missing_key_points_at_the_mapping() {
        let (r, _) = decode::<Confirm>("by: [a]\n");
        let e = r.unwrap_err();
        assert_eq!(e.message, "missing key `text`");
        assert_eq!(e.pos, Some(Pos { line: 1, col: 1 }));
    }

    #[test]
    fn plain_yes_is_not_a_boolean() {
        let (r, _) = decode::<bool>("yes\n");
        assert!(r.unwrap_err().hint.unwrap().contains("true"));
    }
}
