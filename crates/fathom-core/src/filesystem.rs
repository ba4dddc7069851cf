//! The merged filesystem of an image: its layers' entries applied in order, as the OCI image
//! spec applies changesets (image-spec `layer.md`, "Applying Changesets" and "Whiteouts") and as
//! containerd and umoci extract them — a non-directory replaces whatever was at its path (a
//! directory with everything under it), a directory over a directory keeps what is under it,
//! `.wh.<name>` deletes `<name>` and everything under it from the layers below, and
//! `.wh..wh..opq` hides everything the layers below put in its directory. Whiteouts apply to
//! lower layers only: an entry of the same layer is never hidden by its own layer's whiteout,
//! whatever their order in the archive.
//!
//! Each path knows which layer last wrote it and the earlier copies it hides; the waste —
//! bytes a later layer overwrote or deleted — is counted per path, with dive's efficiency score
//! beside it (see [`Waste`]). No I/O: feed [`LayerEntry`]s, read the result.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::finding::Finding;
use crate::layer::{EntryKind, Layer, LayerEntry, Whiteout};
use crate::media_type::Compression;

mod summary;
#[cfg(test)]
mod tests;

pub use summary::{FilesSummary, LargestFile, LARGEST_FILES};

/// One path of the merged filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MergedEntry {
    /// The entry as the layer that last wrote it has it.
    pub entry: LayerEntry,
    /// That layer (0: the first).
    pub layer: usize,
    /// The copies at this path that earlier layers wrote and this one replaced, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hides: Vec<Copy>,
    /// A directory no layer has an entry for, made for what a layer put under it (as an
    /// extracting tar does).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub implicit: bool,
}

/// A copy of a path in one layer that a later layer replaced or deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Copy {
    /// The layer it is in.
    pub layer: usize,
    /// What it was.
    pub kind: EntryKind,
    /// Its bytes in that layer.
    pub size: u64,
}

/// A path some layer wrote and a later layer deleted (a whiteout, an opaque directory, or a
/// non-directory put where a directory was).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Removed {
    /// The path.
    pub path: String,
    /// The layer that deleted it.
    pub by_layer: usize,
    /// Every copy of it the layers below had, oldest first.
    pub copies: Vec<Copy>,
}

/// The filesystem layers build, one layer at a time ([`Merger::apply`]).
#[derive(Debug, Default)]
pub struct Merger {
    paths: BTreeMap<String, MergedEntry>,
    removed: Vec<Removed>,
    changes: Vec<LayerChanges>,
    dive: DiveTally,
}

/// What one layer did to the filesystem below it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerChanges {
    /// Paths it put where nothing was.
    pub added: usize,
    /// Paths it wrote again (a directory over a directory too).
    pub modified: usize,
    /// Paths it deleted (with a whiteout, an opaque directory, or by putting a file where a
    /// directory was).
    pub deleted: usize,
    /// Bytes of the files it wrote.
    pub bytes: u64,
    /// Bytes of its files a later layer replaced or deleted.
    pub wasted: u64,
}

impl Merger {
    /// An empty filesystem.
    pub fn new() -> Merger {
        Merger::default()
    }

