//! Ceremony templates: `keyrite new --template NAME --set KEY=VALUE` renders a script from
//! `templates/ceremonies/` (minijinja), described by `templates/ceremonies/templates.yaml`.
//!
//! The templates are built into the binary; `--templates DIR` reads `DIR/ceremonies/` (or
//! DIR itself) instead, so that an organisation can keep its own: a copy of keyrite's
//! `templates/` also holds the report and print layouts under `DIR/layouts/`.
//!
//! Invariants:
//! - Every variable is declared with a type in the catalogue, and every `--set` value is
//!   checked against it before anything is rendered: an unknown key, a bad number or a
//!   missing required value is an error naming the variable, never a half-made script.
//! - Text values reach the YAML only through the `q` filter, which writes a quoted scalar,
//!   so a value with `:` or `#` cannot change the script's structure.
//! - Rendering uses strict undefined-variable checks: a template that names a variable
//!   the catalogue does not give fails loudly.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use yaml_rust2::{Yaml, YamlLoader};

use crate::script::types::{Interval, MasterFingerprint};

/// The catalogue file, under `ceremonies/`.
pub const CATALOGUE: &str = "templates.yaml";
/// Largest template file read from a `--templates` folder: far above any real one.
const MAX_TEMPLATE_BYTES: u64 = 1 << 20;

/// The built-in files of `templates/ceremonies/`, by name.
const BUILTIN: &[(&str, &str)] = &[
    (
        "templates.yaml",
        include_str!("../templates/ceremonies/templates.yaml"),
    ),
    (
        "_roles.yaml.j2",
        include_str!("../templates/ceremonies/_roles.yaml.j2"),
    ),
    (
        "_attend.yaml.j2",
        include_str!("../templates/ceremonies/_attend.yaml.j2"),
    ),
    (
        "_sign.yaml.j2",
        include_str!("../templates/ceremonies/_sign.yaml.j2"),
    ),
    (
        "genesis.yaml.j2",
        include_str!("../templates/ceremonies/genesis.yaml.j2"),
    ),
    (
        "recovery-rehearsal.yaml.j2",
        include_str!("../templates/ceremonies/recovery-rehearsal.yaml.j2"),
    ),
    (
        "share-check.yaml.j2",
        include_str!("../templates/ceremonies/share-check.yaml.j2"),
    ),
    (
        "share-rotation.yaml.j2",
        include_str!("../templates/ceremonies/share-rotation.yaml.j2"),
    ),
    (
        "protect-file.yaml.j2",
        include_str!("../templates/ceremonies/protect-file.yaml.j2"),
    ),
];

/// Why a template could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// A file of a `--templates` folder could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The catalogue is not what `templates.yaml` must be.
    #[error("{file}: {problem}")]
    Catalogue {
        /// The catalogue file.
        file: String,
        /// What is wrong.
        problem: String,
    },
    /// No template has this name.
    #[error("there is no template `{name}`; the templates are {known}")]
    UnknownTemplate {
        /// The name asked for.
        name: String,
        /// The names there are.
        known: String,
    },
    /// A `--set` is not `KEY=VALUE`, names no variable, or has a bad value.
    #[error("--set {given}: {problem}")]
    Set {
        /// The argument as given.
        given: String,
        /// What is wrong.
        problem: String,
    },
    /// A variable without a default was not set.
    #[error("template `{template}` needs `--set {name}=...`: {about}")]
    Missing {
        /// The template.
        template: String,
        /// The variable.
        name: String,
        /// What it is.
        about: String,
    },
    /// Two values do not fit together.
    #[error("{0}")]
    Inconsistent(String),
    /// The template itself is broken (a syntax error, an undefined variable).
    #[error("template `{template}` does not render")]
    Render {
        /// The template.
        template: String,
        /// minijinja's error, with its line.
        #[source]
        source: minijinja::Error,
    },
}

/// A variable's type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VarType {
    /// One line of visible text.
    Text,
    /// A whole number in a range.
    Int {
        /// Smallest.
        min: u32,
        /// Largest.
        max: u32,
    },
    /// One of a list.
    Choice {
        /// The choices.
        choices: Vec<String>,
    },
    /// A master fingerprint.
    Fingerprint,
    /// An interval such as `90d`.
    Interval,
    /// Comma-separated names.
    Names,
}

