//! The storage placement policy: where shares may be kept, checked as each location is
//! typed in.
//!
//! A script's `storage_policy` can say that no single site, container or holder may hold
//! a threshold of shares of any group (`spread_across`), and that every stored item needs a
//! seal number (`seal_required`). A placement that breaks a rule is refused; the room then
//! gives another place or records an exception that the roles in `exceptions_by` confirm,
//! and which ends up in the signed transcript.
//!
//! Invariants:
//! - Values are compared after trimming, folding case and collapsing inner whitespace, so
//!   `Vault A` and ` vault  a` are the same site: a typo in capitals cannot slip a second
//!   share past the rule.
//! - A policy with a rule always names who confirms an exception (`check` refuses one
//!   without), so an exception is never recorded on one person's word.
//! - [`check_placement`] is pure: the same placements and the same location always give
//!   the same answer, which is what the tests and the room rely on.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::de::Spanned;
use super::types::RoleId;

/// A location field that shares of one group must be spread across.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpreadField {
    /// The site (building, city, bank).
    Site,
    /// The container (safe, deposit box, envelope).
    Container,
    /// The person who keeps it, as typed in the `holder` field.
    Holder,
}

impl SpreadField {
    /// The storage field's name.
    pub fn as_str(self) -> &'static str {
        match self {
            SpreadField::Site => "site",
            SpreadField::Container => "container",
            SpreadField::Holder => "holder",
        }
    }
}

/// What a script writes for `storage_policy`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StoragePolicySyntax {
    /// No single value of these fields may hold a threshold of shares of any group, such
    /// as `[site, holder]`.
    #[serde(default)]
    pub spread_across: Option<Spanned<Vec<Spanned<SpreadField>>>>,
    /// Every stored item needs a seal number (the `seal` field).
    #[serde(default)]
    pub seal_required: Option<Spanned<bool>>,
    /// The roles who confirm, with their initials, an exception to the policy.
    #[serde(default)]
    pub exceptions_by: Option<Spanned<Vec<Spanned<String>>>>,
}

/// A checked storage policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoragePolicy {
    /// Fields across which each group's shares must be spread.
    pub spread_across: Vec<SpreadField>,
    /// Whether every item needs a seal number.
    pub seal_required: bool,
    /// Who confirms an exception.
    pub exceptions_by: Vec<RoleId>,
}

/// The field that holds a seal number.
pub const SEAL_FIELD: &str = "seal";

/// Seal values that say there is no seal.
const NO_SEAL: &[&str] = &[
    "-", "--", "none", "no", "n/a", "na", "no seal", "unsealed", "nil", "null", "0",
];

/// A share already placed (in this run), for the spread rule.
#[derive(Clone, Debug)]
pub struct Placed {
    /// The SLIP-39 identifier of the share's split: only shares of one split are compared.
    pub identifier: u16,
    /// The share's group, 1-based.
    pub group: usize,
    /// Shares of that group needed to recover it.
    pub threshold: usize,
    /// The location fields as typed: name and value.
    pub location: Vec<(String, String)>,
}

/// One rule a placement breaks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// `spread_across` or `seal_required`.
    pub rule: &'static str,
    /// The field concerned.
    pub field: &'static str,
    /// The value typed, as typed.
    pub value: String,
    /// A sentence for the room and the record.
    pub detail: String,
}

/// Compares values the way a person would: case, outer and repeated spaces ignored.
pub fn same_place(a: &str, b: &str) -> bool {
    normalise(a) == normalise(b)
}

fn normalise(s: &str) -> String {
    s.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

fn field<'a>(location: &'a [(String, String)], name: &str) -> Option<&'a str> {
    location
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

impl StoragePolicy {
    /// Whether the policy has any rule at all.
    pub fn is_empty(&self) -> bool {
        self.spread_across.is_empty() && !self.seal_required
    }
}

