//! `sign_transcript`: the last step. It records who must sign, the engine then writes
//! the end record, and each listed role signs the closed transcript, byte for byte,
//! with a detached ASCII-armoured OpenPGP signature that goes into `<transcript>.asc`.
//!
//! A signer either gives keyrite their secret key file (and passphrase), or signs
//! outside keyrite (gpg, a smartcard): keyrite shows the exact command, waits for the
//! signature file, and verifies it before it accepts it. Whoever cannot sign now signs
//! later with `keyrite countersign`.
//!
//! Invariants:
//! - `check` makes sure this is the last step, appears once, and that every signer's
//!   certificate can sign. The first record lists the signers, so a verifier knows who
//!   must sign without the script.
//! - Nothing is signed before the transcript is closed, and nothing is added to it
//!   after: the signatures live beside it.
//! - A signature enters the `.asc` file only after it verifies over the closed
//!   transcript against the signer's certificate from the script.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Deserialize;

use super::files::existing_file;
use super::unlock::{role_field, unlock_role_key, Asker, KeyChoice};
use super::{Resolver, StepContext, StepError, StepKind};
use crate::operator::{OperatorError, Severity};
use crate::pgp::{sign_detached, verify_detached, Certificate, Purpose};
use crate::script::de::{Problem, Spanned};
use crate::script::types::RoleId;
use crate::signatures::{add_signature, read_signature_file, signature_path};
use crate::transcript::events;

/// What a script writes for `sign_transcript`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignTranscriptSyntax {
    /// The roles who sign, in this order. The transcript is valid only when all have.
    by: Spanned<Vec<Spanned<String>>>,
}

/// A resolved `sign_transcript` step.
#[derive(Debug)]
pub struct SignTranscript {
    by: Vec<RoleId>,
}

/// How one signer's turn ended.
#[derive(Clone, Debug)]
pub struct SignerOutcome {
    /// The role.
    pub role: RoleId,
    /// The signature file it went into, or why there is no signature.
    pub result: Result<PathBuf, String>,
}

impl SignTranscript {
    /// The roles who must sign.
    pub fn signers(&self) -> &[RoleId] {
        &self.by
    }

    /// Lets each signer sign the closed transcript at `transcript`, whose bytes are
    /// `data` (read once, and checked against the head the writer returned). An abort
    /// stops the signing; the signers not reached are reported as not signed.
    pub fn sign_closed(
        &self,
        asker: &mut Asker<'_, '_>,
        transcript: &Path,
        data: &[u8],
    ) -> Vec<SignerOutcome> {
        let mut outcomes = Vec::new();
        let mut aborted: Option<String> = None;
        for role in &self.by {
            if let Some(reason) = &aborted {
                outcomes.push(SignerOutcome {
                    role: role.clone(),
                    result: Err(format!("signing was stopped: {reason}")),
                });
                continue;
            }
            let result = match sign_one(asker, role, transcript, data) {
                Ok(path) => Ok(path),
                Err(StepError::Operator(OperatorError::Aborted { reason })) => {
                    aborted = Some(reason.clone());
                    Err(format!("signing was stopped: {reason}"))
                }
                Err(e) => {
                    let name = asker.script.role(role).name.clone();
                    asker.operator.inform(
                        &asker.view,
                        Severity::Problem,
                        &format!("{name} could not sign: {e}"),
                    );
                    Err(e.to_string())
                }
            };
            outcomes.push(SignerOutcome {
                role: role.clone(),
                result,
            });
        }
        outcomes
    }
}

fn certificate<'s>(asker: &Asker<'s, '_>, role: &RoleId) -> Result<&'s Certificate, StepError> {
    let script = asker.script;
    script
        .role(role)
        .cert
        .as_ref()
        .map(|c| &c.certificate)
        .ok_or_else(|| StepError::failed(format!("role `{role}` has no certificate")))
}

/// Checks `signature` over `data`: it must hold exactly one signature, good, by `cert`.
pub fn accept_signature(signature: &[u8], data: &[u8], cert: &Certificate) -> Result<(), String> {
    let checks =
        verify_detached(signature, data, std::slice::from_ref(cert)).map_err(|e| e.to_string())?;
    match checks.as_slice() {
        [one] if one.is_good() => Ok(()),
        [one] => Err(match &one.result {
            crate::pgp::SignatureResult::Bad(why) => {
                format!("the signature does not verify: {why}")
            }
            _ => format!(
                "the signature was made by {}, not by {}",
                one.issuer_fingerprint
                    .as_deref()
                    .or(one.issuer_key_id.as_deref())
                    .unwrap_or("an unnamed key"),
                cert.fingerprint()
            ),
        }),
        many => Err(format!(
            "the file holds {} signatures; give a file with this signer's one signature",
            many.len()
        )),
    }
}

