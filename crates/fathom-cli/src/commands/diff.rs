//! `fathom diff <A> <B>`: platforms added, dropped and changed between two references, and the
//! layers (and bytes) they share.

use std::io::{self, Write};

use fathom_core::compare::{diff, Diff};
use fathom_core::inspect::{Inspect, Options};
use owo_colors::OwoColorize;

use super::registry::{human_size, platform_arg, run_all, short_digest, Context};
use super::{CommandError, Outcome};
use crate::cli::DiffArgs;
use crate::printer::{Printer, Render};

/// The diff, printable.
#[derive(serde::Serialize)]
#[serde(transparent)]
pub struct DiffView(Diff);

impl Render for DiffView {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let d = &self.0;
        let digest = |s: &Option<String>| s.as_deref().map(short_digest).unwrap_or_default();
        writeln!(
            out,
            "{} ({}) → {} ({})",
            d.a.reference.bold(),
            digest(&d.a.digest),
            d.b.reference.bold(),
            digest(&d.b.digest)
        )?;
        for p in &d.added {
            writeln!(out, "  {} {p}", "+ added  ".green())?;
        }
        for p in &d.dropped {
            writeln!(out, "  {} {p}", "- dropped".red())?;
        }
        for p in &d.platforms {
            if p.same {
                writeln!(
                    out,
                    "  = same     {}  {}",
                    p.platform,
                    short_digest(&p.digest.a).dimmed()
                )?;
                continue;
            }
            writeln!(
                out,
                "  {} {}  {} → {}",
                "~ changed".yellow(),
                p.platform,
                short_digest(&p.digest.a),
                short_digest(&p.digest.b)
            )?;
            writeln!(out, "      size {} → {}", human_size(p.size.a), human_size(p.size.b))?;
            if p.created.a != p.created.b {
                let c = |c: &Option<String>| c.clone().unwrap_or_else(|| "-".into());
                writeln!(out, "      created {} → {}", c(&p.created.a), c(&p.created.b))?;
            }
            let l = &p.layers;
            writeln!(
                out,
                "      layers: {} shared ({} reused), {} to download, {} only in the first",
                l.shared.len(),
                human_size(l.shared_bytes),
                human_size(l.download_bytes),
                human_size(l.only_a_bytes)
            )?;
            for e in &p.config.env_added {
                writeln!(out, "      env + {e}")?;
            }
            for e in &p.config.env_removed {
                writeln!(out, "      env - {e}")?;
            }
            for (key, a, b) in &p.config.labels_changed {
                writeln!(
                    out,
                    "      label {key}: {} → {}",
                    a.as_deref().unwrap_or("(none)"),
                    b.as_deref().unwrap_or("(none)")
                )?;
            }
            if let Some(c) = &p.config.entrypoint {
                writeln!(out, "      entrypoint {:?} → {:?}", c.a, c.b)?;
            }
            if let Some(c) = &p.config.cmd {
                writeln!(out, "      cmd {:?} → {:?}", c.a, c.b)?;
            }
        }
        Ok(())
    }
}

/// Runs `fathom diff`.
pub fn run_diff(args: DiffArgs) -> Result<Outcome, CommandError> {
    let platform = platform_arg(&args.platform)?;
    let walk = |input: &str| -> Result<Inspect, CommandError> {
        let context = Context::new(input, &args.registry)?;
        let no_referrers = Options {
            referrers: false,
            ..Options::default()
        };
        Ok(Inspect::new(
            input,
            context.reference.clone(),
            &context.remote(&args.registry),
            no_referrers,
        ))
    };
    // Both references at once.
    let mut reports = run_all(vec![walk(&args.a)?, walk(&args.b)?], &args.registry)?.into_iter();
    let mut next = || {
        reports
            .next()
            .expect("two walks, two outcomes")
            .map_err(|f| CommandError::Registry(f.message))
    };
    let (a, b) = (next()?, next()?);
    let result = diff(&a, &b, platform.as_ref());
    // A failed check: either side holds bytes that do not match their digest (or another error
    // finding), or the asked platform is on neither side.
    let mut failed = false;
    for report in [&a, &b] {
        if report.failed_check().is_some() {
            failed = true;
            eprintln!(
                "fathom: {}: error findings (run `fathom inspect` on it for details)",
                report.reference.canonical
            );
        }
    }
    if let Some(platform) = &platform {
        if result.platforms.is_empty() && result.added.is_empty() && result.dropped.is_empty() {
            failed = true;
            eprintln!("fathom: neither side has a manifest for {platform}");
        }
    }
    Printer::new(args.output.format).emit(&DiffView(result))?;
    Ok(if failed { Outcome::Failure } else { Outcome::Success })
}
