//! Keystrokes to enter the recovery demo's two shares in the terminal UI.
//!
//! The real engine runs `tests/data/recovery-typed.yaml` on a worker thread with the UI's
//! operator (`TuiOperator`), exactly as `keyrite run` does, and the test drives the UI's
//! state through `App::update` with synthetic keys, no terminal. Each share word is
//! typed as its shortest unique prefix; words complete by themselves, and the share goes
//! to the engine by itself when it is complete. Goal: a mean of at most 3.6 letter
//! keystrokes per word, plus at most one confirmation key per share.
//!
//! The other tests type shares made with the SLIP-39 splitter (20 and 33 words) in every
//! style people use (shortest unique starts, first four letters, whole words; with and
//! without spaces; mixed) through the UI's `App` and through `ShareEntry::key`, and
//! measure what it costs to fix a word in the middle.

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
    let answers = include_str!("../data/recovery-typed.answers.yaml");
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
        warnings: Vec::new(),
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
                (Screen::Opening(_), _) if !app.is_awaiting() => app.update(Action::Enter),
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
        "fast path: {letters} letters for {words_typed} words: {mean:.2} a word; {other_keys} other keys"
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

// ---- every way of typing a share ----------------------------------------------------

use keyrite::slip39::{split, MasterSecret, Passphrase, SplitConfig};
use keyrite::tui::operator::{Person, Reply, Request};
use keyrite::tui::share_entry::{ShareEntry, Typed};

/// Shares of a fixed random split: `bytes` 16 gives 20 words, 32 gives 33 words.
fn made_shares(seed: u64, bytes: usize) -> Vec<String> {
    let mut state = seed;
    let mut random = |buf: &mut [u8]| {
        for b in buf.iter_mut() {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            *b = (state >> 33) as u8;
        }
    };
    let mut secret = vec![0u8; bytes];
    random(&mut secret);
    let secret = MasterSecret::new(&secret).expect("a valid secret length");
    split(
        &secret,
        &Passphrase::empty(),
        &SplitConfig::single_group(2, 3),
        &mut random,
    )
    .expect("the split works")
    .into_iter()
    .flatten()
    .map(|s| s.to_words().expose_secret().to_string())
    .collect()
}

/// The ways people type a share.
fn styles(share: &str) -> Vec<(&'static str, String)> {
    let words: Vec<&str> = share.split(' ').collect();
    let unique = |w: &str| w[..unique_prefix_len(w)].to_string();
    vec![
        (
            "shortest unique start, no separator",
            words.iter().map(|w| unique(w)).collect(),
        ),
        (
            "first four letters, no separator",
            words.iter().map(|w| &w[..4]).collect(),
        ),
        (
            "first four letters with spaces",
            words.iter().map(|w| &w[..4]).collect::<Vec<_>>().join(" "),
        ),
        ("whole words with spaces", share.to_string()),
        (
            "whole words in capitals, no separator",
            share.replace(' ', "").to_uppercase(),
        ),
        (
            "a mix, with commas and hyphens",
            words
                .iter()
                .enumerate()
                .map(|(i, w)| match i % 5 {
                    0 => unique(w),
                    1 => format!("{} ", &w[..4]),
                    2 => format!("{w}, "),
                    3 => w[..4].to_uppercase(),
                    _ => format!("{w}-"),
                })
                .collect(),
        ),
    ]
}

/// An `App` showing share entry for one holder, and where its answer goes.
fn share_screen() -> (App, mpsc::Receiver<Reply>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/recovery-typed.yaml");
    let script = keyrite::script::load(&path).expect("the recovery demo loads");
    let mut app = App::new(
        CeremonyInfo::from_script(&script),
        Theme::NO_COLOR,
        Arc::new(Mutex::new(None)),
    );
    app.update(Action::Resize(120, 40));
    app.update(Action::Engine(EngineEvent::BeginStep(2)));
    let (reply, rx) = mpsc::channel();
    app.update(Action::Engine(EngineEvent::Request(Request {
        step: 2,
        ask: Ask::Secret {
            kind: SecretKind::Share,
            person: Some(Person {
                role: "custodian-1".to_string(),
                name: "Carol Example".to_string(),
            }),
            prompt: "Carol Example (custodian-1), your share".to_string(),
        },
        reply,
    })));
    assert!(matches!(app.screen, Screen::Share(_)));
    (app, rx)
}

