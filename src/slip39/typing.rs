//! Reading a share as people type it: the unique prefix of each word with no separator,
//! the first four letters of each word (with or without spaces), whole words separated
//! by spaces, or any mix of these within one share.
//!
//! The typed text is normalized first: ASCII letters, case-insensitive; whitespace,
//! ASCII punctuation (commas, hyphens, full stops) and digits (word numbers) are
//! separators; anything else is refused. Separators are hard word boundaries. Within a
//! run of letters with no separator, a word is written as a prefix of it whose length is
//! its unique-prefix length, four, or its full length (each identifies exactly one word,
//! since it is at least the unique prefix). The last word of a run may be any prefix at
//! least its unique prefix long, as `Share::from_mnemonic` has always accepted.
//!
//! A text can have several readings (segmentations into words). All of them are
//! enumerated, up to [`MAX_READINGS`]; the share's RS1024 checksum then decides which
//! one is meant ([`decide`]). If it cannot, the caller asks the person.
//!
//! While a share is typed, the run at the cursor (the `open` position) may also end in
//! a fragment: letters that several words start with.
//!
//! Invariants:
//! - Everything derived from the typed text (word indices, spans, readings, the
//!   mnemonic) is held in `Zeroizing` buffers; `Debug` shows counts only.
//! - Errors name word positions and counts, never a word or typed letters.

use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;

use zeroize::{Zeroize, Zeroizing};

use super::error::ShareError;
use super::share::{Share, MAX_VALUE_BYTES, METADATA_WORDS, MIN_WORDS};
use super::wordlist::{PrefixMatch, WORDS, WORD_COUNT};

/// Most readings of one text considered; beyond that the person is asked to separate
/// the words with spaces.
pub const MAX_READINGS: usize = 4096;

/// The length of the longest list word.
const LONGEST_WORD: usize = 8;

/// Marks a fragment in a reading's word list.
const FRAGMENT: u16 = u16::MAX;

/// Why typed text cannot be a share.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TypingError {
    /// A character that is neither a letter nor a separator (1-based, in characters).
    #[error("character {position} of the share is neither a letter nor a separator (space, comma, hyphen): type only the words")]
    Character {
        /// 1-based position of the character.
        position: usize,
    },
    /// The text has no reading, or its reading is not a valid share.
    #[error(transparent)]
    Share(#[from] ShareError),
    /// The letters can be split into words in more ways than are tried.
    #[error(
        "the letters can be split into words in too many ways: separate the words with spaces"
    )]
    TooManyReadings,
    /// Several readings differ at `words` (1-based); either none passes the checksum
    /// (`cause` is then the preferred reading's error) or several do (`cause` is `None`).
    #[error("{}", ambiguous_message(.words, .cause.as_ref()))]
    Ambiguous {
        /// 1-based positions at which the readings differ.
        words: Vec<usize>,
        /// What is wrong with the preferred reading, when no reading is a valid share.
        cause: Option<ShareError>,
    },
}

fn ambiguous_message(words: &[usize], cause: Option<&ShareError>) -> String {
    let which = word_list(words);
    match cause {
        None => format!(
            "{which} can be read in more than one way and more than one reading passes the checksum: type those words in full, or separate the words with spaces"
        ),
        Some(e) => format!(
            "{e}; {which} can also be read in other ways: type those words in full, or separate the words with spaces"
        ),
    }
}

/// "word 5", "words 5 and 6", "words 5, 6 and 9".
pub fn word_list(words: &[usize]) -> String {
    match words {
        [] => "the words".to_string(),
        [one] => format!("word {one}"),
        [rest @ .., last] => {
            let rest: Vec<String> = rest.iter().map(ToString::to_string).collect();
            format!("words {} and {last}", rest.join(", "))
        }
    }
}

/// Whether `c` separates words.
pub fn is_separator(c: char) -> bool {
    c.is_whitespace() || c.is_ascii_punctuation() || c.is_ascii_digit()
}