    /// The filesystem `layers` build, applied bottom first.
    pub fn of<'a>(layers: impl IntoIterator<Item = &'a Layer>) -> Merger {
        let mut merger = Merger::new();
        for layer in layers {
            merger.apply(&layer.entries);
        }
        merger
    }

    /// Applies the next layer's entries (in archive order): first its whiteouts against what the
    /// layers below built, then its other entries.
    pub fn apply(&mut self, entries: &[LayerEntry]) {
        let layer = self.changes.len();
        self.changes.push(LayerChanges::default());
        for entry in entries {
            let Some(path) = clean(&entry.path) else { continue };
            match &entry.whiteout {
                Some(Whiteout::Removes(target)) => {
                    let Some(path) = clean(target) else { continue };
                    // dive counts a whiteout as a copy of what it deletes.
                    self.dive.write(&path, self.subtree_bytes(&path));
                    self.remove_tree(&path, layer);
                }
                Some(Whiteout::Opaque) => {
                    let dir = parent(&path).to_owned();
                    self.remove_children(&dir, layer);
                }
                None => {}
            }
        }
        for entry in entries.iter().filter(|e| e.whiteout.is_none()) {
            let Some(path) = clean(&entry.path) else { continue };
            if path.is_empty() {
                continue; // the root itself (`./`)
            }
            if entry.kind != EntryKind::Dir {
                self.dive.write(&path, entry.size);
            }
            self.add(path, entry, layer);
        }
    }

    /// Whether the layers applied so far leave something at `path` (as an archive names it:
    /// relative to the root).
    pub fn has(&self, path: &str) -> bool {
        clean(path).is_some_and(|p| self.paths.contains_key(&p))
    }

    /// Bytes of what is at `path` now, with everything under it when it is a directory (what
    /// dive counts for a whiteout of a directory; a file's whiteout counts nothing).
    fn subtree_bytes(&self, path: &str) -> u64 {
        match self.paths.get(path) {
            Some(node) if node.entry.kind == EntryKind::Dir => {
                let prefix = format!("{path}/");
                self.paths
                    .range(prefix.clone()..)
                    .take_while(|(p, _)| p.starts_with(&prefix))
                    .map(|(_, n)| n.entry.size)
                    .sum()
            }
            _ => 0,
        }
    }

    /// The filesystem the layers applied so far build.
    pub fn finish(self) -> FileSystem {
        let waste = Waste::of(&self.paths, &self.removed, &self.dive);
        let mut changes = self.changes;
        for copy in self
            .paths
            .values()
            .flat_map(|m| &m.hides)
            .chain(self.removed.iter().flat_map(|r| &r.copies))
        {
            if copy.kind == EntryKind::File {
                changes[copy.layer].wasted += copy.size;
            }
        }
        FileSystem {
            paths: self.paths,
            removed: self.removed,
            changes,
            waste,
        }
    }

    fn add(&mut self, path: String, entry: &LayerEntry, layer: usize) {
        self.make_parents(&path, layer);
        let mut hides = Vec::new();
        let changes = &mut self.changes[layer];
        if entry.kind == EntryKind::File {
            changes.bytes += entry.size;
        }
        match self.paths.get(&path) {
            Some(old) if !old.implicit => changes.modified += 1,
            _ => changes.added += 1,
        }
        if let Some(old) = self.paths.get(&path) {
            let both_dirs = old.entry.kind == EntryKind::Dir && entry.kind == EntryKind::Dir;
            if !both_dirs && old.entry.kind == EntryKind::Dir {
                self.remove_children(&path, layer);
            }
            let old = self.paths.remove(&path).expect("looked up");
            hides = old.hides;
            if !old.implicit {
                hides.push(copy_of(&old.entry, old.layer));
            }
        }
        let merged = MergedEntry {
            entry: LayerEntry {
                path: path.clone(),
                ..entry.clone()
            },
            layer,
            hides,
            implicit: false,
        };
        self.paths.insert(path, merged);
    }

    /// Makes the directories above `path` that are missing, and turns a non-directory where one
    /// is needed into a directory (an extracting tar replaces it).
    fn make_parents(&mut self, path: &str, layer: usize) {
        let mut end = 0;
        while let Some(slash) = path[end..].find('/') {
            let dir = &path[..end + slash];
            end += slash + 1;
            match self.paths.get(dir) {
                Some(existing) if existing.entry.kind == EntryKind::Dir => continue,
                Some(_) => self.remove_tree(dir, layer),
                None => {}
            }
            self.paths.insert(dir.to_owned(), implicit_dir(dir, layer));
        }
    }

    /// Deletes `path` and everything under it (nothing, when nothing is there).
    fn remove_tree(&mut self, path: &str, by_layer: usize) {
        self.remove_children(path, by_layer);
        if let Some(old) = self.paths.remove(path) {
            self.record_removal(old, by_layer);
        }
    }

    /// Deletes everything under directory `dir` (`""`: the root).
    fn remove_children(&mut self, dir: &str, by_layer: usize) {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let under: Vec<String> = self
            .paths
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .map(|(p, _)| p.clone())
            .collect();
        for path in under {
            let old = self.paths.remove(&path).expect("listed");
            self.record_removal(old, by_layer);
        }
    }

    fn record_removal(&mut self, old: MergedEntry, by_layer: usize) {
        let mut copies = old.hides;
        if !old.implicit {
            copies.push(copy_of(&old.entry, old.layer));
        }
        if !copies.is_empty() {
            self.changes[by_layer].deleted += 1;
            self.removed.push(Removed {
                path: old.entry.path,
                by_layer,
                copies,
            });
        }
    }
}

