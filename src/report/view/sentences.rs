//! What the report says about each kind of record: one [`Sentence`] per event type of
//! [`crate::transcript::events`].
//!
//! A record is read as its event's type; a sentence then says it in words and lists the
//! fields it shows, or takes it into the report's structure (a step's start and end, a
//! confirmation, the end record). The sentences also feed the typed views (splits,
//! storage) and the exceptions their records concern.
//!
//! Invariants:
//! - [`say`] is generated from [`events::for_each_event`]: an event type without a
//!   `Sentence` does not compile, so every event kind is said.
//! - A record that does not read as its event's type, or that a sentence cannot say (a
//!   confirmation with fields a confirmation does not have), is left to the builder,
//!   which shows it generically. Nothing here fails or panics on a record's content.
//! - The fields a sentence lists as shown are checked against its type ([`shown!`]): a
//!   field renamed in `events` is a compile error here, never a field said twice.

use serde_json::{Map, Value};

use super::build::{rest, Builder};
use super::{Confirmation, FieldView, ShareRef, SplitView, StoredView};
use crate::transcript::events::{self, Event};

/// A record as a sentence sees it: when, in which step, and all its fields.
pub(super) struct Record<'a> {
    /// Its time.
    pub(super) at: &'a str,
    /// Its step.
    pub(super) step: Option<&'a str>,
    /// Every field, the writer's own included.
    pub(super) fields: &'a Map<String, Value>,
}

/// What the report makes of a record it could read.
pub(super) enum Said {
    /// Taken into the report's structure: the record is not listed as a fact.
    Structure,
    /// A fact with this sentence; the record's fields not in `shown` are listed beside it.
    Sentence {
        /// The sentence.
        text: String,
        /// The fields it shows.
        shown: &'static [&'static str],
    },
}

/// One kind of record, said in words.
pub(super) trait Sentence: Event {
    /// What the report makes of the record `r`, read as `self`; `None` when it cannot be
    /// said (it is then shown generically).
    fn say(self, b: &mut Builder, r: &Record<'_>) -> Option<Said>;
}

/// The record's fields read as event `E`; `None` when they do not fit its type.
pub(super) fn read<E: Event>(fields: &Map<String, Value>) -> Option<E> {
    serde_json::from_value(Value::Object(fields.clone())).ok()
}

fn say_as<E: Sentence>(b: &mut Builder, r: &Record<'_>) -> Option<Said> {
    read::<E>(r.fields)?.say(b, r)
}

macro_rules! dispatch {
    ($($ty:ident),* $(,)?) => {
        /// What the report makes of a record of the event `name`; `None` for an event it
        /// does not know or a record that does not read as its event's type.
        pub(super) fn say(name: &str, b: &mut Builder, r: &Record<'_>) -> Option<Said> {
            match name {
                $(events::$ty::NAME => say_as::<events::$ty>(b, r),)*
                _ => None,
            }
        }
    };
}
events::for_each_event!(dispatch);

/// The names of the fields a sentence shows, as `&'static [&'static str]`, each checked
/// to be a field of `Self` (the event type; none of them is renamed for serde, so the
/// field's name is its JSON key).
macro_rules! shown {
    ($($field:ident),* $(,)?) => {{
        let _fields_of_self = |e: &Self| {
            $(let _ = &e.$field;)*
        };
        const SHOWN: &[&str] = &[$(stringify!($field)),*];
        SHOWN
    }};
}

fn sentence(text: String, shown: &'static [&'static str]) -> Option<Said> {
    Some(Said::Sentence { text, shown })
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn matches_text(b: bool) -> &'static str {
    if b {
        "matches"
    } else {
        "DOES NOT MATCH"
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn share_name(set: &str, group: u64, member: u64) -> String {
    format!("share {group}-{member} of `{set}`")
}

fn network_name(n: events::Network) -> &'static str {
    match n {
        events::Network::Bitcoin => "bitcoin",
        events::Network::Testnet => "testnet",
    }
}

/// A share as the report's views name it.
fn share_ref(
    b: &Builder,
    set: &str,
    group: u64,
    member: u64,
    holder: &str,
    digest: &str,
) -> ShareRef {
    ShareRef {
        set: set.to_string(),
        group: group.to_string(),
        member: member.to_string(),
        holder: holder.to_string(),
        holder_name: b.holder_name(holder),
        digest: digest.to_string(),
    }
}

/// Takes a confirmation into its step, unless the record has fields a confirmation does
/// not show, or is outside any step: then it is a fact of its own, shown generically.
fn confirm(
    b: &mut Builder,
    r: &Record<'_>,
    c: Confirmation,
    shown: &'static [&'static str],
) -> Option<Said> {
    if !rest(r.fields, shown).is_empty() {
        return None;
    }
    b.step_mut(r.step)?.report.confirmations.push(c);
    Some(Said::Structure)
}

