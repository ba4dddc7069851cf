//! Image references, parsed and normalised exactly as distribution/reference's
//! `ParseNormalizedNamed` does.
//!
//! ```text
//! reference      := name [ ":" tag ] [ "@" digest ]
//! name           := [domain "/"] remote-name
//! domain         := host [ ":" port ]          host: DNS-ish components or a bracketed IPv6 address
//! remote-name    := path-component ("/" path-component)*
//! path-component := [a-z0-9]+ (separator [a-z0-9]+)*   separator: "." | "_" | "__" | "-"+
//! tag            := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
//! ```
//!
//! Normalisation: the first `/`-separated component is the registry when it contains `.` or `:`,
//! is `localhost`, or has an uppercase letter; otherwise the registry is `docker.io`, and a
//! single-component path on `docker.io` gets `library/`. `index.docker.io` is `docker.io`. The
//! familiar form undoes both (`docker.io/library/busybox` → `busybox`, but `library/foo/bar`
//! keeps its `library/`).
//!
//! The grammar is matched by hand rather than with a regex engine so that every rejection can say
//! what is wrong and where, and so the browser build carries no regex tables.

use std::fmt;
use std::str::FromStr;

use crate::digest::{Digest, DigestError};

/// The registry that unqualified names belong to.
pub const DEFAULT_DOMAIN: &str = "docker.io";
/// The legacy spelling of [`DEFAULT_DOMAIN`], normalised to it.
pub const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
/// The host that actually serves the registry API for [`DEFAULT_DOMAIN`].
pub const DEFAULT_API_HOST: &str = "registry-1.docker.io";
/// The namespace of Docker Hub's official images.
pub const OFFICIAL_REPO_PREFIX: &str = "library/";
/// The tag a reference without tag or digest resolves to.
pub const DEFAULT_TAG: &str = "latest";
/// Longest repository path distribution accepts (domain excluded).
pub const MAX_PATH_LEN: usize = 255;
/// Longest tag.
pub const MAX_TAG_LEN: usize = 128;

/// Why a string is not an image reference. Each message names what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    /// Nothing was given.
    #[error("invalid reference: the reference is empty")]
    Empty,
    /// A 64-hex string alone is an image ID, not a name.
    #[error("invalid reference {0:?}: a 64-character hex string is an image ID, not a repository name")]
    LooksLikeImageId(String),
    /// Uppercase letters in the repository path.
    #[error("invalid reference {input:?}: repository name must be lowercase (got {path:?})")]
    Uppercase {
        /// The whole input.
        input: String,
        /// The offending path.
        path: String,
    },
    /// The path has more than [`MAX_PATH_LEN`] characters.
    #[error("invalid reference {input:?}: repository name must not be longer than 255 characters (it has {len})")]
    NameTooLong {
        /// The whole input.
        input: String,
        /// Its path length.
        len: usize,
    },
    /// The tag has more than [`MAX_TAG_LEN`] characters.
    #[error("invalid reference {input:?}: tag is longer than 128 characters (it has {len})")]
    TagTooLong {
        /// The whole input.
        input: String,
        /// Its tag length.
        len: usize,
    },
    /// A tag outside the tag grammar.
    #[error("invalid reference {input:?}: tag {tag:?} is invalid: {reason}")]
    InvalidTag {
        /// The whole input.
        input: String,
        /// The tag.
        tag: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The registry part is not a host name, IPv6 address or port.
    #[error("invalid reference {input:?}: registry {domain:?} is invalid: {reason}")]
    InvalidDomain {
        /// The whole input.
        input: String,
        /// The registry part.
        domain: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A path component outside the grammar.
    #[error("invalid reference {input:?}: path component {component:?} is invalid: {reason}")]
    InvalidPathComponent {
        /// The whole input.
        input: String,
        /// The component.
        component: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The digest part is malformed or of an unknown algorithm.
    #[error("invalid reference {input:?}: {source}")]
    InvalidDigest {
        /// The whole input.
        input: String,
        /// The digest error.
        source: DigestError,
    },
}

impl ReferenceError {
    /// A stable kebab-case code for scripts and the edge API.
    pub fn code(&self) -> &'static str {
        match self {
            ReferenceError::Empty => "name-empty",
            ReferenceError::LooksLikeImageId(_) => "name-is-image-id",
            ReferenceError::Uppercase { .. } => "name-contains-uppercase",
            ReferenceError::NameTooLong { .. } => "name-too-long",
            ReferenceError::TagTooLong { .. } => "tag-too-long",
            ReferenceError::InvalidTag { .. } => "tag-invalid",
            ReferenceError::InvalidDomain { .. } => "domain-invalid",
            ReferenceError::InvalidPathComponent { .. } => "path-invalid",
            ReferenceError::InvalidDigest { .. } => "digest-invalid",
        }
    }
}

/// A normalised image reference: registry, repository, and a tag, a digest, or both.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    registry: String,
    repository: String,
    tag: Option<String>,
    digest: Option<Digest>,
}

