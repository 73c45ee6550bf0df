//! The ceremony script language, version 1: reading, checking and resolving a script.
//!
//! Parse, don't validate: [`load`] returns a [`Script`] only when the whole file is
//! correct, and then every role a step names exists, every `{field}` a text quotes was
//! recorded by an earlier step, every step has one action and a unique id. Otherwise it
//! returns every problem in the file at once, each with its line and column.
//!
//! Invariants:
//! - The engine never sees YAML: it gets a resolved [`Script`].
//! - Files are read within [`yaml::Budget::SCRIPT`] (size, depth, alias expansion).
//! - The script's SHA-256 is of the exact bytes read, the same bytes that were checked.

pub mod de;
pub mod policy;
pub mod schema;
pub mod source;
pub mod types;
pub mod yaml;

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::steps::sign_transcript::SignTranscript;
use crate::steps::{Action, Resolver, StepKind, KINDS};
use de::{did_you_mean, one_of, Problem, Problems, Spanned};
use types::{Initials, Interval, RoleId, ScriptId, StepId};
use yaml::{Budget, Node, NodeKind, Pos};

use source::{invalid, scalar_key};
pub use source::{load_problem, read_bounded, signing_facts, ScriptError, SigningFacts};

/// The language version this keyrite reads.
pub const LANGUAGE_VERSION: u32 = 1;

/// Top-level keys of a script, in the order the reference documents them.
pub const TOP_KEYS: &[&str] = &[
    "keyrite",
    "id",
    "title",
    "description",
    "rehearse_every",
    "storage_policy",
    "roles",
    "same_person_allowed",
    "steps",
];
const REQUIRED_TOP_KEYS: &[&str] = &["keyrite", "id", "title", "roles", "steps"];
const STEP_KEYS: &[&str] = &["id", "title"];

/// A role's OpenPGP certificate, loaded and checked.
#[derive(Clone, Debug)]
pub struct RoleCert {
    /// The file, resolved against the script's folder.
    pub path: PathBuf,
    /// The certificate.
    pub certificate: crate::pgp::Certificate,
}

/// A participant's role.
#[derive(Clone, Debug)]
pub struct Role {
    /// The role id.
    pub id: RoleId,
    /// The person's name.
    pub name: String,
    /// Their OpenPGP certificate.
    pub cert: Option<RoleCert>,
    /// The initials they type to confirm, if the script fixes them.
    pub initials: Option<Initials>,
}

/// What a script writes for a role.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleSyntax {
    /// The person's full name, as on their identity document.
    pub name: Spanned<String>,
    /// Path to their OpenPGP certificate, relative to the script.
    #[serde(default)]
    pub cert: Option<Spanned<String>>,
    /// The initials the person types to confirm (1 to 8 letters, such as `AE`); when
    /// given, other initials are refused.
    #[serde(default)]
    pub initials: Option<Spanned<String>>,
}

/// What a script writes to let two roles be the same person.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SamePersonSyntax {
    /// The two roles.
    pub roles: Spanned<Vec<Spanned<String>>>,
    /// Why one person may take both roles (or why two people look alike); recorded.
    pub reason: Spanned<String>,
}

/// Two roles the script allows to be the same person (same certificate, primary user id
/// or name), and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SamePersonAllowance {
    /// The two roles, in the order written.
    pub roles: (RoleId, RoleId),
    /// The reason the script gives.
    pub reason: String,
}

/// Which roles look like the same person, and which of those pairs the script allows.
#[derive(Debug, Default)]
pub struct People {
    pairs: Vec<(RoleId, RoleId, String, bool)>,
}

impl People {
    /// No pairs: every role is a distinct person.
    pub fn none() -> &'static People {
        static NONE: People = People { pairs: Vec::new() };
        &NONE
    }

    /// Why `a` and `b` look like one person, if they do and the script does not allow it.
    pub fn same_unallowed(&self, a: &RoleId, b: &RoleId) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(x, y, _, allowed)| !allowed && ((x == a && y == b) || (x == b && y == a)))
            .map(|(_, _, why, _)| why.as_str())
    }
}

/// A resolved step.
#[derive(Debug)]
pub struct Step {
    /// Its id, given or derived as `<kind>-<n>`.
    pub id: StepId,
    /// Its title, given or derived from the action.
    pub title: String,
    /// Where it is in the script.
    pub pos: Pos,
    /// What it does.
    pub action: Action,
}