fn copy_of(entry: &LayerEntry, layer: usize) -> Copy {
    Copy {
        layer,
        kind: entry.kind,
        size: entry.size,
    }
}

fn implicit_dir(path: &str, layer: usize) -> MergedEntry {
    MergedEntry {
        entry: LayerEntry::implicit_dir(path),
        layer,
        hides: Vec::new(),
        implicit: true,
    }
}

/// `path` without empty and `.` parts; `None` when it climbs out of the root (the layer reader
/// reports those as `layer-path-unsafe`, and they are not applied) or is absolute.
fn clean(path: &str) -> Option<String> {
    if path.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// The directory `path` is in (`""`: the root).
fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// An image's filesystem once its layers are applied.
#[derive(Debug, Clone, Default)]
pub struct FileSystem {
    /// Every path, sorted.
    pub paths: BTreeMap<String, MergedEntry>,
    /// Paths deleted by a later layer, in the order they were deleted.
    pub removed: Vec<Removed>,
    /// What each layer did, in order.
    pub changes: Vec<LayerChanges>,
    /// Where the layers' bytes go that the filesystem does not show.
    pub waste: Waste,
}

impl FileSystem {
    /// The `n` largest files, largest first (by path when as large).
    pub fn largest(&self, n: usize) -> Vec<&MergedEntry> {
        let mut files: Vec<&MergedEntry> = self
            .paths
            .values()
            .filter(|m| m.entry.kind == EntryKind::File)
            .collect();
        files.sort_by(|a, b| {
            b.entry
                .size
                .cmp(&a.entry.size)
                .then_with(|| a.entry.path.cmp(&b.entry.path))
        });
        files.truncate(n);
        files
    }
}

/// How many of the most wasteful paths [`Waste`] lists.
pub const WASTED_PATHS: usize = 20;

/// Bytes the layers ship that the image's filesystem does not show.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Waste {
    /// Bytes of every file entry of every layer.
    pub layer_bytes: u64,
    /// Bytes of copies a later layer replaced or deleted.
    pub wasted_bytes: u64,
    /// The share of `layer_bytes` the filesystem shows (1: nothing wasted).
    pub efficiency: f64,
    /// The paths that waste most, most first (at most [`WASTED_PATHS`]).
    pub paths: Vec<WastedPath>,
    /// dive's figures, for comparison: its "potential wasted space" (every copy of a path
    /// written by two layers or more, the last one too, and a whiteout of a directory counted
    /// as what it deletes) and its efficiency score (per path the smallest copy over all
    /// copies; wagoodman/dive `dive/filetree/efficiency.go`). dive reads no opaque whiteouts.
    pub dive_wasted_bytes: u64,
    /// dive's efficiency score.
    pub dive_efficiency: f64,
}

/// One path's waste.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WastedPath {
    /// The path.
    pub path: String,
    /// Copies of it a later layer replaced or deleted.
    pub copies: usize,
    /// Their bytes.
    pub bytes: u64,
    /// Whether the filesystem still has the path (else the last copy was deleted too).
    pub present: bool,
}

impl Waste {
    fn of(paths: &BTreeMap<String, MergedEntry>, removed: &[Removed], dive: &DiveTally) -> Waste {
        let mut wasted: BTreeMap<&str, (usize, u64)> = BTreeMap::new();
        let copies = paths
            .values()
            .flat_map(|m| m.hides.iter().map(move |c| (m.entry.path.as_str(), c)))
            .chain(
                removed
                    .iter()
                    .flat_map(|r| r.copies.iter().map(move |c| (r.path.as_str(), c))),
            );
        for (path, copy) in copies.filter(|(_, c)| c.kind == EntryKind::File) {
            let tally = wasted.entry(path).or_default();
            tally.0 += 1;
            tally.1 += copy.size;
        }
        let shown: u64 = paths
            .values()
            .filter(|m| m.entry.kind == EntryKind::File)
            .map(|m| m.entry.size)
            .sum();
        let wasted_bytes: u64 = wasted.values().map(|(_, bytes)| bytes).sum();
        let layer_bytes = shown + wasted_bytes;
        let mut most: Vec<WastedPath> = wasted
            .into_iter()
            .map(|(path, (copies, bytes))| WastedPath {
                path: path.to_owned(),
                copies,
                bytes,
                present: paths.contains_key(path),
            })
            .collect();
        most.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path)));
        most.truncate(WASTED_PATHS);
        Waste {
            layer_bytes,
            wasted_bytes,
            efficiency: share(shown, layer_bytes),
            paths: most,
            dive_wasted_bytes: dive.wasted(),
            dive_efficiency: dive.efficiency(),
        }
    }
}