impl Reference {
    /// Parses and normalises as `docker pull` would.
    pub fn parse(input: &str) -> Result<Reference, ReferenceError> {
        input.parse()
    }

    /// Builds a reference from parts already validated (a repository and a digest seen elsewhere).
    pub fn with_digest(&self, digest: Digest) -> Reference {
        Reference {
            digest: Some(digest),
            ..self.clone()
        }
    }

    /// The registry as written by the user, normalised (`docker.io`, `ghcr.io`, `localhost:5000`).
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The host:port the registry API lives at (`registry-1.docker.io` for `docker.io`).
    pub fn api_host(&self) -> &str {
        if self.registry == DEFAULT_DOMAIN {
            DEFAULT_API_HOST
        } else {
            &self.registry
        }
    }

    /// The repository path (`library/busybox`).
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The tag, when one was given.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest, when one was given.
    pub fn digest(&self) -> Option<&Digest> {
        self.digest.as_ref()
    }

    /// What a registry is asked for: the digest when there is one, else the tag (default `latest`).
    pub fn manifest_reference(&self) -> &str {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.as_str(),
            (None, Some(t)) => t,
            (None, None) => DEFAULT_TAG,
        }
    }

    /// `registry/repository`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// Fully qualified, with `:latest` added when neither tag nor digest was given
    /// (`docker.io/library/busybox:latest`); tag and digest both kept when both were given.
    pub fn canonical(&self) -> String {
        self.render(&self.name())
    }

    /// The short form `docker` prints (`busybox:latest`, `library/foo/bar:latest`).
    ///
    /// Unlike distribution's `FamiliarString`, `docker.io/` is kept when the path's first
    /// component would itself be read as a registry (`docker.io/foo.com/bar`), so the familiar
    /// form always parses back to the same image.
    pub fn familiar(&self) -> String {
        let first_reads_as_registry = self
            .repository
            .split_once('/')
            .is_some_and(|(first, _)| reads_as_registry(first));
        let name = if self.registry == DEFAULT_DOMAIN && !first_reads_as_registry {
            match self.repository.strip_prefix(OFFICIAL_REPO_PREFIX) {
                Some(rest) if !rest.contains('/') => rest.to_owned(),
                _ => self.repository.clone(),
            }
        } else {
            self.name()
        };
        self.render(&name)
    }

    fn render(&self, name: &str) -> String {
        let mut out = name.to_owned();
        match (&self.tag, &self.digest) {
            (Some(tag), _) => {
                out.push(':');
                out.push_str(tag);
            }
            (None, None) => {
                out.push(':');
                out.push_str(DEFAULT_TAG);
            }
            (None, Some(_)) => {}
        }
        if let Some(digest) = &self.digest {
            out.push('@');
            out.push_str(digest.as_str());
        }
        out
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

impl FromStr for Reference {
    type Err = ReferenceError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        if input.is_empty() {
            return Err(ReferenceError::Empty);
        }
        if input.len() == 64 && input.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(ReferenceError::LooksLikeImageId(input.to_owned()));
        }
        // The digest is everything after the first '@'; neither name nor tag may hold one.
        let (before_digest, digest) = match input.split_once('@') {
            Some((rest, digest)) => (rest, Some(digest)),
            None => (input, None),
        };
        // A tag follows the last ':' that comes after the last '/'.
        let last_slash = before_digest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match before_digest[last_slash..].rfind(':') {
            Some(i) => (
                &before_digest[..last_slash + i],
                Some(&before_digest[last_slash + i + 1..]),
            ),
            None => (before_digest, None),
        };
        let (domain, path) = split_docker_domain(name);
        let ctx = Ctx { input };

        ctx.check_domain(domain)?;
        ctx.check_path(&path)?;
        if let Some(tag) = tag {
            ctx.check_tag(tag)?;
        }
        let digest = digest
            .map(|d| {
                d.parse::<Digest>().map_err(|source| ReferenceError::InvalidDigest {
                    input: input.to_owned(),
                    source,
                })
            })
            .transpose()?;

        Ok(Reference {
            registry: domain.to_owned(),
            repository: path.into_owned(),
            tag: tag.map(str::to_owned),
            digest,
        })
    }
}

impl serde::Serialize for Reference {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.canonical())
    }
}

