//! The JSON Schema of the script language, generated from the same types that decode it.
//!
//! Editors with yaml-language-server complete and check scripts with it; the copy in
//! `ceremonies/keyrite.schema.json` is kept equal to [`schema_json`] by a test.

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

use super::types::{Interval, RoleId, ScriptId, StepId};
use super::RoleSyntax;
use crate::steps::Action;

// The schema's root. Scripts are decoded key by key in `script::resolve` so that every
// problem is reported; a unit test keeps the two key lists equal.
/// A keyrite ceremony script, language version 1.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields, title = "keyrite ceremony script")]
#[allow(dead_code)]
struct ScriptSchema {
    /// The language version: always `1`.
    keyrite: Version,
    /// The ceremony's id; names the records folder.
    id: ScriptId,
    /// The ceremony's title.
    title: String,
    /// What the ceremony is for.
    description: Option<String>,
    /// How often the secret must be recovered in a rehearsal, such as `90d`.
    rehearse_every: Option<Interval>,
    /// Where shares may be stored: spread across sites, containers or holders, and sealed.
    storage_policy: Option<super::policy::StoragePolicySyntax>,
    /// The people taking part, by role id.
    roles: BTreeMap<RoleId, RoleSyntax>,
    /// Pairs of roles that may be the same person (same name, certificate or primary user
    /// id), each with the reason, which is recorded.
    same_person_allowed: Option<Vec<super::SamePersonSyntax>>,
    /// The steps, in order.
    steps: Vec<StepSchema>,
}

struct Version;

impl JsonSchema for Version {
    fn schema_name() -> Cow<'static, str> {
        "Version".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "const": 1, "description": "The language version: always 1." })
    }
}

struct StepSchema;

impl JsonSchema for StepSchema {
    fn schema_name() -> Cow<'static, str> {
        "Step".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let id = generator.subschema_for::<StepId>();
        let variants: Vec<serde_json::Value> = Action::schemas(generator)
            .into_iter()
            .map(|(name, doc, schema)| {
                serde_json::json!({
                    "type": "object",
                    "properties": {
                        "id": id,
                        "title": { "type": "string", "description": "What the room sees as the step's heading." },
                        name: schema,
                    },
                    "required": [name],
                    "description": doc,
                    "additionalProperties": false,
                })
            })
            .collect();
        json_schema!({
            "description": "A step: an optional `id` and `title`, and exactly one action.",
            "oneOf": variants,
        })
    }
}

/// The schema as pretty JSON with a trailing newline.
pub fn schema_json() -> String {
    let schema = schemars::generate::SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<ScriptSchema>();
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_lists_exactly_the_keys_the_decoder_reads() {
        let v: serde_json::Value = serde_json::from_str(&schema_json()).unwrap();
        let mut keys: Vec<&str> = v["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        let mut expected = super::super::TOP_KEYS.to_vec();
        expected.sort_unstable();
        assert_eq!(keys, expected);
        assert_eq!(
            v["definitions"]["Step"]["oneOf"].as_array().unwrap().len(),
            crate::steps::KINDS.len()
        );
    }
}
