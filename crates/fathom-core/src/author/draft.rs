//! A multi-platform index in the making: its entries (each a child manifest already in a
//! registry, listed under a platform), the checks made before anything is pushed, and the exact
//! bytes that will be pushed.

use std::collections::BTreeMap;

use crate::digest::Digest;
use crate::finding::{Code, Finding};
use crate::media_type as mt;
use crate::platform::Platform;
use crate::reference::Reference;
use crate::report::{EntryKind, Report};

/// Which kind of list to write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IndexFormat {
    /// An OCI image index (`application/vnd.oci.image.index.v1+json`).
    #[default]
    Oci,
    /// A Docker manifest list (`application/vnd.docker.distribution.manifest.list.v2+json`).
    Docker,
}

impl IndexFormat {
    /// The media type the index is written and pushed with.
    pub fn media_type(self) -> &'static str {
        match self {
            IndexFormat::Oci => mt::OCI_INDEX,
            IndexFormat::Docker => mt::DOCKER_MANIFEST_LIST,
        }
    }
}

/// One entry of a draft: a child manifest and the platform the index lists it under.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DraftEntry {
    /// The reference the entry came from, as given (for messages and `annotate`).
    pub source: String,
    /// The repository that holds the child (blobs are mounted from it).
    pub repository: String,
    /// The child's media type.
    pub media_type: String,
    /// The child's digest.
    pub digest: String,
    /// The child's size in bytes.
    pub size: u64,
    /// The platform the index lists the child under.
    pub platform: Platform,
    /// The platform the child's config declares, when it has a config.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared: Option<Platform>,
}

/// A draft index: where it goes, its format, its entries and annotations.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexDraft {
    /// Where it will be pushed (`registry/repository:tag`).
    pub target: String,
    /// OCI index or Docker manifest list.
    pub format: IndexFormat,
    /// The entries, in the order the index lists them (a pull takes the first match).
    pub entries: Vec<DraftEntry>,
    /// Annotations of the index (OCI only).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// Why a source or a change cannot go into a draft.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DraftError {
    /// The target names a digest, or no repository a tag could be written to.
    #[error("the target {0} must name a tag (`registry/repository:tag`), not a digest")]
    TargetNotATag(String),
    /// A source lives on another registry than the target.
    #[error(
        "{given} is on {registry}, the target on {target}: sources must be on the target's registry \
         (copy them there first, e.g. with `skopeo copy --all`)"
    )]
    OtherRegistry {
        /// The source as given.
        given: String,
        /// Its registry.
        registry: String,
        /// The target's registry.
        target: String,
    },
    /// A source yields no image to list (an artifact, or every platform filtered out).
    #[error("{0}")]
    NothingToList(String),
    /// A child could not be verified, so its digest cannot be listed on its word.
    #[error("{given}: {digest} did not verify against its bytes; it is not listed")]
    Unverified {
        /// The source as given.
        given: String,
        /// The child's digest.
        digest: String,
    },
    /// `annotate` named no entry of the draft.
    #[error("no entry of {target} came from {wanted} (entries: {known})")]
    NoSuchEntry {
        /// The draft's target.
        target: String,
        /// What `annotate` asked for.
        wanted: String,
        /// The entries' sources.
        known: String,
    },
}

impl IndexDraft {
    /// An empty draft for `target`, which must name a tag.
    pub fn new(target: &Reference, format: IndexFormat) -> Result<IndexDraft, DraftError> {
        if target.digest().is_some() {
            return Err(DraftError::TargetNotATag(target.familiar()));
        }
        Ok(IndexDraft {
            target: target.canonical(),
            format,
            entries: Vec::new(),
            annotations: BTreeMap::new(),
        })
    }

    /// The target as a reference.
    pub fn target_reference(&self) -> Reference {
        Reference::parse(&self.target).expect("a draft's target was parsed when it was made")
    }

