//! The Report: one schema (`schemaVersion: 3`, `schema/report.schema.json`) that the CLI prints,
//! the edge API serves and the web app renders and downloads. Version 2 added what reading an
//! image's layers found (`platforms[].image.files`); version 3 what the image's attestations say
//! and whether its signatures verify (`supplyChain`, when asked). An older Report is a valid
//! version-3 one with another number.

use std::collections::BTreeMap;

pub mod rendered;

use crate::attestation::ImageAttestations;
use crate::config::{History, ImageConfig};
use crate::descriptor::Descriptor;
use crate::finding::{Finding, Severity};
use crate::platform::{Explanation, Platform};
use crate::reference::Reference;
use crate::registry::RateLimit;
use crate::signature::Verification;

/// The Report's schema version.
pub const SCHEMA_VERSION: u32 = 3;

/// Everything Fathom learned about one reference.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The reference, parsed.
    pub reference: ReferenceInfo,
    /// Digest of the top-level manifest as served.
    pub digest: Option<String>,
    /// Its media type.
    pub media_type: Option<String>,
    /// Its size in bytes.
    pub size: Option<u64>,
    /// `tag` (which digest a tag points to rests on the registry's word) or `digest` (proven).
    pub resolved_by: ResolvedBy,
    /// For a tag answered by a face that keeps tag resolutions (the edge): when the registry
    /// said which digest it names, and whether that answer is served past its time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_resolution: Option<TagResolution>,
    /// One row per index entry (one for a single manifest), nested indexes flattened.
    pub platforms: Vec<PlatformEntry>,
    /// The answer for the platform asked for, when one was.
    #[serde(rename = "match", skip_serializing_if = "Option::is_none")]
    pub platform_match: Option<MatchInfo>,
    /// Artifacts that refer to the top-level manifest.
    pub referrers: Vec<Referrer>,
    /// Quota headers of the last registry response that sent them.
    pub rate_limit: Option<RateLimit>,
    /// HTTP requests made.
    pub requests: u32,
    /// Everything noticed, errors first.
    pub findings: Vec<Finding>,
    /// What the image's attestations say and whether its signatures verify, when a face was
    /// asked for them. Looked up anew each time (anyone may attach a signature at any moment),
    /// so never read back from a kept Report.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub supply_chain: Option<SupplyChain>,
}

/// What `fathom provenance`, `fathom sbom` and `fathom verify` find, in the Report: the
/// attestations of the image a pull gets, and the signatures of the reference and of that image,
/// checked.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SupplyChain {
    /// The attestations of the image a pull gets — `None` when no image is (an index, and no
    /// platform asked for or none matching).
    pub attestations: Option<ImageAttestations>,
    /// The signatures, checked with the key or keyless identity given (only read without one).
    pub signatures: Verification,
}

impl SupplyChain {
    /// Whether a check failed: an attestation's (its digest, its statement, its subject) or a
    /// signature's.
    pub fn failed(&self) -> bool {
        self.attestations.as_ref().is_some_and(ImageAttestations::failed) || self.signatures.failed()
    }
}

impl Report {
    /// A Report of `reference` (typed as `input`) before anything was learned of it: resolved
    /// by digest when the reference names one, else by tag.
    pub fn new(input: &str, reference: &Reference) -> Report {
        Report {
            schema_version: SCHEMA_VERSION,
            reference: ReferenceInfo::new(input, reference),
            digest: None,
            media_type: None,
            size: None,
            resolved_by: if reference.digest().is_some() {
                ResolvedBy::Digest
            } else {
                ResolvedBy::Tag
            },
            tag_resolution: None,
            platforms: Vec::new(),
            platform_match: None,
            referrers: Vec::new(),
            rate_limit: None,
            requests: 0,
            findings: Vec::new(),
            supply_chain: None,
        }
    }

    /// The check this Report fails, if any: its first error finding (findings are sorted errors
    /// first) — bytes that do not match their descriptor (`digest-mismatch`, `size-mismatch`),
    /// an unreadable document, a broken signature. Every face treats it alike: the CLI exits 1,
    /// the edge answers with an error and keeps nothing, the page shows it in red.
    pub fn failed_check(&self) -> Option<&Finding> {
        self.findings.iter().find(|f| f.severity == Severity::Error)
    }

    /// The image a pull of the reference gets: the single manifest's own row, or the row the
    /// platform asked for matched in an index; `None` when no image fits.
    pub fn pulled_image(&self) -> Option<(usize, &ImageInfo)> {
        let row = match self.platforms.as_slice() {
            // A single manifest's row describes the top-level manifest itself.
            [only] if self.digest.as_deref() == Some(only.descriptor.digest.as_str()) => 0,
            _ => self.platform_match.as_ref()?.chosen?,
        };
        Some((row, self.platforms.get(row)?.image.as_ref()?))
    }

