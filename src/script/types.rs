//! Newtypes for the names and values of the script language.
//!
//! Each type checks its form when it is made, so a value of the type is always valid:
//! a `ScriptId` is safe as a directory name, a `RoleId` is a role name as written in a
//! script, an `Interval` is a positive number of days. References between them (a role
//! named in a step exists) are checked by the resolver, not here.

use std::borrow::Cow;
use std::fmt;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};

fn is_name(s: &str, max: usize, first: fn(char) -> bool, rest: fn(char) -> bool) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if first(c)) && chars.all(rest) && s.len() <= max
}

macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident, $what:literal, $pattern:literal, $max:literal, $first:expr, $rest:expr, $hint:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Checks the form and makes the name.
            pub fn parse(s: &str) -> Result<$name, String> {
                if s.is_empty() {
                    return Err(concat!("the ", $what, " is empty: ", $hint).to_string());
                }
                if is_name(s, $max, $first, $rest) {
                    Ok($name(s.to_string()))
                } else {
                    Err(format!(
                        concat!("`{}` is not a valid ", $what, ": ", $hint),
                        s
                    ))
                }
            }

            /// The name as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::parse(&s).map_err(serde::de::Error::custom)
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "type": "string",
                    "pattern": $pattern,
                    "maxLength": $max,
                    "description": concat!("A ", $what, ": ", $hint)
                })
            }
        }
    };
}

fn lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}
fn lower(c: char) -> bool {
    c.is_ascii_lowercase()
}
fn id_char(c: char) -> bool {
    lower_alnum(c) || c == '-' || c == '_'
}
fn field_char(c: char) -> bool {
    lower_alnum(c) || c == '_'
}

name_type!(
    /// A ceremony's id; it names the records folder, so it is a safe path component.
    ScriptId, "ceremony id", "^[a-z0-9][a-z0-9_-]*$", 64, lower_alnum, id_char,
    "use lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 64 characters"
);
name_type!(
    /// A role's id, as the script's `roles` mapping defines it.
    RoleId, "role id", "^[a-z][a-z0-9_-]*$", 32, lower, id_char,
    "use lowercase letters, digits, `-` and `_`, starting with a letter, at most 32 characters"
);
name_type!(
    /// A step's id: given in the script or derived as `<kind>-<n>`.
    StepId, "step id", "^[a-z0-9][a-z0-9_-]*$", 64, lower_alnum, id_char,
    "use lowercase letters, digits, `-` and `_`, at most 64 characters"
);
name_type!(
    /// The name of a secret, a share set or a collection of entered shares.
    SecretName, "name", "^[a-z0-9][a-z0-9_-]*$", 64, lower_alnum, id_char,
    "use lowercase letters, digits, `-` and `_`, at most 64 characters"
);
name_type!(
    /// The name of a recorded value (a `record` field, a storage field).
    FieldName, "field name", "^[a-z][a-z0-9_]*$", 32, lower, field_char,
    "use lowercase letters, digits and `_`, starting with a letter, at most 32 characters"
);

/// How often a rehearsal is due, in whole days (`90d`, `13w`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct Interval {
    days: u32,
}

impl Interval {
    /// Parses `<n>d` or `<n>w`, with 1 <= days <= 3660.
    pub fn parse(s: &str) -> Result<Interval, String> {
        let bad = || {
            format!(
                "`{s}` is not an interval: write a number of days or weeks, such as `90d` or `13w`"
            )
        };
        let Some(unit) = s.chars().last() else {
            return Err(bad());
        };
        let num = &s[..s.len() - unit.len_utf8()];
        if num.is_empty() || !num.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let n: u64 = num.parse().unwrap_or(u64::MAX);
        let days = match unit {
            'd' => n,
            'w' => n.saturating_mul(7),
            _ => return Err(bad()),
        };
        if days == 0 || days > 3660 {
            return Err(format!(
                "`{s}` is out of range: an interval is from 1 day to 10 years (3660d)"
            ));
        }
        Ok(Interval {
            days: u32::try_from(days).unwrap_or(u32::MAX),
        })
    }

    /// The interval in days.
    pub fn days(&self) -> u32 {
        self.days
    }
}

impl From<Interval> for String {
    fn from(i: Interval) -> String {
        format!("{}d", i.days)
    }
}

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Interval::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Interval {
    fn schema_name() -> Cow<'static, str> {
        "Interval".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[0-9]+[dw]$",
            "description": "An interval in days or weeks, such as `90d` or `13w`."
        })
    }
}