/// A checked, resolved ceremony script.
#[derive(Debug)]
pub struct Script {
    /// The file it was read from.
    pub path: PathBuf,
    /// Hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// The ceremony id.
    pub id: ScriptId,
    /// The ceremony title.
    pub title: String,
    /// Longer description, if any.
    pub description: Option<String>,
    /// How often a recovery rehearsal is due.
    pub rehearse_every: Option<Interval>,
    /// Where shares may be stored; `record_storage` enforces it.
    pub storage_policy: Option<policy::StoragePolicy>,
    /// The roles, in script order.
    pub roles: Vec<Role>,
    /// Pairs of roles allowed to be the same person, with the reason.
    pub same_person_allowed: Vec<SamePersonAllowance>,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

impl Script {
    /// The steps' ids, in order.
    pub fn step_ids(&self) -> Vec<&str> {
        self.steps.iter().map(|s| s.id.as_str()).collect()
    }

    /// The `sign_transcript` step, which `check` keeps last.
    pub fn signing(&self) -> Option<&SignTranscript> {
        match self.steps.last().map(|s| &s.action) {
            Some(Action::SignTranscript(s)) => Some(s),
            _ => None,
        }
    }

    /// The role with this id.
    pub fn role(&self, id: &RoleId) -> &Role {
        // Invariant: every RoleId in a resolved script was found in `roles` by Resolver::role.
        self.roles
            .iter()
            .find(|r| &r.id == id)
            .expect("resolved role ids name existing roles")
    }
}

/// Reads, checks and resolves the script at `path`.
pub fn load(path: &Path) -> Result<Script, ScriptError> {
    let bytes = match read_bounded(path, Budget::SCRIPT) {
        Err(source) => {
            return Err(ScriptError::Read {
                path: path.to_path_buf(),
                source,
            })
        }
        Ok(Err(e)) => return Err(invalid(path, vec![load_problem(&e)])),
        Ok(Ok(bytes)) => bytes,
    };
    parse(path, &bytes).map_err(|problems| invalid(path, problems))
}

/// Checks and resolves a script from its bytes; `path` locates certificates.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Script, Vec<Problem>> {
    let sha256 = crate::transcript::sha256_hex(bytes);
    let text = yaml::decode(bytes, Budget::SCRIPT).map_err(|e| vec![load_problem(&e)])?;
    let loaded = yaml::load(text, Budget::SCRIPT).map_err(|e| vec![load_problem(&e)])?;
    let problems = Problems::default();
    for d in &loaded.duplicates {
        problems.borrow_mut().push(
            Problem::at(
                d.again,
                format!(
                    "key `{}` is given twice (first at line {})",
                    d.key, d.first.line
                ),
            )
            .hint("remove one of them"),
        );
    }
    let script = resolve(path, sha256, &loaded.root, &problems);
    let problems = problems.into_inner();
    match script {
        Some(script) if problems.is_empty() => Ok(script),
        _ => Err(problems),
    }
}