/// The typed text normalized: lowercase ASCII letters, and one space for every
/// separator character (so positions are the same as in the typed text, in characters).
pub fn normalize(text: &str) -> Result<Zeroizing<String>, TypingError> {
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    for (i, c) in text.chars().enumerate() {
        if c.is_ascii_alphabetic() {
            out.push(c.to_ascii_lowercase());
        } else if is_separator(c) {
            out.push(' ');
        } else {
            return Err(TypingError::Character { position: i + 1 });
        }
    }
    Ok(out)
}

/// Letters needed to make `word` unique in the list (its shortest unique prefix).
pub fn unique_prefix_len(word: &str) -> usize {
    match lookup(word.as_bytes()) {
        PrefixMatch::Unique(i) if WORDS[usize::from(i)] == word => unique_len(i),
        _ => word.len(),
    }
}

/// Unique-prefix lengths of all list words: one more than the longest common prefix with
/// a neighbour in the sorted list, at most the word's length.
fn unique_len(i: u16) -> usize {
    static TABLE: OnceLock<[u8; WORD_COUNT]> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let lcp = |a: &str, b: &str| a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
        let mut t = [0u8; WORD_COUNT];
        for (k, w) in WORDS.iter().enumerate() {
            let prev = k.checked_sub(1).map_or(0, |p| lcp(w, WORDS[p]));
            let next = WORDS.get(k + 1).map_or(0, |n| lcp(w, n));
            // Words have at most 8 letters.
            t[k] = (prev.max(next) + 1).min(w.len()) as u8;
        }
        t
    });
    usize::from(table[usize::from(i)])
}

/// Completes lowercase letters against the list (like `complete_prefix`, without
/// allocating).
fn lookup(p: &[u8]) -> PrefixMatch {
    if p.is_empty() {
        return PrefixMatch::NoMatch;
    }
    let lo = WORDS.partition_point(|w| w.as_bytes() < p);
    let hi = lo + WORDS[lo..].partition_point(|w| w.as_bytes().starts_with(p));
    // Indices are < 1024, so they fit in u16.
    match hi - lo {
        0 => PrefixMatch::NoMatch,
        1 => PrefixMatch::Unique(lo as u16),
        _ if WORDS[lo].as_bytes() == p => PrefixMatch::Unique(lo as u16),
        n => PrefixMatch::Ambiguous(n),
    }
}

/// Whether a share can have `words` words.
pub fn is_share_length(words: usize) -> bool {
    if words < MIN_WORDS {
        return false;
    }
    let value_words = words - METADATA_WORDS;
    let padding = (10 * value_words) % 16;
    padding <= 8 && (10 * value_words - padding) / 8 <= MAX_VALUE_BYTES
}

/// One reading of typed text: words (and at most one fragment), each with the span of
/// text it was read from.
pub struct Reading {
    words: Zeroizing<Vec<u16>>,
    spans: Zeroizing<Vec<[usize; 2]>>,
}

impl Reading {
    fn empty() -> Reading {
        Reading {
            words: Zeroizing::new(Vec::new()),
            spans: Zeroizing::new(Vec::new()),
        }
    }

    fn copy(&self) -> Reading {
        Reading {
            words: self.words.clone(),
            spans: self.spans.clone(),
        }
    }

    /// Number of items: words, and the fragment if there is one.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether nothing was read.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The list index of item `k`, or `None` for the fragment (or past the end).
    pub fn word(&self, k: usize) -> Option<u16> {
        self.words.get(k).copied().filter(|&w| w != FRAGMENT)
    }

    /// The span of typed text item `k` was read from.
    pub fn span(&self, k: usize) -> Range<usize> {
        self.spans.get(k).map_or(0..0, |s| s[0]..s[1])
    }

    /// The index of the fragment (letters several words start with), if any.
    pub fn fragment(&self) -> Option<usize> {
        self.words.iter().position(|&w| w == FRAGMENT)
    }

    /// Number of whole words (the fragment excluded).
    pub fn word_count(&self) -> usize {
        self.words.iter().filter(|&&w| w != FRAGMENT).count()
    }