/// A template variable.
#[derive(Clone, Debug, Serialize)]
pub struct Var {
    /// Its name.
    pub name: String,
    /// Its type.
    #[serde(flatten)]
    pub kind: VarType,
    /// Its default, if it has one.
    pub default: Option<String>,
    /// What it is.
    pub about: String,
}

/// A template.
#[derive(Clone, Debug, Serialize)]
pub struct Template {
    /// Its name (`--template NAME`).
    pub name: String,
    /// The file under `ceremonies/`.
    pub file: String,
    /// What it makes.
    pub about: String,
    /// Its variables, in catalogue order.
    pub vars: Vec<Var>,
}

/// The templates and where their files come from.
pub struct Catalogue {
    templates: Vec<Template>,
    files: BTreeMap<String, String>,
}

/// A copy of keyrite's `templates/` (its `ceremonies/`), or a folder of ceremony
/// templates itself.
fn ceremonies_folder(dir: &Path) -> PathBuf {
    let nested = dir.join("ceremonies");
    if nested.is_dir() {
        nested
    } else {
        dir.to_path_buf()
    }
}

fn read_dir_files(dir: &Path) -> Result<BTreeMap<String, String>, TemplateError> {
    let folder = ceremonies_folder(dir);
    let entries = std::fs::read_dir(&folder).map_err(|source| TemplateError::Read {
        path: folder.clone(),
        source,
    })?;
    let mut files = BTreeMap::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".j2") || name == CATALOGUE {
            let text = crate::fs::read_text_bounded(&path, MAX_TEMPLATE_BYTES)
                .map_err(|source| TemplateError::Read { path, source })?;
            files.insert(name, text);
        }
    }
    Ok(files)
}

fn text_of(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn parse_var(name: &str, y: &Yaml, file: &str) -> Result<Var, TemplateError> {
    let bad = |problem: String| TemplateError::Catalogue {
        file: file.to_string(),
        problem,
    };
    let field = |key: &str| &y[key];
    let kind = match field("type").as_str() {
        Some("text") => VarType::Text,
        Some("fingerprint") => VarType::Fingerprint,
        Some("interval") => VarType::Interval,
        Some("names") => VarType::Names,
        Some("int") => {
            let num = |key: &str| {
                field(key)
                    .as_i64()
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| bad(format!("variable `{name}`: `{key}` must be a number")))
            };
            VarType::Int {
                min: num("min")?,
                max: num("max")?,
            }
        }
        Some("choice") => VarType::Choice {
            choices: field("choices")
                .as_vec()
                .map(|v| v.iter().filter_map(text_of).collect())
                .filter(|v: &Vec<String>| !v.is_empty())
                .ok_or_else(|| bad(format!("variable `{name}`: `choices` must be a list")))?,
        },
        other => {
            return Err(bad(format!(
                "variable `{name}` has type {other:?}; the types are text, int, choice, fingerprint, interval and names"
            )))
        }
    };
    Ok(Var {
        name: name.to_string(),
        kind,
        default: text_of(field("default")),
        about: field("about").as_str().unwrap_or_default().to_string(),
    })
}

impl Catalogue {
    /// The built-in templates, or those of `dir/ceremonies/`.
    pub fn load(dir: Option<&Path>) -> Result<Catalogue, TemplateError> {
        let files = match dir {
            Some(dir) => read_dir_files(dir)?,
            None => BUILTIN
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
        };
        let file = match dir {
            Some(dir) => ceremonies_folder(dir).join(CATALOGUE).display().to_string(),
            None => format!("templates/ceremonies/{CATALOGUE} (built in)"),
        };
        let bad = |problem: String| TemplateError::Catalogue {
            file: file.clone(),
            problem,
        };
        let text = files
            .get(CATALOGUE)
            .ok_or_else(|| bad("the catalogue is missing".to_string()))?;
        let docs = YamlLoader::load_from_str(text).map_err(|e| bad(e.to_string()))?;
        let Some(Yaml::Hash(root)) = docs.first() else {
            return Err(bad(
                "the catalogue is not a mapping of templates".to_string()
            ));
        };
        let mut templates = Vec::new();
        for (name, def) in root {
            let name = name
                .as_str()
                .ok_or_else(|| bad("a template name must be text".to_string()))?;
            let template_file = def["file"]
                .as_str()
                .ok_or_else(|| bad(format!("template `{name}` has no `file`")))?;
            if !files.contains_key(template_file) {
                return Err(bad(format!(
                    "template `{name}` names {template_file}, which is not there"
                )));
            }
            let mut vars = Vec::new();
            if let Some(map) = def["vars"].as_hash() {
                for (var, y) in map {
                    let var = var
                        .as_str()
                        .ok_or_else(|| bad("a variable name must be text".to_string()))?;
                    vars.push(parse_var(var, y, &file)?);
                }
            }
            templates.push(Template {
                name: name.to_string(),
                file: template_file.to_string(),
                about: def["about"].as_str().unwrap_or_default().to_string(),
                vars,
            });
        }
        Ok(Catalogue { templates, files })
    }

