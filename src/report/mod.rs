//! Human-readable reports of transcripts and printable scripts (minijinja layouts).
//!
//! (Being written.)
