//! `protect_file`: a large secret file (an MPC key-share backup, a wallet keystore, a
//! Vault recovery bundle) is encrypted with a fresh random 256-bit key, and the key, not
//! the data, becomes a secret in the vault that later steps split.
//!
//! The output is a standard OpenPGP password-encrypted message (SKESK v4 + SEIPD v1,
//! AES-256): `gpg --decrypt` opens it when given the key as text, 64 lowercase hex
//! digits. `unprotect_file` opens it in a rehearsal.
//!
//! Invariants: the key is never written, shown or recorded; the transcript records the
//! input's path, size and SHA-256 and the output's path and SHA-256. The output is
//! decrypted again in memory and compared with the input before anything is recorded,
//! so a ceremony never records a protected file that does not open. The input file is
//! left where it is: destroying it is the room's decision, and keyrite says so.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::files::{read_limited, write_new_private, write_problem};
use super::{NameKind, Resolver, StepContext, StepError, StepKind};
use crate::pgp::{decrypt_with_password, encrypt_with_password};
use crate::script::de::{Problem, Spanned};
use crate::script::types::SecretName;
use crate::slip39::MasterSecret;
use crate::transcript::{events, sha256_hex};

/// Largest file protected. The plaintext, its armoured ciphertext (about 1.4 times as
/// large) and the plaintext decrypted again for the check are in memory together, so
/// protecting a file of this size takes about 3.4 times its size in memory.
pub const MAX_PROTECTED_FILE: u64 = 256 << 20;

/// Length of the file key in bytes (256 bits).
pub const FILE_KEY_BYTES: usize = 32;

/// What a script writes for `protect_file`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProtectFileSyntax {
    /// The file to protect, relative to the script.
    file: Spanned<String>,
    /// The name of the new 256-bit key, for the steps that split it.
    into: Spanned<SecretName>,
    /// The output's name under `--out` (default: the input's name plus `.asc`).
    #[serde(default)]
    out: Option<Spanned<String>>,
}

/// A resolved `protect_file` step.
#[derive(Debug)]
pub struct ProtectFile {
    file: PathBuf,
    into: String,
    out: String,
}

/// The key as the text `gpg --passphrase` takes: 64 lowercase hex digits.
pub fn key_text(key: &MasterSecret) -> Zeroizing<String> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = key.expose_secret();
    let mut text = Zeroizing::new(String::with_capacity(bytes.len() * 2));
    for b in bytes {
        text.push(char::from(HEX[usize::from(b >> 4)]));
        text.push(char::from(HEX[usize::from(b & 15)]));
    }
    text
}

/// Checks an `out` name written in a script: relative, inside `--out`.
pub fn check_out_name(out: &Spanned<String>, cx: &Resolver<'_>) -> bool {
    if out.value.is_empty() || out.value.starts_with('/') || out.value.split('/').any(|c| c == "..")
    {
        cx.problem(
            Problem::at(out.pos, "`out` must be a file name inside the --out folder")
                .hint("use a relative name without `..`"),
        );
        return false;
    }
    true
}

impl StepKind for ProtectFile {
    const NAME: &'static str = "protect_file";
    const DOC: &'static str = "Encrypts a large secret file with a fresh 256-bit key (an OpenPGP password-encrypted message gpg opens); the key becomes a secret to split.";
    type Syntax = ProtectFileSyntax;

    fn resolve(syntax: Self::Syntax, cx: &mut Resolver<'_>) -> Option<Self> {
        let file = cx.script_path(&syntax.file.value);
        let mut ok = true;
        match std::fs::metadata(&file) {
            Ok(m) if m.is_file() && m.len() <= MAX_PROTECTED_FILE => {}
            Ok(m) if m.is_file() => {
                cx.problem(Problem::at(
                    syntax.file.pos,
                    format!(
                        "{} is {} bytes; keyrite protects files up to {MAX_PROTECTED_FILE} bytes",
                        file.display(),
                        m.len()
                    ),
                ));
                ok = false;
            }
            Ok(_) => {
                cx.problem(Problem::at(
                    syntax.file.pos,
                    format!("{} is not a file", file.display()),
                ));
                ok = false;
            }
            Err(e) => {
                cx.problem(
                    Problem::at(
                        syntax.file.pos,
                        format!("cannot read {}: {e}", file.display()),
                    )
                    .hint("a path in a script is relative to the script's folder"),
                );
                ok = false;
            }
        }
        let out = match &syntax.out {
            Some(o) => {
                ok &= check_out_name(o, cx);
                o.value.clone()
            }
            None => format!(
                "{}.asc",
                file.file_name()
                    .map_or_else(|| "protected".into(), |n| n.to_string_lossy())
            ),
        };
        let into = cx.define_named(&syntax.into, NameKind::Secret)?;
        ok.then_some(ProtectFile { file, into, out })
    }

    fn needs(&self, _script: &crate::script::Script) -> crate::steps::Needs {
        crate::steps::Needs {
            out_files: vec![std::path::PathBuf::from(&self.out)],
            // The encrypted, armoured file: about 4/3 of the input, plus framing.
            bytes: std::fs::metadata(&self.file)
                .map_or(MAX_PROTECTED_FILE, |m| m.len().min(MAX_PROTECTED_FILE))
                .saturating_mul(3)
                / 2
                + 4096,
            ..Default::default()
        }
    }

    fn default_title(&self) -> String {
        format!(
            "Protect {} with a new key, `{}`",
            self.file.display(),
            self.into
        )
    }

    fn run(&self, cx: &mut StepContext<'_>) -> Result<(), StepError> {
        let plaintext = read_limited(&self.file, MAX_PROTECTED_FILE, "a protected file")
            .map_err(StepError::failed)?;
        let file_sha256 = sha256_hex(&plaintext);
        let key = MasterSecret::generate(FILE_KEY_BYTES)
            .map_err(|e| StepError::failed(format!("cannot make a key: {e}")))?;
        let password = key_text(&key);
        let armored = encrypt_with_password(&password, &plaintext)
            .map_err(|e| StepError::failed(format!("encrypting {}: {e}", self.file.display())))?;
        let reopened = decrypt_with_password(&password, armored.as_bytes()).map_err(|e| {
            StepError::failed(format!("the protected file does not open again: {e}"))
        })?;
        if sha256_hex(&reopened) != file_sha256 {
            return Err(StepError::failed(
                "the protected file decrypts to something other than the input; nothing was written",
            ));
        }
        let path = cx.out.join(&self.out);
        write_new_private(&path, armored.as_bytes())
            .map_err(|e| StepError::failed(write_problem(&path, &e)))?;
        cx.vault.put_secret(&self.into, key);
        cx.record(&events::FileProtected {
            file: self.file.display().to_string(),
            file_bytes: plaintext.len(),
            file_sha256,
            key: self.into.clone(),
            key_bits: FILE_KEY_BYTES * 8,
            output: path.display().to_string(),
            output_sha256: sha256_hex(armored.as_bytes()),
            encryption: "OpenPGP SKESK v4 + SEIPD v1, AES-256, key as 64 hex digits".to_string(),
        })?;
        cx.inform(&format!(
            "{} is protected as {}; its key `{}` is in memory. The original is still at {}: destroy it as your policy says.",
            self.file.display(),
            path.display(),
            self.into,
            self.file.display()
        ));
        Ok(())
    }
}