    /// Whether two readings have the same words (fragments and spans aside).
    pub fn same_words(&self, other: &Reading) -> bool {
        self.words
            .iter()
            .filter(|&&w| w != FRAGMENT)
            .eq(other.words.iter().filter(|&&w| w != FRAGMENT))
    }

    /// The whole words as a mnemonic: lowercase, single spaces.
    pub fn mnemonic(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(self.words.len() * 9));
        for &w in self.words.iter().filter(|&&w| w != FRAGMENT) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(WORDS[usize::from(w)]);
        }
        out
    }
}

impl fmt::Debug for Reading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Reading([REDACTED; {} items])", self.words.len())
    }
}

/// Where typed text stops making sense.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stuck {
    /// 1-based number of the word that cannot be read.
    pub word: usize,
    /// The letters (in the normalized text) from where reading stops to the end of
    /// their run.
    pub letters: Range<usize>,
    /// How many list words start with those letters, when several do (the word is
    /// incomplete rather than wrong).
    pub candidates: Option<usize>,
}

impl Stuck {
    /// The error the engine reports for it.
    pub fn error(&self) -> ShareError {
        match self.candidates {
            Some(candidates) => ShareError::AmbiguousWord {
                position: self.word,
                candidates,
            },
            None => ShareError::UnknownWord {
                position: self.word,
            },
        }
    }
}

/// Most words in a reading that is tried as a share (the longest share).
const MAX_SHARE_WORDS: usize = 59;

/// Readings of a whole share counted by length: `[t]` is the number of readings with
/// `t` words (saturating above `MAX_READINGS`).
type ByLength = [usize; MAX_SHARE_WORDS + 1];

#[derive(Zeroize)]
struct Edge {
    to: usize,
    word: u16,
}

/// The readings of a text: the one shown, and all readings without a fragment, by
/// length, to try as shares.
pub struct Readings {
    runs: Vec<(usize, usize)>,
    edges: Zeroizing<Vec<Edge>>,
    from: Vec<Range<usize>>,
    /// Per position: readings (no fragment) from there to the end of its run, by length.
    ways: Zeroizing<Vec<ByLength>>,
    /// Per run: readings of that run and all later runs, by length.
    after: Zeroizing<Vec<ByLength>>,
    preferred: Reading,
}

impl fmt::Debug for Readings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Readings([REDACTED; {} runs])", self.runs.len())
    }
}

fn add(a: usize, b: usize) -> usize {
    a.saturating_add(b).min(MAX_READINGS + 1)
}

fn mul(a: usize, b: usize) -> usize {
    a.saturating_mul(b).min(MAX_READINGS + 1)
}