/// The rules `location` breaks for an item. `share` is the share's group and threshold
/// when the item is a share; `placed` are the shares of the same set placed before it.
pub fn check_placement(
    policy: &StoragePolicy,
    location: &[(String, String)],
    share: Option<(usize, usize)>,
    placed: &[Placed],
) -> Vec<Violation> {
    let mut violations = Vec::new();
    if policy.seal_required {
        let seal = field(location, SEAL_FIELD).unwrap_or("");
        if NO_SEAL.contains(&normalise(seal).as_str()) || seal.trim().is_empty() {
            violations.push(Violation {
                rule: "seal_required",
                field: SEAL_FIELD,
                value: seal.to_string(),
                detail: format!("the policy requires a seal number, and `{seal}` is not one"),
            });
        }
    }
    if let Some((group, threshold)) = share {
        for spread in &policy.spread_across {
            let name = spread.as_str();
            let Some(value) = field(location, name) else {
                continue;
            };
            let already = placed
                .iter()
                .filter(|p| p.group == group)
                .filter(|p| field(&p.location, name).is_some_and(|v| same_place(v, value)))
                .count();
            if already + 1 >= threshold {
                let held = already + 1;
                violations.push(Violation {
                    rule: "spread_across",
                    field: name,
                    value: value.to_string(),
                    detail: if threshold == 1 {
                        format!(
                            "group {group} needs only 1 share to recover, so any single {name} holding one holds a threshold"
                        )
                    } else {
                        format!(
                            "{held} of group {group}'s shares would be at {name} `{value}`, and {threshold} recover the group: no single {name} may hold a threshold"
                        )
                    },
                });
            }
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(spread: &[SpreadField], seal: bool) -> StoragePolicy {
        StoragePolicy {
            spread_across: spread.to_vec(),
            seal_required: seal,
            exceptions_by: vec![],
        }
    }

    fn loc(site: &str, container: &str, seal: &str) -> Vec<(String, String)> {
        vec![
            ("site".into(), site.into()),
            ("container".into(), container.into()),
            ("seal".into(), seal.into()),
        ]
    }

    fn placed(group: usize, threshold: usize, site: &str) -> Placed {
        Placed {
            identifier: 1,
            group,
            threshold,
            location: loc(site, "box", "S-1"),
        }
    }

    #[test]
    fn a_threshold_at_one_site_is_refused_below_it_is_not() {
        let p = policy(&[SpreadField::Site], false);
        let before = [placed(1, 2, "Vault A")];
        let v = check_placement(
            &p,
            &loc(" vault  a ", "box 2", "S-2"),
            Some((1, 2)),
            &before,
        );
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].rule, "spread_across");
        assert!(
            v[0].detail.contains("2 of group 1's shares"),
            "{}",
            v[0].detail
        );
        assert!(check_placement(&p, &loc("Vault B", "b", "S"), Some((1, 2)), &before).is_empty());
        // Another group's share at the same site does not count.
        assert!(check_placement(&p, &loc("Vault A", "b", "S"), Some((2, 2)), &before).is_empty());
        // With a threshold of 3, two at one site are allowed, three are not.
        let before3 = [placed(1, 3, "Vault A")];
        assert!(check_placement(&p, &loc("Vault A", "b", "S"), Some((1, 3)), &before3).is_empty());
        let before3 = [placed(1, 3, "Vault A"), placed(1, 3, "vault a")];
        assert_eq!(
            check_placement(&p, &loc("Vault A", "b", "S"), Some((1, 3)), &before3).len(),
            1
        );
    }

    #[test]
    fn a_one_of_one_group_always_breaks_the_spread_rule() {
        let p = policy(&[SpreadField::Site], false);
        let v = check_placement(&p, &loc("Vault", "b", "S"), Some((1, 1)), &[]);
        assert_eq!(v.len(), 1);
        assert!(v[0].detail.contains("needs only 1 share"));
    }

    #[test]
    fn seal_required_refuses_blank_and_none_and_applies_to_plain_items() {
        let p = policy(&[], true);
        for bad in ["", "  ", "none", "N/A", "-", "No seal"] {
            let v = check_placement(&p, &loc("Vault", "b", bad), None, &[]);
            assert_eq!(v.len(), 1, "{bad:?}");
            assert_eq!(v[0].rule, "seal_required");
        }
        assert!(check_placement(&p, &loc("Vault", "b", "TB-0042"), None, &[]).is_empty());
        // A location without a seal field at all breaks the rule too.
        let no_seal = vec![("site".to_string(), "Vault".to_string())];
        assert_eq!(check_placement(&p, &no_seal, None, &[]).len(), 1);
    }

    #[test]
    fn both_rules_are_reported_together() {
        let p = policy(&[SpreadField::Site, SpreadField::Container], true);
        let before = [Placed {
            identifier: 1,
            group: 1,
            threshold: 2,
            location: loc("Vault", "Safe 1", "S-1"),
        }];
        let v = check_placement(&p, &loc("vault", "safe 1", "none"), Some((1, 2)), &before);
        let rules: Vec<(&str, &str)> = v.iter().map(|v| (v.rule, v.field)).collect();
        assert_eq!(
            rules,
            [
                ("seal_required", "seal"),
                ("spread_across", "site"),
                ("spread_across", "container")
            ]
        );
    }
}
