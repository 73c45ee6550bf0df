//! `show_shares`: each share is shown to its holder alone, on a secret screen, to write
//! down or stamp on steel; the holder then proves the copy by typing back random words.
//!
//! Invariants (ARCHITECTURE.md, invariants 1 and 5): the words go only to the operator's secret screen;
//! the transcript records the share's group and member, its digest, the holder, and that
//! the check passed. A front end that cannot show a secret safely refuses, and the
//! ceremony stops before anything is shown.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{NameKind, Resolver, StepContext, StepError, StepKind};
use crate::operator::{FieldKey, OperatorError, RoleView, SecretAsk, SecretKind, SecretView};
use crate::script::de::{Problem, Spanned};
use crate::script::types::SecretName;
use crate::slip39::{complete_prefix, word_index, PrefixMatch, ShareWords};
use crate::transcript::events;

/// What a script writes for `show_shares`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShowSharesSyntax {
    /// The share set to show.
    shares: Spanned<SecretName>,
    /// How many randomly chosen words each holder types back (default 3, 0 for none).
    #[serde(default)]
    check_words: Option<Spanned<u8>>,
}

/// A resolved `show_shares` step.
#[derive(Debug)]
pub struct ShowShares {
    set: String,
    check_words: usize,
}

/// Tries a holder has for each check word.
pub const CHECK_TRIES: usize = 3;
/// Typed to see a share again after a failed check.
const AGAIN: &str = "again";
/// Typed to stop the ceremony after a failed check.
const ABORT: &str = "abort";

/// Distinct random word positions (1-based) out of `n`, in ascending order.
fn pick_positions(n: usize, count: usize) -> Result<Vec<usize>, StepError> {
    let mut chosen: Vec<usize> = Vec::with_capacity(count);
    while chosen.len() < count.min(n) {
        let mut b = [0u8; 2];
        getrandom::fill(&mut b)
            .map_err(|e| StepError::failed(format!("the OS random generator failed: {e}")))?;
        let p = usize::from(u16::from_le_bytes(b)) % n + 1;
        if !chosen.contains(&p) {
            chosen.push(p);
        }
    }
    chosen.sort_unstable();
    Ok(chosen)
}

/// Whether `typed` names `expected`: the whole word, or a prefix that only it starts with.
pub fn same_word(typed: &str, expected: &str) -> bool {
    let typed = typed.trim().to_lowercase();
    match (
        word_index(&typed),
        complete_prefix(&typed),
        word_index(expected),
    ) {
        (Some(a), _, Some(b)) => a == b,
        (None, PrefixMatch::Unique(a), Some(b)) => a == b,
        _ => false,
    }
}

impl ShowShares {
    /// Asks the holder for the check words of their copy; each has [`CHECK_TRIES`]
    /// tries. Returns the word number that failed every try, if one did. Wrong tries
    /// are added to `failed` by word number.
    fn check_copy(
        &self,
        cx: &mut StepContext<'_>,
        role: &RoleView<'_>,
        words: &ShareWords,
        count: usize,
        failed: &mut Vec<usize>,
    ) -> Result<Option<usize>, StepError> {
        for position in pick_positions(count, self.check_words)? {
            let expected = words
                .expose_secret()
                .split_whitespace()
                .nth(position - 1)
                .unwrap_or_default();
            let mut matched = false;
            for attempt in 1..=CHECK_TRIES {
                let typed = cx.operator.ask_secret(
                    &cx.view,
                    &SecretAsk {
                        kind: SecretKind::CheckWord(position),
                        role: Some(role.clone()),
                        prompt: format!("{}, word {position} of your copy", role.name),
                    },
                    &|typed| {
                        if typed.trim().is_empty() {
                            Err(format!("type word {position} as it is on your copy"))
                        } else {
                            Ok(())
                        }
                    },
                )?;
                if same_word(&typed, expected) {
                    matched = true;
                    cx.done(&format!("Word {position} of {}'s copy matches.", role.name));
                    break;
                }
                failed.push(position);
                if attempt < CHECK_TRIES {
                    cx.problem(&format!(
                        "That is not word {position} of the share: check your copy (try {} of {CHECK_TRIES}).",
                        attempt + 1
                    ));
                }
            }
            if !matched {
                return Ok(Some(position));
            }
        }
        Ok(None)
    }
}

// Read-only access for `keyrite print`.
impl ShowShares {
    /// The share set shown.
    pub fn share_set(&self) -> &str {
        &self.set
    }
}

impl StepKind for ShowShares {
    const NAME: &'static str = "show_shares";
    const DOC: &'static str = "Shows each share to its holder alone on a secret screen, then checks the written copy by asking for random words.";
    type Syntax = ShowSharesSyntax;

