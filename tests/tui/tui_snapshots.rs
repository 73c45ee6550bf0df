//! Snapshot tests of every screen of the terminal UI at 120x40 and 80x24, drawn with
//! ratatui's `TestBackend` from an `App` driven by synthetic engine events and keys
//! through `update`. The clock is injected (`Action::Tick`) and the transcript head is a
//! fixed fake value, so snapshots hold no real time or hash.
//!
//! Refresh with `INSTA_UPDATE=always cargo test --test tui tui_snapshots`, then read every
//! changed `.snap` under `tests/tui/snapshots/`.

use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::KeyCode;
use keyrite::operator::SecretKind;
use keyrite::tui::app::{App, CeremonyInfo, HeadInfo, Screen};
use keyrite::tui::operator::{Ask, EngineEvent, Finished, Person, Reply, Request};
use keyrite::tui::theme::Theme;
use keyrite::tui::Action;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use zeroize::Zeroizing;

/// Fixed DEMO words (the recovery demo's public test share), never a real share.
const DEMO_WORDS: &str = "execute morning academic acid avoid golden entrance force sniff dragon evil ranked skin intimate smith relate shelter belong transfer segment believe math float lecture walnut mortgage presence says pregnant amuse olympic enforce python";

/// The demo words that no public text (the script, the UI's strings) contains, so
/// finding one on screen can only mean a leak.
fn secret_only_words() -> Vec<&'static str> {
    let public = format!(
        "{}{}",
        include_str!("../../ceremonies/demo.yaml"),
        include_str!("../../src/tui/text.rs")
    )
    .to_lowercase();
    let words: Vec<&str> = DEMO_WORDS
        .split(' ')
        .filter(|w| !public.contains(*w))
        .collect();
    assert!(words.len() >= 25, "most demo words are checked");
    words
}

struct Sim {
    app: App,
    replies: Vec<Receiver<Reply>>,
}

fn info(script: &str) -> CeremonyInfo {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(script);
    let script = keyrite::script::load(&path).expect("the demo script loads");
    CeremonyInfo::from_script(&script)
}

fn person(role: &str, name: &str) -> Person {
    Person {
        role: role.to_string(),
        name: name.to_string(),
    }
}

impl Sim {
    fn new(script: &str, theme: Theme) -> Sim {
        let mut app = App::new(info(script), theme, Arc::new(Mutex::new(None)));
        app.update(Action::Tick(Duration::from_secs(3723)));
        app.set_head(HeadInfo {
            records: 17,
            hash: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".into(),
        });
        Sim {
            app,
            replies: Vec::new(),
        }
    }

    /// A sim whose script is changed by `edit` first (a long title, a bigger roster).
    fn edited(script: &str, edit: impl FnOnce(&mut CeremonyInfo)) -> Sim {
        let mut info = info(script);
        edit(&mut info);
        let mut app = App::new(info, Theme::COLOR, Arc::new(Mutex::new(None)));
        app.update(Action::Tick(Duration::from_secs(3723)));
        app.set_head(HeadInfo {
            records: 17,
            hash: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".into(),
        });
        Sim {
            app,
            replies: Vec::new(),
        }
    }

    fn event(&mut self, e: EngineEvent) {
        self.app.update(Action::Engine(e));
    }

    fn begin(&mut self, step: usize) {
        self.event(EngineEvent::BeginStep(step));
    }

    fn ask(&mut self, step: usize, ask: Ask) {
        let (reply, rx) = mpsc::channel();
        self.replies.push(rx);
        self.event(EngineEvent::Request(Request { step, ask, reply }));
    }

    fn inform(&mut self, step: usize, message: &str) {
        self.event(EngineEvent::Inform {
            step,
            severity: keyrite::operator::Severity::Info,
            message: message.to_string(),
        });
    }

    fn ok(&mut self) {
        self.event(EngineEvent::Verdict(Ok(())));
    }

    fn key(&mut self, code: KeyCode) {
        if let Some(a) = Action::key(code) {
            self.app.update(a);
        }
    }

