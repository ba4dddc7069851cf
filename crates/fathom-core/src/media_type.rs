//! Every Docker and OCI media type Fathom knows, with unknown ones preserved verbatim.

use std::fmt;

/// Docker schema1 manifest, signed (JWS).
pub const DOCKER_SCHEMA1_SIGNED: &str = "application/vnd.docker.distribution.manifest.v1+prettyjws";
/// Docker schema1 manifest, unsigned.
pub const DOCKER_SCHEMA1: &str = "application/vnd.docker.distribution.manifest.v1+json";
/// Docker schema2 image manifest.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker manifest list.
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// Docker image config.
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
/// Docker gzip layer.
pub const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
/// Docker uncompressed layer.
pub const DOCKER_LAYER_TAR: &str = "application/vnd.docker.image.rootfs.diff.tar";
/// Docker foreign (non-distributable) gzip layer.
pub const DOCKER_FOREIGN_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
/// Docker foreign (non-distributable) uncompressed layer.
pub const DOCKER_FOREIGN_LAYER_TAR: &str = "application/vnd.docker.image.rootfs.foreign.diff.tar";
/// Docker plugin config.
pub const DOCKER_PLUGIN_CONFIG: &str = "application/vnd.docker.plugin.v1+json";
/// OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// The withdrawn OCI artifact manifest draft (never part of a released image-spec).
pub const OCI_ARTIFACT_MANIFEST: &str = "application/vnd.oci.artifact.manifest.v1+json";
/// OCI image config.
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// OCI empty JSON (`{}`), the config of artifacts.
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// OCI layout `index.json` descriptor pseudo-type, seen used as a manifest type in the wild.
pub const OCI_DESCRIPTOR: &str = "application/vnd.oci.descriptor.v1+json";
/// OCI layer, uncompressed.
pub const OCI_LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
/// OCI layer, gzip.
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// OCI layer, zstd.
pub const OCI_LAYER_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
/// OCI non-distributable layer, uncompressed (deprecated).
pub const OCI_LAYER_ND_TAR: &str = "application/vnd.oci.image.layer.nondistributable.v1.tar";
/// OCI non-distributable layer, gzip (deprecated).
pub const OCI_LAYER_ND_GZIP: &str = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
/// OCI non-distributable layer, zstd (deprecated).
pub const OCI_LAYER_ND_ZSTD: &str = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
/// in-toto statement (BuildKit attestations).
pub const IN_TOTO: &str = "application/vnd.in-toto+json";
/// DSSE envelope (cosign attestations).
pub const DSSE_ENVELOPE: &str = "application/vnd.dsse.envelope.v1+json";
/// cosign simple signing payload.
pub const COSIGN_SIMPLESIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// Sigstore bundle.
pub const SIGSTORE_BUNDLE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// Notary Project signature artifact type.
pub const NOTARY_SIGNATURE: &str = "application/vnd.cncf.notary.signature";
/// JWS signature envelope (Notary Project).
pub const JOSE_JSON: &str = "application/jose+json";
/// COSE signature envelope (Notary Project).
pub const COSE: &str = "application/cose";

/// What role a media type plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A list of manifests (Docker list, OCI index).
    Index,
    /// A single image manifest (Docker schema2, OCI manifest).
    Manifest,
    /// A Docker schema1 manifest, signed or not.
    Schema1,
    /// The withdrawn OCI artifact manifest.
    ArtifactManifest,
    /// An image config blob.
    Config,
    /// A filesystem layer.
    Layer,
    /// An attestation or signature payload.
    Attestation,
    /// Something else, known or not.
    Other,
}

/// How a layer is compressed, as its media type says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Compression {
    /// Plain tar.
    None,
    /// gzip.
    Gzip,
    /// zstd.
    Zstd,
}

/// A media type string with its classification. Unknown types keep their text.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MediaType(String);

impl MediaType {
    /// Wraps any media type string.
    pub fn new(text: impl Into<String>) -> MediaType {
        MediaType(text.into())
    }

    /// The text as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The essence (type/subtype without parameters, lowercased), as in a `Content-Type` header.
    pub fn essence(text: &str) -> String {
        text.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
    }

    /// The role this media type plays.
    pub fn kind(&self) -> Kind {
        kind_of(&self.0)
    }

    /// Whether Fathom knows this media type.
    pub fn is_known(&self) -> bool {
        is_known(&self.0)
    }

    /// Whether this is a non-distributable ("foreign") layer.
    pub fn is_foreign_layer(&self) -> bool {
        matches!(
            self.0.as_str(),
            DOCKER_FOREIGN_LAYER_GZIP
                | DOCKER_FOREIGN_LAYER_TAR
                | OCI_LAYER_ND_TAR
                | OCI_LAYER_ND_GZIP
                | OCI_LAYER_ND_ZSTD
        )
    }

