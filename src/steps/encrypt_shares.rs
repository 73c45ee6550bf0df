//! `encrypt_shares`: each share is encrypted to its holder's OpenPGP certificate (plus any
//! extra recipients, such as an escrow key) and written as an ASCII-armoured file that the
//! holder opens with `gpg --decrypt`.
//!
//! Invariants: a share leaves memory only encrypted; a file is created exclusively (never
//! overwritten) with mode 0600 and synced; the transcript records the file's path and
//! SHA-256, the recipients' fingerprints, and which share it holds (group, member, digest),
//! never the words. Every recipient's certificate was checked for encryption by `check`.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::files::{write_new_private, write_problem};
use super::{NameKind, Resolver, StepContext, StepError, StepKind};
use crate::pgp::{encrypt, Certificate, Purpose};
use crate::script::de::{Problem, Spanned};
use crate::script::types::{RoleId, SecretName};
use crate::transcript::events;

/// The default file name under `--out`.
pub const DEFAULT_OUT: &str = "{set}/{holder}-{group}-{member}.asc";

/// What a script writes for `encrypt_shares`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EncryptSharesSyntax {
    /// The share set to encrypt.
    shares: Spanned<SecretName>,
    /// Roles whose certificates are added as recipients of every share (an escrow key).
    #[serde(default)]
    extra_recipients: Option<Spanned<Vec<Spanned<String>>>>,
    /// The file name under `--out`, with `{set}`, `{holder}`, `{group}` and `{member}`
    /// (default `{set}/{holder}-{group}-{member}.asc`).
    #[serde(default)]
    out: Option<Spanned<String>>,
}

/// A resolved `encrypt_shares` step.
#[derive(Debug)]
pub struct EncryptShares {
    set: String,
    extra: Vec<RoleId>,
    out: String,
}

fn render(pattern: &str, set: &str, holder: &RoleId, group: usize, member: usize) -> String {
    pattern
        .replace("{set}", set)
        .replace("{holder}", holder.as_str())
        .replace("{group}", &group.to_string())
        .replace("{member}", &member.to_string())
}

impl StepKind for EncryptShares {
    const NAME: &'static str = "encrypt_shares";
    const DOC: &'static str =
        "Encrypts each share to its holder's OpenPGP certificate (and extra recipients) as an armoured file under --out.";
    type Syntax = EncryptSharesSyntax;

    fn resolve(syntax: Self::Syntax, cx: &mut Resolver<'_>) -> Option<Self> {
        let set = cx.named(&syntax.shares, NameKind::ShareSet)?;
        let extra = match &syntax.extra_recipients {
            Some(list) => cx.roles(list, "`extra_recipients`")?,
            None => Vec::new(),
        };
        let out = match syntax.out {
            Some(o) if o.value.contains("..") || o.value.starts_with('/') => {
                cx.problem(
                    Problem::at(o.pos, "`out` must stay inside the --out folder")
                        .hint("use a relative name without `..`"),
                );
                return None;
            }
            Some(o) if !(o.value.contains("{group}") && o.value.contains("{member}")) => {
                cx.problem(
                    Problem::at(o.pos, "`out` must contain `{group}` and `{member}` so that every share gets its own file")
                        .hint(format!("the default is `{DEFAULT_OUT}`")),
                );
                return None;
            }
            Some(o) => o.value,
            None => DEFAULT_OUT.to_string(),
        };
        let mut ok = true;
        // An extra recipient receives every share: if they also hold one, or are the same
        // person as a holder, one person could decrypt a threshold.
        if let Some(list) = &syntax.extra_recipients {
            let holders = cx.holders(&set).to_vec();
            for (role, written) in extra.iter().zip(&list.value) {
                if holders.contains(role) {
                    cx.problem(
                        Problem::at(
                            written.pos,
                            format!("role `{role}` holds a share of `{set}` and is also an extra recipient of every share"),
                        )
                        .hint("one person could then decrypt a threshold of shares; make a role that holds no share of this set the extra recipient"),
                    );
                    ok = false;
                } else if let Some((holder, why)) = holders
                    .iter()
                    .find_map(|h| cx.same_person(role, h).map(|why| (h, why)))
                {
                    cx.problem(
                        Problem::at(
                            written.pos,
                            format!("extra recipient `{role}` looks like the same person as holder `{holder}`: {why}"),
                        )
                        .hint("one person could then decrypt a threshold of shares; the extra recipient must be someone who holds no share of this set"),
                    );
                    ok = false;
                }
            }
        }
        let mut seen = Vec::new();
        for role in cx
            .holders(&set)
            .iter()
            .chain(&extra)
            .cloned()
            .collect::<Vec<_>>()
        {
            if seen.contains(&role) {
                continue;
            }
            seen.push(role.clone());
            let pos = syntax.shares.pos;
            match cx.role_def(&role).and_then(|r| r.cert.as_ref()) {
                // Its certificate file is already reported where it is written.
                None if cx.cert_failed(&role) => ok = false,
                None => {
                    cx.problem(
                        Problem::at(
                            pos,
                            format!("role `{role}` receives an encrypted share but has no `cert`"),
                        )
                        .hint("give the role its OpenPGP certificate under `roles:`"),
                    );
                    ok = false;
                }
                Some(c) => {
                    if let Err(e) = c
                        .certificate
                        .check(Purpose::Encrypt, std::time::SystemTime::now())
                    {
                        cx.problem(Problem::at(
                            pos,
                            format!("role `{role}`'s certificate cannot receive a share: {e}"),
                        ));
                        ok = false;
                    }
                }
            }
        }
        ok.then_some(EncryptShares { set, extra, out })
    }

