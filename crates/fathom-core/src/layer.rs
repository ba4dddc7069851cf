//! Reading a layer as its bytes arrive — no I/O, the caller feeds the blob in chunks: the
//! compressed bytes are checked against the descriptor (digest, size), decompressed (gzip, or a
//! plain tar; the kind read from the magic bytes and checked against the media type), the
//! uncompressed stream checked against the config's `diff_id`, and the tar archive parsed into
//! [`LayerEntry`]s. Memory stays bounded by the decompressor's window and one tar header, never
//! by the layer.
//!
//! Hostile input is a finding, never a panic or an unbounded allocation: a digest or diff_id
//! mismatch, a truncated or corrupt stream, a decompression ratio past [`MAX_RATIO`], paths that
//! leave the root.

mod tar_stream;
mod zstd_stream;

use zstd_stream::ZstdStream;

use std::io::Write;

use flate2::write::MultiGzDecoder;

use crate::digest::{Algorithm, Digest, Hasher, Mismatch, Verifier};
use crate::finding::{Code, Finding};
use crate::media_type::{Compression, MediaType};

#[cfg(test)]
pub(crate) use tar_stream::whiteout;
pub(crate) use tar_stream::TarStream;
pub use tar_stream::{EntryKind, KeptFile, LayerEntry, Whiteout};

/// The most a layer may decompress to per compressed byte before it is read as a bomb (real
/// layers compress text-heavy trees some 3–10×; deflate's own ceiling is about 1,032×).
pub const MAX_RATIO: u64 = 200;
/// Below this many uncompressed bytes the ratio is not judged (a few MB of zeros compress far).
const RATIO_FLOOR: u64 = 16 << 20;

/// The compression the first bytes of a blob say (gzip and zstd by their magic numbers).
fn compression_of(head: &[u8]) -> Compression {
    match head {
        [0x1f, 0x8b, ..] => Compression::Gzip,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
        _ => Compression::None,
    }
}

/// What a layer held, once read to its end.
#[derive(Debug, Clone)]
pub struct Layer {
    /// The compression read from the bytes.
    pub compression: Compression,
    /// Compressed bytes read.
    pub size: u64,
    /// Uncompressed bytes (the tar archive).
    pub uncompressed_size: u64,
    /// The digest of the uncompressed bytes (what a config's `rootfs.diff_ids` lists), when the
    /// whole layer was read.
    pub diff_id: Option<Digest>,
    /// Every entry, in archive order.
    pub entries: Vec<LayerEntry>,
    /// What was wrong; an error means the listing cannot be trusted.
    pub findings: Vec<Finding>,
    /// The content of the file asked for with [`LayerReader::keeping`], when the layer has it.
    pub kept: Option<KeptFile>,
}

impl Layer {
    /// The check the layer fails, if any: its first error finding (a digest, size or diff_id
    /// mismatch, a corrupt or truncated stream, a path that leaves the root).
    pub fn failed_check(&self) -> Option<&Finding> {
        self.findings
            .iter()
            .find(|f| f.severity == crate::finding::Severity::Error)
    }
}

/// Where uncompressed bytes go: hashed, judged for the ratio, parsed as tar.
struct Sink {
    diff: Hasher,
    tar: tar_stream::TarStream,
    /// Compressed bytes fed so far (for the ratio).
    compressed: u64,
    /// Why the sink refused more (the decompressor only sees an I/O error).
    refused: Option<Finding>,
}

impl Sink {
    fn take(&mut self, bytes: &[u8]) -> Result<(), Finding> {
        self.diff.update(bytes);
        let total = self.diff.len();
        if total > RATIO_FLOOR && total / self.compressed.max(1) > MAX_RATIO {
            return Err(Finding::error(
                Code::LayerBomb,
                "",
                format!(
                    "{total} bytes from {} compressed: more than {MAX_RATIO}× — read no further",
                    self.compressed
                ),
            ));
        }
        self.tar.feed(bytes)
    }
}

