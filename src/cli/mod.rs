//! The command line: clap definitions and dispatch to one module per command.
//!
//! Exit codes are part of the interface: 0 success, 1 the ceremony or a verification
//! failed, 2 a usage or script error. Errors print their cause chain and a hint.

mod check;
mod countersign;

mod device;
mod new;
mod print;
mod report;
mod run;
mod secret_input;
mod slip39;
mod status;
mod verify;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Exit code: success.
pub const EXIT_OK: i32 = 0;
/// Exit code: the ceremony or a verification failed.
pub const EXIT_FAILED: i32 = 1;
/// Exit code: bad usage or a script error.
pub const EXIT_USAGE: i32 = 2;

/// Key ceremonies from a YAML script, recorded in a tamper-evident transcript.
#[derive(Parser, Debug)]
#[command(name = "keyrite", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a ceremony script, recording every fact in a transcript.
    Run {
        /// The ceremony script.
        script: PathBuf,
        /// Answer every question from this file instead of asking (tests, rehearsals).
        #[arg(long, value_name = "FILE")]
        answers: Option<PathBuf>,
        /// Ask line by line on standard input and output.
        #[arg(long, conflicts_with = "answers")]
        plain: bool,
        /// Root folder of the transcripts.
        #[arg(long, value_name = "DIR", default_value = "records")]
        records: PathBuf,
        /// Where files such as encrypted shares are written.
        #[arg(long, value_name = "DIR", default_value = "out")]
        out: PathBuf,
    },
    /// Check scripts and print every problem with file:line:column.
    Check {
        /// The scripts to check.
        #[arg(required = true)]
        scripts: Vec<PathBuf>,
    },
    /// Print the JSON Schema of the script language (for editors).
    Schema,
    /// Hardware wallets: list ports, probe a device, run the simulator.
    Device {
        #[command(subcommand)]
        command: device::DeviceCommand,
    },
    /// SLIP-39 shares outside a ceremony, like the reference `shamir` tool.
    Slip39 {
        #[command(subcommand)]
        command: slip39::Slip39Command,
    },
    /// Verify a transcript: hash chain, sequence, seal, and that it ended.
    Verify {
        /// The transcript (`.jsonl`).
        transcript: PathBuf,
        /// The script it was run from; its SHA-256 must match the transcript's.
        #[arg(long, value_name = "FILE")]
        script: Option<PathBuf>,
        /// Check the signatures against the certificates in this folder instead of the
        /// script's.
        #[arg(long, value_name = "DIR")]
        certs: Option<PathBuf>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Add your signature to a closed transcript (`<transcript>.asc`), for a signer who
    /// signs on their own machine.
    Countersign {
        /// The transcript (`.jsonl`).
        transcript: PathBuf,
        /// Your OpenPGP secret key file; you are asked for its passphrase if it has one.
        #[arg(
            long,
            value_name = "FILE",
            required_unless_present = "signature",
            conflicts_with = "signature"
        )]
        key: Option<PathBuf>,
        /// Read the passphrase from this file's first line instead of asking.
        #[arg(long, value_name = "FILE", requires = "key")]
        passphrase_file: Option<PathBuf>,
        /// A detached signature of the transcript made elsewhere (a smartcard, another
        /// machine: `gpg --armor --detach-sign`); checked against the role's certificate
        /// from --script or --certs before it is added.
        #[arg(long, value_name = "FILE")]
        signature: Option<PathBuf>,
        /// The ceremony script, whose roles' certificates check --signature.
        #[arg(long, value_name = "FILE", requires = "signature")]
        script: Option<PathBuf>,
        /// A folder of certificates named after roles (`officer.asc`) to check --signature.
        #[arg(long, value_name = "DIR", requires = "signature")]
        certs: Option<PathBuf>,
        /// Add the signature of a role the ceremony does not require to sign.
        #[arg(long)]
        extra_witness: bool,
    },
    /// Where every share is, when it was last seen, and when the next rehearsal is due,
    /// from the transcripts under the records folder. Exits 1 when something needs
    /// attention (an overdue rehearsal, a transcript that fails verification).
    Status {
        /// Root folder of the transcripts.
        #[arg(long, value_name = "DIR", default_value = "records")]
        records: PathBuf,
        /// Print the registry as JSON.
        #[arg(long)]
        json: bool,
        /// Judge due dates as of this instant (RFC 3339, such as 2027-01-31T09:00:00+01:00)
        /// instead of now.
        #[arg(long, value_name = "TIME")]
        as_of: Option<String>,
    },
    /// A human-readable account of a transcript for auditors (Markdown or HTML).
    Report {
        /// The transcript (`.jsonl`).
        transcript: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Md)]
        format: Format,
        /// The script it was run from; binds signers' certificates to roles.
        #[arg(long, value_name = "FILE")]
        script: Option<PathBuf>,
        /// Check the signatures against the certificates in this folder.
        #[arg(long, value_name = "DIR")]
        certs: Option<PathBuf>,
        /// Write to this file instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Use the layouts in this folder instead of the built-in ones.
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
    },
    /// The printable ceremony script: a row per step with initials and time columns, the
    /// roles, a signature block and an exceptions page.
    Print {
        /// The ceremony script.
        script: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Md)]
        format: Format,
        /// Write to this file instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Use the layouts in this folder instead of the built-in ones.
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
    },
    /// Start a new ceremony script from a template, and check it at once.
    New {
        /// The template (see `--list`).
        #[arg(long, required_unless_present = "list")]
        template: Option<String>,
        /// Set a template variable (repeatable), such as `--set id=treasury-2027`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// The script to write; it must not exist yet.
        #[arg(short, long, value_name = "FILE", required_unless_present = "list")]
        output: Option<PathBuf>,
        /// List the templates and their variables.
        #[arg(long)]
        list: bool,
        /// Use the templates in this folder instead of the built-in ones.
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
    },
}

