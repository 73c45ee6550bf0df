//! The transcript's events: one type per kind of record, with its name and its fields.
//!
//! The engine and the steps write these types ([`crate::transcript::Writer::write`]),
//! `records` reads them back for the registry, and `report` reads them back for its
//! sentences. Because all three use the same type, a field or an event renamed here is a
//! compile error wherever it is written or read, and a new event kind must be given a
//! sentence in the report before the crate builds (see `for_each_event`).
//!
//! Invariants:
//! - The JSON a type serialises to is the record the writer has always written: same
//!   field names, same order (the order of the struct's fields), same representation.
//!   Fields the writer leaves out when they are empty or absent say so with
//!   `skip_serializing_if`, and read back as empty or `None` (`default`). Transcripts,
//!   fixtures, golden reports and signatures made before these types existed stay valid.
//!   No field is renamed for serde: a field's name is its JSON key (the report's
//!   sentences rely on it to name the fields they show).
//! - Reading is strict: a record that lacks a field its type has, or whose field has
//!   another type, does not deserialise. Readers treat such a record as one they cannot
//!   read (the report shows it generically, the registry skips it with a note); unknown
//!   extra fields are ignored. The only fields read with a default are those keyrite
//!   added to an event after it first wrote it (each says so), so that transcripts
//!   written before still read.
//! - No field holds a secret: events carry names, digests, fingerprints, counts, paths
//!   and what people typed in public (initials, recorded values). A type that holds a
//!   secret (`MasterSecret`, a share's words, a passphrase) never appears here.
//! - This module is a low layer: it uses only `serde` and [`crate::hygiene`]'s public
//!   report, never the steps, the engine, the records, the report or a front end.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// One kind of record: its name in the `event` field, and its fields.
pub trait Event: Serialize + DeserializeOwned {
    /// The record's `event`.
    const NAME: &'static str;
}

/// An event that ends a transcript; the writer seals it ([`crate::transcript::Writer::end`]).
pub trait EndEvent: Event {}

/// Calls the macro `$callback!` with the names of all event types, in the order of
/// [`ALL`]. Code that must handle every event (the report's sentences) is generated from
/// this list, so a type added here and not handled there does not compile.
macro_rules! for_each_event {
    ($callback:ident) => {
        $callback! {
            CeremonyStarted,
            StepStarted,
            StepDone,
            Completed,
            Aborted,
            VaultWiped,
            Present,
            Confirmed,
            InitialsConfirmed,
            Recorded,
            Acknowledged,
            SecretGenerated,
            SecretSplit,
            Fingerprint,
            ShareEncrypted,
            FileProtected,
            FileUnprotected,
            ShareShown,
            ShareCopyCheckFailed,
            Stored,
            StorageRefused,
            PolicyException,
            ShareChecked,
            ShareCheckFailed,
            SharesChecked,
            ShareEntered,
            SharesCollected,
            SecretRecovered,
            SecretVerified,
            SharesVoided,
            Wiped,
            DeviceIdentity,
            DeviceRequest,
            DeviceError,
            DeviceRetry,
            DeviceChecked,
            SigningRequested,
        }
    };
}
pub(crate) use for_each_event;

macro_rules! names {
    ($($ty:ident),* $(,)?) => {
        /// The name of every event kind, for tests that check each one is handled.
        pub const ALL: &[&str] = &[$(<$ty as Event>::NAME),*];
    };
}
for_each_event!(names);

macro_rules! rewrite {
    ($($ty:ident),* $(,)?) => {
        /// A record's own fields (without `seq`, `at`, `step`, `event`, `prev`, `seal`) read
        /// as the type of event `name` and written again: `None` for an event this version
        /// does not know. For tests that keyrite writes exactly the records it always did.
        #[doc(hidden)]
        pub fn rewrite(
            name: &str,
            fields: serde_json::Map<String, serde_json::Value>,
        ) -> Option<Result<serde_json::Value, serde_json::Error>> {
            fn again<E: Event>(
                fields: serde_json::Map<String, serde_json::Value>,
            ) -> Result<serde_json::Value, serde_json::Error> {
                serde_json::to_value(serde_json::from_value::<E>(fields.into())?)
            }
            match name {
                $(<$ty as Event>::NAME => Some(again::<$ty>(fields)),)*
                _ => None,
            }
        }
    };
}
for_each_event!(rewrite);

