//! Comparing two Reports: which platforms were added, dropped or changed, what changed in each
//! (digest, size, created, env, labels, entrypoint/cmd), and which layers they share — the bytes a
//! second pull would reuse and the bytes it would download.

use std::collections::{BTreeMap, BTreeSet};

use crate::platform::Platform;
use crate::report::{EntryKind, ImageInfo, PlatformEntry, Report};

/// The difference between two Reports (`a` → `b`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diff {
    /// `a`'s canonical reference and digest.
    pub a: Side,
    /// `b`'s.
    pub b: Side,
    /// Platforms only in `b`.
    pub added: Vec<String>,
    /// Platforms only in `a`.
    pub dropped: Vec<String>,
    /// Platforms in both, with what changed (nothing, when the digest is the same).
    pub platforms: Vec<PlatformDiff>,
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Side {
    /// Canonical reference.
    pub reference: String,
    /// Top-level digest.
    pub digest: Option<String>,
}

/// One platform present on both sides.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlatformDiff {
    /// The platform (`linux/arm64/v8`, with `os.version` when set).
    pub platform: String,
    /// Whether the manifest digest is the same on both sides.
    pub same: bool,
    /// Manifest digest on each side.
    pub digest: Change<String>,
    /// Compressed size on each side.
    pub size: Change<u64>,
    /// Creation time on each side.
    pub created: Change<Option<String>>,
    /// Config changes.
    pub config: ConfigDiff,
    /// Layers shared by digest, and what a pull of `b` after `a` downloads.
    pub layers: LayerSharing,
}

/// A value on each side.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change<T> {
    /// In `a`.
    pub a: T,
    /// In `b`.
    pub b: T,
}

/// What changed in the image config.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigDiff {
    /// `KEY=value` entries only in `b`.
    pub env_added: Vec<String>,
    /// `KEY=value` entries only in `a`.
    pub env_removed: Vec<String>,
    /// Labels whose value differs: `(key, a, b)`, absent as null.
    pub labels_changed: Vec<(String, Option<String>, Option<String>)>,
    /// The entrypoint, when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Change<Option<Vec<String>>>>,
    /// The cmd, when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cmd: Option<Change<Option<Vec<String>>>>,
}

/// Layer sharing between two images.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerSharing {
    /// Layer digests in both, in `b`'s order.
    pub shared: Vec<String>,
    /// Bytes of the shared layers (what a second pull reuses).
    pub shared_bytes: u64,
    /// Bytes of `b`'s layers not in `a` (what pulling `b` after `a` downloads).
    pub download_bytes: u64,
    /// Bytes of `a`'s layers not in `b`.
    pub only_a_bytes: u64,
}

/// The key two rows are matched by: the normalised platform with its `os.version`.
fn platform_key(platform: &Platform) -> String {
    let normalized = platform.normalize();
    let mut key = Platform {
        variant: match (normalized.architecture.as_str(), normalized.variant.as_str()) {
            ("arm64", "") => "v8".to_owned(),
            _ => normalized.variant.clone(),
        },
        ..normalized
    }
    .to_string();
    if !platform.os_version.is_empty() {
        key.push_str(&format!(" ({})", platform.os_version));
    }
    key
}

fn images(report: &Report) -> BTreeMap<String, &PlatformEntry> {
    let mut rows = BTreeMap::new();
    for row in report.platforms.iter().filter(|p| p.kind == EntryKind::Image) {
        if let Some(platform) = &row.platform {
            // The first row of a platform is the one a pull gets.
            rows.entry(platform_key(platform)).or_insert(row);
        }
    }
    rows
}

