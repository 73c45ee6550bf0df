//! `keyrite status`: where every share is, when it was last seen, and when each secret's
//! next recovery rehearsal is due, from the transcripts under the records folder.
//!
//! The registry is built by [`crate::records::scan`]; this module only renders it, as
//! aligned text or as the JSON documented there. Exit codes: 0 nothing needs attention,
//! 1 something does (an overdue rehearsal, an untrusted transcript, a failed share
//! check, a share shown or written by a run that did not complete, a share with no
//! storage record, a threshold at one place, a missing signature), 2 usage (a missing
//! records folder, a bad `--as-of`). Every time shown is UTC.

use std::fmt::Write as _;
use std::path::Path;

use chrono::Utc;

use super::{print_error, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::records::{
    self, value_text, RecordsError, Registry, Secret, Share, ShareStatus, UtcTime,
};

/// How many entries of a long list the text view shows before pointing at `--json`.
const LIST_LIMIT: usize = 10;

/// Runs `keyrite status`.
pub fn status(records: &Path, json: bool, as_of: Option<&str>) -> i32 {
    let as_of = match as_of.map(records::parse_as_of) {
        None => UtcTime(Utc::now()),
        Some(Ok(t)) => t,
        Some(Err(e)) => {
            print_error(&e, e.hint());
            return EXIT_USAGE;
        }
    };
    let registry = match records::scan(records, as_of) {
        Ok(r) => r,
        Err(e) => {
            print_error(&e, e.hint());
            return match e {
                RecordsError::Worker => EXIT_FAILED,
                _ => EXIT_USAGE,
            };
        }
    };
    let text = if json {
        match serde_json::to_string_pretty(&registry) {
            Ok(mut s) => {
                s.push('\n');
                s
            }
            Err(e) => {
                print_error(&e, None);
                return EXIT_FAILED;
            }
        }
    } else {
        // Names and typed values come from transcripts, and a hostile one must not be
        // able to move the cursor, retitle the terminal or show a seal reversed.
        crate::sanitize::for_terminal(&render(&registry)).into_owned()
    };
    super::write_stdout(format_args!("{text}"));
    if registry.needs_attention() {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

/// Rows of cells printed in columns, each as wide as its widest cell.
fn table(out: &mut String, indent: &str, rows: &[Vec<String>]) {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = indent.to_string();
        for (c, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if c + 1 < row.len() {
                let pad = widths[c].saturating_sub(cell.chars().count()) + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

/// `2027-01-31T08:00Z`: minutes are enough in a table.
fn short_time(t: &UtcTime) -> String {
    t.0.format("%Y-%m-%dT%H:%MZ").to_string()
}

fn or_dash(value: Option<String>) -> String {
    value
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "-".to_string())
}

fn holder_text(share: &Share) -> String {
    let name = share
        .location_field("holder")
        .or_else(|| share.holder.name.clone());
    match name {
        Some(name) if !name.is_empty() => format!("{} ({name})", share.holder.role),
        _ => share.holder.role.clone(),
    }
}

fn share_row(share: &Share) -> Vec<String> {
    let last_seen = match &share.last_seen {
        Some(seen) => {
            let how = match seen.how {
                records::SeenHow::Rehearsal => "rehearsal",
                records::SeenHow::ShareCheck => "share check",
            };
            format!("{} {how} ({})", short_time(&seen.at), seen.ceremony)
        }
        None => "never".to_string(),
    };
    vec![
        records::coordinates(Some(share.group), Some(share.member)),
        holder_text(share),
        or_dash(share.location_field("site")),
        or_dash(share.location_field("container")),
        or_dash(share.location_field("seal")),
        format!("{} {}", share.placed.ceremony, short_time(&share.placed.at)),
        last_seen,
    ]
}

fn render_secret(out: &mut String, secret: &Secret) {
    let _ = write!(out, "\nSecret {}", secret.key);
    if !secret.names.is_empty() {
        let _ = write!(out, ", known as {}", secret.names.join(", "));
    }
    out.push('\n');
    let live: Vec<&Share> = secret.live_shares().collect();
    let void = secret.shares.len() - live.len();
    let mut groups: Vec<String> = Vec::new();
    for share in &live {
        let text = format!(
            "identifier {}: group {} needs {} of {}",
            or_dash(share.identifier.map(|i| i.to_string())),
            share.group,
            or_dash(share.threshold.map(|n| n.to_string())),
            or_dash(share.count.map(|n| n.to_string())),
        );
        if !groups.contains(&text) {
            groups.push(text);
        }
    }
    if secret.shares.is_empty() {
        let _ = writeln!(out, "  no shares known: no counted transcript placed them");
    } else {
        let _ = write!(out, "  {} live share{}", live.len(), plural(live.len()));
    }
    if !groups.is_empty() {
        let _ = write!(out, " ({})", groups.join("; "));
    }
    if void > 0 {
        let _ = write!(out, "; {void} void not shown (see --json)");
    }
    if !secret.shares.is_empty() {
        out.push('\n');
    }
    if !live.is_empty() {
        let mut rows = vec![[
            "SHARE",
            "HOLDER",
            "SITE",
            "CONTAINER",
            "SEAL",
            "PLACED BY",
            "LAST SEEN",
        ]
        .map(String::from)
        .to_vec()];
        rows.extend(live.iter().map(|s| share_row(s)));
        table(out, "  ", &rows);
        for share in live.iter().filter(|s| s.location.is_none()) {
            let _ = writeln!(
                out,
                "  share {}: NO STORAGE RECORD (placed by {} at {})",
                records::coordinates(Some(share.group), Some(share.member)),
                share.placed.ceremony,
                share.placed.at
            );
        }
        for share in &live {
            if let Some(located) = share
                .located
                .as_ref()
                .filter(|_| !share.earlier_locations.is_empty())
            {
                let _ = writeln!(
                    out,
                    "  share {} was moved or resealed: recorded by {} at {}",
                    records::coordinates(Some(share.group), Some(share.member)),
                    located.ceremony,
                    located.at
                );
            }
        }
    }
    render_rehearsal(out, secret);
    for failed in &secret.failed_checks {
        let _ = writeln!(
            out,
            "  SHARE CHECK FAILED: share {} ({}) at {} in {}: {}",
            records::coordinates(failed.group, failed.member),
            failed.holder.as_deref().unwrap_or("holder unknown"),
            failed.at,
            failed.transcript,
            failed.reason
        );
    }
    // Exceptions about shares that are now void describe the past: counted, not shown.
    let (current, past): (Vec<records::PolicyException>, Vec<records::PolicyException>) =
        secret.exceptions.iter().cloned().partition(|x| {
            x.digest
                .as_deref()
                .and_then(|d| secret.share(d))
                .is_none_or(|s| s.status == ShareStatus::Live)
        });
    render_exceptions(out, "  ", &current);
    if !past.is_empty() {
        let _ = writeln!(
            out,
            "  {} policy exception{} about shares now void (see --json)",
            past.len(),
            if past.len() == 1 { "" } else { "s" }
        );
    }
    for note in &secret.notes {
        let _ = writeln!(out, "  note: {note}");
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn render_rehearsal(out: &mut String, secret: &Secret) {
    let r = &secret.rehearsal;
    let mut line = String::from("  Rehearsal: ");
    match (&r.interval_days, &r.interval_from) {
        (Some(days), Some(from)) => {
            let _ = write!(line, "every {days} days (rehearse_every of {from})");
        }
        (Some(days), None) => {
            let _ = write!(line, "every {days} days");
        }
        (None, _) => line.push_str("no schedule (no transcript about it states rehearse_every)"),
    }
    match &r.last {
        Some(last) => {
            let _ = write!(line, "; last {} in {}", last.at, last.ceremony);
        }
        None if secret.fingerprint.is_some() => line.push_str("; none yet"),
        None => line.push_str("; cannot be linked (no fingerprint)"),
    }
    if let Some(due) = r.next_due {
        if r.overdue {
            let _ = write!(
                line,
                "; due {due}: OVERDUE by {}",
                records::days_text(r.overdue_days.unwrap_or(0))
            );
        } else {
            let _ = write!(line, "; next due {due}");
        }
    }
    let _ = writeln!(out, "{line}");
}

fn render_exceptions(out: &mut String, indent: &str, exceptions: &[records::PolicyException]) {
    if exceptions.is_empty() {
        return;
    }
    let _ = writeln!(out, "{indent}Policy exceptions:");
    for x in exceptions {
        let rule: Vec<String> = x
            .rules
            .iter()
            .map(|r| {
                let mut rule = r.rule.clone();
                if let Some(field) = &r.field {
                    let _ = write!(rule, " {}", value_text(field));
                }
                if let Some(value) = &r.value {
                    let _ = write!(rule, " = {}", value_text(value));
                }
                format!("{rule}: {}", r.detail)
            })
            .collect();
        let rule = rule.join("; ");
        let who: Vec<String> = x
            .confirmed_by
            .iter()
            .map(|c| format!("{} ({})", c.name, c.role))
            .collect();
        let _ = writeln!(
            out,
            "{indent}  - {}: {rule}; reason: {}; confirmed by {}; {} at {}",
            x.item,
            x.reason,
            if who.is_empty() {
                "nobody".to_string()
            } else {
                who.join(", ")
            },
            x.ceremony,
            x.at
        );
        if let Some(held) = &x.holds_threshold {
            let _ = writeln!(
                out,
                "{indent}    STILL A THRESHOLD AT ONE PLACE: {} live shares of group {} at {} \
                 `{}`, and {} recover it",
                held.shares, held.group, held.field, held.value, held.threshold
            );
        }
    }
}

/// The text view.
pub fn render(registry: &Registry) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "keyrite status of {} as of {} (all times UTC)",
        registry.records.display(),
        registry.as_of
    );
    if registry.secrets.is_empty() {
        let _ = writeln!(out, "\nNo secret is recorded in the counted transcripts.");
    }
    for secret in &registry.secrets {
        render_secret(&mut out, secret);
    }
    if !registry.exceptions.is_empty() {
        out.push('\n');
        render_exceptions(&mut out, "", &registry.exceptions);
    }
    let t = &registry.transcripts;
    let signed = t.counted.iter().filter(|c| c.signature_file).count();
    let _ = writeln!(
        out,
        "\nTranscripts: {} counted ({signed} with a signature file beside it, {} without), {} \
         not counted, {} untrusted.",
        t.counted.len(),
        t.counted.len() - signed,
        t.not_counted.len(),
        t.untrusted.len()
    );
    let signing: Vec<&records::Signing> = t
        .counted
        .iter()
        .filter_map(|c| c.signing.as_ref())
        .collect();
    if !signing.is_empty() {
        let complete = signing
            .iter()
            .filter(|s| s.not_signed.is_empty() && s.bad.is_empty() && s.undetermined.is_empty())
            .count();
        let checked = signing.iter().filter(|s| s.checked).count();
        let _ = writeln!(
            out,
            "Signatures: {complete} of the {} counted transcripts that require them are signed by \
             every required signer; {checked} checked against the certificates of their script, \
             the others only by the key each signature names (`keyrite verify` checks them all).",
            signing.len()
        );
    }
    if !t.not_counted.is_empty() {
        let _ = writeln!(
            out,
            "\nNot counted (aborted or interrupted; nothing in them is used):"
        );
        for n in t.not_counted.iter().take(LIST_LIMIT) {
            let _ = writeln!(out, "  {}: {}", n.path, n.why);
            let open = n.exposed.iter().filter(|e| e.resolved.is_none());
            let shown = open.clone().filter(|e| e.shown).count();
            let files = open.filter(|e| e.file.is_some()).count();
            if shown + files > 0 {
                let _ = writeln!(
                    out,
                    "    it showed {shown} share{} on screen and wrote {files} share file{} that \
                     no counted ceremony accounts for (see ATTENTION)",
                    plural(shown),
                    plural(files)
                );
            }
        }
        more(&mut out, t.not_counted.len());
    }
    if !t.untrusted.is_empty() {
        let _ = writeln!(
            out,
            "\n!!! UNTRUSTED: {} FILE{} FAILED VERIFICATION OR COULD NOT BE READ; NOTHING IN THEM IS USED !!!",
            t.untrusted.len(),
            if t.untrusted.len() == 1 { "" } else { "S" }
        );
        for u in &t.untrusted {
            let _ = writeln!(out, "  {}", u.path);
            for finding in u.findings.iter().take(LIST_LIMIT) {
                let _ = writeln!(out, "    {finding}");
            }
            if u.findings.len() > LIST_LIMIT {
                let _ = writeln!(
                    out,
                    "    ... and {} more (see --json)",
                    u.findings.len() - LIST_LIMIT
                );
            }
        }
    }
    if !registry.notes.is_empty() {
        let _ = writeln!(out, "\nNotes:");
        for note in registry.notes.iter().take(LIST_LIMIT) {
            let _ = writeln!(out, "  - {note}");
        }
        more(&mut out, registry.notes.len());
    }
    if registry.attention.is_empty() {
        let _ = writeln!(out, "\nNothing needs attention.");
    } else {
        let n = registry.attention.len();
        let _ = writeln!(
            out,
            "\nATTENTION: {n} thing{} need{} attention:",
            plural(n),
            if n == 1 { "s" } else { "" }
        );
        for item in &registry.attention {
            let _ = writeln!(out, "  - {item}");
        }
    }
    out
}

fn more(out: &mut String, len: usize) {
    if len > LIST_LIMIT {
        let _ = writeln!(out, "  ... and {} more (see --json)", len - LIST_LIMIT);
    }
}
