//! `keyrite verify`: a plain verdict on a transcript, its signatures, and a short account
//! of it.
//!
//! The transcript is valid when its chain is intact and closed, and every signer its
//! first record requires has a good signature in `<transcript>.asc` by the certificate
//! the auditor holds for that role (the script's, or those in `--certs DIR`).

use std::path::Path;

use serde::Serialize;

use super::{report, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::signatures::{self, Audit, AuditError, SignatureReport};
use crate::transcript::{sha256_hex, verify_file, Verification};

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
    let audit = match signatures::audit(transcript, &v, None, script, certs) {
        Ok(a) => a,
        Err(e @ AuditError::Script(_)) => {
            report(&e, Some("check the path given with --script"));
            return EXIT_USAGE;
        }
        Err(e @ AuditError::CertFolder { .. }) => {
            report(&e, Some("--certs names a folder of certificate files, each named after its role (officer.asc)"));
            return EXIT_USAGE;
        }
        Err(e @ AuditError::Changed { .. }) => {
            eprintln!("error: {e}");
            return EXIT_FAILED;
        }
        Err(AuditError::Read { source, .. }) => {
            eprintln!(
                "error: cannot read the transcript {}: {source}",
                transcript.display()
            );
            return EXIT_USAGE;
        }
    };
    let valid = audit.valid(&v);
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
        if let Ok(words) = crate::report::phrase::encode_hex(h) {
            println!("phrase      {}", words.join(" "));
        }
    }
    for f in &v.findings {
        println!("finding     {f}");
    }
    let verdict = v.verdict.explain();
    println!("result      {verdict}");
}
