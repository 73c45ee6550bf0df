//! Folds the facts of the counted transcripts into a [`Registry`], in order, and judges
//! the schedule as of one instant.
//!
//! Invariants: transcripts are applied by first record time, then path, and each one's
//! facts in record order, so a later fact overrides an earlier one; a share belongs to
//! exactly one secret (the one whose split placed it); everything that needs attention
//! is in `Registry::attention`, and nothing else is.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use chrono::TimeDelta;
use serde_json::Value;

use super::read::{Event, Left, Outcome, Transcript};
use super::{
    Counted, DueFrom, EarlierLocation, Exposure, FailedCheck, Holder, NotCounted, PolicyException,
    Provenance, Registry, Rehearsal, Secret, SeenHow, Share, ShareStatus, Sighting, ThresholdHeld,
    Transcripts, Untrusted, UtcTime, Voiding,
};
use crate::script::policy::same_place;
use crate::script::types::Interval;

/// Seconds in a day: days are counted in UTC, where every day has 86 400 s.
const DAY_SECONDS: i64 = 86_400;

/// A secret while the transcripts are applied.
struct SecretState {
    fingerprint: Option<String>,
    names: Vec<String>,
    /// Digests of the shares it has had, in placement order.
    digests: Vec<String>,
    last_rehearsal: Option<Provenance>,
    /// Days, and the transcript that said so.
    interval: Option<(u32, String)>,
    failed_checks: Vec<FailedCheck>,
    exceptions: Vec<PolicyException>,
    notes: Vec<String>,
}

