//! `fathom sbom`: the SBOM BuildKit (or cosign) attached to the image a platform pulls — SPDX or
//! CycloneDX — as one package list, counted by ecosystem, filtered with `--filter`; each
//! statement checked against its layer's digest and against the image it is attached to.

use std::io::{self, Write};

use fathom_core::attestation::Attested;

use super::attested::{self, Holding};
use super::registry::short_digest;
use super::{CommandError, Outcome};
use crate::cli::SbomArgs;

/// What `fathom sbom` shows: each statement's SBOM (its packages filtered).
pub struct SbomShown;

impl Holding for SbomShown {
    const WHAT: &'static str = "SBOM";
    const HINT: &'static str = "BuildKit attaches one with `--sbom=true` / `--attest type=sbom`";

    fn holds(attested: &Attested) -> bool {
        attested.sbom.is_some()
    }

    fn show(attested: &Attested, out: &mut dyn Write) -> io::Result<()> {
        let Some(sbom) = &attested.sbom else { return Ok(()) };
        let from = match &attested.referrer {
            Some(referrer) => format!(
                "referrer {}, layer {}",
                short_digest(referrer),
                short_digest(&attested.layer)
            ),
            None => format!("layer {}", short_digest(&attested.layer)),
        };
        writeln!(out, "SBOM ({from}): {}", sbom.summary())?;
        let widths = [32, 24, 10, 20];
        writeln!(
            out,
            "  {:<w0$} {:<w1$} {:<w2$} {:<w3$} SUPPLIER",
            "NAME",
            "VERSION",
            "ECOSYSTEM",
            "LICENCE",
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3]
        )?;
        for p in &sbom.packages {
            writeln!(
                out,
                "  {:<w0$} {:<w1$} {:<w2$} {:<w3$} {}",
                p.name,
                p.version.as_deref().unwrap_or("-"),
                p.ecosystem,
                p.licence.as_deref().unwrap_or("-"),
                p.supplier.as_deref().unwrap_or("-"),
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2],
                w3 = widths[3]
            )?;
        }
        Ok(())
    }
}

/// Runs `fathom sbom`: exit 1 when a statement fails a check, or none is attached.
pub fn run_sbom(args: SbomArgs) -> Result<Outcome, CommandError> {
    let filter = args.filter.clone();
    attested::run::<SbomShown>(&args.image, &args.registry, args.output.format, |read| {
        let Some(filter) = filter else { return };
        for sbom in read.attestations.iter_mut().filter_map(|a| a.sbom.as_mut()) {
            let kept: Vec<_> = sbom.matching(&filter).into_iter().cloned().collect();
            sbom.packages = kept;
        }
    })
}
