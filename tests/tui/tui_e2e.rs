//! End to end: the real binary runs the whole demo ceremony in a pseudo-terminal of
//! 120x40, driven by keystrokes; `vt100` interprets the byte stream into a screen. At
//! each step the test checks what is on screen, then answers as the people in the room
//! would. It plays each share holder: it reads the words off the secret screen and types
//! the check words back. After each secret screen is left, none of the share's words may
//! appear in the output that follows (nor on any screen drawn later, nor on the normal
//! screen or its scrollback at the end). Finally `keyrite verify --json` must say the
//! transcript is intact.

use std::io::{ErrorKind, Write};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use expectrl::Session;

use crate::common::{self, BIN, ROOT};

const COLS: u16 = 120;
const ROWS: u16 = 40;
const WAIT: Duration = Duration::from_secs(30);
/// No output for this long: keyrite has finished drawing.
const QUIET: Duration = Duration::from_millis(60);

struct Pty {
    session: expectrl::session::OsSession,
    parser: vt100::Parser,
    log: Vec<u8>,
    /// Every screen seen, with the log length when it was seen.
    screens: Vec<(usize, String)>,
}

impl Pty {
    fn spawn(args: &[&str]) -> Pty {
        let mut cmd = common::keyrite();
        cmd.args(args)
            .env("TERM", "xterm-256color")
            .env_remove("NO_COLOR");
        Pty::spawn_command(cmd)
    }

    fn spawn_command(cmd: Command) -> Pty {
        let mut session = Session::spawn(cmd).expect("keyrite starts in a pty");
        session
            .get_process_mut()
            .set_window_size(COLS, ROWS)
            .expect("the pty takes a size");
        Pty {
            session,
            parser: vt100::Parser::new(ROWS, COLS, 2000),
            log: Vec::new(),
            screens: Vec::new(),
        }
    }

