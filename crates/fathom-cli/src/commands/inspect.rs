//! `fathom inspect`: the platform table, verified, with the match line for the asked platform.

use std::io::{self, Write};

use fathom_core::finding::Severity;
use fathom_core::inspect::Options;
use fathom_core::report::{EntryKind, PlatformEntry, Report, ResolvedBy, SupplyChain};
use fathom_core::signature::Trust;
use owo_colors::OwoColorize;

use super::registry::{human_size, inspect, platform_arg, short_digest, Context};
use super::{supply_chain, verify, CommandError, Outcome};
use crate::cli::InspectArgs;
use crate::printer::{Printer, Render};

/// A Report, rendered as a table for people and as itself in JSON.
#[derive(serde::Serialize)]
#[serde(transparent)]
pub struct ReportView(pub Box<Report>);

impl Render for ReportView {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let r = &self.0;
        writeln!(out, "{}", r.reference.canonical.bold())?;
        let resolved = match r.resolved_by {
            ResolvedBy::Tag => "resolved by tag (which digest the tag points to is the registry's word)",
            ResolvedBy::Digest => "resolved by digest (proven: the bytes hash to it)",
        };
        writeln!(out, "  digest      {}", r.digest.as_deref().unwrap_or("-"))?;
        writeln!(out, "  {resolved}")?;
        writeln!(
            out,
            "  media type  {} · {}",
            r.media_type.as_deref().unwrap_or("-"),
            human_size(r.size.unwrap_or(0))
        )?;
        writeln!(out)?;
        write_table(out, r)?;
        if let Some(m) = &r.platform_match {
            writeln!(out)?;
            match (m.chosen, &m.digest) {
                (Some(row), Some(digest)) => {
                    let platform = r.platforms[row]
                        .platform
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default();
                    writeln!(
                        out,
                        "{} {} → {} ({platform})",
                        "match".green().bold(),
                        m.platform,
                        digest
                    )?;
                }
                _ => {
                    writeln!(out, "{}", format!("✘ {}", m.explanation.summary).red().bold())?;
                    for candidate in m.explanation.candidates.iter().take(3) {
                        writeln!(out, "  {}: {}", candidate.platform, candidate.reason)?;
                    }
                    for remedy in &m.explanation.remedies {
                        writeln!(out, "  → {}", remedy.message)?;
                    }
                }
            }
        }
        if !r.referrers.is_empty() {
            writeln!(out, "\nreferrers:")?;
            for referrer in &r.referrers {
                let kind = referrer.descriptor.artifact_type.as_deref().unwrap_or("artifact");
                writeln!(out, "  {kind}  {}  ({})", referrer.descriptor.digest, referrer.source)?;
            }
        }
        if let Some(limit) = &r.rate_limit {
            let remaining = limit.remaining.map_or("?".into(), |v| v.to_string());
            let total = limit.limit.map_or("?".into(), |v| v.to_string());
            let whose = limit
                .source
                .as_deref()
                .map(|s| format!(" (quota of {s})"))
                .unwrap_or_default();
            writeln!(out, "\nrate limit: {remaining} of {total} requests left{whose}")?;
        }
        let shown: Vec<_> = r.findings.iter().filter(|f| f.severity != Severity::Info).collect();
        if !shown.is_empty() {
            writeln!(out, "\nfindings:")?;
            for f in shown {
                let severity = match f.severity {
                    Severity::Error => "ERROR".red().bold().to_string(),
                    _ => "warning".yellow().to_string(),
                };
                writeln!(out, "  {severity} {} {}: {}", f.code.bold(), f.path.dimmed(), f.message)?;
            }
        }
        if let Some(supply) = &r.supply_chain {
            supply_chain::write(out, supply)?;
        }
        writeln!(out, "\n{} HTTP requests", r.requests)
    }
}

