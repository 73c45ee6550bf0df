//! OpenPGP: certificates and keys, interop with GnuPG, signed transcripts and protected
//! files in whole ceremonies, and encrypted share files.
//!
//! One test binary per theme (see `tests/common/mod.rs`).

#[path = "../common/mod.rs"]
mod common;

mod encrypt_shares;
mod openpgp_ceremony;
mod pgp_certs;
mod pgp_interop;