/// Reads normalized text (lowercase letters and spaces, see [`normalize`]). `open` is
/// the cursor: the run of letters ending there may end in a fragment. `None` when the
/// text is finished.
pub fn read(text: &str, open: Option<usize>) -> Result<Readings, Stuck> {
    let text = text.as_bytes();
    let n = text.len();
    // Runs of letters.
    let mut runs = Vec::new();
    let mut i = 0;
    while i < n {
        if text[i] == b' ' {
            i += 1;
            continue;
        }
        let start = i;
        while i < n && text[i] != b' ' {
            i += 1;
        }
        runs.push((start, i));
    }
    // Edges (one word, or the fragment), grouped by start position: those from `p` are
    // `edges[from[p].clone()]`, shortest first.
    let mut edges: Zeroizing<Vec<Edge>> = Zeroizing::new(Vec::with_capacity(n * 2));
    let mut from: Vec<Range<usize>> = vec![0..0; n + 1];
    for &(start, end) in &runs {
        let is_open = open == Some(end);
        for p in start..end {
            let first = edges.len();
            for l in 1..=LONGEST_WORD.min(end - p) {
                let to = p + l;
                match lookup(&text[p..to]) {
                    PrefixMatch::NoMatch => break,
                    PrefixMatch::Ambiguous(_) => {
                        if to == end && is_open {
                            edges.push(Edge { to, word: FRAGMENT });
                        }
                    }
                    PrefixMatch::Unique(w) => {
                        let full = WORDS[usize::from(w)].len();
                        if to == end || l == unique_len(w) || l == 4 || l == full {
                            edges.push(Edge { to, word: w });
                        }
                    }
                }
            }
            from[p] = first..edges.len();
        }
    }

    // Backwards within each run: whether the end can be reached (`best` is set), the
    // preferred choice, and the readings without a fragment by length.
    let mut ways: Zeroizing<Vec<ByLength>> =
        Zeroizing::new(vec![[0usize; MAX_SHARE_WORDS + 1]; n + 1]);
    // (items, fragment letters, chosen edge); items == usize::MAX: end not reachable.
    let mut best = vec![(usize::MAX, usize::MAX, usize::MAX); n + 1];
    for &(start, end) in &runs {
        ways[end][0] = 1;
        best[end] = (0, 0, usize::MAX);
        for p in (start..end).rev() {
            for e in from[p].clone() {
                let edge = &edges[e];
                let (items, frag, _) = best[edge.to];
                if items == usize::MAX {
                    continue;
                }
                let cand = (
                    items + 1,
                    frag + if edge.word == FRAGMENT {
                        edge.to - p
                    } else {
                        0
                    },
                    e,
                );
                // Ties go to the later (longer) edge.
                if (cand.0, cand.1) <= (best[p].0, best[p].1) {
                    best[p] = cand;
                }
                if edge.word != FRAGMENT {
                    for t in 1..=MAX_SHARE_WORDS {
                        ways[p][t] = add(ways[p][t], ways[edge.to][t - 1]);
                    }
                }
            }
        }
        if best[start].0 == usize::MAX {
            return Err(stuck(text, &runs, &edges, &from));
        }
    }

    let mut after: Zeroizing<Vec<ByLength>> =
        Zeroizing::new(vec![[0usize; MAX_SHARE_WORDS + 1]; runs.len() + 1]);
    after[runs.len()][0] = 1;
    for (r, &(start, _)) in runs.iter().enumerate().rev() {
        for a in 0..=MAX_SHARE_WORDS {
            if ways[start][a] == 0 {
                continue;
            }
            for b in 0..=MAX_SHARE_WORDS - a {
                after[r][a + b] = add(after[r][a + b], mul(ways[start][a], after[r + 1][b]));
            }
        }
    }

    let mut preferred = Reading::empty();
    for &(start, end) in &runs {
        let mut p = start;
        while p < end {
            let edge = &edges[best[p].2];
            preferred.words.push(edge.word);
            preferred.spans.push([p, edge.to]);
            p = edge.to;
        }
    }
    Ok(Readings {
        runs,
        edges,
        from,
        ways,
        after,
        preferred,
    })
}

impl Readings {
    /// The reading shown: fewest items, then the shortest fragment, then the longest
    /// items first.
    pub fn preferred(&self) -> &Reading {
        &self.preferred
    }

    /// How many readings without a fragment have `words` words (counted up to
    /// `MAX_READINGS + 1`).
    pub fn count_of_length(&self, words: usize) -> usize {
        self.after[0].get(words).copied().unwrap_or(0)
    }

    /// Every reading without a fragment that has `words` words, or `None` when there
    /// are more than `MAX_READINGS`.
    pub fn of_length(&self, words: usize) -> Option<Vec<Reading>> {
        let count = self.count_of_length(words);
        if count > MAX_READINGS {
            return None;
        }
        let mut out = Vec::with_capacity(count);
        if count > 0 {
            let mut current = Reading::empty();
            self.enumerate(0, None, words, &mut current, &mut out);
        }
        Some(out)
    }

