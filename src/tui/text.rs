//! Every string the terminal UI shows or records, in one place.
//!
//! Invariants:
//! - No other module under `src/tui/` writes user-facing English: they take their words
//!   from here, so the wording can be reviewed (and one day translated) in one file.
//! - Nothing here formats a secret: the functions below take public facts only (names,
//!   counts, positions, messages the engine already made safe to show).

use std::time::Duration;

/// The program's name in the header.
pub const APP: &str = "keyrite";

// ---- header -------------------------------------------------------------------------

/// Before anyone has confirmed attendance.
pub const NOBODY_PRESENT: &str = "nobody has confirmed attendance yet";
/// Label of the attendance line.
pub const PRESENT: &str = "present: ";
/// Label before the transcript's record count.
pub const RECORDS: &str = "records";
/// Label before the transcript's head hash.
pub const HEAD: &str = "head";
/// When the transcript is not known yet.
pub const NO_TRANSCRIPT: &str = "transcript: opening…";

/// "12 records · head 3f9a1c2e".
pub fn transcript(records: u64, head: &str) -> String {
    format!("{records} {RECORDS} · {HEAD} {head}")
}

/// Elapsed time as `hh:mm:ss`.
pub fn clock(elapsed: Duration) -> String {
    let s = elapsed.as_secs();
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// "Alice Example (officer)".
pub fn person(name: &str, role: &str) -> String {
    format!("{name} ({role})")
}

// ---- panes --------------------------------------------------------------------------

/// Title of the step list.
pub const STEPS: &str = "Steps";
/// Title of the message tail.
pub const MESSAGES: &str = "Messages";
/// The message tail before anything has happened.
pub const NO_MESSAGES: &str = "Messages from the ceremony appear here.";
/// "Step 3 of 12 · confirm".
pub fn step_heading(number: usize, total: usize, kind: &str) -> String {
    format!("Step {number} of {total} · {kind}")
}
/// Step list marks.
pub const MARK_DONE: &str = "✓";
/// The step running now.
pub const MARK_CURRENT: &str = "▶";
/// A step not reached yet.
pub const MARK_PENDING: &str = "·";
/// A step that failed or was aborted.
pub const MARK_FAILED: &str = "✗";
/// A step never run because the ceremony ended before it.
pub const MARK_SKIPPED: &str = "–";

// ---- messages -----------------------------------------------------------------------

/// A person confirmed a statement.
pub fn confirmed(name: &str, role: &str, initials: &str) -> String {
    format!("{name} ({role}) confirmed, initials {initials}")
}
/// A person confirmed attendance.
pub fn attended(name: &str, role: &str, initials: &str) -> String {
    format!("{name} ({role}) is present, initials {initials}")
}
/// A value was typed in and accepted.
pub fn recorded(label: &str, value: &str) -> String {
    format!("recorded {label}: {value}")
}
/// Instructions were acknowledged.
pub const ACKNOWLEDGED: &str = "acknowledged";
/// A secret screen was closed.
pub fn share_written(name: &str, role: &str) -> String {
    format!("{name} ({role}) has written their share down; the screen was cleared")
}
/// The opening screen's title.
pub const OPENING_TITLE: &str = "Before the first step";
/// What the room does on the opening screen.
pub const OPENING_COMPARE: &str =
    "Compare the script's SHA-256 with the cover of the printed script (`keyrite print`), and keyrite's version and binary SHA-256 with the build you expect. Both are in the first record.";
/// Label of the script on the opening screen.
pub const OPENING_SCRIPT: &str = "script";
/// When the binary could not be read to hash it.
pub const OPENING_NO_BINARY_HASH: &str = "keyrite's own SHA-256 could not be computed";
/// Logged when the room has compared the hashes.
pub const OPENING_DONE: &str = "The room compared the script's SHA-256 with the printed script";
/// The opening screen's prompt.
pub const OPENING_PROMPT: &str = "Press Enter when they match; Esc stops the ceremony.";
/// The step began.
pub fn step_started(number: usize, title: &str) -> String {
    format!("step {number}: {title}")
}

// ---- prompts ------------------------------------------------------------------------

/// Above a statement being confirmed.
pub fn confirm_by(name: &str, role: &str) -> String {
    format!("{name} ({role}), please confirm:")
}
/// Label of the initials field.
pub fn initials_of(name: &str) -> String {
    format!("{name}'s initials")
}
/// The statement an attendee confirms.
pub const WHO_CONFIRMS: &str = "Who confirms";
/// Marks in the confirmation roster.
pub const ROSTER_DONE: &str = "confirmed";
/// Marks in the confirmation roster.
pub const ROSTER_NOW: &str = "now";
/// Marks in the confirmation roster.
pub const ROSTER_WAITING: &str = "waiting";
/// Above instructions to acknowledge.
pub const ACK_TITLE: &str = "Read this to the room, then acknowledge:";
/// Under instructions to acknowledge.
pub const ACK_PROMPT: &str = "Press Enter to acknowledge.";
/// Above a field.
pub const FIELD_TITLE: &str = "Type the value:";
/// After the field, when it is empty.
pub const FIELD_HINT: &str = "One line of text; press Enter when it is right.";
/// Masked input.
pub const MASKED_HINT: &str = "What you type is hidden. Press Enter when done.";
/// Dice rolls.
pub const DICE_TITLE: &str = "Dice rolls";
/// Passphrase entry.
pub const PASSPHRASE_TITLE: &str = "Passphrase";
/// The passphrase again.
pub const PASSPHRASE_AGAIN_TITLE: &str = "Passphrase, again";
/// A check word of the share just shown.
pub fn check_word_title(n: usize) -> String {
    format!("Check word {n}")
}
/// Under a check-word prompt.
pub const CHECK_WORD_HINT: &str =
    "Type the word from your written copy (its first four letters are enough). It stays hidden.";
/// How many dice rolls were typed (spaces between groups are not rolls).
pub fn rolls_typed(n: usize) -> String {
    match n {
        1 => "1 roll typed".to_string(),
        n => format!("{n} rolls typed"),
    }
}
/// How much hidden input was typed.
pub fn typed_count(n: usize) -> String {
    match n {
        0 => "nothing typed yet".to_string(),
        1 => "1 character".to_string(),
        n => format!("{n} characters"),
    }
}
/// While the engine checks an answer.
pub const CHECKING: &str = "checking…";
/// A problem with what was typed.
pub fn problem(message: &str) -> String {
    format!("✗ {message}")
}

// ---- working ------------------------------------------------------------------------

/// Title of the working pane.
pub const WORKING: &str = "Working…";
/// Under the spinner.
pub const WORKING_HINT: &str =
    "The ceremony is computing (key derivation can take a while). The screen stays live.";
/// Elapsed time of the current work, such as "3.4 s".
pub fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}
/// Before the first step.
pub const STARTING: &str = "Opening the transcript…";
/// Once an abort was asked for while the engine was busy.
pub fn abort_pending(reason: &str) -> String {
    format!("The ceremony stops at the next question. Reason: {reason}")
}