impl SecretState {
    fn new(fingerprint: Option<String>) -> SecretState {
        SecretState {
            fingerprint,
            names: Vec::new(),
            digests: Vec::new(),
            last_rehearsal: None,
            interval: None,
            failed_checks: Vec::new(),
            exceptions: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn known_as(&mut self, name: &str) {
        if !self.names.iter().any(|n| n == name) {
            self.names.push(name.to_string());
        }
    }
}

#[derive(Default)]
struct Builder {
    secrets: BTreeMap<String, SecretState>,
    /// Digest → (the secret's key, the share).
    shares: HashMap<String, (String, Share)>,
    exceptions: Vec<PolicyException>,
    notes: Vec<String>,
}

/// Whether a failed check is about the share with these coordinates or this digest.
fn same_share(
    failed: &FailedCheck,
    identifier: Option<u64>,
    group: Option<u64>,
    member: Option<u64>,
    digest: Option<&str>,
) -> bool {
    let coordinates = identifier.is_some()
        && group.is_some()
        && member.is_some()
        && (failed.identifier, failed.group, failed.member) == (identifier, group, member);
    coordinates || (digest.is_some() && failed.digest.as_deref() == digest)
}

impl Builder {
    fn secret(&mut self, fingerprint: &str) -> &mut SecretState {
        self.secrets
            .entry(fingerprint.to_string())
            .or_insert_with(|| SecretState::new(Some(fingerprint.to_string())))
    }

    fn apply(&mut self, path: &str, t: &Transcript) {
        // A secret's name means a fingerprint only within the transcript that says so.
        let mut fingerprints: HashMap<&str, String> = HashMap::new();
        for fact in &t.facts {
            match &fact.event {
                Event::Fingerprint(f) => {
                    fingerprints.insert(&f.secret, f.master_fingerprint.to_lowercase());
                }
                Event::Verified(v) if v.matches => {
                    fingerprints.insert(&v.secret, v.fingerprint.to_lowercase());
                }
                _ => {}
            }
        }
        let mut concerned: BTreeSet<String> = BTreeSet::new();
        for fact in &t.facts {
            let here = Provenance {
                ceremony: t.ceremony.clone(),
                transcript: path.to_string(),
                at: fact.at,
            };
            let line = fact.line;
            match &fact.event {
                Event::Split(split) => {
                    let key = match fingerprints.get(split.secret.as_str()) {
                        Some(fp) => fp.clone(),
                        None => format!("{}/{}", t.ceremony, split.secret),
                    };
                    let secret = self.secrets.entry(key.clone()).or_insert_with(|| {
                        let fingerprint = fingerprints.get(split.secret.as_str()).cloned();
                        let mut state = SecretState::new(fingerprint.clone());
                        if fingerprint.is_none() {
                            state.notes.push(format!(
                                "its transcript ({path}) records no fingerprint for `{}`, so \
                                 rehearsals cannot be linked to it and no rehearsal is scheduled",
                                split.secret
                            ));
                        }
                        state
                    });
                    secret.known_as(&split.secret);
                    concerned.insert(key.clone());
                    for placed in &split.shares {
                        let digest = placed.digest.to_lowercase();
                        let group = usize::try_from(placed.group)
                            .ok()
                            .and_then(|g| g.checked_sub(1))
                            .and_then(|g| split.groups.get(g));
                        let share = Share {
                            digest: digest.clone(),
                            identifier: Some(u64::from(split.identifier)),
                            group: placed.group,
                            member: placed.member,
                            threshold: group.map(|g| u64::from(g.threshold)),
                            count: group.map(|g| g.count as u64),
                            group_threshold: Some(u64::from(split.group_threshold)),
                            set: Some(split.into.clone()),
                            holder: Holder {
                                role: placed.holder.clone(),
                                name: t.roles.get(&placed.holder).cloned(),
                            },
                            location: None,
                            placed: here.clone(),
                            located: None,
                            earlier_locations: Vec::new(),
                            last_seen: None,
                            status: ShareStatus::Live,
                            voided: None,
                        };
                        if !secret.digests.contains(&digest) {
                            secret.digests.push(digest.clone());
                        }
                        let previous = self.shares.insert(digest.clone(), (key.clone(), share));
                        if previous.is_some() {
                            self.notes.push(format!(
                                "{path} line {line}: share {} was placed again; the later \
                                 placement counts",
                                short(&digest)
                            ));
                        }
                    }
                }
                Event::Fingerprint(f) => {
                    let fp = f.master_fingerprint.to_lowercase();
                    self.secret(&fp).known_as(&f.secret);
                    concerned.insert(fp);
                }
                Event::Verified(v) => {
                    if v.matches {
                        let fp = v.fingerprint.to_lowercase();
                        let secret = self.secret(&fp);
                        secret.known_as(&v.secret);
                        secret.last_rehearsal = Some(here);
                        concerned.insert(fp);
                    } else {
                        let expected = v.expected.to_lowercase();
                        self.secret(&expected).notes.push(format!(
                            "a recovery in {path} at {} did not match the fingerprint; it is not \
                             counted as a rehearsal",
                            fact.at
                        ));
                        concerned.insert(expected);
                    }
                }
                Event::Stored(stored) => {
                    let Some(share_ref) = &stored.share else {
                        // Items that are not shares (a backup drive) are not in the registry.
                        continue;
                    };
                    let digest = share_ref.digest.to_lowercase();
                    match self.shares.get_mut(&digest) {
                        Some((key, share)) => {
                            if let (Some(location), Some(located)) =
                                (share.location.take(), share.located.take())
                            {
                                share
                                    .earlier_locations
                                    .push(EarlierLocation { location, located });
                            }
                            // A reseal may record only some fields (`fields: [seal]`): the
                            // others keep their earlier values.
                            let mut location = share
                                .earlier_locations
                                .last()
                                .map(|e| e.location.clone())
                                .unwrap_or_default();
                            location.extend(
                                stored
                                    .location
                                    .iter()
                                    .map(|(k, v)| (k.clone(), Value::String(v.clone()))),
                            );
                            share.location = Some(location);
                            share.located = Some(here);
                            concerned.insert(key.clone());
                        }
                        None => self.notes.push(format!(
                            "{path} line {line}: the place of share {} ({}) is recorded, but no \
                             counted transcript created that share",
                            short(&digest),
                            stored.item
                        )),
                    }
                }
                Event::Voided(voided) => {
                    // Applied after every transcript (see `apply_voids`): a void is final,
                    // whatever order the laptops' clocks put the ceremonies in.
                    concerned.insert(voided.secret.to_lowercase());
                }
                Event::Entered(entered) => {
                    let digest = entered.digest.to_lowercase();
                    match self.shares.get_mut(&digest) {
                        Some((key, share)) => {
                            share.last_seen = Some(sighting(&here, SeenHow::Rehearsal));
                            concerned.insert(key.clone());
                        }
                        None => self.notes.push(format!(
                            "{path} line {line}: share {} was entered, but no counted transcript \
                             created it",
                            short(&digest)
                        )),
                    }
                }
                Event::Checked(checked) => {
                    let fp = checked.secret.to_lowercase();
                    let digest = checked.digest.to_lowercase();
                    concerned.insert(fp.clone());
                    let known = match self.shares.get_mut(&digest) {
                        Some((key, share)) => {
                            share.last_seen = Some(sighting(&here, SeenHow::ShareCheck));
                            Some(key.clone())
                        }
                        None => None,
                    };
                    let secret = self.secret(&fp);
                    secret.failed_checks.retain(|f| {
                        !same_share(
                            f,
                            Some(u64::from(checked.identifier)),
                            Some(checked.group),
                            Some(checked.member),
                            Some(&digest),
                        )
                    });
                    match known {
                        None => secret.notes.push(format!(
                            "{path} line {line}: share {} passed a check, but no counted \
                             transcript created it",
                            short(&digest)
                        )),
                        Some(key) if key != fp => secret.notes.push(format!(
                            "{path} line {line}: share {} was checked as a share of {fp}, but \
                             it was placed as a share of {key}",
                            short(&digest)
                        )),
                        Some(_) => {}
                    }
                }
                Event::CheckFailed(failed) => {
                    let fp = failed.secret.to_lowercase();
                    concerned.insert(fp.clone());
                    let secret = self
                        .secrets
                        .entry(fp.clone())
                        .or_insert_with(|| SecretState::new(Some(fp.clone())));
                    let digest = secret
                        .digests
                        .iter()
                        .filter_map(|d| self.shares.get(d))
                        .find(|(key, s)| {
                            *key == fp
                                && s.status == ShareStatus::Live
                                && s.identifier == Some(u64::from(failed.identifier))
                                && s.group == failed.group
                                && s.member == failed.member
                        })
                        .map(|(_, s)| s.digest.clone());
                    let check = FailedCheck {
                        identifier: Some(u64::from(failed.identifier)),
                        group: Some(failed.group),
                        member: Some(failed.member),
                        holder: Some(failed.holder.clone()),
                        reason: failed.reason.clone(),
                        digest,
                        at: fact.at,
                        ceremony: t.ceremony.clone(),
                        transcript: path.to_string(),
                    };
                    // Only the latest failure of a share stays open.
                    secret.failed_checks.retain(|f| {
                        !same_share(
                            f,
                            check.identifier,
                            check.group,
                            check.member,
                            check.digest.as_deref(),
                        )
                    });
                    secret.failed_checks.push(check);
                }
                Event::Exception(x) => {
                    let digest = x.share.as_ref().map(|s| s.digest.to_lowercase());
                    let exception = PolicyException {
                        item: x.item.clone(),
                        digest: digest.clone(),
                        rules: x.rules.iter().cloned().map(Into::into).collect(),
                        reason: x.reason.clone(),
                        confirmed_by: x.confirmed_by.iter().cloned().map(Into::into).collect(),
                        ceremony: t.ceremony.clone(),
                        transcript: path.to_string(),
                        at: fact.at,
                        holds_threshold: None,
                    };
                    let owner = digest
                        .as_ref()
                        .and_then(|d| self.shares.get(d))
                        .map(|(key, _)| key.clone());
                    match owner.and_then(|key| self.secrets.get_mut(&key)) {
                        Some(secret) => secret.exceptions.push(exception),
                        None => self.exceptions.push(exception),
                    }
                }
                // A completed run's shares are followed through its split and storage.
                Event::Shown(_) | Event::Encrypted(_) => {}
            }
        }
        if let Some(raw) = &t.rehearse_every {
            match Interval::parse(raw) {
                Ok(interval) => {
                    for key in &concerned {
                        if let Some(secret) = self.secrets.get_mut(key) {
                            secret.interval = Some((interval.days(), path.to_string()));
                        }
                    }
                }
                Err(e) => self
                    .notes
                    .push(format!("{path}: its rehearse_every is not used: {e}")),
            }
        }
        self.notes
            .extend(t.notes.iter().map(|note| format!("{path} {note}")));
    }

    /// Voids every share a `shares_voided` record of any counted transcript lists. A void
    /// share seen after it was voided (entered in a rehearsal, checked) needs attention:
    /// its paper or file was not destroyed.
    fn apply_voids(&mut self, counted: &[(String, Box<Transcript>)], attention: &mut Vec<String>) {
        let mut voids: Vec<(String, Voiding, u64)> = Vec::new();
        for (path, t) in counted {
            for fact in &t.facts {
                if let Event::Voided(voided) = &fact.event {
                    for digest in &voided.digests {
                        voids.push((
                            digest.to_lowercase(),
                            Voiding {
                                at: fact.at,
                                ceremony: t.ceremony.clone(),
                                transcript: path.clone(),
                                reason: Some(voided.reason.clone()),
                            },
                            fact.line,
                        ));
                    }
                }
            }
        }
        for (digest, voiding, line) in voids {
            let Some((key, share)) = self.shares.get_mut(&digest) else {
                self.notes.push(format!(
                    "{} line {line}: share {} is voided, but no counted transcript created it",
                    voiding.transcript,
                    short(&digest)
                ));
                continue;
            };
            if share.voided.as_ref().is_some_and(|v| v.at <= voiding.at) {
                continue;
            }
            if let Some(seen) = share.last_seen.as_ref().filter(|s| s.at > voiding.at) {
                attention.push(format!(
                    "secret {key}: share {}/{}, void since {} ({}), was {} at {} ({}): the old share was not destroyed",
                    share.group,
                    share.member,
                    voiding.at,
                    voiding.ceremony,
                    match seen.how {
                        SeenHow::Rehearsal => "entered in a rehearsal",
                        SeenHow::ShareCheck => "presented in a share check",
                    },
                    seen.at,
                    seen.transcript
                ));
            }
            share.status = ShareStatus::Void;
            let (identifier, group, member) =
                (share.identifier, Some(share.group), Some(share.member));
            share.voided = Some(voiding);
            let key = key.clone();
            // A void share needs no more checks, so its failed one is closed.
            if let Some(secret) = self.secrets.get_mut(&key) {
                secret
                    .failed_checks
                    .retain(|f| !same_share(f, identifier, group, member, Some(&digest)));
            }
        }
    }

    fn finish(self, as_of: UtcTime, attention: &mut Vec<String>) -> Vec<Secret> {
        let Builder {
            secrets,
            mut shares,
            ..
        } = self;
        let mut out = Vec::with_capacity(secrets.len());
        for (key, mut state) in secrets {
            let mut own: Vec<Share> = state
                .digests
                .iter()
                .filter_map(|d| match shares.remove(d) {
                    Some((owner, share)) if owner == key => Some(share),
                    Some(other) => {
                        // Placed again under another secret: it belongs there.
                        shares.insert(d.clone(), other);
                        None
                    }
                    None => None,
                })
                .collect();
            own.sort_by(|a, b| {
                (a.identifier, a.group, a.member, a.placed.at).cmp(&(
                    b.identifier,
                    b.group,
                    b.member,
                    b.placed.at,
                ))
            });
            let mut notes = std::mem::take(&mut state.notes);
            let rehearsal = schedule(&state, &own, as_of, &mut notes);
            let label = label(&key, &state.names);
            if rehearsal.overdue {
                let (days, due) = (rehearsal.overdue_days.unwrap_or(0), rehearsal.next_due);
                attention.push(format!(
                    "{label}: recovery rehearsal OVERDUE by {} (due {})",
                    days_text(days),
                    due.map(|d| d.to_string()).unwrap_or_default()
                ));
            }
            for f in &state.failed_checks {
                attention.push(format!(
                    "{label}: share {} failed its check at {} ({}): {}",
                    coordinates(f.group, f.member),
                    f.at,
                    f.transcript,
                    f.reason
                ));
            }
            for share in own
                .iter()
                .filter(|s| s.status == ShareStatus::Live && s.location.is_none())
            {
                attention.push(format!(
                    "{label}: share {} held by {} (placed by {} at {}, {}) has no storage \
                     record: find where it is kept and record it (a share check stores the \
                     shares it checks), or void it in a rotation",
                    coordinates(Some(share.group), Some(share.member)),
                    holder_label(&share.holder),
                    share.placed.ceremony,
                    share.placed.at,
                    share.placed.transcript
                ));
            }
            let mut held_places: Vec<ThresholdHeld> = Vec::new();
            for x in &mut state.exceptions {
                let Some(held) = threshold_held(x, &own) else {
                    continue;
                };
                x.holds_threshold = Some(held.clone());
                // Two exceptions about one place say one thing that needs attention.
                if held_places.iter().any(|h| {
                    (h.identifier, h.group, &h.field) == (held.identifier, held.group, &held.field)
                        && same_place(&h.value, &held.value)
                }) {
                    continue;
                }
                attention.push(format!(
                    "{label}: {} of the live shares of group {} (identifier {}) are still at \
                     {} `{}`, and {} of them recover the group: the policy exception of {} at \
                     {} ({}: {}) still holds a threshold at one place; move a share elsewhere \
                     (a share check records its new place) or rotate the shares",
                    held.shares,
                    held.group,
                    held.identifier
                        .map_or_else(|| "?".to_string(), |i| i.to_string()),
                    held.field,
                    held.value,
                    held.threshold,
                    x.ceremony,
                    x.at,
                    x.item,
                    x.reason
                ));
                held_places.push(held);
            }
            out.push(Secret {
                key,
                fingerprint: state.fingerprint,
                names: state.names,
                shares: own,
                rehearsal,
                failed_checks: state.failed_checks,
                exceptions: state.exceptions,
                notes,
            });
        }
        out
    }
}

fn sighting(here: &Provenance, how: SeenHow) -> Sighting {
    Sighting {
        at: here.at,
        ceremony: here.ceremony.clone(),
        transcript: here.transcript.clone(),
        how,
    }
}

/// `3 days`, `1 day`, or `less than a day`.
pub(crate) fn days_text(days: i64) -> String {
    match days {
        0 => "less than a day".to_string(),
        1 => "1 day".to_string(),
        n => format!("{n} days"),
    }
}

/// `group/member`, or `?` for what is unknown.
pub(crate) fn coordinates(group: Option<u64>, member: Option<u64>) -> String {
    let part = |n: Option<u64>| n.map_or_else(|| "?".to_string(), |n| n.to_string());
    format!("{}/{}", part(group), part(member))
}

/// `secret 0d136510 (treasury, cold)`.
fn label(key: &str, names: &[String]) -> String {
    if names.is_empty() {
        format!("secret {key}")
    } else {
        format!("secret {key} ({})", names.join(", "))
    }
}

/// `custodian-1 (Carol Example)`.
fn holder_label(holder: &Holder) -> String {
    match &holder.name {
        Some(name) if !name.is_empty() => format!("{} ({name})", holder.role),
        _ => holder.role.clone(),
    }
}

/// For a `spread_across` exception about a live share: the live shares of its split and
/// group at the share's place now, when they are a threshold.
fn threshold_held(x: &PolicyException, shares: &[Share]) -> Option<ThresholdHeld> {
    let share = shares
        .iter()
        .find(|s| Some(&s.digest) == x.digest.as_ref() && s.status == ShareStatus::Live)?;
    let threshold = share.threshold?;
    x.rules
        .iter()
        .filter(|r| r.rule == "spread_across")
        .filter_map(|r| r.field.as_ref().and_then(|f| f.as_str()))
        .find_map(|field| {
            let value = share.location_field(field)?;
            let at_place = shares
                .iter()
                .filter(|s| {
                    s.status == ShareStatus::Live
                        && s.identifier == share.identifier
                        && s.group == share.group
                        && s.location_field(field)
                            .is_some_and(|v| same_place(&v, &value))
                })
                .count() as u64;
            (at_place >= threshold).then(|| ThresholdHeld {
                field: field.to_string(),
                value,
                identifier: share.identifier,
                group: share.group,
                shares: at_place,
                threshold,
            })
        })
}

/// The first 12 hex digits of a digest, enough to find it.
fn short(digest: &str) -> &str {
    digest.get(..12).unwrap_or(digest)
}

fn schedule(
    state: &SecretState,
    shares: &[Share],
    as_of: UtcTime,
    notes: &mut Vec<String>,
) -> Rehearsal {
    let mut rehearsal = Rehearsal {
        interval_days: state.interval.as_ref().map(|(days, _)| *days),
        interval_from: state.interval.as_ref().map(|(_, path)| path.clone()),
        last: state.last_rehearsal.clone(),
        next_due: None,
        due_from: None,
        overdue: false,
        overdue_days: None,
    };
    let Some(days) = rehearsal.interval_days else {
        return rehearsal;
    };
    if state.fingerprint.is_none() {
        return rehearsal;
    }
    let earliest_live = shares
        .iter()
        .filter(|s| s.status == ShareStatus::Live)
        .map(|s| s.placed.at)
        .min();
    if !shares.is_empty() && earliest_live.is_none() {
        notes.push("every share is void: no rehearsal is scheduled".to_string());
        return rehearsal;
    }
    let (base, from) = match (&state.last_rehearsal, earliest_live) {
        (Some(last), _) => (last.at, DueFrom::LastRehearsal),
        (None, Some(placed)) => (placed, DueFrom::SharesPlaced),
        (None, None) => return rehearsal,
    };
    let Some(due) = base
        .0
        .checked_add_signed(TimeDelta::seconds(i64::from(days) * DAY_SECONDS))
    else {
        return rehearsal;
    };
    rehearsal.next_due = Some(UtcTime(due));
    rehearsal.due_from = Some(from);
    if due < as_of.0 {
        rehearsal.overdue = true;
        rehearsal.overdue_days = Some((as_of.0 - due).num_seconds() / DAY_SECONDS);
    }
    rehearsal
}

/// Builds the registry from every file read, in any order.
pub(super) fn build(
    records: &Path,
    as_of: UtcTime,
    files: Vec<(String, Outcome)>,
    problems: Vec<(PathBuf, String)>,
) -> Registry {
    let mut transcripts = Transcripts::default();
    let mut counted = Vec::new();
    let mut not_counted: Vec<(String, Box<Left>)> = Vec::new();
    for (path, outcome) in files {
        match outcome {
            Outcome::Counted(t) => counted.push((path, t)),
            Outcome::NotCounted(left) => not_counted.push((path, left)),
            Outcome::Untrusted(findings) => {
                transcripts.untrusted.push(Untrusted { path, findings })
            }
        }
    }
    for (path, problem) in problems {
        transcripts.untrusted.push(Untrusted {
            path: super::relative(records, &path),
            findings: vec![problem],
        });
    }
    transcripts.untrusted.sort_by(|a, b| a.path.cmp(&b.path));
    counted.sort_by(|(pa, a), (pb, b)| (a.started, pa).cmp(&(b.started, pb)));
    let mut builder = Builder::default();
    for (path, t) in &counted {
        builder.apply(path, t);
        transcripts.counted.push(Counted {
            path: path.clone(),
            ceremony: t.ceremony.clone(),
            started: t.started,
            signature_file: t.signature_file,
            signing: t.signing.clone(),
        });
    }
    let accounted = Accounted::of(&counted, &builder);
    for (path, left) in not_counted {
        let Left {
            why,
            alarms,
            mut exposed,
            stopped_in,
        } = *left;
        for e in &mut exposed {
            e.resolved = accounted.resolution(e);
        }
        transcripts.not_counted.push(NotCounted {
            path,
            why,
            alarms,
            exposed,
            stopped_in,
        });
    }
    let mut attention: Vec<String> = transcripts
        .untrusted
        .iter()
        .map(|u| {
            format!(
                "transcript {} is not trusted, nothing in it is used: {}",
                u.path,
                u.findings.first().map(String::as_str).unwrap_or("")
            )
        })
        .collect();
    for n in &transcripts.not_counted {
        for alarm in &n.alarms {
            attention.push(format!(
                "transcript {} did not complete, but it records: {alarm}",
                n.path
            ));
        }
        let run = if n.why.starts_with("aborted") {
            format!("aborted run {}", n.path)
        } else {
            format!("interrupted run {}", n.path)
        };
        for e in n.exposed.iter().filter(|e| e.resolved.is_none()) {
            attention.push(exposure_line(&run, e));
        }
        if let Some(stop) = &n.stopped_in {
            let what = if stop.kind == "show_shares" {
                "a share may have been on screen (and copied to paper)"
            } else {
                "a share file may have been written"
            };
            attention.push(format!(
                "{run} stopped inside step `{}` ({}) before recording every share: {what} \
                 that the transcript does not name; ask the holders of that run's shares \
                 what they copied, and destroy any copy (and any file it left under --out)",
                stop.step, stop.kind
            ));
        }
    }
    builder.apply_voids(&counted, &mut attention);
    let notes = std::mem::take(&mut builder.notes);
    let exceptions = std::mem::take(&mut builder.exceptions);
    let secrets = builder.finish(as_of, &mut attention);
    for c in &transcripts.counted {
        if let Some(signing) = &c.signing {
            signing_lines(records, c, signing, &mut attention);
        }
    }
    Registry {
        as_of,
        records: records.to_path_buf(),
        secrets,
        exceptions,
        transcripts,
        notes,
        attention,
    }
}

/// What the counted transcripts account for: shares they placed, voided or stored.
struct Accounted {
    /// Digest → where it was voided.
    voided: HashMap<String, String>,
    /// Digest → where its storage was recorded.
    stored: HashMap<String, String>,
    /// Digest → the ceremony whose split placed it.
    placed: HashMap<String, String>,
}

impl Accounted {
    fn of(counted: &[(String, Box<Transcript>)], builder: &Builder) -> Accounted {
        let mut voided = HashMap::new();
        let mut stored = HashMap::new();
        for (path, t) in counted {
            for fact in &t.facts {
                let here = || format!("{} ({path})", t.ceremony);
                match &fact.event {
                    Event::Voided(v) => {
                        for d in &v.digests {
                            voided.entry(d.to_lowercase()).or_insert_with(here);
                        }
                    }
                    Event::Stored(s) => {
                        if let Some(share) = &s.share {
                            stored
                                .entry(share.digest.to_lowercase())
                                .or_insert_with(here);
                        }
                    }
                    _ => {}
                }
            }
        }
        let placed = builder
            .shares
            .iter()
            .map(|(d, (_, s))| {
                (
                    d.clone(),
                    format!("{} ({})", s.placed.ceremony, s.placed.transcript),
                )
            })
            .collect();
        Accounted {
            voided,
            stored,
            placed,
        }
    }

    /// Why an exposed share no longer needs attention, if it does not.
    fn resolution(&self, e: &Exposure) -> Option<String> {
        let digest = e.digest.as_ref()?;
        if let Some(at) = self.voided.get(digest) {
            return Some(format!("voided by {at}"));
        }
        if let Some(at) = self.stored.get(digest) {
            return Some(format!("its storage is recorded by {at}"));
        }
        self.placed
            .get(digest)
            .map(|at| format!("a share placed by {at}"))
    }
}

/// The attention line for a share shown or written by a run that did not complete.
fn exposure_line(run: &str, e: &Exposure) -> String {
    let mut share = format!("share {}/{}", e.group, e.member);
    if let Some(name) = &e.secret {
        share.push_str(&format!(" of `{name}`"));
    }
    let mut about: Vec<String> = e.fingerprint.iter().cloned().collect();
    about.push(format!("set `{}`", e.set));
    if let Some(digest) = &e.digest {
        about.push(format!("digest {}", short(digest)));
    }
    share.push_str(&format!(" ({})", about.join(", ")));
    let to = holder_label(&e.holder);
    let what = match (e.shown, &e.file) {
        (true, Some(file)) => format!(
            "showed {share} to {to} on screen, so it may exist on paper, and wrote it \
             encrypted to {file}"
        ),
        (true, None) => format!("showed {share} to {to} on screen, so it may exist on paper"),
        (false, Some(file)) => format!("wrote {share} for {to} encrypted to {file}"),
        (false, None) => format!("wrote {share} for {to} to a file"),
    };
    let destroy = match (e.shown, e.file.is_some()) {
        (true, true) => "find that paper and the file and destroy them",
        (true, false) => "find that paper and destroy it",
        _ => "delete that file (and any copy of it)",
    };
    format!(
        "{run} {what}; nothing in that run counts, so no ceremony accounts for the share: \
         {destroy}, or store the share and record where, or void it in a rotation"
    )
}

/// Attention lines for a completed transcript's missing or bad signatures.
fn signing_lines(
    records: &Path,
    c: &Counted,
    signing: &super::Signing,
    attention: &mut Vec<String>,
) {
    let file = records.join(&c.path);
    let file = file.display();
    for role in &signing.not_signed {
        let why = match &signing.problem {
            Some(problem) => format!(" (its signature file cannot be used: {problem})"),
            None if !c.signature_file => " (there is no signature file)".to_string(),
            None => String::new(),
        };
        attention.push(format!(
            "ceremony {} ({}) completed, but required signer {role} has not signed it{why}: \
             they sign with `keyrite countersign {file} --key THEIR-KEY-FILE`, or bring a \
             signature made elsewhere with `--signature FILE.asc --script SCRIPT`",
            c.ceremony, c.path
        ));
    }
    for role in &signing.bad {
        attention.push(format!(
            "ceremony {} ({}): the signature of required signer {role} does not verify (the \
             transcript or the signature was changed, or the key was revoked): run `keyrite \
             verify {file}`, and have them sign again if the transcript is right",
            c.ceremony, c.path
        ));
    }
    let left = signing.undetermined.len();
    if left > signing.unidentified {
        attention.push(format!(
            "ceremony {} ({}) completed, but at least {} of the required signers {} have not \
             signed it ({} signature{} status cannot tie to a role without their \
             certificates): check with `keyrite verify {file} --certs DIR`, and have whoever \
             is missing countersign",
            c.ceremony,
            c.path,
            left - signing.unidentified,
            signing.undetermined.join(", "),
            signing.unidentified,
            if signing.unidentified == 1 { "" } else { "s" }
        ));
    }
}