/// A secret's BIP-32 master fingerprint: 8 lowercase hex digits, as the genesis records it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct MasterFingerprint(String);

impl MasterFingerprint {
    /// Parses 8 hex digits, in either case.
    pub fn parse(s: &str) -> Result<MasterFingerprint, String> {
        let text = s.trim().to_lowercase();
        if text.len() == 8 && text.chars().all(|c| c.is_ascii_hexdigit()) {
            Ok(MasterFingerprint(text))
        } else {
            Err(format!("`{s}` is not a master fingerprint"))
        }
    }

    /// The 8 lowercase hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for MasterFingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for MasterFingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        MasterFingerprint::parse(&s).map_err(|e| {
            serde::de::Error::custom(format!(
                "{e}: a fingerprint is 8 hex digits, such as `73c5da0a`; quote it so YAML keeps it as text"
            ))
        })
    }
}

impl JsonSchema for MasterFingerprint {
    fn schema_name() -> Cow<'static, str> {
        "MasterFingerprint".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[0-9a-fA-F]{8}$",
            "description": "A BIP-32 master fingerprint, 8 hex digits, as the genesis transcript records it."
        })
    }
}

/// Initials a person types to confirm a step: 1 to 8 letters, with `.` or `-` between.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Initials(String);

impl Initials {
    /// Checks the form: letters (any script), `.`, `-` or `'`, 1 to 8 letters in all.
    pub fn parse(s: &str) -> Result<Initials, String> {
        let s = s.trim();
        let letters = s.chars().filter(|c| c.is_alphabetic()).count();
        let ok = (1..=8).contains(&letters)
            && s.chars()
                .all(|c| c.is_alphabetic() || matches!(c, '.' | '-' | '\''))
            && s.chars().next().is_some_and(char::is_alphabetic);
        if ok {
            Ok(Initials(s.to_string()))
        } else {
            Err(format!(
                "`{}` are not initials: type 1 to 8 letters, such as `AE`",
                s.chars().take(20).collect::<String>()
            ))
        }
    }

    /// The initials as typed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A value typed in for a recorded field: one line of printable text, 1 to 200 characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FieldValue(String);

impl FieldValue {
    /// Checks the form.
    pub fn parse(s: &str) -> Result<FieldValue, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("a value is required".to_string());
        }
        if s.chars().count() > 200 {
            return Err("the value is longer than 200 characters".to_string());
        }
        if s.chars().any(char::is_control) {
            return Err("the value contains a control character".to_string());
        }
        Ok(FieldValue(s.to_string()))
    }

    /// A value keyrite computes itself (the transcript's head and head phrase), which
    /// texts may quote as `{head}` and `{head_phrase}`; not bound by the typed limits.
    pub fn computed(value: String) -> FieldValue {
        FieldValue(value)
    }

    /// The value as typed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(ScriptId::parse("treasury-genesis").is_ok());
        assert!(ScriptId::parse("../etc").is_err());
        assert!(ScriptId::parse("").is_err());
        assert!(RoleId::parse("custodian-1").is_ok());
        assert!(RoleId::parse("1custodian").is_err());
        assert!(RoleId::parse("Officer").is_err());
        assert!(FieldName::parse("seal_number").is_ok());
        assert!(FieldName::parse("seal-number").is_err());
    }

    #[test]
    fn intervals() {
        assert_eq!(Interval::parse("90d").unwrap().days(), 90);
        assert_eq!(Interval::parse("13w").unwrap().days(), 91);
        assert!(Interval::parse("0d").is_err());
        assert!(Interval::parse("3m").is_err());
        assert!(Interval::parse("-5d").is_err());
        assert!(Interval::parse("d").is_err());
    }

    #[test]
    fn initials() {
        assert!(Initials::parse("AE").is_ok());
        assert!(Initials::parse("J.-P.B").is_ok());
        assert!(Initials::parse("").is_err());
        assert!(Initials::parse("A1").is_err());
        assert!(Initials::parse("ABCDEFGHI").is_err());
    }

    #[test]
    fn field_values() {
        assert_eq!(FieldValue::parse("  SN-0042 ").unwrap().as_str(), "SN-0042");
        assert!(FieldValue::parse("   ").is_err());
        assert!(FieldValue::parse("a\u{7}b").is_err());
    }
}