/// Compares `a` and `b`, optionally only at `platform`.
pub fn diff(a: &Report, b: &Report, platform: Option<&Platform>) -> Diff {
    let (mut rows_a, mut rows_b) = (images(a), images(b));
    if let Some(platform) = platform {
        let key = platform_key(platform);
        rows_a.retain(|k, _| *k == key);
        rows_b.retain(|k, _| *k == key);
    }
    let keys_a: BTreeSet<&String> = rows_a.keys().collect();
    let keys_b: BTreeSet<&String> = rows_b.keys().collect();
    if platform.is_none() && rows_a.len() == 1 && rows_b.len() == 1 && keys_a != keys_b {
        // Two single images — two platforms of one index, say — are compared with each other,
        // whatever their platforms.
        let ((key_a, row_a), (key_b, row_b)) = (rows_a.iter().next().unwrap(), rows_b.iter().next().unwrap());
        return Diff {
            a: side(a),
            b: side(b),
            added: Vec::new(),
            dropped: Vec::new(),
            platforms: vec![platform_diff(&format!("{key_a} → {key_b}"), row_a, row_b)],
        };
    }
    Diff {
        a: side(a),
        b: side(b),
        added: keys_b.difference(&keys_a).map(|k| (*k).clone()).collect(),
        dropped: keys_a.difference(&keys_b).map(|k| (*k).clone()).collect(),
        platforms: keys_a
            .intersection(&keys_b)
            .map(|k| platform_diff(k, rows_a[*k], rows_b[*k]))
            .collect(),
    }
}

fn side(report: &Report) -> Side {
    Side {
        reference: report.reference.canonical.clone(),
        digest: report.digest.clone(),
    }
}

fn platform_diff(key: &str, a: &PlatformEntry, b: &PlatformEntry) -> PlatformDiff {
    let empty = ImageInfo::default();
    let (ia, ib) = (a.image.as_ref().unwrap_or(&empty), b.image.as_ref().unwrap_or(&empty));
    PlatformDiff {
        platform: key.to_owned(),
        same: a.descriptor.digest == b.descriptor.digest,
        digest: Change {
            a: a.descriptor.digest.clone(),
            b: b.descriptor.digest.clone(),
        },
        size: Change {
            a: ia.total_size,
            b: ib.total_size,
        },
        created: Change {
            a: ia.created.clone(),
            b: ib.created.clone(),
        },
        config: config_diff(ia, ib),
        layers: layer_sharing(ia, ib),
    }
}

fn config_diff(a: &ImageInfo, b: &ImageInfo) -> ConfigDiff {
    let env = |i: &ImageInfo| {
        i.env
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect::<BTreeSet<String>>()
    };
    let (env_a, env_b) = (env(a), env(b));
    let labels = |i: &ImageInfo| i.labels.clone().unwrap_or_default();
    let (labels_a, labels_b) = (labels(a), labels(b));
    let keys: BTreeSet<&String> = labels_a.keys().chain(labels_b.keys()).collect();
    let changed = |x: &Option<Vec<String>>, y: &Option<Vec<String>>| {
        (x != y).then(|| Change {
            a: x.clone(),
            b: y.clone(),
        })
    };
    ConfigDiff {
        env_added: env_b.difference(&env_a).cloned().collect(),
        env_removed: env_a.difference(&env_b).cloned().collect(),
        labels_changed: keys
            .into_iter()
            .filter(|k| labels_a.get(*k) != labels_b.get(*k))
            .map(|k| (k.clone(), labels_a.get(k).cloned(), labels_b.get(k).cloned()))
            .collect(),
        entrypoint: changed(&a.entrypoint, &b.entrypoint),
        cmd: changed(&a.cmd, &b.cmd),
    }
}