fn resolve(path: &Path, sha256: String, root: &Node, problems: &Problems) -> Option<Script> {
    let push = |p: Problem| problems.borrow_mut().push(p);
    let NodeKind::Map(entries) = &root.kind else {
        push(
            Problem::at(
                root.pos,
                format!("a script is a mapping, found {}", root.describe()),
            )
            .hint("start with `keyrite: 1`, then `id:`, `title:`, `roles:` and `steps:`"),
        );
        return None;
    };
    let get = |key: &str| {
        entries
            .iter()
            .find(|(k, _)| scalar_key(k) == Some(key))
            .map(|(_, v)| v)
    };
    for (k, _) in entries {
        match scalar_key(k) {
            Some(key) if TOP_KEYS.contains(&key) => {}
            Some(key) => {
                let p = Problem::at(k.pos, format!("unknown key `{key}`"));
                push(match did_you_mean(key, TOP_KEYS) {
                    Some(m) => p.hint(format!("did you mean `{m}`?")),
                    None => p.hint(format!("a script's keys are {}", one_of(TOP_KEYS))),
                });
            }
            None => push(Problem::at(k.pos, "a key must be text")),
        }
    }
    for key in REQUIRED_TOP_KEYS {
        if get(key).is_none() {
            push(
                Problem::at(root.pos, format!("missing key `{key}`")).hint(match *key {
                    "keyrite" => "the first line of a script is `keyrite: 1`",
                    "steps" => "a script needs `steps:`, a list of at least one step",
                    "roles" => "a script needs `roles:`, the people taking part",
                    _ => "every script has `keyrite`, `id`, `title`, `roles` and `steps`",
                }),
            );
        }
    }
    let decode = |key: &str| -> Option<&Node> { get(key) };
    let version = decode("keyrite").and_then(|n| match &n.kind {
        NodeKind::Scalar(text, yaml::ScalarStyle::Plain)
            if *text == LANGUAGE_VERSION.to_string() =>
        {
            Some(LANGUAGE_VERSION)
        }
        NodeKind::Scalar(text, _) if *text == LANGUAGE_VERSION.to_string() => {
            push(
                Problem::at(
                    n.pos,
                    "the language version is quoted; it is the number 1, not text",
                )
                .hint(format!(
                    "write `keyrite: {LANGUAGE_VERSION}` without quotes"
                )),
            );
            None
        }
        _ => {
            push(
                Problem::at(
                    n.pos,
                    format!("language version {} is not supported", n.describe()),
                )
                .hint(format!(
                    "this keyrite reads scripts that start with `keyrite: {LANGUAGE_VERSION}`"
                )),
            );
            None
        }
    });
    let id: Option<ScriptId> =
        decode("id").and_then(|n| de::from_node(n, problems).map_err(push).ok());
    let title: Option<String> = decode("title")
        .and_then(|n| {
            de::from_node::<Spanned<String>>(n, problems)
                .map_err(push)
                .ok()
        })
        .and_then(|t| {
            if t.value.trim().is_empty() {
                push(Problem::at(t.pos, "the title is empty"));
                None
            } else {
                Some(t.value)
            }
        });
    let description: Option<String> = match decode("description") {
        None => None,
        Some(n) => de::from_node::<Option<String>>(n, problems)
            .map_err(push)
            .ok()
            .flatten(),
    };
    let rehearse_every: Option<Option<Interval>> = match decode("rehearse_every") {
        None => Some(None),
        Some(n) => de::from_node::<Interval>(n, problems)
            .map_err(push)
            .ok()
            .map(Some),
    };
    let read = decode("roles").and_then(|n| resolve_roles(path, n, problems));
    let base = path.parent().unwrap_or(Path::new("."));
    let declared = declared_roles(get("roles"));
    let no_failed: Vec<RoleId> = Vec::new();
    let failed_certs = read.as_ref().map_or(&no_failed, |r| &r.failed_certs);
    let (same_person_allowed, people) = match &read {
        Some(r) => {
            let cx =
                Resolver::new(base, &r.roles, &declared, problems).with_failed_certs(failed_certs);
            // Allowances with problems of their own still count, so that the pairs they
            // name are not reported again.
            let (allowed, ok) = match decode("same_person_allowed") {
                None => (Vec::new(), true),
                Some(n) => resolve_allowances(n, &r.roles, &cx),
            };
            let people = distinct_people(r, &allowed, &cx);
            (ok.then_some(allowed), people)
        }
        None => (None, People::default()),
    };
    let storage_policy: Option<Option<policy::StoragePolicy>> =
        match (decode("storage_policy"), &read) {
            (None, _) => Some(None),
            (Some(n), Some(r)) => resolve_policy(
                n,
                &Resolver::new(base, &r.roles, &declared, problems).with_failed_certs(failed_certs),
            )
            .map(Some),
            (Some(_), None) => None,
        };
    let steps = match (&read, decode("steps"), &storage_policy) {
        (Some(r), Some(n), policy) => resolve_steps(
            n,
            Resolver::new(base, &r.roles, &declared, problems)
                .with_failed_certs(failed_certs)
                .with_people(&people)
                .with_storage_policy(policy.as_ref().and_then(Option::as_ref)),
            problems,
        ),
        _ => None,
    };
    let roles = read.and_then(|r| r.ok.then_some(r.roles));
    Some(Script {
        path: path.to_path_buf(),
        sha256,
        id: id?,
        title: title?,
        description,
        rehearse_every: rehearse_every?,
        storage_policy: storage_policy?,
        roles: roles?,
        same_person_allowed: same_person_allowed?,
        steps: {
            version?;
            steps?
        },
    })
}

