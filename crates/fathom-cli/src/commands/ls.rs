//! `fathom ls`: the files of the image a platform pulls — its merged filesystem, or one layer's
//! archive — under a path, each with the layer that wrote it.

use std::io::{self, Write};

use fathom_core::filesystem::listed_under;
use fathom_core::layer::{EntryKind, LayerEntry, Whiteout};
use owo_colors::OwoColorize;
use serde::Serialize;

use super::image_files;
use super::{CommandError, Outcome};
use crate::cli::LsArgs;
use crate::printer::{Printer, Render};
use fathom_core::report::human_size;

/// What `fathom ls` prints.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Listing {
    /// The canonical reference.
    reference: String,
    /// The layer listed, or none for the merged filesystem.
    layer: Option<usize>,
    /// The path listed under.
    path: String,
    entries: Vec<Listed>,
    #[serde(skip)]
    long: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Listed {
    #[serde(flatten)]
    entry: LayerEntry,
    /// The layer that wrote it (the merged filesystem only).
    #[serde(skip_serializing_if = "Option::is_none")]
    layer: Option<usize>,
    /// Copies of it earlier layers wrote and this one replaced.
    #[serde(skip_serializing_if = "Option::is_none")]
    hides: Option<usize>,
}

impl Render for Listing {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        for listed in &self.entries {
            let e = &listed.entry;
            let mut name = e.path.clone();
            if e.kind == EntryKind::Dir {
                name.push('/');
            }
            if let Some(link) = &e.link {
                name = format!("{name} → {link}");
            }
            match &e.whiteout {
                Some(Whiteout::Removes(path)) => name = format!("{name} {}", format!("(deletes {path})").red()),
                Some(Whiteout::Opaque) => name = format!("{name} {}", "(hides what lower layers put here)".red()),
                None => {}
            }
            if !self.long {
                writeln!(out, "{name}")?;
                continue;
            }
            let layer = listed.layer.map(|l| format!("layer {l}")).unwrap_or_default();
            let hides = match listed.hides {
                Some(n) if n > 0 => format!(" (hides {n})").yellow().to_string(),
                _ => String::new(),
            };
            writeln!(
                out,
                "{} {:>5}/{:<5} {:>9} {:<8} {name}{hides}",
                mode_string(e.kind, e.mode),
                e.uid,
                e.gid,
                human_size(e.size),
                layer,
            )?;
        }
        Ok(())
    }
}

/// `ls -l`'s `drwxr-xr-x`.
fn mode_string(kind: EntryKind, mode: u32) -> String {
    let kind = match kind {
        EntryKind::Dir => 'd',
        EntryKind::Symlink => 'l',
        EntryKind::Hardlink => 'h',
        EntryKind::CharDevice => 'c',
        EntryKind::BlockDevice => 'b',
        EntryKind::Fifo => 'p',
        EntryKind::File | EntryKind::Other => '-',
    };
    let bits: String = (0..9)
        .map(|i| {
            let set = mode & (0o400 >> i) != 0;
            match (set, i % 3) {
                (false, _) => '-',
                (true, 0) => 'r',
                (true, 1) => 'w',
                (true, _) => 'x',
            }
        })
        .collect();
    format!("{kind}{bits}")
}

/// Runs `fathom ls`.
pub fn run_ls(args: LsArgs) -> Result<Outcome, CommandError> {
    let files = image_files::read(&args.image, &args.registry, None)?;
    let under = args.path.trim_matches('/').to_owned();
    let (entries, exists): (Vec<Listed>, bool) = match args.layer {
        Some(n) => {
            let (_, layer) = files.layers.get(n).ok_or_else(|| {
                let count = files.layers.len();
                CommandError::Invalid(format!(
                    "--layer {n}: the image has {count} layers (0 to {})",
                    count.saturating_sub(1)
                ))
            })?;
            let inside = format!("{under}/");
            let exists = under.is_empty()
                || layer
                    .entries
                    .iter()
                    .any(|e| e.path == under || e.path.starts_with(&inside));
            let entries = layer
                .entries
                .iter()
                .filter(|e| listed_under(e, &under, args.recursive))
                .map(|e| Listed {
                    entry: e.clone(),
                    layer: None,
                    hides: None,
                })
                .collect();
            (entries, exists)
        }
        None => {
            let paths = &files.filesystem.paths;
            let entries = paths
                .values()
                .filter(|m| listed_under(&m.entry, &under, args.recursive))
                .map(|m| Listed {
                    entry: m.entry.clone(),
                    layer: Some(m.layer),
                    hides: Some(m.hides.len()),
                })
                .collect();
            (entries, under.is_empty() || paths.contains_key(&under))
        }
    };
    if !exists {
        return Err(CommandError::Registry(format!(
            "{}: no {under} in {}",
            files.report.reference.canonical,
            args.layer
                .map_or("the merged filesystem".to_owned(), |n| format!("layer {n}"))
        )));
    }
    let listing = Listing {
        reference: files.report.reference.canonical.clone(),
        layer: args.layer,
        path: under,
        entries,
        long: args.long,
    };
    Printer::new(args.output.format).emit(&listing)?;
    Ok(if files.failed() {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}
