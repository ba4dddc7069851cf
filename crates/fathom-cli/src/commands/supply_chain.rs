//! `fathom inspect --supply-chain`: the Report's `supplyChain` — the attestations of the image a
//! pull gets (what `fathom provenance` and `fathom sbom` read) and the signatures of the
//! reference and of that image, checked with the signer given (what `fathom verify` checks) — from
//! one signature lookup of both digests, and a few lines for people under the platform table.

use std::io::{self, Write};

use fathom_core::registry::Remote;
use fathom_core::report::{short_digest, Report, SupplyChain};
use fathom_core::signature::{self, SignatureLookup, Trust, Verification};
use fathom_core::{Reference, Severity};
use owo_colors::OwoColorize;

use super::attested;
use super::registry::run as run_walk;
use super::verify::{finding_line, paint};
use super::CommandError;
use crate::cli::RegistryArgs;

/// The supply chain of `report` (walked with every entry and its referrers), its signatures
/// checked with what `trust` gives.
pub fn of(
    report: &Report,
    reference: &Reference,
    remote: &Remote,
    args: &RegistryArgs,
    trust: Trust,
) -> Result<SupplyChain, CommandError> {
    let subjects = signature::subjects_of(report, false);
    let found = run_walk(SignatureLookup::new(reference, remote, &subjects), args)?
        .map_err(|f| CommandError::Registry(f.message))?;
    let attestations = match report.pulled_image() {
        Some((row, _)) => Some(attested::of_report(report, row, reference, remote, args, &found)?),
        None => None,
    };
    Ok(SupplyChain {
        attestations,
        signatures: Verification::of(&subjects, &found, trust),
    })
}

/// The supply chain in a few lines: each attestation (what it is, what it says in a phrase, its
/// problems) and the signatures' verdict with each failed check.
pub fn write(out: &mut dyn Write, supply: &SupplyChain) -> io::Result<()> {
    writeln!(out, "\n{}", "supply chain:".bold())?;
    match &supply.attestations {
        None => writeln!(out, "  attestations  - (no image pulled: name a platform)")?,
        Some(a) if a.attestations.is_empty() => {
            writeln!(
                out,
                "  attestations  none, of {} {}",
                a.platform,
                short_digest(&a.image)
            )?;
        }
        Some(a) => {
            writeln!(out, "  attestations of {} {}:", a.platform, short_digest(&a.image))?;
            for attested in &a.attestations {
                let what = attested.predicate_type.as_deref().unwrap_or("SBOM document");
                let says = match (&attested.provenance, &attested.sbom) {
                    (Some(p), _) => match (&p.source, &p.builder_id) {
                        (Some(s), _) => format!("built from {} {}", s.repository, s.revision.as_deref().unwrap_or("")),
                        (None, Some(builder)) => format!("built by {builder}"),
                        (None, None) => p
                            .build_type
                            .as_ref()
                            .map_or_else(|| "provenance".to_owned(), |t| format!("build type {t}")),
                    },
                    (None, Some(sbom)) => {
                        let n = sbom.packages.len();
                        format!("{n} package{} ({})", if n == 1 { "" } else { "s" }, sbom.format)
                    }
                    (None, None) => String::new(),
                };
                writeln!(out, "    {} {what}  {says}", short_digest(&attested.layer))?;
                for f in &attested.findings {
                    writeln!(out, "      {}", finding_line(f))?;
                }
            }
        }
    }
    let signatures = &supply.signatures;
    let headline = signatures.headline();
    let failed = signatures
        .findings
        .iter()
        .chain(signatures.signatures.iter().flat_map(|s| &s.judged.findings))
        .filter(|f| f.severity == Severity::Error);
    writeln!(out, "  signatures    {}", paint(&headline, severity_of(signatures)))?;
    for f in failed {
        writeln!(out, "    {}", finding_line(f))?;
    }
    Ok(())
}

/// How loud the signatures' headline is: red when a check failed, plain otherwise.
fn severity_of(signatures: &Verification) -> Severity {
    if signatures.failed() {
        Severity::Error
    } else {
        Severity::Info
    }
}