fn write_table(out: &mut dyn Write, r: &Report) -> io::Result<()> {
    let rows: Vec<(usize, &PlatformEntry)> = r
        .platforms
        .iter()
        .enumerate()
        .filter(|(_, p)| p.kind != EntryKind::Attestation)
        .collect();
    let chosen = r.platform_match.as_ref().and_then(|m| m.chosen);
    let cells = |p: &PlatformEntry| -> [String; 6] {
        let platform = match &p.platform {
            Some(pl) => {
                let mut s = pl.to_string();
                if !pl.os_version.is_empty() {
                    s.push_str(&format!(" ({})", pl.os_version));
                }
                s
            }
            None => "-".into(),
        };
        let image = p.image.as_ref();
        [
            platform,
            short_digest(&p.descriptor.digest),
            image.map_or("-".into(), |i| human_size(i.total_size)),
            image
                .and_then(|i| i.created.clone())
                .map_or("-".into(), |c| c.chars().take(19).collect::<String>().replace('T', " ")),
            image.map_or("-".into(), |i| i.layers.len().to_string()),
            format!("{:?}", p.kind).to_lowercase(),
        ]
    };
    let header = ["PLATFORM", "DIGEST", "SIZE", "CREATED", "LAYERS", "KIND"];
    let all: Vec<[String; 6]> = rows.iter().map(|(_, p)| cells(p)).collect();
    let widths: Vec<usize> = (0..6)
        .map(|c| {
            all.iter()
                .map(|row| row[c].chars().count())
                .chain([header[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String], out: &mut dyn Write| -> io::Result<()> {
        for (c, cell) in cells.iter().enumerate() {
            write!(out, "{cell:<width$}  ", width = widths[c])?;
        }
        Ok(())
    };
    write!(out, "  ")?;
    line(&header.map(str::to_owned), out)?;
    writeln!(out, "VERIFIED")?;
    for ((row, p), cells) in rows.iter().zip(&all) {
        // The row a pull on the asked platform would get.
        let marker = if Some(*row) == chosen { "▶ " } else { "  " };
        write!(out, "{}", marker.green())?;
        line(cells, out)?;
        let verified = match p.verified {
            Some(true) => "✔ verified".green().to_string(),
            Some(false) => "✘ DIGEST MISMATCH".red().bold().to_string(),
            None => "· not fetched".dimmed().to_string(),
        };
        writeln!(out, "{verified}")?;
        for attestation in &p.attestations {
            let verified = r
                .platforms
                .iter()
                .find(|a| &a.descriptor.digest == attestation)
                .and_then(|a| a.verified);
            let mark = match verified {
                Some(true) => "✔",
                Some(false) => "✘",
                None => "·",
            };
            writeln!(out, "    └ attestation {} {mark}", short_digest(attestation).dimmed())?;
        }
    }
    Ok(())
}

/// Runs `fathom inspect`.
pub fn run_inspect(args: InspectArgs) -> Result<Outcome, CommandError> {
    let (key, policy) = verify::signer(&args.signer)?;
    let context = Context::new(&args.reference, &args.registry)?;
    let (reference, remote) = (context.reference.clone(), context.remote(&args.registry));
    let platform = platform_arg(&args.platform)?;
    let options = Options {
        all_platforms: true,
        platform,
        configs: !args.no_config,
        referrers: !args.no_referrers,
        ..Options::default()
    };
    let mut report = inspect(&args.reference, context, &args.registry, options)?;
    // The supply chain of bytes that failed their check would vouch for what was swapped in.
    if (args.supply_chain || key.is_some() || policy.is_some()) && report.failed_check().is_none() {
        let trust = Trust::of(key.as_ref(), policy.as_ref());
        report.supply_chain = Some(supply_chain::of(&report, &reference, &remote, &args.registry, trust)?);
    }
    // A failed check: an error finding, or an asked platform that nothing matches (a pull there
    // would fail with "no matching manifest"), or a failed attestation or signature.
    let unmatched = report.platform_match.as_ref().is_some_and(|m| m.chosen.is_none());
    let supply_failed = report.supply_chain.as_ref().is_some_and(SupplyChain::failed);
    let failed = report.failed_check().is_some() || unmatched || supply_failed;
    Printer::new(args.output.format).emit(&ReportView(report))?;
    Ok(if failed { Outcome::Failure } else { Outcome::Success })
}