    fn typed(&mut self, s: &str) {
        for c in s.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    fn last_reply(&self) -> Option<Reply> {
        self.replies.last().and_then(|r| r.try_recv().ok())
    }

    /// Confirms `role` with `initials` (answer and accepted verdict).
    fn confirm(&mut self, step: usize, role: &str, name: &str, statement: &str, initials: &str) {
        self.ask(
            step,
            Ask::Confirm {
                person: person(role, name),
                statement: statement.to_string(),
            },
        );
        self.typed(initials);
        self.key(KeyCode::Enter);
        self.ok();
    }

    fn field(&mut self, step: usize, key: &str, label: &str, value: &str) {
        self.ask(
            step,
            Ask::Field {
                key: key.to_string(),
                label: label.to_string(),
            },
        );
        self.typed(value);
        self.key(KeyCode::Enter);
        self.ok();
    }
}

fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|f| app.draw(f)).expect("draws");
    format!("{}", terminal.backend())
}

/// The text of the main pane (inside its border, right of the step list) at `width` x
/// `height`, rows joined by single spaces, so a wrapped text can be found whole in it.
fn main_pane_text(app: &mut App, width: u16, height: u16) -> String {
    app.update(Action::Resize(width, height));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|f| app.draw(f)).expect("draws");
    let buffer = terminal.backend().buffer();
    let left = match (&app.screen, width >= 110) {
        (_, true) => 38,
        (Screen::Share(_), false) => 0,
        (_, false) => 28,
    };
    let tail = if height >= 36 { 9 } else { 5 };
    let mut rows = Vec::new();
    for y in 3..height - tail - 2 {
        // The borders of a box inside the pane (the share entry's progress) are not text.
        let row: String = (left + 1..width - 1)
            .map(|x| buffer[(x, y)].symbol().to_string())
            .collect::<String>()
            .replace(['│', '─', '┌', '┐', '└', '┘'], " ");
        rows.push(row.trim().to_string());
    }
    rows.join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The rows inside the message pane at `width` x `height`.
fn message_rows(app: &mut App, width: u16, height: u16) -> Vec<String> {
    app.update(Action::Resize(width, height));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|f| app.draw(f)).expect("draws");
    let buffer = terminal.backend().buffer();
    let tail = if height >= 36 { 9 } else { 5 };
    (height - tail..height - 2)
        .map(|y| {
            (1..width - 1)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect()
}

/// Asserts that `text` is shown whole in the main pane at both sizes.
fn shows_whole(app: &mut App, text: &str) {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for (w, h) in [(120, 40), (80, 24)] {
        let pane = main_pane_text(app, w, h);
        assert!(
            pane.contains(&text),
            "at {w}x{h}, {text:?} is not whole in {pane:?}"
        );
    }
}

/// Snapshots the app at 120x40 and 80x24.
fn snap(name: &str, app: &mut App) {
    for (w, h) in [(120, 40), (80, 24)] {
        app.update(Action::Resize(w, h));
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(app, w, h));
    }
}

const ATTENDANCE: [(&str, &str, &str); 6] = [
    ("officer", "Alice Example", "AE"),
    ("witness-1", "Bob Example", "BE"),
    ("witness-2", "Dana Example", "DE"),
    ("custodian-1", "Carol Example", "CE"),
    ("custodian-2", "Erin Example", "EE"),
    ("custodian-3", "Frank Example", "FE"),
];

fn attend(sim: &mut Sim, how_many: usize) {
    sim.begin(1);
    for (role, name, initials) in ATTENDANCE.iter().take(how_many) {
        let statement = format!("I, {name} ({role}), am present.");
        sim.confirm(1, role, name, &statement, initials);
    }
}

const SEAL: &str = "The laptop bag seal reads TB-004217 and matches the last ceremony's record.";
const OFFLINE: &str = "Wi-Fi and Bluetooth are switched off and no network cable is attached.";

