//! Error types of the SLIP-39 module.
//!
//! Every message says what is wrong and where, in words a ceremony participant can act
//! on. Invariant: no message, and no `Debug` of an error, contains a secret, a share
//! value, or a word of a share. The one piece of user input that may be quoted is a
//! token that is *not* a list word (and is no prefix of one), truncated, since it
//! cannot be part of a valid share.
//!
//! Group and member numbers are stored 0-based, as in the share encoding and in
//! [`ShareInfo`](super::ShareInfo), and shown 1-based in messages, as people count them.

use thiserror::Error;

/// Which set-wide parameter of a share disagrees with the shares entered before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetParameter {
    /// The random 15-bit identifier of the split.
    Identifier,
    /// The extendable-backup flag (0 or 1).
    Extendable,
    /// The PBKDF2 iteration exponent.
    IterationExponent,
    /// The number of groups needed to recover.
    GroupThreshold,
    /// The number of groups in the split.
    GroupCount,
    /// The number of words, which follows from the secret's length.
    WordCount,
}

impl std::fmt::Display for SetParameter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SetParameter::Identifier => "identifier",
            SetParameter::Extendable => "extendable flag",
            SetParameter::IterationExponent => "iteration exponent",
            SetParameter::GroupThreshold => "group threshold",
            SetParameter::GroupCount => "group count",
            SetParameter::WordCount => "word count",
        })
    }
}

/// A single mnemonic could not be decoded into a share.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ShareError {
    /// A word (1-based `position`) is neither a list word nor the start of exactly one.
    /// What was typed is not quoted: a typo of a real word would give the word away.
    #[error("word {position} is not in the SLIP-39 word list (nor the start of one): check its spelling")]
    UnknownWord {
        /// 1-based position of the word in the mnemonic.
        position: usize,
    },
    /// A word (1-based `position`) is an abbreviation that several list words start with.
    #[error(
        "word {position} is an abbreviation of {candidates} different words: type more letters"
    )]
    AmbiguousWord {
        /// 1-based position of the word in the mnemonic.
        position: usize,
        /// How many list words start with it.
        candidates: usize,
    },
    /// Fewer words than the shortest possible share (20).
    #[error("the share has {words} words, but a SLIP-39 share has at least 20: a word is missing")]
    TooShort {
        /// Number of words given.
        words: usize,
    },
    /// No share can have this many words: the share value would need more than 8 bits
    /// of padding (the standard's "invalid mnemonic length").
    #[error("the share has {words} words, which is not a possible SLIP-39 share length: a word is missing or extra")]
    InvalidLength {
        /// Number of words given.
        words: usize,
    },
    /// The share encodes a secret longer than this implementation supports (512 bits).
    #[error("the share has {words} words; shares of master secrets longer than 512 bits (59 words) are not supported")]
    TooLong {
        /// Number of words given.
        words: usize,
    },
    /// The RS1024 checksum does not verify.
    #[error("checksum failed: the share has a typo, or a word is missing or swapped")]
    Checksum,
    /// The padding bits in front of the share value are not zero.
    #[error("invalid padding: the share's checksum is right but its padding bits are not zero, so it was not made by a SLIP-39 implementation")]
    Padding,
    /// The share claims a group threshold above its group count.
    #[error("invalid share: its group threshold ({threshold}) is greater than its group count ({count})")]
    GroupThresholdExceedsCount {
        /// Decoded group threshold.
        threshold: u8,
        /// Decoded group count.
        count: u8,
    },
}

/// A share cannot join the shares entered so far.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum CollectError {
    /// A set-wide parameter differs from the earlier shares'.
    #[error("share {position} has {parameter} {got} but earlier shares have {expected}: it belongs to a different set")]
    DifferentSet {
        /// 1-based position of the offending share in entry order.
        position: usize,
        /// Which parameter differs.
        parameter: SetParameter,
        /// The new share's value.
        got: u16,
        /// The earlier shares' value.
        expected: u16,
    },
    /// The very same share was entered twice.
    #[error("member {} of group {} was already entered", one_based(.member_index), one_based(.group_index))]
    AlreadyEntered {
        /// 0-based group index.
        group_index: u8,
        /// 0-based member index.
        member_index: u8,
    },
    /// Two different shares claim the same member slot of a group.
    #[error("member {} of group {} was already entered with different words: one of the two shares is wrong", one_based(.member_index), one_based(.group_index))]
    ConflictingMember {
        /// 0-based group index.
        group_index: u8,
        /// 0-based member index.
        member_index: u8,
    },
    /// Shares of one group disagree about how many members the group needs.
    #[error("share {position} says group {} needs {got} shares but earlier shares of that group say {expected}", one_based(.group_index))]
    MemberThresholdMismatch {
        /// 1-based position of the offending share in entry order.
        position: usize,
        /// 0-based group index.
        group_index: u8,
        /// The new share's member threshold.
        got: u8,
        /// The earlier shares' member threshold.
        expected: u8,
    },
}

