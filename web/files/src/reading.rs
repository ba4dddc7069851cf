//! Reading an image's layers in the worker: one `HEAD` per layer through the registry's token
//! service (the core's [`BlobAccess`]), then each blob streamed bottom first into a
//! [`LayerReader`] as its chunks arrive, and the layers merged. A layer of an archive the page
//! gave is read from the file instead, in chunks at its offset.

use fathom_browser::fetch;
use std::rc::Rc;

use fathom_core::archive::ReadAt;
use fathom_core::digest::Digest;
use fathom_core::filesystem::{FileSystem, FilesSummary, Merger};
use fathom_core::layer::{Layer, LayerReader};
use fathom_core::registry::blob_access::BlobAccess;
use fathom_core::registry::session::Failure;
use fathom_core::registry::{drive, HttpRequest, Remote};
use fathom_core::report::LayerInfo;
use fathom_core::Reference;

use crate::archive::{self, Archive};

/// How much of an archived layer is read at once.
const ARCHIVE_CHUNK: u64 = 1 << 20;

/// How often the page hears of the progress, at most (milliseconds).
const PROGRESS_EVERY_MS: f64 = 100.0;

/// How far the reading has come.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tally {
    /// The layer being read (0: the bottom one).
    pub layer: usize,
    /// How many there are.
    pub layers: usize,
    /// Compressed bytes read, over all layers.
    pub read: u64,
    /// Compressed bytes of all layers, as the manifest gives them.
    pub total: u64,
    /// Milliseconds since the reading started.
    pub elapsed_ms: u64,
}

/// An image read: its layers and the filesystem they build.
pub struct Opened {
    infos: Vec<LayerInfo>,
    /// Where the layers are read from (again, to show a file).
    source: Source,
    /// Each layer as read.
    pub layers: Vec<Layer>,
    /// The merged filesystem.
    pub filesystem: FileSystem,
    /// How the reading went.
    pub tally: Tally,
}

impl Opened {
    /// What the layers hold, summed up as the Report carries it.
    pub fn summary(&self) -> FilesSummary {
        FilesSummary::of(self.infos.iter().zip(&self.layers), &self.filesystem)
    }

    /// Layer `index` read again, keeping the first `max` bytes of `path` (a file the page shows).
    pub async fn reread(&self, index: usize, path: &str, max: u64) -> Result<Layer, String> {
        let info = &self.infos[index];
        let reader = reader_for(info)?.keeping(path, max);
        match self.source.stream(index, reader, info, &mut |_| {}).await {
            // A token that has expired since: ask for access again, once.
            Err(Stream::Refused(401)) => {
                let Source::Registry { reference, .. } = &self.source else {
                    return Err(Stream::Refused(401).into_message());
                };
                let requests = access(reference, std::slice::from_ref(info)).await?;
                let reader = reader_for(info)?.keeping(path, max);
                let request = requests.into_iter().next().ok_or("no request for the layer")?;
                stream(request, reader, info, &mut |_| {})
                    .await
                    .map_err(Stream::into_message)
            }
            other => other.map_err(Stream::into_message),
        }
    }
}

/// Where an image's layers are read from.
enum Source {
    /// The reference's repository, each layer's `GET` authorized.
    Registry {
        reference: Reference,
        requests: Vec<HttpRequest>,
    },
    /// The archive the page gave.
    Archive(Rc<Archive>),
}

impl Source {
    /// The registry of `reference` (`archive: false`), or the archive the page gave.
    async fn of(reference: &str, infos: &[LayerInfo], archive: bool) -> Result<Source, String> {
        if archive {
            return archive::current()
                .map(Source::Archive)
                .ok_or_else(|| "no archive is open in the file worker".to_owned());
        }
        let reference = Reference::parse(reference).map_err(|e| format!("invalid reference {reference:?}: {e}"))?;
        let requests = access(&reference, infos).await?;
        Ok(Source::Registry { reference, requests })
    }

    /// Streams layer `index` into `reader`, counting each chunk's bytes.
    async fn stream(
        &self,
        index: usize,
        reader: LayerReader,
        info: &LayerInfo,
        counted: &mut dyn FnMut(usize),
    ) -> Result<Layer, Stream> {
        match self {
            Source::Registry { requests, .. } => stream(requests[index].clone(), reader, info, counted).await,
            Source::Archive(archive) => from_archive(archive, reader, info, counted).map_err(Stream::Failed),
        }
    }
}