// ---- secret screen ------------------------------------------------------------------

/// The warning before a secret is revealed.
pub fn secret_for(name: &str, role: &str) -> String {
    format!("The next screen is for {name} ({role}) only.")
}
/// Everyone else must look away.
pub const LOOK_AWAY: &str = "Everyone else, please look away from the screen now.";
/// How to reveal.
pub fn reveal_prompt(name: &str) -> String {
    format!("{name}: press Enter when only you can see the screen.")
}
/// Banner while the secret is shown.
pub fn secret_banner(name: &str, role: &str) -> String {
    format!("SECRET: for {name} ({role}) only. Everyone else, look away.")
}
/// Under the words.
pub const WRITE_DOWN: &str =
    "Write every word down, in order. The first four letters (emphasised) are enough on steel.";
/// The first step of closing the secret screen.
pub fn written_prompt(words: usize) -> String {
    format!("Press Enter when you have written all {words} words down.")
}
/// The holder confirms.
pub fn written_confirm(words: usize) -> String {
    format!("Have you written all {words} words, in order? Press Y to close the secret screen, N to keep looking.")
}
/// Title of the secret screen.
pub const SECRET_TITLE: &str = "Secret screen";

// ---- share entry --------------------------------------------------------------------

/// Title of the share-entry pane.
pub fn share_entry_for(name: &str, role: &str) -> String {
    format!("Share entry: {name} ({role})")
}
/// Who should see the share-entry screen.
pub const SHARE_ENTRY_PRIVACY: &str = "only they should see this screen";
/// How to type a share.
pub const SHARE_ENTRY_HOW: &str =
    "Type the words whole, as their first four letters, or just until each is unique; \
     spaces optional. ← / → (or Shift-Tab / Tab): pick a word to retype; Enter: done.";