    /// A layer's compression, when the type is a known layer type.
    pub fn compression(&self) -> Option<Compression> {
        match self.0.as_str() {
            DOCKER_LAYER_TAR | DOCKER_FOREIGN_LAYER_TAR | OCI_LAYER_TAR | OCI_LAYER_ND_TAR => Some(Compression::None),
            DOCKER_LAYER_GZIP | DOCKER_FOREIGN_LAYER_GZIP | OCI_LAYER_GZIP | OCI_LAYER_ND_GZIP => {
                Some(Compression::Gzip)
            }
            OCI_LAYER_ZSTD | OCI_LAYER_ND_ZSTD => Some(Compression::Zstd),
            _ => None,
        }
    }

    /// Whether the layer is encrypted (`+encrypted` suffix, containers/ocicrypt).
    pub fn is_encrypted(&self) -> bool {
        self.0.ends_with("+encrypted")
    }
}

/// Every media type Fathom recognises, in one place for the lint.
const KNOWN: &[(&str, Kind)] = &[
    (DOCKER_SCHEMA1_SIGNED, Kind::Schema1),
    (DOCKER_SCHEMA1, Kind::Schema1),
    (DOCKER_MANIFEST, Kind::Manifest),
    (DOCKER_MANIFEST_LIST, Kind::Index),
    (DOCKER_CONFIG, Kind::Config),
    (DOCKER_PLUGIN_CONFIG, Kind::Config),
    (DOCKER_LAYER_GZIP, Kind::Layer),
    (DOCKER_LAYER_TAR, Kind::Layer),
    (DOCKER_FOREIGN_LAYER_GZIP, Kind::Layer),
    (DOCKER_FOREIGN_LAYER_TAR, Kind::Layer),
    (OCI_MANIFEST, Kind::Manifest),
    (OCI_INDEX, Kind::Index),
    (OCI_ARTIFACT_MANIFEST, Kind::ArtifactManifest),
    (OCI_CONFIG, Kind::Config),
    (OCI_EMPTY, Kind::Other),
    (OCI_LAYER_TAR, Kind::Layer),
    (OCI_LAYER_GZIP, Kind::Layer),
    (OCI_LAYER_ZSTD, Kind::Layer),
    (OCI_LAYER_ND_TAR, Kind::Layer),
    (OCI_LAYER_ND_GZIP, Kind::Layer),
    (OCI_LAYER_ND_ZSTD, Kind::Layer),
    (IN_TOTO, Kind::Attestation),
    (DSSE_ENVELOPE, Kind::Attestation),
    (COSIGN_SIMPLESIGNING, Kind::Attestation),
    (SIGSTORE_BUNDLE, Kind::Attestation),
    (JOSE_JSON, Kind::Attestation),
    (COSE, Kind::Attestation),
    (NOTARY_SIGNATURE, Kind::Attestation),
];

fn known_kind(text: &str) -> Option<Kind> {
    let plain = text.strip_suffix("+encrypted").unwrap_or(text);
    KNOWN.iter().find(|(t, _)| *t == plain).map(|(_, k)| *k)
}

fn kind_of(text: &str) -> Kind {
    known_kind(text).unwrap_or(Kind::Other)
}

fn is_known(text: &str) -> bool {
    known_kind(text).is_some()
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl From<&str> for MediaType {
    fn from(text: &str) -> Self {
        MediaType(text.to_owned())
    }
}

impl serde::Serialize for MediaType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for MediaType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(MediaType)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_every_family() {
        assert_eq!(MediaType::from(OCI_INDEX).kind(), Kind::Index);
        assert_eq!(MediaType::from(DOCKER_MANIFEST_LIST).kind(), Kind::Index);
        assert_eq!(MediaType::from(DOCKER_SCHEMA1_SIGNED).kind(), Kind::Schema1);
        assert_eq!(MediaType::from(OCI_ARTIFACT_MANIFEST).kind(), Kind::ArtifactManifest);
        assert_eq!(MediaType::from(IN_TOTO).kind(), Kind::Attestation);
        assert_eq!(MediaType::from("application/x-unknown").kind(), Kind::Other);
        assert!(!MediaType::from("application/x-unknown").is_known());
    }

    #[test]
    fn layer_properties() {
        let zstd = MediaType::from(OCI_LAYER_ZSTD);
        assert_eq!(zstd.compression(), Some(Compression::Zstd));
        assert!(!zstd.is_foreign_layer());
        assert!(MediaType::from(DOCKER_FOREIGN_LAYER_GZIP).is_foreign_layer());
        assert!(MediaType::from(OCI_LAYER_ND_ZSTD).is_foreign_layer());
        let enc = MediaType::from("application/vnd.oci.image.layer.v1.tar+gzip+encrypted");
        assert!(enc.is_encrypted());
        assert_eq!(enc.kind(), Kind::Layer);
        assert_eq!(
            MediaType::from("application/vnd.docker.image.rootfs.diff.tar.zstd").compression(),
            None
        );
    }

    #[test]
    fn essence_strips_parameters() {
        assert_eq!(
            MediaType::essence("Application/VND.OCI.image.index.v1+json; charset=utf-8"),
            OCI_INDEX
        );
    }
}
