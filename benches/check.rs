//! `check` on a 500-step script: read, parse, decode and resolve. Goal: under 5 ms.
//!
//! Run: `cargo bench --bench check`

use std::fmt::Write;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};

/// A 500-step script using every step kind, with references between steps.
pub fn script_with_steps(n: usize) -> String {
    let mut s = String::from(
        "keyrite: 1\nid: bench\ntitle: Bench ceremony\nrehearse_every: 90d\nroles:\n  officer: { name: Alice Example }\n  witness-1: { name: Bob Example }\n  witness-2: { name: Dana Example }\nsteps:\n",
    );
    for i in 0..n {
        let _ = match i % 5 {
            0 => writeln!(s, "  - id: attend-{i}\n    attend: [officer, witness-1, witness-2]"),
            1 => writeln!(s, "  - id: record-{i}\n    title: Record seal {i}\n    record: [seal_{i}, room_{i}]"),
            2 => writeln!(
                s,
                "  - id: confirm-{i}\n    confirm:\n      by: [witness-1, witness-2]\n      text: \"Seal {{seal_{}}} in {{room_{}}} is intact\"",
                i - 1,
                i - 1
            ),
            3 => writeln!(s, "  - id: store-{i}\n    record_storage:\n      items: [laptop-{i}, backup-{i}]"),
            _ => writeln!(s, "  - id: note-{i}\n    note: |\n      Instructions for step {i}.\n      Read them aloud."),
        };
    }
    s
}

fn bench_check(c: &mut Criterion) {
    let text = script_with_steps(500);
    let script = keyrite::script::parse(Path::new("bench.yaml"), text.as_bytes())
        .expect("the bench script is valid");
    assert_eq!(script.steps.len(), 500);
    c.bench_function("check_500_steps", |b| {
        b.iter(|| keyrite::script::parse(Path::new("bench.yaml"), text.as_bytes()).expect("valid"))
    });
}

criterion_group!(benches, bench_check);
criterion_main!(benches);
