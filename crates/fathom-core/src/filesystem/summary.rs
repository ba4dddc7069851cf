//! What reading an image's layers found, as the Report carries it (`platforms[].image.files`):
//! each layer's row, the waste, the largest files — the same figures in every face.

use serde::{Deserialize, Serialize};

use super::{FileSystem, LayerSummary, Waste};
use crate::layer::Layer;
use crate::report::LayerInfo;

/// How many of the largest files a summary names.
pub const LARGEST_FILES: usize = 10;

/// An image's layers as read and the filesystem they build, summed up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilesSummary {
    /// Each layer, bottom first.
    pub layers: Vec<LayerSummary>,
    /// Bytes the layers ship that the filesystem does not show.
    pub waste: Waste,
    /// The largest files of the merged filesystem, largest first.
    pub largest: Vec<LargestFile>,
    /// Paths in the merged filesystem.
    pub paths: usize,
}

/// One of the largest files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LargestFile {
    /// Its path.
    pub path: String,
    /// Its bytes.
    pub size: u64,
    /// The layer that last wrote it.
    pub layer: usize,
}

impl FilesSummary {
    /// The summary of `layers` (each as the manifest lists it and as read, bottom first) and
    /// the filesystem they build.
    pub fn of<'a>(
        layers: impl IntoIterator<Item = (&'a LayerInfo, &'a Layer)>,
        filesystem: &FileSystem,
    ) -> FilesSummary {
        FilesSummary {
            layers: layers
                .into_iter()
                .enumerate()
                .map(|(i, (info, layer))| {
                    let changes = filesystem.changes.get(i).copied().unwrap_or_default();
                    LayerSummary::new(i, &info.digest, info.media_type.as_deref(), layer, changes)
                })
                .collect(),
            waste: filesystem.waste.clone(),
            largest: filesystem
                .largest(LARGEST_FILES)
                .into_iter()
                .map(|m| LargestFile {
                    path: m.entry.path.clone(),
                    size: m.entry.size,
                    layer: m.layer,
                })
                .collect(),
            paths: filesystem.paths.len(),
        }
    }
}