    /// Readings with exactly `left` more words, from position `at` (or the start) of
    /// run `run`.
    fn enumerate(
        &self,
        run: usize,
        at: Option<usize>,
        left: usize,
        current: &mut Reading,
        out: &mut Vec<Reading>,
    ) {
        let Some(&(start, end)) = self.runs.get(run) else {
            if left == 0 {
                out.push(current.copy());
            }
            return;
        };
        let p = at.unwrap_or(start);
        if p == end {
            if self.after[run + 1][left] > 0 {
                self.enumerate(run + 1, None, left, current, out);
            }
            return;
        }
        for e in self.from[p].clone() {
            let edge = &self.edges[e];
            if edge.word == FRAGMENT || left == 0 {
                continue;
            }
            // Some split of the remaining words between the rest of this run and the
            // later runs must exist.
            let feasible = (0..left)
                .any(|a| self.ways[edge.to][a] > 0 && self.after[run + 1][left - 1 - a] > 0);
            if !feasible {
                continue;
            }
            current.words.push(edge.word);
            current.spans.push([p, edge.to]);
            self.enumerate(run, Some(edge.to), left - 1, current, out);
            current.words.pop();
            current.spans.pop();
        }
    }

    /// Tries the readings of every possible share length, shortest first, against
    /// `check` (normally [`is_valid_share`]: the RS1024 checksum and the share's
    /// structure). The first length at which some reading passes decides.
    pub fn decide(&self, check: &dyn Fn(&str) -> bool) -> Decision {
        for words in (MIN_WORDS..=MAX_SHARE_WORDS).filter(|&w| is_share_length(w)) {
            if self.count_of_length(words) == 0 {
                continue;
            }
            let Some(readings) = self.of_length(words) else {
                return Decision::TooMany;
            };
            let mut passing: Vec<Reading> = Vec::new();
            for r in readings {
                if passing.iter().any(|p| p.same_words(&r)) {
                    continue;
                }
                if check(&r.mnemonic()) {
                    passing.push(r);
                }
            }
            match passing.len() {
                0 => continue,
                1 => return Decision::One(passing.remove(0)),
                _ => return Decision::Several(passing),
            }
        }
        Decision::NoneValid
    }

    /// 1-based word positions at which readings of the preferred reading's length
    /// differ (empty when there is one such reading, or too many).
    pub fn uncertain_words(&self) -> Vec<usize> {
        if self.preferred.fragment().is_some() {
            return Vec::new();
        }
        let Some(readings) = self.of_length(self.preferred.len()) else {
            return Vec::new();
        };
        let mut distinct: Vec<Reading> = Vec::new();
        for r in readings {
            if !distinct.iter().any(|d| d.same_words(&r)) {
                distinct.push(r);
            }
        }
        if distinct.len() < 2 {
            return Vec::new();
        }
        differing_words(&distinct)
    }
}

/// Where reading stops: the furthest position reachable from the start, and the
/// fewest words that reach it.
fn stuck(text: &[u8], runs: &[(usize, usize)], edges: &[Edge], from: &[Range<usize>]) -> Stuck {
    let mut reach: Vec<Option<usize>> = vec![None; text.len() + 1];
    let mut words_before = 0;
    for &(start, end) in runs {
        reach[start] = Some(words_before);
        for p in start..end {
            let Some(k) = reach[p] else { continue };
            for e in from[p].clone() {
                let to = edges[e].to;
                reach[to] = Some(reach[to].map_or(k + 1, |r: usize| r.min(k + 1)));
            }
        }
        match reach[end] {
            Some(k) => words_before = k,
            None => {
                let q = (start..end)
                    .rev()
                    .find(|&p| reach[p].is_some())
                    .unwrap_or(start);
                let candidates = match lookup(&text[q..end]) {
                    PrefixMatch::Ambiguous(c) => Some(c),
                    _ => None,
                };
                return Stuck {
                    word: reach[q].unwrap_or(words_before) + 1,
                    letters: q..end,
                    candidates,
                };
            }
        }
    }
    // Unreachable: `read` calls this only when some run cannot be read.
    Stuck {
        word: words_before + 1,
        letters: text.len()..text.len(),
        candidates: None,
    }
}

