//! What `fathom layers` and `fathom ls` share: the image a platform pulls, each of its layers
//! streamed from the registry into the core's layer reader (digest, diff_id, tar), and the
//! merged filesystem the core builds from them.

use std::time::Duration;

use fathom_core::digest::Digest;
use fathom_core::filesystem::{FileSystem, Merger};
use fathom_core::inspect::Options;
use fathom_core::layer::{Layer, LayerReader};
use fathom_core::registry::blob_access::BlobAccess;
use fathom_core::report::{LayerInfo, Report};
use indicatif::{ProgressBar, ProgressStyle};

use super::registry::{inspect, platform_arg, run, Context};
use super::CommandError;
use crate::cli::{ImageArgs, RegistryArgs};
use crate::transport::Transport;

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
}

impl ImageFiles {
    /// Whether any layer failed a check (digest, size, diff_id, a corrupt or truncated stream).
    pub fn failed(&self) -> bool {
        self.layers.iter().any(|(_, layer)| layer.failed_check().is_some())
    }
}

/// Reads the image the reference gives the platform (`local`, or os/arch[/variant]).
pub fn read(image: &ImageArgs, args: &RegistryArgs) -> Result<ImageFiles, CommandError> {
    let reference = image.reference.as_str();
    let platform = platform_arg(&image.platform)?
        .ok_or_else(|| CommandError::Invalid("name one platform (`local` or os/arch[/variant]), not `all`".into()))?;
    let context = Context::new(reference, args)?;
    let (parsed, remote) = (context.reference.clone(), context.remote(args));
    let report = inspect(reference, context, args, Options::for_match(platform))?;
    if let Some(finding) = report.failed_check() {
        return Err(CommandError::Registry(format!(
            "{}: {} {}",
            report.reference.canonical, finding.code, finding.message
        )));
    }
    let (row, image) = report.pulled_image().ok_or_else(|| {
        let why = report
            .platform_match
            .as_ref()
            .map_or_else(|| "no image".to_owned(), |m| m.explanation.summary.clone());
        CommandError::Registry(format!("{}: {why}", report.reference.canonical))
    })?;
    let infos = image.layers.clone();
    let digests = infos
        .iter()
        .map(|l| l.digest.parse::<Digest>().map_err(CommandError::invalid))
        .collect::<Result<Vec<_>, _>>()?;
    let requests =
        run(BlobAccess::new(&parsed, &remote, &digests), args)?.map_err(|f| CommandError::Registry(f.message))?;
    let transport = Transport::new(Duration::from_secs(args.timeout.max(1))).map_err(CommandError::Invalid)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CommandError::Invalid(format!("cannot start the async runtime: {e}")))?;
    let mut merger = Merger::new();
    let mut layers = Vec::new();
    for (i, (info, request)) in infos.into_iter().zip(requests).enumerate() {
        let size = info.size.and_then(|s| u64::try_from(s).ok());
        let diff_id = info.diff_id.as_deref().and_then(|d| d.parse().ok());
        let mut reader = LayerReader::new(
            digests[i].clone(),
            size,
            info.media_type.as_deref().unwrap_or(""),
            diff_id,
        );
        let progress = progress_bar(i, size);
        runtime
            .block_on(transport.stream(request, |chunk| {
                progress.inc(chunk.len() as u64);
                reader.feed(chunk);
            }))
            .map_err(|e| {
                CommandError::Registry(format!("layer {i} ({}): {}", info.digest, e.describe(&info.digest)))
            })?;
        progress.finish_and_clear();
        let layer = reader.finish();
        merger.apply(&layer.entries);
        layers.push((info, layer));
    }
    Ok(ImageFiles {
        report,
        row,
        layers,
        filesystem: merger.finish(),
    })
}

/// A progress bar on stderr for layer `index` (drawn only on a terminal).
fn progress_bar(index: usize, size: Option<u64>) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(size, indicatif::ProgressDrawTarget::stderr());
    let template = format!("layer {index} {{bar:30}} {{bytes}}/{{total_bytes}} {{bytes_per_sec}} {{eta}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}
