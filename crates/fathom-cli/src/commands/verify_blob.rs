//! `fathom verify-blob`: a file's Sigstore bundle, checked offline by the core's
//! `signature::bundle::check` — what it signs against the file's digest, the signature against
//! the key given, or, keyless, the certificate, log entry and identity against a trusted root.
//! Exit 1 when it does not verify.

use std::io::{self, Write};

use fathom_core::digest::Digest;
use fathom_core::signature::bundle::{self, Judged};
use fathom_core::signature::{self, Trust, Verdict};
use owo_colors::OwoColorize;
use serde::Serialize;

use super::verify::{finding_line, read, signer};
use super::{CommandError, Outcome};
use crate::cli::VerifyBlobArgs;
use crate::printer::{Printer, Render};

/// A file's bundle, checked.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlobVerified {
    /// The file (as given).
    pub file: String,
    /// Its sha256.
    pub digest: String,
    /// The key or identity checked with; `None` when none was given.
    pub key: Option<String>,
    /// What the bundle says, checked.
    #[serde(flatten)]
    pub judged: Judged,
    /// Whether a keyless identity was checked (else a certificate's identity is only claimed).
    #[serde(skip)]
    identity_checked: bool,
}

impl Render for BlobVerified {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let j = &self.judged;
        writeln!(out, "{} {}", self.file.bold(), self.digest)?;
        if let Some(predicate) = &j.predicate_type {
            writeln!(out, "  statement: {predicate}")?;
        }
        if let Some(signer) = &j.signer {
            let words = signature::signer_words(signer, j.verdict, self.identity_checked, j.keyless);
            writeln!(out, "  {words}")?;
            if let (Some(at), Some(index)) = (signer.signed_at, signer.log_index) {
                writeln!(out, "  logged:    entry {index}, at {at} (Unix time)")?;
            }
        }
        for f in &j.findings {
            writeln!(out, "  {}", finding_line(f))?;
        }
        let words = j.verdict.words();
        let line = match j.verdict {
            Verdict::Verified => format!("VERIFIED: signed with the {}", self.key.as_deref().unwrap_or_default())
                .green()
                .bold()
                .to_string(),
            Verdict::Unverified => format!("UNVERIFIED: {words}").yellow().to_string(),
            Verdict::NotThisKey => format!("NOT VERIFIED: {words}").yellow().bold().to_string(),
            Verdict::Invalid => format!("INVALID: {words}").red().bold().to_string(),
        };
        writeln!(out, "{line}")
    }
}

/// Runs `fathom verify-blob`.
pub fn run_verify_blob(args: VerifyBlobArgs) -> Result<Outcome, CommandError> {
    let (key, policy) = signer(&args.signer)?;
    let trust = Trust::of(key.as_ref(), policy.as_ref());
    let digest = match args.file.parse::<Digest>() {
        Ok(digest) if args.file.starts_with("sha256:") => digest,
        _ => Digest::sha256(&read(std::path::Path::new(&args.file))?),
    };
    let bytes = read(&args.bundle)?;
    let at = format!("bundle {}", args.bundle.display());
    let judged = bundle::check(&bytes, &digest, trust, &at);
    let failed = match judged.verdict {
        Verdict::Verified => false,
        // Asked to verify, and it could not be: a failure, however politely said.
        Verdict::Unverified => {
            !matches!(trust, Trust::Nothing)
                || judged
                    .findings
                    .iter()
                    .any(|f| f.severity == fathom_core::Severity::Error)
        }
        Verdict::NotThisKey | Verdict::Invalid => true,
    };
    Printer::new(args.output.format).emit(&BlobVerified {
        file: args.file,
        digest: digest.to_string(),
        key: trust.describe(),
        judged,
        identity_checked: matches!(trust, Trust::Keyless(_)),
    })?;
    Ok(if failed { Outcome::Failure } else { Outcome::Success })
}
