//! `keyrite status` over many transcripts (being written).
fn main() {}
