//! `keyrite verify`: a plain verdict on a transcript, its signatures, and a short account
//! of it.
//!
//! The transcript is valid when its chain is intact and closed, and every signer its
//! first record requires has a good signature in `<transcript>.asc` by the certificate
//! the auditor holds for that role (the script's, or those in `--certs DIR`).

use std::path::Path;

use serde::Serialize;

use super::{errln, outln, print_error, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::sanitize::line_for_terminal as safe;
use crate::signatures::{self, Audit, AuditError, SignatureReport, CHANGED_AFTER_SIGNING};
use crate::transcript::{sha256_hex, Verdict, Verification};

/// The whole verdict, chain and signatures together, for a program reading `--json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Conclusion {
    /// Intact, closed, and signed as required.
    Valid,
    /// The chain is broken: records were changed and the chain not recomputed.
    Tampered,
    /// The chain checks, but the required signers' signatures are not over these
    /// bytes: records were changed after signing and the chain recomputed.
    ChangedAfterSigning,
    /// The last line is torn.
    Truncated,
    /// No end record.
    Incomplete,
    /// The records are intact and closed, but the signatures do not make it valid
    /// (a signer missing, a bad or unreadable signature, a mismatch).
    NotValidlySigned,
}

#[derive(Serialize)]
struct Report<'a> {
    #[serde(flatten)]
    transcript: &'a Verification,
    #[serde(skip_serializing_if = "Option::is_none")]
    signatures: Option<&'a SignatureReport>,
    /// Problems with the certificates given (unreadable files).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    certificate_problems: Vec<String>,
    valid: bool,
    conclusion: Conclusion,
}

/// Largest script hashed: the script loader's own limit.
const MAX_SCRIPT_BYTES: u64 = crate::script::yaml::Budget::SCRIPT.max_bytes as u64;

