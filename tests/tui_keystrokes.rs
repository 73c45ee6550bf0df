//! Keystrokes to enter the recovery demo's two shares in the terminal UI.
//!
//! The real engine runs `tests/data/recovery-typed.yaml` on a worker thread with the UI's
//! operator (`TuiOperator`), exactly as `keyrite run` does, and the test drives the UI's
//! state through `App::update` with synthetic keys, no terminal. Each share word is
//! typed as its shortest unique prefix; words complete by themselves, and the share goes
//! to the engine by itself when it is complete. Goal: a mean of at most 3.6 letter
//! keystrokes per word, plus at most one confirmation key per share.

use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keyrite::engine::{End, RunOptions};
use keyrite::operator::SecretKind;
use keyrite::slip39::{complete_prefix, PrefixMatch, WORDS};
use keyrite::tui::app::{App, CeremonyInfo, Screen};
use keyrite::tui::operator::{Ask, EngineEvent, Finished, TuiOperator};
use keyrite::tui::share_entry::unique_prefix_len;
use keyrite::tui::theme::Theme;
use keyrite::tui::Action;

/// The shares of the answers file, by role, as full words.
fn demo_shares() -> Vec<(String, Vec<&'static str>)> {
    let answers = include_str!("data/recovery-typed.answers.yaml");
    answers
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let (role, rest) = l.split_once(": \"")?;
            if !role.starts_with("custodian-") {
                return None;
            }
            let words = rest
                .trim_end_matches('"')
                .split_whitespace()
                .map(|w| match complete_prefix(w) {
                    PrefixMatch::Unique(i) => WORDS[usize::from(i)],
                    other => panic!("`{w}` in the answers file: {other:?}"),
                })
                .collect();
            Some((role.to_string(), words))
        })
        .collect()
}

#[test]
fn recovery_shares_take_few_keystrokes() {
    let shares = demo_shares();
    assert_eq!(shares.len(), 2, "the answers file has two shares");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/recovery-typed.yaml");
    let script = keyrite::script::load(&path).expect("the recovery demo loads");
    let records = tempfile::tempdir().expect("a temporary folder");
    let options = RunOptions {
        records: records.path().to_path_buf(),
        out: records.path().join("out"),
        hygiene: keyrite::hygiene::Hygiene {
            core_dumps_off: false,
            memory_locked: false,
            notes: vec!["test".to_string()],
        },
    };
    let slot = Arc::new(Mutex::new(None));
    let mut app = App::new(
        CeremonyInfo::from_script(&script),
        Theme::NO_COLOR,
        slot.clone(),
    );
    app.update(Action::Resize(120, 40));
    let (events, inbox) = mpsc::channel();

    let mut letters = 0usize;
    // Keys other than letters while a share is typed: none are needed.
    let other_keys = 0usize;
    let mut words_typed = 0usize;
    let mut shares_entered = 0usize;
    let outcome = std::thread::scope(|s| {
        let worker = s.spawn(|| {
            let mut operator = TuiOperator::new(events.clone(), slot);
            let result = keyrite::engine::run(&script, &mut operator, &options);
            let _ = events.send(EngineEvent::Finished(Finished::of(&result)));
            result
        });
        loop {
            let event = inbox
                .recv_timeout(Duration::from_secs(60))
                .expect("the engine keeps talking");
            let finished = matches!(event, EngineEvent::Finished(_));
            let share_for = match &event {
                EngineEvent::Request(r) => match &r.ask {
                    Ask::Secret {
                        kind: SecretKind::Share,
                        person: Some(p),
                        ..
                    } => Some(p.role.clone()),
                    _ => None,
                },
                _ => None,
            };
            app.update(Action::Engine(event));
            if finished {
                break;
            }
            match (&app.screen, share_for) {
                (Screen::Share(_), Some(role)) => {
                    let (_, words) = shares
                        .iter()
                        .find(|(r, _)| *r == role)
                        .expect("a share for this holder");
                    for w in words {
                        for c in w[..unique_prefix_len(w)].chars() {
                            app.update(Action::Char(c));
                            letters += 1;
                        }
                        words_typed += 1;
                    }
                    assert!(app.is_awaiting(), "the complete share went by itself");
                    shares_entered += 1;
                }
                (Screen::Confirm(c), _) if !app.is_awaiting() => {
                    let initials: String = c
                        .person
                        .name
                        .split_whitespace()
                        .filter_map(|w| w.chars().next())
                        .collect();
                    for ch in initials.chars() {
                        app.update(Action::Char(ch));
                    }
                    app.update(Action::Enter);
                }
                _ => {}
            }
        }
        worker.join().expect("the engine thread ends")
    });
    let outcome = outcome.expect("the transcript is written");
    assert_eq!(
        outcome.end,
        End::Completed,
        "the recovery rehearsal completes"
    );
    assert_eq!(shares_entered, 2);
    assert_eq!(words_typed, 66);
    let mean = letters as f64 / words_typed as f64;
    println!(
        "{letters} letters for {words_typed} words: {mean:.2} a word; {other_keys} other keys"
    );
    assert!(mean <= 3.6, "mean {mean:.2} letter keystrokes per word");
    assert!(
        other_keys <= shares_entered,
        "at most one confirmation per share"
    );
}

#[test]
fn backspace_steps_back_across_words() {
    use keyrite::tui::share_entry::{ShareEntry, Typed};
    let mut entry = ShareEntry::new(None, String::new());
    for c in "acaaci".chars() {
        assert!(matches!(entry.letter(c), Typed::Nothing));
    }
    // academic (aca), acid (aci): two words, nothing pending.
    assert_eq!(entry.word_count(), 2);
    entry.backspace();
    assert_eq!(entry.word_count(), 1, "back into acid: `ac` pending");
    entry.backspace();
    entry.backspace();
    entry.backspace();
    assert_eq!(
        entry.word_count(),
        0,
        "and across into academic: `ac` pending"
    );
    assert!(
        matches!(entry.enter(), Typed::Nothing),
        "an incomplete word is not sent"
    );
    assert!(entry.error().is_some_and(|e| e.contains("not complete")));
    // `i` completes acid again.
    entry.letter('i');
    assert_eq!(entry.word_count(), 1);
}
