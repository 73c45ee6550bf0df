//! Scripted answers files: `keyrite::operator::answers::Answers::load` (what
//! `keyrite run --answers FILE` calls), then every question of the `Operator` trait the
//! engine can ask, for every step and role of the script.
//!
//! `Answers::load` reads a path, so each input is written to one file per process in
//! the temporary directory first (see the README: an in-memory entry point would be
//! faster). The input is loaded against each of the repository's scripts in turn, so
//! the seeds (the `*.answers.yaml` files of `ceremonies/` and `tests/data/`) each match
//! one of them.
//!
//! Properties beyond "no panic": a refused file says why (at least one problem); an
//! answer to a check word is the word of the share last shown.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use keyrite::operator::answers::{Answers, AnswersError};
use keyrite::operator::{
    FieldKey, Operator, RoleView, SecretAsk, SecretKind, SecretView, Severity, StepView,
};
use keyrite::script::types::FieldName;
use keyrite::script::Script;
use keyrite::slip39::{Share, ShareWords};
use libfuzzer_sys::fuzz_target;

const SCRIPTS: &[&str] = &[
    "ceremonies/demo.yaml",
    "ceremonies/demo-device.yaml",
    "ceremonies/demo-recovery.yaml",
    "tests/data/room-check.yaml",
    "tests/data/recovery-typed.yaml",
];

/// Field names the demo scripts ask for, and the constant ones steps use.
const FIELDS: &[&str] = &[
    "room",
    "laptop_bag_seal",
    "seal_number",
    "site",
    "container",
    "seal",
    "holder",
    "key_file",
    "passphrase",
    "policy",
    "reason",
];

/// Storage items of the demo answers files.
const ITEMS: &[&str] = &[
    "laptop",
    "backup-drive",
    "treasury-shares-1-1",
    "treasury-shares-1-2",
];

/// A share of the SLIP-39 test vectors (vector 1), shown before check words are asked.
const SHOWN: &str = "duckling enlarge academic academic agency result length solution fridge kidney coal piece deal husband erode duke ajar critical decision keyboard";

struct Fixture {
    scripts: Vec<Script>,
    file: PathBuf,
    words: ShareWords,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let scripts: Vec<Script> = SCRIPTS
            .iter()
            .filter_map(|s| keyrite::script::load(&root.join(s)).ok())
            .collect();
        assert!(
            !scripts.is_empty(),
            "none of the repository's scripts loads: the fuzz target has nothing to answer"
        );
        let file =
            std::env::temp_dir().join(format!("keyrite-fuzz-answers-{}.yaml", std::process::id()));
        let words = Share::from_mnemonic(SHOWN)
            .expect("test vector 1 is a valid share")
            .to_words();
        Fixture {
            scripts,
            file,
            words,
        }
    })
}

fn accept_even(value: &str) -> Result<(), String> {
    if value.len() % 2 == 0 {
        Ok(())
    } else {
        Err("odd length".to_string())
    }
}

fn exercise(answers: &mut Answers, script: &Script, words: &ShareWords) {
    let total = script.steps.len();
    let _ = answers.source();
    for (i, step) in script.steps.iter().enumerate() {
        let view = StepView {
            number: i + 1,
            total,
            id: &step.id,
            kind: step.action.kind(),
            title: &step.title,
        };
        let _ = answers.begin_step(&view);
        let _ = answers.acknowledge(&view, "text");
        answers.inform(&view, Severity::Info, "message");
        for field in FIELDS {
            let Ok(name) = FieldName::parse(field) else {
                continue;
            };
            let key = FieldKey {
                item: None,
                field: name.clone(),
            };
            let _ = answers.ask_field(&view, &key, "label", &|_| Ok(()));
            let _ = answers.ask_field(&view, &key, "label", &accept_even);
            for item in ITEMS {
                let key = FieldKey {
                    item: Some(item.to_string()),
                    field: name.clone(),
                };
                let _ = answers.ask_field(&view, &key, "label", &|_| Ok(()));
            }
        }
        let _ = answers.ask_secret(
            &view,
            &SecretAsk {
                kind: SecretKind::Dice,
                role: None,
                prompt: String::new(),
            },
            &|_| Ok(()),
        );
        let _ = answers.ask_secret(
            &view,
            &SecretAsk {
                kind: SecretKind::Share,
                role: None,
                prompt: String::new(),
            },
            &accept_even,
        );
        for role in &script.roles {
            let rv = RoleView {
                id: &role.id,
                name: &role.name,
            };
            if let Ok(initials) = answers.confirm(&view, &rv, "statement") {
                assert!(!initials.as_str().is_empty());
            }
            for kind in [
                SecretKind::Passphrase,
                SecretKind::PassphraseAgain,
                SecretKind::Share,
            ] {
                let _ = answers.ask_secret(
                    &view,
                    &SecretAsk {
                        kind,
                        role: Some(rv.clone()),
                        prompt: String::new(),
                    },
                    &|_| Ok(()),
                );
            }
            let shown = answers.show_secret(
                &view,
                &SecretView {
                    holder: rv.clone(),
                    caption: String::new(),
                    words,
                },
            );
            if shown.is_ok() {
                for n in [1usize, 3, 20, 21] {
                    let got = answers.ask_secret(
                        &view,
                        &SecretAsk {
                            kind: SecretKind::CheckWord(n),
                            role: Some(rv.clone()),
                            prompt: String::new(),
                        },
                        &|_| Ok(()),
                    );
                    let want = words.expose_secret().split(' ').nth(n - 1);
                    match (got, want) {
                        (Ok(got), Some(want)) => assert_eq!(got.as_str(), want),
                        (Ok(_), None) => panic!("check word {n} answered past the share's end"),
                        (Err(_), Some(_)) => panic!("check word {n} of a shown share failed"),
                        (Err(_), None) => {}
                    }
                }
            }
        }
        answers.recorded(i as u64, "00");
    }
}

fuzz_target!(|data: &[u8]| {
    let fx = fixture();
    if std::fs::write(&fx.file, data).is_err() {
        return;
    }
    for script in &fx.scripts {
        match Answers::load(&fx.file, &script.path, &script.step_ids()) {
            Ok(mut answers) => {
                let _ = format!("{answers:?}");
                exercise(&mut answers, script, &fx.words);
            }
            Err(AnswersError::Invalid { problems, .. }) => {
                assert!(
                    !problems.is_empty(),
                    "an answers file refused without a problem"
                );
            }
            Err(e) => {
                let _ = keyrite::error_chain(&e);
            }
        }
    }
});
