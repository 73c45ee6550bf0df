//! `collect_shares`: holders enter their shares word by word (full words or unique
//! prefixes); each share is checked as soon as it is complete: its checksum, and whether
//! it belongs to the same set as the others. Progress is shown per group.
//!
//! With `from: encrypted_files`, each holder brings the ASCII-armoured file
//! `encrypt_shares` made for them and either gives keyrite their secret key file (and its
//! passphrase), or decrypts the file outside keyrite (`gpg --decrypt`) and types the
//! words. Both paths end in the same checks.
//!
//! Invariants: entered shares go only into the vault's collection; the transcript records
//! each share's group, member, digest and who entered it, never a word; a share from a
//! file also records the file's path and SHA-256 and the key that decrypted it. An error
//! message may name a word position or a typed word that is not in the list, never a
//! valid word. Decrypted plaintext lives only in zeroizing memory.

use schemars::JsonSchema;
use serde::Deserialize;

use zeroize::Zeroizing;

use super::files::{existing_file, read_limited};
use super::unlock::{role_field, unlock_role_key, Asker, KeyChoice, OUTSIDE};
use super::{NameKind, Resolver, StepContext, StepError, StepKind};
use crate::operator::{SecretAsk, SecretKind};
use crate::pgp::decrypt;
use crate::script::de::{Problem, Spanned};
use crate::script::types::{RoleId, SecretName};
use crate::slip39::CollectProgress;
use crate::transcript::events::{self, FromFile};

/// What a script writes for `collect_shares`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CollectSharesSyntax {
    /// The name of the collection, for `recover`.
    into: Spanned<SecretName>,
    /// The holders who enter their shares, asked in this order until enough are in.
    by: Spanned<Vec<Spanned<String>>>,
    /// Where the shares come from: `words` typed from paper (the default), or
    /// `encrypted_files` made by `encrypt_shares`.
    #[serde(default)]
    from: Option<Spanned<ShareSource>>,
}

/// Where holders' shares come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShareSource {
    /// Typed (or pasted) words.
    #[default]
    Words,
    /// OpenPGP-encrypted files, one per holder.
    EncryptedFiles,
}

/// Largest encrypted share file read: a share file is a few kilobytes.
const MAX_SHARE_FILE: u64 = 1 << 20;

/// A resolved `collect_shares` step.
#[derive(Debug)]
pub struct CollectShares {
    into: String,
    by: Vec<RoleId>,
    from: ShareSource,
}

/// "group 1: 2 of 2 ✓ · group 2: 1 of 3", the progress line the room sees.
pub fn progress_line(p: &CollectProgress) -> String {
    let groups: Vec<String> = p
        .groups
        .iter()
        .map(|g| {
            let mark = if g.complete { " ✓" } else { "" };
            format!(
                "group {}: {} of {}{mark}",
                g.group_index + 1,
                g.have,
                g.needed
            )
        })
        .collect();
    let mut line = groups.join(" · ");
    if p.groups_needed > 1 {
        line.push_str(&format!(
            " ({} of {} groups needed)",
            p.groups_complete, p.groups_needed
        ));
    }
    line
}

// Read-only access for `keyrite print`.
impl CollectShares {
    /// The holders asked for their shares, in order.
    pub fn holders(&self) -> &[RoleId] {
        &self.by
    }
}

impl StepKind for CollectShares {
    const NAME: &'static str = "collect_shares";
    const DOC: &'static str = "Holders enter their shares; each is checked at once (checksum, same set) and progress is shown per group.";
    type Syntax = CollectSharesSyntax;

    fn resolve(syntax: Self::Syntax, cx: &mut Resolver<'_>) -> Option<Self> {
        let by = cx.roles(&syntax.by, "`by`");
        let into = cx.define_named(&syntax.into, NameKind::Collection);
        let from = syntax.from.as_ref().map_or(ShareSource::Words, |f| f.value);
        let mut ok = true;
        if let (ShareSource::EncryptedFiles, Some(by)) = (from, &by) {
            for (role, written) in by.iter().zip(&syntax.by.value) {
                if cx.cert_failed(role) {
                    ok = false;
                } else if cx.role_def(role).and_then(|r| r.cert.as_ref()).is_none() {
                    cx.problem(
                        Problem::at(
                            written.pos,
                            format!("role `{role}` decrypts a share file but has no `cert`"),
                        )
                        .hint("give the role its OpenPGP certificate under `roles:`, so that keyrite can tell their key from someone else's"),
                    );
                    ok = false;
                }
            }
        }
        let (into, by) = (into?, by?);
        ok.then_some(CollectShares { into, by, from })
    }

    fn needs(&self, _script: &crate::script::Script) -> crate::steps::Needs {
        // Holders type their words, or a key's passphrase, or the words they decrypted
        // outside keyrite.
        crate::steps::Needs {
            types_secret: true,
            ..Default::default()
        }
    }

    fn default_title(&self) -> String {
        "Holders enter their shares".to_string()
    }

