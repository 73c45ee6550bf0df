//! Unlocking a person's OpenPGP secret key during a step: the path of their key file,
//! then their passphrase if the key is protected. Used by every step in which a role
//! decrypts or signs with their own key (`collect_shares` from encrypted files,
//! `sign_transcript`).
//!
//! Invariants:
//! - The key must belong to the role: its primary fingerprint equals that of the role's
//!   certificate in the script. Someone else's key is refused before it is used.
//! - A wrong passphrase is asked again, three times at most; the passphrase never
//!   appears in a message, a record or `Debug` output, and is zeroized after use.
//! - The unlocked key lives only as long as the caller keeps it.

use std::path::Path;

use super::files::existing_file;

use super::StepError;
use crate::operator::{FieldKey, Operator, RoleView, SecretAsk, SecretKind, Severity, StepView};
use crate::pgp::{PgpError, SecretKey};
use crate::script::types::RoleId;
use crate::script::Script;

/// What unlocking needs: the script (for the role's certificate), the front end, and
/// the step asking. Signing runs after the transcript is closed, so this is not a
/// whole `StepContext`.
pub struct Asker<'s, 'o> {
    /// The script.
    pub script: &'s Script,
    /// The front end.
    pub operator: &'o mut dyn Operator,
    /// The step asking.
    pub view: StepView<'s>,
}

impl Asker<'_, '_> {
    fn role(&self, id: &RoleId) -> RoleView<'_> {
        let role = self.script.role(id);
        RoleView {
            id: &role.id,
            name: &role.name,
        }
    }
}

/// What a person answers when asked for their key file and they sign or decrypt outside
/// keyrite instead.
pub const OUTSIDE: &str = "outside";

/// What a signer answers when they will sign later with `keyrite countersign`.
pub const LATER: &str = "later";

/// How a person will use their key.
pub enum KeyChoice {
    /// They gave keyrite their key file, now unlocked.
    Key(Box<SecretKey>),

    /// They will decrypt or sign outside keyrite (gpg, a smartcard).
    Outside,
    /// They will sign later (`keyrite countersign`); only when signing.
    Later,
}

/// A field key for `role`'s answer `field` (`key_file`, `share_file`, ...).
pub fn role_field(role: &RoleId, field: &'static str) -> FieldKey {
    FieldKey::of_item(role.as_str(), field)
}

/// Asks `role` for their key file (or [`OUTSIDE`], when `outside_ok`) and unlocks it,
/// asking for the passphrase when the key is protected.
pub fn unlock_role_key(
    cx: &mut Asker<'_, '_>,
    role: &RoleId,
    purpose: &str,
    outside_ok: bool,
    later_ok: bool,
) -> Result<KeyChoice, StepError> {
    let view = cx.role(role);
    let (name, id) = (view.name.to_string(), view.id.to_string());
    let expected = cx
        .script
        .role(role)
        .cert
        .as_ref()
        .map(|c| c.certificate.fingerprint());
    let label = if outside_ok {
        format!(
            "{name} ({id}): path of your OpenPGP secret key file to {purpose}, or `{OUTSIDE}` to do it outside keyrite{}",
            if later_ok { format!(", or `{LATER}`") } else { String::new() }
        )
    } else {
        format!("{name} ({id}): path of your OpenPGP secret key file to {purpose}")
    };
    // A wrong key file (someone else's key, a certificate without secrets, a wrong
    // passphrase three times) costs a try, not the person's turn: they are asked again,
    // and may then choose to do it outside keyrite or later.
    for attempt in 1..=KEY_FILE_TRIES {
        let typed =
            cx.operator
                .ask_field(&cx.view, &role_field(role, "key_file"), &label, &|s| {
                    if (outside_ok && s.trim() == OUTSIDE) || (later_ok && s.trim() == LATER) {
                        return Ok(());
                    }
                    existing_file(s).map(|_| ())
                })?;
        if outside_ok && typed.trim() == OUTSIDE {
            return Ok(KeyChoice::Outside);
        }
        if later_ok && typed.trim() == LATER {
            return Ok(KeyChoice::Later);
        }
        let Some(expected) = expected.as_deref() else {
            return Err(StepError::failed(format!(
                "role `{id}` has no certificate in the script, so keyrite cannot tell their key from anyone else's"
            )));
        };
        let problem = match try_key_file(cx, role, &typed, expected, &name) {
            Ok(key) => return Ok(KeyChoice::Key(Box::new(key))),
            Err(KeyFileProblem::Stop(e)) => return Err(e),
            Err(KeyFileProblem::Retry(message)) => message,
        };
        if attempt == KEY_FILE_TRIES {
            return Err(StepError::failed(format!(
                "{problem} ({KEY_FILE_TRIES} tries)"
            )));
        }
        let choices = match (outside_ok, later_ok) {
            (true, true) => format!(", `{OUTSIDE}` or `{LATER}`"),
            (true, false) => format!(" or `{OUTSIDE}`"),
            _ => String::new(),
        };
        cx.operator.inform(
            &cx.view,
            Severity::Problem,
            &format!(
                "{problem}. {name}, give your key file again{choices} (try {} of {KEY_FILE_TRIES}).",
                attempt + 1
            ),
        );
    }
    Err(StepError::failed("no key file was accepted"))
}

