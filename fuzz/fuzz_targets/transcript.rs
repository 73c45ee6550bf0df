//! Transcripts: `keyrite::transcript::verify_reader_with`, what `keyrite verify`,
//! `report`, `status` and `countersign` run over a transcript's bytes.
//!
//! The first byte picks the mode:
//! - even: the rest is the transcript, as is;
//! - odd: each line of the rest that is a JSON object is first given the right `seq`,
//!   the right `prev` (the SHA-256 of the line before) and, for an end record, the
//!   right `seal`, as the writer would, so mutations reach the checks behind the hash
//!   chain instead of all failing it.
//!
//! Properties beyond "no panic":
//! - `records` counts the complete lines; `head` is the SHA-256 of the last one;
//! - only a file that does not end in a line feed has a truncated tail, and
//!   `signatures::is_transcript` accepts the bytes of every file that does;
//! - an `INTACT` verdict has no findings; the visitor sees lines in order;
//! - in the re-chained mode no line is out of sequence or off the chain, and a record
//!   that has the fields the verifier needs, with the right types, is readable.
#![no_main]

use keyrite::transcript::{sha256_hex, verify_reader_with, Finding, Verdict};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

/// The fields `verify` reads from every record, as owned values: a record these
/// deserialize from must not be reported unreadable.
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct OwnedHead {
    seq: u64,
    at: String,
    step: Option<String>,
    event: String,
    prev: String,
    #[serde(default)]
    seal: Option<String>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

/// Rewrites the lines of `text` into a correctly chained transcript; returns the bytes
/// and, per line, whether it is a well-typed record.
fn rechain(text: &str) -> (Vec<u8>, Vec<bool>) {
    let mut out = Vec::new();
    let mut typed = Vec::new();
    let mut prev: Option<String> = None;
    let lines: Vec<&str> = text.split('\n').collect();
    let complete = lines.len().saturating_sub(1);
    for (i, line) in lines.iter().enumerate() {
        let bytes: Vec<u8> = match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(mut map)) => {
                map.insert("seq".into(), Value::from(i as u64));
                let prev_value = match &prev {
                    Some(p) => p.clone(),
                    None => map
                        .get("script")
                        .and_then(|s| s.get("sha256"))
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                };
                let sealed = map.remove("seal").is_some()
                    || matches!(
                        map.get("event").and_then(Value::as_str),
                        Some("completed" | "aborted")
                    );
                map.insert("prev".into(), Value::String(prev_value));
                let mut bytes = serde_json::to_vec(&Value::Object(map)).unwrap_or_default();
                if sealed && bytes.last() == Some(&b'}') {
                    bytes.pop();
                    let seal = sha256_hex(&bytes);
                    bytes.extend_from_slice(format!(",\"seal\":\"{seal}\"}}").as_bytes());
                }
                bytes
            }
            _ => line.as_bytes().to_vec(),
        };
        typed.push(
            serde_json::from_slice::<Map<String, Value>>(&bytes).is_ok()
                && serde_json::from_slice::<OwnedHead>(&bytes).is_ok(),
        );
        prev = Some(sha256_hex(&bytes));
        out.extend_from_slice(&bytes);
        if i < complete {
            out.push(b'\n');
        }
    }
    (out, typed)
}

fn verify(bytes: &[u8], typed: Option<&[bool]>) {
    let mut last_line = 0u64;
    let v = verify_reader_with(std::path::Path::new("fuzz.jsonl"), bytes, None, |r| {
        assert!(r.line > last_line, "records visited out of order");
        last_line = r.line;
    })
    .expect("reading a byte slice cannot fail");
    let _ = serde_json::to_string(&v);
    for f in &v.findings {
        let _ = f.to_string();
    }

    let complete = bytes.iter().filter(|b| **b == b'\n').count() as u64;
    assert_eq!(
        v.records, complete,
        "records is not the number of complete lines"
    );
    assert!(last_line <= complete);
    let last = bytes
        .strip_suffix(b"\n")
        .map(|body| body.rsplit(|b| *b == b'\n').next().unwrap_or(body));
    let truncated = v
        .findings
        .iter()
        .any(|f| matches!(f, Finding::TruncatedTail { .. }));
    assert_eq!(
        truncated,
        !bytes.is_empty() && !bytes.ends_with(b"\n"),
        "truncated tail finding does not match the bytes"
    );
    if let Some(last) = last {
        assert_eq!(v.head.as_deref(), Some(sha256_hex(last).as_str()));
        let head = v.head.clone().unwrap_or_default();
        assert!(
            keyrite::signatures::is_transcript(bytes, v.records, &head),
            "is_transcript refuses the bytes verify just read"
        );
    } else if !truncated {
        assert!(v.head.is_none());
    }
    if v.verdict == Verdict::Intact {
        assert!(
            v.findings.is_empty(),
            "INTACT with findings: {:?}",
            v.findings
        );
        assert!(v.end.is_some());
    }

    if let Some(typed) = typed {
        for f in &v.findings {
            match f {
                Finding::Chain { line } | Finding::Sequence { line, .. } => {
                    panic!("a re-chained transcript is off the chain at line {line}: {f:?}")
                }
                Finding::Unreadable { line, reason } => {
                    let i = (*line - 1) as usize;
                    assert!(
                        !typed.get(i).copied().unwrap_or(false),
                        "line {line} has every field the verifier needs, yet is unreadable: {reason}"
                    );
                }
                _ => {}
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        verify(rest, None);
    } else if let Ok(text) = std::str::from_utf8(rest) {
        let (bytes, typed) = rechain(text);
        verify(&bytes, Some(&typed));
    }
});