/// Which reading is the share.
#[derive(Debug)]
pub enum Decision {
    /// Exactly one reading (up to equal words) of the shortest length that has any
    /// valid one is a valid share.
    One(Reading),
    /// Several readings of the same length with different words are valid shares.
    Several(Vec<Reading>),
    /// No reading is a valid share.
    NoneValid,
    /// Too many readings to try.
    TooMany,
}

/// Whether `mnemonic` is a valid share.
pub fn is_valid_share(mnemonic: &str) -> bool {
    Share::from_mnemonic(mnemonic).is_ok()
}

/// 1-based positions at which the words of `readings` differ.
pub fn differing_words(readings: &[Reading]) -> Vec<usize> {
    let longest = readings.iter().map(Reading::len).max().unwrap_or(0);
    (0..longest)
        .filter(|&k| {
            let first = readings[0].word(k);
            readings.iter().any(|r| r.word(k) != first)
        })
        .map(|k| k + 1)
        .collect()
}

/// Reads a whole typed share, as the engine receives it from any front end: any mix of
/// unique prefixes, first four letters and whole words, with or without separators. The
/// checksum chooses between readings; when it cannot, the error names the word numbers
/// to type in full.
pub fn read_share(text: &str) -> Result<Share, TypingError> {
    let normalized = normalize(text)?;
    let readings = read(&normalized, None).map_err(|s| TypingError::Share(s.error()))?;
    match readings.decide(&is_valid_share) {
        Decision::One(r) => Ok(Share::from_mnemonic(&r.mnemonic())?),
        Decision::Several(rs) => Err(TypingError::Ambiguous {
            words: differing_words(&rs),
            cause: None,
        }),
        Decision::TooMany => Err(TypingError::TooManyReadings),
        Decision::NoneValid => {
            let cause = match Share::from_mnemonic(&readings.preferred().mnemonic()) {
                Err(e) => e,
                // Unreachable when the preferred reading has a share's length: it was
                // tried.
                Ok(_) => ShareError::Checksum,
            };
            let words = readings.uncertain_words();
            if words.is_empty() {
                Err(TypingError::Share(cause))
            } else {
                Err(TypingError::Ambiguous {
                    words,
                    cause: Some(cause),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slip39::{split, MasterSecret, Passphrase, SplitConfig};
    use proptest::prelude::*;

    const VECTOR_1: &str = "duckling enlarge academic academic agency result length solution fridge kidney coal piece deal husband erode duke ajar critical decision keyboard";

    fn unique(w: &str) -> &str {
        &w[..unique_prefix_len(w)]
    }

    fn words_of(s: &str) -> Vec<&str> {
        s.split(' ').collect()
    }

    fn reads_as(text: &str, expected: &str) {
        let share = read_share(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(share.to_words().expose_secret(), expected, "{text}");
    }

    #[test]
    fn unique_prefix_lengths_match_the_list() {
        for (i, w) in WORDS.iter().enumerate() {
            let u = unique_prefix_len(w);
            assert!((1..=4).contains(&u), "{w}");
            assert_eq!(
                crate::slip39::complete_prefix(&w[..u]),
                PrefixMatch::Unique(i as u16)
            );
            if u > 1 {
                assert!(matches!(
                    crate::slip39::complete_prefix(&w[..u - 1]),
                    PrefixMatch::Ambiguous(_)
                ));
            }
        }
        assert_eq!(unique_prefix_len("academic"), 3);
        assert_eq!(unique_prefix_len("notaword"), 8);
    }

    #[test]
    fn every_style_of_vector_1() {
        let w = words_of(VECTOR_1);
        let fast: String = w.iter().map(|w| unique(w)).collect();
        let four: String = w.iter().map(|w| &w[..4]).collect();
        let four_spaced = w.iter().map(|w| &w[..4]).collect::<Vec<_>>().join(" ");
        let upper = VECTOR_1.to_uppercase();
        let whole_glued: String = w.concat();
        for text in [
            fast.as_str(),
            &four,
            &four_spaced,
            VECTOR_1,
            &upper,
            &whole_glued,
            &format!("1. {}", w.join(", 2- ")),
        ] {
            reads_as(text, VECTOR_1);
        }
    }

    #[test]
    fn any_unique_prefix_ends_a_run() {
        // `from_mnemonic` accepted any unique abbreviation between spaces; so does this.
        let w = words_of(VECTOR_1);
        let text = w
            .iter()
            .map(|w| &w[..unique_prefix_len(w).max(w.len() - 1)])
            .collect::<Vec<_>>()
            .join(" ");
        reads_as(&text, VECTOR_1);
    }

    #[test]
    fn errors_name_positions_not_words() {
        let mut w = words_of(VECTOR_1);
        w[6] = "xylophonx";
        let e = read_share(&w.join(" ")).unwrap_err();
        assert_eq!(
            e,
            TypingError::Share(ShareError::UnknownWord { position: 7 })
        );
        w[6] = "ac";
        assert!(matches!(
            read_share(&w.join(" ")).unwrap_err(),
            TypingError::Share(ShareError::AmbiguousWord { position: 7, .. })
        ));
        assert_eq!(
            read_share("acad é").unwrap_err(),
            TypingError::Character { position: 6 }
        );
        let mut w = words_of(VECTOR_1);
        w.swap(8, 9);
        assert_eq!(
            read_share(&w.join(" ")).unwrap_err(),
            TypingError::Share(ShareError::Checksum)
        );
        assert_eq!(
            read_share("").unwrap_err(),
            TypingError::Share(ShareError::TooShort { words: 0 })
        );
        for e in [
            TypingError::Ambiguous {
                words: vec![5, 6],
                cause: None,
            },
            TypingError::Ambiguous {
                words: vec![3],
                cause: Some(ShareError::Checksum),
            },
        ] {
            let m = e.to_string();
            assert!(m.contains("word"), "{m}");
            assert!(!m.contains("academic"));
        }
        assert_eq!(word_list(&[5, 6, 9]), "words 5, 6 and 9");
    }

    #[test]
    fn typing_mode_allows_a_fragment_at_the_cursor() {
        // "acaac": academic, then `ac` (several words).
        let r = read("acaac", Some(5)).unwrap();
        assert_eq!(r.preferred().word_count(), 1);
        assert_eq!(r.preferred().fragment(), Some(1));
        assert_eq!(r.preferred().span(1), 3..5);
        // Finished, the same text is incomplete at word 2.
        let s = read("acaac", None).unwrap_err();
        assert_eq!(s.word, 2);
        assert!(s.candidates.is_some());
        // A closed run cannot end in a fragment.
        assert!(read("ac ulti", Some(7)).is_err());
        // Four letters win over a fragment: `acad` is academic, not academic + `d`.
        let r = read("acad", Some(4)).unwrap();
        assert_eq!(r.preferred().len(), 1);
        // No word starts with `qx`.
        let s = read("acadqx", Some(6)).unwrap_err();
        assert_eq!((s.word, s.letters.clone(), s.candidates), (2, 4..6, None));
    }

    #[test]
    fn checksum_decides_between_readings() {
        let w = words_of(VECTOR_1);
        let four: String = w.iter().map(|w| &w[..4]).collect();
        let readings = read(&four, None).unwrap();
        assert!(readings.count_of_length(20) >= 1);
        match readings.decide(&is_valid_share) {
            Decision::One(r) => assert_eq!(r.mnemonic().as_str(), VECTOR_1),
            other => panic!("{other:?}"),
        }
        // "agency" also reads as "agen" + "cy" (cylinder), "kidney" as "kidn" + "ey"
        // (eyebrow). Make a third word splittable too; with a check that takes any
        // 22-word reading, the three readings that split two of them all pass.
        let third = WORDS
            .iter()
            .find(|x| {
                !["agency", "kidney"].contains(x) && read(x, None).unwrap().count_of_length(2) > 0
            })
            .unwrap();
        let mut w = w.clone();
        w[0] = third;
        let readings = read(&w.join(" "), None).unwrap();
        assert_eq!(readings.count_of_length(20), 1);
        assert_eq!(readings.count_of_length(22), 3);
        match readings.decide(&|m| m.split(' ').count() == 22) {
            Decision::Several(rs) => {
                assert_eq!(rs.len(), 3);
                assert!(!differing_words(&rs).is_empty());
            }
            other => panic!("{other:?}"),
        }
        // The shortest length with a valid reading decides.
        match readings.decide(&|m| m.split(' ').count() >= 20) {
            Decision::One(r) => assert_eq!(r.word_count(), 20),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn debug_is_redacted() {
        let r = read("duckenla", None).unwrap();
        let d = format!("{r:?} {:?}", r.preferred());
        assert!(!d.contains("duck") && !d.contains("enla"), "{d}");
    }

    #[test]
    fn share_lengths() {
        let lengths: Vec<usize> = (0..70).filter(|&n| is_share_length(n)).collect();
        assert_eq!(&lengths[..3], &[20, 22, 23]);
        assert!(lengths.contains(&33) && lengths.contains(&59) && !lengths.contains(&60));
        assert!(!lengths.contains(&21));
    }

    #[derive(Clone, Copy, Debug)]
    enum Style {
        Unique,
        Four,
        FourSpaced,
        Whole,
    }

    fn typed(words: &[&str], style: Style) -> String {
        match style {
            Style::Unique => words.iter().map(|w| unique(w)).collect(),
            Style::Four => words.iter().map(|w| &w[..4]).collect(),
            Style::FourSpaced => words.iter().map(|w| &w[..4]).collect::<Vec<_>>().join(" "),
            Style::Whole => words.join(" "),
        }
    }

    /// A word typed per `(form, separator, upper)`: form 0 unique prefix, 1 four
    /// letters, 2 whole word; separator 0 none, 1 space, 2 comma and space, 3 hyphen,
    /// 4 newline.
    fn mixed(words: &[&str], picks: &[(u8, u8, bool)]) -> String {
        let mut out = String::new();
        for (w, &(form, sep, upper)) in words.iter().zip(picks.iter().cycle()) {
            let token = match form {
                0 => unique(w),
                1 => &w[..4],
                _ => w,
            };
            if upper {
                out.push_str(&token.to_uppercase());
            } else {
                out.push_str(token);
            }
            out.push_str(["", " ", ", ", "-", "\n"][usize::from(sep)]);
        }
        out
    }

    fn shares(seed: u64, bytes: usize) -> Vec<String> {
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
        let secret = MasterSecret::new(&secret).unwrap();
        let config = SplitConfig::single_group(2, 3);
        split(&secret, &Passphrase::empty(), &config, &mut random)
            .unwrap()
            .into_iter()
            .flatten()
            .map(|s| s.to_words().expose_secret().to_string())
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(std::env::var("TYPING_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48)))]
        #[test]
        fn every_way_of_typing_reads_back_the_share(
            seed in any::<u64>(),
            long in any::<bool>(),
            picks in prop::collection::vec((0u8..3, 0u8..5, any::<bool>()), 33),
        ) {
            for share in shares(seed, if long { 32 } else { 16 }) {
                let words = words_of(&share);
                prop_assert_eq!(words.len(), if long { 33 } else { 20 });
                for style in [Style::Unique, Style::Four, Style::FourSpaced, Style::Whole] {
                    let text = typed(&words, style);
                    let got = read_share(&text).map(|s| s.to_words().expose_secret().to_string());
                    prop_assert_eq!(got.as_deref(), Ok(share.as_str()), "{:?}", style);
                }
                let text = mixed(&words, &picks);
                let got = read_share(&text).map(|s| s.to_words().expose_secret().to_string());
                prop_assert_eq!(got.as_deref(), Ok(share.as_str()), "mixed");
            }
        }
    }
}