    fn needs(&self, script: &crate::script::Script) -> crate::steps::Needs {
        // The files follow from the split that makes the set: its groups and holders.
        let holders = script.steps.iter().find_map(|s| match &s.action {
            super::Action::Split(split) if split.share_set() == self.set => Some(split.holders()),
            _ => None,
        });
        let mut out_files = Vec::new();
        for (g, group) in holders.unwrap_or_default().iter().enumerate() {
            for (m, holder) in group.iter().enumerate() {
                out_files.push(std::path::PathBuf::from(render(
                    &self.out,
                    &self.set,
                    holder,
                    g + 1,
                    m + 1,
                )));
            }
        }
        crate::steps::Needs {
            // An armoured share for a few recipients is a few kilobytes.
            bytes: 8 * 1024 * out_files.len() as u64,
            out_files,
            ..Default::default()
        }
    }

    fn default_title(&self) -> String {
        format!("Encrypt each share of `{}` to its holder", self.set)
    }

    fn run(&self, cx: &mut StepContext<'_>) -> Result<(), StepError> {
        let script = cx.script;
        let cert_of = |role: &RoleId| -> Result<&Certificate, StepError> {
            script
                .role(role)
                .cert
                .as_ref()
                .map(|c| &c.certificate)
                .ok_or_else(|| StepError::failed(format!("role `{role}` has no certificate")))
        };
        let set = cx.vault.share_set(&self.set).ok_or_else(|| {
            StepError::failed(format!(
                "the share set `{}` is not in memory (was it wiped?)",
                self.set
            ))
        })?;
        let groups = set.groups.len();
        let mut written = Vec::new();
        for (g, group) in set.groups.iter().enumerate() {
            for (m, held) in group.iter().enumerate() {
                let info = held.share.info();
                let role = script.role(&held.holder);
                let mut recipients: Vec<&Certificate> = vec![cert_of(&held.holder)?];
                for extra in &self.extra {
                    recipients.push(cert_of(extra)?);
                }
                let words = held.share.to_words();
                let plaintext = Zeroizing::new(format!(
                    "# keyrite SLIP-39 share: set {}, group {} of {groups}, member {} ({} of {} needed)\n# holder: {} ({})\n{}\n",
                    self.set,
                    g + 1,
                    m + 1,
                    info.member_threshold,
                    group.len(),
                    role.name,
                    role.id,
                    words.expose_secret()
                ));
                let armored = encrypt(&recipients, plaintext.as_bytes()).map_err(|e| {
                    StepError::failed(format!("encrypting share {}/{}: {e}", g + 1, m + 1))
                })?;
                let relative = render(&self.out, &self.set, &held.holder, g + 1, m + 1);
                let path: PathBuf = cx.out.join(&relative);
                write_new_private(&path, armored.as_bytes())
                    .map_err(|e| StepError::failed(write_problem(&path, &e)))?;
                written.push((
                    g + 1,
                    m + 1,
                    held.holder.clone(),
                    held.share.digest().to_string(),
                    path,
                    crate::transcript::sha256_hex(armored.as_bytes()),
                    recipients
                        .iter()
                        .map(|c| c.fingerprint())
                        .collect::<Vec<_>>(),
                ));
            }
        }
        let count = written.len();
        let folder = written
            .first()
            .and_then(|w| w.4.parent())
            .map(|p| p.display().to_string());
        for (group, member, holder, digest, path, file_sha256, recipients) in written {
            cx.record(&events::ShareEncrypted {
                set: self.set.clone(),
                group: group as u64,
                member: member as u64,
                holder: holder.to_string(),
                digest,
                file: path.display().to_string(),
                file_sha256,
                recipients,
            })?;
        }
        cx.done(&format!(
            "{count} share file{} of set `{}` written, each encrypted to its holder{}{}.",
            if count == 1 { "" } else { "s" },
            self.set,
            if self.extra.is_empty() {
                ""
            } else {
                " and the extra recipients"
            },
            folder.map_or_else(String::new, |f| format!(", in {f}"))
        ));
        Ok(())
    }
}
