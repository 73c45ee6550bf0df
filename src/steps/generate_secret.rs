//! `generate_secret`: a new 128- or 256-bit master secret from the OS random generator,
//! optionally mixed with dice rolls typed in by the officer.
//!
//! Invariants: the secret goes only into the vault; the transcript records the sources
//! used (`os_random`, `dice`), the number of rolls and the mixing method, never a value.
//! Mixing never lowers entropy below the OS bytes': both methods hash the OS bytes and
//! the rolls together.

use hkdf::Hkdf;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{NameKind, Resolver, StepContext, StepError, StepKind};
use crate::operator::{SecretAsk, SecretKind};
use crate::script::de::{Problem, Spanned};
use crate::script::types::SecretName;
use crate::slip39::MasterSecret;
use crate::transcript::events;

/// Whether dice rolls are mixed in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DiceMode {
    /// Only the OS random generator.
    #[default]
    Off,
    /// The officer may type rolls, or skip.
    Optional,
    /// The officer must type at least `min_rolls` rolls.
    Required,
}

/// How dice rolls are mixed with the OS random bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mix {
    /// HKDF-SHA256 (RFC 5869) over the OS bytes and the rolls.
    #[default]
    Hkdf,
    /// SHA-256 of the OS bytes followed by the rolls, truncated.
    Sha256,
}

/// What a script writes for `generate_secret`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateSecretSyntax {
    /// The name later steps use for the secret.
    name: Spanned<SecretName>,
    /// Strength in bits: 128 or 256.
    bits: Spanned<u16>,
    /// Dice rolls: `off` (the default), `optional` or `required`.
    #[serde(default)]
    dice: DiceMode,
    /// Fewest rolls accepted; by default enough for the strength (50 for 128 bits, 100 for 256).
    #[serde(default)]
    min_rolls: Option<Spanned<u16>>,
    /// How rolls are mixed in: `hkdf` (the default) or `sha256`.
    #[serde(default)]
    mix: Mix,
}

/// A resolved `generate_secret` step.
#[derive(Debug)]
pub struct GenerateSecret {
    name: String,
    bits: u16,
    dice: DiceMode,
    min_rolls: usize,
    mix: Mix,
}

impl From<Mix> for events::Mix {
    fn from(mix: Mix) -> Self {
        match mix {
            Mix::Hkdf => Self::Hkdf,
            Mix::Sha256 => Self::Sha256,
        }
    }
}

/// Rolls needed for `bits` of entropy from a six-sided die: ceil(bits / log2(6)).
pub fn rolls_for(bits: u16) -> usize {
    (f64::from(bits) / 6f64.log2()).ceil() as usize
}

fn check_rolls(text: &str, min: usize, required: bool) -> Result<usize, String> {
    // Rolls are secret input: a message may say where a mistake is, never what was typed.
    if let Some(at) = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .position(|c| !('1'..='6').contains(&c))
    {
        return Err(format!(
            "roll {} is not a die face: type digits 1 to 6 (spaces are ignored)",
            at + 1
        ));
    }
    let n = text.chars().filter(|c| !c.is_whitespace()).count();
    if n == 0 && !required {
        return Ok(0);
    }
    if n < min {
        return Err(format!("{n} rolls typed; at least {min} are needed"));
    }
    Ok(n)
}

impl StepKind for GenerateSecret {
    const NAME: &'static str = "generate_secret";
    const DOC: &'static str = "Generates a 128- or 256-bit master secret from the OS random generator, optionally mixed with dice rolls.";
    type Syntax = GenerateSecretSyntax;