    fn resolve(syntax: Self::Syntax, cx: &mut Resolver<'_>) -> Option<Self> {
        let set = cx.named(&syntax.shares, NameKind::ShareSet);
        let check_words = match &syntax.check_words {
            None => 3,
            Some(c) if c.value > 20 => {
                cx.problem(
                    Problem::at(
                        c.pos,
                        format!("{} check words is more than a share has", c.value),
                    )
                    .hint("3 to 5 words is usual"),
                );
                return None;
            }
            Some(c) => usize::from(c.value),
        };
        Some(ShowShares {
            set: set?,
            check_words,
        })
    }

    fn needs(&self, _script: &crate::script::Script) -> crate::steps::Needs {
        crate::steps::Needs {
            shows_secret: true,
            // Holders type check words back.
            types_secret: self.check_words > 0,
            ..Default::default()
        }
    }

    fn default_title(&self) -> String {
        format!("Show each share of `{}` to its holder", self.set)
    }

    fn run(&self, cx: &mut StepContext<'_>) -> Result<(), StepError> {
        let set = cx.vault.share_set(&self.set).ok_or_else(|| {
            StepError::failed(format!(
                "the share set `{}` is not in memory (was it wiped?)",
                self.set
            ))
        })?;
        let group_count = set.groups.len();
        let mut plan = Vec::new();
        for (g, group) in set.groups.iter().enumerate() {
            for (m, held) in group.iter().enumerate() {
                plan.push((
                    g,
                    m,
                    held.holder.clone(),
                    group.len(),
                    held.share.info().member_threshold,
                ));
            }
        }
        for (g, m, holder, members, threshold) in plan {
            let (words, digest, count) = {
                let share = &cx
                    .vault
                    .share_set(&self.set)
                    .ok_or_else(|| StepError::failed("the share set was wiped"))?
                    .groups[g][m]
                    .share;
                (
                    share.to_words(),
                    share.digest().to_string(),
                    share.word_count(),
                )
            };
            let role = cx.role(&holder);
            let caption = format!(
                "Share {} of group {} of {group_count} ({threshold} of {members} needed), set `{}`, {count} words",
                m + 1,
                g + 1,
                self.set
            );
            // A miscopied word must not end the ceremony after the secret exists: the
            // holder gets three tries a word, then may see the share again and recopy it.
            let mut shows = 0usize;
            let mut failed_words: Vec<usize> = Vec::new();
            loop {
                shows += 1;
                cx.operator.show_secret(
                    &cx.view,
                    &SecretView {
                        holder: role.clone(),
                        caption: caption.clone(),
                        words: &words,
                    },
                )?;
                let Some(word) = self.check_copy(cx, &role, &words, count, &mut failed_words)?
                else {
                    break;
                };
                cx.record(&events::ShareCopyCheckFailed {
                    set: self.set.clone(),
                    group: g as u64 + 1,
                    member: m as u64 + 1,
                    holder: holder.to_string(),
                    word,
                    tries: CHECK_TRIES,
                    shown: shows,
                })?;
                cx.problem(&format!(
                    "Word {word} of {}'s copy did not match {CHECK_TRIES} times.",
                    role.name
                ));
                let choice = cx.operator.ask_field(
                    &cx.view,
                    &FieldKey::of_item(holder.as_str(), "after_failed_check"),
                    &format!(
                        "Type `{AGAIN}` to show {}'s share again (everyone else looks away again) and recopy it, or `{ABORT}` to stop the ceremony",
                        role.name
                    ),
                    &|typed| match typed.trim() {
                        AGAIN | ABORT => Ok(()),
                        _ => Err(format!("type `{AGAIN}` or `{ABORT}`")),
                    },
                )?;
                if choice.trim() == ABORT {
                    return Err(StepError::Operator(OperatorError::Aborted {
                        reason: format!(
                            "{}'s copy of share {} of group {} could not be checked: word {word} did not match {CHECK_TRIES} times",
                            role.name,
                            m + 1,
                            g + 1
                        ),
                    }));
                }
            }
            cx.record(&events::ShareShown {
                set: self.set.clone(),
                group: g as u64 + 1,
                member: m as u64 + 1,
                holder: holder.to_string(),
                digest,
                words: count,
                check_words: self.check_words.min(count),
                check: if self.check_words == 0 {
                    "not asked"
                } else {
                    "passed"
                }
                .to_string(),
                shown: shows,
                failed_checks: failed_words.len(),
                failed_words,
            })?;
        }
        Ok(())
    }
}