macro_rules! event {
    ($ty:ident, $name:literal) => {
        impl Event for $ty {
            const NAME: &'static str = $name;
        }
    };
}

// ---------------------------------------------------------------------------------------
// Written by the engine.

/// The first record: the ceremony, its script, the tool, the people and the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CeremonyStarted {
    /// The ceremony as the script names it.
    pub ceremony: Ceremony,
    /// The script's path and hash.
    pub script: ScriptFile,
    /// The tool that wrote the transcript.
    pub tool: Tool,
    /// The machine's host name.
    pub host: String,
    /// Where the answers come from (`terminal`, `answers:FILE`).
    pub operator: String,
    /// Every role and its person.
    pub roles: Vec<Role>,
    /// The roles that must sign the closed transcript.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signers: Vec<String>,
    /// Pairs of roles the script allows to be one person, with its reasons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub same_person_allowed: Vec<SamePerson>,
    /// The step ids, in order.
    pub steps: Vec<String>,
    /// The process hygiene measures that took effect; the engine always records them,
    /// and only transcripts from before keyrite did lack them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hygiene: Option<crate::hygiene::Hygiene>,
}
event!(CeremonyStarted, "ceremony_started");

/// The ceremony, as its script names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ceremony {
    /// The script's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How often it is rehearsed, as written (`90d`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rehearse_every: Option<String>,
}

/// The script a transcript was made from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptFile {
    /// The path as given to `run`.
    pub path: String,
    /// Its SHA-256; record 0's `prev` is this hash too.
    pub sha256: String,
}

/// The tool that wrote a transcript.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// `keyrite`.
    pub name: String,
    /// Its version.
    pub version: String,
    /// SHA-256 of the running binary, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// A role and its person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// The role id.
    pub id: String,
    /// The person's name.
    pub name: String,
    /// The certificate file, as the script names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cert: Option<String>,
    /// The certificate's fingerprint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

/// Two roles the script allows to be one person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SamePerson {
    /// The two roles.
    pub roles: [String; 2],
    /// Why the script allows it.
    pub reason: String,
}

/// A step begins.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepStarted {
    /// Its number in the script, from 1.
    pub number: usize,
    /// Its kind (`attend`, `split`, ...).
    pub kind: String,
    /// Its title.
    pub title: String,
}
event!(StepStarted, "step_started");

/// A step has finished.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepDone {
    /// Its kind.
    pub kind: String,
}
event!(StepDone, "step_done");

/// The end record of a ceremony that ran to the end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completed {
    /// Steps finished.
    pub steps_done: usize,
    /// Steps in the script.
    pub steps_total: usize,
}
event!(Completed, "completed");
impl EndEvent for Completed {}

/// The end record of a ceremony that was stopped, or whose step failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Aborted {
    /// Why; a failed step's reason starts with `failed: `.
    pub reason: String,
    /// Steps finished.
    pub steps_done: usize,
    /// Steps in the script.
    pub steps_total: usize,
}
event!(Aborted, "aborted");
impl EndEvent for Aborted {}

/// Names still in memory when the ceremony ended, wiped then.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultWiped {
    /// The secrets, share sets and collections wiped.
    pub names: Vec<String>,
}
event!(VaultWiped, "vault_wiped");

// ---------------------------------------------------------------------------------------
// People.

/// A role confirmed they are present (`attend`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Present {
    /// The role.
    pub role: String,
    /// The person's name.
    pub name: String,
    /// The initials typed.
    pub initials: String,
}
event!(Present, "present");

/// A role confirmed a statement (`confirm`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmed {
    /// The role.
    pub role: String,
    /// The person's name.
    pub name: String,
    /// The initials typed.
    pub initials: String,
    /// The statement, with recorded values filled in.
    pub text: String,
}
event!(Confirmed, "confirmed");

/// Initials that are not a role's were confirmed by the officer as typed by that person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitialsConfirmed {
    /// The role whose initials differ.
    pub role: String,
    /// The initials they typed.
    pub typed: String,
    /// The initials expected of them, in words.
    pub expected: String,
    /// The officer who vouched.
    pub officer: String,
    /// The officer's own initials.
    pub officer_initials: String,
}
event!(InitialsConfirmed, "initials_confirmed");

/// A value typed in for a field (`record`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    /// The field.
    pub field: String,
    /// The value.
    pub value: String,
}
event!(Recorded, "recorded");