/// Types `text` into share entry key by key; returns what was sent and the keys it took
/// (keys after the share went are not counted).
fn type_into_entry(entry: &mut ShareEntry, text: &str) -> (Option<String>, usize) {
    for (k, c) in text.chars().enumerate() {
        let action = match c {
            '\n' => Action::Enter,
            c => Action::Char(c),
        };
        if let Typed::Submit(words) = entry.key(&action) {
            return (Some(words.to_string()), k + 1);
        }
    }
    match entry.key(&Action::Enter) {
        Typed::Submit(words) => (Some(words.to_string()), text.chars().count() + 1),
        Typed::Nothing => (None, text.chars().count() + 1),
    }
}

#[test]
fn every_typing_style_gives_the_share() {
    for (bytes, words) in [(16, 20), (32, 33)] {
        for share in made_shares(7 + bytes as u64, bytes) {
            assert_eq!(share.split(' ').count(), words);
            for (style, text) in styles(&share) {
                // Through share entry's own key handling: every character, separators too.
                let mut entry = ShareEntry::new(None, String::new());
                let (sent, keys) = type_into_entry(&mut entry, &text);
                assert_eq!(
                    sent.as_deref(),
                    Some(share.as_str()),
                    "{words} words, {style}"
                );
                println!(
                    "{words} words, {style}: {keys} keys, {:.2} a word",
                    keys as f64 / words as f64
                );

                // Through the whole UI, exactly as a terminal sends the keys.
                let (mut app, rx) = share_screen();
                for c in text.chars() {
                    app.update(Action::Char(c));
                }
                if !app.is_awaiting() {
                    app.update(Action::Enter);
                }
                match rx.try_recv() {
                    Ok(Reply::Secret(s)) => {
                        assert_eq!(s.as_str(), share, "{words} words, {style}, through the UI")
                    }
                    _ => panic!("{words} words, {style}: nothing sent through the UI"),
                }
            }
        }
    }
}

#[test]
fn readings_shown_while_typing_are_full_words() {
    let share = &made_shares(3, 16)[0];
    let words: Vec<&str> = share.split(' ').collect();
    let mut entry = ShareEntry::new(None, String::new());
    for w in &words[..5] {
        for c in w[..4].chars() {
            entry.letter(c);
        }
        entry.letter(' ');
    }
    assert_eq!(entry.word_count(), 5);
    assert_eq!(entry.words().as_str(), words[..5].join(" "));
    // A separator after letters several words start with is refused, and says so.
    let w = words[5];
    if unique_prefix_len(w) > 1 {
        entry.letter(w.chars().next().unwrap());
        entry.letter(' ');
        assert!(entry.error().is_some_and(|e| e.contains("not complete")));
        assert_eq!(entry.word_count(), 5);
    }
}

#[test]
fn fixing_a_word_in_the_middle_takes_a_few_keys() {
    for (bytes, words) in [(16usize, 20usize), (32, 33)] {
        let share = &made_shares(11, bytes)[1];
        let list: Vec<&str> = share.split(' ').collect();
        let middle = words / 2;
        // A wrong word in the middle: another word of the list, typed the same way.
        let wrong = WORDS
            .iter()
            .find(|w| !list.contains(w))
            .expect("a word not in the share");
        let mut typed: Vec<&str> = list.clone();
        typed[middle - 1] = wrong;
        let text: String = typed.iter().map(|w| &w[..4]).collect();
        let mut entry = ShareEntry::new(None, String::new());
        let (sent, _) = type_into_entry(&mut entry, &text);
        // All words are there but the checksum fails: the engine would say so.
        let sent = sent.expect("a full-length share goes to the engine");
        assert_ne!(sent, *share);
        entry.set_error("the share's checksum is wrong".to_string());

        // Shift-Tab back to the word, retype it: the share then goes by itself.
        let mut keys = 0;
        for _ in middle..=words {
            keys += 1;
            assert!(matches!(entry.key(&Action::BackTab), Typed::Nothing));
        }
        assert_eq!(entry.editing_word(), Some(middle));
        let right = list[middle - 1];
        let mut sent = None;
        for c in right[..4].chars() {
            keys += 1;
            if let Typed::Submit(s) = entry.key(&Action::Char(c)) {
                sent = Some(s.to_string());
                break;
            }
        }
        assert_eq!(sent.as_deref(), Some(share.as_str()));
        println!("{words} words: word {middle} fixed with Shift-Tab in {keys} keys");
        assert!(keys <= words / 2 + 6, "{keys} keys");

        // Or pick it by number: Shift-Tab, its number, the word.
        let mut entry = ShareEntry::new(None, String::new());
        let _ = type_into_entry(&mut entry, &text);
        let number = middle.to_string();
        let mut keys = 1;
        entry.key(&Action::BackTab);
        for c in number.chars() {
            keys += 1;
            entry.key(&Action::Char(c));
        }
        assert_eq!(entry.editing_word(), Some(middle));
        let mut sent = None;
        for c in right[..4].chars() {
            keys += 1;
            if let Typed::Submit(s) = entry.key(&Action::Char(c)) {
                sent = Some(s.to_string());
                break;
            }
        }
        assert_eq!(sent.as_deref(), Some(share.as_str()));
        println!("{words} words: word {middle} fixed by number in {keys} keys");
        assert!(keys <= 8, "{keys} keys");
    }
}