/// The demo up to the start of step 5 (generate).
fn through_offline(sim: &mut Sim) {
    attend(sim, 6);
    sim.begin(2);
    sim.field(2, "room", "Room", "Safe room 4.12, Example HQ");
    sim.field(2, "laptop_bag_seal", "Laptop bag seal", "TB-004217");
    sim.begin(3);
    sim.confirm(3, "witness-1", "Bob Example", SEAL, "BE");
    sim.confirm(3, "witness-2", "Dana Example", SEAL, "DE");
    sim.begin(4);
    sim.confirm(4, "officer", "Alice Example", OFFLINE, "AE");
    sim.confirm(4, "witness-1", "Bob Example", OFFLINE, "BE");
}

fn dice_prompt(sim: &mut Sim) {
    sim.begin(5);
    sim.ask(
        5,
        Ask::Secret {
            kind: SecretKind::Dice,
            person: None,
            prompt: "dice rolls (at least 100, digits 1-6, or press Enter to skip)".into(),
        },
    );
}

#[test]
fn main_screen_mid_ceremony() {
    let mut sim = Sim::new("ceremonies/demo.yaml", Theme::COLOR);
    through_offline(&mut sim);
    dice_prompt(&mut sim);
    sim.typed("3614 2561 1436");
    snap("main_mid_ceremony", &mut sim.app);
    // The masked input shows no digit anywhere.
    let screen = render(&sim.app, 120, 40);
    assert!(!screen.contains("3614"), "dice rolls are masked");
}

#[test]
fn help_overlay() {
    let mut sim = Sim::new("ceremonies/demo.yaml", Theme::COLOR);
    attend(&mut sim, 2);
    sim.ask(
        1,
        Ask::Confirm {
            person: person("witness-2", "Dana Example"),
            statement: "I, Dana Example (witness-2), am present.".into(),
        },
    );
    sim.typed("?");
    snap("help", &mut sim.app);
    sim.key(KeyCode::Char('x'));
    assert!(sim.app.overlay.is_none(), "any key closes help");
    // The key that closed help typed nothing.
    match &sim.app.screen {
        Screen::Confirm(c) => assert_eq!(c.input.value(), ""),
        _ => panic!("still the confirmation"),
    }
}

#[test]
fn attend_confirmation() {
    let mut sim = Sim::new("ceremonies/demo.yaml", Theme::COLOR);
    attend(&mut sim, 2);
    sim.ask(
        1,
        Ask::Confirm {
            person: person("witness-2", "Dana Example"),
            statement: "I, Dana Example (witness-2), am present.".into(),
        },
    );
    sim.typed("D");
    snap("attend", &mut sim.app);
    assert_eq!(sim.app.present.len(), 2);
}

#[test]
fn multi_person_confirmation_with_a_rejected_answer() {
    let mut sim = Sim::new("ceremonies/demo.yaml", Theme::COLOR);
    attend(&mut sim, 6);
    sim.begin(2);
    sim.field(2, "room", "Room", "Safe room 4.12, Example HQ");
    sim.field(2, "laptop_bag_seal", "Laptop bag seal", "TB-004217");
    sim.begin(3);
    sim.confirm(3, "witness-1", "Bob Example", SEAL, "BE");
    sim.ask(
        3,
        Ask::Confirm {
            person: person("witness-2", "Dana Example"),
            statement: SEAL.into(),
        },
    );
    sim.typed("D3");
    sim.key(KeyCode::Enter);
    match sim.last_reply() {
        Some(Reply::Text(t)) => assert_eq!(t, "D3"),
        _ => panic!("the initials were sent"),
    }
    sim.event(EngineEvent::Verdict(Err(
        "`D3` are not initials: type 1 to 8 letters, such as `AE`".into(),
    )));
    snap("confirm", &mut sim.app);
}