    fn run(&self, cx: &mut StepContext<'_>) -> Result<(), StepError> {
        for holder in &self.by {
            let role = cx.role(holder);
            let mut tries = 0;
            loop {
                tries += 1;
                let (words, from_file) = match self.from {
                    ShareSource::Words => (ask_words(cx, holder)?, None),
                    ShareSource::EncryptedFiles => match from_encrypted_file(cx, holder)? {
                        Ok(got) => got,
                        Err(problem) if tries < 3 => {
                            cx.problem(&format!("{problem}. Try again."));
                            continue;
                        }
                        Err(problem) => return Err(StepError::failed(problem)),
                    },
                };
                let share = match crate::slip39::read_share(&words) {
                    Ok(share) => share,
                    Err(e) if tries < 3 => {
                        cx.problem(&format!("That share was not accepted: {e}. Try again."));
                        continue;
                    }
                    Err(e) => {
                        return Err(StepError::failed(format!(
                            "{}'s share was not accepted: {e}",
                            role.name
                        )))
                    }
                };
                let info = share.info().clone();
                let digest = share.digest().to_string();
                match cx.vault.collection(&self.into).add(share) {
                    Ok(progress) => {
                        cx.record(&events::ShareEntered {
                            collection: self.into.clone(),
                            group: u64::from(info.group_index) + 1,
                            member: u64::from(info.member_index) + 1,
                            digest,
                            entered_by: holder.to_string(),
                            identifier: info.identifier,
                            from_file,
                        })?;
                        cx.done(&progress_line(&progress));
                        if progress.ready {
                            let shares = cx.vault.collection(&self.into).len();
                            cx.record(&events::SharesCollected {
                                collection: self.into.clone(),
                                shares,
                                groups_complete: progress.groups_complete,
                                groups_needed: progress.groups_needed,
                            })?;
                            return Ok(());
                        }
                        break;
                    }
                    Err(e) if tries < 3 => {
                        cx.problem(&format!("That share was not accepted: {e}. Try again."))
                    }
                    Err(e) => {
                        return Err(StepError::failed(format!(
                            "{}'s share was not accepted: {e}",
                            role.name
                        )))
                    }
                }
            }
        }
        let progress = cx.vault.collection(&self.into).progress();
        Err(StepError::failed(format!(
            "every listed holder entered a share, but that is not enough to recover: {}",
            progress_line(&progress)
        )))
    }
}

/// Asks `holder` to type (or paste) their share's words.
pub(super) fn ask_words(
    cx: &mut StepContext<'_>,
    holder: &RoleId,
) -> Result<Zeroizing<String>, StepError> {
    let role = cx.role(holder);
    Ok(cx.operator.ask_secret(
        &cx.view,
        &SecretAsk {
            kind: SecretKind::Share,
            role: Some(role.clone()),
            prompt: format!(
                "{} ({}), your share (words or their first 4 letters)",
                role.name, role.id
            ),
        },
        &|typed| {
            crate::slip39::read_share(typed)
                .map(|_| ())
                .map_err(|e| e.to_string())
        },
    )?)
}

/// Gets `holder`'s share from their encrypted file: decrypted with their key here, or
/// decrypted outside keyrite and typed. The inner `Err` is a problem worth another try.
#[allow(clippy::type_complexity)]
pub(super) fn from_encrypted_file(
    cx: &mut StepContext<'_>,
    holder: &RoleId,
) -> Result<Result<(Zeroizing<String>, Option<FromFile>), String>, StepError> {
    let role = cx.role(holder);
    let typed = cx.operator.ask_field(
        &cx.view,
        &role_field(holder, "share_file"),
        &format!(
            "{} ({}): path of your encrypted share file",
            role.name, role.id
        ),
        &|s| existing_file(s).map(|_| ()),
    )?;
    let path = existing_file(&typed).map_err(StepError::failed)?;
    let bytes = match read_limited(&path, MAX_SHARE_FILE, "an encrypted share file") {
        Ok(bytes) => bytes,
        Err(problem) => return Ok(Err(problem)),
    };
    let mut asker = Asker {
        script: cx.script,
        operator: &mut *cx.operator,
        view: cx.view.clone(),
    };
    let choice = match unlock_role_key(&mut asker, holder, "decrypt it", true, false) {
        Ok(choice) => choice,
        // A wrong key file or passphrase costs one try, like a wrong share file.
        Err(StepError::Failed { message }) => return Ok(Err(message)),
        Err(e) => return Err(e),
    };
    match choice {
        KeyChoice::Later => Ok(Err("`later` is only for signing".to_string())),
        KeyChoice::Outside => {
            cx.inform(&format!(
                "{}: decrypt the file on your own machine, for example with `gpg --decrypt {}`, then type the words.",
                role.name,
                path.display()
            ));
            let words = ask_words(cx, holder)?;
            Ok(Ok((
                words,
                Some(FromFile {
                    file: path.display().to_string(),
                    file_sha256: crate::transcript::sha256_hex(&bytes),
                    decrypted_by: OUTSIDE.to_string(),
                }),
            )))
        }
        KeyChoice::Key(key) => {
            let plaintext = match decrypt(&key, &bytes) {
                Ok(p) => p,
                Err(e) => {
                    return Ok(Err(format!(
                        "{} could not be decrypted with {}'s key: {e}",
                        path.display(),
                        role.name
                    )))
                }
            };
            let words = match share_words(&plaintext) {
                Some(words) => words,
                None => {
                    return Ok(Err(format!(
                    "{} decrypts, but does not hold share words as `encrypt_shares` writes them",
                    path.display()
                )))
                }
            };
            Ok(Ok((
                words,
                Some(FromFile {
                    file: path.display().to_string(),
                    file_sha256: crate::transcript::sha256_hex(&bytes),
                    decrypted_by: key.fingerprint(),
                }),
            )))
        }
    }
}

/// The words of a decrypted share file: its lines other than `#` comments, joined.
fn share_words(plaintext: &[u8]) -> Option<Zeroizing<String>> {
    let text = std::str::from_utf8(plaintext).ok()?;
    let mut words = Zeroizing::new(String::with_capacity(text.len()));
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if !words.is_empty() {
            words.push(' ');
        }
        words.push_str(line);
    }
    (!words.is_empty()).then_some(words)
}