    fn resolve(syntax: Self::Syntax, cx: &mut Resolver<'_>) -> Option<Self> {
        let mut ok = true;
        if ![128, 256].contains(&syntax.bits.value) {
            cx.problem(
                Problem::at(
                    syntax.bits.pos,
                    format!("{} bits is not a supported strength", syntax.bits.value),
                )
                .hint("use 128 or 256"),
            );
            ok = false;
        }
        let default_rolls = rolls_for(syntax.bits.value);
        let min_rolls = match &syntax.min_rolls {
            Some(m) if m.value == 0 => {
                cx.problem(
                    Problem::at(m.pos, "`min_rolls` must be at least 1").hint(format!(
                        "{default_rolls} rolls give {} bits",
                        syntax.bits.value
                    )),
                );
                ok = false;
                0
            }
            Some(m) if syntax.dice == DiceMode::Off => {
                cx.problem(
                    Problem::at(m.pos, "`min_rolls` is set but `dice` is `off`")
                        .hint("set `dice: optional` or `dice: required`"),
                );
                ok = false;
                usize::from(m.value)
            }
            Some(m) => usize::from(m.value),
            None => default_rolls,
        };
        let name = cx.define_named(&syntax.name, NameKind::Secret);
        Some(GenerateSecret {
            name: name.filter(|_| ok)?,
            bits: syntax.bits.value,
            dice: syntax.dice,
            min_rolls,
            mix: syntax.mix,
        })
    }

    fn needs(&self, _script: &crate::script::Script) -> crate::steps::Needs {
        crate::steps::Needs {
            types_secret: self.dice != DiceMode::Off,
            ..Default::default()
        }
    }

    fn default_title(&self) -> String {
        format!("Generate the {}-bit secret `{}`", self.bits, self.name)
    }

    fn run(&self, cx: &mut StepContext<'_>) -> Result<(), StepError> {
        let len = usize::from(self.bits / 8);
        let mut os = Zeroizing::new(vec![0u8; len]);
        getrandom::fill(&mut os)
            .map_err(|e| StepError::failed(format!("the OS random generator failed: {e}")))?;
        let rolls = if self.dice == DiceMode::Off {
            Zeroizing::new(String::new())
        } else {
            let required = self.dice == DiceMode::Required;
            let (min, skip) = (
                self.min_rolls,
                if required {
                    ""
                } else {
                    ", or press Enter to skip"
                },
            );
            let ask = SecretAsk {
                kind: SecretKind::Dice,
                role: None,
                prompt: format!("dice rolls (at least {min}, digits 1-6{skip})"),
            };
            let typed = cx.operator.ask_secret(&cx.view, &ask, &|t| {
                check_rolls(t, min, required).map(|_| ())
            })?;
            Zeroizing::new(
                typed
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>(),
            )
        };
        let n_rolls = rolls.len();
        let secret = if n_rolls == 0 {
            MasterSecret::from_zeroizing(os)
        } else {
            let mut out = Zeroizing::new(vec![0u8; len]);
            match self.mix {
                Mix::Hkdf => {
                    let mut ikm = Zeroizing::new(Vec::with_capacity(os.len() + rolls.len()));
                    ikm.extend_from_slice(&os);
                    ikm.extend_from_slice(rolls.as_bytes());
                    Hkdf::<Sha256>::new(Some(b"keyrite dice mix v1"), &ikm)
                        .expand(b"keyrite master secret", &mut out)
                        .map_err(|_| StepError::failed("internal error: HKDF output length"))?;
                }
                Mix::Sha256 => {
                    let mut h = Sha256::new();
                    h.update(&*os);
                    h.update(rolls.as_bytes());
                    let digest = Zeroizing::new(<[u8; 32]>::from(h.finalize()));
                    out.copy_from_slice(&digest[..len]);
                }
            }
            MasterSecret::from_zeroizing(out)
        }
        .map_err(|e| StepError::failed(format!("internal error: {e}")))?;
        cx.vault.put_secret(&self.name, secret);
        let mut sources = vec!["os_random".to_string()];
        if n_rolls > 0 {
            sources.push("dice".to_string());
        }
        cx.record(&events::SecretGenerated {
            secret: self.name.clone(),
            bits: self.bits,
            sources,
            dice_rolls: n_rolls,
            mix: (n_rolls > 0).then_some(self.mix.into()),
        })?;
        cx.inform(&format!(
            "The {}-bit secret `{}` is in memory.",
            self.bits, self.name
        ));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roll_counts() {
        assert_eq!(rolls_for(128), 50);
        assert_eq!(rolls_for(256), 100);
        assert_eq!(check_rolls("1 2 3", 3, true), Ok(3));
        assert_eq!(check_rolls("", 3, false), Ok(0));
        assert!(check_rolls("", 3, true).is_err());
        assert_eq!(
            check_rolls("12 7", 3, true).unwrap_err(),
            "roll 3 is not a die face: type digits 1 to 6 (spaces are ignored)"
        );
    }
}