/// The operator acknowledged a note.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledged {
    /// The note, with recorded values filled in.
    pub text: String,
}
event!(Acknowledged, "acknowledged");

// ---------------------------------------------------------------------------------------
// Secrets and shares.

/// How dice rolls were mixed with the OS random bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mix {
    /// HKDF-SHA256.
    Hkdf,
    /// SHA-256, truncated.
    Sha256,
}

/// A secret was generated (`generate_secret`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretGenerated {
    /// Its name.
    pub secret: String,
    /// Its size.
    pub bits: u16,
    /// Where its entropy came from (`os_random`, `dice`).
    pub sources: Vec<String>,
    /// How many dice rolls were typed (never the rolls).
    pub dice_rolls: usize,
    /// How the rolls were mixed in, when there were any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mix: Option<Mix>,
}
event!(SecretGenerated, "secret_generated");

/// A secret was split into SLIP-39 shares (`split`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretSplit {
    /// The secret's name.
    pub secret: String,
    /// The share set's name.
    pub into: String,
    /// The SLIP-39 identifier.
    pub identifier: u16,
    /// SLIP-39's extendable flag.
    pub extendable: bool,
    /// SLIP-39's iteration exponent.
    pub iteration_exponent: u8,
    /// Groups needed to recover.
    pub group_threshold: u8,
    /// Each group.
    pub groups: Vec<SplitGroup>,
    /// Whether a passphrase was set.
    pub passphrase: bool,
    /// Each share, group by group.
    pub shares: Vec<SplitShare>,
}
event!(SecretSplit, "secret_split");

/// A group of a split.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitGroup {
    /// Shares of the group needed.
    pub threshold: u8,
    /// Shares in the group.
    pub count: usize,
    /// Their holders, in member order.
    pub holders: Vec<String>,
}

/// A share of a split, by its digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitShare {
    /// Group, from 1.
    pub group: u64,
    /// Member, from 1.
    pub member: u64,
    /// Its holder.
    pub holder: String,
    /// Hex SHA-256 of its words.
    pub digest: String,
}

/// Which Bitcoin network an xpub is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Network {
    /// Mainnet.
    Bitcoin,
    /// Testnet, signet and regtest.
    Testnet,
}

/// A secret's public identity (`fingerprint`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// The secret's name.
    pub secret: String,
    /// The network of the xpub.
    pub network: Network,
    /// BIP-32 master fingerprint, 8 hex digits.
    pub master_fingerprint: String,
    /// The derivation path of `xpub`.
    pub path: String,
    /// The extended public key at `path`.
    pub xpub: String,
}
event!(Fingerprint, "fingerprint");

/// A share was written to a file, encrypted to its holder (`encrypt_shares`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareEncrypted {
    /// The share set.
    pub set: String,
    /// Group, from 1.
    pub group: u64,
    /// Member, from 1.
    pub member: u64,
    /// Its holder.
    pub holder: String,
    /// Hex SHA-256 of its words.
    pub digest: String,
    /// The file written.
    pub file: String,
    /// Its SHA-256.
    pub file_sha256: String,
    /// The fingerprints of the certificates it is encrypted to.
    pub recipients: Vec<String>,
}
event!(ShareEncrypted, "share_encrypted");

/// A file was encrypted with a new key, which became a secret (`protect_file`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileProtected {
    /// The input file.
    pub file: String,
    /// Its size.
    pub file_bytes: usize,
    /// Its SHA-256.
    pub file_sha256: String,
    /// The key's name in memory.
    pub key: String,
    /// The key's size.
    pub key_bits: usize,
    /// The encrypted file written.
    pub output: String,
    /// Its SHA-256.
    pub output_sha256: String,
    /// The encryption, in words.
    pub encryption: String,
}
event!(FileProtected, "file_protected");

/// A protected file was opened in memory and compared with the original
/// (`unprotect_file`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileUnprotected {
    /// The encrypted file.
    pub file: String,
    /// Its SHA-256.
    pub file_sha256: String,
    /// The key's name in memory.
    pub key: String,
    /// The size of what it decrypted to.
    pub plaintext_bytes: usize,
    /// Its SHA-256.
    pub plaintext_sha256: String,
    /// The SHA-256 the original had.
    pub expected_sha256: String,
    /// Whether the two are the same.
    pub matches: bool,
}
event!(FileUnprotected, "file_unprotected");