/// A path as a shell reads it back: quoted when it holds anything but plain characters.
fn shell_word(path: &Path) -> String {
    let text = path.display().to_string();
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+:=,@".contains(c))
    {
        text
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// The gpg command that makes `role`'s signature outside keyrite. `--local-user FPR!`
/// names the exact key to sign with; it must be the signing key itself (a subkey when
/// the primary only certifies, as on most smartcards), since gpg refuses `PRIMARY!` for
/// a certify-only primary.
pub fn outside_command(cert: &Certificate, signature: &Path, transcript: &Path) -> String {
    let key = cert
        .signing_key_fingerprint(std::time::SystemTime::now())
        .unwrap_or_else(|| cert.fingerprint());
    format!(
        "gpg --local-user {key}! --armor --detach-sign --output {} {}",
        shell_word(signature),
        shell_word(transcript)
    )
}

fn sign_one(
    asker: &mut Asker<'_, '_>,
    role: &RoleId,
    transcript: &Path,
    data: &[u8],
) -> Result<PathBuf, StepError> {
    let cert = certificate(asker, role)?;
    let name = asker.script.role(role).name.clone();
    let signature: Vec<u8> = match unlock_role_key(asker, role, "sign the transcript", true, true)?
    {
        KeyChoice::Later => {
            return Err(StepError::failed(format!(
                "{name} will sign later with `keyrite countersign`"
            )))
        }
        KeyChoice::Key(key) => {
            let sig = sign_detached(&key, data).map_err(|e| StepError::failed(e.to_string()))?;
            accept_signature(sig.as_bytes(), data, cert).map_err(StepError::failed)?;
            sig.into_bytes()
        }
        KeyChoice::Outside => {
            let mut own = transcript.as_os_str().to_owned();
            own.push(format!(".{role}.asc"));
            let own = PathBuf::from(own);
            let command = outside_command(cert, &own, transcript);
            asker.operator.inform(
                &asker.view,
                Severity::Info,
                &format!("{name}: sign on the signing machine with\n  {command}\nthen bring the signature file here."),
            );
            let default = own.display().to_string();
            let typed = asker.operator.ask_field(
                &asker.view,
                &role_field(role, "signature_file"),
                &format!("{name} ({role}): path of your signature file (Enter for {default})"),
                &|s| {
                    let path = if s.trim().is_empty() {
                        default.as_str()
                    } else {
                        s
                    };
                    let path = existing_file(path)?;
                    let sig = read_signature_file(&path)
                        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                    accept_signature(&sig, data, cert)
                },
            )?;
            let path = if typed.trim().is_empty() {
                own
            } else {
                PathBuf::from(typed.trim())
            };
            // Read once more and checked again: what is merged is what was verified.
            let sig = read_signature_file(&path)
                .map_err(|e| StepError::failed(format!("cannot read {}: {e}", path.display())))?;
            accept_signature(&sig, data, cert).map_err(StepError::failed)?;
            sig
        }
    };
    let file = add_signature(transcript, &signature)
        .map_err(|e| StepError::failed(crate::error_chain(&e)))?;
    asker.operator.inform(
        &asker.view,
        Severity::Done,
        &format!("{name} signed; the signature is in {}.", file.display()),
    );
    Ok(file)
}

impl StepKind for SignTranscript {
    const NAME: &'static str = "sign_transcript";
    const DOC: &'static str = "The last step: after the end record, the listed roles sign the whole transcript (detached, armoured) into <transcript>.asc.";
    type Syntax = SignTranscriptSyntax;

    fn resolve(syntax: Self::Syntax, cx: &mut Resolver<'_>) -> Option<Self> {
        let by = cx.roles(&syntax.by, "`by`")?;
        let mut ok = true;
        for (role, written) in by.iter().zip(&syntax.by.value) {
            match cx.role_def(role).and_then(|r| r.cert.as_ref()) {
                // Its certificate file is already reported where it is written.
                None if cx.cert_failed(role) => ok = false,
                None => {
                    cx.problem(
                        Problem::at(
                            written.pos,
                            format!("role `{role}` signs but has no `cert`"),
                        )
                        .hint("give the role its OpenPGP certificate under `roles:`"),
                    );
                    ok = false;
                }
                Some(c) => {
                    if let Err(e) = c
                        .certificate
                        .check(Purpose::Sign, std::time::SystemTime::now())
                    {
                        cx.problem(Problem::at(
                            written.pos,
                            format!("role `{role}`'s certificate cannot sign the transcript: {e}"),
                        ));
                        ok = false;
                    }
                }
            }
        }
        ok.then_some(SignTranscript { by })
    }

    fn default_title(&self) -> String {
        "Close the transcript and sign it".to_string()
    }

    fn run(&self, cx: &mut StepContext<'_>) -> Result<(), StepError> {
        let script = cx.script;
        let signers = self
            .by
            .iter()
            .map(|role| events::Signer {
                role: role.to_string(),
                fingerprint: script
                    .role(role)
                    .cert
                    .as_ref()
                    .map(|c| c.certificate.fingerprint())
                    .unwrap_or_default(),
            })
            .collect();
        let file = signature_path(cx.transcript.path()).display().to_string();
        cx.record(&events::SigningRequested {
            signers,
            signature_file: file,
        })?;
        Ok(())
    }
}
