//! `unprotect_file`: a file protected by `protect_file` is opened in memory with its key
//! (recovered from shares in a rehearsal), and its SHA-256 is compared with the one the
//! genesis transcript recorded.
//!
//! Invariants: the plaintext exists only in zeroizing memory and is never written; the
//! transcript records the protected file's path and SHA-256 and the plaintext's
//! SHA-256, and whether it matched; the key is never shown or recorded. A mismatch, a
//! wrong key or an unreadable file fails the step.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::Deserialize;

use super::files::{existing_file, read_limited};
use super::protect_file::{key_text, FILE_KEY_BYTES, MAX_PROTECTED_FILE};
use super::{NameKind, Resolver, StepContext, StepError, StepKind};
use crate::operator::FieldKey;
use crate::pgp::decrypt_with_password;
use crate::script::de::{Problem, Spanned};
use crate::script::types::{FieldName, SecretName};
use crate::transcript::{events, sha256_hex};

/// What a script writes for `unprotect_file`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnprotectFileSyntax {
    /// The protected file, relative to the script; when left out, the operator types
    /// its path.
    #[serde(default)]
    file: Option<Spanned<String>>,
    /// The secret that is the file's key (256 bits).
    key: Spanned<SecretName>,
    /// The original file's SHA-256, as `protect_file` recorded it (64 hex digits).
    sha256: Spanned<String>,
}

/// A resolved `unprotect_file` step.
#[derive(Debug)]
pub struct UnprotectFile {
    file: Option<PathBuf>,
    key: String,
    sha256: String,
}

impl StepKind for UnprotectFile {
    const NAME: &'static str = "unprotect_file";
    const DOC: &'static str = "Opens a file made by protect_file in memory with its (recovered) key and checks its SHA-256; nothing is written.";
    type Syntax = UnprotectFileSyntax;

    fn resolve(syntax: Self::Syntax, cx: &mut Resolver<'_>) -> Option<Self> {
        let mut ok = true;
        let sha256 = syntax.sha256.value.trim().to_ascii_lowercase();
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            cx.problem(
                Problem::at(syntax.sha256.pos, "`sha256` must be 64 hex digits").hint(
                    "copy `file_sha256` from the `file_protected` record of the genesis transcript",
                ),
            );
            ok = false;
        }
        let file = syntax.file.as_ref().map(|f| cx.script_path(&f.value));
        let key = cx.named(&syntax.key, NameKind::Secret)?;
        ok.then_some(UnprotectFile { file, key, sha256 })
    }

    fn default_title(&self) -> String {
        format!("Open the protected file with `{}` and check it", self.key)
    }

    fn run(&self, cx: &mut StepContext<'_>) -> Result<(), StepError> {
        let path = match &self.file {
            Some(p) => p.clone(),
            None => {
                let key = FieldKey {
                    item: None,
                    // Invariant: `file` is in the field-name form.
                    field: FieldName::parse("file").expect("a constant field name is valid"),
                };
                let typed = cx.operator.ask_field(
                    &cx.view,
                    &key,
                    "path of the protected file (.asc)",
                    &|s| existing_file(s).map(|_| ()),
                )?;
                existing_file(&typed).map_err(StepError::failed)?
            }
        };
        let secret = cx.secret(&self.key)?;
        if secret.byte_len() != FILE_KEY_BYTES {
            return Err(StepError::failed(format!(
                "`{}` is a {}-bit secret; a protect_file key has 256 bits",
                self.key,
                secret.byte_len() * 8
            )));
        }
        let password = key_text(secret);
        let armored = read_limited(&path, MAX_PROTECTED_FILE * 2, "a protected file")
            .map_err(StepError::failed)?;
        let plaintext = decrypt_with_password(&password, &armored).map_err(|e| {
            StepError::failed(format!(
                "{} does not open with `{}`: {e}",
                path.display(),
                self.key
            ))
        })?;
        let plaintext_sha256 = sha256_hex(&plaintext);
        let matches = plaintext_sha256 == self.sha256;
        cx.record(&events::FileUnprotected {
            file: path.display().to_string(),
            file_sha256: sha256_hex(&armored),
            key: self.key.clone(),
            plaintext_bytes: plaintext.len(),
            plaintext_sha256,
            expected_sha256: self.sha256.clone(),
            matches,
        })?;
        if !matches {
            return Err(StepError::failed(format!(
                "{} opens, but its content is not the file that was protected (SHA-256 differs)",
                path.display()
            )));
        }
        cx.done(&format!(
            "{} opens with `{}` and matches the protected original.",
            path.display(),
            self.key
        ));
        Ok(())
    }
}