    /// The error finding about platform row `row` — why its bytes were not shown — if any.
    pub fn row_error(&self, row: usize) -> Option<&Finding> {
        let at = format!("/platforms/{row}");
        self.findings
            .iter()
            .find(|f| f.severity == Severity::Error && f.path == at)
    }
}

/// The `reference` object.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ReferenceInfo {
    /// As typed.
    pub input: String,
    /// `docker.io/library/busybox:latest`.
    pub canonical: String,
    /// `busybox:latest`.
    pub familiar: String,
    /// `docker.io`.
    pub registry: String,
    /// `library/busybox`.
    pub repository: String,
    /// The tag given.
    pub tag: Option<String>,
    /// The digest given.
    pub digest: Option<String>,
}

impl ReferenceInfo {
    /// The object for `reference` typed as `input`.
    pub fn new(input: &str, reference: &Reference) -> ReferenceInfo {
        ReferenceInfo {
            input: input.to_owned(),
            canonical: reference.canonical(),
            familiar: reference.familiar(),
            registry: reference.registry().to_owned(),
            repository: reference.repository().to_owned(),
            tag: reference.tag().map(str::to_owned),
            digest: reference.digest().map(ToString::to_string),
        }
    }
}

/// How the top-level digest is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResolvedBy {
    /// The registry said which manifest the tag points to.
    Tag,
    /// The bytes hash to the digest asked for.
    Digest,
}

/// How old the word of the registry on a tag is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagResolution {
    /// When the registry said which digest the tag names (Unix seconds).
    pub resolved_at: u64,
    /// How old that was when this Report was served, in seconds.
    pub age_seconds: u64,
    /// Set when the registry could not be asked again (rate limited, failing): this is the last
    /// good answer, older than the face's time to live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale: Option<Stale>,
}

/// Why a tag's last good resolution was served instead of a new one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stale {
    /// `rate-limited` or `unavailable` (a 5xx, a timeout, an unreachable host).
    pub reason: StaleReason,
    /// What the registry answered, as the failure would have said it.
    pub message: String,
    /// Seconds until the registry will be asked again (its `Retry-After`), when it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// See [`Stale::reason`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StaleReason {
    /// The registry answered 429.
    RateLimited,
    /// The registry failed or could not be reached.
    Unavailable,
}

/// What an index entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A runnable image.
    Image,
    /// A BuildKit attestation manifest (`unknown/unknown`).
    Attestation,
    /// A nested index.
    Index,
    /// An artifact (`artifactType`, or a non-image config).
    Artifact,
    /// Not fetched, or not understood.
    Unknown,
}

/// One row of the platform table.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlatformEntry {
    /// The entry's platform (the config's for a single manifest).
    pub platform: Option<Platform>,
    /// The descriptor as the index lists it.
    pub descriptor: Descriptor,
    /// What it is.
    pub kind: EntryKind,
    /// `true`: fetched and its bytes match the descriptor; `false`: they do not; `null`: not fetched.
    pub verified: Option<bool>,
    /// The nested index this entry came through, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// The image, when its manifest was fetched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageInfo>,
    /// Digests of attestation manifests that describe this entry.
    pub attestations: Vec<String>,
}

/// What is inside one platform's image.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageInfo {
    /// The config descriptor's digest.
    pub config_digest: Option<String>,
    /// Whether the config bytes were fetched and matched.
    pub config_verified: Option<bool>,
    /// The platform the image's config declares (what the image really is, whatever an index
    /// lists it as).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// The artifact type, for artifacts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// Layers as the manifest lists them.
    pub layers: Vec<LayerInfo>,
    /// Sum of the layer sizes (what a pull downloads, compressed).
    pub total_size: u64,
    /// From the config: creation time.
    pub created: Option<String>,
    /// From the config.
    pub entrypoint: Option<Vec<String>>,
    /// From the config.
    pub cmd: Option<Vec<String>>,
    /// From the config.
    pub env: Option<Vec<String>>,
    /// From the config.
    pub labels: Option<BTreeMap<String, String>>,
    /// From the config.
    pub working_dir: Option<String>,
    /// From the config.
    pub user: Option<String>,
    /// From the config.
    pub exposed_ports: Option<Vec<String>>,
    /// From the config.
    pub history: Option<Vec<History>>,
    /// What streaming the layers found — each verified against its digest and diff_id, what it
    /// changes, the wasted space — when a face read them (`fathom layers`; schema version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<crate::filesystem::FilesSummary>,
}

