//! Human-readable accounts: the auditor's report of a transcript (`keyrite report`) and
//! the printable ceremony script (`keyrite print`), laid out by minijinja layouts.
//!
//! The library builds a typed, serialisable view model ([`ReportView`], [`PrintView`])
//! and the layouts (see [`layout`]) only lay it out, so an organisation can restyle the
//! output without touching what it says.
//!
//! Invariants:
//! - Nothing in a transcript is hidden: a record the model does not know is still shown,
//!   generically, in its step (event name and every field).
//! - A transcript that fails verification is still reported, but the report opens with a
//!   warning that lists the findings. Signatures are checked exactly as `keyrite verify`
//!   checks them ([`crate::signatures::audit`]).
//! - Reports are deterministic: the same transcript, signatures and certificates give
//!   the same bytes (no "generated at" time), so they can be compared and archived.
//! - No secret is shown: transcripts hold none, and the report shows only their records.

pub mod layout;
pub mod output;
pub mod print;
pub mod view;

pub use layout::{LayoutError, Layouts};
pub use print::PrintView;
pub use view::{ReportError, ReportView};

/// Hex (or any text) in groups of `size` characters separated by spaces, for reading a
/// fingerprint or a hash aloud.
pub fn hex_groups(hex: &str, size: usize) -> String {
    let chars: Vec<char> = hex.chars().collect();
    chars
        .chunks(size.max(1))
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}
