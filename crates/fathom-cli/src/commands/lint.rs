//! `fathom lint`: one document, or a whole OCI layout, parsed, verified and linted.

use std::io::{self, Read, Write};
use std::path::Path;

use fathom_core::archive::{self, ArchiveLayout};
use fathom_core::finding::{has_error, Code, Finding, Severity};
use fathom_core::manifest::{DetectedBy, Format};
use fathom_core::{layout, Document, LayoutReport};
use owo_colors::OwoColorize;

use super::{CommandError, Outcome};
use crate::archive_file::ArchiveFile;
use crate::cli::LintArgs;
use crate::layout_dir::LayoutDir;
use crate::printer::{aligned, Printer, Render};

/// The result of linting one document.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentOutput {
    file: String,
    /// What the document is (`oci-index`, `docker-manifest`, `image-config`, …), null for a
    /// `docker save` manifest.json.
    kind: Option<Format>,
    media_type: Option<&'static str>,
    detected_by: Option<DetectedBy>,
    /// sha256 of the exact bytes.
    digest: String,
    size: usize,
    findings: Vec<Finding>,
}

impl Render for DocumentOutput {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let kind = self.kind.map_or("docker-save-manifest".to_owned(), |k| {
            serde_json::to_value(k)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        });
        aligned(
            out,
            &[
                ("file", self.file.clone()),
                ("kind", kind),
                ("media type", self.media_type.unwrap_or("(none)").to_owned()),
                ("digest", self.digest.clone()),
                ("size", format!("{} bytes", self.size)),
            ],
        )?;
        write_findings(out, &self.findings)
    }
}

/// The result of walking a layout.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayoutOutput {
    layout: String,
    blobs_checked: usize,
    blobs_verified: usize,
    manifests: usize,
    findings: Vec<Finding>,
}

impl Render for LayoutOutput {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        aligned(
            out,
            &[
                ("layout", self.layout.clone()),
                ("manifests", self.manifests.to_string()),
                (
                    "blobs",
                    format!("{} checked, {} verified", self.blobs_checked, self.blobs_verified),
                ),
            ],
        )?;
        write_findings(out, &self.findings)
    }
}

pub(crate) fn write_findings(out: &mut dyn Write, findings: &[Finding]) -> io::Result<()> {
    if findings.is_empty() {
        return writeln!(out, "{}", "no findings".green());
    }
    writeln!(out, "findings:")?;
    for f in findings {
        let severity = match f.severity {
            Severity::Error => "error  ".red().bold().to_string(),
            Severity::Warning => "warning".yellow().to_string(),
            Severity::Info => "info   ".dimmed().to_string(),
        };
        let path = if f.path.is_empty() { "/" } else { &f.path };
        writeln!(
            out,
            "  {severity} {} {}\n          {}",
            f.code.bold(),
            path.dimmed(),
            f.message
        )?;
    }
    Ok(())
}

pub(crate) fn outcome(findings: &[Finding]) -> Outcome {
    if has_error(findings) {
        Outcome::Failure
    } else {
        Outcome::Success
    }
}

/// One entry of the finding catalogue, as `fathom lint --codes` prints it.
#[derive(serde::Serialize)]
struct CodeOutput {
    code: Code,
    severity: Severity,
    meaning: &'static str,
}

/// The whole catalogue.
#[derive(serde::Serialize)]
#[serde(transparent)]
struct Catalogue(Vec<CodeOutput>);

impl Render for Catalogue {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let width = self.0.iter().map(|c| c.code.as_str().len()).max().unwrap_or(0);
        for c in &self.0 {
            writeln!(
                out,
                "{:<width$}  {:<7}  {}",
                c.code.as_str(),
                c.severity.to_string(),
                c.meaning
            )?;
        }
        Ok(())
    }
}

/// Runs `fathom lint`.
pub fn run(args: LintArgs) -> Result<Outcome, CommandError> {
    let printer = Printer::new(args.output.format);
    if args.codes {
        let catalogue = Code::ALL
            .iter()
            .map(|&code| CodeOutput {
                code,
                severity: code.severity(),
                meaning: code.meaning(),
            })
            .collect();
        printer.emit(&Catalogue(catalogue))?;
        return Ok(Outcome::Success);
    }
    if let Some(dir) = args.layout {
        let report = if dir.is_file() {
            archive_report(&dir)?
        } else {
            if !["index.json", "oci-layout", "manifest.json"]
                .iter()
                .any(|f| dir.join(f).is_file())
            {
                return Err(CommandError::Invalid(format!(
                    "{} is not an OCI layout (no oci-layout or index.json) nor a dir: image (no manifest.json)",
                    dir.display()
                )));
            }
            layout::walk(&LayoutDir::new(dir.clone()))
        };
        let result = outcome(&report.findings);
        printer.emit(&LayoutOutput {
            layout: dir.display().to_string(),
            blobs_checked: report.blobs_checked,
            blobs_verified: report.blobs_verified,
            manifests: report.manifests,
            findings: report.findings,
        })?;
        return Ok(result);
    }
    let file = args.file.unwrap_or_default();
    let (name, bytes) = read_input(&file)?;
    let doc = Document::parse(&bytes, args.content_type.as_deref())
        .map_err(|e| CommandError::Invalid(format!("{name}: {e}")))?;
    let result = outcome(&doc.findings);
    printer.emit(&DocumentOutput {
        file: name,
        kind: doc.format,
        media_type: doc.media_type(),
        detected_by: doc.detected_by,
        digest: doc.digest.to_string(),
        size: doc.bytes.len(),
        findings: doc.findings,
    })?;
    Ok(result)
}

/// The walk over an image archive: the OCI layout inside it, or what the older `docker save`
/// format holds (configs and layer files named in `manifest.json`) — after what indexing the
/// archive found.
fn archive_report(path: &Path) -> Result<LayoutReport, CommandError> {
    let (file, index) = ArchiveFile::open(path).map_err(|source| CommandError::Read {
        path: path.display().to_string(),
        source,
    })?;
    if !index.is_layout() && index.member("manifest.json").is_some() {
        return Ok(archive::walk_docker(&index, &file));
    }
    let mut report = layout::walk(&ArchiveLayout::new(&index, file));
    report.findings.splice(0..0, index.findings.iter().cloned());
    Ok(report)
}

fn read_input(file: &Path) -> Result<(String, Vec<u8>), CommandError> {
    if file.as_os_str() == "-" {
        let mut bytes = Vec::new();
        io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|source| CommandError::Read {
                path: "stdin".into(),
                source,
            })?;
        return Ok(("-".into(), bytes));
    }
    let bytes = std::fs::read(file).map_err(|source| CommandError::Read {
        path: file.display().to_string(),
        source,
    })?;
    Ok((file.display().to_string(), bytes))
}