pub(super) fn verify(
    transcript: &Path,
    script: Option<&Path>,
    certs: Option<&Path>,
    json: bool,
) -> i32 {
    let script_hash = match script.map(|s| crate::fs::read_bounded(s, MAX_SCRIPT_BYTES)) {
        None => None,
        Some(Ok(bytes)) => Some(sha256_hex(&bytes)),
        Some(Err(e)) => {
            print_error(&e, Some("check the path given with --script"));
            return EXIT_USAGE;
        }
    };
    // One pass over the transcript checks its chain and its signatures.
    let (v, audit) = match signatures::verify_and_audit(
        transcript,
        script_hash.as_deref(),
        script,
        certs,
    ) {
        Ok(r) => r,
        Err(e @ AuditError::Script(_)) => {
            print_error(&e, Some("check the path given with --script"));
            return EXIT_USAGE;
        }
        Err(e @ AuditError::CertFolder { .. }) => {
            print_error(&e, Some("--certs names a folder of certificate files, each named after its role (officer.asc)"));
            return EXIT_USAGE;
        }
        Err(e @ AuditError::Changed { .. }) => {
            errln!("error: {}", safe(&e.to_string()));
            return EXIT_FAILED;
        }
        Err(AuditError::Read { source, .. }) => {
            errln!(
                "error: cannot read the transcript {}: {}",
                safe(&transcript.display().to_string()),
                safe(&source.to_string())
            );
            return EXIT_USAGE;
        }
    };
    let valid = audit.valid(&v);
    let conclusion = conclusion(&v, &audit, valid);
    let changed = audit.changed_after_signing(&v);
    let Audit {
        signatures: sigs,
        certificate_problems,
        no_certs,
    } = audit;
    if json {
        let r = Report {
            transcript: &v,
            signatures: sigs.as_ref(),
            certificate_problems,
            valid,
            conclusion,
        };
        outln!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
    } else {
        print_summary(&v, changed);
        for p in &certificate_problems {
            outln!("certificate {}", safe(p));
        }
        if let Some(s) = &sigs {
            print_signatures(s, &v, no_certs, script.is_some());
        }
        if sigs.is_some() {
            outln!(
                "valid       {}",
                if valid {
                    "YES: the records are intact and every required signer signed"
                } else {
                    "NO: see the result and signatures above"
                }
            );
        }
    }
    if valid {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}

fn conclusion(v: &Verification, audit: &Audit, valid: bool) -> Conclusion {
    match v.verdict {
        _ if valid => Conclusion::Valid,
        Verdict::Tampered => Conclusion::Tampered,
        Verdict::Truncated => Conclusion::Truncated,
        Verdict::Incomplete => Conclusion::Incomplete,
        Verdict::Intact if audit.changed_after_signing(v) => Conclusion::ChangedAfterSigning,
        Verdict::Intact => Conclusion::NotValidlySigned,
    }
}

/// "Name (role)" from the first record, or the role id; terminal-safe.
fn role_name(v: &Verification, role: &str) -> String {
    let named = v
        .start
        .as_ref()
        .and_then(|s| s.roles.iter().find(|r| r.id == role))
        .map_or_else(|| role.to_string(), |r| format!("{} ({role})", r.name));
    safe(&named).into_owned()
}

/// A path, terminal-safe.
fn shown(path: &Path) -> String {
    safe(&path.display().to_string()).into_owned()
}

fn print_signatures(s: &SignatureReport, v: &Verification, no_certs: bool, had_script: bool) {
    if !s.present {
        outln!("signatures  none: {} does not exist", shown(&s.file));
    } else {
        outln!("signatures  {}", shown(&s.file));
    }
    if let Some(p) = &s.unreadable {
        outln!("unreadable  {}", safe(p));
    }
    for signed in &s.signed {
        outln!(
            "signed      {} at {}, key {}",
            signed
                .role
                .as_deref()
                .map_or_else(|| "?".to_string(), |r| role_name(v, r)),
            safe(signed.at.as_deref().unwrap_or("an unrecorded time")),
            safe(&signed.fingerprint)
        );
    }
    for b in &s.bad {
        let issuer = safe(b.issuer.as_deref().unwrap_or("an unnamed key")).into_owned();
        match &b.role {
            // A role that signed, but whose signature fails: not "has not signed".
            Some(role) if b.data_changed => outln!(
                "BAD         {} signed, but the signature does not match these records (key {issuer}): they were changed after signing",
                role_name(v, role)
            ),
            Some(role) => outln!(
                "BAD         {} signed, but the signature is not valid (key {issuer}): {}",
                role_name(v, role),
                safe(&b.problem)
            ),
            None => outln!("BAD         signature by {issuer}: {}", safe(&b.problem)),
        }
    }
    for u in &s.unknown {
        outln!(
            "unknown     signature by {}: {}",
            safe(u.issuer.as_deref().unwrap_or("an unnamed key")),
            safe(&u.problem)
        );
    }
    for m in &s.mismatches {
        outln!("MISMATCH    {}", safe(m));
    }
    if s.required_from == "transcript" && !s.required.is_empty() {
        outln!("note        the required signers are taken from the transcript itself; give --script to check them against the script");
    }
    // Signers whose bad signature is listed above are not missing: they signed.
    let missing: Vec<&String> = s
        .missing
        .iter()
        .filter(|m| !s.bad_signers.contains(m))
        .collect();
    for m in &missing {
        if no_certs {
            outln!(
                "missing     {}: no signature could be checked",
                role_name(v, m)
            );
        } else {
            outln!("missing     {} has not signed", role_name(v, m));
        }
    }

    if s.present && no_certs {
        outln!(
            "hint        no certificates to check against: {}",
            if had_script {
                "the script names none; give --certs DIR"
            } else {
                "give --script FILE (its roles' certificates) or --certs DIR"
            }
        );
    } else if s.signed_bytes_differ {
        outln!("hint        the signers signed other bytes than these; compare with the copy they signed, or the head phrase they were read");
    } else if !missing.is_empty() {
        outln!(
            "hint        a missing signer signs with `keyrite countersign {} --key THEIR-KEY-FILE`",
            shown(&v.path)
        );
    }
}

fn print_summary(v: &Verification, changed_after_signing: bool) {
    outln!("transcript  {}", shown(&v.path));
    if let Some(s) = &v.start {
        outln!("ceremony    {} ({})", safe(&s.title), safe(&s.ceremony));
        outln!(
            "script      {} (sha256 {})",
            safe(&s.script_path),
            safe(&s.script_sha256)
        );
        outln!(
            "started     {} on {} by keyrite {}, input: {}",
            safe(&s.at),
            safe(&s.host),
            safe(&s.tool_version),
            safe(&s.operator)
        );
    }
    if !v.attended.is_empty() {
        let who: Vec<String> = v
            .attended
            .iter()
            .map(|a| format!("{} ({})", safe(&a.name), safe(&a.role)))
            .collect();
        outln!("attended    {}", who.join(", "));
    }
    let steps: Vec<String> = v.steps_done.iter().map(|s| safe(s).into_owned()).collect();
    outln!("steps done  {}: {}", steps.len(), steps.join(", "));
    match &v.end {
        Some(e) if e.outcome == "completed" => outln!("outcome     completed at {}", safe(&e.at)),
        Some(e) => outln!(
            "outcome     aborted at {}{}: {}",
            safe(&e.at),
            e.step
                .as_ref()
                .map_or_else(String::new, |s| format!(" in step {}", safe(s))),
            safe(e.reason.as_deref().unwrap_or("no reason recorded"))
        ),
        None => outln!("outcome     none recorded"),
    }
    outln!("records     {}", v.records);
    if let Some(h) = &v.head {
        outln!("head        {h}");
        if let Ok(words) = crate::transcript::phrase::encode_hex(h) {
            outln!("phrase      {}", words.join(" "));
        }
    }
    for f in &v.findings {
        outln!("finding     {}", safe(&f.to_string()));
    }
    // The chain alone cannot tell a forger's recomputed chain from the original: when
    // the signatures say the bytes are not the signed ones, the result says so.
    let verdict = if changed_after_signing {
        CHANGED_AFTER_SIGNING
    } else {
        v.verdict.explain()
    };
    outln!("result      {verdict}");
}