#[test]
fn ask_field() {
    let mut sim = Sim::new("ceremonies/demo.yaml", Theme::COLOR);
    attend(&mut sim, 6);
    sim.begin(2);
    sim.field(2, "room", "Room", "Safe room 4.12, Example HQ");
    sim.ask(
        2,
        Ask::Field {
            key: "laptop_bag_seal".into(),
            label: "Laptop bag seal".into(),
        },
    );
    // `q` and `?` are text in a field, not commands.
    sim.typed("TB-0042q?");
    sim.key(KeyCode::Backspace);
    sim.key(KeyCode::Backspace);
    sim.typed("17");
    snap("field", &mut sim.app);
    assert!(sim.app.overlay.is_none());
    sim.key(KeyCode::Enter);
    match sim.last_reply() {
        Some(Reply::Text(t)) => assert_eq!(t, "TB-004217"),
        _ => panic!("the value was sent"),
    }
}

#[test]
fn acknowledge() {
    let mut sim = Sim::new("ceremonies/demo.yaml", Theme::COLOR);
    through_offline(&mut sim);
    sim.begin(12);
    sim.ask(
        12,
        Ask::Acknowledge {
            text: "The officer reads the transcript's head hash aloud for the video record.\nEveryone signs the paper log.".into(),
        },
    );
    snap("acknowledge", &mut sim.app);
    sim.key(KeyCode::Char('x'));
    assert!(sim.last_reply().is_none(), "only Enter acknowledges");
    sim.key(KeyCode::Enter);
    assert!(matches!(sim.last_reply(), Some(Reply::Done)));
}

fn show_secret(sim: &mut Sim) {
    through_offline(sim);
    sim.begin(8);
    sim.ask(
        8,
        Ask::ShowSecret {
            holder: person("custodian-1", "Carol Example"),
            caption: "Share 1 of group 1 of 1 (2 of 3 needed), set `treasury-shares`, 33 words"
                .into(),
            words: Zeroizing::new(DEMO_WORDS.to_string()),
        },
    );
}

#[test]
fn secret_screen() {
    let mut sim = Sim::new("ceremonies/demo.yaml", Theme::COLOR);
    show_secret(&mut sim);
    assert!(
        sim.app.take_clear(),
        "the terminal is cleared before the secret screen"
    );
    snap("secret_warning", &mut sim.app);
    let warning = render(&sim.app, 120, 40);
    assert!(
        !warning.contains("execute") && !warning.contains("morning"),
        "no word before the holder reveals"
    );
    sim.key(KeyCode::Enter);
    snap("secret_revealed", &mut sim.app);
    let shown = render(&sim.app, 120, 40);
    for word in DEMO_WORDS.split(' ') {
        assert!(shown.contains(word), "{word} is shown");
    }
    sim.key(KeyCode::Enter);
    snap("secret_confirm", &mut sim.app);
    sim.key(KeyCode::Char('n'));
    sim.key(KeyCode::Enter);
    assert!(
        sim.last_reply().is_none(),
        "not closed until the holder says yes"
    );
    sim.key(KeyCode::Char('y'));
    assert!(matches!(sim.last_reply(), Some(Reply::Done)));
    sim.ok();
    assert!(
        sim.app.take_clear(),
        "the terminal is cleared when it closes"
    );
    // The check words come next, masked; no word is on any redraw.
    sim.ask(
        8,
        Ask::Secret {
            kind: SecretKind::CheckWord(7),
            person: Some(person("custodian-1", "Carol Example")),
            prompt: "Carol Example, word 7 of your copy".into(),
        },
    );
    sim.typed("entr");
    snap("check_word", &mut sim.app);
    for (w, h) in [(120, 40), (80, 24)] {
        let after = render(&sim.app, w, h).to_lowercase();
        for word in secret_only_words() {
            assert!(!after.contains(word), "{word} left the secret screen");
        }
        for (i, word) in DEMO_WORDS.split(' ').enumerate() {
            assert!(!after.contains(&format!("{}. {word}", i + 1)));
        }
    }
}