#[test]
fn retyping_keeps_the_neighbours_and_backspace_still_works_at_the_end() {
    let share = &made_shares(5, 16)[0];
    let list: Vec<&str> = share.split(' ').collect();
    let fast: String = list[..6]
        .iter()
        .map(|w| &w[..unique_prefix_len(w)])
        .collect();
    let mut entry = ShareEntry::new(None, String::new());
    for c in fast.chars() {
        entry.letter(c);
    }
    assert_eq!(entry.words().as_str(), list[..6].join(" "));
    // Pick word 3, retype it as another word, in full.
    entry.key(&Action::BackTab);
    entry.key(&Action::Char('3'));
    assert_eq!(entry.editing_word(), Some(3));
    let other = WORDS.iter().find(|w| !list.contains(w)).unwrap();
    for c in other.chars() {
        entry.key(&Action::Char(c));
    }
    entry.key(&Action::Enter);
    assert!(!entry.is_editing());
    let mut expected: Vec<&str> = list[..6].to_vec();
    expected[2] = other;
    assert_eq!(entry.words().as_str(), expected.join(" "));
    // Typing goes on at the end; Backspace deletes the last letter there.
    entry.letter('z');
    entry.backspace();
    assert_eq!(entry.words().as_str(), expected.join(" "));
    // Picking a word and clearing it with Backspace, then Enter, deletes it.
    entry.key(&Action::BackTab);
    entry.key(&Action::Backspace);
    entry.key(&Action::Enter);
    assert_eq!(entry.words().as_str(), expected[..5].join(" "));
}

#[test]
fn two_readings_that_pass_are_offered() {
    // "agency" also reads as "agen" + "cy" (cylinder), "kidney" as "kidn" + "ey"
    // (eyebrow); a third word splits too. A stand-in check accepts any 22-word reading
    // that ends in "acid", so the three readings that split two of them pass, and the
    // person is asked which one is meant (real checksums make this very rare).
    let third = WORDS
        .iter()
        .find(|w| {
            !["agency", "kidney"].contains(w)
                && keyrite::slip39::typing::read(w, None)
                    .expect("a list word reads")
                    .count_of_length(2)
                    > 0
        })
        .expect("another word that splits");
    let words = format!("{third} agency acid kidney acne acquire acrobat activity actress adapt adequate adjust admit adorn adult advance advocate afraid again acid");
    let mut entry = ShareEntry::new(None, String::new())
        .with_check(|m| m.split(' ').count() == 22 && m.ends_with(" acid"));
    for c in words.chars() {
        let sent = entry.key(&Action::Char(c));
        assert!(
            matches!(sent, Typed::Nothing),
            "nothing is sent while two readings pass"
        );
    }
    assert!(entry.is_choosing());
    let first = entry.words();
    entry.key(&Action::Tab);
    assert_ne!(entry.words(), first, "Tab shows the next reading");
    match entry.key(&Action::Enter) {
        Typed::Submit(m) => {
            assert_eq!(m.split(' ').count(), 22);
            assert_eq!(m, entry.words());
        }
        Typed::Nothing => panic!("Enter takes the reading shown"),
    }
    // A digit takes that reading.
    match entry.key(&Action::Char('3')) {
        Typed::Submit(m) => assert_ne!(m, first),
        Typed::Nothing => panic!("3 takes the third reading"),
    }
}
