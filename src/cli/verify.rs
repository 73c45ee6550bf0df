//! `keyrite verify`: a plain verdict on a transcript, its signatures, and a short account
//! of it.
//!
//! The transcript is valid when its chain is intact and closed, and every signer its
//! first record requires has a good signature in `<transcript>.asc` by the certificate
//! the auditor holds for that role (the script's, or those in `--certs DIR`).

use std::path::Path;

use serde::Serialize;

use super::{report, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::pgp::Certificate;
use crate::script::SigningFacts;
use crate::signatures::{self, load_cert_dir, SignatureReport, TrustedCert};
use crate::transcript::{sha256_hex, verify_file, Verdict, Verification};

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
}

/// The certificates the auditor trusts, bound to roles; problems loading them; and the
/// required signers when the script says.
struct Trust {
    certs: Vec<TrustedCert>,
    problems: Vec<String>,
    required: Option<Vec<String>>,
}

fn trust(facts: Option<SigningFacts>, certs: Option<&Path>) -> Result<Trust, i32> {
    let required = facts.as_ref().map(|f| f.signers.clone());
    if let Some(dir) = certs {
        let (certs, problems) = load_cert_dir(dir).map_err(|e| {
            report(&e, Some("--certs names a folder of certificate files, each named after its role (officer.asc)"));
            EXIT_USAGE
        })?;
        return Ok(Trust {
            certs,
            problems,
            required,
        });
    }
    let mut trust = Trust {
        certs: Vec::new(),
        problems: Vec::new(),
        required,
    };
    for (role, file) in facts.map(|f| f.cert_files).unwrap_or_default() {
        match Certificate::load(&file) {
            Ok(certificate) => trust.certs.push(TrustedCert {
                role: Some(role),
                certificate,
            }),
            Err(e) => trust
                .problems
                .push(format!("role `{role}`: {}: {e}", file.display())),
        }
    }
    Ok(trust)
}