/// Whether the first `/`-separated component of a name is a registry: it contains `.` or `:`,
/// is `localhost`, or has an uppercase letter.
fn reads_as_registry(first: &str) -> bool {
    first.contains(['.', ':']) || first == "localhost" || first.bytes().any(|b| b.is_ascii_uppercase())
}

/// distribution/reference's `splitDockerDomain`: decides whether the first component is a registry.
fn split_docker_domain(name: &str) -> (&str, std::borrow::Cow<'_, str>) {
    let (domain, remainder) = match name.split_once('/') {
        Some((first, rest)) if reads_as_registry(first) => (first, rest),
        _ => (DEFAULT_DOMAIN, name),
    };
    let domain = if domain == LEGACY_DEFAULT_DOMAIN {
        DEFAULT_DOMAIN
    } else {
        domain
    };
    if domain == DEFAULT_DOMAIN && !remainder.contains('/') {
        (domain, format!("{OFFICIAL_REPO_PREFIX}{remainder}").into())
    } else {
        (domain, remainder.into())
    }
}

struct Ctx<'a> {
    input: &'a str,
}

impl Ctx<'_> {
    fn check_domain(&self, domain: &str) -> Result<(), ReferenceError> {
        let fail = |reason| {
            Err(ReferenceError::InvalidDomain {
                input: self.input.to_owned(),
                domain: domain.to_owned(),
                reason,
            })
        };
        let (host, port) = if let Some(rest) = domain.strip_prefix('[') {
            let Some(end) = rest.find(']') else {
                return fail("an IPv6 address must be closed by ']'");
            };
            let address = &rest[..end];
            if address.is_empty() || !address.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
                return fail("an IPv6 address may hold only hex digits and ':'");
            }
            let after = &rest[end + 1..];
            match after.strip_prefix(':') {
                Some(port) => (None, Some(port)),
                None if after.is_empty() => (None, None),
                None => return fail("only a ':port' may follow an IPv6 address"),
            }
        } else {
            match domain.split_once(':') {
                Some((host, port)) => (Some(host), Some(port)),
                None => (Some(domain), None),
            }
        };
        if let Some(host) = host {
            for component in host.split('.') {
                if component.is_empty() {
                    return fail("a host name component is empty");
                }
                if !component.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                    return fail("a host name may hold only letters, digits, '-' and '.'");
                }
                if component.starts_with('-') || component.ends_with('-') {
                    return fail("a host name component may not start or end with '-'");
                }
            }
        }
        if let Some(port) = port {
            if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
                return fail("the port must be a number");
            }
        }
        Ok(())
    }

    fn check_path(&self, path: &str) -> Result<(), ReferenceError> {
        if path.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(ReferenceError::Uppercase {
                input: self.input.to_owned(),
                path: path.to_owned(),
            });
        }
        for component in path.split('/') {
            if let Some(reason) = path_component_error(component) {
                return Err(ReferenceError::InvalidPathComponent {
                    input: self.input.to_owned(),
                    component: component.to_owned(),
                    reason,
                });
            }
        }
        if path.len() > MAX_PATH_LEN {
            return Err(ReferenceError::NameTooLong {
                input: self.input.to_owned(),
                len: path.len(),
            });
        }
        Ok(())
    }

    fn check_tag(&self, tag: &str) -> Result<(), ReferenceError> {
        let fail = |reason| {
            Err(ReferenceError::InvalidTag {
                input: self.input.to_owned(),
                tag: tag.to_owned(),
                reason,
            })
        };
        let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        match tag.as_bytes().first() {
            None => return fail("it is empty"),
            Some(&b) if !word(b) => return fail("it must start with a letter, digit or '_'"),
            _ => {}
        }
        if !tag.bytes().all(|b| word(b) || b == b'.' || b == b'-') {
            return fail("it may hold only letters, digits, '_', '.' and '-'");
        }
        if tag.len() > MAX_TAG_LEN {
            return Err(ReferenceError::TagTooLong {
                input: self.input.to_owned(),
                len: tag.len(),
            });
        }
        Ok(())
    }
}