/// Reads `layers`, from `reference`'s repository or from the archive the page gave, telling
/// `progress` how far it has come.
pub async fn open(
    reference: &str,
    infos: Vec<LayerInfo>,
    archive: bool,
    progress: &mut dyn FnMut(Tally),
) -> Result<Opened, String> {
    let source = Source::of(reference, &infos, archive).await?;
    let started = js_sys::Date::now();
    let mut told = f64::MIN;
    let mut state = Tally {
        layers: infos.len(),
        total: infos.iter().filter_map(|l| l.size).map(|s| s.max(0) as u64).sum(),
        ..Tally::default()
    };
    progress(state); // the blobs are reachable: 0 bytes of the total
    let mut layers = Vec::with_capacity(infos.len());
    for (i, info) in infos.iter().enumerate() {
        state.layer = i;
        let mut counted = |bytes: usize| {
            state.read += bytes as u64;
            let now = js_sys::Date::now();
            if now - told >= PROGRESS_EVERY_MS {
                told = now;
                state.elapsed_ms = (now - started) as u64;
                progress(state);
            }
        };
        let layer = source
            .stream(i, reader_for(info)?, info, &mut counted)
            .await
            .map_err(Stream::into_message)?;
        layers.push(layer);
    }
    state.elapsed_ms = (js_sys::Date::now() - started) as u64;
    progress(state);
    Ok(Opened {
        infos,
        source,
        filesystem: Merger::of(&layers).finish(),
        layers,
        tally: state,
    })
}

/// Each layer's authorized `GET`: a `HEAD` per layer through one session (one token).
pub async fn access(reference: &Reference, infos: &[LayerInfo]) -> Result<Vec<HttpRequest>, String> {
    let digests = infos
        .iter()
        .map(|l| {
            l.digest
                .parse::<Digest>()
                .map_err(|e| format!("layer {}: {e}", l.digest))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let remote = Remote::of(reference).at((js_sys::Date::now() / 1000.0) as u64);
    drive::run(BlobAccess::new(reference, &remote, &digests), fetch::send)
        .await
        .map_err(|f| f.message)
}

/// A reader for a layer as the manifest describes it.
fn reader_for(info: &LayerInfo) -> Result<LayerReader, String> {
    let digest = info
        .digest
        .parse::<Digest>()
        .map_err(|e| format!("layer {}: {e}", info.digest))?;
    let size = info.size.and_then(|s| u64::try_from(s).ok());
    let diff_id = info.diff_id.as_deref().and_then(|d| d.parse().ok());
    Ok(LayerReader::new(
        digest,
        size,
        info.media_type.as_deref().unwrap_or(""),
        diff_id,
    ))
}

/// Reads an archived layer into `reader`, in chunks at its offset in the file.
fn from_archive(
    archive: &Archive,
    mut reader: LayerReader,
    info: &LayerInfo,
    counted: &mut dyn FnMut(usize),
) -> Result<Layer, String> {
    let digest: Digest = info.digest.parse().map_err(|e| format!("layer {}: {e}", info.digest))?;
    let member = archive
        .member(&digest)
        .ok_or_else(|| format!("layer {} is not in the archive", info.digest))?;
    let mut at = 0;
    while at < member.size {
        let len = ARCHIVE_CHUNK.min(member.size - at);
        let chunk = archive.bytes().read_at(member.offset + at, len)?;
        counted(chunk.len());
        reader.feed(&chunk);
        at += len;
    }
    Ok(reader.finish())
}

/// Why a layer's stream ended before its end.
enum Stream {
    /// The registry answered with this status (and `Failure` says it in words).
    Refused(u16),
    /// The registry's answer, said.
    Failed(String),
}

impl Stream {
    fn into_message(self) -> String {
        match self {
            Stream::Refused(status) => format!("the registry refused a layer (HTTP {status})"),
            Stream::Failed(message) => message,
        }
    }
}

/// Streams `request`'s body into `reader`, counting each chunk's bytes.
async fn stream(
    request: HttpRequest,
    mut reader: LayerReader,
    info: &LayerInfo,
    counted: &mut dyn FnMut(usize),
) -> Result<Layer, Stream> {
    let response = fetch::stream(request, &mut |chunk| {
        counted(chunk.len());
        reader.feed(chunk);
    })
    .await
    .map_err(|e| Stream::Failed(format!("layer {}: {}", info.digest, e.describe(&info.digest))))?;
    match response.status {
        401 => Err(Stream::Refused(401)),
        200..=299 => Ok(reader.finish()),
        _ => Err(Stream::Failed(
            Failure::from_response(&response, &format!("layer {}", info.digest)).message,
        )),
    }
}