// ---------------------------------------------------------------------------------------
// The report's structure.

impl Sentence for events::CeremonyStarted {
    /// The first record is the ceremony's own ([`super::build`] reads it); another one
    /// anywhere else is not the writer's, and is shown generically.
    fn say(self, _: &mut Builder, _: &Record<'_>) -> Option<Said> {
        None
    }
}

impl Sentence for events::StepStarted {
    fn say(self, b: &mut Builder, r: &Record<'_>) -> Option<Said> {
        let id = r.step.unwrap_or_default().to_string();
        b.start_step(
            id,
            self.number.to_string(),
            Some(self.title),
            Some(self.kind),
            r.at,
        );
        Some(Said::Structure)
    }
}

impl Sentence for events::StepDone {
    /// Ends its step; a step that never started has it shown generically.
    fn say(self, b: &mut Builder, r: &Record<'_>) -> Option<Said> {
        let s = b.step_mut(r.step)?;
        s.done = true;
        s.report.ended = Some(r.at.to_string());
        Some(Said::Structure)
    }
}

impl Sentence for events::Completed {
    /// The end record's own counts; the verifier keeps only its outcome.
    fn say(self, b: &mut Builder, _: &Record<'_>) -> Option<Said> {
        let outcome = &mut b.ceremony.outcome;
        outcome.steps_done = Some(self.steps_done.to_string());
        outcome.steps_total = Some(self.steps_total.to_string());
        Some(Said::Structure)
    }
}

impl Sentence for events::Aborted {
    /// The end record's own counts; its reason is the verifier's outcome.
    fn say(self, b: &mut Builder, _: &Record<'_>) -> Option<Said> {
        let outcome = &mut b.ceremony.outcome;
        outcome.steps_done = Some(self.steps_done.to_string());
        outcome.steps_total = Some(self.steps_total.to_string());
        Some(Said::Structure)
    }
}

impl Sentence for events::Present {
    /// A presence counts for the participant even when the record is shown generically.
    fn say(self, b: &mut Builder, r: &Record<'_>) -> Option<Said> {
        let c = Confirmation {
            role: self.role,
            name: self.name,
            initials: self.initials,
            at: r.at.to_string(),
            text: None,
        };
        b.presence(&c);
        confirm(b, r, c, shown!(role, name, initials))
    }
}

impl Sentence for events::Confirmed {
    fn say(self, b: &mut Builder, r: &Record<'_>) -> Option<Said> {
        let c = Confirmation {
            role: self.role,
            name: self.name,
            initials: self.initials,
            at: r.at.to_string(),
            text: Some(self.text),
        };
        confirm(b, r, c, shown!(role, name, initials, text))
    }
}

// ---------------------------------------------------------------------------------------
// Sentences.

impl Sentence for events::VaultWiped {
    fn say(self, _: &mut Builder, _: &Record<'_>) -> Option<Said> {
        sentence(
            format!(
                "still in memory at the end, and wiped: {}",
                self.names.join(", ")
            ),
            shown!(names),
        )
    }
}

impl Sentence for events::InitialsConfirmed {
    fn say(self, b: &mut Builder, r: &Record<'_>) -> Option<Said> {
        let line = format!(
            "`{}` typed by {} are not their initials ({}); {} confirmed they typed them, with the initials `{}`",
            self.typed,
            b.who(&self.role),
            self.expected,
            b.who(&self.officer),
            self.officer_initials
        );
        b.exception(
            r.at,
            r.step,
            "initials confirmed by the officer",
            line.clone(),
        );
        sentence(
            line,
            shown!(role, typed, expected, officer, officer_initials),
        )
    }
}

impl Sentence for events::Recorded {
    fn say(self, _: &mut Builder, _: &Record<'_>) -> Option<Said> {
        sentence(
            format!("{} = {}", self.field, self.value),
            shown!(field, value),
        )
    }
}

impl Sentence for events::Acknowledged {
    fn say(self, _: &mut Builder, _: &Record<'_>) -> Option<Said> {
        sentence(format!("acknowledged: {}", self.text), shown!(text))
    }
}

impl Sentence for events::SecretGenerated {
    fn say(self, _: &mut Builder, _: &Record<'_>) -> Option<Said> {
        sentence(
            format!(
                "generated the {}-bit secret `{}` from {}",
                self.bits,
                self.secret,
                self.sources.join(" + ")
            ),
            shown!(bits, secret, sources),
        )
    }
}

