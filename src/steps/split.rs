//! `split`: splits a secret with SLIP-39 into groups of shares, each share assigned to a
//! holder (a role), optionally under a passphrase typed twice.
//!
//! Invariants: the shares live only in the vault; the transcript records the scheme, the
//! set identifier, and for each share its group, member, holder and SHA-256 digest, so a
//! later share check can recognise it without ever seeing it. A passphrase is never
//! recorded, only whether one was used.

use schemars::JsonSchema;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::{NameKind, Resolver, StepContext, StepError, StepKind};
use crate::operator::{SecretAsk, SecretKind};
use crate::script::de::{Problem, Spanned};
use crate::script::types::{RoleId, SecretName};
use crate::slip39::{split_with_os_random, GroupSpec, Passphrase, SplitConfig};
use crate::transcript::events;
use crate::vault::{HeldShare, ShareSet};

/// Whether the split is protected by a passphrase.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PassphraseMode {
    /// No passphrase.
    #[default]
    None,
    /// The officer types a passphrase twice; it is needed again to recover.
    Prompt,
}

/// One group of shares.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupSyntax {
    /// How many of this group's shares are needed.
    threshold: Spanned<u8>,
    /// Who holds each share of the group, one role per share.
    holders: Spanned<Vec<Spanned<String>>>,
}

/// What a script writes for `split`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitSyntax {
    /// The secret to split.
    secret: Spanned<SecretName>,
    /// The name of the share set, for later steps.
    into: Spanned<SecretName>,
    /// How many groups are needed to recover (default 1).
    #[serde(default)]
    group_threshold: Option<Spanned<u8>>,
    /// The groups, each with a threshold and its holders (at most 16 groups of 16).
    groups: Spanned<Vec<GroupSyntax>>,
    /// The 2024 extendable-backup flag (default true): more shares can be made later.
    #[serde(default)]
    extendable: Option<bool>,
    /// PBKDF2 cost: 10000 << e iterations in all (default 1).
    #[serde(default)]
    iteration_exponent: Option<Spanned<u8>>,
    /// `none` (the default) or `prompt`.
    #[serde(default)]
    passphrase: PassphraseMode,
}

/// A resolved `split` step.
#[derive(Debug)]
pub struct Split {
    secret: String,
    into: String,
    config: SplitConfig,
    holders: Vec<Vec<RoleId>>,
    passphrase: PassphraseMode,
}

// Read-only access for `keyrite print`.
impl Split {
    /// The share set it makes.
    pub fn share_set(&self) -> &str {
        &self.into
    }

    /// The holders of each group's shares, group by group, member by member.
    pub fn holders(&self) -> &[Vec<RoleId>] {
        &self.holders
    }
}

impl StepKind for Split {
    const NAME: &'static str = "split";
    const DOC: &'static str =
        "Splits a secret with SLIP-39 into groups of shares, one share per holder.";
    type Syntax = SplitSyntax;