    /// The templates, in catalogue order.
    pub fn templates(&self) -> &[Template] {
        &self.templates
    }

    /// Renders template `name` with `--set` arguments (`KEY=VALUE`).
    pub fn render(&self, name: &str, sets: &[String]) -> Result<String, TemplateError> {
        let template = self
            .templates
            .iter()
            .find(|t| t.name == name)
            .ok_or_else(|| TemplateError::UnknownTemplate {
                name: name.to_string(),
                known: self
                    .templates
                    .iter()
                    .map(|t| format!("`{}`", t.name))
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        let context = values(template, sets)?;
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        env.add_filter("q", quote);
        for (file, text) in &self.files {
            if file.ends_with(".j2") {
                env.add_template(file, text)
                    .map_err(|source| TemplateError::Render {
                        template: name.to_string(),
                        source,
                    })?;
            }
        }
        env.get_template(&template.file)
            .and_then(|t| t.render(&context))
            .map_err(|source| TemplateError::Render {
                template: name.to_string(),
                source,
            })
    }
}

/// A YAML double-quoted scalar: JSON string syntax is valid YAML.
fn quote(value: String) -> String {
    serde_json::Value::String(value).to_string()
}

fn check_value(var: &Var, value: &str) -> Result<serde_json::Value, String> {
    let value = value.trim();
    match &var.kind {
        VarType::Text => {
            if let Err(e) = crate::sanitize::check_line(value) {
                Err(e.to_string())
            } else if value.is_empty() || value.len() > 200 {
                Err("give one line of text, 1 to 200 characters".to_string())
            } else {
                Ok(value.into())
            }
        }
        VarType::Int { min, max } => match value.parse::<u32>() {
            Ok(n) if (*min..=*max).contains(&n) => Ok(n.into()),
            _ => Err(format!("give a whole number from {min} to {max}")),
        },
        VarType::Choice { choices } => {
            if choices.iter().any(|c| c == value) {
                Ok(value.into())
            } else {
                Err(format!("give one of {}", choices.join(", ")))
            }
        }
        VarType::Fingerprint => MasterFingerprint::parse(value)
            .map(|f| f.as_str().into())
            .map_err(|e| format!("{e}: give the 8 hex digits `keyrite status` shows")),
        VarType::Interval => Interval::parse(value).map(|i| String::from(i).into()),
        VarType::Names => {
            let names: Vec<&str> = value
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .collect();
            if let Some(e) = names
                .iter()
                .find_map(|n| crate::sanitize::check_line(n).err())
            {
                Err(format!("{e}; names are visible text, separated by commas"))
            } else {
                Ok(names.into())
            }
        }
    }
}

/// The checked context of a rendering: every variable, plus `custodian_list`.
fn values(
    template: &Template,
    sets: &[String],
) -> Result<BTreeMap<String, serde_json::Value>, TemplateError> {
    let mut given: BTreeMap<&str, (&str, &String)> = BTreeMap::new();
    for set in sets {
        let Some((key, value)) = set.split_once('=') else {
            return Err(TemplateError::Set {
                given: set.clone(),
                problem: "write KEY=VALUE, such as `id=treasury-2027`".to_string(),
            });
        };
        let key = key.trim();
        if !template.vars.iter().any(|v| v.name == key) {
            let names: Vec<&str> = template.vars.iter().map(|v| v.name.as_str()).collect();
            let hint = match crate::script::de::did_you_mean(key, &names) {
                Some(m) => format!("did you mean `{m}`?"),
                None => format!("its variables are {}", names.join(", ")),
            };
            return Err(TemplateError::Set {
                given: set.clone(),
                problem: format!(
                    "template `{}` has no variable `{key}`; {hint}",
                    template.name
                ),
            });
        }
        if given.insert(key, (value, set)).is_some() {
            return Err(TemplateError::Set {
                given: set.clone(),
                problem: format!("`{key}` is set twice"),
            });
        }
    }
    let mut context = BTreeMap::new();
    for var in &template.vars {
        let (value, origin) = match (given.get(var.name.as_str()), &var.default) {
            (Some((value, set)), _) => (*value, Some(*set)),
            (None, Some(default)) => (default.as_str(), None),
            (None, None) => {
                return Err(TemplateError::Missing {
                    template: template.name.clone(),
                    name: var.name.clone(),
                    about: var.about.clone(),
                })
            }
        };
        let checked = check_value(var, value).map_err(|problem| match origin {
            Some(set) => TemplateError::Set {
                given: set.clone(),
                problem,
            },
            None => TemplateError::Inconsistent(format!(
                "the default of `{}` in template `{}` is not valid: {problem}",
                var.name, template.name
            )),
        })?;
        context.insert(var.name.clone(), checked);
    }
    let number = |key: &str| context.get(key).and_then(serde_json::Value::as_u64);
    if let Some(custodians) = number("custodians") {
        if let Some(threshold) = number("threshold") {
            if threshold > custodians {
                return Err(TemplateError::Inconsistent(format!(
                    "threshold {threshold} is more than the {custodians} custodians: no set of shares could recover the secret"
                )));
            }
        }
        let names: Vec<String> = context
            .get("custodian_names")
            .and_then(serde_json::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|n| n.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        if !names.is_empty() && names.len() as u64 != custodians {
            return Err(TemplateError::Inconsistent(format!(
                "custodian_names gives {} names for {custodians} custodians",
                names.len()
            )));
        }
        let list: Vec<serde_json::Value> = (1..=custodians)
            .map(|i| {
                let name = names
                    .get((i - 1) as usize)
                    .cloned()
                    .unwrap_or_else(|| format!("Custodian {i}"));
                serde_json::json!({ "id": format!("custodian-{i}"), "name": name })
            })
            .collect();
        context.insert("custodian_list".to_string(), list.into());
    }
    Ok(context)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_catalogue_loads_and_every_template_renders_with_required_values() {
        let catalogue = Catalogue::load(None).expect("built-in catalogue");
        let names: Vec<&str> = catalogue
            .templates()
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "genesis",
                "recovery-rehearsal",
                "share-check",
                "share-rotation",
                "protect-file"
            ]
        );
        for t in catalogue.templates() {
            let sets: Vec<String> = t
                .vars
                .iter()
                .filter(|v| v.default.is_none())
                .map(|v| match v.kind {
                    VarType::Fingerprint => format!("{}=0D136510", v.name),
                    _ => format!("{}=wallet.json", v.name),
                })
                .collect();
            let text = catalogue.render(&t.name, &sets).expect("renders");
            assert!(text.contains("keyrite: 1"), "{}", t.name);
            assert!(!text.contains("{{"), "{}", t.name);
        }
    }

    #[test]
    fn bad_sets_name_the_variable_and_the_problem() {
        let c = Catalogue::load(None).expect("built-in catalogue");
        let err = |sets: &[&str]| {
            let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
            c.render("genesis", &sets).expect_err("refused").to_string()
        };
        assert!(err(&["custodian=4"]).contains("did you mean `custodians`?"));
        assert!(err(&["custodians=x"]).contains("a whole number from 2 to 16"));
        assert!(err(&["custodians=2", "threshold=3"]).contains("threshold 3 is more than"));
        assert!(err(&["bits=512"]).contains("one of 128, 256"));
        assert!(err(&["id"]).contains("KEY=VALUE"));
        assert!(err(&["id=a", "id=b"]).contains("set twice"));
        assert!(err(&["custodian_names=A, B"]).contains("2 names for 3"));
        let missing = c
            .render("share-check", &[])
            .expect_err("fingerprint is required")
            .to_string();
        assert!(missing.contains("--set fingerprint="), "{missing}");
        assert!(c
            .render("nope", &[])
            .expect_err("unknown")
            .to_string()
            .contains("`genesis`"));
    }

    #[test]
    fn text_values_cannot_change_the_yaml_structure() {
        let c = Catalogue::load(None).expect("built-in catalogue");
        let text = c
            .render("genesis", &["title=Evil: {steps: []} # x".to_string()])
            .expect("renders");
        assert!(text.contains(r#"title: "Evil: {steps: []} # x""#), "{text}");
    }
}