/// A share was shown to its holder, who wrote it down (`show_shares`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareShown {
    /// The share set.
    pub set: String,
    /// Group, from 1.
    pub group: u64,
    /// Member, from 1.
    pub member: u64,
    /// Its holder.
    pub holder: String,
    /// Hex SHA-256 of its words.
    pub digest: String,
    /// How many words it has.
    pub words: usize,
    /// How many of them were checked against the written copy.
    pub check_words: usize,
    /// The copy check: `passed` or `not asked`.
    pub check: String,
    /// How many times it was shown (0 in transcripts from before keyrite recorded it,
    /// as in the report fixtures: they read as they were written).
    #[serde(default)]
    pub shown: usize,
    /// Wrong check words typed, in all (0 in transcripts from before keyrite recorded
    /// it).
    #[serde(default)]
    pub failed_checks: usize,
    /// The word numbers (never the words) typed wrong, one entry a try.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed_words: Vec<usize>,
}
event!(ShareShown, "share_shown");

/// A holder's copy failed its check word three times; the share is shown again or the
/// ceremony stops.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareCopyCheckFailed {
    /// The share set.
    pub set: String,
    /// Group, from 1.
    pub group: u64,
    /// Member, from 1.
    pub member: u64,
    /// Its holder.
    pub holder: String,
    /// The word number that did not match.
    pub word: usize,
    /// Tries given.
    pub tries: usize,
    /// How many times the share had been shown.
    pub shown: usize,
}
event!(ShareCopyCheckFailed, "share_copy_check_failed");

/// A share, named by set, group and member, in storage records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareRef {
    /// The share set.
    pub set: String,
    /// Group, from 1.
    pub group: u64,
    /// Member, from 1.
    pub member: u64,
    /// Its holder, as its split gave it.
    pub holder: String,
    /// Hex SHA-256 of its words.
    pub digest: String,
}

/// Where an item is kept (`record_storage`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stored {
    /// The item's label.
    pub item: String,
    /// The share, when the item is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<ShareRef>,
    /// The storage fields and their values, by field name.
    pub location: BTreeMap<String, String>,
}
event!(Stored, "stored");

/// A place the storage policy refused for an item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageRefused {
    /// The item's label.
    pub item: String,
    /// The share, when the item is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<ShareRef>,
    /// The rule (`spread_across`, `seal_required`, `holder`).
    pub rule: String,
    /// The storage field concerned.
    pub field: String,
    /// The value typed.
    pub value: String,
    /// The policy's sentence.
    pub detail: String,
}
event!(StorageRefused, "storage_refused");

/// A rule a placement broke, in a policy exception.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The rule.
    pub rule: String,
    /// The storage field concerned.
    pub field: String,
    /// The value typed.
    pub value: String,
    /// The policy's sentence.
    pub detail: String,
}

/// Someone who confirmed a policy exception.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmer {
    /// The role.
    pub role: String,
    /// The person's name.
    pub name: String,
    /// Their initials.
    pub initials: String,
}

/// A refused placement stored anyway, with a reason the policy's confirmers confirmed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyException {
    /// The item's label.
    pub item: String,
    /// The share, when the item is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<ShareRef>,
    /// The rules it excuses.
    pub rules: Vec<Violation>,
    /// Why.
    pub reason: String,
    /// Who confirmed it.
    pub confirmed_by: Vec<Confirmer>,
}
event!(PolicyException, "policy_exception");

/// The encrypted file a share was decrypted from, in the records of the steps that read
/// shares from files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FromFile {
    /// The file.
    pub file: String,
    /// Its SHA-256.
    pub file_sha256: String,
    /// The fingerprint of the key that decrypted it, or `outside` (decrypted elsewhere
    /// and typed in).
    pub decrypted_by: String,
}

/// A holder's share matched the digest recorded at its split (`check_shares`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareChecked {
    /// The secret's master fingerprint.
    pub secret: String,
    /// The SLIP-39 identifier of its split.
    pub identifier: u16,
    /// Group, from 1.
    pub group: u64,
    /// Member, from 1.
    pub member: u64,
    /// Its holder.
    pub holder: String,
    /// Hex SHA-256 of its words.
    pub digest: String,
    /// Who checked it.
    pub checked_by: String,
    /// The ceremonies whose records placed it.
    pub placed_by: String,
    /// The file it was decrypted from, if it was.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub from_file: Option<FromFile>,
}
event!(ShareChecked, "share_checked");

