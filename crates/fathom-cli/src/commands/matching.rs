//! `fathom match`: which manifest a platform would pull, explained.

use std::io::{self, Write};

use fathom_core::inspect::Options;
use fathom_core::report::MatchResult;
use owo_colors::OwoColorize;

use super::registry::{inspect, platform_arg, Context};
use super::{CommandError, Outcome};
use crate::cli::MatchArgs;
use crate::printer::{Printer, Render};

impl Render for MatchResult {
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
    let report = inspect(&args.reference, context, &args.registry, Options::for_match(platform))?;
    let result =
        MatchResult::from_report(&report).ok_or_else(|| CommandError::Registry("no platform to match".into()))?;
    let matched = result.info.chosen.is_some();
    Printer::new(args.output.format).emit(&result)?;
    Ok(if matched { Outcome::Success } else { Outcome::Failure })
}