    fn resolve(syntax: Self::Syntax, cx: &mut Resolver<'_>) -> Option<Self> {
        let mut ok = true;
        let secret = cx.named(&syntax.secret, NameKind::Secret);
        let groups_pos = syntax.groups.pos;
        if syntax.groups.value.is_empty() {
            cx.problem(
                Problem::at(groups_pos, "`groups` is an empty list")
                    .hint("add a group such as `{ threshold: 2, holders: [a, b, c] }`"),
            );
            return None;
        }
        if syntax.groups.value.len() > 16 {
            cx.problem(Problem::at(
                groups_pos,
                format!(
                    "{} groups; SLIP-39 allows at most 16",
                    syntax.groups.value.len()
                ),
            ));
            ok = false;
        }
        let mut holders = Vec::new();
        let mut specs = Vec::new();
        for (g, group) in syntax.groups.value.iter().enumerate() {
            let n = group.holders.value.len();
            let t = group.threshold.value;
            let list = cx.roles(&group.holders, &format!("the holders of group {}", g + 1));
            if n > 16 {
                cx.problem(Problem::at(
                    group.holders.pos,
                    format!("group {} has {n} holders; SLIP-39 allows at most 16", g + 1),
                ));
                ok = false;
            }
            if t == 0 || usize::from(t) > n {
                cx.problem(
                    Problem::at(
                        group.threshold.pos,
                        format!(
                            "threshold {t} is impossible for group {} of {n} holders",
                            g + 1
                        ),
                    )
                    .hint(format!(
                        "a threshold is from 1 to the number of holders ({n})"
                    )),
                );
                ok = false;
            } else if t == 1 && n > 1 {
                cx.problem(
                    Problem::at(
                        group.threshold.pos,
                        format!(
                            "group {} is 1-of-{n}: SLIP-39 does not allow 1-of-N groups",
                            g + 1
                        ),
                    )
                    .hint("use a 1-of-1 group, or raise the threshold"),
                );
                ok = false;
            }
            specs.push(GroupSpec {
                member_threshold: t,
                member_count: u8::try_from(n).unwrap_or(u8::MAX),
            });
            match list {
                Some(l) => holders.push(l),
                None => ok = false,
            }
        }
        // One person holds at most one share of a split: the same role in two groups, or
        // two roles that look like the same person, would let one person hold two. (The
        // same role twice in one group is reported by `cx.roles`.)
        let mut seen: Vec<(RoleId, usize)> = Vec::new();
        for (g, group) in syntax.groups.value.iter().enumerate() {
            for written in &group.holders.value {
                let Some(role) = RoleId::parse(&written.value)
                    .ok()
                    .filter(|id| cx.role_def(id).is_some())
                else {
                    continue;
                };
                if let Some((_, first)) = seen.iter().find(|(r, _)| r == &role) {
                    if *first != g {
                        cx.problem(
                            Problem::at(
                                written.pos,
                                format!(
                                    "role `{role}` already holds a share of this split (group {})",
                                    first + 1
                                ),
                            )
                            .hint("each holder holds one share of a split; give this share to someone else"),
                        );
                        ok = false;
                    }
                    continue;
                }
                if let Some((other, why)) = seen.iter().find_map(|(o, _)| {
                    cx.same_person(o, &role)
                        .map(|why| (o.clone(), why.to_string()))
                }) {
                    cx.problem(
                        Problem::at(
                            written.pos,
                            format!("holders `{other}` and `{role}` look like the same person: {why}"),
                        )
                        .hint("one person would hold two shares of this split; give this share to someone else"),
                    );
                    ok = false;
                }
                seen.push((role, g));
            }
        }
        let group_threshold = match &syntax.group_threshold {
            None => 1,
            Some(gt) => {
                let count = syntax.groups.value.len();
                if gt.value == 0 || usize::from(gt.value) > count {
                    cx.problem(
                        Problem::at(
                            gt.pos,
                            format!(
                                "group threshold {} is impossible with {count} group{}",
                                gt.value,
                                if count == 1 { "" } else { "s" }
                            ),
                        )
                        .hint(format!("use a number from 1 to {count}")),
                    );
                    ok = false;
                }
                gt.value
            }
        };
        let iteration_exponent = match &syntax.iteration_exponent {
            None => 1,
            Some(e) if e.value > 15 => {
                cx.problem(
                    Problem::at(
                        e.pos,
                        format!("iteration exponent {} is out of range", e.value),
                    )
                    .hint("SLIP-39 allows 0 to 15; each step doubles the time to recover"),
                );
                ok = false;
                e.value
            }
            Some(e) => e.value,
        };
        let into = cx.define_named(&syntax.into, NameKind::ShareSet);
        if let Some(secret) = &secret {
            cx.set_split(secret);
        }
        if let Some(set) = &into {
            cx.set_holders(set, holders.iter().flatten().cloned().collect());
        }
        let config = SplitConfig {
            group_threshold,
            groups: specs,
            extendable: syntax.extendable.unwrap_or(true),
            iteration_exponent,
        };
        if ok {
            if let Err(e) = config.validate() {
                cx.problem(Problem::at(groups_pos, e.to_string()));
                ok = false;
            }
        }
        Some(Split {
            secret: secret?,
            into: into.filter(|_| ok)?,
            config,
            holders,
            passphrase: syntax.passphrase,
        })
    }

    fn needs(&self, _script: &crate::script::Script) -> crate::steps::Needs {
        crate::steps::Needs {
            types_secret: self.passphrase == PassphraseMode::Prompt,
            ..Default::default()
        }
    }

    fn default_title(&self) -> String {
        let groups: Vec<String> = self
            .config
            .groups
            .iter()
            .map(|g| format!("{}-of-{}", g.member_threshold, g.member_count))
            .collect();
        format!(
            "Split `{}` into shares ({})",
            self.secret,
            groups.join(", ")
        )
    }

