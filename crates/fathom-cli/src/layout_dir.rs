//! An OCI layout on disk, read for the core's layout walk.

use std::path::PathBuf;

use fathom_core::{BlobSource, Digest};

/// A directory holding `oci-layout`, `index.json` and `blobs/`.
pub struct LayoutDir {
    root: PathBuf,
}

impl LayoutDir {
    /// The layout at `root`.
    pub fn new(root: PathBuf) -> LayoutDir {
        LayoutDir { root }
    }
}

fn read_optional(path: PathBuf) -> Result<Option<Vec<u8>>, String> {
    match std::fs::read(&path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

impl LayoutDir {
    /// Blobs of a `dir:` directory: files named by 64 hex digits.
    fn dir_transport_blobs(&self) -> Vec<String> {
        let Ok(files) = std::fs::read_dir(&self.root) else {
            return Vec::new();
        };
        let mut names: Vec<String> = files
            .flatten()
            .map(|f| f.file_name().to_string_lossy().into_owned())
            .filter(|n| n.len() == 64 && n.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(|n| format!("sha256:{n}"))
            .collect();
        names.sort();
        names
    }
}

impl BlobSource for LayoutDir {
    fn file(&self, name: &str) -> Result<Option<Vec<u8>>, String> {
        read_optional(self.root.join(name))
    }

    fn blob(&self, digest: &Digest) -> Result<Option<Vec<u8>>, String> {
        match read_optional(
            self.root
                .join("blobs")
                .join(digest.algorithm().name())
                .join(digest.hex()),
        )? {
            Some(bytes) => Ok(Some(bytes)),
            // containers/image's `dir:` transport keeps blobs beside manifest.json.
            None => read_optional(self.root.join(digest.hex())),
        }
    }

    fn blob_names(&self) -> Result<Vec<String>, String> {
        let blobs = self.root.join("blobs");
        let mut names = Vec::new();
        let Ok(algorithms) = std::fs::read_dir(&blobs) else {
            return Ok(self.dir_transport_blobs());
        };
        for algorithm in algorithms.flatten() {
            let Ok(files) = std::fs::read_dir(algorithm.path()) else {
                continue;
            };
            for file in files.flatten() {
                names.push(format!(
                    "{}:{}",
                    algorithm.file_name().to_string_lossy(),
                    file.file_name().to_string_lossy()
                ));
            }
        }
        names.sort();
        Ok(names)
    }
}
