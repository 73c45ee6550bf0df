//! `keyrite verify`: a plain verdict on a transcript and a short account of it.

use std::path::Path;

use super::{report, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::transcript::{sha256_hex, verify_file, Verdict, Verification};

pub(super) fn verify(transcript: &Path, script: Option<&Path>, json: bool) -> i32 {
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
    if json {
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        print_summary(&v);
    }
    if v.verdict == Verdict::Intact {
        EXIT_OK
    } else {
        EXIT_FAILED
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
