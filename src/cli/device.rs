//! `keyrite device list|probe|simulate`.

use clap::Subcommand;

/// The `device` subcommands.
#[derive(Subcommand, Debug)]
pub enum DeviceCommand {
    /// List serial ports with USB ids and a guess at the driver.
    List,
}

/// Runs a `device` subcommand and returns the exit code.
pub fn run(command: DeviceCommand) -> i32 {
    match command {
        DeviceCommand::List => super::EXIT_USAGE,
    }
}