/// `[a-z0-9]+ (("." | "_" | "__" | "-"+) [a-z0-9]+)*`; `None` when it matches.
fn path_component_error(component: &str) -> Option<&'static str> {
    let bytes = component.as_bytes();
    if bytes.is_empty() {
        return Some("it is empty (two '/' in a row, or a leading or trailing '/')");
    }
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return Some("it must start and end with a lowercase letter or digit");
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let separator = &component[start..i];
        let ok = matches!(separator, "." | "_" | "__") || separator.bytes().all(|b| b == b'-');
        if !ok {
            return Some("separators must be '.', '_', '__' or dashes, between lowercase letters or digits");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Reference {
        s.parse().unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    #[test]
    fn defaults_registry_library_and_latest() {
        let r = parse("busybox");
        assert_eq!(r.registry(), "docker.io");
        assert_eq!(r.repository(), "library/busybox");
        assert_eq!(r.tag(), None);
        assert_eq!(r.canonical(), "docker.io/library/busybox:latest");
        assert_eq!(r.familiar(), "busybox:latest");
        assert_eq!(r.api_host(), "registry-1.docker.io");
        assert_eq!(r.manifest_reference(), "latest");
    }

    #[test]
    fn familiar_keeps_library_with_deeper_paths() {
        let r = parse("library/foo/bar");
        assert_eq!(r.canonical(), "docker.io/library/foo/bar:latest");
        assert_eq!(r.familiar(), "library/foo/bar:latest");
        assert_eq!(parse("index.docker.io/foo").canonical(), "docker.io/library/foo:latest");
    }

    #[test]
    fn domain_detection() {
        assert_eq!(parse("localhost/foo").registry(), "localhost");
        assert_eq!(parse("localhost:5000/foo:1").registry(), "localhost:5000");
        assert_eq!(parse("foo.com/bar").registry(), "foo.com");
        assert_eq!(parse("Foo/bar").registry(), "Foo");
        assert_eq!(parse("foo/bar").registry(), "docker.io");
        assert_eq!(parse("[::1]:5000/repo").registry(), "[::1]:5000");
        assert_eq!(parse("[2001:db8::1]/repo").api_host(), "[2001:db8::1]");
        assert_eq!(parse("localhost:5000").repository(), "library/localhost");
        assert_eq!(parse("localhost:5000").tag(), Some("5000"));
    }

    #[test]
    fn tag_and_digest_both_kept() {
        let d = format!("sha256:{}", "a".repeat(64));
        let r = parse(&format!("ghcr.io/org/app:1.2@{d}"));
        assert_eq!(r.tag(), Some("1.2"));
        assert_eq!(r.digest().unwrap().as_str(), d);
        assert_eq!(r.manifest_reference(), d);
        assert_eq!(r.canonical(), format!("ghcr.io/org/app:1.2@{d}"));
        let only = parse(&format!("alpine@{d}"));
        assert_eq!(only.canonical(), format!("docker.io/library/alpine@{d}"));
        assert_eq!(only.familiar(), format!("alpine@{d}"));
    }

    #[test]
    fn rejections_name_the_problem() {
        let cases: &[(String, &str, &str)] = &[
            (String::new(), "name-empty", "empty"),
            ("a".repeat(64).replace('a', "b"), "name-is-image-id", "image ID"),
            (
                "docker.io/Foo/bar".into(),
                "name-contains-uppercase",
                "must be lowercase",
            ),
            (format!("foo:{}", "a".repeat(129)), "tag-too-long", "longer than 128"),
            ("foo:-bad".into(), "tag-invalid", "must start"),
            ("foo:a+b".into(), "tag-invalid", "may hold only"),
            ("foo:".into(), "tag-invalid", "empty"),
            (format!("x/{}", "a".repeat(254)), "name-too-long", "255"),
            ("foo//bar".into(), "path-invalid", "empty"),
            ("foo/-bar".into(), "path-invalid", "start and end"),
            ("foo/a...b".into(), "path-invalid", "separators"),
            ("[fe80::1%eth0]:5000/foo".into(), "domain-invalid", "IPv6"),
            ("foo.com:abc/bar".into(), "domain-invalid", "port"),
            ("-foo.com/bar".into(), "domain-invalid", "'-'"),
            ("foo@sha256:abc".into(), "digest-invalid", "length"),
            ("foo@md5:abc".into(), "digest-invalid", "unsupported"),
            ("foo bar".into(), "path-invalid", "separators"),
        ];
        for (input, code, text) in cases {
            let err = input.parse::<Reference>().unwrap_err();
            assert_eq!(err.code(), *code, "{input:?}: {err}");
            assert!(err.to_string().contains(text), "{input:?}: {err}");
        }
    }

    #[test]
    fn familiar_form_parses_back_to_the_same_image() {
        let r = parse("index.docker.io/foo.com/bar");
        assert_eq!(r.familiar(), "docker.io/foo.com/bar:latest");
        assert_eq!(parse(&r.familiar()).canonical(), r.canonical());
        let nested = parse("docker.io/docker.io/x.io/y");
        assert_eq!(nested.familiar(), "docker.io/docker.io/x.io/y:latest");
        assert_eq!(parse(&nested.familiar()).canonical(), nested.canonical());
    }

    #[test]
    fn length_limits_are_inclusive() {
        parse(&format!("foo:{}", "a".repeat(128)));
        parse(&format!("x/{}", "a".repeat(253)));
    }
}