/// A holder's share could not be checked after three tries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareCheckFailed {
    /// The secret's master fingerprint.
    pub secret: String,
    /// The SLIP-39 identifier of its split.
    pub identifier: u16,
    /// Group, from 1.
    pub group: u64,
    /// Member, from 1.
    pub member: u64,
    /// Its holder.
    pub holder: String,
    /// The digest recorded at its split.
    pub digest: String,
    /// What was wrong with the last try.
    pub reason: String,
}
event!(ShareCheckFailed, "share_check_failed");

/// The end of a share check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharesChecked {
    /// The secret's master fingerprint.
    pub secret: String,
    /// Its live shares.
    pub live: usize,
    /// How many passed.
    pub checked: usize,
    /// How many failed.
    pub failed: usize,
}
event!(SharesChecked, "shares_checked");

/// A holder entered a share to recover from (`collect_shares`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareEntered {
    /// The collection.
    pub collection: String,
    /// Group, from 1.
    pub group: u64,
    /// Member, from 1.
    pub member: u64,
    /// Hex SHA-256 of its words.
    pub digest: String,
    /// Who entered it.
    pub entered_by: String,
    /// The SLIP-39 identifier of its split.
    pub identifier: u16,
    /// The file it was decrypted from, if it was.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub from_file: Option<FromFile>,
}
event!(ShareEntered, "share_entered");

/// Enough shares were entered to recover.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharesCollected {
    /// The collection.
    pub collection: String,
    /// Shares entered.
    pub shares: usize,
    /// Groups with enough shares.
    pub groups_complete: u8,
    /// Groups needed.
    pub groups_needed: u8,
}
event!(SharesCollected, "shares_collected");

/// A secret was rebuilt from collected shares (`recover`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretRecovered {
    /// The collection.
    pub from: String,
    /// The secret's name.
    pub secret: String,
    /// Shares used.
    pub shares_used: usize,
    /// Whether a passphrase was given.
    pub passphrase: bool,
    /// Its size.
    pub bits: usize,
}
event!(SecretRecovered, "secret_recovered");

/// A secret's fingerprint was compared with the expected one (`verify_secret`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretVerified {
    /// The secret's name.
    pub secret: String,
    /// Its master fingerprint.
    pub fingerprint: String,
    /// The one expected.
    pub expected: String,
    /// Whether they are the same.
    pub matches: bool,
}
event!(SecretVerified, "secret_verified");

/// Earlier shares of a secret are void from now on (`void_shares`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharesVoided {
    /// The secret's master fingerprint.
    pub secret: String,
    /// Its name in this ceremony.
    pub name: String,
    /// The SLIP-39 identifier of the split they came from.
    pub identifier: u16,
    /// The ceremony whose records placed them.
    pub placed_by: String,
    /// Why.
    pub reason: String,
    /// Their digests.
    pub digests: Vec<String>,
}
event!(SharesVoided, "shares_voided");

/// Names wiped from memory (`wipe`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wiped {
    /// The secrets, share sets and collections wiped.
    pub names: Vec<String>,
}
event!(Wiped, "wiped");

// ---------------------------------------------------------------------------------------
// Hardware wallets (`device`).

/// What a device said about itself, on one attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceIdentity {
    /// The attempt, from 1.
    pub attempt: u32,
    /// The driver.
    pub driver: String,
    /// The port.
    pub port: String,
    /// Board type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub board: Option<String>,
    /// Firmware version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firmware: Option<String>,
    /// Wallet state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Networks the wallet is locked to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub networks: Option<String>,
    /// Firmware configuration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    /// The chip's MAC address, a hardware serial.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// The USB serial number of the port.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usb_serial: Option<String>,
}
event!(DeviceIdentity, "device_identity");

/// One request to a device and a digest of its reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRequest {
    /// The attempt, from 1.
    pub attempt: u32,
    /// The method or command word.
    pub method: String,
    /// SHA-256 of the reply's bytes.
    pub reply_sha256: String,
    /// The reply's length.
    pub reply_bytes: usize,
    /// Bytes skipped before the reply (garbage, logs).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skipped_bytes: usize,
}
event!(DeviceRequest, "device_request");

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// An attempt to ask a device failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceError {
    /// The attempt, from 1.
    pub attempt: u32,
    /// What went wrong.
    pub error: String,
    /// Whether the room was offered another attempt.
    pub retry_offered: bool,
}
event!(DeviceError, "device_error");

