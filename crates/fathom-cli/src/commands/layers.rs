//! `fathom layers`: every layer of the image a platform pulls, streamed and verified (digest,
//! diff_id), what each adds, changes and deletes, and the space later layers waste.

use std::io::{self, Write};

use fathom_core::filesystem::FilesSummary;
use fathom_core::report::Report;
use owo_colors::OwoColorize;
use serde::Serialize;

use super::image_files::{self, ImageFiles};
use super::registry::short_digest;
use super::{CommandError, Outcome};
use crate::cli::ImageCommandArgs;
use crate::printer::{Printer, Render};
use fathom_core::report::human_size;

/// What `fathom layers` prints: the Report, its row of the image read carrying what reading
/// the layers found (`platforms[].image.files`).
#[derive(Serialize)]
#[serde(transparent)]
struct Layers {
    report: Box<Report>,
    #[serde(skip)]
    row: usize,
}

impl Layers {
    fn of(files: ImageFiles) -> Layers {
        let summary = FilesSummary::of(files.layers.iter().map(|(i, l)| (i, l)), &files.filesystem);
        let mut report = files.report;
        if let Some(image) = report.platforms[files.row].image.as_mut() {
            image.files = Some(summary);
        }
        Layers { report, row: files.row }
    }

    fn summary(&self) -> Option<&FilesSummary> {
        self.report.platforms[self.row].image.as_ref()?.files.as_ref()
    }
}

impl Render for Layers {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let row = &self.report.platforms[self.row];
        let platform = row.platform.as_ref().map_or("?".to_owned(), ToString::to_string);
        writeln!(
            out,
            "{} ({platform}) {}",
            self.report.reference.canonical.bold(),
            short_digest(&row.descriptor.digest)
        )?;
        let Some(summary) = self.summary() else { return Ok(()) };
        writeln!(
            out,
            "  {:<3} {:<22} {:>9} {:>9} {:>7} {:>7} {:>7} {:>9}  verified",
            "#", "digest", "size", "unpacked", "added", "changed", "deleted", "wasted"
        )?;
        for layer in &summary.layers {
            let verified = if layer.verified {
                "✔ digest, diff_id".green().to_string()
            } else {
                format!(
                    "✘ {}",
                    layer.findings.first().map_or("not read", |f| f.message.as_str())
                )
                .red()
                .bold()
                .to_string()
            };
            writeln!(
                out,
                "  {:<3} {:<22} {:>9} {:>9} {:>7} {:>7} {:>7} {:>9}  {verified}",
                layer.index,
                short_digest(&layer.digest),
                human_size(layer.size),
                human_size(layer.uncompressed_size),
                layer.changes.added,
                layer.changes.modified,
                layer.changes.deleted,
                human_size(layer.changes.wasted),
            )?;
        }
        let w = &summary.waste;
        writeln!(
            out,
            "wasted: {} of {} ({:.1} % efficient; dive: {} wasted, score {:.1} %)",
            human_size(w.wasted_bytes),
            human_size(w.layer_bytes),
            w.efficiency * 100.0,
            human_size(w.dive_wasted_bytes),
            w.dive_efficiency * 100.0
        )?;
        for path in &w.paths {
            let gone = if path.present { "" } else { " (deleted)" };
            writeln!(
                out,
                "  {:>9}  {}{gone} ×{}",
                human_size(path.bytes),
                path.path,
                path.copies
            )?;
        }
        writeln!(out, "largest files:")?;
        for file in &summary.largest {
            writeln!(
                out,
                "  {:>9}  {} (layer {})",
                human_size(file.size),
                file.path,
                file.layer
            )?;
        }
        Ok(())
    }
}

/// Runs `fathom layers`.
pub fn run_layers(args: ImageCommandArgs) -> Result<Outcome, CommandError> {
    let files = image_files::read(&args.image, &args.registry, None)?;
    let failed = files.failed();
    Printer::new(args.output.format).emit(&Layers::of(files))?;
    Ok(if failed { Outcome::Failure } else { Outcome::Success })
}
