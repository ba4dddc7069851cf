//! `fathom cat`: one file of the image a platform pulls, read from the layer that last wrote it
//! (links followed as a container sees them), size-capped, its layer verified like every other.

use std::io::{self, Write};

use base64::Engine;
use fathom_core::layer::{EntryKind, KeptFile};
use serde::Serialize;

use super::image_files::{self, Keep};
use super::{CommandError, Outcome};
use crate::cli::CatArgs;
use crate::printer::{Printer, Render};

/// What `fathom cat` prints.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Contents {
    /// The canonical reference.
    reference: String,
    /// The path asked for.
    path: String,
    /// The path it leads to (links followed).
    resolved: String,
    /// The layer that last wrote it.
    layer: usize,
    /// Its size.
    size: u64,
    /// Whether only the first `--max-bytes` were read.
    truncated: bool,
    /// The bytes as text, when they are UTF-8 without NUL bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    /// Else the bytes, base64.
    #[serde(skip_serializing_if = "Option::is_none")]
    base64: Option<String>,
    #[serde(skip)]
    kept: KeptFile,
}

impl Contents {
    fn new(reference: String, path: String, layer: usize, kept: KeptFile) -> Contents {
        let text = kept.text().map(str::to_owned);
        Contents {
            reference,
            path,
            resolved: kept.path.clone(),
            layer,
            size: kept.size,
            truncated: kept.truncated(),
            base64: text
                .is_none()
                .then(|| base64::engine::general_purpose::STANDARD.encode(&kept.bytes)),
            text,
            kept,
        }
    }
}

impl Render for Contents {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        match &self.text {
            Some(text) => out.write_all(text.as_bytes())?,
            None => out.write_all(self.kept.hex_dump().as_bytes())?,
        }
        if self.truncated {
            eprintln!(
                "fathom: the first {} of {} bytes of {} (--max-bytes reads more)",
                self.kept.bytes.len(),
                self.size,
                self.resolved
            );
        }
        Ok(())
    }
}

/// Runs `fathom cat`.
pub fn run_cat(args: CatArgs) -> Result<Outcome, CommandError> {
    let path = args.path.trim_start_matches('/').to_owned();
    let keep = Keep {
        path: path.clone(),
        max: args.max_bytes,
    };
    let files = image_files::read(&args.image, &args.registry, Some(&keep))?;
    let reference = files.report.reference.canonical.clone();
    let resolved = files
        .filesystem
        .resolve(&path)
        .map_err(|e| CommandError::Registry(format!("{reference}: {path}: {e}")))?;
    let node = &files.filesystem.paths[&resolved];
    if node.entry.kind != EntryKind::File {
        return Err(CommandError::Registry(format!(
            "{reference}: {resolved} is a {:?}, not a file",
            node.entry.kind
        )));
    }
    let layer = node.layer;
    let (kept, reread_failed) = match files.layers[layer].1.kept.clone().filter(|k| k.path == resolved) {
        Some(kept) => (kept, false),
        // A link led elsewhere: read the layer that wrote the file again, keeping it.
        None => {
            let again = Keep {
                path: resolved.clone(),
                ..keep
            };
            let read = image_files::reread(&files, layer, &again, &args.registry)?;
            let failed = read.failed_check().is_some();
            let kept = read.kept.ok_or_else(|| {
                CommandError::Registry(format!("{reference}: layer {layer} no longer has {resolved}"))
            })?;
            (kept, failed)
        }
    };
    let failed = files.failed() || reread_failed;
    Printer::new(args.output.format).emit(&Contents::new(reference, path, layer, kept))?;
    Ok(if failed { Outcome::Failure } else { Outcome::Success })
}
