//! `fathom`: the native command line over fathom-core.

mod cli;
mod commands;
mod layout_dir;
mod printer;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::commands::Outcome;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Ref(args) => commands::reference::run(args),
        Command::Platform(args) => commands::platform::run(args),
        Command::Lint(args) => commands::lint::run(args),
    };
    match outcome {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Failure) => ExitCode::from(1),
        Err(error) => {
            eprintln!("fathom: {error}");
            ExitCode::from(2)
        }
    }
}
