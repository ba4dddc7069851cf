//! Answering [`Ask::Attest`](fathom_browser::files::Ask::Attest): the statement layers of the
//! attestation manifests that describe an image, fetched whole (through the registry's token
//! service, or from the archive the page gave) and read by the core — each checked against its
//! digest and its subject against the image — then put in rows: the provenance, the base images
//! (each a link to its own view), the SBOM's packages; and the SBOM documents attached to the top
//! manifest as referrers (their manifests walked by the page, which carries the walk anyway), and
//! cosign's `.att` attestations of the image (found by the signature lookup).

use fathom_browser::fetch;
use fathom_browser::files::{AttestedView, Row};
use fathom_core::archive::ReadAt;
use fathom_core::attestation::provenance::Provenance;
use fathom_core::attestation::{self, Attested, MAX_LAYER_BYTES};
use fathom_core::digest::Digest;
use fathom_core::registry::session::Failure;
use fathom_core::registry::{drive, Remote};
use fathom_core::report::{short_digest, LayerInfo};
use fathom_core::signature::{Found, SignatureLookup};
use fathom_core::Reference;

use crate::{archive, reading};

/// Reads `layers` (statement layers) about the image `image` of `reference`'s repository, or
/// from the archive the page gave; and the SBOM `documents` of the top manifest's referrers
/// (from the registry).
pub async fn attest(
    reference: &str,
    image: &str,
    layers: &[LayerInfo],
    documents: &[(String, LayerInfo)],
    from_archive: bool,
) -> Result<AttestedView, String> {
    let image: Digest = image.parse().map_err(|e| format!("image {image}: {e}"))?;
    let bodies = if from_archive {
        from_the_archive(layers)?
    } else {
        from_the_registry(reference, layers).await?
    };
    let mut read: Vec<Attested> = layers
        .iter()
        .zip(&bodies)
        .map(|(layer, bytes)| Attested::read(layer, bytes, &image))
        .collect();
    if !from_archive {
        read.extend(attestation::of_cosign(&cosign_lookup(reference, &image).await?, &image));
    }
    let document_layers: Vec<LayerInfo> = documents.iter().map(|(_, layer)| layer.clone()).collect();
    if !document_layers.is_empty() {
        let bodies = from_the_registry(reference, &document_layers).await?;
        read.extend(
            documents
                .iter()
                .zip(&bodies)
                .map(|((referrer, layer), bytes)| Attested::read_document(layer, bytes, referrer)),
        );
    }
    Ok(view(&read))
}

/// What a signature lookup of `image` finds: among it, cosign's `.att` attestations.
async fn cosign_lookup(reference: &str, image: &Digest) -> Result<Found, String> {
    let reference = Reference::parse(reference).map_err(|e| format!("invalid reference {reference:?}: {e}"))?;
    let remote = Remote::of(&reference).at((js_sys::Date::now() / 1000.0) as u64);
    drive::run(
        SignatureLookup::new(&reference, &remote, std::slice::from_ref(image)),
        fetch::send,
    )
    .await
    .map_err(|f| f.message)
}

async fn from_the_registry(reference: &str, layers: &[LayerInfo]) -> Result<Vec<Vec<u8>>, String> {
    let reference = Reference::parse(reference).map_err(|e| format!("invalid reference {reference:?}: {e}"))?;
    let requests = reading::access(&reference, layers).await?;
    let mut bodies = Vec::new();
    for (layer, mut request) in layers.iter().zip(requests) {
        request.max_body = MAX_LAYER_BYTES;
        let what = format!("attestation layer {}", layer.digest);
        let response = fetch::send(request)
            .await
            .map_err(|e| format!("{what}: {}", e.describe(&layer.digest)))?;
        if !response.is_success() {
            return Err(Failure::from_response(&response, &what).message);
        }
        bodies.push(response.body);
    }
    Ok(bodies)
}

fn from_the_archive(layers: &[LayerInfo]) -> Result<Vec<Vec<u8>>, String> {
    let archive = archive::current().ok_or("no archive is open in the file worker")?;
    layers
        .iter()
        .map(|layer| {
            let digest: Digest = layer
                .digest
                .parse()
                .map_err(|e| format!("layer {}: {e}", layer.digest))?;
            let member = archive
                .member(&digest)
                .ok_or_else(|| format!("attestation layer {digest} is not in the archive"))?;
            if member.size > MAX_LAYER_BYTES {
                return Err(format!("attestation layer {digest} is over {MAX_LAYER_BYTES} bytes"));
            }
            archive.bytes().read_at(member.offset, member.size)
        })
        .collect()
}

/// A row of two cells; a link when `opens`.
fn pair(label: &str, value: String, opens: Option<String>) -> Row {
    Row {
        cells: vec![label.to_owned(), value],
        class: String::new(),
        opens,
    }
}

/// What the statements say, in rows. A statement that failed a check links nowhere: its words
/// are shown under the warning, its links are not offered.
fn view(read: &[Attested]) -> AttestedView {
    let mut view = AttestedView::default();
    for attested in read {
        for f in &attested.findings {
            view.problems
                .push(format!("{} ({}): {}", f.code, short_digest(&attested.layer), f.message));
        }
        let trusted = attested.findings.is_empty();
        if let Some(p) = &attested.provenance {
            for line in p.lines() {
                let link = line.link.filter(|_| trusted);
                view.provenance.push(pair(line.label, line.value, link));
            }
            view.provenance
                .push(pair("Signature", attested.signature().to_owned(), None));
            materials(p, trusted, &mut view);
        }
        if let Some(sbom) = &attested.sbom {
            let from = match &attested.referrer {
                Some(referrer) => format!("referrer {}: {}", short_digest(referrer), sbom.summary()),
                None => sbom.summary(),
            };
            view.sbom = Some(match view.sbom.take() {
                Some(earlier) => format!("{earlier}; {from}"),
                None => from,
            });
            view.packages.extend(sbom.packages.iter().map(|p| Row {
                cells: vec![
                    p.name.clone(),
                    p.version.clone().unwrap_or_default(),
                    p.ecosystem.clone(),
                    p.licence.clone().unwrap_or_default(),
                    p.supplier.clone().unwrap_or_default(),
                ],
                class: String::new(),
                opens: p.purl.clone(),
            }));
        }
    }
    view
}

/// A provenance's materials: each base image (a link to its view, when the statement is
/// trusted) and its platform, or another source and its digest.
fn materials(p: &Provenance, trusted: bool, view: &mut AttestedView) {
    for m in &p.materials {
        let (shown, opens) = match &m.image {
            Some(image) => (image.clone(), Some(image.clone()).filter(|_| trusted)),
            None => (m.uri.clone(), None),
        };
        let detail = m
            .platform
            .clone()
            .or_else(|| m.image.is_none().then(|| m.digest.clone()).flatten())
            .unwrap_or_default();
        view.materials.push(Row {
            cells: vec![shown, detail],
            class: if m.image.is_some() { "image" } else { "" }.to_owned(),
            opens,
        });
    }
}