impl Sentence for events::SecretSplit {
    /// Also the split's own view: its scheme, its other parameters and its shares.
    fn say(self, b: &mut Builder, r: &Record<'_>) -> Option<Said> {
        let shown = shown!(secret, into, groups, shares, identifier, group_threshold);
        let parts: Vec<String> = self
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| format!("group {}: {} of {}", i + 1, g.threshold, g.count))
            .collect();
        let scheme = format!(
            "{} of {} group{} ({})",
            self.group_threshold,
            self.groups.len(),
            plural(self.groups.len()),
            parts.join("; ")
        );
        let shares: Vec<ShareRef> = self
            .shares
            .iter()
            .map(|s| share_ref(b, &self.into, s.group, s.member, &s.holder, &s.digest))
            .collect();
        let line = format!(
            "split `{}` into `{}` (SLIP-39 identifier {}): {scheme}, {} shares",
            self.secret,
            self.into,
            self.identifier,
            shares.len()
        );
        b.secrets.splits.push(SplitView {
            at: r.at.to_string(),
            step: r.step.map(str::to_string),
            secret: self.secret,
            into: self.into,
            identifier: self.identifier.to_string(),
            scheme,
            parameters: rest(r.fields, shown),
            shares,
        });
        sentence(line, shown)
    }
}

impl Sentence for events::Fingerprint {
    fn say(self, _: &mut Builder, _: &Record<'_>) -> Option<Said> {
        sentence(
            format!(
                "`{}`: master fingerprint {}, {} at {}: {}",
                self.secret,
                self.master_fingerprint,
                network_name(self.network),
                self.path,
                self.xpub
            ),
            shown!(secret, master_fingerprint, network, path, xpub),
        )
    }
}

impl Sentence for events::ShareEncrypted {
    fn say(self, b: &mut Builder, _: &Record<'_>) -> Option<Said> {
        sentence(
            format!(
                "{} for {} encrypted to {} (SHA-256 {}) for {}",
                share_name(&self.set, self.group, self.member),
                b.who(&self.holder),
                self.file,
                self.file_sha256,
                self.recipients.join(", ")
            ),
            shown!(group, member, set, holder, file, file_sha256, recipients),
        )
    }
}

impl Sentence for events::FileProtected {
    fn say(self, _: &mut Builder, _: &Record<'_>) -> Option<Said> {
        sentence(
            format!(
                "{} (SHA-256 {}) protected with the key `{}` into {} (SHA-256 {})",
                self.file, self.file_sha256, self.key, self.output, self.output_sha256
            ),
            shown!(file, file_sha256, key, output, output_sha256),
        )
    }
}

impl Sentence for events::FileUnprotected {
    fn say(self, b: &mut Builder, r: &Record<'_>) -> Option<Said> {
        let line = format!(
            "{} (SHA-256 {}) opened with the key `{}`: its content has SHA-256 {}, expected {}: {}",
            self.file,
            self.file_sha256,
            self.key,
            self.plaintext_sha256,
            self.expected_sha256,
            matches_text(self.matches)
        );
        if !self.matches {
            b.exception(r.at, r.step, "protected file mismatch", line.clone());
        }
        sentence(
            line,
            shown!(
                file,
                file_sha256,
                key,
                plaintext_sha256,
                expected_sha256,
                matches
            ),
        )
    }
}

impl Sentence for events::ShareShown {
    fn say(self, b: &mut Builder, r: &Record<'_>) -> Option<Said> {
        let line = format!(
            "{} shown to {}; the written copy's check: {}",
            share_name(&self.set, self.group, self.member),
            b.who(&self.holder),
            self.check
        );
        if self.check != "passed" {
            b.exception(r.at, r.step, "share copy check", line.clone());
        }
        sentence(line, shown!(check, group, member, set, holder))
    }
}

impl Sentence for events::ShareCopyCheckFailed {
    fn say(self, b: &mut Builder, r: &Record<'_>) -> Option<Said> {
        let line = format!(
            "the copy of {} by {} failed its check: word {} did not match in {} tries (the share was shown {} time{} so far)",
            share_name(&self.set, self.group, self.member),
            b.who(&self.holder),
            self.word,
            self.tries,
            self.shown,
            plural(self.shown)
        );
        b.exception(r.at, r.step, "share copy check", line.clone());
        sentence(line, shown!(set, group, member, holder, word, tries, shown))
    }
}

