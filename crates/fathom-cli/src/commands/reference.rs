//! `fathom ref`: a reference parsed and normalised.

use std::io::{self, Write};

use fathom_core::report::ReferenceInfo;
use fathom_core::Reference;

use super::{CommandError, Outcome};
use crate::cli::RefArgs;
use crate::printer::{aligned, Printer, Render};

/// `fathom ref --format json`: the Report's `reference` object, a stable contract.
#[derive(serde::Serialize)]
#[serde(transparent)]
pub struct RefOutput(ReferenceInfo);

impl Render for RefOutput {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let none = || "(none)".to_owned();
        let r = &self.0;
        aligned(
            out,
            &[
                ("canonical", r.canonical.clone()),
                ("familiar", r.familiar.clone()),
                ("registry", r.registry.clone()),
                ("repository", r.repository.clone()),
                ("tag", r.tag.clone().unwrap_or_else(none)),
                ("digest", r.digest.clone().unwrap_or_else(none)),
            ],
        )
    }
}

/// Runs `fathom ref`.
pub fn run(args: RefArgs) -> Result<Outcome, CommandError> {
    let reference = Reference::parse(&args.reference).map_err(CommandError::invalid)?;
    Printer::new(args.output.format).emit(&RefOutput(ReferenceInfo::new(&args.reference, &reference)))?;
    Ok(Outcome::Success)
}