/// Checks `storage_policy`: known rules, and who confirms an exception.
fn resolve_policy(node: &Node, cx: &Resolver<'_>) -> Option<policy::StoragePolicy> {
    let syntax: policy::StoragePolicySyntax = cx.decode(node)?;
    let mut ok = true;
    let mut spread_across = Vec::new();
    if let Some(list) = &syntax.spread_across {
        if list.value.is_empty() {
            cx.problem(
                Problem::at(list.pos, "`spread_across` is an empty list")
                    .hint("name the fields to spread shares across, such as `[site, holder]`, or remove the key"),
            );
            ok = false;
        }
        for f in &list.value {
            if spread_across.contains(&f.value) {
                cx.problem(Problem::at(
                    f.pos,
                    format!("`{}` is listed twice in `spread_across`", f.value.as_str()),
                ));
                ok = false;
            } else {
                spread_across.push(f.value);
            }
        }
    }
    let seal_required = syntax.seal_required.as_ref().is_some_and(|s| s.value);
    let exceptions_by = match &syntax.exceptions_by {
        Some(list) => cx.roles(list, "`exceptions_by`"),
        None if spread_across.is_empty() && !seal_required => Some(Vec::new()),
        None => {
            cx.problem(
                Problem::at(node.pos, "`storage_policy` does not say who confirms an exception")
                    .hint("add `exceptions_by: [officer, witness]`: a placement that breaks the policy is then refused unless these roles confirm a recorded exception"),
            );
            None
        }
    };
    let policy = policy::StoragePolicy {
        spread_across,
        seal_required,
        exceptions_by: exceptions_by?,
    };
    if policy.is_empty() {
        cx.problem(
            Problem::at(node.pos, "`storage_policy` has no rule")
                .hint("add `spread_across: [site, holder]` and/or `seal_required: true`, or remove the policy"),
        );
        ok = false;
    }
    ok.then_some(policy)
}

/// The roles as read: every role that could be read (so steps can still be checked
/// against them), whether all were correct, the roles whose `cert` could not be used
/// (already reported), and where each role's id is written.
struct RolesRead {
    roles: Vec<Role>,
    ok: bool,
    failed_certs: Vec<RoleId>,
    positions: Vec<(RoleId, Pos)>,
}

/// Resolves the roles.
fn resolve_roles(path: &Path, node: &Node, problems: &Problems) -> Option<RolesRead> {
    let push = |p: Problem| problems.borrow_mut().push(p);
    let NodeKind::Map(entries) = &node.kind else {
        push(
            Problem::at(
                node.pos,
                format!(
                    "`roles` is a mapping from role id to person, found {}",
                    node.describe()
                ),
            )
            .hint("write `roles:` then lines like `  officer: { name: Alice Example }`"),
        );
        return None;
    };
    if entries.is_empty() {
        push(Problem::at(node.pos, "`roles` is empty").hint("name at least one role"));
        return None;
    }
    let base = path.parent().unwrap_or(Path::new("."));
    let mut roles = Vec::with_capacity(entries.len());
    let mut failed_certs = Vec::new();
    let mut positions = Vec::new();
    let mut ok = true;
    for (k, v) in entries {
        let id = match scalar_key(k).map(RoleId::parse) {
            Some(Ok(id)) => Some(id),
            Some(Err(e)) => {
                push(Problem::at(k.pos, e));
                None
            }
            None => {
                push(Problem::at(k.pos, "a role id must be text"));
                None
            }
        };
        let syntax: Option<RoleSyntax> = de::from_node(v, problems).map_err(push).ok();
        let (Some(id), Some(syntax)) = (id, syntax) else {
            ok = false;
            continue;
        };
        positions.push((id.clone(), k.pos));
        let initials = syntax
            .initials
            .as_ref()
            .and_then(|i| match Initials::parse(&i.value) {
                Ok(initials) => Some(initials),
                Err(e) => {
                    push(Problem::at(i.pos, format!("role `{id}`: {e}")).hint(
                        "`initials` are what the person types to confirm, such as `AE`; or remove the key",
                    ));
                    ok = false;
                    None
                }
            });
        if syntax.cert.is_some() {
            failed_certs.push(id.clone());
        }
        if syntax.name.value.trim().is_empty() {
            push(Problem::at(
                syntax.name.pos,
                format!("role `{id}` has an empty name"),
            ));
            ok = false;
        }
        let cert = syntax.cert.and_then(|c| {
            let full = base.join(&c.value);
            let status = crate::fs::regular_file_status(&full);
            if status.is_ok() {
                return match load_cert(&full) {
                    Ok(certificate) => Some(RoleCert {
                        path: full,
                        certificate,
                    }),
                    Err(e) => {
                        push(
                            Problem::at(c.pos, format!("certificate `{}` for role `{id}`: {e}", c.value))
                                .hint("ask the role's owner for their current OpenPGP certificate (`gpg --armor --export FINGERPRINT`)"),
                        );
                        ok = false;
                        None
                    }
                };
            }
            let what = match status {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => "does not exist".to_string(),
                Err(e) if full.is_dir() => format!("is a folder, not a file ({e})"),
                Err(e) => format!("cannot be used: {e}"),
                Ok(()) => "cannot be read".to_string(),
            };
            let hint = if what == "does not exist" {
                format!("paths are relative to the script's folder; looked for {}", full.display())
            } else {
                "give the path of the role's OpenPGP certificate file (`gpg --armor --export FINGERPRINT > officer.asc`)".to_string()
            };
            push(Problem::at(c.pos, format!("certificate `{}` for role `{id}` {what}", c.value)).hint(hint));
            ok = false;
            None
        });
        if cert.is_some() {
            failed_certs.retain(|f| f != &id);
        }
        roles.push(Role {
            id,
            name: syntax.name.value.trim().to_string(),
            cert,
            initials,
        });
    }
    Some(RolesRead {
        roles,
        ok,
        failed_certs,
        positions,
    })
}