impl Sentence for events::Stored {
    /// Also the storage view, marked when a policy exception allowed the placement.
    fn say(self, b: &mut Builder, r: &Record<'_>) -> Option<Said> {
        let location: Vec<FieldView> = self
            .location
            .into_iter()
            .map(|(name, value)| FieldView { name, value })
            .collect();
        let share = self
            .share
            .map(|s| share_ref(b, &s.set, s.group, s.member, &s.holder, &s.digest));
        let place: Vec<String> = location
            .iter()
            .map(|f| format!("{}: {}", f.name, f.value))
            .collect();
        let line = format!("{} stored at {}", self.item, place.join(", "));
        let by_exception = std::mem::take(&mut b.exception_pending);
        b.storage.push(StoredView {
            at: r.at.to_string(),
            step: r.step.map(str::to_string),
            item: self.item,
            share,
            location,
            by_exception,
        });
        sentence(line, shown!(item, location, share))
    }
}

impl Sentence for events::StorageRefused {
    fn say(self, b: &mut Builder, r: &Record<'_>) -> Option<Said> {
        let line = format!(
            "placing {} was refused by the rule `{}`: {}",
            self.item, self.rule, self.detail
        );
        b.exception(r.at, r.step, "storage refused", line.clone());
        sentence(line, shown!(item, rule, detail))
    }
}

impl Sentence for events::PolicyException {
    /// The next `stored` record is the placement it allows.
    fn say(self, b: &mut Builder, r: &Record<'_>) -> Option<Said> {
        let who: Vec<String> = self
            .confirmed_by
            .iter()
            .map(|c| format!("{} [{}]", b.who(&c.role), c.initials))
            .collect();
        let broken: Vec<String> = self
            .rules
            .iter()
            .map(|rule| format!("rule `{}`: {}", rule.rule, rule.detail))
            .collect();
        let line = format!(
            "policy exception for {} ({}); reason: {}; confirmed by {}",
            self.item,
            broken.join("; "),
            self.reason,
            who.join(", ")
        );
        b.exception(r.at, r.step, "policy exception", line.clone());
        b.exception_pending = true;
        sentence(line, shown!(confirmed_by, rules, item, reason))
    }
}

impl Sentence for events::ShareChecked {
    fn say(self, b: &mut Builder, _: &Record<'_>) -> Option<Said> {
        sentence(
            format!(
                "share {}-{} of secret {} held by {} matches its recorded digest (checked by {})",
                self.group,
                self.member,
                self.secret,
                b.who(&self.holder),
                b.who(&self.checked_by)
            ),
            shown!(group, member, secret, holder, checked_by),
        )
    }
}

impl Sentence for events::ShareCheckFailed {
    fn say(self, b: &mut Builder, r: &Record<'_>) -> Option<Said> {
        let line = format!(
            "share {}-{} of secret {} held by {} FAILED its check: {}",
            self.group,
            self.member,
            self.secret,
            b.who(&self.holder),
            self.reason
        );
        b.exception(r.at, r.step, "share check failed", line.clone());
        sentence(line, shown!(group, member, secret, holder, reason))
    }
}

impl Sentence for events::SharesChecked {
    fn say(self, _: &mut Builder, _: &Record<'_>) -> Option<Said> {
        sentence(
            format!(
                "secret {}: {} of {} live shares checked, {} failed",
                self.secret, self.checked, self.live, self.failed
            ),
            shown!(secret, checked, live, failed),
        )
    }
}

impl Sentence for events::ShareEntered {
    fn say(self, b: &mut Builder, _: &Record<'_>) -> Option<Said> {
        sentence(
            format!(
                "share {}-{} (SHA-256 {}) entered into `{}` by {}",
                self.group,
                self.member,
                self.digest,
                self.collection,
                b.who(&self.entered_by)
            ),
            shown!(group, member, digest, collection, entered_by),
        )
    }
}

impl Sentence for events::SharesCollected {
    fn say(self, _: &mut Builder, _: &Record<'_>) -> Option<Said> {
        sentence(
            format!(
                "{} shares collected into `{}`: {} of {} groups needed are complete",
                self.shares, self.collection, self.groups_complete, self.groups_needed
            ),
            shown!(shares, collection, groups_complete, groups_needed),
        )
    }
}

impl Sentence for events::SecretRecovered {
    fn say(self, _: &mut Builder, _: &Record<'_>) -> Option<Said> {
        sentence(
            format!(
                "recovered the {}-bit secret `{}` from `{}` with {} shares",
                self.bits, self.secret, self.from, self.shares_used
            ),
            shown!(bits, secret, from, shares_used),
        )
    }
}

