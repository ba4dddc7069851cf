//! `fathom layers`: every layer of the image a platform pulls, streamed and verified (digest,
//! diff_id), what each adds, changes and deletes, and the space later layers waste.

use std::io::{self, Write};

use fathom_core::filesystem::{LayerSummary, Waste};
use owo_colors::OwoColorize;
use serde::Serialize;

use super::image_files::{self, ImageFiles};
use super::registry::short_digest;
use super::{CommandError, Outcome};
use crate::cli::LayersArgs;
use crate::printer::{Printer, Render};
use fathom_core::report::human_size;

/// How many of the largest files the listing names.
const LARGEST: usize = 10;

/// What `fathom layers` prints.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Layers {
    /// The canonical reference.
    reference: String,
    /// The image manifest read.
    digest: String,
    /// Its platform.
    platform: Option<String>,
    layers: Vec<LayerSummary>,
    waste: Waste,
    /// The largest files of the merged filesystem.
    largest: Vec<Largest>,
}

#[derive(Serialize)]
struct Largest {
    path: String,
    size: u64,
    layer: usize,
}

impl Layers {
    fn of(files: &ImageFiles) -> Layers {
        let row = &files.report.platforms[files.row];
        Layers {
            reference: files.report.reference.canonical.clone(),
            digest: row.descriptor.digest.clone(),
            platform: row.platform.as_ref().map(ToString::to_string),
            layers: files
                .layers
                .iter()
                .enumerate()
                .map(|(i, (info, layer))| {
                    LayerSummary::new(
                        i,
                        &info.digest,
                        info.media_type.as_deref(),
                        layer,
                        files.filesystem.changes[i],
                    )
                })
                .collect(),
            waste: files.filesystem.waste.clone(),
            largest: files
                .filesystem
                .largest(LARGEST)
                .into_iter()
                .map(|m| Largest {
                    path: m.entry.path.clone(),
                    size: m.entry.size,
                    layer: m.layer,
                })
                .collect(),
        }
    }
}

impl Render for Layers {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let platform = self.platform.as_deref().unwrap_or("?");
        writeln!(
            out,
            "{} ({platform}) {}",
            self.reference.bold(),
            short_digest(&self.digest)
        )?;
        writeln!(
            out,
            "  {:<3} {:<22} {:>9} {:>9} {:>7} {:>7} {:>7} {:>9}  verified",
            "#", "digest", "size", "unpacked", "added", "changed", "deleted", "wasted"
        )?;
        for layer in &self.layers {
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
        let w = &self.waste;
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
        for file in &self.largest {
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
pub fn run_layers(args: LayersArgs) -> Result<Outcome, CommandError> {
    let files = image_files::read(&args.image, &args.registry, None)?;
    Printer::new(args.output.format).emit(&Layers::of(&files))?;
    Ok(if files.failed() {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}