    /// Adds the images a source's Report lists — every image of an index, or the one image —
    /// keeping only `only` platforms when given. The platform comes from the child's config
    /// (what the image really is), else from the source index. Attestations are left out (they
    /// describe a child by digest, and travel with it as referrers).
    pub fn add_source(&mut self, source: &str, report: &Report, only: &[Platform]) -> Result<usize, DraftError> {
        let target = self.target_reference();
        if report.reference.registry != target.registry() {
            return Err(DraftError::OtherRegistry {
                given: source.to_owned(),
                registry: report.reference.registry.clone(),
                target: target.registry().to_owned(),
            });
        }
        let mut added = 0;
        let mut skipped = Vec::new();
        for row in report.platforms.iter().filter(|r| r.kind == EntryKind::Image) {
            let declared = row.image.as_ref().and_then(|i| i.platform.clone());
            let Some(platform) = declared.clone().or_else(|| row.platform.clone()) else {
                skipped.push(format!("{} names no platform", row.descriptor.digest));
                continue;
            };
            let wanted = only.is_empty()
                || only
                    .iter()
                    .any(|p| p.normalize().to_string() == platform.normalize().to_string());
            if !wanted {
                skipped.push(platform.to_string());
                continue;
            }
            if row.verified != Some(true) {
                return Err(DraftError::Unverified {
                    given: source.to_owned(),
                    digest: row.descriptor.digest.clone(),
                });
            }
            self.entries.push(DraftEntry {
                source: source.to_owned(),
                repository: report.reference.repository.clone(),
                media_type: row
                    .descriptor
                    .media_type
                    .as_ref()
                    .map_or_else(|| mt::OCI_MANIFEST.to_owned(), |m| m.as_str().to_owned()),
                digest: row.descriptor.digest.clone(),
                size: row.descriptor.size.and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
                platform,
                declared,
            });
            added += 1;
        }
        if added == 0 {
            let why = if skipped.is_empty() {
                "it holds no image (only artifacts, attestations or nested indexes)".to_owned()
            } else {
                format!("none of its images was chosen (it has {})", skipped.join(", "))
            };
            return Err(DraftError::NothingToList(format!("{source}: {why}")));
        }
        Ok(added)
    }