#[test]
fn secret_screen_without_colour_uses_capitals() {
    let mut sim = Sim::new("ceremonies/demo.yaml", Theme::NO_COLOR);
    show_secret(&mut sim);
    sim.key(KeyCode::Enter);
    snap("secret_revealed_no_color", &mut sim.app);
    let shown = render(&sim.app, 120, 40);
    assert!(shown.contains("EXECute") && shown.contains("ACID") && shown.contains("PYTHon"));
}

fn recovery_share_entry(sim: &mut Sim) {
    sim.begin(1);
    for (role, name, initials) in [
        ("officer", "Alice Example", "AE"),
        ("witness-1", "Bob Example", "BE"),
        ("custodian-1", "Carol Example", "CE"),
        ("custodian-2", "Erin Example", "EE"),
    ] {
        sim.confirm(
            1,
            role,
            name,
            &format!("I, {name} ({role}), am present."),
            initials,
        );
    }
    sim.begin(2);
}

fn ask_share(sim: &mut Sim, role: &str, name: &str) {
    sim.ask(
        2,
        Ask::Secret {
            kind: SecretKind::Share,
            person: Some(person(role, name)),
            prompt: format!("{name} ({role}), your share (words or their first 4 letters)"),
        },
    );
}

#[test]
fn share_entry_flags_an_unknown_prefix_at_once() {
    let mut sim = Sim::new("tests/data/recovery-typed.yaml", Theme::COLOR);
    recovery_share_entry(&mut sim);
    ask_share(&mut sim, "custodian-1", "Carol Example");
    for w in DEMO_WORDS.split(' ').take(4) {
        let k = keyrite::tui::share_entry::unique_prefix_len(w);
        sim.typed(&w[..k]);
    }
    // "q" may begin a word (quick, quiet, ...); "qx" cannot: flagged at once, and the
    // further letter is refused until Backspace.
    sim.typed("qxz");
    match &sim.app.screen {
        Screen::Share(s) => {
            assert_eq!(s.word_count(), 4);
            assert!(s.is_flagged());
        }
        _ => panic!("share entry"),
    }
    snap("share_entry_unknown_prefix", &mut sim.app);
    // The hint and the message are whole at both sizes.
    shows_whole(&mut sim.app, keyrite::tui::text::SHARE_ENTRY_HOW);
    shows_whole(&mut sim.app, "word 5: no SLIP-39 word starts with `qx`");
    sim.key(KeyCode::Backspace);
    match &sim.app.screen {
        Screen::Share(s) => {
            assert!(!s.is_flagged(), "`q` can begin a word");
            assert_eq!(s.word_count(), 4);
        }
        _ => panic!("share entry"),
    }
}

#[test]
fn share_entry_shows_the_checksum_message_and_progress() {
    let mut sim = Sim::new("tests/data/recovery-typed.yaml", Theme::COLOR);
    recovery_share_entry(&mut sim);
    ask_share(&mut sim, "custodian-1", "Carol Example");
    for w in DEMO_WORDS.split(' ') {
        let k = keyrite::tui::share_entry::unique_prefix_len(w);
        sim.typed(&w[..k]);
    }
    match sim.last_reply() {
        Some(Reply::Secret(s)) => assert_eq!(s.as_str(), DEMO_WORDS),
        _ => panic!("33 words are sent without Enter"),
    }
    sim.ok();
    sim.inform(2, "group 1: 1 of 2");
    ask_share(&mut sim, "custodian-2", "Erin Example");
    // A share with a wrong word: the engine's validator rejects the checksum.
    let wrong = DEMO_WORDS.replace("python", "public");
    for w in wrong.split(' ') {
        let k = keyrite::tui::share_entry::unique_prefix_len(w);
        sim.typed(&w[..k]);
    }
    assert!(matches!(sim.last_reply(), Some(Reply::Secret(_))));
    sim.event(EngineEvent::Verdict(Err(
        "the share's checksum is wrong: a word is mistyped or in the wrong place".into(),
    )));
    snap("share_entry_checksum", &mut sim.app);
    shows_whole(&mut sim.app, keyrite::tui::text::SHARE_ENTRY_HOW);
    shows_whole(&mut sim.app, "group 1: 1 of 2");
    // The words stay, so the holder can fix the last one.
    sim.key(KeyCode::Backspace);
    match &sim.app.screen {
        Screen::Share(s) => assert_eq!(s.word_count(), 32),
        _ => panic!("share entry"),
    }
}

