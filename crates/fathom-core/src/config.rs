//! Image config blobs (Docker `container.image.v1` and OCI `image.config.v1`), parsed tolerantly.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::finding::{Code, Finding};
use crate::platform::Platform;

/// An image config: what a container built from the image runs, and how its layers were made.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
pub struct ImageConfig {
    /// Creation time (RFC 3339), as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// CPU architecture.
    #[serde(default)]
    pub architecture: String,
    /// Operating system.
    #[serde(default)]
    pub os: String,
    /// CPU variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Operating system version (Windows).
    #[serde(default, rename = "os.version", skip_serializing_if = "Option::is_none")]
    pub os_version: Option<String>,
    /// Required operating system features (Windows).
    #[serde(default, rename = "os.features", skip_serializing_if = "Option::is_none")]
    pub os_features: Option<Vec<String>>,
    /// The runtime configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<RunConfig>,
    /// The layer diff IDs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rootfs: Option<RootFs>,
    /// How each layer was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<History>>,
}

/// The runtime part of a config (`config` key): what runs and how.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RunConfig {
    /// User (name or uid[:gid]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Exposed ports (`"80/tcp": {}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposed_ports: Option<BTreeMap<String, serde_json::Value>>,
    /// Environment, `KEY=value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Vec<String>>,
    /// Entrypoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    /// Default arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<Vec<String>>,
    /// Volumes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volumes: Option<BTreeMap<String, serde_json::Value>>,
    /// Working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// Labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// Stop signal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<String>,
}

/// `rootfs`: the uncompressed layer digests.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
pub struct RootFs {
    /// Always `layers`.
    #[serde(default, rename = "type")]
    pub kind: String,
    /// Digests of the uncompressed layers, bottom first.
    #[serde(default)]
    pub diff_ids: Vec<String>,
}

/// One history entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
pub struct History {
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The command that made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Who.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// A comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// True when the step made no layer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub empty_layer: bool,
}

impl ImageConfig {
    /// The platform this config declares.
    pub fn platform(&self) -> Platform {
        Platform {
            os: self.os.clone(),
            architecture: self.architecture.clone(),
            variant: self.variant.clone().unwrap_or_default(),
            os_version: self.os_version.clone().unwrap_or_default(),
            os_features: self.os_features.clone().unwrap_or_default(),
            features: Vec::new(),
        }
    }

    /// Structural checks of a config.
    pub fn lint(&self, findings: &mut Vec<Finding>) {
        if self.os.is_empty() {
            findings.push(Finding::error(Code::ConfigOsMissing, "/os", "image config has no os"));
        }
        if self.architecture.is_empty() {
            findings.push(Finding::error(
                Code::ConfigArchitectureMissing,
                "/architecture",
                "image config has no architecture",
            ));
        }
        let Some(rootfs) = &self.rootfs else {
            findings.push(Finding::error(
                Code::ConfigRootfsMissing,
                "/rootfs",
                "image config has no rootfs",
            ));
            return;
        };
        if rootfs.kind != "layers" {
            findings.push(Finding::error(
                Code::ConfigRootfsType,
                "/rootfs/type",
                format!("rootfs.type must be \"layers\", got {:?}", rootfs.kind),
            ));
        }
        if let Some(history) = &self.history {
            let layered = history.iter().filter(|h| !h.empty_layer).count();
            if layered != rootfs.diff_ids.len() {
                findings.push(Finding::warning(
                    Code::ConfigHistoryMismatch,
                    "/history",
                    format!(
                        "history has {layered} entries that made a layer, but rootfs has {} diff_ids",
                        rootfs.diff_ids.len()
                    ),
                ));
            }
        }
    }
}