/// `part / whole`, 1 for nothing at all.
fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// dive's per-path tally: how many layers wrote the path, their bytes, the smallest.
#[derive(Debug, Default)]
struct DiveTally(BTreeMap<String, (usize, u64, u64)>);

impl DiveTally {
    fn write(&mut self, path: &str, size: u64) {
        let tally = self.0.entry(path.to_owned()).or_insert((0, 0, u64::MAX));
        tally.0 += 1;
        tally.1 += size;
        tally.2 = tally.2.min(size);
    }

    fn wasted(&self) -> u64 {
        self.0
            .values()
            .filter(|(n, _, _)| *n >= 2)
            .map(|(_, total, _)| total)
            .sum()
    }

    fn efficiency(&self) -> f64 {
        let smallest = self.0.values().map(|(_, _, min)| min).sum();
        share(smallest, self.0.values().map(|(_, total, _)| total).sum())
    }
}

/// One layer of an image as read: what the manifest says of it, what reading it found, and
/// what it changed — the row every face shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerSummary {
    /// Its place in the manifest (0: the bottom layer).
    pub index: usize,
    /// Its digest.
    pub digest: String,
    /// Its media type.
    pub media_type: Option<String>,
    /// The compression its bytes use.
    pub compression: Compression,
    /// Compressed bytes read.
    pub size: u64,
    /// Uncompressed bytes.
    pub uncompressed_size: u64,
    /// The digest of the uncompressed bytes, when the whole layer was read.
    pub diff_id: Option<String>,
    /// Its bytes hash to its digest and, uncompressed, to the config's diff_id (when the config
    /// names one); its archive is whole.
    pub verified: bool,
    /// Entries in its archive.
    pub entries: usize,
    /// What it did to the layers below.
    pub changes: LayerChanges,
    /// What reading it found.
    pub findings: Vec<Finding>,
}

impl LayerSummary {
    /// Layer `index` of a manifest (`digest`, `media_type`) as `layer` read it and the merge
    /// found (`changes`).
    pub fn new(
        index: usize,
        digest: &str,
        media_type: Option<&str>,
        layer: &Layer,
        changes: LayerChanges,
    ) -> LayerSummary {
        LayerSummary {
            index,
            digest: digest.to_owned(),
            media_type: media_type.map(str::to_owned),
            compression: layer.compression,
            size: layer.size,
            uncompressed_size: layer.uncompressed_size,
            diff_id: layer.diff_id.as_ref().map(ToString::to_string),
            verified: layer.failed_check().is_none() && layer.diff_id.is_some(),
            entries: layer.entries.len(),
            changes,
            findings: layer.findings.clone(),
        }
    }
}

/// What an entry of a layer's archive does to the filesystem the layers below it build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Puts a path where nothing was.
    Added,
    /// Writes a path again.
    Modified,
    /// Deletes a path (a whiteout).
    Deleted,
}

impl Change {
    /// What `entry` does over `below` (the layers under its own, applied).
    pub fn of(entry: &LayerEntry, below: &Merger) -> Change {
        match &entry.whiteout {
            Some(_) => Change::Deleted,
            None if below.has(&entry.path) => Change::Modified,
            None => Change::Added,
        }
    }
}

/// Whether `entry` is listed for directory `dir` (`""`: the root) — what is in it (at any depth
/// when `recursive`), or `dir` itself when it is not a directory: what a listing of a layer's
/// archive or of the merged filesystem shows, in every face.
pub fn listed_under(entry: &LayerEntry, dir: &str, recursive: bool) -> bool {
    let path = entry.path.as_str();
    if dir.is_empty() {
        return recursive || !path.contains('/');
    }
    if path == dir {
        return entry.kind != EntryKind::Dir;
    }
    match path.strip_prefix(dir).and_then(|rest| rest.strip_prefix('/')) {
        Some(rest) => recursive || !rest.contains('/'),
        None => false,
    }
}

