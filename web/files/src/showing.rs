//! Answering [`Ask::Show`](fathom_browser::files::Ask::Show): a directory of the merged filesystem
//! or of one layer's archive, listed with what each entry did to the layers below; a file's first
//! bytes, read again from the layer that wrote it (and verified again on the way).

use fathom_browser::files::{FileView, Row, Shown, SHOWN_BYTES};
use fathom_core::filesystem::{layer_listing, listed_under, Change};
use fathom_core::layer::EntryKind;
use fathom_core::report::human_size;

use crate::reading::Opened;
use crate::view::{entry_row, kind_name};

/// Shows `path` of the merged filesystem (`layer: None`) or of layer `layer`'s archive.
pub async fn show(opened: &Opened, path: &str, layer: Option<usize>) -> Shown {
    let clean = path.trim_matches('/').to_owned();
    let layer_ok = layer.filter(|&n| n < opened.layers.len());
    let found = match layer {
        None => in_merged(opened, &clean),
        Some(n) if layer_ok.is_some() => in_layer(opened, n, &clean),
        Some(n) => Err(format!("the image has no layer {n}")),
    };
    let (dir, file, mut problem) = match found {
        Ok(Found::Dir(dir)) => (dir, None, None),
        Ok(Found::File { dir, path, layer }) => (dir, Some((path, layer)), None),
        Err(problem) => (String::new(), None, Some(problem)),
    };
    let entries = match (layer, layer_ok) {
        (None, _) => merged_entries(opened, &dir),
        (Some(_), Some(n)) => layer_entries(opened, n, &dir),
        (Some(_), None) => Vec::new(),
    };
    let file = match file {
        Some((path, layer)) => match read(opened, layer, &path).await {
            Ok(view) => Some(view),
            Err(why) => {
                problem = Some(why);
                None
            }
        },
        None => None,
    };
    Shown {
        path: format!("/{clean}"),
        layer,
        dir: format!("/{dir}"),
        entries,
        file,
        problem,
    }
}

/// What a path is.
enum Found {
    /// A directory (its path).
    Dir(String),
    /// A file: the directory it is in, where it is, the layer to read it from.
    File { dir: String, path: String, layer: usize },
}

/// The directory `path` is in (`""`: the root).
fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

fn in_merged(opened: &Opened, path: &str) -> Result<Found, String> {
    if path.is_empty() {
        return Ok(Found::Dir(String::new()));
    }
    let fs = &opened.filesystem;
    let resolved = fs.resolve(path).map_err(|e| e.to_string())?;
    let node = &fs.paths[&resolved];
    match node.entry.kind {
        EntryKind::Dir => Ok(Found::Dir(resolved)),
        EntryKind::File => Ok(Found::File {
            dir: parent(&resolved).to_owned(),
            path: resolved,
            layer: node.layer,
        }),
        kind => Err(format!("/{resolved} is a {}: nothing to show", kind_name(kind))),
    }
}

fn in_layer(opened: &Opened, n: usize, path: &str) -> Result<Found, String> {
    if path.is_empty() {
        return Ok(Found::Dir(String::new()));
    }
    let entries = &opened.layers[n].entries;
    match entries.iter().rev().find(|e| e.path == path && e.whiteout.is_none()) {
        Some(e) if e.kind == EntryKind::File => Ok(Found::File {
            dir: parent(path).to_owned(),
            path: path.to_owned(),
            layer: n,
        }),
        Some(e) if e.kind != EntryKind::Dir => Err(format!("/{path} is a {} in layer {n}", kind_name(e.kind))),
        // A directory, with an entry of its own or only entries under it.
        Some(_) => Ok(Found::Dir(path.to_owned())),
        None if entries.iter().any(|e| e.path.starts_with(&format!("{path}/"))) => Ok(Found::Dir(path.to_owned())),
        None => Err(format!("layer {n} has nothing at /{path}")),
    }
}

/// `dir/` (`""` for the root).
fn prefix_of(dir: &str) -> String {
    if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    }
}

/// The entries of `dir` in the merged filesystem.
fn merged_entries(opened: &Opened, dir: &str) -> Vec<Row> {
    let prefix = prefix_of(dir);
    opened
        .filesystem
        .paths
        .range(prefix.clone()..)
        .take_while(|(p, _)| p.starts_with(&prefix))
        .filter(|(p, m)| listed_under(&m.entry, dir, false) && p.as_str() != dir)
        .map(|(p, m)| {
            let change = if m.hides.is_empty() {
                Change::Added
            } else {
                Change::Modified
            };
            entry_row(&p[prefix.len()..], &format!("/{p}"), &m.entry, m.layer, change)
        })
        .collect()
}

/// The entries of `dir` in layer `n`'s archive (the core's listing), each with what it does to
/// the layers below.
fn layer_entries(opened: &Opened, n: usize, dir: &str) -> Vec<Row> {
    layer_listing(&opened.layers, n, dir)
        .iter()
        .map(|l| entry_row(&l.name, &format!("/{}", l.entry.path), &l.entry, n, l.change))
        .collect()
}

/// The first [`SHOWN_BYTES`] of `path`, read again from layer `layer`.
async fn read(opened: &Opened, layer: usize, path: &str) -> Result<FileView, String> {
    let read = opened.reread(layer, path, SHOWN_BYTES).await?;
    let verified = read.failed_check().is_none();
    let kept = read
        .kept
        .ok_or_else(|| format!("layer {layer} no longer has /{path} (its bytes changed since it was read?)"))?;
    let check = if verified {
        "✔ its layer verified again"
    } else {
        "✘ its layer failed its check"
    };
    Ok(FileView {
        head: format!("/{} · {} · layer {layer} · {check}", kept.path, human_size(kept.size)),
        verified,
        truncated: kept.truncated(),
        body: kept.text().map_or_else(|| kept.hex_dump(), str::to_owned),
    })
}