/// The group-progress box.
pub const PROGRESS: &str = "Progress";
/// No progress yet.
pub const NO_PROGRESS: &str = "no share accepted yet in this step";
/// A prefix that no list word starts with.
pub fn no_such_word(n: usize, typed: &str) -> String {
    format!("word {n}: no SLIP-39 word starts with `{typed}`: press Backspace")
}
/// Enter with an incomplete word.
pub fn word_incomplete(n: usize, candidates: usize) -> String {
    format!("word {n} is not complete yet: {candidates} words start with those letters; type more")
}
/// Candidates for the current prefix.
pub fn candidates(n: usize) -> String {
    format!("{n} words fit")
}
/// Words typed so far.
pub fn words_typed(n: usize) -> String {
    format!("{n} words typed · a share has 20 or 33")
}
/// Letters that begin a word but cannot be read where they stand (not quoted).
pub fn word_unreadable(n: usize) -> String {
    format!("word {n} cannot be read there: press Backspace, or separate the words with spaces")
}
/// A word picked to retype.
pub fn share_editing(n: usize, typing: bool) -> String {
    if typing {
        format!("retyping word {n}: type it, then Enter")
    } else {
        format!("word {n} picked: type it again, or ← / → for another")
    }
}
/// Several readings of the letters pass the checksum.
pub fn share_choice(shown: usize, of: usize, words: &str) -> String {
    format!("{of} readings pass the checksum; they differ at {words}. Reading {shown} is shown: Enter takes it, Tab shows the next, or type its number")
}
/// Too many readings to try.
pub const SHARE_TOO_MANY: &str =
    "the letters can be split into words in too many ways: separate the words with spaces";
/// Nothing typed, Enter pressed.
pub const SHARE_EMPTY: &str = "type the share's words first";
/// What was accepted, in the message log.
pub const THE_SHARE: &str = "Share";
/// The share was sent to the engine.
pub const SHARE_SENT: &str = "checking the share…";

// ---- abort --------------------------------------------------------------------------

/// Title of the abort dialog.
pub const ABORT_TITLE: &str = "Abort the ceremony?";
/// What aborting does.
pub const ABORT_EXPLAIN: &str =
    "The ceremony stops and the transcript records that it was aborted, with your reason.";
/// Label of the reason field.
pub const ABORT_REASON: &str = "Reason (recorded in the transcript):";
/// The buttons.
pub const ABORT_BUTTON: &str = "Abort the ceremony";
/// The buttons.
pub const CONTINUE_BUTTON: &str = "Keep going";
/// Empty reason.
pub const ABORT_NEED_REASON: &str = "a reason is required; it goes into the transcript";
/// The reason recorded when the terminal UI stops while a question is open.
pub const UI_CLOSED: &str = "the terminal UI stopped before the ceremony finished";
/// Why the UI stopped reading: the terminal went away without a signal.
pub const TERMINAL_HUNG_UP: &str = "the terminal hung up (it was closed or disconnected)";

/// The reason recorded when the terminal could not be read or written any more.
pub fn terminal_failed(error: &std::io::Error) -> String {
    format!("the terminal failed: {error}")
}
/// The reason recorded when the UI thread panicked.
pub const UI_FAILED: &str = "the terminal UI failed";

// ---- help ---------------------------------------------------------------------------

/// Title of the help overlay.
pub const HELP_TITLE: &str = "Help";
/// The help overlay's lines: key, what it does.
pub const HELP_KEYS: &[(&str, &str)] = &[
    ("Enter", "answer, confirm, or go on"),
    ("Tab / Shift-Tab", "move between fields and buttons"),
    ("↑ ↓  or  j k", "scroll the messages (j k when not typing)"),
    ("PgUp PgDn", "scroll the messages by a page"),
    (
        "Backspace",
        "delete; in share entry, steps back across words",
    ),
    (
        "q  or  Esc",
        "abort the ceremony (asks first, and asks why)",
    ),
    ("Ctrl-C", "the same as q"),
    ("?  or  F1", "this help (F1 while typing text)"),
];
/// Under the keys.
pub const HELP_NOTES: &[&str] = &[
    "Each person confirms with their own initials. Secrets appear only on the secret screen, which is cleared when it closes.",
    "Share entry: type each word's first letters; a word completes as soon as it is unique (at most four letters).",
    "Press any key to close this help.",
];

