//! `fathom platform`: parse a platform, or match a host against candidates as containerd does.

use std::io::{self, Write};

use fathom_core::platform::{explain, MatchMode, Matcher, Platform, Remedy};
use owo_colors::OwoColorize;

use super::{CommandError, Outcome};
use crate::cli::PlatformArgs;
use crate::printer::{aligned, Printer, Render};

/// A platform with OCI keys, as `fathom platform --format json` prints it: containerd's
/// normalised form (`Normalize`: `linux/arm64/v8` → `linux/arm64`, `linux/arm` →
/// `linux/arm/v7`) — the form containerd compares — with what was typed beside it.
#[derive(Debug, serde::Serialize)]
pub struct PlatformOutput {
    /// The specifier as typed.
    input: String,
    /// containerd's `Format` of `Parse(input)`, before normalisation.
    parsed: String,
    os: String,
    architecture: String,
    variant: Option<String>,
    #[serde(rename = "os.version")]
    os_version: Option<String>,
    #[serde(rename = "os.features")]
    os_features: Vec<String>,
    /// containerd's `Format` of the normalised platform.
    string: String,
    /// containerd's `FormatAll` of the normalised platform (with os.version and os.features).
    full: String,
}

impl PlatformOutput {
    /// `parsed` (containerd's `Parse` of `input`) described in its normalised form.
    fn new(input: &str, parsed: &Platform) -> PlatformOutput {
        let normal = parsed.normalize();
        let some = |s: &String| (!s.is_empty()).then(|| s.clone());
        PlatformOutput {
            input: input.to_owned(),
            parsed: parsed.format_all(),
            os: normal.os.clone(),
            architecture: normal.architecture.clone(),
            variant: some(&normal.variant),
            os_version: some(&normal.os_version),
            os_features: normal.os_features.clone(),
            string: normal.to_string(),
            full: normal.format_all(),
        }
    }
}

impl Render for PlatformOutput {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let none = || "(none)".to_owned();
        aligned(
            out,
            &[
                ("platform", self.full.clone()),
                ("typed", format!("{} (parsed as {})", self.input, self.parsed)),
                ("os", self.os.clone()),
                ("architecture", self.architecture.clone()),
                ("variant", self.variant.clone().unwrap_or_else(none)),
                ("os.version", self.os_version.clone().unwrap_or_else(none)),
                (
                    "os.features",
                    if self.os_features.is_empty() {
                        none()
                    } else {
                        self.os_features.join(", ")
                    },
                ),
            ],
        )
    }
}

/// One candidate's verdict.
#[derive(Debug, serde::Serialize)]
struct CandidateOutput {
    input: String,
    platform: String,
    matches: bool,
    reason: String,
}

/// The result of `fathom platform HOST --matches …`.
#[derive(Debug, serde::Serialize)]
pub struct MatchOutput {
    host: PlatformOutput,
    matcher: MatchMode,
    /// Every candidate in the order given.
    candidates: Vec<CandidateOutput>,
    /// Every candidate's input, best first, as containerd's `Less` sorts them.
    order: Vec<String>,
    /// The candidate containerd would pick.
    best: Option<String>,
    summary: String,
    remedies: Vec<Remedy>,
}

impl Render for MatchOutput {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let matcher = match self.matcher {
            MatchMode::Only => "only",
            MatchMode::OnlyStrict => "only-strict",
            MatchMode::Exact => "exact",
        };
        writeln!(out, "host {} (matcher: {matcher})", self.host.full.bold())?;
        let width = self.order.iter().map(String::len).max().unwrap_or(0);
        for input in &self.order {
            let Some(c) = self.candidates.iter().find(|c| &c.input == input) else {
                continue;
            };
            let mark = if c.matches {
                "✔".green().to_string()
            } else {
                "✘".red().to_string()
            };
            writeln!(out, "  {mark} {:<width$}  {}", c.input, c.reason)?;
        }
        let best = match &self.best {
            Some(best) => best.green().to_string(),
            None => "none".red().bold().to_string(),
        };
        aligned(out, &[("best", best), ("summary", self.summary.clone())])?;
        for remedy in &self.remedies {
            writeln!(out, "  → {}", remedy.message)?;
        }
        Ok(())
    }
}

/// Runs `fathom platform`.
pub fn run(args: PlatformArgs) -> Result<Outcome, CommandError> {
    let host_default = super::registry::local_platform();
    let parse = |spec: &str| Platform::parse(spec, &host_default).map_err(CommandError::invalid);
    let platform = parse(&args.platform)?;
    let printer = Printer::new(args.output.format);
    if args.candidates.is_empty() {
        printer.emit(&PlatformOutput::new(&args.platform, &platform))?;
        return Ok(Outcome::Success);
    }
    let candidates = args
        .candidates
        .iter()
        .map(|c| parse(c))
        .collect::<Result<Vec<_>, _>>()?;
    let mode = match (args.strict, args.exact) {
        (true, _) => MatchMode::OnlyStrict,
        (_, true) => MatchMode::Exact,
        _ => MatchMode::Only,
    };
    let matcher = Matcher::new(&platform, mode);
    let explanation = explain(&platform, &candidates, mode);
    let reason_of = |i: usize| {
        explanation
            .candidates
            .iter()
            .find(|v| v.index == i)
            .map(|v| v.reason.clone())
            .unwrap_or_default()
    };
    let output = MatchOutput {
        host: PlatformOutput::new(&args.platform, &platform),
        matcher: mode,
        candidates: candidates
            .iter()
            .enumerate()
            .map(|(i, c)| CandidateOutput {
                input: args.candidates[i].clone(),
                platform: c.format_all(),
                matches: matcher.matches(c),
                reason: reason_of(i),
            })
            .collect(),
        order: matcher
            .order(&candidates)
            .into_iter()
            .map(|i| args.candidates[i].clone())
            .collect(),
        best: explanation.chosen.map(|i| args.candidates[i].clone()),
        summary: explanation.summary.clone(),
        remedies: explanation.remedies.clone(),
    };
    printer.emit(&output)?;
    Ok(if output.best.is_some() {
        Outcome::Success
    } else {
        Outcome::Failure
    })
}
