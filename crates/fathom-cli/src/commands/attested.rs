//! What `fathom provenance` and `fathom sbom` share: the image a platform pulls, the statement
//! layers of the attestation manifests that describe it (the core's `attestation::layers_of`) and
//! the SBOM documents attached to the top manifest as referrers (`attestation::sbom_referrers`),
//! each fetched whole through the registry's token service and read by the core — checked
//! against its digest, a statement's subject against the image.

use std::time::Duration;

use fathom_core::attestation::{self, Attested, ImageAttestations as Attestations, MAX_LAYER_BYTES};
use fathom_core::digest::Digest;
use fathom_core::inspect::Options;
use fathom_core::registry::blob_access::BlobAccess;
use fathom_core::registry::session::Failure;
use fathom_core::registry::Remote;
use fathom_core::report::{LayerInfo, Report};
use fathom_core::signature::{Found, SignatureLookup};
use fathom_core::Reference;
use serde::Serialize;

use std::io::{self, Write};

use owo_colors::OwoColorize;

use super::registry::{inspect, platform_arg, pulled_row, run as run_walk, runtime, Context};
use super::{CommandError, Outcome};
use crate::cli::{ImageArgs, OutputFormat, RegistryArgs};
use crate::printer::{Printer, Render};
use crate::transport::Transport;

/// Reads the attestations of the image the reference gives the platform: the statement layers
/// of its attestation manifests, and the SBOM documents of the referrers of the top manifest.
pub fn read(image: &ImageArgs, args: &RegistryArgs) -> Result<Attestations, CommandError> {
    let platform = platform_arg(&image.platform)?
        .ok_or_else(|| CommandError::Invalid("name one platform (`local` or os/arch[/variant]), not `all`".into()))?;
    let context = Context::new(&image.reference, args)?;
    let (reference, remote) = (context.reference.clone(), context.remote(args));
    // Every entry: the attestation manifests are entries of the index beside the images.
    let options = Options {
        platform: Some(platform),
        ..Options::default()
    };
    let report = inspect(&image.reference, context, args, options)?;
    let row = pulled_row(&report)?;
    let digest: Digest = report.platforms[row]
        .descriptor
        .digest
        .parse()
        .map_err(CommandError::invalid)?;
    let found = run_walk(
        SignatureLookup::new(&reference, &remote, std::slice::from_ref(&digest)),
        args,
    )?
    .map_err(|f| CommandError::Registry(f.message))?;
    of_report(&report, row, &reference, &remote, args, &found)
}

/// The attestations of the image at `row` of `report` (walked with every entry and its
/// referrers): its attestation manifests' statements, the SBOM referrers of the top manifest, and
/// cosign's `.att` attestations among what a signature lookup of the image `found`.
pub fn of_report(
    report: &Report,
    row: usize,
    reference: &Reference,
    remote: &Remote,
    args: &RegistryArgs,
    found: &Found,
) -> Result<Attestations, CommandError> {
    let entry = &report.platforms[row];
    let digest: Digest = entry.descriptor.digest.parse().map_err(CommandError::invalid)?;
    let fetch = Fetch {
        reference,
        remote,
        args,
    };
    let layers = attestation::layers_of(report, row);
    let mut attestations: Vec<Attested> = fetch
        .whole(&layers)?
        .iter()
        .map(|(layer, bytes)| Attested::read(layer, bytes, &digest))
        .collect();
    for referrer in attestation::sbom_referrers(report) {
        let input = format!("{}@{referrer}", reference.name());
        let manifest = inspect(&input, Context::new(&input, args)?, args, attestation::referrer_walk())?;
        let documents = attestation::sbom_documents(&manifest);
        let read = fetch.whole(&documents)?;
        attestations.extend(
            read.iter()
                .map(|(layer, bytes)| Attested::read_document(layer, bytes, &referrer)),
        );
    }
    attestations.extend(attestation::of_cosign(found, &digest));
    Ok(Attestations {
        reference: report.reference.canonical.clone(),
        platform: entry.platform.as_ref().map_or_else(String::new, ToString::to_string),
        image: entry.descriptor.digest.clone(),
        attestations,
    })
}

