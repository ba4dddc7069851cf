//! `fathom`: the native command line over fathom-core.

mod archive_file;
mod cli;
mod commands;
mod credentials;
mod drafts;
mod layout_dir;
mod printer;
mod transport;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::commands::{CommandError, Outcome};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Ref(args) => commands::reference::run(args),
        Command::Platform(args) => commands::platform::run(args),
        Command::Lint(args) => commands::lint::run(args),
        Command::Inspect(args) => commands::inspect::run_inspect(args),
        Command::Match(args) => commands::matching::run_match(args),
        Command::Tags(args) => commands::tags::run_tags(args),
        Command::Diff(args) => commands::diff::run_diff(args),
        Command::Layers(args) => commands::layers::run_layers(args),
        Command::Ls(args) => commands::ls::run_ls(args),
        Command::Cat(args) => commands::cat::run_cat(args),
        Command::Provenance(args) => commands::provenance::run_provenance(args),
        Command::Sbom(args) => commands::sbom::run_sbom(args),
        Command::Verify(args) => commands::verify::run_verify(args),
        Command::VerifyBlob(args) => commands::verify_blob::run_verify_blob(args),
        Command::Index(command) => commands::index::run(command),
    };
    match outcome {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Failure) => ExitCode::from(1),
        Err(error @ CommandError::Registry(_)) => {
            eprintln!("fathom: {error}");
            ExitCode::from(1)
        }
        Err(error) => {
            eprintln!("fathom: {error}");
            ExitCode::from(2)
        }
    }
}
