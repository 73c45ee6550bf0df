//! Incremental share entry for a recovery: each share is checked against the earlier
//! ones the moment it is entered, so a ceremony can say at once "this share is from a
//! different set" or "group 2 still needs one share" instead of failing at the end.
//!
//! Invariants (hold after every successful `add`):
//! - All shares have the same identifier, extendable flag, iteration exponent, group
//!   threshold, group count and word count (the "set parameters").
//! - Within a group, all shares have the same member threshold and distinct member
//!   indices; hence interpolation always sees distinct x values of equal length.
//! - A rejected share changes nothing and is dropped (and so zeroized).
//!
//! Recovery uses, in entry order, the first `member_threshold` shares of each of the
//! first `group_threshold` complete groups (by group index), like the reference
//! implementation's `RecoveryState`; surplus shares are accepted and ignored.

use std::collections::BTreeMap;

use super::error::{CollectError, SetParameter, Slip39Error};
use super::gf256::Point;
use super::shamir::{self, RecoverError};
use super::share::{Share, ShareInfo};
use super::{MasterSecret, Passphrase};

/// Progress of one group that has at least one share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupProgress {
    /// 0-based group index.
    pub group_index: u8,
    /// Shares entered for the group.
    pub have: u8,
    /// The group's member threshold.
    pub needed: u8,
    /// Whether `have >= needed`.
    pub complete: bool,
}

/// Progress of a recovery after each share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollectProgress {
    /// Groups with at least one share, by group index.
    pub groups: Vec<GroupProgress>,
    /// How many groups are complete.
    pub groups_complete: u8,
    /// The group threshold (0 until the first share is added).
    pub groups_needed: u8,
    /// The number of groups in the split (0 until the first share is added).
    pub group_count: u8,
    /// Whether `recover` has enough shares.
    pub ready: bool,
}

#[derive(Debug)]
struct Group {
    member_threshold: u8,
    /// In entry order.
    members: Vec<Share>,
}

impl Group {
    fn is_complete(&self) -> bool {
        self.members.len() >= usize::from(self.member_threshold)
    }
}

/// Collects shares one by one and recovers the secret once enough are in.
#[derive(Debug, Default)]
pub struct Collector {
    /// Metadata and word count of the first share accepted: the set parameters every
    /// later share must match. (Only public data: no copy of the share is kept.)
    first: Option<(ShareInfo, usize)>,
    groups: BTreeMap<u8, Group>,
    accepted: usize,
}

impl Collector {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of shares accepted so far.
    pub fn len(&self) -> usize {
        self.accepted
    }

    /// Whether no share was accepted yet.
    pub fn is_empty(&self) -> bool {
        self.accepted == 0
    }

    /// Add a share, checking it against the earlier ones; on error nothing changes.
    pub fn add(&mut self, share: Share) -> Result<CollectProgress, CollectError> {
        let position = self.accepted + 1;
        if let Some((info, words)) = &self.first {
            check_same_set(info, *words, &share, position)?;
        }
        let info = share.info();
        if let Some(group) = self.groups.get(&info.group_index) {
            if group.member_threshold != info.member_threshold {
                return Err(CollectError::MemberThresholdMismatch {
                    position,
                    group_index: info.group_index,
                    got: info.member_threshold,
                    expected: group.member_threshold,
                });
            }
            if let Some(earlier) = group
                .members
                .iter()
                .find(|m| m.info().member_index == info.member_index)
            {
                return Err(if earlier.same_as(&share) {
                    CollectError::AlreadyEntered {
                        group_index: info.group_index,
                        member_index: info.member_index,
                    }
                } else {
                    CollectError::ConflictingMember {
                        group_index: info.group_index,
                        member_index: info.member_index,
                    }
                });
            }
        }
        if self.first.is_none() {
            self.first = Some((info.clone(), share.word_count()));
        }
        self.groups
            .entry(info.group_index)
            .or_insert_with(|| Group {
                member_threshold: info.member_threshold,
                members: Vec::with_capacity(usize::from(info.member_threshold)),
            })
            .members
            .push(share);
        self.accepted += 1;
        Ok(self.progress())
    }

