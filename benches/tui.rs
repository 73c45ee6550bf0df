//! Frame render time of the terminal UI at 120x40 with ratatui's `TestBackend` (goal:
//! under 1 ms a frame), for the busiest screens: the main screen mid-ceremony with a full
//! message log, the secret screen with 33 words, and share entry with 33 words.
//!
//! `benches/tui-idle.sh` measures the other two figures on the real binary in a pty:
//! CPU use while idle at a prompt, and the time from launch to the first frame.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use keyrite::operator::SecretKind;
use keyrite::tui::app::{App, CeremonyInfo, HeadInfo};
use keyrite::tui::operator::{Ask, EngineEvent, Person, Request};
use keyrite::tui::theme::Theme;
use keyrite::tui::Action;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use zeroize::Zeroizing;

/// Fixed DEMO words (the recovery demo's public test share).
const DEMO_WORDS: &str = "execute morning academic acid avoid golden entrance force sniff dragon evil ranked skin intimate smith relate shelter belong transfer segment believe math float lecture walnut mortgage presence says pregnant amuse olympic enforce python";

fn app(script: &str) -> App {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(script);
    let script = keyrite::script::load(&path).expect("the demo loads");
    let mut app = App::new(
        CeremonyInfo::from_script(&script),
        Theme::COLOR,
        Arc::new(Mutex::new(None)),
    );
    app.update(Action::Resize(120, 40));
    app.update(Action::Tick(Duration::from_secs(754)));
    app.set_head(HeadInfo {
        records: 40,
        hash: "0123456789abcdef".repeat(4),
    });
    app
}

fn ask(app: &mut App, step: usize, ask: Ask) -> mpsc::Receiver<keyrite::tui::operator::Reply> {
    let (reply, rx) = mpsc::channel();
    app.update(Action::Engine(EngineEvent::Request(Request {
        step,
        ask,
        reply,
    })));
    rx
}

fn person(role: &str, name: &str) -> Person {
    Person {
        role: role.into(),
        name: name.into(),
    }
}

fn bench(c: &mut Criterion) {
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test terminal");

    let mut main = app("ceremonies/demo.yaml");
    for step in 1..=7 {
        main.update(Action::Engine(EngineEvent::BeginStep(step)));
        for i in 0..20 {
            main.update(Action::Engine(EngineEvent::Inform {
                step,
                severity: keyrite::operator::Severity::Info,
                message: format!("message {i} of step {step}, long enough to wrap in the tail pane of the main screen of the terminal UI"),
            }));
        }
    }
    let _r1 = ask(
        &mut main,
        7,
        Ask::Confirm {
            person: person("witness-1", "Bob Example"),
            statement:
                "The laptop bag seal reads TB-004217 and matches the last ceremony's record.".into(),
        },
    );
    c.bench_function("tui frame 120x40: main screen, confirmation", |b| {
        b.iter(|| {
            terminal.draw(|f| main.draw(f)).expect("draws");
        })
    });

    c.bench_function(
        "tui frame 120x40: main screen, full redraw after clear",
        |b| {
            b.iter(|| {
                terminal.clear().expect("clears");
                terminal.draw(|f| main.draw(f)).expect("draws");
            })
        },
    );

    let mut secret = app("ceremonies/demo.yaml");
    secret.update(Action::Engine(EngineEvent::BeginStep(8)));
    let _r2 = ask(
        &mut secret,
        8,
        Ask::ShowSecret {
            holder: person("custodian-1", "Carol Example"),
            caption: "Share 1 of group 1 of 1 (2 of 3 needed), set `treasury-shares`, 33 words"
                .into(),
            words: Zeroizing::new(DEMO_WORDS.to_string()),
        },
    );
    secret.update(Action::Enter);
    c.bench_function("tui frame 120x40: secret screen, 33 words", |b| {
        b.iter(|| {
            terminal.draw(|f| secret.draw(f)).expect("draws");
        })
    });

    let mut share = app("tests/data/recovery-typed.yaml");
    share.update(Action::Engine(EngineEvent::BeginStep(2)));
    let _r3 = ask(
        &mut share,
        2,
        Ask::Secret {
            kind: SecretKind::Share,
            person: Some(person("custodian-1", "Carol Example")),
            prompt: "Carol Example (custodian-1), your share".into(),
        },
    );
    for w in DEMO_WORDS.split(' ').take(32) {
        for ch in w[..keyrite::tui::share_entry::unique_prefix_len(w)].chars() {
            share.update(Action::Char(ch));
        }
    }
    c.bench_function("tui frame 120x40: share entry, 32 words", |b| {
        b.iter(|| {
            terminal.draw(|f| share.draw(f)).expect("draws");
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