pub(super) fn verify(
    transcript: &Path,
    script: Option<&Path>,
    certs: Option<&Path>,
    json: bool,
) -> i32 {
    let script_hash = match script.map(std::fs::read) {
        None => None,
        Some(Ok(bytes)) => Some(sha256_hex(&bytes)),
        Some(Err(e)) => {
            report(&e, Some("check the path given with --script"));
            return EXIT_USAGE;
        }
    };
    let v = match verify_file(transcript, script_hash.as_deref()) {
        Ok(v) => v,
        Err(e) => {
            eprintln!(
                "error: cannot read the transcript {}: {e}",
                transcript.display()
            );
            return EXIT_USAGE;
        }
    };
    let needs_signatures = v.start.as_ref().is_some_and(|s| !s.signers.is_empty())
        || signatures::signature_path(transcript).exists();
    // The script is read once, for its signers and its roles' certificates.
    let facts = match script.map(crate::script::signing_facts) {
        Some(Ok(f)) => Some(f),
        Some(Err(e)) => {
            report(&e, Some("check the path given with --script"));
            return EXIT_USAGE;
        }
        None => None,
    };
    let needs_signatures =
        needs_signatures || facts.as_ref().is_some_and(|f| !f.signers.is_empty());
    let trust = if needs_signatures {
        match trust(facts, certs) {
            Ok(t) => t,
            Err(code) => return code,
        }
    } else {
        Trust {
            certs: Vec::new(),
            problems: Vec::new(),
            required: None,
        }
    };
    let certificate_problems = trust.problems.clone();
    let no_certs = trust.certs.is_empty();
    let sigs = match (&v.start, needs_signatures) {
        (Some(start), true) => match std::fs::read(transcript) {
            // The bytes checked must be the ones whose chain was verified.
            Ok(bytes)
                if v.head
                    .as_deref()
                    .is_some_and(|h| signatures::is_transcript(&bytes, v.records, h)) =>
            {
                Some(signatures::check(
                    transcript,
                    &bytes,
                    start,
                    &trust.certs,
                    trust.required.as_deref(),
                ))
            }
            Ok(_) if v.verdict != Verdict::Intact => Some(signatures::check(
                transcript,
                &[],
                start,
                &trust.certs,
                trust.required.as_deref(),
            )),
            Ok(_) => {
                eprintln!(
                    "error: {} changed while it was being verified; verify it again",
                    transcript.display()
                );
                return EXIT_FAILED;
            }
            Err(e) => {
                eprintln!(
                    "error: cannot read the transcript {}: {e}",
                    transcript.display()
                );
                return EXIT_USAGE;
            }
        },
        _ => None,
    };
    let valid = v.verdict == Verdict::Intact && sigs.as_ref().is_none_or(|s| s.valid);
    if json {
        let r = Report {
            transcript: &v,
            signatures: sigs.as_ref(),
            certificate_problems,
            valid,
        };
        println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
    } else {
        print_summary(&v);
        for p in &certificate_problems {
            println!("certificate {p}");
        }
        if let Some(s) = &sigs {
            print_signatures(s, &v, no_certs, script.is_some());
        }
        if sigs.is_some() {
            println!(
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

fn role_name(v: &Verification, role: &str) -> String {
    v.start
        .as_ref()
        .and_then(|s| s.roles.iter().find(|r| r.id == role))
        .map_or_else(|| role.to_string(), |r| format!("{} ({role})", r.name))
}

fn print_signatures(s: &SignatureReport, v: &Verification, no_certs: bool, had_script: bool) {
    if !s.present {
        println!("signatures  none: {} does not exist", s.file.display());
    } else {
        println!("signatures  {}", s.file.display());
    }
    if let Some(p) = &s.unreadable {
        println!("unreadable  {p}");
    }
    for signed in &s.signed {
        println!(
            "signed      {} at {}, key {}",
            signed
                .role
                .as_deref()
                .map_or_else(|| "?".to_string(), |r| role_name(v, r)),
            signed.at.as_deref().unwrap_or("an unrecorded time"),
            signed.fingerprint
        );
    }
    for b in &s.bad {
        println!(
            "BAD         signature by {}: {}",
            b.issuer.as_deref().unwrap_or("an unnamed key"),
            b.problem
        );
    }
    for u in &s.unknown {
        println!(
            "unknown     signature by {}: {}",
            u.issuer.as_deref().unwrap_or("an unnamed key"),
            u.problem
        );
    }
    for m in &s.mismatches {
        println!("MISMATCH    {m}");
    }
    if s.required_from == "transcript" && !s.required.is_empty() {
        println!("note        the required signers are taken from the transcript itself; give --script to check them against the script");
    }
    for m in &s.missing {
        if no_certs {
            println!(
                "missing     {}: no signature could be checked",
                role_name(v, m)
            );
        } else {
            println!("missing     {} has not signed", role_name(v, m));
        }
    }

    if s.present && no_certs {
        println!(
            "hint        no certificates to check against: {}",
            if had_script {
                "the script names none; give --certs DIR"
            } else {
                "give --script FILE (its roles' certificates) or --certs DIR"
            }
        );
    } else if !s.missing.is_empty() {
        println!(
            "hint        a missing signer signs with `keyrite countersign {} --key THEIR-KEY-FILE`",
            v.path.display()
        );
    }
}

fn print_summary(v: &Verification) {
    println!("transcript  {}", v.path.display());
    if let Some(s) = &v.start {
        println!("ceremony    {} ({})", s.title, s.ceremony);
        println!("script      {} (sha256 {})", s.script_path, s.script_sha256);
        println!(
            "started     {} on {} by keyrite {}, input: {}",
            s.at, s.host, s.tool_version, s.operator
        );
    }
    if !v.attended.is_empty() {
        let who: Vec<String> = v
            .attended
            .iter()
            .map(|a| format!("{} ({})", a.name, a.role))
            .collect();
        println!("attended    {}", who.join(", "));
    }
    println!(
        "steps done  {}: {}",
        v.steps_done.len(),
        v.steps_done.join(", ")
    );
    match &v.end {
        Some(e) if e.outcome == "completed" => println!("outcome     completed at {}", e.at),
        Some(e) => println!(
            "outcome     aborted at {}{}: {}",
            e.at,
            e.step
                .as_ref()
                .map_or_else(String::new, |s| format!(" in step {s}")),
            e.reason.as_deref().unwrap_or("no reason recorded")
        ),
        None => println!("outcome     none recorded"),
    }
    println!("records     {}", v.records);
    if let Some(h) = &v.head {
        println!("head        {h}");
    }
    for f in &v.findings {
        println!("finding     {f}");
    }
    let verdict = match v.verdict {
        Verdict::Intact => "INTACT: every record is unchanged and in order, and the transcript is closed",
        Verdict::Incomplete => "INCOMPLETE: the records are intact, but the ceremony never reached its end",
        Verdict::Truncated => "TRUNCATED: the records are intact up to a torn last line; the ceremony was interrupted while writing",
        Verdict::Tampered => "TAMPERED: the transcript was changed after it was written; do not trust it",
    };
    println!("result      {verdict}");
}
