#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used)]
//! The `keyrite` binary: parse the command line and hand over to the library.

fn main() {
    std::process::exit(keyrite::cli::main());
}