impl ImageInfo {
    /// Adds what a config says.
    pub fn apply_config(&mut self, config: &ImageConfig) {
        let declared = config.platform();
        if !declared.os.is_empty() || !declared.architecture.is_empty() {
            self.platform = Some(declared);
        }
        self.created = config.created.clone();
        self.history = config.history.clone();
        let diff_ids = config.rootfs.as_ref().map_or(&[][..], |r| &r.diff_ids[..]);
        if diff_ids.len() == self.layers.len() {
            for (layer, diff_id) in self.layers.iter_mut().zip(diff_ids) {
                layer.diff_id = Some(diff_id.clone());
            }
        }
        if let Some(run) = &config.config {
            self.entrypoint = run.entrypoint.clone();
            self.cmd = run.cmd.clone();
            self.env = run.env.clone();
            self.labels = run.labels.clone();
            self.working_dir = run.working_dir.clone().filter(|w| !w.is_empty());
            self.user = run.user.clone().filter(|u| !u.is_empty());
            self.exposed_ports = run.exposed_ports.as_ref().map(|p| p.keys().cloned().collect());
        }
    }
}

/// One layer.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerInfo {
    /// Its media type.
    pub media_type: Option<String>,
    /// Its digest.
    pub digest: String,
    /// Its size.
    pub size: Option<i64>,
    /// The digest of its uncompressed bytes, from the config's `rootfs.diff_ids` (absent without
    /// a config, or when the config lists a different number of diff_ids — a lint finding).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff_id: Option<String>,
}

/// The answer to "which entry would this platform pull?".
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchInfo {
    /// The platform asked for, normalised (`linux/arm64/v8` → `linux/arm64`).
    pub platform: String,
    /// The index of the chosen row in `platforms`, or null.
    pub chosen: Option<usize>,
    /// The chosen row's manifest digest.
    pub digest: Option<String>,
    /// The full explanation: verdicts for every candidate, remedies when none fits.
    pub explanation: Explanation,
}

/// Which manifest a platform would pull, with the reference it is about: what `fathom match`
/// and the edge's `/api/v1/match` answer.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchResult {
    /// The canonical reference.
    pub reference: String,
    /// The digest the reference resolved to (an index, or the single manifest).
    pub resolved: Option<String>,
    /// The match itself.
    #[serde(flatten)]
    pub info: MatchInfo,
}

impl MatchResult {
    /// The match result of a Report walked with a platform; `None` when none was asked for.
    pub fn from_report(report: &Report) -> Option<MatchResult> {
        Some(MatchResult {
            reference: report.reference.canonical.clone(),
            resolved: report.digest.clone(),
            info: report.platform_match.clone()?,
        })
    }
}

/// An artifact that refers to the top-level manifest.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Referrer {
    /// The descriptor the referrers list gives.
    pub descriptor: Descriptor,
    /// `api` (OCI referrers API) or `tag-fallback` (the `sha256-<hex>` tag schema).
    pub source: ReferrerSource,
}

/// How a referrer was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReferrerSource {
    /// The OCI referrers API.
    Api,
    /// The `sha256-<hex>` tag schema.
    TagFallback,
}

impl std::fmt::Display for ReferrerSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ReferrerSource::Api => "api",
            ReferrerSource::TagFallback => "tag-fallback",
        })
    }
}

/// `sha256:0123456789ab…`: a digest as the faces' tables show it.
pub fn short_digest(digest: &str) -> String {
    match digest.split_once(':') {
        Some((algorithm, hex)) if hex.chars().count() > 12 => {
            format!("{algorithm}:{}…", hex.chars().take(12).collect::<String>())
        }
        _ => digest.to_owned(),
    }
}

/// A size as the faces show it (`2.1 MB`, decimal units as registries and `docker images` use).
///
/// Integer arithmetic, rounded half up to one decimal: float formatting would add ~5 KB to the
/// browser's wasm for a single `{:.1}`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let (mut unit, mut scale) = (0, 1u128);
    while u128::from(bytes) >= scale * 1000 && unit < UNITS.len() - 1 {
        scale *= 1000;
        unit += 1;
    }
    if unit == 0 {
        return format!("{bytes} B");
    }
    let tenths = (u128::from(bytes) * 10 + scale / 2) / scale;
    format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::human_size;

    #[test]
    fn human_size_uses_decimal_units_rounded_to_one_place() {
        let cases = [
            (0, "0 B"),
            (999, "999 B"),
            (1000, "1.0 kB"),
            (1049, "1.0 kB"),
            (1050, "1.1 kB"),
            (3_623_807, "3.6 MB"),
            (999_949, "999.9 kB"),
            (999_950, "1000.0 kB"),
            (29_540_000_000, "29.5 GB"),
            (u64::MAX, "18446744.1 TB"),
        ];
        for (bytes, shown) in cases {
            assert_eq!(human_size(bytes), shown, "{bytes} bytes");
        }
    }
}