#[test]
fn working() {
    let mut sim = Sim::new("tests/data/recovery-typed.yaml", Theme::COLOR);
    recovery_share_entry(&mut sim);
    sim.inform(2, "group 1: 2 of 2 ✓");
    sim.begin(3);
    sim.inform(3, "Recovering; this runs PBKDF2 and can take a moment.");
    sim.app
        .update(Action::Tick(Duration::from_millis(3_727_250)));
    assert!(sim.app.is_working());
    snap("working", &mut sim.app);
}

#[test]
fn abort_dialog() {
    let mut sim = Sim::new("ceremonies/demo.yaml", Theme::COLOR);
    attend(&mut sim, 6);
    sim.begin(2);
    sim.ask(
        2,
        Ask::Field {
            key: "room".into(),
            label: "Room".into(),
        },
    );
    sim.key(KeyCode::Esc);
    sim.key(KeyCode::Enter);
    sim.typed("witness 1 was called away");
    snap("abort_dialog_typed", &mut sim.app);
    sim.key(KeyCode::Tab);
    sim.key(KeyCode::Tab);
    sim.key(KeyCode::Enter);
    assert!(sim.app.overlay.is_none(), "keep going closes the dialog");
    assert!(sim.last_reply().is_none());
    sim.key(KeyCode::Esc);
    sim.key(KeyCode::Enter);
    snap("abort_dialog_no_reason", &mut sim.app);
    sim.typed("fire alarm");
    sim.key(KeyCode::Tab);
    sim.key(KeyCode::Enter);
    match sim.last_reply() {
        Some(Reply::Abort(r)) => assert_eq!(r, "fire alarm"),
        _ => panic!("the abort goes to the open question"),
    }
}

#[test]
fn abort_while_working_waits_for_the_next_question() {
    let slot = Arc::new(Mutex::new(None));
    let mut app = App::new(info("ceremonies/demo.yaml"), Theme::COLOR, slot.clone());
    app.update(Action::Resize(120, 40));
    app.update(Action::Engine(EngineEvent::BeginStep(1)));
    app.update(Action::key(KeyCode::Char('q')).unwrap());
    for c in "power cut".chars() {
        app.update(Action::Char(c));
    }
    app.update(Action::Enter);
    assert_eq!(slot.lock().unwrap().as_deref(), Some("power cut"));
    let (reply, rx) = mpsc::channel();
    app.update(Action::Engine(EngineEvent::Request(Request {
        step: 1,
        ask: Ask::Acknowledge { text: "x".into() },
        reply,
    })));
    assert!(matches!(rx.try_recv(), Ok(Reply::Abort(r)) if r == "power cut"));
}

#[test]
fn too_small() {
    let mut sim = Sim::new("ceremonies/demo.yaml", Theme::COLOR);
    attend(&mut sim, 1);
    for (w, h) in [(79, 24), (60, 20)] {
        sim.app.update(Action::Resize(w, h));
        insta::assert_snapshot!(format!("too_small_{w}x{h}"), render(&sim.app, w, h));
    }
    // Keys are ignored while too small: nothing can be answered blind.
    sim.ask(
        1,
        Ask::Confirm {
            person: person("witness-1", "Bob Example"),
            statement: "I, Bob Example (witness-1), am present.".into(),
        },
    );
    sim.typed("BE");
    sim.key(KeyCode::Enter);
    assert!(sim.last_reply().is_none());
}