    /// The entry that came from `source` (as given) or has digest `source`.
    pub fn entry_mut(&mut self, source: &str) -> Result<&mut DraftEntry, DraftError> {
        let index = self
            .entries
            .iter()
            .position(|e| e.source == source || e.digest == source);
        match index {
            Some(i) => Ok(&mut self.entries[i]),
            None => Err(DraftError::NoSuchEntry {
                target: self.target.clone(),
                wanted: source.to_owned(),
                known: self
                    .entries
                    .iter()
                    .map(|e| e.source.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// What is wrong with the draft. Errors stop a push; nothing is sent while any remains.
    pub fn check(&self) -> Vec<Finding> {
        let mut findings = Vec::new();
        if self.entries.is_empty() {
            findings.push(Finding::error(
                Code::IndexEmpty,
                "/manifests",
                "the index lists no manifest",
            ));
        }
        if self.format == IndexFormat::Docker && !self.annotations.is_empty() {
            findings.push(Finding::error(
                Code::AnnotationsInDockerList,
                "/annotations",
                "a Docker manifest list has no annotations; use --format oci to keep them",
            ));
        }
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (i, entry) in self.entries.iter().enumerate() {
            let at = format!("/manifests/{i}");
            if let Err(e) = entry.digest.parse::<Digest>() {
                findings.push(Finding::error(
                    Code::DigestInvalid,
                    format!("{at}/digest"),
                    e.to_string(),
                ));
            }
            let listed = &entry.platform;
            if listed.os.is_empty() || listed.architecture.is_empty() {
                findings.push(Finding::error(
                    Code::PlatformIncomplete,
                    format!("{at}/platform"),
                    format!("{}: an entry needs an os and an architecture", entry.source),
                ));
                continue;
            }
            let key = listed.normalize().format_all();
            if let Some(first) = seen.insert(key.clone(), i) {
                findings.push(Finding::error(
                    Code::DuplicatePlatform,
                    format!("{at}/platform"),
                    format!(
                        "{key} is listed twice (entries {first} and {i}: {} and {}); a pull there \
                         always gets the first",
                        self.entries[first].source, entry.source
                    ),
                ));
            }
            if let Some(declared) = &entry.declared {
                if declared.normalize().format_all() != key {
                    findings.push(Finding::error(
                        Code::PlatformConfigMismatch,
                        format!("{at}/platform"),
                        format!(
                            "{} is listed as {key} but its config says {}: a pull on {key} would get an \
                             image built for {}",
                            entry.source,
                            declared.normalize().format_all(),
                            declared.normalize()
                        ),
                    ));
                }
            }
            if listed.architecture == "arm" && listed.variant.is_empty() {
                findings.push(Finding::error(
                    Code::PlatformArmVariantMissing,
                    format!("{at}/platform/variant"),
                    format!(
                        "{} is listed as {}/arm without a variant; containerd reads that as arm/v7, \
                         so name it (--variant v6, v7 or v8)",
                        entry.source, listed.os
                    ),
                ));
            }
            let docker_child = entry.media_type == mt::DOCKER_MANIFEST;
            if self.format == IndexFormat::Docker && !docker_child {
                findings.push(Finding::warning(
                    Code::MediaTypeMixed,
                    format!("{at}/mediaType"),
                    format!(
                        "{} is {}; Docker lists hold Docker manifests (current clients pull it, older \
                         ones may not) — --format oci fits it",
                        entry.source, entry.media_type
                    ),
                ));
            }
        }
        findings
    }

    /// The exact bytes of the index (two-space indented JSON, entries in order).
    pub fn bytes(&self) -> Vec<u8> {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            schema_version: u32,
            media_type: &'a str,
            manifests: Vec<WireEntry<'a>>,
            #[serde(skip_serializing_if = "Option::is_none")]
            annotations: Option<&'a BTreeMap<String, String>>,
        }
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct WireEntry<'a> {
            media_type: &'a str,
            digest: &'a str,
            size: u64,
            platform: &'a Platform,
        }
        let wire = Wire {
            schema_version: 2,
            media_type: self.format.media_type(),
            manifests: self
                .entries
                .iter()
                .map(|e| WireEntry {
                    media_type: &e.media_type,
                    digest: &e.digest,
                    size: e.size,
                    platform: &e.platform,
                })
                .collect(),
            annotations: Some(&self.annotations).filter(|a| !a.is_empty()),
        };
        let mut bytes = serde_json::to_vec_pretty(&wire).expect("an index serialises");
        bytes.push(b'\n');
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(source: &str, platform: &str, declared: Option<&str>) -> DraftEntry {
        DraftEntry {
            source: source.to_owned(),
            repository: "demo/app".to_owned(),
            media_type: mt::OCI_MANIFEST.to_owned(),
            digest: Digest::sha256(source.as_bytes()).to_string(),
            size: 480,
            platform: platform.parse().unwrap(),
            declared: declared.map(|d| d.parse().unwrap()),
        }
    }

    fn draft(entries: Vec<DraftEntry>) -> IndexDraft {
        let mut draft = IndexDraft::new(&"localhost:5000/team/app:8".parse().unwrap(), IndexFormat::Oci).unwrap();
        draft.entries = entries;
        draft
    }

    fn codes(draft: &IndexDraft) -> Vec<String> {
        draft.check().iter().map(|f| f.code.to_string()).collect()
    }

    #[test]
    fn a_good_draft_has_no_findings_and_stable_bytes() {
        let good = draft(vec![
            entry("app:8-amd64", "linux/amd64", Some("linux/amd64")),
            entry("app:8-arm64", "linux/arm64/v8", Some("linux/arm64")),
        ]);
        assert_eq!(codes(&good), Vec::<String>::new());
        let bytes = good.bytes();
        let doc = crate::Document::parse(&bytes, Some(mt::OCI_INDEX)).unwrap();
        let manifests = doc.manifest().unwrap().manifests();
        assert_eq!(manifests.len(), 2);
        assert_eq!(manifests[1].platform.as_ref().unwrap().to_string(), "linux/arm64/v8");
        assert_eq!(good.bytes(), bytes, "the same draft gives the same bytes");
        assert!(
            doc.findings.iter().all(|f| f.severity != crate::Severity::Error),
            "{:?}",
            doc.findings
        );
    }

    #[test]
    fn checks_name_each_mistake() {
        let mut bad = draft(vec![
            entry("app:8-amd64", "linux/amd64", Some("linux/amd64")),
            // The classic wrong annotation: an amd64 image listed as arm64.
            entry("app:8-amd64-again", "linux/arm64/v8", Some("linux/amd64")),
            entry("app:8-arm64", "linux/arm64", Some("linux/arm64/v8")),
            entry("app:8-arm", "linux/arm", None),
        ]);
        bad.format = IndexFormat::Docker;
        bad.annotations
            .insert("org.opencontainers.image.source".into(), "x".into());
        let found = codes(&bad);
        for code in [
            "platform-config-mismatch",
            "duplicate-platform",
            "platform-arm-variant-missing",
            "annotations-in-docker-list",
            "media-type-mixed",
        ] {
            assert!(found.iter().any(|f| f == code), "{code} in {found:?}");
        }
        assert_eq!(codes(&draft(Vec::new())), ["index-empty"]);
    }

    #[test]
    fn annotate_finds_entries_by_source_or_digest() {
        let mut d = draft(vec![entry("app:8-amd64", "linux/amd64", None)]);
        let digest = d.entries[0].digest.clone();
        assert!(d.entry_mut("app:8-amd64").is_ok());
        assert!(d.entry_mut(&digest).is_ok());
        let e = d.entry_mut("app:9").unwrap_err().to_string();
        assert!(e.contains("app:8-amd64"), "{e}");
    }

    #[test]
    fn a_target_must_name_a_tag() {
        let digest = format!("localhost:5000/app@sha256:{}", "a".repeat(64));
        assert!(matches!(
            IndexDraft::new(&digest.parse().unwrap(), IndexFormat::Oci),
            Err(DraftError::TargetNotATag(_))
        ));
    }
}
