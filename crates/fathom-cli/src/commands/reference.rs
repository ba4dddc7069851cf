//! `fathom ref`: a reference parsed and normalised.

use std::io::{self, Write};

use fathom_core::Reference;

use super::{CommandError, Outcome};
use crate::cli::RefArgs;
use crate::printer::{aligned, Printer, Render};

/// The stable JSON contract of `fathom ref --format json`.
#[derive(Debug, serde::Serialize)]
pub struct RefOutput {
    input: String,
    canonical: String,
    familiar: String,
    registry: String,
    repository: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl RefOutput {
    fn new(input: &str, reference: &Reference) -> RefOutput {
        RefOutput {
            input: input.to_owned(),
            canonical: reference.canonical(),
            familiar: reference.familiar(),
            registry: reference.registry().to_owned(),
            repository: reference.repository().to_owned(),
            tag: reference.tag().map(str::to_owned),
            digest: reference.digest().map(ToString::to_string),
        }
    }
}

impl Render for RefOutput {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let none = || "(none)".to_owned();
        aligned(
            out,
            &[
                ("canonical", self.canonical.clone()),
                ("familiar", self.familiar.clone()),
                ("registry", self.registry.clone()),
                ("repository", self.repository.clone()),
                ("tag", self.tag.clone().unwrap_or_else(none)),
                ("digest", self.digest.clone().unwrap_or_else(none)),
            ],
        )
    }
}

/// Runs `fathom ref`.
pub fn run(args: RefArgs) -> Result<Outcome, CommandError> {
    let reference = Reference::parse(&args.reference).map_err(CommandError::invalid)?;
    Printer::new(args.output.format).emit(&RefOutput::new(&args.reference, &reference))?;
    Ok(Outcome::Success)
}