impl Sentence for events::SecretVerified {
    fn say(self, b: &mut Builder, r: &Record<'_>) -> Option<Said> {
        let line = format!(
            "`{}` has fingerprint {}, expected {}: {}",
            self.secret,
            self.fingerprint,
            self.expected,
            matches_text(self.matches)
        );
        if !self.matches {
            b.exception(r.at, r.step, "fingerprint mismatch", line.clone());
        }
        sentence(line, shown!(matches, secret, fingerprint, expected))
    }
}

impl Sentence for events::SharesVoided {
    fn say(self, _: &mut Builder, _: &Record<'_>) -> Option<Said> {
        sentence(
            format!(
                "{} shares of secret {} (SLIP-39 id {}) are void from here on: {}",
                self.digests.len(),
                self.secret,
                self.identifier,
                self.reason
            ),
            shown!(digests, secret, identifier, reason),
        )
    }
}

impl Sentence for events::Wiped {
    fn say(self, _: &mut Builder, _: &Record<'_>) -> Option<Said> {
        sentence(
            format!("wiped from memory: {}", self.names.join(", ")),
            shown!(names),
        )
    }
}

// ---------------------------------------------------------------------------------------
// Hardware wallets.

impl Sentence for events::DeviceIdentity {
    /// Board and firmware are said when the device gave them (a Jade does); the other
    /// facts it gave are listed beside the sentence.
    fn say(self, _: &mut Builder, _: &Record<'_>) -> Option<Said> {
        let mut line = format!("attempt {}: {} on {}", self.attempt, self.driver, self.port);
        if let Some(board) = &self.board {
            line.push_str(&format!(", board {board}"));
        }
        if let Some(firmware) = &self.firmware {
            line.push_str(&format!(", firmware {firmware}"));
        }
        sentence(line, shown!(attempt, driver, port, board, firmware))
    }
}

impl Sentence for events::DeviceRequest {
    fn say(self, _: &mut Builder, _: &Record<'_>) -> Option<Said> {
        sentence(
            format!(
                "attempt {}: request `{}`, reply of {} bytes with SHA-256 {}",
                self.attempt, self.method, self.reply_bytes, self.reply_sha256
            ),
            shown!(attempt, method, reply_bytes, reply_sha256),
        )
    }
}

impl Sentence for events::DeviceError {
    fn say(self, b: &mut Builder, r: &Record<'_>) -> Option<Said> {
        let line = format!(
            "attempt {} failed: {}; retry offered: {}",
            self.attempt,
            self.error,
            yes_no(self.retry_offered)
        );
        b.exception(r.at, r.step, "device error", line.clone());
        sentence(line, shown!(attempt, error, retry_offered))
    }
}

impl Sentence for events::DeviceRetry {
    fn say(self, b: &mut Builder, r: &Record<'_>) -> Option<Said> {
        let line = format!(
            "after attempt {} the operator chose: {}",
            self.attempt, self.choice
        );
        b.exception(r.at, r.step, "device retry", line.clone());
        sentence(line, shown!(attempt, choice))
    }
}

impl Sentence for events::DeviceChecked {
    /// A probe has nothing to compare with: it says that the device answered (and its
    /// fingerprint, if it gave one), and its `matches` is listed beside it.
    fn say(self, b: &mut Builder, r: &Record<'_>) -> Option<Said> {
        let (line, shown) = match (&self.expected, &self.device_fingerprint) {
            (Some(expected), Some(fp)) => (
                format!(
                    "{}: the device says {fp}, expected {expected}: {}",
                    self.action,
                    matches_text(self.matches)
                ),
                shown!(matches, action, device_fingerprint, expected),
            ),
            (Some(expected), None) => (
                format!(
                    "{}: the device gave no fingerprint, expected {expected}: {}",
                    self.action,
                    matches_text(self.matches)
                ),
                shown!(matches, action, expected),
            ),
            (None, Some(fp)) => (
                format!("{}: the device answered, with {fp}", self.action),
                shown!(action, device_fingerprint),
            ),
            (None, None) => (
                format!("{}: the device answered", self.action),
                shown!(action),
            ),
        };
        if !self.matches {
            b.exception(r.at, r.step, "device mismatch", line.clone());
        }
        sentence(line, shown)
    }
}

// ---------------------------------------------------------------------------------------
// Signing.

impl Sentence for events::SigningRequested {
    fn say(self, b: &mut Builder, _: &Record<'_>) -> Option<Said> {
        let who: Vec<String> = self
            .signers
            .iter()
            .map(|s| format!("{} (key {})", b.who(&s.role), s.fingerprint))
            .collect();
        sentence(
            format!(
                "signatures requested from {} into {}",
                who.join(", "),
                self.signature_file
            ),
            shown!(signers, signature_file),
        )
    }
}