    /// Reads whatever output is waiting; returns false at end of output.
    fn pump(&mut self) -> bool {
        let mut buf = [0u8; 8192];
        loop {
            match self.session.try_read(&mut buf) {
                Ok(0) => return false,
                Ok(n) => {
                    self.parser.process(&buf[..n]);
                    self.log.extend_from_slice(&buf[..n]);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return true,
                // EIO: the child closed the pty.
                Err(_) => return false,
            }
        }
    }

    fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    /// Waits until the screen shows every one of `needles`; returns the screen, once
    /// the frame that shows them is complete (see [`Pty::settle`]).
    fn wait_all(&mut self, needles: &[&str]) -> String {
        let start = Instant::now();
        loop {
            let alive = self.pump();
            let mut screen = self.screen();
            if needles.iter().all(|n| screen.contains(n)) {
                self.settle();
                let settled = self.screen();
                // A screen that went by while settling is returned as it was seen.
                if needles.iter().all(|n| settled.contains(n)) {
                    screen = settled;
                }
                self.screens.push((self.log.len(), screen.clone()));
                return screen;
            }
            if !alive || start.elapsed() > WAIT {
                panic!("waited for {needles:?}; the screen is:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(15));
        }
    }

    /// Reads output until none has come for [`QUIET`], so that a frame keyrite is still
    /// writing is complete before the screen is read: it writes a frame in pieces, and
    /// on a busy machine the needles can be on screen before the rest of their frame.
    /// Gives up after a second (the clock in the header redraws now and then).
    fn settle(&mut self) {
        let start = Instant::now();
        loop {
            let before = self.log.len();
            std::thread::sleep(QUIET);
            let alive = self.pump();
            if self.log.len() == before || !alive || start.elapsed() > Duration::from_secs(1) {
                return;
            }
        }
    }

    /// The opening screen: the script's SHA-256 and keyrite's are shown in groups of
    /// four before the first step; Enter goes on.
    fn pass_opening(&mut self) {
        let screen = self.wait_all(&["Before the first step", "SHA-256", "binary"]);
        assert!(screen.contains("Press Enter when they match"), "{screen}");
        self.send("\r");
    }

    fn wait(&mut self, needle: &str) -> String {
        self.wait_all(&[needle])
    }

    /// Waits for a field prompt whose label is on a line of its own.
    fn wait_label(&mut self, label: &str) {
        let start = Instant::now();
        loop {
            self.pump();
            let screen = self.screen();
            let found = screen.lines().any(|l| {
                l.split('│').any(|cell| cell.trim() == label) && screen.contains("Type the value:")
            });
            if found {
                self.screens.push((self.log.len(), screen));
                return;
            }
            if start.elapsed() > WAIT {
                panic!("waited for the field {label:?}; the screen is:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(15));
        }
    }

    fn send(&mut self, keys: &str) {
        self.session.write_all(keys.as_bytes()).expect("keys go in");
        self.session.flush().expect("keys are sent");
    }

    fn line(&mut self, text: &str) {
        self.send(text);
        self.send("\r");
    }

    fn wait_exit(&mut self) {
        let start = Instant::now();
        while self.pump() {
            if start.elapsed() > WAIT {
                panic!("keyrite did not exit; the screen is:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(15));
        }
    }
}

/// Text without escape sequences (CSI, OSC and two-byte escapes), lowercased.
fn plain_text(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('[') => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\x07' {
                        break;
                    }
                    if c == '\x1b' && chars.peek() == Some(&'\\') {
                        chars.next();
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out.to_lowercase()
}

/// Whether `word` occurs in `text` as a whole word.
fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphabetic())
            && !after.is_some_and(|c| c.is_ascii_alphabetic())
    })
}

/// The share words on a revealed secret screen: "N. word" cells, in order.
fn words_on(screen: &str) -> Vec<String> {
    let mut found: Vec<(usize, String)> = Vec::new();
    for line in screen.lines() {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        for pair in tokens.windows(2) {
            if let Some(n) = pair[0]
                .strip_suffix('.')
                .and_then(|n| n.parse::<usize>().ok())
            {
                if pair[1].chars().all(|c| c.is_ascii_lowercase()) && pair[1].len() >= 4 {
                    found.push((n, pair[1].to_string()));
                }
            }
        }
    }
    found.sort();
    found.into_iter().map(|(_, w)| w).collect()
}

/// Words of the UI and the script that any screen may show.
/// Text the program prints on its own (the script, the UI's strings, the CLI's summary):
/// a share word that is also one of these words says nothing about a leak.
fn public_text() -> String {
    format!(
        "{}{}{}",
        include_str!("../../ceremonies/demo.yaml"),
        include_str!("../../src/tui/text.rs"),
        include_str!("../../src/cli/run.rs")
    )
    .to_lowercase()
}

fn the_number_in(screen: &str, before: &str) -> Option<usize> {
    let at = screen.find(before)?;
    screen[..at]
        .split_whitespace()
        .last()
        .and_then(|w| w.parse().ok())
}

/// Plays one holder: reveal, read the words, confirm, type the check words back.
/// Returns the words and where in the log the secret screen began and was left.
fn holder(pty: &mut Pty, name: &str, role: &str) -> (Vec<String>, usize, usize) {
    let warning = pty.wait(&format!("The next screen is for {name} ({role}) only."));
    assert!(warning.contains("Everyone else, please look away"));
    assert!(warning.contains("press Enter when only you can see the screen"));
    assert!(!warning.contains(" 1. "), "no word before the reveal");
    let revealed = pty.log.len();
    pty.send("\r");
    let shown = pty.wait_all(&[&format!("SECRET: for {name} ({role}) only"), "33. "]);
    let words = words_on(&shown);
    assert_eq!(words.len(), 33, "33 words on the secret screen:\n{shown}");
    for w in &words {
        assert!(
            keyrite::slip39::word_index(w).is_some(),
            "{w} is a SLIP-39 word"
        );
    }
    assert!(
        !shown.contains("present:"),
        "the secret screen is alone on screen"
    );
    pty.send("\r");
    pty.wait("Have you written all 33 words, in order?");
    pty.send("y");
    let left = pty.log.len();
    let mut answered = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        let n = loop {
            pty.pump();
            let screen = pty.screen();
            if let Some(n) = the_number_in(&screen, "of your copy") {
                if screen.contains(&format!("{name}, word")) && !answered.contains(&n) {
                    break n;
                }
            }
            assert!(start.elapsed() < WAIT, "no check word asked:\n{screen}");
            std::thread::sleep(Duration::from_millis(15));
        };
        let screen = pty.wait("Check word");
        assert!(screen.contains("What you type is hidden"), "{screen}");
        answered.push(n);
        pty.line(&words[n - 1]);
    }
    (words, revealed, left)
}

#[test]
fn the_whole_demo_by_keystrokes() {
    let records = tempfile::tempdir().expect("a temporary folder");
    let records_arg = records.path().to_str().expect("utf-8 path").to_string();
    let out_dir = tempfile::tempdir().unwrap();
    let out_arg = out_dir.path().to_str().unwrap().to_string();
    let mut pty = Pty::spawn(&[
        "run",
        "ceremonies/demo.yaml",
        "--records",
        &records_arg,
        "--out",
        &out_arg,
    ]);
    pty.pass_opening();

    // Attendance: each person confirms separately; the roster shows who has.
    let people = [
        ("Alice Example", "officer", "AE"),
        ("Bob Example", "witness-1", "BE"),
        ("Dana Example", "witness-2", "DE"),
        ("Carol Example", "custodian-1", "CE"),
        ("Erin Example", "custodian-2", "EE"),
        ("Frank Example", "custodian-3", "FE"),
    ];
    let first = pty.wait("Alice Example's initials");
    assert!(first.contains("Demo treasury genesis"));
    assert!(first.contains("(demo-genesis)"));
    assert!(first.contains("Step 1 of 18 · attend"));
    assert!(first.contains("Who confirms"));
    assert!(first.contains("nobody has confirmed attendance yet"));
    assert!(
        first.contains("records · head "),
        "the header shows the transcript"
    );
    for (i, (name, _role, initials)) in people.iter().enumerate() {
        let screen = pty.wait(&format!("{name}'s initials"));
        for (other, _, other_initials) in &people[..i] {
            assert!(
                screen.contains(*other) && screen.contains(&format!("confirmed {other_initials}")),
                "{other} shows as confirmed:\n{screen}"
            );
        }
        pty.line(initials);
    }

    // The room.
    pty.wait_label("Room");
    let screen = pty.screen();
    assert!(screen.contains("present: Alice Example"), "{screen}");
    pty.line("Safe room 4.12, Example HQ");
    pty.wait_label("Laptop bag seal");
    pty.line("TB-004217");

    // Two witnesses confirm the seal; a wrong answer is explained and asked again.
    let seal = pty.wait("Bob Example (witness-1), please confirm:");
    assert!(seal.contains("TB-004217 and matches"));
    pty.line("B3");
    pty.wait("are not initials");
    for _ in 0..2 {
        pty.send("\x7f");
    }
    pty.line("BE");
    pty.wait("Dana Example (witness-2), please confirm:");
    pty.line("DE");
    pty.wait_all(&["Step 4 of 18", "Alice Example (officer), please confirm:"]);
    pty.line("AE");
    pty.wait_all(&["Step 4 of 18", "Bob Example (witness-1), please confirm:"]);
    pty.line("BE");

    // Dice are optional: skip them.
    let dice = pty.wait("Dice rolls");
    assert!(dice.contains("What you type is hidden"));
    pty.send("\r");

    // Split and fingerprint run by themselves; then each holder sees their share.
    let mut shares = Vec::new();
    for (name, role) in [
        ("Carol Example", "custodian-1"),
        ("Erin Example", "custodian-2"),
        ("Frank Example", "custodian-3"),
    ] {
        shares.push(holder(&mut pty, name, role));
    }

    // Where each share is kept.
    for (member, holder) in [(1, "custodian-1"), (2, "custodian-2"), (3, "custodian-3")] {
        for (field, value) in [
            ("Site", "Example HQ vault"),
            ("Container", "Safe 1"),
            ("Seal", "TB-00500"),
            // The holder the split gave the share to: anyone else is refused.
            ("Holder", holder),
        ] {
            pty.wait_label(&format!(
                "share 1/{member} of treasury-shares (held by {holder}): {field}"
            ));
            pty.line(value);
        }
    }
    for item in ["laptop", "backup-drive"] {
        for field in ["Site", "Container", "Seal", "Holder"] {
            pty.wait_label(&format!("{item}: {field}"));
            pty.line("Example");
        }
    }

    // The closing note.
    let closing = pty.wait("Press Enter to acknowledge.");
    assert!(closing.contains("phrase"), "{closing}");
    pty.send("\r");

    // The transcript is closed, then the officer and a witness sign it with their keys.
    for (name, role) in [("Alice Example", "officer"), ("Bob Example", "witness-1")] {
        pty.wait_all(&[&format!("{name} ({role}): path"), "Type the value:"]);
        pty.line(&format!("ceremonies/demo/keys/{role}.secret.asc"));
        pty.wait(&format!("{name} signed"));
    }
    let end = pty.wait("Completed: every step is done.");
    assert!(end.contains("The head, to read aloud"), "{end}");
    assert!(end.contains("Signed by: officer, witness-1"), "{end}");

    pty.send("\r");
    pty.wait_exit();
    assert!(
        !pty.parser.screen().alternate_screen(),
        "the alternate screen was left"
    );
    assert!(
        !pty.parser.screen().hide_cursor(),
        "the cursor is shown again"
    );

    // Back on the normal screen: the CLI's summary.
    let normal = pty.screen();
    assert!(normal.contains("completed: "), "{normal}");
    let transcript = normal
        .split_whitespace()
        .find(|w| w.ends_with(".jsonl"))
        .expect("the summary names the transcript")
        .to_string();

    // No share word after its secret screen was left: not in the bytes that followed,
    // not on any screen drawn later, not on the normal screen or its scrollback. The head
    // phrase is SLIP-39 words by design: its exact groups, computed from the transcript's
    // head, are taken out of the text first, and nothing else is.
    let head = keyrite::transcript::sha256_hex(
        std::fs::read_to_string(&transcript)
            .unwrap()
            .lines()
            .last()
            .unwrap()
            .as_bytes(),
    );
    let phrase = keyrite::transcript::phrase::encode_hex(&head).unwrap();
    let groups: Vec<String> = phrase
        .chunks(4)
        .enumerate()
        .map(|(i, g)| format!("{}. {}", i + 1, g.join(" ")))
        .collect();
    let unphrased = |text: &str| -> String {
        let mut text = text.to_lowercase();
        for g in &groups {
            text = text.replace(g.as_str(), " ");
        }
        text
    };
    let public = public_text();
    let mut scrollback = String::new();
    pty.parser.set_scrollback(usize::MAX);
    scrollback.push_str(&unphrased(&pty.parser.screen().contents()));
    for (k, (words, _, left)) in shares.iter().enumerate() {
        // The output after this screen was left, less the later secret screens (shares
        // of one set begin with the same few words, which those screens show rightly).
        let mut after = Vec::new();
        let mut from = *left;
        for (_, revealed, later_left) in &shares[k + 1..] {
            after.extend_from_slice(&pty.log[from..*revealed]);
            from = *later_left;
        }
        after.extend_from_slice(&pty.log[from..]);
        let after = unphrased(&plain_text(&after));
        let secret_words: Vec<&String> = words.iter().filter(|w| !has_word(&public, w)).collect();
        assert!(secret_words.len() >= 20, "enough words to check");
        for w in &secret_words {
            assert!(
                !has_word(&after, w),
                "`{w}` was written after its secret screen"
            );
            for (at, screen) in &pty.screens {
                let in_later_secret = shares[k + 1..].iter().any(|(_, r, l)| at > r && at <= l);
                if at > left && !in_later_secret {
                    assert!(!has_word(&unphrased(screen), w), "`{w}` on a later screen");
                }
            }
            assert!(!has_word(&scrollback.to_lowercase(), w));
        }
    }

    // The transcript verifies.
    let out = common::keyrite()
        .args([
            "verify",
            &transcript,
            "--json",
            "--script",
            "ceremonies/demo.yaml",
        ])
        .output()
        .expect("verify runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["verdict"], "intact", "{v:#}");
    assert_eq!(v["valid"], true, "{v:#}");

    assert!(Path::new(&transcript).exists());
    let text = std::fs::read_to_string(&transcript).expect("the transcript");
    assert!(text.contains("\"operator\":\"tty\""));
    for (words, _, _) in &shares {
        // JSON keys can be list words ("member"): look for any two words in a row.
        for pair in words.windows(2) {
            assert!(
                !text.contains(&pair.join(" ")),
                "share words in the transcript"
            );
        }
    }
}

#[test]
fn abort_asks_first_and_records_the_reason() {
    let records = tempfile::tempdir().expect("a temporary folder");
    let records_arg = records.path().to_str().expect("utf-8 path").to_string();
    let out_dir = tempfile::tempdir().unwrap();
    let out_arg = out_dir.path().to_str().unwrap().to_string();
    let mut pty = Pty::spawn(&[
        "run",
        "ceremonies/demo.yaml",
        "--records",
        &records_arg,
        "--out",
        &out_arg,
    ]);
    pty.pass_opening();
    pty.wait("Alice Example's initials");
    pty.line("AE");
    pty.wait("Bob Example's initials");
    // Esc asks first; Esc again keeps going.
    pty.send("\x1b");
    let dialog = pty.wait("Abort the ceremony?");
    assert!(dialog.contains("Reason (recorded in the transcript):"));
    pty.send("\x1b");
    let back = pty.wait("Enter confirm");
    assert!(!back.contains("Abort the ceremony?"));
    // A reason is required.
    pty.send("\x1b");
    pty.wait("Abort the ceremony?");
    pty.send("\r");
    pty.wait("a reason is required");
    pty.line("the officer was called away");
    let end = pty.wait("The ceremony has ended");
    assert!(end.contains("Aborted at step `attendance`: the officer was called away"));
    pty.send("\r");
    pty.wait_exit();
    assert!(!pty.parser.screen().alternate_screen());
    let status = pty.session.get_process().wait().expect("exit status");
    assert!(
        matches!(status, expectrl::process::unix::WaitStatus::Exited(_, 1)),
        "aborted runs exit 1: {status:?}"
    );
    let normal = pty.screen();
    let transcript = normal
        .split_whitespace()
        .find(|w| w.ends_with(".jsonl"))
        .expect("the summary names the transcript")
        .to_string();
    let text = std::fs::read_to_string(&transcript).expect("the transcript");
    assert!(text.contains("\"reason\":\"the officer was called away\""));
    let out = common::keyrite()
        .args(["verify", &transcript, "--json"])
        .output()
        .expect("verify runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["verdict"], "intact", "{v:#}");
}

/// SIGTERM or SIGHUP in the middle of a run (a closed lid, a dropped session, the
/// system stopping the process): the terminal comes back sane (main screen, cursor,
/// cooked mode with echo, as `stty -a` shows after keyrite exits in the same pty) and
/// the transcript records an abort that names the signal.
#[test]
fn a_signal_restores_the_terminal_and_records_the_abort() {
    for (signal, reason) in [
        ("TERM", "terminated by SIGTERM (keyrite was told to stop)"),
        ("HUP", "terminated by SIGHUP (the terminal was closed)"),
    ] {
        let records = tempfile::tempdir().unwrap();
        let out_dir = tempfile::tempdir().unwrap();
        let script = format!(
            "echo BEFORE=$(stty -g); '{}' run tests/data/room-check.yaml --records '{}' --out '{}'; echo EXIT=$?; echo AFTER=$(stty -g); stty -a",
            BIN,
            records.path().display(),
            out_dir.path().display()
        );
        let mut cmd = Command::new("sh");
        cmd.args(["-c", &script])
            .current_dir(ROOT)
            .env("TERM", "xterm-256color");
        let mut pty = Pty::spawn_command(cmd);
        pty.pass_opening();
        pty.wait("Alice Example's initials");
        pty.line("AE");
        pty.wait("Bob Example's initials");
        let shell = pty.session.get_process().pid().as_raw();
        let keyrite = child_of(shell).expect("keyrite runs under the shell");
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &keyrite.to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        pty.wait_exit();
        let screen = pty.screen();
        assert!(!pty.parser.screen().alternate_screen(), "{screen}");
        assert!(!pty.parser.screen().hide_cursor(), "{screen}");
        assert!(screen.contains("EXIT=1"), "{screen}");
        assert!(
            screen.contains(&format!("aborted at step `attendance`: {reason}")),
            "{screen}"
        );
        // The terminal's settings are what they were before keyrite started (raw mode
        // is off), and cooked mode: canonical input, signals, output processing.
        let setting = |name: &str| {
            let at = screen
                .find(name)
                .unwrap_or_else(|| panic!("no {name} in:\n{screen}"))
                + name.len();
            screen[at..].split_whitespace().next().unwrap().to_string()
        };
        assert_eq!(setting("BEFORE="), setting("AFTER="), "{screen}");
        let stty = &screen[screen.find("EXIT=1").unwrap()..];
        let flags: Vec<&str> = stty.split_whitespace().collect();
        for flag in ["icanon", "isig", "icrnl", "opost"] {
            assert!(
                flags.contains(&flag),
                "SIG{signal}: `{flag}` missing:\n{stty}"
            );
        }
        let transcript = std::fs::read_dir(records.path().join("room-check"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let out = common::keyrite()
            .args(["verify", transcript.to_str().unwrap(), "--json"])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["verdict"], "intact", "{v:#}");
        assert_eq!(v["end"]["reason"], reason, "{v:#}");
    }
}

/// A closed lid or a dropped SSH session: the terminal itself goes away (its master side
/// is closed, and the kernel sends SIGHUP). keyrite records the abort and exits, and it
/// does not stay behind reading a dead terminal (it once did, at 100 % of a core, since
/// crossterm retries a failing read for ever).
#[test]
fn a_closed_terminal_ends_the_ceremony_and_keyrite_exits() {
    use std::io::Read;
    use std::process::Stdio;

    let records = tempfile::tempdir().unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let master = rustix::pty::openpt(
        // Close-on-exec: keyrite must not hold the terminal's other end open itself.
        rustix::pty::OpenptFlags::RDWR
            | rustix::pty::OpenptFlags::NOCTTY
            | rustix::pty::OpenptFlags::CLOEXEC,
    )
    .expect("a pseudo-terminal");
    rustix::pty::grantpt(&master).unwrap();
    rustix::pty::unlockpt(&master).unwrap();
    let name = rustix::pty::ptsname(&master, Vec::new()).unwrap();
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(name.to_str().unwrap())
        .unwrap();
    let size = rustix::termios::Winsize {
        ws_row: ROWS,
        ws_col: COLS,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    rustix::termios::tcsetwinsize(&slave, size).unwrap();
    // `setsid -c`: keyrite leads its own session with this terminal as its controlling
    // one, as a login shell's child does, so closing the terminal hangs it up.
    let mut child = Command::new("setsid")
        .args(["-c", BIN, "run", "tests/data/room-check.yaml", "--records"])
        .arg(records.path())
        .arg("--out")
        .arg(out_dir.path())
        .current_dir(ROOT)
        .env("TERM", "xterm-256color")
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave))
        .spawn()
        .expect("setsid runs keyrite");
    let mut terminal = std::fs::File::from(master);
    let mut parser = vt100::Parser::new(ROWS, COLS, 0);
    let mut wait_for = |terminal: &mut std::fs::File, needle: &str| {
        let start = Instant::now();
        let mut buf = [0u8; 8192];
        while !parser.screen().contents().contains(needle) {
            assert!(
                start.elapsed() < WAIT,
                "no {needle:?}:\n{}",
                parser.screen().contents()
            );
            match terminal.read(&mut buf) {
                Ok(0) | Err(_) => panic!("the terminal ended before {needle:?}"),
                Ok(n) => parser.process(&buf[..n]),
            }
        }
    };
    wait_for(&mut terminal, "Before the first step");
    terminal.write_all(b"\r").unwrap();
    wait_for(&mut terminal, "Alice Example's initials");
    drop(terminal);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("keyrite is still running 10 s after its terminal was closed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(1), "{status:?}");
    let transcript = std::fs::read_dir(records.path().join("room-check"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let out = common::keyrite()
        .args(["verify", transcript.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"], "intact", "{v:#}");
    assert_eq!(v["end"]["outcome"], "aborted", "{v:#}");
    // The kernel's SIGHUP and the hang-up seen on the terminal race; either names it.
    let reason = v["end"]["reason"].as_str().unwrap_or_default();
    assert!(
        reason == "terminated by SIGHUP (the terminal was closed)"
            || reason.starts_with("the terminal failed: "),
        "{v:#}"
    );
}

/// The first child process of `parent`, from /proc.
fn child_of(parent: i32) -> Option<i32> {
    let start = Instant::now();
    while start.elapsed() < WAIT {
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            // pid (comm) state ppid ...: the fields after the last `)`.
            let after = &stat[stat.rfind(')')? + 1..];
            if after.split_whitespace().nth(1) == Some(&parent.to_string()) {
                return Some(pid);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// A holder miscopies a word: three wrong check words, then the share is shown again
/// (after the look-away screen again), recopied, and checked. The transcript records the
/// failed check and the re-show by word number, never a word.
#[test]
fn a_miscopied_share_can_be_shown_again() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("reshow.yaml");
    std::fs::write(
        &script,
        "keyrite: 1\nid: reshow\ntitle: Show a share again\nroles:\n  holder: { name: Hana Holder }\n  other: { name: Otto Other }\nsteps:\n  - generate_secret: { name: s, bits: 256 }\n  - split: { secret: s, into: shares, groups: [ { threshold: 2, holders: [holder, other] } ] }\n  - show_shares: { shares: shares, check_words: 1 }\n  - wipe: [s, shares]\n",
    )
    .unwrap();
    let records = dir.path().join("records");
    let mut pty = Pty::spawn(&[
        "run",
        script.to_str().unwrap(),
        "--records",
        records.to_str().unwrap(),
        "--out",
        dir.path().join("out").to_str().unwrap(),
    ]);
    pty.pass_opening();
    pty.wait("The next screen is for Hana Holder (holder) only.");
    pty.send("\r");
    let shown = pty.wait_all(&["SECRET: for Hana Holder (holder) only", "33. "]);
    let words = words_on(&shown);
    assert_eq!(words.len(), 33, "{shown}");
    pty.send("\r");
    pty.wait("Have you written all 33 words, in order?");
    pty.send("y");
    let asked = pty.wait("of your copy");
    let n = the_number_in(&asked, "of your copy").expect("a word number");
    // Another list word, not word n: a miscopy, three times.
    let wrong = if words[n - 1] == "academic" {
        "acid"
    } else {
        "academic"
    };
    for attempt in 1..=3 {
        pty.wait("of your copy");
        pty.line(wrong);
        if attempt < 3 {
            pty.wait(&format!("try {} of 3", attempt + 1));
        }
    }
    let choice = pty.wait("to show Hana Holder's share again");
    assert!(
        choice.contains(&format!(
            "Word {n} of Hana Holder's copy did not match 3 times"
        )),
        "{choice}"
    );
    pty.line("again");
    // The look-away screen again, then the same share.
    pty.wait("The next screen is for Hana Holder (holder) only.");
    pty.send("\r");
    let again = pty.wait_all(&["SECRET: for Hana Holder (holder) only", "33. "]);
    assert_eq!(words_on(&again), words, "the same share is shown again");
    pty.send("\r");
    pty.wait("Have you written all 33 words, in order?");
    pty.send("y");
    let asked = pty.wait("of your copy");
    let m = the_number_in(&asked, "of your copy").expect("a word number");
    pty.line(&words[m - 1]);
    // The other holder copies correctly at once.
    pty.wait("The next screen is for Otto Other (other) only.");
    pty.send("\r");
    let other = words_on(&pty.wait_all(&["SECRET: for Otto Other (other) only", "33. "]));
    pty.send("\r");
    pty.wait("Have you written all 33 words, in order?");
    pty.send("y");
    let asked = pty.wait("Otto Other, word");
    let k = the_number_in(&asked, "of your copy").expect("a word number");
    pty.line(&other[k - 1]);
    pty.wait("The ceremony has ended");
    pty.send("\r");
    pty.wait_exit();

    let transcript = std::fs::read_dir(records.join("reshow"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(&transcript).unwrap();
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let failed: Vec<&serde_json::Value> = records
        .iter()
        .filter(|r| r["event"] == "share_copy_check_failed")
        .collect();
    assert_eq!(failed.len(), 1, "{text}");
    assert_eq!(failed[0]["word"], n);
    assert_eq!(failed[0]["tries"], 3);
    assert_eq!(failed[0]["shown"], 1);
    let shown: Vec<&serde_json::Value> = records
        .iter()
        .filter(|r| r["event"] == "share_shown")
        .collect();
    assert_eq!(shown[0]["holder"], "holder");
    assert_eq!(shown[0]["shown"], 2);
    assert_eq!(shown[0]["failed_checks"], 3);
    assert_eq!(shown[0]["failed_words"], serde_json::json!([n, n, n]));
    assert_eq!(shown[1]["shown"], 1);
    assert_eq!(shown[1]["failed_checks"], 0);
    // No two neighbouring words of either share (a single word may be a JSON key too,
    // such as `random` in `os_random`).
    for share in [&words, &other] {
        for pair in share.windows(2) {
            let both = format!("{} {}", pair[0], pair[1]);
            assert!(!text.contains(&both), "`{both}` is in the transcript");
        }
    }
    assert!(
        !has_word(&text, wrong),
        "the typed wrong word is in the transcript"
    );
    let out = common::keyrite()
        .args(["verify", transcript.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"], "intact", "{v:#}");
}

/// Custodians type their shares as people do, into the real binary in a terminal: one
/// pastes whole words separated by spaces, the other types the first four letters of
/// each word with no separator, in capitals. Both are read right, the secret is rebuilt
/// and matches its recorded fingerprint.
#[test]
fn shares_typed_as_whole_words_and_as_four_letters_are_read_right() {
    let answers = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/recovery-typed.answers.yaml"
    ))
    .unwrap();
    let share = |holder: &str| -> Vec<String> {
        let line = answers
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{holder}:")))
            .unwrap();
        let words = line.split('"').nth(1).unwrap();
        words.split_whitespace().map(str::to_string).collect()
    };
    // The answers file holds custodian-2's share as four-letter prefixes: complete them.
    let full = |prefixes: Vec<String>| -> Vec<String> {
        prefixes
            .iter()
            .map(|p| match keyrite::slip39::complete_prefix(p) {
                keyrite::slip39::PrefixMatch::Unique(i) => {
                    keyrite::slip39::WORDS[usize::from(i)].to_string()
                }
                _ => panic!("{p} is a unique prefix"),
            })
            .collect()
    };
    let (first, second) = (share("custodian-1"), full(share("custodian-2")));
    assert_eq!((first.len(), second.len()), (33, 33));
    let records = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(&[
        "run",
        "tests/data/recovery-typed.yaml",
        "--records",
        records.path().to_str().unwrap(),
        "--out",
        records.path().join("out").to_str().unwrap(),
    ]);
    pty.pass_opening();
    for (name, initials) in [
        ("Alice Example", "AE"),
        ("Bob Example", "BE"),
        ("Carol Example", "CE"),
        ("Erin Example", "EE"),
    ] {
        pty.wait(&format!("{name}'s initials"));
        pty.line(initials);
    }
    pty.wait("Share entry: Carol Example (custodian-1)");
    // Pasted in one go: whole words with spaces.
    pty.send(&first.join(" "));
    pty.wait("Share entry: Erin Example (custodian-2)");
    let four: String = second
        .iter()
        .map(|w| w[..4.min(w.len())].to_uppercase())
        .collect();
    for chunk in four.as_bytes().chunks(7) {
        pty.send(std::str::from_utf8(chunk).unwrap());
    }
    let matched = pty.wait("Alice Example's initials");
    assert!(!matched.contains("checksum"), "{matched}");
    pty.line("AE");
    pty.wait("Bob Example's initials");
    pty.line("BE");
    let end = pty.wait("The ceremony has ended");
    assert!(end.contains("Completed"), "{end}");
    pty.send("\r");
    pty.wait_exit();
    let transcript = std::fs::read_dir(records.path().join("demo-recovery"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(&transcript).unwrap();
    assert!(text.contains("\"event\":\"secret_verified\""), "{text}");
}

/// Shares of a fixed split made here: `bytes` 16 gives 20 words, 32 gives 33 words.
fn fixed_shares(bytes: usize) -> Vec<String> {
    use keyrite::slip39::{split, MasterSecret, Passphrase, SplitConfig};
    let mut state = 0x5eed_u64 + bytes as u64;
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
    let secret = MasterSecret::new(&secret).unwrap();
    split(
        &secret,
        &Passphrase::empty(),
        &SplitConfig::single_group(2, 3),
        &mut random,
    )
    .unwrap()
    .into_iter()
    .flatten()
    .map(|s| s.to_words().expose_secret().to_string())
    .collect()
}

/// Turns a share's words into what a person types, given the unique-prefix function.
type TypingStyle = fn(&str, &dyn Fn(&str) -> String) -> String;

/// The three ways people type a share, into the real binary in a terminal, for a 20- and
/// a 33-word share: the letters of each word until it is unique with no separator (the
/// fast path), the first four letters with spaces, and whole words pasted at once. Each
/// run collects two shares, recovers the secret and completes.
#[test]
fn every_typing_style_works_in_the_terminal_for_20_and_33_words() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("typed.yaml");
    std::fs::write(
        &script,
        "keyrite: 1\nid: typed\ntitle: Shares typed\nroles:\n  a: { name: Ann Able }\n  b: { name: Ben Bold }\nsteps:\n  - collect_shares: { into: got, by: [a, b] }\n  - recover: { shares: got, into: s }\n  - wipe: [s]\n",
    )
    .unwrap();
    let unique = |w: &str| w[..keyrite::slip39::unique_prefix_len(w)].to_string();
    for bytes in [16, 32] {
        let shares = fixed_shares(bytes);
        assert_eq!(
            shares[0].split(' ').count(),
            if bytes == 16 { 20 } else { 33 }
        );
        let styles: [(&str, TypingStyle); 3] = [
            ("unique prefixes", |s, u| s.split(' ').map(u).collect()),
            ("four letters with spaces", |s, _| {
                s.split(' ').map(|w| &w[..4]).collect::<Vec<_>>().join(" ")
            }),
            ("whole words", |s, _| s.to_string()),
        ];
        for (style, typed) in styles {
            let records = dir.path().join(format!("records-{bytes}-{}", style.len()));
            let mut pty = Pty::spawn(&[
                "run",
                script.to_str().unwrap(),
                "--records",
                records.to_str().unwrap(),
                "--out",
                dir.path().join("out").to_str().unwrap(),
            ]);
            pty.pass_opening();
            for (share, who) in shares.iter().take(2).zip(["Ann Able (a)", "Ben Bold (b)"]) {
                pty.wait(&format!("Share entry: {who}"));
                let keys = typed(share, &unique);
                // Typed in bursts, as a person (or a paste) delivers them.
                for chunk in keys.as_bytes().chunks(9) {
                    pty.send(std::str::from_utf8(chunk).unwrap());
                }
            }
            let end = pty.wait("The ceremony has ended");
            assert!(end.contains("Completed"), "{bytes} bytes, {style}: {end}");
            pty.send("\r");
            pty.wait_exit();
            let transcript = std::fs::read_dir(records.join("typed"))
                .unwrap()
                .next()
                .unwrap()
                .unwrap()
                .path();
            let text = std::fs::read_to_string(transcript).unwrap();
            assert!(
                text.contains("\"event\":\"secret_recovered\""),
                "{style}: {text}"
            );
        }
    }
}
