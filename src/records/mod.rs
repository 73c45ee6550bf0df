//! The custody registry and rehearsal schedule, derived from a folder of transcripts.
//!
//! (Being written.)