    /// Where the recovery stands.
    pub fn progress(&self) -> CollectProgress {
        let groups: Vec<GroupProgress> = self
            .groups
            .iter()
            .map(|(&group_index, g)| GroupProgress {
                group_index,
                // Member indices are distinct 4-bit values, so at most 16 members.
                have: g.members.len() as u8,
                needed: g.member_threshold,
                complete: g.is_complete(),
            })
            .collect();
        let groups_complete = groups.iter().filter(|g| g.complete).count() as u8;
        let (groups_needed, group_count) = self
            .first
            .as_ref()
            .map_or((0, 0), |(i, _)| (i.group_threshold, i.group_count));
        CollectProgress {
            ready: self.first.is_some() && groups_complete >= groups_needed,
            groups,
            groups_complete,
            groups_needed,
            group_count,
        }
    }

    /// Recover the master secret. The passphrase is not verified by SLIP-39: a wrong
    /// one gives a different, valid-looking secret, so check the result against a
    /// recorded fingerprint.
    pub fn recover(self, passphrase: &Passphrase) -> Result<MasterSecret, Slip39Error> {
        let (info, _) = self.first.as_ref().ok_or(Slip39Error::NoShares)?;
        let needed = info.group_threshold;
        if self.groups.len() < usize::from(needed) {
            return Err(Slip39Error::InsufficientGroups {
                have: self.groups.len(),
                needed,
            });
        }
        let chosen: Vec<(u8, &Group)> = self
            .groups
            .iter()
            .filter(|(_, g)| g.is_complete())
            .take(usize::from(needed))
            .map(|(&i, g)| (i, g))
            .collect();
        if chosen.len() < usize::from(needed) {
            // Some group must be incomplete, or there would be enough complete ones.
            let (&group_index, g) = self
                .groups
                .iter()
                .find(|(_, g)| !g.is_complete())
                .ok_or(Slip39Error::Internal("group count"))?;
            return Err(Slip39Error::TooFewShares {
                group_index,
                have: g.members.len(),
                needed: g.member_threshold,
            });
        }

        let mut group_secrets = Vec::with_capacity(chosen.len());
        for (group_index, g) in &chosen {
            let points: Vec<Point<'_>> = g
                .members
                .iter()
                .take(usize::from(g.member_threshold))
                .map(|m| Point {
                    x: m.info().member_index,
                    y: m.value(),
                })
                .collect();
            let secret =
                shamir::recover_secret(g.member_threshold, &points).map_err(|e| match e {
                    RecoverError::Digest => Slip39Error::DigestMismatch {
                        group_index: Some(*group_index),
                    },
                    RecoverError::Internal(e) => e,
                })?;
            group_secrets.push((*group_index, secret));
        }
        let points: Vec<Point<'_>> = group_secrets
            .iter()
            .map(|(x, y)| Point { x: *x, y })
            .collect();
        let ems = shamir::recover_secret(needed, &points).map_err(|e| match e {
            RecoverError::Digest => Slip39Error::DigestMismatch { group_index: None },
            RecoverError::Internal(e) => e,
        })?;
        shamir::decrypt(&ems, passphrase, info)
    }
}

fn check_same_set(
    a: &ShareInfo,
    words: usize,
    share: &Share,
    position: usize,
) -> Result<(), CollectError> {
    let b = share.info();
    let checks = [
        (SetParameter::Identifier, a.identifier, b.identifier),
        (
            SetParameter::Extendable,
            u16::from(a.extendable),
            u16::from(b.extendable),
        ),
        (
            SetParameter::IterationExponent,
            u16::from(a.iteration_exponent),
            u16::from(b.iteration_exponent),
        ),
        (
            SetParameter::GroupThreshold,
            u16::from(a.group_threshold),
            u16::from(b.group_threshold),
        ),
        (
            SetParameter::GroupCount,
            u16::from(a.group_count),
            u16::from(b.group_count),
        ),
        // At most 59 words (64-byte values), so the count fits.
        (
            SetParameter::WordCount,
            words as u16,
            share.word_count() as u16,
        ),
    ];
    match checks
        .into_iter()
        .find(|(_, expected, got)| expected != got)
    {
        Some((parameter, expected, got)) => Err(CollectError::DifferentSet {
            position,
            parameter,
            got,
            expected,
        }),
        None => Ok(()),
    }
}