/// Fetching blobs of the reference's repository whole, through its token service.
struct Fetch<'a> {
    reference: &'a Reference,
    remote: &'a Remote,
    args: &'a RegistryArgs,
}

impl Fetch<'_> {
    /// Each of `layers`' bodies (at most [`MAX_LAYER_BYTES`] each), unchecked: the core checks
    /// them.
    fn whole<'l>(&self, layers: &'l [LayerInfo]) -> Result<Vec<(&'l LayerInfo, Vec<u8>)>, CommandError> {
        let digests = layers
            .iter()
            .map(|l| l.digest.parse::<Digest>().map_err(CommandError::invalid))
            .collect::<Result<Vec<_>, _>>()?;
        let requests = run_walk(BlobAccess::new(self.reference, self.remote, &digests), self.args)?
            .map_err(|f| CommandError::Registry(f.message))?;
        let transport = Transport::new(Duration::from_secs(self.args.timeout.max(1))).map_err(CommandError::Invalid)?;
        let runtime = runtime()?;
        let mut bodies = Vec::new();
        for (layer, mut request) in layers.iter().zip(requests) {
            request.max_body = MAX_LAYER_BYTES;
            let what = format!("attestation layer {}", layer.digest);
            let response = runtime
                .block_on(transport.send(request))
                .map_err(|e| CommandError::Registry(format!("{what}: {}", e.describe(&layer.digest))))?;
            if !response.is_success() {
                return Err(CommandError::Registry(Failure::from_response(&response, &what).message));
            }
            bodies.push((layer, response.body));
        }
        Ok(bodies)
    }
}

/// A command's view of the attestations: what it shows of a statement, and what it is called.
pub trait Holding {
    /// What the command shows (`provenance`, `SBOM`).
    const WHAT: &'static str;
    /// How an image gets one.
    const HINT: &'static str;
    /// Whether `attested` holds what the command shows.
    fn holds(attested: &Attested) -> bool;
    /// Shows what `attested` holds.
    fn show(attested: &Attested, out: &mut dyn Write) -> io::Result<()>;
}

/// The attestations a command keeps (those that hold what it shows, and those that failed a
/// check), printable by [`Holding`].
#[derive(Serialize)]
#[serde(transparent)]
pub struct Kept<H: Holding> {
    attestations: Attestations,
    #[serde(skip)]
    holding: std::marker::PhantomData<H>,
}

impl<H: Holding> Render for Kept<H> {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let a = &self.attestations;
        writeln!(out, "{} ({}) {}", a.reference.bold(), a.platform, a.image)?;
        for attested in &a.attestations {
            for f in &attested.findings {
                let line = format!("✘ {} {}: {}", f.code, attested.layer, f.message);
                writeln!(out, "{}", line.red().bold())?;
            }
            if H::holds(attested) {
                H::show(attested, out)?;
            }
        }
        if !a.attestations.iter().any(H::holds) {
            let none = format!("no {} attestation for this image ({})", H::WHAT, H::HINT);
            writeln!(out, "{}", none.yellow())?;
        }
        Ok(())
    }
}

/// Runs a command that shows what `H` holds: the attestations read, `prepare`d, printed; exit 1
/// when a statement fails a check, or none holds it.
pub fn run<H: Holding>(
    image: &ImageArgs,
    args: &RegistryArgs,
    format: OutputFormat,
    prepare: impl FnOnce(&mut Attestations),
) -> Result<Outcome, CommandError> {
    let mut attestations = read(image, args)?;
    attestations
        .attestations
        .retain(|a| H::holds(a) || !a.findings.is_empty());
    prepare(&mut attestations);
    let found = attestations.attestations.iter().any(H::holds);
    let failed = attestations.failed();
    Printer::new(format).emit(&Kept::<H> {
        attestations,
        holding: std::marker::PhantomData,
    })?;
    Ok(if failed || !found {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}