/// What the room chose after a failed attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRetry {
    /// The attempt that failed.
    pub attempt: u32,
    /// `retry` or `give up`.
    pub choice: String,
}
event!(DeviceRetry, "device_retry");

/// What a device showed, compared with what it should hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceChecked {
    /// The step's action (`probe`, `check_fingerprint`, ...).
    pub action: String,
    /// The ceremony's secret it must hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The derivation path asked about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The network asked about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<Network>,
    /// The fingerprint or xpub expected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// The master fingerprint the device gave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_fingerprint: Option<String>,
    /// The xpub the device gave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_xpub: Option<String>,
    /// The test message signed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The device's signature of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Whether the signature verifies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature_verified: Option<bool>,
    /// Whether the device holds what it should.
    pub matches: bool,
}
event!(DeviceChecked, "device_checked");

// ---------------------------------------------------------------------------------------
// Signing.

/// The roles asked to sign the closed transcript (`sign_transcript`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningRequested {
    /// Each signer and the certificate they sign with.
    pub signers: Vec<Signer>,
    /// The detached signature file.
    pub signature_file: String,
}
event!(SigningRequested, "signing_requested");

/// A signer and their certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    /// The role.
    pub role: String,
    /// The certificate's fingerprint (empty when the role has none).
    pub fingerprint: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::RESERVED_FIELDS;

    #[test]
    fn names_are_distinct() {
        let mut names = ALL.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len(), "two event types share a name");
    }

    /// The first record reads back as written, and its fields leave the writer's own
    /// names (`seq`, `event`, ...) alone.
    #[test]
    fn a_start_record_reads_back_as_written() {
        let started = CeremonyStarted {
            ceremony: Ceremony {
                id: "c".into(),
                title: "t".into(),
                description: Some("d".into()),
                rehearse_every: Some("90d".into()),
            },
            script: ScriptFile {
                path: "p".into(),
                sha256: "s".into(),
            },
            tool: Tool {
                name: "keyrite".into(),
                version: "0".into(),
                sha256: None,
            },
            host: "h".into(),
            operator: "o".into(),
            roles: Vec::new(),
            signers: vec!["officer".into()],
            same_person_allowed: Vec::new(),
            steps: vec!["a".into()],
            hygiene: Some(crate::hygiene::Hygiene {
                core_dumps_off: true,
                memory_locked: false,
                notes: Vec::new(),
            }),
        };
        let value = serde_json::to_value(&started).expect("serialises");
        let fields = value.as_object().expect("an object");
        assert!(fields
            .keys()
            .all(|k| !RESERVED_FIELDS.contains(&k.as_str())));
        let back: CeremonyStarted = serde_json::from_value(value).expect("reads back");
        assert_eq!(back, started);
    }

    /// Fields the writer leaves out read back as absent, and a record without a
    /// required field does not read.
    #[test]
    fn left_out_fields_read_back_and_missing_ones_do_not() {
        let shown = ShareShown {
            set: "s".into(),
            group: 1,
            member: 2,
            holder: "h".into(),
            digest: "ab".into(),
            words: 20,
            check_words: 3,
            check: "passed".into(),
            shown: 1,
            failed_checks: 0,
            failed_words: Vec::new(),
        };
        let text = serde_json::to_string(&shown).expect("serialises");
        assert_eq!(
            text,
            r#"{"set":"s","group":1,"member":2,"holder":"h","digest":"ab","words":20,"check_words":3,"check":"passed","shown":1,"failed_checks":0}"#
        );
        assert_eq!(serde_json::from_str::<ShareShown>(&text).ok(), Some(shown));
        let checked = r#"{"secret":"0d136510","identifier":7,"group":1,"member":2,"holder":"h","digest":"ab","checked_by":"h","placed_by":"genesis","file":"f.asc","file_sha256":"cd","decrypted_by":"outside"}"#;
        let read: ShareChecked = serde_json::from_str(checked).expect("reads");
        assert_eq!(
            read.from_file.as_ref().map(|f| f.decrypted_by.as_str()),
            Some("outside")
        );
        assert_eq!(serde_json::to_string(&read).expect("serialises"), checked);
        assert!(serde_json::from_str::<ShareChecked>(r#"{"secret":"0d136510"}"#).is_err());
    }
}