#[test]
fn finished() {
    let mut sim = Sim::new("ceremonies/demo.yaml", Theme::COLOR);
    through_offline(&mut sim);
    sim.event(EngineEvent::Finished(Finished::Ended {
        end: keyrite::engine::End::Aborted {
            step: Some(keyrite::script::types::StepId::parse("generate").unwrap()),
            reason: "fire alarm".into(),
        },
        transcript: "records/demo-genesis/20261121T202155Z.jsonl".into(),
        records: 42,
        head: "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210".into(),
        signed: Vec::new(),
        unsigned: Vec::new(),
    }));

    snap("finished_aborted", &mut sim.app);
    sim.key(KeyCode::Enter);
    assert!(sim.app.should_quit());
}

/// The instruction for a share file decrypted `outside` keyrite, with its `gpg` command
/// and a long path, is shown whole in the share entry's progress.
#[test]
fn share_entry_shows_the_outside_instruction_whole() {
    let mut sim = Sim::new("tests/data/recovery-typed.yaml", Theme::COLOR);
    recovery_share_entry(&mut sim);
    sim.inform(2, "group 1: 1 of 2");
    // As `collect_shares` informs it when the holder answers `outside`.
    let instruction = "Erin Example: decrypt the file on your own machine, for example with \
        `gpg --decrypt /media/ceremony-usb/demo-recovery/shares/custodian-2.share.asc`, \
        then type the words.";
    sim.inform(2, instruction);
    ask_share(&mut sim, "custodian-2", "Erin Example");
    sim.typed("exec");
    snap("share_entry_outside", &mut sim.app);
    shows_whole(&mut sim.app, instruction);
    shows_whole(&mut sim.app, "group 1: 1 of 2");
    shows_whole(&mut sim.app, keyrite::tui::text::SHARE_ENTRY_HOW);
}

/// Six people confirm a two-line statement: all six are on screen at both sizes.
#[test]
fn confirm_with_six_people() {
    let mut sim = Sim::edited("ceremonies/demo.yaml", |info| {
        info.steps[2].roster = ATTENDANCE
            .iter()
            .map(|(role, name, _)| person(role, name))
            .collect();
    });
    attend(&mut sim, 6);
    sim.begin(2);
    sim.field(2, "room", "Room", "Safe room 4.12, Example HQ");
    sim.field(2, "laptop_bag_seal", "Laptop bag seal", "TB-004217");
    sim.begin(3);
    for (role, name, initials) in &ATTENDANCE[..3] {
        sim.confirm(3, role, name, SEAL, initials);
    }
    sim.ask(
        3,
        Ask::Confirm {
            person: person("custodian-1", "Carol Example"),
            statement: SEAL.into(),
        },
    );
    sim.typed("C");
    snap("confirm_six", &mut sim.app);
    for (w, h) in [(120, 40), (80, 24)] {
        let pane = main_pane_text(&mut sim.app, w, h);
        for (_, name, _) in ATTENDANCE {
            assert!(pane.contains(name), "{name} is listed at {w}x{h}");
        }
    }
    shows_whole(&mut sim.app, SEAL);
}

/// Attendance of six, the fourth confirming: all six listed.
#[test]
fn attend_lists_all_six() {
    let mut sim = Sim::new("ceremonies/demo.yaml", Theme::COLOR);
    attend(&mut sim, 3);
    sim.ask(
        1,
        Ask::Confirm {
            person: person("custodian-1", "Carol Example"),
            statement: "I, Carol Example (custodian-1), am present.".into(),
        },
    );
    for (w, h) in [(120, 40), (80, 24)] {
        let pane = main_pane_text(&mut sim.app, w, h);
        for (role, name, _) in ATTENDANCE {
            assert!(
                pane.contains(&format!("{name} ({role})")),
                "{name} is listed at {w}x{h}"
            );
        }
    }
}

const LONG_TITLE: &str =
    "The laptop is offline: the officer and the first witness check that Wi-Fi, \
    Bluetooth and every cable are off, and say so aloud for the video record";

