//! What `fathom layers`, `fathom ls` and `fathom cat` share: the image a platform pulls, each of
//! its layers streamed from the registry into the core's layer reader (digest, diff_id, tar), and
//! the merged filesystem the core builds from them.

use std::time::Duration;

use fathom_core::digest::Digest;
use fathom_core::filesystem::{FileSystem, Merger};
use fathom_core::inspect::Options;
use fathom_core::layer::{Layer, LayerReader};
use fathom_core::registry::blob_access::BlobAccess;
use fathom_core::registry::Remote;
use fathom_core::report::{LayerInfo, Report};
use fathom_core::Reference;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::registry::{inspect, platform_arg, pulled_row, run, runtime, Context};
use super::CommandError;
use crate::cli::{ImageArgs, RegistryArgs};
use crate::transport::Transport;

/// A file whose content to keep while its layers stream.
#[derive(Debug, Clone)]
pub struct Keep {
    /// Its path from the image's root.
    pub path: String,
    /// At most this many bytes of it.
    pub max: u64,
}

/// An image's layers as read, and the filesystem they build.
pub struct ImageFiles {
    /// The Report of the reference (for the platform asked).
    pub report: Box<Report>,
    /// The row of the image read.
    pub row: usize,
    /// Each layer as the manifest lists it, with what reading it found.
    pub layers: Vec<(LayerInfo, Layer)>,
    /// The merged filesystem.
    pub filesystem: FileSystem,
    reference: Reference,
    remote: Remote,
    timeout: Duration,
}

impl ImageFiles {
    /// Whether any layer failed a check (digest, size, diff_id, a corrupt or truncated stream).
    pub fn failed(&self) -> bool {
        self.layers.iter().any(|(_, layer)| layer.failed_check().is_some())
    }
}

/// Reads the image the reference gives the platform (`local`, or os/arch[/variant]), keeping
/// `keep`'s content from each layer that has it.
pub fn read(image: &ImageArgs, args: &RegistryArgs, keep: Option<&Keep>) -> Result<ImageFiles, CommandError> {
    let platform = platform_arg(&image.platform)?
        .ok_or_else(|| CommandError::Invalid("name one platform (`local` or os/arch[/variant]), not `all`".into()))?;
    let context = Context::new(&image.reference, args)?;
    let (reference, remote) = (context.reference.clone(), context.remote(args));
    let report = inspect(&image.reference, context, args, Options::for_match(platform))?;
    let row = pulled_row(&report)?;
    let infos = report.platforms[row]
        .image
        .as_ref()
        .map(|i| i.layers.clone())
        .unwrap_or_default();
    let timeout = Duration::from_secs(args.timeout.max(1));
    let layers = stream(&reference, &remote, timeout, &infos, keep, args)?;
    Ok(ImageFiles {
        report,
        row,
        filesystem: Merger::of(&layers).finish(),
        layers: infos.into_iter().zip(layers).collect(),
        reference,
        remote,
        timeout,
    })
}

/// Layer `index` of `files` read again, keeping `keep` (a file a link led to, in a layer read
/// before without it).
pub fn reread(files: &ImageFiles, index: usize, keep: &Keep, args: &RegistryArgs) -> Result<Layer, CommandError> {
    let info = std::slice::from_ref(&files.layers[index].0);
    let mut layers = stream(&files.reference, &files.remote, files.timeout, info, Some(keep), args)?;
    Ok(layers.remove(0))
}

/// Streams `infos`' blobs, bottom first, each through a layer reader.
fn stream(
    reference: &Reference,
    remote: &Remote,
    timeout: Duration,
    infos: &[LayerInfo],
    keep: Option<&Keep>,
    args: &RegistryArgs,
) -> Result<Vec<Layer>, CommandError> {
    let digests = infos
        .iter()
        .map(|l| l.digest.parse::<Digest>().map_err(CommandError::invalid))
        .collect::<Result<Vec<_>, _>>()?;
    let requests =
        run(BlobAccess::new(reference, remote, &digests), args)?.map_err(|f| CommandError::Registry(f.message))?;
    let transport = Transport::new(timeout).map_err(CommandError::Invalid)?;
    let runtime = runtime()?;
    let mut layers = Vec::new();
    for ((info, request), digest) in infos.iter().zip(requests).zip(digests) {
        let size = info.size.and_then(|s| u64::try_from(s).ok());
        let diff_id = info.diff_id.as_deref().and_then(|d| d.parse().ok());
        let mut reader = LayerReader::new(digest, size, info.media_type.as_deref().unwrap_or(""), diff_id);
        if let Some(keep) = keep {
            reader = reader.keeping(&keep.path, keep.max);
        }
        let progress = progress_bar(&info.digest, size);
        runtime
            .block_on(transport.stream(request, |chunk| {
                progress.inc(chunk.len() as u64);
                reader.feed(chunk);
            }))
            .map_err(|e| CommandError::Registry(format!("layer {}: {}", info.digest, e.describe(&info.digest))))?;
        progress.finish_and_clear();
        layers.push(reader.finish());
    }
    Ok(layers)
}

/// A progress bar on stderr for a layer (drawn only on a terminal): bytes, rate, time left.
fn progress_bar(digest: &str, size: Option<u64>) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(size, ProgressDrawTarget::stderr());
    let short = super::registry::short_digest(digest);
    let template = format!("{short} {{bar:30}} {{bytes}}/{{total_bytes}} {{bytes_per_sec}} {{eta}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}
