//! A zstd stream decoded as its bytes arrive, into a sink: the reference implementation
//! (libzstd, through the `zstd` crate) — every frame in turn, skippable frames skipped
//! (zstd:chunked layers carry their table of contents in one), each frame's checksum checked by
//! libzstd. The same C code natively and in wasm (built by clang for `wasm32-unknown-unknown`,
//! with the C library shim `zstd-sys` ships): over real layers it decodes 2.8× faster than the
//! pure-Rust ruzstd natively (0.87 vs 2.4 s for 606 MiB of tar), and the web app's file worker
//! reads a zstd layer 1.22× faster with it than with ruzstd (`scripts/bench-layer.sh`).

use std::io::Write;

use zstd::stream::raw::Decoder;
use zstd::stream::zio::Writer;

use super::Refusing;
use crate::finding::{Code, Finding};

/// See the module documentation.
pub(super) struct ZstdStream<S: Write> {
    writer: Writer<S, Decoder<'static>>,
}

impl<S: Write + Refusing> ZstdStream<S> {
    pub(super) fn new(sink: S) -> Result<ZstdStream<S>, Finding> {
        let decoder = Decoder::new().map_err(|e| corrupt(&e))?;
        Ok(ZstdStream {
            writer: Writer::new(sink, decoder),
        })
    }

    pub(super) fn get_mut(&mut self) -> &mut S {
        self.writer.writer_mut()
    }

    pub(super) fn into_inner(self) -> S {
        self.writer.into_inner().0
    }

    /// Decodes what `bytes` completes (libzstd buffers what it needs itself).
    pub(super) fn push(&mut self, bytes: &[u8]) -> Result<(), Finding> {
        self.writer.write_all(bytes).map_err(|e| self.failure(&e))
    }

    /// Decodes what is left; a frame cut short is `layer-truncated`.
    pub(super) fn finish(&mut self) -> Result<(), Finding> {
        self.writer.finish().map_err(|e| {
            self.get_mut().refused().unwrap_or_else(|| {
                Finding::error(
                    Code::LayerTruncated,
                    "",
                    format!("the zstd stream ends before its end ({e})"),
                )
            })
        })
    }

    fn failure(&mut self, error: &std::io::Error) -> Finding {
        self.get_mut().refused().unwrap_or_else(|| corrupt(error))
    }
}

fn corrupt(error: &std::io::Error) -> Finding {
    Finding::error(Code::LayerCorrupt, "", format!("the zstd stream is corrupt: {error}"))
}
