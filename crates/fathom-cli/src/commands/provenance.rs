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
        aligned(out, &rows(p))?;
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

/// The label/value lines of a provenance.
fn rows(p: &Provenance) -> Vec<(&'static str, String)> {
    let yes_no = |b: Option<bool>| b.map_or("?", |b| if b { "yes" } else { "no" });
    let mut rows = vec![
        (
            "  builder",
            p.builder_id.clone().unwrap_or_else(|| "(none: a local build)".into()),
        ),
        ("  build type", p.build_type.clone().unwrap_or_default()),
        (
            "  built",
            format!(
                "{} → {}",
                p.started_on.as_deref().unwrap_or("?"),
                p.finished_on.as_deref().unwrap_or("?")
            ),
        ),
    ];
    if let Some(source) = &p.source {
        let at = source
            .revision
            .as_deref()
            .map(|r| format!(" @ {r}"))
            .unwrap_or_default();
        rows.push(("  source", format!("{}{at}", source.repository)));
        if let Some(url) = &source.commit_url {
            rows.push(("  commit", url.clone()));
        }
    }
    if let Some(context) = &p.context {
        rows.push(("  context", context.clone()));
    }
    let target = p.target.as_deref().map(|t| format!(", target {t}")).unwrap_or_default();
    rows.push((
        "  dockerfile",
        format!(
            "{} (frontend {}{target})",
            p.entry_point.as_deref().unwrap_or("?"),
            p.frontend.as_deref().unwrap_or("?")
        ),
    ));
    for (name, value) in &p.build_args {
        rows.push(("  build arg", format!("{name}={value}")));
    }
    if let Some(platform) = &p.builder_platform {
        rows.push(("  builder platform", platform.clone()));
    }
    rows.push((
        "  reproducible",
        format!(
            "{}; parameters complete: {}; materials complete: {}",
            yes_no(p.reproducible),
            yes_no(p.parameters_complete),
            yes_no(p.materials_complete)
        ),
    ));
    rows
}

/// Runs `fathom provenance`: exit 1 when a statement fails a check, or none is attached.
pub fn run_provenance(args: ImageCommandArgs) -> Result<Outcome, CommandError> {
    attested::run::<ProvenanceShown>(&args.image, &args.registry, args.output.format, |_| {})
}
