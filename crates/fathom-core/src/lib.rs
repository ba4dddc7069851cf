//! # fathom-core
//!
//! The I/O-free core of Fathom, a container-image manifest inspector. It decides everything that
//! has a rule in a spec — no sockets, no clock, no async runtime — so the same code runs in the
//! terminal, in a Cloudflare Worker and in the browser (`wasm32-unknown-unknown`).
//!
//! A tour:
//!
//! ```
//! use fathom_core::{Digest, Document, Matcher, Platform, Reference};
//!
//! // References normalise as `docker pull` does.
//! let r: Reference = "busybox".parse().unwrap();
//! assert_eq!(r.canonical(), "docker.io/library/busybox:latest");
//! assert_eq!(r.api_host(), "registry-1.docker.io");
//!
//! // Manifests parse from (bytes, Content-Type); the digest is over the exact bytes.
//! let bytes = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
//!   "manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":7143,
//!   "digest":"sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f",
//!   "platform":{"architecture":"arm","os":"linux","variant":"v7"}}]}"#;
//! let doc = Document::parse(bytes, None).unwrap();
//! assert_eq!(doc.digest, Digest::sha256(bytes));
//!
//! // Platforms match as containerd matches them: an arm64 host runs arm/v7.
//! let host: Platform = "linux/arm64".parse().unwrap();
//! let entries: Vec<Platform> = doc.manifest().unwrap().manifests().iter()
//!     .filter_map(|d| d.platform.clone()).collect();
//! assert_eq!(Matcher::only(&host).best(&entries), Some(0));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod archive;
pub mod attestation;
pub mod author;
pub mod badge;
pub mod compare;
pub mod config;
pub mod descriptor;
pub mod digest;
#[cfg(feature = "egress")]
pub mod egress;
pub mod filesystem;
pub mod finding;
pub mod inspect;
pub mod layer;
pub mod layout;
pub mod manifest;
pub mod media_type;
pub mod platform;
pub mod reference;
pub mod registry;
pub mod report;
pub mod signature;
#[cfg(test)]
mod testing;

pub use config::ImageConfig;
pub use descriptor::Descriptor;
pub use digest::{Algorithm, Digest, DigestError, Mismatch, Verifier};
pub use finding::{Finding, Severity};
pub use layout::{BlobSource, LayoutReport};
pub use manifest::{Body, Document, Format, Manifest, ParseError};
pub use media_type::MediaType;
pub use platform::{explain, Explanation, MatchMode, Matcher, Platform, PlatformError};
pub use reference::{Reference, ReferenceError};
