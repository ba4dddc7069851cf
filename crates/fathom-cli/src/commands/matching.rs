//! `fathom match`: which manifest a platform would pull, explained.

use std::io::{self, Write};

use fathom_core::inspect::Options;
use fathom_core::report::MatchInfo;
use owo_colors::OwoColorize;

use super::registry::{inspect, platform_arg, Context};
use super::{CommandError, Outcome};
use crate::cli::MatchArgs;
use crate::printer::{Printer, Render};

/// The match result, with the reference it is about.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchView {
    reference: String,
    /// The index or manifest digest the tag resolved to.
    resolved: Option<String>,
    #[serde(flatten)]
    info: MatchInfo,
}

impl Render for MatchView {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let e = &self.info.explanation;
        match &self.info.digest {
            Some(digest) => writeln!(out, "{} {} → {digest}", "✔".green(), e.summary)?,
            None => writeln!(out, "{} {}", "✘".red().bold(), e.summary.red().bold())?,
        }
        for c in &e.candidates {
            let mark = if c.matches {
                "✔".green().to_string()
            } else {
                "✘".red().to_string()
            };
            writeln!(out, "  {mark} {:<24} {}", c.platform.format_all(), c.reason)?;
        }
        for remedy in &e.remedies {
            writeln!(out, "  → {}", remedy.message)?;
        }
        Ok(())
    }
}

/// Runs `fathom match`.
pub fn run_match(args: MatchArgs) -> Result<Outcome, CommandError> {
    let context = Context::new(&args.reference, &args.registry)?;
    let platform = platform_arg(&args.platform)?
        .ok_or_else(|| CommandError::Invalid("match needs a platform (`local` or os/arch[/variant])".into()))?;
    let options = Options {
        platform: Some(platform),
        all_platforms: false,
        configs: true,
        referrers: false,
        ..Options::default()
    };
    let report = inspect(&args.reference, context, &args.registry, options)?;
    let info = report
        .platform_match
        .clone()
        .ok_or_else(|| CommandError::Registry("no platform to match".into()))?;
    let matched = info.chosen.is_some();
    Printer::new(args.output.format).emit(&MatchView {
        reference: report.reference.canonical.clone(),
        resolved: report.digest.clone(),
        info,
    })?;
    Ok(if matched { Outcome::Success } else { Outcome::Failure })
}