// ---- key hints ----------------------------------------------------------------------

/// Key hints: pairs of key and action.
pub const HINT_ENTER_CONFIRM: (&str, &str) = ("Enter", "confirm");
/// Hint.
pub const HINT_ENTER_ACK: (&str, &str) = ("Enter", "acknowledge");
/// Hint.
pub const HINT_ENTER_SUBMIT: (&str, &str) = ("Enter", "submit");
/// Hint.
pub const HINT_ENTER_REVEAL: (&str, &str) = ("Enter", "reveal");
/// Hint.
pub const HINT_ENTER_WRITTEN: (&str, &str) = ("Enter", "written down");
/// Hint.
pub const HINT_YES_NO: (&str, &str) = ("Y / N", "closed / keep looking");
/// Hint.
pub const HINT_ENTER_LEAVE: (&str, &str) = ("Enter", "leave");
/// Hint.
pub const HINT_BACKSPACE_WORDS: (&str, &str) = ("Backspace", "step back");
/// Hint.
pub const HINT_ABORT_Q: (&str, &str) = ("q", "abort");
/// Hint.
pub const HINT_ABORT_ESC: (&str, &str) = ("Esc", "abort");
/// Hint.
pub const HINT_HELP: (&str, &str) = ("?", "help");
/// Hint.
pub const HINT_HELP_F1: (&str, &str) = ("F1", "help");
/// Hint.
pub const HINT_SCROLL: (&str, &str) = ("↑↓", "messages");
/// Hint.
pub const HINT_TAB: (&str, &str) = ("Tab", "next field");
/// Hint.
pub const HINT_CLOSE: (&str, &str) = ("any key", "close");
/// Hint.
pub const HINT_ABORT_CONFIRM: (&str, &str) = ("Enter", "choose");
/// Hint.
pub const HINT_KEEP_GOING: (&str, &str) = ("Esc", "keep going");

// ---- too small ----------------------------------------------------------------------

/// The terminal is below the minimum size.
pub fn too_small(width: u16, height: u16, min_w: u16, min_h: u16) -> String {
    format!("This terminal is {width}×{height}; keyrite needs at least {min_w}×{min_h}.")
}
/// What to do about it.
pub const TOO_SMALL_HINT: &str =
    "Enlarge the window (the ceremony waits), or run again with --plain.";

// ---- the end ------------------------------------------------------------------------

/// Title of the final screen.
pub const FINISHED_TITLE: &str = "The ceremony has ended";
/// Completed.
pub const COMPLETED: &str = "Completed: every step is done.";
/// Aborted.
pub fn aborted(step: Option<&str>, reason: &str) -> String {
    match step {
        Some(s) => format!("Aborted at step `{s}`: {reason}"),
        None => format!("Aborted: {reason}"),
    }
}
/// Failed.
pub fn failed(step: &str, error: &str) -> String {
    format!("Step `{step}` could not go on: {error}")
}
/// The engine stopped without an end record.
pub fn engine_error(error: &str) -> String {
    format!("The transcript could not be written: {error}")
}
/// Where the transcript is.
pub fn transcript_at(path: &str) -> String {
    format!("Transcript: {path}")
}
/// Who signed the closed transcript.
pub fn signed_by(roles: &[String]) -> String {
    format!("Signed by: {}", roles.join(", "))
}
/// A signer who did not sign, and how to sign later.
pub fn not_signed(role: &str, why: &str) -> String {
    format!("NOT signed by {role} ({why}); sign later with `keyrite countersign`")
}
/// Head hash to read aloud.
pub fn head_records(records: u64) -> String {
    format!("{records} records. The head, to read aloud and write on the paper record:")
}
/// Before the head phrase on the final screen.
pub const HEAD_PHRASE: &str = "The same head as words (the first four letters are enough):";
/// How to leave.
pub const LEAVE: &str =
    "Press Enter to leave the full-screen view; the summary is printed on the terminal.";
