//! Transcript benchmarks: appending a record (with and without fsync), and `verify` on a
//! 100 MB transcript next to `sha256sum` on the same file.
//!
//! Run: `cargo bench --bench transcript`

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use keyrite::script::types::{ScriptId, StepId};
use keyrite::transcript::{verify_file, Verdict, Writer};
use serde_json::json;

fn record_fields(i: u64) -> serde_json::Value {
    json!({
        "role": "witness-1",
        "name": "Bob Example",
        "initials": "BE",
        "text": format!("The laptop bag seal reads TB-{i:06} and matches the last ceremony's record."),
    })
}

fn bench_append(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let id = ScriptId::parse("bench").expect("valid id");
    let step = StepId::parse("check-seal").expect("valid id");
    let mut group = c.benchmark_group("transcript_append");
    group.throughput(Throughput::Elements(1));
    for fsync in [true, false] {
        let mut writer = Writer::create(dir.path(), &id, &"0".repeat(64)).expect("transcript");
        if !fsync {
            writer = writer.without_fsync();
        }
        let mut i = 0u64;
        let name = if fsync { "with_fsync" } else { "without_fsync" };
        group.bench_function(name, |b| {
            b.iter(|| {
                i += 1;
                writer
                    .append(Some(&step), "confirmed", &record_fields(i))
                    .expect("append");
            })
        });
    }
    group.finish();
}

/// Writes a closed transcript of about `bytes` bytes and returns its path.
fn big_transcript(dir: &Path, bytes: u64) -> PathBuf {
    let id = ScriptId::parse("bench-verify").expect("valid id");
    let step = StepId::parse("check-seal").expect("valid id");
    let mut writer = Writer::create(dir, &id, &"0".repeat(64))
        .expect("transcript")
        .without_fsync();
    writer
        .append(
            None,
            "ceremony_started",
            &json!({"ceremony": {"id": "bench-verify", "title": "Bench"}, "script": {"path": "bench.yaml", "sha256": "0".repeat(64)}}),
        )
        .expect("append");
    let path = writer.path().to_path_buf();
    let mut i = 0;
    while std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) < bytes {
        for _ in 0..1000 {
            i += 1;
            writer
                .append(Some(&step), "confirmed", &record_fields(i))
                .expect("append");
        }
    }
    writer.close(None, true, &json!({})).expect("close");
    path
}

fn bench_verify(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = big_transcript(dir.path(), 100 * 1024 * 1024);
    let size = std::fs::metadata(&path).expect("file").len();
    assert_eq!(
        verify_file(&path, None).expect("verify").verdict,
        Verdict::Intact
    );
    let mut group = c.benchmark_group("verify_100MB");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Bytes(size));
    group.bench_function(BenchmarkId::new("keyrite_verify", size), |b| {
        b.iter(|| verify_file(&path, None).expect("verify"))
    });
    let have_sha256sum = Command::new("sha256sum").arg("--version").output().is_ok();
    if have_sha256sum {
        group.bench_function(BenchmarkId::new("sha256sum", size), |b| {
            b.iter(|| {
                let out = Command::new("sha256sum")
                    .arg(&path)
                    .output()
                    .expect("sha256sum runs");
                assert!(out.status.success());
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_append, bench_verify);
criterion_main!(benches);