/// How many key files a person may give before their turn ends.
pub const KEY_FILE_TRIES: u32 = 3;

enum KeyFileProblem {
    /// Worth another try: the message says what was wrong.
    Retry(String),
    /// The person stopped the ceremony.
    Stop(StepError),
}

/// Loads the key file `typed`, refusing another person's key before its passphrase is
/// asked, and unlocking a protected one.
fn try_key_file(
    cx: &mut Asker<'_, '_>,
    role: &RoleId,
    typed: &str,
    expected: &str,
    name: &str,
) -> Result<SecretKey, KeyFileProblem> {
    let path = existing_file(typed).map_err(KeyFileProblem::Retry)?;
    let foreign = |found: &str| {
        KeyFileProblem::Retry(format!(
            "the key in {} is {found}, but {name}'s certificate in the script is {expected}; that is not {name}'s key",
            path.display(),
        ))
    };
    let key = match SecretKey::load(&path, None) {
        Err(PgpError::PassphraseRequired { fingerprint }) if fingerprint != expected => {
            return Err(foreign(&fingerprint))
        }
        Err(PgpError::PassphraseRequired { .. }) => {
            load_with_passphrase(cx, role, &path).map_err(|e| match e {
                StepError::Operator(_) => KeyFileProblem::Stop(e),
                other => KeyFileProblem::Retry(other.to_string()),
            })?
        }
        Err(e) => {
            return Err(KeyFileProblem::Retry(format!(
                "cannot use the key file {}: {e}",
                path.display()
            )))
        }
        Ok(key) => key,
    };
    if key.fingerprint() != expected {
        return Err(foreign(&key.fingerprint()));
    }
    Ok(key)
}

/// Asks for the passphrase of the protected key at `path` and unlocks it.
fn load_with_passphrase(
    cx: &mut Asker<'_, '_>,
    role: &RoleId,
    path: &Path,
) -> Result<SecretKey, StepError> {
    let unreadable =
        |e: PgpError| StepError::failed(format!("cannot use the key file {}: {e}", path.display()));
    let script = cx.script;
    let role = script.role(role);
    let view = RoleView {
        id: &role.id,
        name: &role.name,
    };
    for attempt in 1..=3 {
        let passphrase = cx.operator.ask_secret(
            &cx.view,
            &SecretAsk {
                kind: SecretKind::Passphrase,
                role: Some(view.clone()),
                prompt: format!(
                    "{} ({}), the passphrase of your key {}",
                    view.name,
                    view.id,
                    path.display()
                ),
            },
            &|s| {
                if s.is_empty() {
                    Err("the key is protected; type its passphrase".to_string())
                } else {
                    Ok(())
                }
            },
        )?;
        match SecretKey::load(path, Some(&passphrase)) {
            Ok(key) => {
                cx.operator.inform(
                    &cx.view,
                    Severity::Done,
                    &format!("{}'s key is unlocked.", view.name),
                );
                return Ok(key);
            }
            Err(PgpError::WrongPassphrase { .. }) if attempt < 3 => {
                cx.operator.inform(
                    &cx.view,
                    Severity::Problem,
                    "That passphrase does not unlock the key. Try again.",
                );
            }
            Err(PgpError::WrongPassphrase { .. }) => break,
            Err(e) => return Err(unreadable(e)),
        }
    }
    Err(StepError::failed(format!(
        "the passphrase of {} was wrong three times",
        path.display()
    )))
}