/// A split configuration is not allowed.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    /// The iteration exponent does not fit the share's 4-bit field.
    #[error("iteration exponent {exponent} is too large: the maximum is 15")]
    IterationExponentTooLarge {
        /// The requested exponent.
        exponent: u8,
    },
    /// A group threshold of 0.
    #[error("the group threshold must be at least 1")]
    GroupThresholdZero,
    /// More than 16 groups.
    #[error("{count} groups were requested: at most 16 are allowed")]
    TooManyGroups {
        /// The number of groups requested.
        count: usize,
    },
    /// The group threshold exceeds the number of groups.
    #[error("the group threshold ({threshold}) is greater than the number of groups ({count})")]
    GroupThresholdExceedsCount {
        /// The requested group threshold.
        threshold: u8,
        /// The number of groups.
        count: usize,
    },
    /// A member threshold of 0.
    #[error("group {}: the member threshold must be at least 1", one_based(.group_index))]
    MemberThresholdZero {
        /// 0-based group index.
        group_index: u8,
    },
    /// A member threshold above the group's member count.
    #[error("group {}: the member threshold ({threshold}) is greater than the member count ({count})", one_based(.group_index))]
    MemberThresholdExceedsCount {
        /// 0-based group index.
        group_index: u8,
        /// The requested member threshold.
        threshold: u8,
        /// The requested member count.
        count: u8,
    },
    /// More than 16 members in a group.
    #[error("group {}: {count} members were requested: at most 16 are allowed", one_based(.group_index))]
    TooManyMembers {
        /// 0-based group index.
        group_index: u8,
        /// The requested member count.
        count: u8,
    },
    /// Several shares with member threshold 1, which the reference forbids: each
    /// would be a full copy of the group secret.
    #[error("group {}: creating {count} shares with member threshold 1 is not allowed: use 1-of-1 instead", one_based(.group_index))]
    MultipleSharesWithThresholdOne {
        /// 0-based group index.
        group_index: u8,
        /// The requested member count.
        count: u8,
    },
}

/// Any failure of splitting or recovering a secret.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum Slip39Error {
    /// A mnemonic could not be decoded.
    #[error(transparent)]
    Share(#[from] ShareError),
    /// A share does not fit with the others.
    #[error(transparent)]
    Collect(#[from] CollectError),
    /// The split configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The master secret has an unsupported length.
    #[error(
        "the master secret is {len} bytes long: it must be an even number of bytes from 16 to 64"
    )]
    InvalidSecretLength {
        /// Its length in bytes.
        len: usize,
    },
    /// The passphrase has a character outside printable ASCII.
    #[error("passphrase character {position} is not printable ASCII: only characters from space to '~' are allowed")]
    InvalidPassphrase {
        /// 1-based position (in characters) of the first offending character.
        position: usize,
    },
    /// Recovery was attempted with no shares.
    #[error("no shares were given")]
    NoShares,
    /// Fewer groups have shares than the group threshold requires.
    #[error("too few groups: shares of {have} group(s) were given but {needed} groups are needed")]
    InsufficientGroups {
        /// Number of groups with at least one share.
        have: usize,
        /// The group threshold.
        needed: u8,
    },
    /// Enough groups were started, but this one lacks members.
    #[error("too few shares: group {} has {have} of {needed} needed", one_based(.group_index))]
    TooFewShares {
        /// 0-based group index.
        group_index: u8,
        /// Shares entered for that group.
        have: usize,
        /// Its member threshold.
        needed: u8,
    },
    /// The digest embedded in the shared secret does not match: the shares do not all
    /// come from the same split, or one was altered. (A wrong passphrase is NOT detected
    /// by SLIP-39: it silently yields a different secret.)
    #[error("{}", digest_message(*.group_index))]
    DigestMismatch {
        /// The group whose members disagree (0-based), or `None` when the group secrets
        /// themselves do not fit together.
        group_index: Option<u8>,
    },
    /// The operating system's random number generator failed.
    #[error("the operating system's random number generator failed: {0}")]
    Random(getrandom::Error),
    /// An internal invariant failed: a bug in this module, never a user error.
    #[error("internal error in the SLIP-39 module ({0}): please report this bug")]
    Internal(&'static str),
}

/// People count groups and members from 1; the encoding counts from 0.
fn one_based<T: Copy + Into<u64>>(index: &T) -> u64 {
    (*index).into() + 1
}

fn digest_message(group_index: Option<u8>) -> String {
    match group_index {
        Some(g) => format!(
            "digest check failed: the shares of group {} do not belong together (they come from different splits, or one was altered)",
            one_based(&g)
        ),
        None => "digest check failed: the groups do not belong together (their shares come from different splits, or one was altered)".to_string(),
    }
}