/// A step title of about 150 characters is shown whole in the main pane.
#[test]
fn long_step_title() {
    assert!(LONG_TITLE.len() >= 140);
    let mut sim = Sim::edited("ceremonies/demo.yaml", |info| {
        info.steps[3].title = LONG_TITLE.into();
    });
    attend(&mut sim, 6);
    sim.begin(2);
    sim.field(2, "room", "Room", "Safe room 4.12, Example HQ");
    sim.field(2, "laptop_bag_seal", "Laptop bag seal", "TB-004217");
    sim.begin(3);
    sim.confirm(3, "witness-1", "Bob Example", SEAL, "BE");
    sim.confirm(3, "witness-2", "Dana Example", SEAL, "DE");
    sim.begin(4);
    sim.ask(
        4,
        Ask::Confirm {
            person: person("officer", "Alice Example"),
            statement: OFFLINE.into(),
        },
    );
    snap("long_title", &mut sim.app);
    shows_whole(&mut sim.app, LONG_TITLE);
    shows_whole(&mut sim.app, OFFLINE);
    // While the engine works on the step, too.
    sim.typed("AE");
    sim.key(KeyCode::Enter);
    sim.ok();
    shows_whole(&mut sim.app, LONG_TITLE);
}

/// Scrolled back to the top, the message pane is full of the first messages, not one
/// or two rows and blank space.
#[test]
fn messages_scrolled_to_the_top() {
    let mut sim = Sim::new("ceremonies/demo.yaml", Theme::COLOR);
    through_offline(&mut sim);
    sim.begin(5);
    sim.ask(
        5,
        Ask::Acknowledge {
            text: "Roll the dice.".into(),
        },
    );
    for _ in 0..100 {
        sim.key(KeyCode::Up);
    }
    snap("messages_top", &mut sim.app);
    for (w, h) in [(120, 40), (80, 24)] {
        let rows = message_rows(&mut sim.app, w, h);
        assert!(rows[0].contains("step 1: Everyone in the room"), "{rows:?}");
        assert!(
            rows.iter().all(|r| !r.is_empty()),
            "a full pane at {w}x{h}: {rows:?}"
        );
    }
    for _ in 0..20 {
        sim.key(KeyCode::PageUp);
    }
    let rows = message_rows(&mut sim.app, 80, 24);
    assert!(rows.iter().all(|r| !r.is_empty()), "{rows:?}");
    // Back down: the newest message is on the last row again.
    for _ in 0..200 {
        sim.key(KeyCode::Down);
    }
    let rows = message_rows(&mut sim.app, 80, 24);
    assert!(rows.last().unwrap().contains("step 5"), "{rows:?}");
}

/// The first screen: the room compares the script's SHA-256, laid out as `keyrite print`
/// lays it out, and keyrite's version and binary SHA-256, before any step runs.
#[test]
fn opening_screen_shows_what_the_room_compares() {
    let mut sim = Sim::new("ceremonies/demo.yaml", Theme::COLOR);
    let script_sha256 = "46e609e05a387692fb164e03f8d35b62e44e09a5026a395a425460dba3755e95";
    let tool_sha256 = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
    sim.ask(
        0,
        Ask::Opening(keyrite::tui::opening::OpeningScreen::new(
            &keyrite::operator::Opening {
                title: "Demo treasury genesis",
                script_path: "ceremonies/demo.yaml".into(),
                script_sha256,
                tool_version: "0.1.0",
                tool_sha256: Some(tool_sha256),
                warnings: &["step `wallet` talks to a device on /dev/ttyACM0, which is not connected now; connect it before that step".to_string()],
            },
        )),
    );
    for (w, h) in [(120, 40), (80, 24)] {
        sim.app.update(Action::Resize(w, h));
        let screen = render(&sim.app, w, h);
        // Every group of four of both hashes is on screen, in order.
        for hash in [script_sha256, tool_sha256] {
            let grouped = keyrite::operator::Opening::grouped(hash);
            let (first, second) = grouped.split_at(39);
            assert!(
                screen.contains(first) && screen.contains(second.trim()),
                "{screen}"
            );
        }
    }
    snap("opening", &mut sim.app);
    sim.key(KeyCode::Enter);
    assert!(matches!(sim.last_reply(), Some(Reply::Done)));
}
