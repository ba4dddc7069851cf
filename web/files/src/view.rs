//! What the worker has, put in the rows and words the page shows ([`fathom_browser::files`]):
//! formatting happens here, once, so the page's own wasm carries none of it.

use fathom_browser::files::{Opened as OpenedView, Progress, Row};
use fathom_core::filesystem::{Change, FilesSummary};
use fathom_core::layer::{EntryKind, LayerEntry};
use fathom_core::report::{human_size, short_digest as short};

use crate::reading::{Opened, Tally};

/// The page's progress line.
pub fn progress(t: &Tally) -> Progress {
    let mut text = format!(
        "{} of {} · layer {} of {}",
        human_size(t.read),
        human_size(t.total),
        (t.layer + 1).min(t.layers.max(1)),
        t.layers
    );
    if t.elapsed_ms > 0 && t.read > 0 {
        let rate = t.read as f64 * 1000.0 / t.elapsed_ms as f64;
        text.push_str(&format!(" · {}/s", human_size(rate as u64)));
        let left = t.total.saturating_sub(t.read) as f64 / rate;
        text.push_str(&format!(" · {} s left", left.ceil() as u64));
    }
    Progress {
        read: t.read,
        total: t.total,
        text,
    }
}

/// The layers' rows, the failures said, the waste.
pub fn opened(opened: &Opened) -> OpenedView {
    let summary: FilesSummary = opened.summary();
    let failures = summary
        .layers
        .iter()
        .filter(|l| !l.verified)
        .map(|l| {
            let why = l
                .findings
                .first()
                .map_or("not read whole".to_owned(), |f| format!("{} — {}", f.code, f.message));
            format!("Layer {} ({}): {why}", l.index, short(&l.digest))
        })
        .collect();
    let layers = summary
        .layers
        .iter()
        .map(|l| Row {
            cells: vec![
                l.index.to_string(),
                short(&l.digest),
                human_size(l.size),
                human_size(l.uncompressed_size),
                l.changes.added.to_string(),
                l.changes.modified.to_string(),
                l.changes.deleted.to_string(),
                human_size(l.changes.wasted),
                if l.verified {
                    "✔ digest, diff_id"
                } else {
                    "✘ failed"
                }
                .to_owned(),
            ],
            class: if l.verified { "" } else { "bad" }.to_owned(),
            opens: None,
        })
        .collect();
    let w = &summary.waste;
    let unpacked: u64 = summary.layers.iter().map(|l| l.uncompressed_size).sum();
    let tally = opened.tally;
    let seconds = tally.elapsed_ms as f64 / 1000.0;
    OpenedView {
        layers,
        failures,
        waste: format!(
            "Wasted: {} of {} ({:.1} % efficient; dive: {} wasted, score {:.1} %). {} paths.",
            human_size(w.wasted_bytes),
            human_size(w.layer_bytes),
            w.efficiency * 100.0,
            human_size(w.dive_wasted_bytes),
            w.dive_efficiency * 100.0,
            summary.paths,
        ),
        wasted: w
            .paths
            .iter()
            .map(|p| {
                let gone = if p.present { "" } else { " (deleted)" };
                format!("{} {}{gone} ×{}", human_size(p.bytes), p.path, p.copies)
            })
            .collect(),
        read: format!(
            "Read {} ({} unpacked) in {seconds:.1} s, every byte hashed in this page — {}/s unpacked.",
            human_size(tally.read),
            human_size(unpacked),
            human_size(if seconds > 0.0 {
                (unpacked as f64 / seconds) as u64
            } else {
                0
            }),
        ),
        unpacked,
        elapsed_ms: tally.elapsed_ms,
    }
}

/// An entry's row, listed as `name` (at `path`): name (with a link's target), kind, size, mode,
/// the layer that wrote it, what it did to the layers below.
pub fn entry_row(name: &str, path: &str, entry: &LayerEntry, layer: usize, change: Change) -> Row {
    let (kind, size, mode) = (entry.kind, entry.size, entry.mode);
    let shown = match (entry.link.as_deref(), kind) {
        (Some(target), EntryKind::Symlink) => format!("{name} → {target}"),
        (Some(target), EntryKind::Hardlink) => format!("{name} ⇒ /{target}"),
        (_, EntryKind::Dir) => format!("{name}/"),
        _ => name.to_owned(),
    };
    let change = match change {
        Change::Added => "added",
        Change::Modified => "modified",
        Change::Deleted => "deleted",
    };
    let opens = change != "deleted"
        && matches!(
            kind,
            EntryKind::Dir | EntryKind::File | EntryKind::Symlink | EntryKind::Hardlink
        );
    Row {
        cells: vec![
            shown,
            kind_name(kind).to_owned(),
            if kind == EntryKind::File {
                human_size(size)
            } else {
                String::new()
            },
            format!("{:04o}", mode & 0o7777),
            layer.to_string(),
            change.to_owned(),
        ],
        class: change.to_owned(),
        opens: opens.then(|| path.to_owned()),
    }
}

/// An entry kind in words.
pub fn kind_name(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::File => "file",
        EntryKind::Dir => "directory",
        EntryKind::Symlink => "symbolic link",
        EntryKind::Hardlink => "hard link",
        EntryKind::CharDevice => "character device",
        EntryKind::BlockDevice => "block device",
        EntryKind::Fifo => "FIFO",
        EntryKind::Other => "special entry",
    }
}
