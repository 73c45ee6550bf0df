//! `keyrite slip39 create|recover`: SLIP-39 outside a ceremony, with the reference
//! `shamir` CLI's options and output layout, plus `--json`.

use clap::Subcommand;

/// The `slip39` subcommands.
#[derive(Subcommand, Debug)]
pub enum Slip39Command {
    /// Create a SLIP-39 share set (as `shamir create`).
    Create,
    /// Recover a master secret from shares (as `shamir recover`).
    Recover,
}

/// Runs a `slip39` subcommand and returns the exit code.
pub fn run(command: Slip39Command) -> i32 {
    match command {
        Slip39Command::Create | Slip39Command::Recover => super::EXIT_USAGE,
    }
}
