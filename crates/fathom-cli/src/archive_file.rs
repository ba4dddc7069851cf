//! An image archive on disk (`oci-archive:`, `docker save`): indexed by the core from its tar
//! headers alone, then read member by member at its offset.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Mutex;

use fathom_core::archive::{ArchiveIndex, ArchiveIndexer, ReadAt};

/// An archive file, read at offsets.
pub struct ArchiveFile(Mutex<File>);

impl ArchiveFile {
    /// Opens `path` and indexes it (every tar header, the members' offsets), skipping each
    /// member's bytes unread.
    pub fn open(path: &Path) -> std::io::Result<(ArchiveFile, ArchiveIndex)> {
        let file = File::open(path)?;
        let size = file.metadata()?.len();
        let archive = ArchiveFile(Mutex::new(file));
        let index = ArchiveIndexer::index(&archive, size);
        Ok((archive, index))
    }
}

impl ReadAt for ArchiveFile {
    fn read_at(&self, offset: u64, len: u64) -> Result<Vec<u8>, String> {
        let mut file = self
            .0
            .lock()
            .map_err(|_| "the archive's reader failed before".to_owned())?;
        let mut bytes = vec![0; usize::try_from(len).map_err(|_| format!("a member of {len} bytes"))?];
        file.seek(SeekFrom::Start(offset))
            .and_then(|_| file.read_exact(&mut bytes))
            .map_err(|e| format!("cannot read {len} bytes at {offset} of the archive: {e}"))?;
        Ok(bytes)
    }
}
