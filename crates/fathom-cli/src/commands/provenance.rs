//! `fathom provenance`: the SLSA provenance BuildKit attached to the image a platform pulls —
//! who built it, when, from which repository and commit, with which Dockerfile and arguments,
//! on top of which base images — each statement checked against its layer's digest and against
//! the image it is attached to.

use std::io::{self, Write};

use fathom_core::attestation::provenance::Provenance;
use fathom_core::attestation::Attested;

use super::attested::{self, Holding};
use super::registry::short_digest;
use super::{CommandError, Outcome};
use crate::cli::ImageCommandArgs;
use crate::printer::aligned;

/// What `fathom provenance` shows: each statement's provenance.
pub struct ProvenanceShown;

impl Holding for ProvenanceShown {
    const WHAT: &'static str = "provenance";
    const HINT: &'static str = "BuildKit attaches one with `--provenance` / `--attest type=provenance`";

    fn holds(attested: &Attested) -> bool {
        attested.provenance.is_some()
    }

    fn show(attested: &Attested, out: &mut dyn Write) -> io::Result<()> {
        let Some(p) = &attested.provenance else { return Ok(()) };
        let enveloped = if attested.enveloped { ", in a DSSE envelope" } else { "" };
        writeln!(
            out,
            "provenance: SLSA {} (layer {}{enveloped})",
            p.slsa_version,
            short_digest(&attested.layer)
        )?;
        let rows = rows(p, attested);
        let rows: Vec<(&str, String)> = rows.iter().map(|(l, v)| (l.as_str(), v.clone())).collect();
        aligned(out, &rows)?;
        let images: Vec<_> = p.materials.iter().filter(|m| m.image.is_some()).collect();
        if !images.is_empty() {
            writeln!(out, "base images (inspect each with `fathom inspect <ref>`):")?;
        }
        for m in images {
            let platform = m.platform.as_deref().map(|p| format!(" ({p})")).unwrap_or_default();
            writeln!(out, "  {}{platform}", m.image.as_deref().unwrap_or_default())?;
        }
        let others: Vec<_> = p.materials.iter().filter(|m| m.image.is_none()).collect();
        if !others.is_empty() {
            writeln!(out, "other materials:")?;
        }
        for m in others {
            writeln!(out, "  {} {}", m.uri, m.digest.as_deref().unwrap_or(""))?;
        }
        Ok(())
    }
}

/// The label/value lines of a provenance, indented, each link after its value.
fn rows(p: &Provenance, attested: &Attested) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = p
        .lines()
        .into_iter()
        .map(|l| {
            let value = match l.link {
                Some(link) if link != l.value => format!("{} ({link})", l.value),
                _ => l.value,
            };
            (format!("  {}", l.label.to_lowercase()), value)
        })
        .collect();
    rows.push(("  signature".into(), attested.signature().into()));
    rows
}

/// Runs `fathom provenance`: exit 1 when a statement fails a check, or none is attached.
pub fn run_provenance(args: ImageCommandArgs) -> Result<Outcome, CommandError> {
    attested::run::<ProvenanceShown>(&args.image, &args.registry, args.output.format, |_| {})
}