/// One entry of a directory as one layer's archive has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerListed {
    /// Its name in the directory (a whiteout: the name it deletes).
    pub name: String,
    /// The entry (a directory the archive only has entries under: made as an extracting tar
    /// makes it).
    pub entry: LayerEntry,
    /// What it does to the filesystem the layers below build.
    pub change: Change,
}

/// The entries of directory `dir` (`""`: the root) in layer `n`'s own archive, by name, each with
/// what it does to the layers below it — and the directories the archive has entries under
/// without an entry of their own. A whiteout is listed under the name it deletes.
pub fn layer_listing(layers: &[Layer], n: usize, dir: &str) -> Vec<LayerListed> {
    let below = Merger::of(&layers[..n]);
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let mut by_name: BTreeMap<String, LayerListed> = BTreeMap::new();
    for entry in &layers[n].entries {
        let Some(rest) = entry.path.strip_prefix(&prefix).filter(|r| !r.is_empty()) else {
            continue;
        };
        if !listed_under(entry, dir, false) {
            // Deeper: its first part is a directory of this one.
            let name = rest.split('/').next().unwrap_or(rest).to_owned();
            let implicit = LayerEntry::implicit_dir(&format!("{prefix}{name}"));
            let change = if below.has(&implicit.path) {
                Change::Modified
            } else {
                Change::Added
            };
            by_name.entry(name.clone()).or_insert(LayerListed {
                name,
                entry: implicit,
                change,
            });
            continue;
        }
        let name = match &entry.whiteout {
            Some(Whiteout::Removes(target)) => target.rsplit('/').next().unwrap_or(target).to_owned(),
            Some(Whiteout::Opaque) => ".wh..wh..opq (hides what the layers below put here)".to_owned(),
            None => rest.to_owned(),
        };
        let listed = LayerListed {
            name: name.clone(),
            entry: entry.clone(),
            change: Change::of(entry, &below),
        };
        by_name.insert(name, listed);
    }
    by_name.into_values().collect()
}

/// How many links a path may go through before it is a loop (Linux's `MAXSYMLINKS`).
pub const MAX_LINKS: usize = 40;

/// Why a path does not lead to an entry of the filesystem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// A part of the path is not there.
    #[error("no {0} in the image")]
    Missing(String),
    /// A part of the path other than the last is not a directory.
    #[error("{0} is not a directory")]
    NotADirectory(String),
    /// Links lead to links more than [`MAX_LINKS`] times.
    #[error("{0}: more than {MAX_LINKS} links (a loop?)")]
    TooManyLinks(String),
}

impl FileSystem {
    /// The path `path` leads to, following symbolic links in every part of it (relative to
    /// the link's directory, absolute ones from the image's root, `..` stopping at the root, as
    /// a container sees them) and a hard link at its end (to the path it names).
    pub fn resolve(&self, path: &str) -> Result<String, ResolveError> {
        let mut todo: std::collections::VecDeque<String> = path.split('/').map(str::to_owned).collect();
        let mut done: Vec<String> = Vec::new();
        let mut links = 0;
        while let Some(part) = todo.pop_front() {
            match part.as_str() {
                "" | "." => continue,
                ".." => {
                    done.pop();
                    continue;
                }
                _ => done.push(part),
            }
            let current = done.join("/");
            let node = self
                .paths
                .get(&current)
                .ok_or_else(|| ResolveError::Missing(current.clone()))?;
            let (kind, link) = (node.entry.kind, node.entry.link.as_deref());
            let followed = match (kind, link) {
                (EntryKind::Symlink, Some(target)) => {
                    done.pop();
                    Some(target)
                }
                // A hard link names its target from the root, and is that file.
                (EntryKind::Hardlink, Some(target)) if todo.is_empty() => {
                    done.clear();
                    Some(target)
                }
                (EntryKind::Dir, _) => None,
                _ if !todo.iter().all(|p| p.is_empty() || p == ".") => {
                    return Err(ResolveError::NotADirectory(current));
                }
                _ => None,
            };
            if let Some(target) = followed {
                links += 1;
                if links > MAX_LINKS {
                    return Err(ResolveError::TooManyLinks(path.to_owned()));
                }
                if target.starts_with('/') {
                    done.clear();
                }
                for part in target.split('/').rev() {
                    todo.push_front(part.to_owned());
                }
            }
        }
        Ok(done.join("/"))
    }
}