/// Text compared case- and space-insensitively: `Alice  Example` is `alice example`.
fn person_key(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The certificate's primary user id (or its first, if none is valid now).
fn primary_user_id(c: &crate::pgp::Certificate) -> Option<String> {
    let policy = sequoia_openpgp::policy::StandardPolicy::new();
    c.inner()
        .with_policy(&policy, std::time::SystemTime::now())
        .ok()
        .and_then(|vc| {
            vc.primary_userid()
                .ok()
                .map(|u| String::from_utf8_lossy(u.userid().value()).into_owned())
        })
        .or_else(|| c.user_ids().into_iter().next())
}

/// Why two roles look like one person, or `None`.
fn same_person(a: &Role, b: &Role) -> Option<String> {
    let mut why = Vec::new();
    if let (Some(x), Some(y)) = (&a.cert, &b.cert) {
        let (fx, fy) = (x.certificate.fingerprint(), y.certificate.fingerprint());
        if fx == fy {
            why.push(format!("the same certificate ({fx})"));
        } else if let (Some(ux), Some(uy)) = (
            primary_user_id(&x.certificate),
            primary_user_id(&y.certificate),
        ) {
            if !ux.trim().is_empty() && person_key(&ux) == person_key(&uy) {
                why.push(format!("the same primary user id (`{}`)", ux.trim()));
            }
        }
    }
    if !a.name.is_empty() && person_key(&a.name) == person_key(&b.name) {
        why.push(format!("the same name (`{}`)", a.name));
    }
    (!why.is_empty()).then(|| why.join(" and "))
}

/// Checks `same_person_allowed`: each entry names two known, different roles once, with
/// a reason. Returns the pairs read and whether all entries were correct.
fn resolve_allowances(
    node: &Node,
    roles: &[Role],
    cx: &Resolver<'_>,
) -> (Vec<SamePersonAllowance>, bool) {
    let Some(list) = cx.decode::<Vec<Spanned<SamePersonSyntax>>>(node) else {
        return (Vec::new(), false);
    };
    let mut out: Vec<SamePersonAllowance> = Vec::new();
    let mut ok = true;
    for entry in list {
        let SamePersonSyntax {
            roles: names,
            reason,
        } = entry.value;
        let reason_text = reason.value.trim().to_string();
        if reason_text.is_empty() {
            cx.problem(
                Problem::at(reason.pos, "the reason is empty")
                    .hint("say why one person may take both roles; the reason is recorded"),
            );
            ok = false;
        }
        let [a, b] = names.value.as_slice() else {
            cx.problem(
                Problem::at(
                    names.pos,
                    format!(
                        "an allowance names exactly two roles, found {}",
                        names.value.len()
                    ),
                )
                .hint(
                    "write one entry per pair: `{ roles: [officer, witness-1], reason: \"...\" }`",
                ),
            );
            ok = false;
            continue;
        };
        let (Some(ra), Some(rb)) = (cx.role(a), cx.role(b)) else {
            ok = false;
            continue;
        };
        if ra == rb {
            cx.problem(
                Problem::at(b.pos, format!("role `{ra}` is listed twice"))
                    .hint("an allowance is for two different roles that are the same person"),
            );
            ok = false;
            continue;
        }
        if let Some(first) = out
            .iter()
            .find(|x| (x.roles.0 == ra && x.roles.1 == rb) || (x.roles.0 == rb && x.roles.1 == ra))
        {
            cx.problem(
                Problem::at(
                    names.pos,
                    format!(
                        "roles `{}` and `{}` are already allowed to be the same person",
                        first.roles.0, first.roles.1
                    ),
                )
                .hint("remove one of the two entries"),
            );
            ok = false;
            continue;
        }
        let role = |id: &RoleId| roles.iter().find(|r| &r.id == id);
        if let (Some(x), Some(y)) = (role(&ra), role(&rb)) {
            if !cx.cert_failed(&ra) && !cx.cert_failed(&rb) && same_person(x, y).is_none() {
                cx.problem(
                    Problem::at(
                        names.pos,
                        format!(
                            "roles `{ra}` and `{rb}` have different names and certificates: this allowance is not needed"
                        ),
                    )
                    .hint("remove it; an allowance is only for two roles with the same name, certificate or primary user id"),
                );
                ok = false;
            }
        }
        out.push(SamePersonAllowance {
            roles: (ra, rb),
            reason: reason_text,
        });
    }
    (out, ok)
}

/// Refuses two roles that look like one person, unless allowed; returns every pair that
/// looks like one person, for the steps that need distinct people.
fn distinct_people(read: &RolesRead, allowed: &[SamePersonAllowance], cx: &Resolver<'_>) -> People {
    let mut people = People::default();
    for (j, b) in read.roles.iter().enumerate() {
        for a in &read.roles[..j] {
            let Some(why) = same_person(a, b) else {
                continue;
            };
            let is_allowed = allowed.iter().any(|x| {
                (x.roles.0 == a.id && x.roles.1 == b.id) || (x.roles.0 == b.id && x.roles.1 == a.id)
            });
            if !is_allowed {
                if let Some((_, pos)) = read.positions.iter().find(|(id, _)| id == &b.id) {
                    cx.problem(
                        Problem::at(
                            *pos,
                            format!(
                                "roles `{}` and `{}` look like the same person: {why}",
                                a.id, b.id
                            ),
                        )
                        .hint(format!(
                            "each role is a different person; if one person really takes both, add `same_person_allowed: [{{ roles: [{}, {}], reason: \"...\" }}]`",
                            a.id, b.id
                        )),
                    );
                }
            }
            people
                .pairs
                .push((a.id.clone(), b.id.clone(), why, is_allowed));
        }
    }
    people
}

/// Loads a role's certificate and refuses one that no purpose can use: expired, revoked,
/// not yet valid or broken. Whether it can encrypt or sign is checked by the steps that
/// need it.
fn load_cert(path: &Path) -> Result<crate::pgp::Certificate, String> {
    use crate::pgp::{CertProblem, Purpose};
    let certificate = crate::pgp::Certificate::load(path).map_err(|e| e.to_string())?;
    let now = std::time::SystemTime::now();
    match (
        certificate.check(Purpose::Sign, now),
        certificate.check(Purpose::Encrypt, now),
    ) {
        (Ok(()), _) | (_, Ok(())) => Ok(certificate),
        (
            Err(e @ (CertProblem::NoSigningKey { .. } | CertProblem::NoEncryptionKey { .. })),
            Err(_),
        ) => Err(format!("it can neither sign nor encrypt ({e})")),
        (Err(e), _) => Err(e.to_string()),
    }
}

/// Every key under `roles:`, valid or not.
fn declared_roles(node: Option<&Node>) -> Vec<String> {
    match node.map(|n| &n.kind) {
        Some(NodeKind::Map(entries)) => entries
            .iter()
            .filter_map(|(k, _)| scalar_key(k).map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn resolve_steps(node: &Node, mut cx: Resolver<'_>, problems: &Problems) -> Option<Vec<Step>> {
    let push = |p: Problem| problems.borrow_mut().push(p);
    let NodeKind::Seq(items) = &node.kind else {
        push(
            Problem::at(
                node.pos,
                format!("`steps` is a list, found {}", node.describe()),
            )
            .hint("write each step on a line starting with `- `"),
        );
        return None;
    };
    if items.is_empty() {
        push(
            Problem::at(node.pos, "`steps` is an empty list")
                .hint("a ceremony needs at least one step"),
        );
        return None;
    }

    let mut steps = Vec::with_capacity(items.len());
    let mut seen: std::collections::HashMap<StepId, Pos> = Default::default();
    let mut per_kind: std::collections::HashMap<&str, usize> = Default::default();
    let mut ok = true;
    for (index, item) in items.iter().enumerate() {
        let number = index + 1;
        let NodeKind::Map(entries) = &item.kind else {
            push(
                Problem::at(
                    item.pos,
                    format!("step {number} is {}, not a mapping", item.describe()),
                )
                .hint(format!(
                    "a step is a mapping with one action key: {}",
                    one_of(KINDS)
                )),
            );
            ok = false;
            continue;
        };
        let mut id: Option<Spanned<StepId>> = None;
        let mut title: Option<String> = None;
        let mut actions: Vec<(&str, &Node, &Node)> = Vec::new();
        for (k, v) in entries {
            match scalar_key(k) {
                Some("id") => match de::from_node::<Spanned<StepId>>(v, problems) {
                    Ok(i) => id = Some(i),
                    Err(p) => {
                        push(p);
                        ok = false;
                    }
                },
                Some("title") => match de::from_node::<Spanned<String>>(v, problems) {
                    Ok(t) if t.value.trim().is_empty() => {
                        push(Problem::at(t.pos, "the title is empty"));
                        ok = false;
                    }
                    Ok(t) => title = Some(t.value),
                    Err(p) => {
                        push(p);
                        ok = false;
                    }
                },
                Some(key) if KINDS.contains(&key) => actions.push((key, k, v)),
                Some(key) => {
                    let mut all: Vec<&str> = STEP_KEYS.to_vec();
                    all.extend_from_slice(KINDS);
                    let p = Problem::at(
                        k.pos,
                        format!("unknown step kind or key `{key}` in step {number}"),
                    );
                    push(match did_you_mean(key, &all) {
                        Some(m) => p.hint(format!("did you mean `{m}`?")),
                        None => p.hint(format!("step kinds are {}", one_of(KINDS))),
                    });
                    cx.unsure_of(v);
                    ok = false;
                }
                None => {
                    push(Problem::at(k.pos, "a key must be text"));
                    ok = false;
                }
            }
        }
        let (kind, key_node, value) = match actions.as_slice() {
            [one] => *one,
            [] => {
                if ok {
                    push(
                        Problem::at(item.pos, format!("step {number} has no action"))
                            .hint(format!("add one of {}", one_of(KINDS))),
                    );
                }
                ok = false;
                continue;
            }
            [first, second, ..] => {
                for (_, _, v) in actions.iter() {
                    cx.unsure_of(v);
                }
                push(
                    Problem::at(
                        second.1.pos,
                        format!(
                            "step {number} has two actions, `{}` (line {}) and `{}`",
                            first.0, first.1.pos.line, second.0
                        ),
                    )
                    .hint("a step does one thing; put each action in its own step"),
                );
                ok = false;
                continue;
            }
        };
        let n = per_kind.entry(kind).or_insert(0);
        *n += 1;
        let (step_id, id_pos) = match id {
            Some(i) => (i.value, i.pos),
            None => match StepId::parse(&format!("{kind}-{n}")) {
                Ok(i) => (i, key_node.pos),
                Err(e) => {
                    push(Problem::at(key_node.pos, e));
                    ok = false;
                    continue;
                }
            },
        };
        if let Some(first) = seen.get(&step_id) {
            push(
                Problem::at(id_pos, format!("step id `{step_id}` is already used by the step at line {}", first.line))
                    .hint("step ids are unique; steps without `id` get `<kind>-<n>`, so give this one an explicit `id`"),
            );
            ok = false;
        }
        seen.insert(step_id.clone(), id_pos);
        if kind == SignTranscript::NAME && index + 1 != items.len() {
            push(
                Problem::at(
                    key_node.pos,
                    format!(
                        "`{kind}` is step {number} of {}, but it must be the last step",
                        items.len()
                    ),
                )
                .hint("the transcript is signed once it is closed; move this step to the end"),
            );
            ok = false;
        }
        cx.enter_step(step_id.clone());

        match Action::resolve(kind, value, &mut cx) {
            Some(Some(action)) => steps.push(Step {
                title: title.unwrap_or_else(|| action.default_title()),
                id: step_id,
                pos: item.pos,
                action,
            }),
            _ => ok = false,
        }
    }
    ok.then_some(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_facts_look_for_the_sign_transcript_kind() {
        assert_eq!(source::SIGN_TRANSCRIPT, SignTranscript::NAME);
    }

    const GOOD: &str = "keyrite: 1\nid: t\ntitle: T\nroles:\n  officer: { name: Alice }\n  witness: { name: Bob }\nsteps:\n  - attend: [officer, witness]\n  - record: [seal]\n  - id: check\n    confirm: { by: [witness], text: \"Seal {seal} is intact\" }\n  - note: done\n";

    fn problems(s: &str) -> Vec<Problem> {
        parse(Path::new("t.yaml"), s.as_bytes())
            .err()
            .unwrap_or_default()
    }

    #[test]
    fn a_good_script_resolves() {
        let s = parse(Path::new("t.yaml"), GOOD.as_bytes()).unwrap();
        let ids: Vec<&str> = s.steps.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["attend-1", "record-1", "check", "note-1"]);
        assert_eq!(s.steps[1].title, "Record seal");
    }

    #[test]
    fn all_problems_at_once() {
        let bad = GOOD
            .replace("[officer, witness]", "[officer, witnes]")
            .replace("{seal}", "{seel}")
            .replace("note: done", "noet: done");
        let p = problems(&bad);
        let messages: Vec<&str> = p.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(p.len(), 3, "{messages:?}");
        assert_eq!(p[0].message, "unknown role `witnes`");
        assert_eq!(p[0].hint.as_deref(), Some("did you mean `witness`?"));
        assert_eq!(p[0].pos, Some(Pos { line: 8, col: 23 }));
        assert_eq!(p[1].message, "`seel` is not defined by any earlier step");
        assert_eq!(p[2].hint.as_deref(), Some("did you mean `note`?"));
    }

    #[test]
    fn allowances_and_initials_are_exposed() {
        let text = "keyrite: 1\nid: t\ntitle: T\nroles:\n  a: { name: Ann, initials: AE }\n  b: { name: ann }\nsame_person_allowed:\n  - { roles: [b, a], reason: \" one person \" }\nsteps:\n  - note: \"{head} {head_phrase}\"\n";
        let s = parse(Path::new("t.yaml"), text.as_bytes()).unwrap();
        assert_eq!(
            s.roles[0].initials.as_ref().map(Initials::as_str),
            Some("AE")
        );
        assert_eq!(s.roles[1].initials, None);
        let a = &s.same_person_allowed[0];
        assert_eq!((a.roles.0.as_str(), a.roles.1.as_str()), ("b", "a"));
        assert_eq!(a.reason, "one person");
        let p = problems(&text.replace(
            "same_person_allowed:\n  - { roles: [b, a], reason: \" one person \" }\n",
            "",
        ));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].message.contains("the same name"), "{p:?}");
    }

    #[test]
    fn a_typo_is_one_problem_and_the_step_is_still_checked() {
        let bad = SECRET
            .replace("bits: 256", "bits: 265, dice: optinal")
            .replace("  - wipe: [s]\n  - fingerprint: { secret: s }\n", "");
        let p = problems(&bad);
        let mut messages: Vec<&str> = p.iter().map(|p| p.message.as_str()).collect();
        messages.sort_unstable();
        assert_eq!(
            messages,
            [
                "265 bits is not a supported strength",
                "unknown kind `optinal`"
            ]
        );
    }

    #[test]
    fn references_must_come_from_earlier_steps() {
        let bad = "keyrite: 1\nid: t\ntitle: T\nroles: { a: { name: A } }\nsteps:\n  - note: \"{later}\"\n  - record: [later]\n";
        let p = problems(bad);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].pos, Some(Pos { line: 6, col: 11 }));
    }

    const SECRET: &str = "keyrite: 1\nid: t\ntitle: T\nroles:\n  a: { name: A }\n  b: { name: B }\n  c: { name: C }\nsteps:\n  - generate_secret: { name: s, bits: 256 }\n  - split: { secret: s, into: sh, groups: [{ threshold: 2, holders: [a, b, c] }] }\n  - wipe: [s]\n  - fingerprint: { secret: s }\n";

    #[test]
    fn a_wiped_secret_cannot_be_used_later() {
        let p = problems(SECRET);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(
            p[0].message,
            "`s` was wiped by step `wipe-1` and can no longer be used"
        );
        assert_eq!(p[0].pos, Some(Pos { line: 12, col: 28 }));
    }

    #[test]
    fn impossible_schemes_are_refused() {
        let cases = [
            (
                "threshold: 2, holders: [a, b, c]",
                "threshold: 4, holders: [a, b, c]",
                "threshold 4 is impossible for group 1 of 3 holders",
            ),
            (
                "threshold: 2, holders: [a, b, c]",
                "threshold: 1, holders: [a, b, c]",
                "group 1 is 1-of-3: SLIP-39 does not allow 1-of-N groups",
            ),
            (
                "threshold: 2, holders: [a, b, c]",
                "threshold: 2, holders: [a, b, a]",
                "role `a` is listed twice",
            ),
            (
                "bits: 256",
                "bits: 192",
                "192 bits is not a supported strength",
            ),
            (
                "into: sh,",
                "into: sh, group_threshold: 2,",
                "group threshold 2 is impossible with 1 group",
            ),
            (
                "secret: s, into",
                "secret: t, into",
                "`t` is not defined by any earlier step",
            ),
        ];
        for (from, to, message) in cases {
            let text = SECRET
                .replace("  - wipe: [s]\n  - fingerprint: { secret: s }\n", "")
                .replace(from, to);
            let p = problems(&text);
            assert!(p.iter().any(|p| p.message == message), "{to}: {p:?}");
        }
    }
}