    fn run(&self, cx: &mut StepContext<'_>) -> Result<(), StepError> {
        let passphrase = match self.passphrase {
            PassphraseMode::None => Passphrase::empty(),
            PassphraseMode::Prompt => ask_passphrase_twice(cx)?,
        };
        let secret = cx.secret(&self.secret)?;
        let groups = split_with_os_random(secret, &passphrase, &self.config)
            .map_err(|e| StepError::failed(format!("the split failed: {e}")))?;
        let mut held = Vec::with_capacity(groups.len());
        let mut facts = Vec::new();
        let mut identifier = 0;
        for (g, (shares, holders)) in groups.into_iter().zip(&self.holders).enumerate() {
            let mut group = Vec::with_capacity(shares.len());
            for (m, (share, holder)) in shares.into_iter().zip(holders).enumerate() {
                identifier = share.info().identifier;
                facts.push(events::SplitShare {
                    group: g as u64 + 1,
                    member: m as u64 + 1,
                    holder: holder.to_string(),
                    digest: share.digest().to_string(),
                });
                group.push(HeldShare {
                    holder: holder.clone(),
                    share,
                });
            }
            held.push(group);
        }
        cx.vault.put_share_set(
            &self.into,
            ShareSet {
                secret: self.secret.clone(),
                passphrase: !passphrase.is_empty(),
                groups: held,
            },
        );
        cx.record(&events::SecretSplit {
            secret: self.secret.clone(),
            into: self.into.clone(),
            identifier,
            extendable: self.config.extendable,
            iteration_exponent: self.config.iteration_exponent,
            group_threshold: self.config.group_threshold,
            groups: self
                .config
                .groups
                .iter()
                .zip(&self.holders)
                .map(|(g, h)| events::SplitGroup {
                    threshold: g.member_threshold,
                    count: h.len(),
                    holders: h.iter().map(ToString::to_string).collect(),
                })
                .collect(),
            passphrase: !passphrase.is_empty(),
            shares: facts,
        })?;
        // The room hears what exists now, by group and holder (never a word).
        let total: usize = self.holders.iter().map(Vec::len).sum();
        let groups: Vec<String> = self
            .config
            .groups
            .iter()
            .zip(&self.holders)
            .enumerate()
            .map(|(g, (spec, holders))| {
                let names: Vec<&str> = holders
                    .iter()
                    .map(|h| cx.script.role(h).name.as_str())
                    .collect();
                format!(
                    "group {}: {} of {} needed ({})",
                    g + 1,
                    spec.member_threshold,
                    holders.len(),
                    names.join(", ")
                )
            })
            .collect();
        cx.done(&format!(
            "`{}` is split into {total} share{} as set `{}`{}; {} of {} group{} recover it. {}.",
            self.secret,
            if total == 1 { "" } else { "s" },
            self.into,
            if passphrase.is_empty() {
                ""
            } else {
                ", with a passphrase"
            },
            self.config.group_threshold,
            self.holders.len(),
            if self.holders.len() == 1 { "" } else { "s" },
            groups.join("; ")
        ));
        Ok(())
    }
}

/// Asks for a passphrase twice and compares the two in constant time.
pub fn ask_passphrase_twice(cx: &mut StepContext<'_>) -> Result<Passphrase, StepError> {
    let valid = |s: &str| Passphrase::new(s).map(|_| ()).map_err(|e| e.to_string());
    for _ in 0..3 {
        let first = cx.operator.ask_secret(
            &cx.view,
            &SecretAsk {
                kind: SecretKind::Passphrase,
                role: None,
                prompt: "passphrase (printable ASCII; it will be needed to recover)".to_string(),
            },
            &valid,
        )?;
        let again = cx.operator.ask_secret(
            &cx.view,
            &SecretAsk {
                kind: SecretKind::PassphraseAgain,
                role: None,
                prompt: "the same passphrase again".to_string(),
            },
            &valid,
        )?;
        if bool::from(first.as_bytes().ct_eq(again.as_bytes())) {
            return Passphrase::new(&first).map_err(|e| StepError::failed(e.to_string()));
        }
        cx.problem("The two passphrases differ. Type them again.");
    }
    Err(StepError::failed(
        "the passphrase was typed differently three times",
    ))
}
