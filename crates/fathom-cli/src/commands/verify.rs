//! `fathom verify`: an image's cosign signatures — found under the `sha256-<hex>.sig` tag and
//! among its referrers by the core's `SignatureLookup`, checked by `Verification::of` — verified
//! with the public key (or keyless identity) given: exit 1 when none verifies, when one is
//! tampered with or copied from another image, or — a signer given — when the image is unsigned.

use std::io::{self, Write};

use fathom_core::digest::Digest;
use fathom_core::inspect::Options;
use fathom_core::signature::{
    self, Identity, ImageVerdict, Policy, PublicKey, SignatureLookup, Trust, TrustedRoot, Verdict, Verification,
};
use owo_colors::OwoColorize;
use serde::Serialize;

use super::registry::{inspect, platform_arg, run as run_walk, short_digest, Context};
use super::{CommandError, Outcome};
use crate::cli::{SignerArgs, VerifyArgs};
use crate::printer::{Printer, Render};

/// The reference and its signatures, checked.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verified {
    /// The reference, canonical.
    pub reference: String,
    /// What the signatures say.
    #[serde(flatten)]
    pub verification: Verification,
}

impl Render for Verified {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let v = &self.verification;
        writeln!(out, "{}", self.reference.bold())?;
        for f in &v.findings {
            writeln!(out, "{}", finding_line(f))?;
        }
        for s in &v.signatures {
            let how = s.signature.source.words();
            let kind = if s.judged.keyless { ", keyless" } else { "" };
            let words = s.judged.verdict.words();
            let verdict = match s.judged.verdict {
                Verdict::Verified => format!("✔ {words}: the {}", v.key.as_deref().unwrap_or_default())
                    .green()
                    .to_string(),
                Verdict::NotThisKey => format!("✘ {words}").yellow().to_string(),
                Verdict::Unverified => format!("? {words}"),
                Verdict::Invalid => format!("✘ {words}").red().bold().to_string(),
            };
            writeln!(
                out,
                "signature {} of {} ({how} {}{kind}): {verdict}",
                short_digest(&s.signature.payload.digest),
                short_digest(&s.signature.subject),
                short_digest(&s.signature.manifest)
            )?;
            if let Some(predicate) = &s.judged.predicate_type {
                let what = if s.signs_image() { "statement" } else { "attests" };
                writeln!(out, "  {what}: {predicate}")?;
            }
            if let Some(reference) = &s.docker_reference {
                writeln!(out, "  signed as: {reference}")?;
            }
            if let Some(signer) = &s.judged.signer {
                writeln!(out, "  {}", v.signer_words(s).unwrap_or_default())?;
                if let Some(repository) = &signer.source_repository {
                    let commit = signer.source_commit.as_deref().unwrap_or_default();
                    writeln!(out, "  source:    {repository} {commit}")?;
                }
            }
            for (claim, value) in &s.claims {
                writeln!(out, "  claim {claim}: {value}")?;
            }
            for f in &s.judged.findings {
                writeln!(out, "  {}", paint(&format!("✘ {}: {}", f.code, f.message), f.severity))?;
            }
        }
        let headline = v.headline();
        let summary = match v.verdict {
            ImageVerdict::Verified => headline.green().bold().to_string(),
            ImageVerdict::Unverified => headline.yellow().to_string(),
            ImageVerdict::Unsigned => headline.yellow().bold().to_string(),
            ImageVerdict::Invalid => headline.red().bold().to_string(),
        };
        writeln!(out, "{summary}")
    }
}

/// A finding on one line, marked and coloured by its severity: `✘ code: message`.
pub(super) fn finding_line(f: &fathom_core::Finding) -> String {
    paint(&format!("{} {}: {}", mark(f.severity), f.code, f.message), f.severity)
}

fn mark(severity: fathom_core::Severity) -> &'static str {
    match severity {
        fathom_core::Severity::Error => "✘",
        fathom_core::Severity::Warning => "!",
        fathom_core::Severity::Info => "·",
    }
}

pub(super) fn paint(line: &str, severity: fathom_core::Severity) -> String {
    match severity {
        fathom_core::Severity::Error => line.red().bold().to_string(),
        fathom_core::Severity::Warning => line.yellow().to_string(),
        fathom_core::Severity::Info => line.to_owned(),
    }
}

/// The digests whose signatures are looked up: the reference's own, then the images
/// `platform` names (`none`, `all`, `local` or a platform).
fn subjects(args: &VerifyArgs) -> Result<(String, Vec<Digest>), CommandError> {
    let (platform, every) = match args.platform.as_str() {
        "none" => (None, false),
        "all" => (None, true),
        other => (platform_arg(other)?, false),
    };
    let options = Options {
        platform,
        configs: false,
        referrers: false,
        ..Options::default()
    };
    let report = inspect(
        &args.reference,
        Context::new(&args.reference, &args.registry)?,
        &args.registry,
        options,
    )?;
    if let Some(finding) = report.failed_check() {
        return Err(CommandError::Registry(format!(
            "{}: {} {}",
            report.reference.canonical, finding.code, finding.message
        )));
    }
    let subjects = signature::subjects_of(&report, every);
    if subjects.is_empty() {
        return Err(CommandError::Registry(format!(
            "{}: no digest",
            report.reference.canonical
        )));
    }
    Ok((report.reference.canonical.clone(), subjects))
}

/// Reads a file the command was given.
pub(super) fn read(path: &std::path::Path) -> Result<Vec<u8>, CommandError> {
    std::fs::read(path).map_err(|source| CommandError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// The key or keyless identity the command was given, read (exit 2 when unusable).
pub(super) fn signer(args: &SignerArgs) -> Result<(Option<PublicKey>, Option<Policy>), CommandError> {
    let key = match &args.key {
        Some(path) => {
            let text = String::from_utf8_lossy(&read(path)?).into_owned();
            let key =
                PublicKey::from_text(&text).map_err(|e| CommandError::Invalid(format!("{}: {e}", path.display())))?;
            Some(key)
        }
        None => None,
    };
    let policy = match (
        &args.trusted_root,
        &args.certificate_identity,
        &args.certificate_oidc_issuer,
    ) {
        (Some(path), Some(subject), Some(issuer)) => {
            let root = TrustedRoot::from_json(&read(path)?)
                .map_err(|e| CommandError::Invalid(format!("{}: {e}", path.display())))?;
            Some(Policy {
                root,
                identity: Identity {
                    subject: subject.clone(),
                    issuer: issuer.clone(),
                },
            })
        }
        _ => None,
    };
    Ok((key, policy))
}

/// Runs `fathom verify`.
pub fn run_verify(args: VerifyArgs) -> Result<Outcome, CommandError> {
    let (key, policy) = signer(&args.signer)?;
    let trust = Trust::of(key.as_ref(), policy.as_ref());
    let (reference, subjects) = subjects(&args)?;
    let context = Context::new(&args.reference, &args.registry)?;
    let remote = context.remote(&args.registry);
    let found = run_walk(
        SignatureLookup::new(&context.reference, &remote, &subjects),
        &args.registry,
    )?
    .map_err(|f| CommandError::Registry(f.message))?;
    let verification = Verification::of(&subjects, &found, trust);
    let failed = verification.failed();
    Printer::new(args.output.format).emit(&Verified {
        reference,
        verification,
    })?;
    Ok(if failed { Outcome::Failure } else { Outcome::Success })
}
