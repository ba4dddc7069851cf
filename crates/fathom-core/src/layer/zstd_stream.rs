//! A zstd stream decoded as its bytes arrive, into a sink, in the wasm builds (natively libzstd
//! does it, `zstd_native`) — ruzstd's `FrameDecoder` (pure Rust) driven through
//! `decode_from_to`, which decodes whole blocks only: input is held until a block (at most
//! 128 KiB) is complete. Every frame of the stream is read in turn
//! (as `zstd -d` reads them), skippable frames skipped (zstd:chunked layers carry their table of
//! contents in one), and each frame's checksum, when it has one, checked.

use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::FrameDecoder;

use super::Refusing;
use crate::finding::{Code, Finding};

/// The largest frame header (magic number, descriptor, window, dictionary id, content size).
const MAX_FRAME_HEADER: usize = 4 + 14;

/// See the module documentation.
pub(super) struct ZstdStream<S> {
    frame: FrameDecoder,
    sink: S,
    /// Bytes not decoded yet (at most a block and a header).
    input: Vec<u8>,
    out: Vec<u8>,
    /// A frame is being decoded (else the next bytes start a frame).
    in_frame: bool,
    /// Bytes of a skippable frame still to skip.
    skip: u64,
}

impl<S: Refusing> ZstdStream<S> {
    pub(super) fn new(sink: S) -> Result<ZstdStream<S>, Finding> {
        Ok(ZstdStream {
            frame: FrameDecoder::new(),
            sink,
            input: Vec::new(),
            out: vec![0; 256 << 10],
            in_frame: false,
            skip: 0,
        })
    }

    #[cfg(target_arch = "wasm32")]
    pub(super) fn get_mut(&mut self) -> &mut S {
        &mut self.sink
    }

    pub(super) fn into_inner(self) -> S {
        self.sink
    }

    /// Decodes what `bytes` completes; `last`: no more bytes will come.
    pub(super) fn push(&mut self, bytes: &[u8], last: bool) -> Result<(), Finding> {
        self.input.extend_from_slice(bytes);
        let mut at = 0;
        loop {
            let rest = &self.input[at..];
            if self.skip > 0 {
                let skipped = self.skip.min(rest.len() as u64);
                if skipped == 0 {
                    break;
                }
                self.skip -= skipped;
                at += skipped as usize;
                continue;
            }
            if !self.in_frame {
                if rest.is_empty() || (rest.len() < MAX_FRAME_HEADER && !last) {
                    break;
                }
                let mut source = rest;
                match self.frame.init(&mut source) {
                    Ok(()) => self.in_frame = true,
                    Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                        length, ..
                    })) => {
                        self.skip = u64::from(length);
                    }
                    Err(e) => return Err(corrupt(&e)),
                }
                at += rest.len() - source.len();
                continue;
            }
            // Fewer than 4 bytes make no block but an empty one, and may be a frame's checksum,
            // which ruzstd counts as read whether it was there or not: wait for more.
            if rest.len() < 4 && !last && !self.frame.is_finished() {
                break;
            }
            let (read, written) = self
                .frame
                .decode_from_to(rest, &mut self.out)
                .map_err(|e| corrupt(&e))?;
            // ruzstd counts a frame's 4 checksum bytes as read even when fewer were there.
            let read = read.min(rest.len());
            at += read;
            if written > 0 {
                if let Err(e) = self.sink.write_all(&self.out[..written]) {
                    return Err(self.sink.refused().unwrap_or_else(|| {
                        Finding::error(Code::LayerCorrupt, "", format!("decoded bytes refused: {e}"))
                    }));
                }
            }
            if self.frame.is_finished() && self.frame.can_collect() == 0 {
                self.in_frame = false;
                if let (Some(sent), Some(computed)) = (
                    self.frame.get_checksum_from_data(),
                    self.frame.get_calculated_checksum(),
                ) {
                    if sent != computed {
                        return Err(Finding::error(
                            Code::LayerCorrupt,
                            "",
                            format!("a zstd frame's checksum is {sent:08x}, its content's {computed:08x}"),
                        ));
                    }
                }
                continue;
            }
            if read == 0 && written == 0 {
                break;
            }
        }
        self.input.drain(..at);
        Ok(())
    }

    /// Decodes what is left; a frame cut short is `layer-truncated`.
    pub(super) fn finish(&mut self) -> Result<(), Finding> {
        self.push(&[], true)?;
        if self.in_frame || self.skip > 0 || !self.input.is_empty() {
            return Err(Finding::error(
                Code::LayerTruncated,
                "",
                "the zstd stream ends before its end".to_owned(),
            ));
        }
        Ok(())
    }
}

fn corrupt(error: &FrameDecoderError) -> Finding {
    Finding::error(Code::LayerCorrupt, "", format!("the zstd stream is corrupt: {error}"))
}