/// The output format of `report` and `print`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Markdown.
    Md,
    /// HTML that prints cleanly to PDF from a browser.
    Html,
}

/// Prints an error with its causes and an optional hint to standard error.
pub fn print_error(error: &dyn std::error::Error, hint: Option<&str>) {
    // Errors quote paths and values from files and people: made terminal-safe.
    let safe = |text: String| crate::sanitize::for_terminal(&text).into_owned();
    errln!("error: {}", safe(error.to_string()));
    let mut source = error.source();
    while let Some(cause) = source {
        errln!("  caused by: {}", safe(cause.to_string()));
        source = cause.source();
    }
    if let Some(hint) = hint {
        errln!("  hint: {}", safe(hint.to_string()));
    }
}

/// Exit code of a command whose reader went away (`keyrite status | head`): the
/// shell's code for a process ended by SIGPIPE.
pub const EXIT_BROKEN_PIPE: i32 = 141;

/// Writes a command's output to standard output. A reader that went away (`keyrite
/// verify … | head`) ends the process quietly with [`EXIT_BROKEN_PIPE`], as it ends
/// `cat`; any other write error is printed and ends it with [`EXIT_FAILED`]. Told apart
/// by the error's kind: Rust ignores SIGPIPE, so the write returns `BrokenPipe`.
pub(crate) fn write_stdout(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        exit_on_write_error(&e);
    }
}

/// Ends the process after standard output failed: quietly for a closed pipe.
pub(crate) fn exit_on_write_error(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(EXIT_BROKEN_PIPE);
    }
    print_error(e, Some("standard output could not be written"));
    std::process::exit(EXIT_FAILED);
}

/// `eprintln!` that cannot panic: a message to a terminal that has gone away (a closed
/// lid) is lost, and must not turn a recorded abort into a crash.
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
pub(crate) use errln;

/// `println!` through [`write_stdout`].
macro_rules! outln {
    () => {
        $crate::cli::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use outln;

/// Keeps a panic the OpenPGP layer catches (and reports as damaged input) off the
/// terminal; any other panic is printed as usual.
fn quiet_contained_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if crate::pgp::panic_is_contained() {
            return;
        }
        default(info);
    }));
}

/// Runs the command line and returns the exit code.
pub fn main() -> i32 {
    quiet_contained_panics();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
        }
    };
    match cli.command {
        Command::Run {
            script,
            answers,
            plain,
            records,
            out,
        } => run::run(&script, answers.as_deref(), plain, &records, &out),
        Command::Check { scripts } => check::check(&scripts),
        Command::Slip39 { command } => slip39::run(command),
        Command::Device { command } => device::run(command),
        Command::Schema => {
            write_stdout(format_args!("{}", crate::script::schema::schema_json()));
            EXIT_OK
        }
        Command::Verify {
            transcript,
            script,
            certs,
            json,
        } => verify::verify(&transcript, script.as_deref(), certs.as_deref(), json),
        Command::Countersign {
            transcript,
            key,
            passphrase_file,
            signature,
            script,
            certs,
            extra_witness,
        } => {
            let signing = match (&key, &signature) {
                (Some(key), _) => countersign::Signing::Key {
                    key,
                    passphrase_file: passphrase_file.as_deref(),
                },
                (None, Some(file)) => countersign::Signing::Signature {
                    file,
                    script: script.as_deref(),
                    certs: certs.as_deref(),
                },
                // clap requires one of the two.
                (None, None) => return EXIT_USAGE,
            };
            countersign::countersign(&transcript, &signing, extra_witness)
        }
        Command::Status {
            records,
            json,
            as_of,
        } => status::status(&records, json, as_of.as_deref()),
        Command::Report {
            transcript,
            format,
            script,
            certs,
            output,
            templates,
        } => report::report(
            &transcript,
            format,
            script.as_deref(),
            certs.as_deref(),
            output.as_deref(),
            templates.as_deref(),
        ),
        Command::Print {
            script,
            format,
            output,
            templates,
        } => print::print(&script, format, output.as_deref(), templates.as_deref()),
        Command::New {
            template,
            set,
            output,
            list,
            templates,
        } => new::new(
            template.as_deref(),
            &set,
            output.as_deref(),
            list,
            templates.as_deref(),
        ),
    }
}