/// A sink for decoded bytes (written to it) that says why when it takes no more.
trait Refusing: Write {
    /// Why the sink refused the bytes it was last given, if it did.
    fn refused(&mut self) -> Option<Finding>;
}

impl Refusing for Sink {
    fn refused(&mut self) -> Option<Finding> {
        self.refused.take()
    }
}

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        match self.take(bytes) {
            Ok(()) => Ok(bytes.len()),
            Err(finding) => {
                self.refused = Some(finding);
                Err(std::io::Error::other("refused"))
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The decompressor, once the first bytes said which.
enum Decoder {
    Plain(Box<Sink>),
    /// flate2's push-style gzip decoder (every member of a multi-member stream, as `gzip -d`).
    Gzip(Box<MultiGzDecoder<Sink>>),
    /// Every frame, skippable ones skipped (libzstd, natively and in wasm).
    Zstd(Box<ZstdStream<Sink>>),
}

impl Decoder {
    fn sink(&mut self) -> &mut Sink {
        match self {
            Decoder::Plain(sink) => sink,
            Decoder::Gzip(decoder) => decoder.get_mut(),
            Decoder::Zstd(decoder) => decoder.get_mut(),
        }
    }
}

/// A layer being read: [`LayerReader::feed`] each chunk as it arrives, then
/// [`LayerReader::finish`].
pub struct LayerReader {
    /// The compressed bytes against the descriptor (taken when finished).
    blob: Option<Verifier>,
    algorithm: Algorithm,
    declared: Option<Compression>,
    expected_diff_id: Option<Digest>,
    /// The first bytes, until the compression is known.
    head: Vec<u8>,
    compression: Option<Compression>,
    decoder: Option<Decoder>,
    size: u64,
    findings: Vec<Finding>,
    /// A fatal finding stopped the reading: what follows is not read.
    stopped: bool,
    /// The file whose content to keep, and at most how many bytes.
    keep: Option<(String, u64)>,
}

impl LayerReader {
    /// A reader for the blob `digest` of `size` bytes and `media_type`, checked against the
    /// config's `diff_id` for it when known.
    pub fn new(digest: Digest, size: Option<u64>, media_type: &str, diff_id: Option<Digest>) -> LayerReader {
        LayerReader {
            algorithm: diff_id.as_ref().map_or(digest.algorithm(), Digest::algorithm),
            blob: Some(Verifier::new(digest, size)),
            declared: MediaType::new(media_type).compression(),
            expected_diff_id: diff_id,
            head: Vec::new(),
            compression: None,
            decoder: None,
            size: 0,
            findings: Vec::new(),
            stopped: false,
            keep: None,
        }
    }

    /// Also keeps the content of the regular file at `path`, at most `max` bytes of it (the
    /// layer's last entry for the path, as extraction leaves it).
    pub fn keeping(self, path: &str, max: u64) -> LayerReader {
        LayerReader {
            keep: Some((path.to_owned(), max)),
            ..self
        }
    }

    /// Feeds the next chunk of the blob.
    pub fn feed(&mut self, chunk: &[u8]) {
        if self.stopped {
            return;
        }
        if let Some(Err(mismatch)) = self.blob.as_mut().map(|blob| blob.update(chunk)) {
            return self.stop(mismatch_finding(&mismatch));
        }
        self.size += chunk.len() as u64;
        if self.decoder.is_none() {
            self.head.extend_from_slice(chunk);
            if self.head.len() >= 4 {
                self.start();
            }
            return;
        }
        self.decompress(chunk);
    }

    /// The decompressor the first bytes call for (checked against the media type), fed them.
    fn start(&mut self) {
        let head = std::mem::take(&mut self.head);
        let compression = compression_of(&head);
        if let Some(declared) = self.declared.filter(|d| *d != compression) {
            self.findings.push(Finding::warning(
                Code::LayerCompressionMismatch,
                "",
                format!("the media type says {declared:?} but the bytes are {compression:?}"),
            ));
        }
        self.compression = Some(compression);
        let sink = Sink {
            diff: Hasher::new(self.algorithm),
            tar: match &self.keep {
                Some((path, max)) => tar_stream::TarStream::keeping(path, *max),
                None => tar_stream::TarStream::default(),
            },
            compressed: 0,
            refused: None,
        };
        self.decoder = match compression {
            Compression::None => Some(Decoder::Plain(Box::new(sink))),
            Compression::Gzip => Some(Decoder::Gzip(Box::new(MultiGzDecoder::new(sink)))),
            Compression::Zstd => match ZstdStream::new(sink) {
                Ok(zstd) => Some(Decoder::Zstd(Box::new(zstd))),
                Err(finding) => return self.stop(finding),
            },
        };
        self.decompress(&head);
    }

    fn decompress(&mut self, bytes: &[u8]) {
        let size = self.size;
        let Some(decoder) = self.decoder.as_mut() else {
            return;
        };
        decoder.sink().compressed = size;
        let written = match decoder {
            Decoder::Plain(sink) => sink.take(bytes),
            Decoder::Gzip(gzip) => gzip.write_all(bytes).map_err(|e| {
                gzip.get_mut().refused.take().unwrap_or_else(|| {
                    Finding::error(Code::LayerCorrupt, "", format!("the gzip stream is corrupt: {e}"))
                })
            }),
            Decoder::Zstd(zstd) => zstd.push(bytes),
        };
        if let Err(finding) = written {
            self.stop(finding);
        }
    }

    fn stop(&mut self, finding: Finding) {
        self.findings.push(finding);
        self.stopped = true;
    }

    /// The layer, once every byte was fed.
    pub fn finish(mut self) -> Layer {
        if !self.stopped && self.decoder.is_none() {
            self.start(); // fewer than 4 bytes in all
        }
        if let (false, Some(blob)) = (self.stopped, self.blob.take()) {
            if let Err(mismatch) = blob.finish() {
                self.stop(mismatch_finding(&mismatch));
            }
        }
        let sink = match self.decoder.take() {
            Some(Decoder::Plain(sink)) => Some(*sink),
            Some(Decoder::Gzip(mut gzip)) => {
                if !self.stopped && gzip.try_finish().is_err() {
                    self.stop(truncated("the gzip stream ends before its end"));
                }
                gzip.finish().ok()
            }
            Some(Decoder::Zstd(mut zstd)) => {
                if !self.stopped {
                    if let Err(finding) = zstd.finish() {
                        self.stop(finding);
                    }
                }
                Some(zstd.into_inner())
            }
            None => None,
        };
        let mut layer = Layer {
            compression: self.compression.unwrap_or(Compression::None),
            size: self.size,
            uncompressed_size: 0,
            diff_id: None,
            entries: Vec::new(),
            findings: Vec::new(),
            kept: None,
        };
        if let Some(mut sink) = sink {
            layer.kept = sink.tar.take_kept();
            layer.uncompressed_size = sink.diff.len();
            let (entries, findings, ended) = sink.tar.finish();
            layer.entries = entries;
            self.findings.extend(findings);
            if !self.stopped && !ended {
                self.stop(truncated("the tar archive ends before its end-of-archive blocks"));
            }
            if !self.stopped {
                let diff_id = sink.diff.finish();
                if let Some(expected) = self.expected_diff_id.as_ref().filter(|e| **e != diff_id) {
                    self.findings.push(Finding::error(
                        Code::LayerDiffIdMismatch,
                        "",
                        format!("the uncompressed layer hashes to {diff_id}, not to its diff_id {expected}"),
                    ));
                }
                layer.diff_id = Some(diff_id);
            }
        }
        layer.findings = self.findings;
        layer
    }
}

fn truncated(message: &str) -> Finding {
    Finding::error(Code::LayerTruncated, "", message.to_owned())
}

fn mismatch_finding(mismatch: &Mismatch) -> Finding {
    Finding::error(mismatch.code(), "", mismatch.to_string())
}

#[cfg(test)]
mod tests;