fn layer_sharing(a: &ImageInfo, b: &ImageInfo) -> LayerSharing {
    let size = |s: Option<i64>| s.unwrap_or(0).max(0) as u64;
    let in_a: BTreeSet<&str> = a.layers.iter().map(|l| l.digest.as_str()).collect();
    let in_b: BTreeSet<&str> = b.layers.iter().map(|l| l.digest.as_str()).collect();
    let mut sharing = LayerSharing::default();
    let mut counted = BTreeSet::new();
    for layer in &b.layers {
        if !counted.insert(layer.digest.as_str()) {
            continue; // a layer listed twice downloads once
        }
        if in_a.contains(layer.digest.as_str()) {
            sharing.shared.push(layer.digest.clone());
            sharing.shared_bytes = sharing.shared_bytes.saturating_add(size(layer.size));
        } else {
            sharing.download_bytes = sharing.download_bytes.saturating_add(size(layer.size));
        }
    }
    let mut counted_a = BTreeSet::new();
    sharing.only_a_bytes = a
        .layers
        .iter()
        .filter(|l| !in_b.contains(l.digest.as_str()) && counted_a.insert(l.digest.as_str()))
        .map(|l| size(l.size))
        .fold(0, u64::saturating_add);
    sharing
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::descriptor::Descriptor;
    use crate::report::LayerInfo;

    fn layer(digest: &str, size: i64) -> LayerInfo {
        LayerInfo {
            media_type: None,
            digest: digest.into(),
            size: Some(size),
            diff_id: None,
        }
    }

    fn row(platform: &str, digest: &str, layers: Vec<LayerInfo>, env: &[&str]) -> PlatformEntry {
        PlatformEntry {
            platform: Some(platform.parse().unwrap()),
            descriptor: Descriptor {
                digest: digest.into(),
                ..Descriptor::default()
            },
            kind: EntryKind::Image,
            verified: Some(true),
            parent: None,
            image: Some(ImageInfo {
                total_size: layers.iter().map(|l| l.size.unwrap() as u64).sum(),
                layers,
                env: Some(env.iter().map(|e| e.to_string()).collect()),
                ..ImageInfo::default()
            }),
            attestations: Vec::new(),
        }
    }

    fn report(name: &str, rows: Vec<PlatformEntry>) -> Report {
        Report {
            platforms: rows,
            ..Report::new(name, &name.parse().unwrap())
        }
    }

    #[test]
    fn two_single_images_are_compared_whatever_their_platforms() {
        let a = report(
            "app:amd64",
            vec![row(
                "linux/amd64",
                "sha256:a1",
                vec![layer("l1", 100), layer("l2", 5)],
                &[],
            )],
        );
        let b = report(
            "app:arm64",
            vec![row(
                "linux/arm64",
                "sha256:b1",
                vec![layer("l1", 100), layer("l3", 7)],
                &[],
            )],
        );
        let d = diff(&a, &b, None);
        assert!(d.added.is_empty() && d.dropped.is_empty());
        assert_eq!(d.platforms.len(), 1);
        assert_eq!(d.platforms[0].platform, "linux/amd64 → linux/arm64/v8");
        assert_eq!(d.platforms[0].layers.shared_bytes, 100);
        assert_eq!(d.platforms[0].layers.download_bytes, 7);
        // Asked for one platform, they are not paired.
        let only = diff(&a, &b, Some(&"linux/amd64".parse().unwrap()));
        assert!(only.platforms.is_empty() && only.dropped == ["linux/amd64"]);
    }

    #[test]
    fn platforms_added_dropped_and_changed_with_layer_sharing() {
        let a = report(
            "app:1",
            vec![
                row(
                    "linux/amd64",
                    "sha256:a1",
                    vec![layer("l1", 100), layer("l2", 50)],
                    &["A=1"],
                ),
                row("linux/arm/v7", "sha256:a2", vec![layer("l3", 70)], &[]),
            ],
        );
        let b = report(
            "app:2",
            vec![
                row(
                    "linux/amd64",
                    "sha256:b1",
                    vec![layer("l1", 100), layer("l4", 30)],
                    &["A=2"],
                ),
                row("linux/arm64", "sha256:b2", vec![layer("l5", 80)], &[]),
            ],
        );
        let d = diff(&a, &b, None);
        assert_eq!(d.added, ["linux/arm64/v8"]);
        assert_eq!(d.dropped, ["linux/arm/v7"]);
        let amd64 = &d.platforms[0];
        assert!(!amd64.same);
        assert_eq!(amd64.layers.shared, ["l1"]);
        assert_eq!(
            (
                amd64.layers.shared_bytes,
                amd64.layers.download_bytes,
                amd64.layers.only_a_bytes
            ),
            (100, 30, 50)
        );
        assert_eq!(amd64.config.env_added, ["A=2"]);
        assert_eq!(amd64.config.env_removed, ["A=1"]);
        assert_eq!(amd64.size, Change { a: 150, b: 130 });
        let only = diff(&a, &b, Some(&"linux/amd64".parse().unwrap()));
        assert!(only.added.is_empty() && only.dropped.is_empty());
        assert_eq!(only.platforms.len(), 1);
    }
}
