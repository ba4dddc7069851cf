//! Where `fathom index create` keeps a draft until `push`: one JSON file per target in
//! `$FATHOM_INDEX_DIR`, else `$XDG_DATA_HOME/fathom/indexes`, else
//! `~/.local/share/fathom/indexes`. Files are replaced atomically (a temporary file in the same
//! directory, synced, then renamed over the old one), so a crash never leaves half a draft.

use std::io::Write;
use std::path::PathBuf;

use fathom_core::author::IndexDraft;
use fathom_core::Digest;

use crate::commands::CommandError;

/// The directory drafts live in.
fn dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("FATHOM_INDEX_DIR") {
        return PathBuf::from(dir);
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(std::env::temp_dir);
    data.join("fathom/indexes")
}

/// The file of `target` (canonical): readable, and unique by a hash of the whole name.
fn path(target: &str) -> PathBuf {
    let readable: String = target
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let hash = Digest::sha256(target.as_bytes());
    dir().join(format!("{readable}-{}.json", &hash.hex()[..12]))
}

/// The draft kept for `target` (canonical).
pub fn load(target: &str) -> Result<IndexDraft, CommandError> {
    let file = path(target);
    let text = std::fs::read(&file).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => CommandError::Invalid(format!(
            "no draft for {target}; make one with `fathom index create {target} SOURCE...`"
        )),
        _ => CommandError::Read {
            path: file.display().to_string(),
            source: e,
        },
    })?;
    serde_json::from_slice(&text)
        .map_err(|e| CommandError::Invalid(format!("{} is not a draft Fathom wrote: {e}", file.display())))
}

/// Writes `draft` atomically; returns where.
pub fn save(draft: &IndexDraft) -> Result<PathBuf, CommandError> {
    let file = path(&draft.target);
    let dir = dir();
    std::fs::create_dir_all(&dir)?;
    let mut temporary = tempfile::NamedTempFile::new_in(&dir)?;
    serde_json::to_writer_pretty(&mut temporary, draft).map_err(std::io::Error::other)?;
    temporary.write_all(b"\n")?;
    temporary.as_file().sync_all()?;
    temporary.persist(&file).map_err(|e| e.error)?;
    Ok(file)
}

/// Forgets the draft of `target` (after it was pushed).
pub fn remove(target: &str) -> Result<(), CommandError> {
    match std::fs::remove_file(path(target)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}
