//! Where the edge may reach: an allowlist of registries, their token endpoints and the hosts
//! their blobs redirect to, and the registry API paths a browser may ask for through the proxy.
//!
//! The worker checks every outgoing request against one [`Allowlist`] — the proxy's, and the
//! requests of its own walks — and every redirect hop again. Host names and addresses are read
//! the way a browser reads them (the `url` crate implements the WHATWG URL standard), so
//! `2130706433`, `0x7f.1` and `0177.0.0.1` are all `127.0.0.1` before anything is compared.
//!
//! ```
//! use fathom_core::egress::{Allowlist, TargetKind};
//!
//! let list = Allowlist::parse("ghcr.io, *.pkg.dev", "ghcr.io/token", "pkg-containers.githubusercontent.com").unwrap();
//! let target = list.proxy_target("ghcr.io/v2/org/app/manifests/1.2", None).unwrap();
//! assert_eq!(target.url.as_str(), "https://ghcr.io/v2/org/app/manifests/1.2");
//! assert_eq!(target.kind, TargetKind::Manifest);
//! assert_eq!(list.proxy_target("169.254.169.254/v2/", None).unwrap_err().code(), "forbidden-address");
//! ```

use std::net::{Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use crate::reference::Reference;
use crate::registry::request::{MAX_CONFIG, MAX_MANIFEST, MAX_TAG_PAGE};

/// Largest token response read.
pub const MAX_TOKEN_BODY: u64 = 64 << 10;
/// Largest `/v2/` ping body read.
pub const MAX_PING_BODY: u64 = 64 << 10;
/// Redirect hops followed at most.
pub const MAX_REDIRECTS: usize = 5;
/// The largest blob the proxy relays as it streams (a layer: never held whole, never cached at
/// the edge; its bytes are hashed by the client that asked). Blobs up to the blob kind's
/// [`TargetKind::max_body`] are read, relayed and kept at the edge by digest instead. Real
/// layers run to a few GiB (CUDA and model images); this bounds the bandwidth one request takes.
pub const MAX_STREAMED_BLOB: u64 = 16 << 30;

/// Why a request was refused: a stable `code` and a message naming what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    code: &'static str,
    message: String,
}

impl Refusal {
    fn new(code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            code,
            message: message.into(),
        }
    }

    /// The stable, kebab-case reason (`host-not-allowed`, `forbidden-address`, …).
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// What was refused and why.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// What an allowed request asks for; it decides the body limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// `GET /v2/`.
    Ping,
    /// `/v2/<name>/manifests/<tag or digest>`.
    Manifest,
    /// `/v2/<name>/blobs/<digest>` (configs and other small blobs read whole, under
    /// [`MAX_CONFIG`]; layers stream, under [`MAX_STREAMED_BLOB`]).
    Blob,
    /// `/v2/<name>/tags/list`.
    Tags,
    /// `/v2/<name>/referrers/<digest>`.
    Referrers,
    /// A token endpoint an allowed registry names in its challenge.
    Token,
    /// A host an allowed registry redirects blob downloads to (reached only by redirect).
    Redirect,
}

impl TargetKind {
    /// Whether a body too large to read whole may stream through instead (blobs, and the
    /// blob stores they redirect to).
    pub fn streams(self) -> bool {
        matches!(self, TargetKind::Blob | TargetKind::Redirect)
    }

    /// Largest body read for this kind of request.
    pub fn max_body(self) -> u64 {
        match self {
            TargetKind::Ping => MAX_PING_BODY,
            TargetKind::Manifest | TargetKind::Referrers => MAX_MANIFEST,
            TargetKind::Blob | TargetKind::Redirect => MAX_CONFIG,
            TargetKind::Tags => MAX_TAG_PAGE,
            TargetKind::Token => MAX_TOKEN_BODY,
        }
    }
}

/// An allowed upstream URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The absolute URL to fetch.
    pub url: Url,
    /// What it is.
    pub kind: TargetKind,
}

impl Target {
    /// `host[:port]` of the URL, as the proxy path spells it.
    pub fn authority(&self) -> String {
        authority_of(&self.url)
    }
}

/// Hosts by pattern: `ghcr.io`, `*.pkg.dev` (any subdomain), or `http://127.0.0.1:5555` (a scheme
/// and port spelled out: the only way an address that is otherwise forbidden can be allowed, for
/// a local development registry).
#[derive(Debug, Clone, PartialEq, Eq)]
struct HostRule {
    scheme: &'static str,
    host: HostPattern,
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Exact(String),
    Subdomains(String),
}

impl HostRule {
    fn parse(entry: &str) -> Result<HostRule, String> {
        let (scheme, rest) = match entry.split_once("://") {
            Some(("https", rest)) => ("https", rest),
            Some(("http", rest)) => ("http", rest),
            Some((other, _)) => {
                return Err(format!(
                    "{entry:?}: only https:// and http:// are allowed, not {other}://"
                ))
            }
            None => ("https", entry),
        };
        if let Some(domain) = rest.strip_prefix("*.") {
            let url = Url::parse(&format!("https://{domain}/")).map_err(|e| format!("{entry:?}: {e}"))?;
            return match url.host() {
                Some(Host::Domain(d)) if d == domain.to_ascii_lowercase() && !d.contains(':') => Ok(HostRule {
                    scheme,
                    host: HostPattern::Subdomains(d.to_owned()),
                    port: None,
                }),
                _ => Err(format!("{entry:?}: a wildcard must be followed by a domain name")),
            };
        }
        let url = Url::parse(&format!("{scheme}://{rest}/")).map_err(|e| format!("{entry:?}: {e}"))?;
        if url.path() != "/" || !url.username().is_empty() || url.password().is_some() {
            return Err(format!("{entry:?}: expected host[:port]"));
        }
        let host = url.host_str().ok_or_else(|| format!("{entry:?}: no host"))?.to_owned();
        Ok(HostRule {
            scheme,
            host: HostPattern::Exact(host),
            port: url.port(),
        })
    }

    fn matches(&self, url: &Url) -> bool {
        let Some(host) = url.host_str() else { return false };
        let host_ok = match &self.host {
            HostPattern::Exact(h) => h == host,
            HostPattern::Subdomains(d) => host.strip_suffix(d.as_str()).is_some_and(|sub| sub.ends_with('.')),
        };
        host_ok && url.scheme() == self.scheme && url.port() == self.port
    }

    /// Whether the rule names this exact address with its port (a dev registry on loopback).
    fn names_exactly(&self, url: &Url) -> bool {
        self.port.is_some() && self.matches(url)
    }
}

/// A token endpoint: a host rule and the exact path (`auth.docker.io/token`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct TokenRule {
    host: HostRule,
    path: String,
}

/// The edge's allowlist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlist {
    registries: Vec<HostRule>,
    tokens: Vec<TokenRule>,
    redirects: Vec<HostRule>,
}

fn entries(list: &str) -> impl Iterator<Item = &str> {
    list.split([',', ' ', '\n', '\t'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
}

impl Allowlist {
    /// Reads the three lists (entries separated by commas or white space): registries,
    /// token endpoints (`host/path`), and hosts blob downloads may redirect to.
    pub fn parse(registries: &str, tokens: &str, redirects: &str) -> Result<Allowlist, String> {
        let tokens = entries(tokens)
            .map(|entry| {
                let (scheme, rest) = entry.split_once("://").map_or(("", entry), |(s, r)| (s, r));
                let (host, path) = rest
                    .split_once('/')
                    .ok_or_else(|| format!("{entry:?}: a token endpoint is host/path"))?;
                let host = if scheme.is_empty() {
                    host.to_owned()
                } else {
                    format!("{scheme}://{host}")
                };
                Ok(TokenRule {
                    host: HostRule::parse(&host)?,
                    path: format!("/{path}"),
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Allowlist {
            registries: entries(registries).map(HostRule::parse).collect::<Result<_, _>>()?,
            tokens,
            redirects: entries(redirects).map(HostRule::parse).collect::<Result<_, _>>()?,
        })
    }

    /// The scheme to speak to a registry `host[:port]` with, when it is on the list.
    fn registry_url(&self, authority: &str, rest: &str) -> Result<Url, Refusal> {
        for scheme in ["https", "http"] {
            let url = parse_url(&format!("{scheme}://{authority}/{rest}"))?;
            if self.registries.iter().any(|r| r.matches(&url)) || self.tokens.iter().any(|t| t.host.matches(&url)) {
                return Ok(url);
            }
        }
        let url = parse_url(&format!("https://{authority}/{rest}"))?;
        Err(self.not_allowed(&url))
    }

    /// Whether the walk may inspect images on `reference`'s registry.
    pub fn check_registry(&self, reference: &Reference) -> Result<(), Refusal> {
        let url = self.registry_url(reference.api_host(), "v2/")?;
        self.check(url.as_str()).map(drop)
    }

    /// Checks a proxy path (`<host[:port]>/<registry API path>`, without the `/proxy/` prefix)
    /// and its query; returns the upstream URL.
    pub fn proxy_target(&self, path: &str, query: Option<&str>) -> Result<Target, Refusal> {
        check_raw(path, query)?;
        let (authority, rest) = path.split_once('/').unwrap_or((path, ""));
        if authority.is_empty() {
            return Err(Refusal::new(
                "not-registry-path",
                "the proxy path must start with a registry host",
            ));
        }
        if authority.contains('@') {
            return Err(Refusal::new(
                "userinfo",
                format!("{authority:?}: user names and passwords in the host are not allowed"),
            ));
        }
        let mut url = self.registry_url(authority, rest)?;
        if url.host_str().map(str::len).unwrap_or_default() == 0 || authority_of(&url) != authority.to_ascii_lowercase()
        {
            // What the browser's URL parser makes of the host differs from what was written
            // (a decimal or hex address, a trailing dot…): refuse rather than guess.
            if let Some(reason) = url.host().and_then(|h| forbidden_address(&h)) {
                return Err(Refusal::new(
                    "forbidden-address",
                    format!("{authority:?} is {} ({reason})", authority_of(&url)),
                ));
            }
            return Err(Refusal::new(
                "host-not-allowed",
                format!("{authority:?} is not written as the allowlist writes it"),
            ));
        }
        url.set_query(query.filter(|q| !q.is_empty()));
        self.check(url.as_str())
    }

    /// Checks an absolute URL the edge is about to fetch: its host must be on the list and the
    /// path a registry API path (or the token endpoint the list names for that host).
    pub fn check(&self, url: &str) -> Result<Target, Refusal> {
        let parsed = parse_url(url)?;
        check_raw(parsed.path().trim_start_matches('/'), parsed.query())?;
        if let Some(token) = self
            .tokens
            .iter()
            .find(|t| t.host.matches(&parsed) && t.path == parsed.path())
        {
            self.check_address(&parsed, &token.host)?;
            check_query(&parsed, TargetKind::Token)?;
            return Ok(Target {
                url: parsed,
                kind: TargetKind::Token,
            });
        }
        let Some(rule) = self.registries.iter().find(|r| r.matches(&parsed)) else {
            if let Some(token) = self.tokens.iter().find(|t| t.host.matches(&parsed)) {
                return Err(Refusal::new(
                    "not-registry-path",
                    format!(
                        "{}: only the token endpoint {} is served on this host",
                        parsed.path(),
                        token.path
                    ),
                ));
            }
            return Err(self.not_allowed(&parsed));
        };
        self.check_address(&parsed, rule)?;
        let kind = registry_path(&parsed)?;
        check_query(&parsed, kind)?;
        Ok(Target { url: parsed, kind })
    }

    /// Checks where a redirect from an allowed request leads: an allowed registry or token
    /// endpoint, or a host the list names for blob downloads (any path; always HTTPS).
    pub fn check_redirect(&self, from: &Url, location: &str) -> Result<Target, Refusal> {
        let target = from
            .join(location)
            .map_err(|e| Refusal::new("redirect-refused", format!("redirect to {location:?}: {e}")))?;
        let forbidden = |u: &Url| u.host().and_then(|h| forbidden_address(&h));
        if let (None, Some(reason)) = (forbidden(from), forbidden(&target)) {
            // A public registry never sends a browser to a local one, even one listed for dev.
            return Err(Refusal::new(
                "forbidden-address",
                format!("redirect to {}: {reason}", authority_of(&target)),
            ));
        }
        // Artifact Registry (and gcr.io, which it serves since 2025) sends a blob to its own host's
        // `/artifacts-downloads/…` (jonjohnsonjr/dagdotdev pkg/ggcr/remote/layer.go special-cases
        // it): a download the registry itself chose on its own origin, not an API path.
        if target.origin() == from.origin()
            && target.path().starts_with("/artifacts-downloads/")
            && self.registries.iter().any(|r| r.matches(&target))
        {
            return Ok(Target {
                url: target,
                kind: TargetKind::Redirect,
            });
        }
        if let Some(rule) = self.redirects.iter().find(|r| r.matches(&target)) {
            self.check_address(&target, rule)?;
            if !target.username().is_empty() || target.password().is_some() {
                return Err(Refusal::new(
                    "redirect-refused",
                    "a redirect with a user name or password",
                ));
            }
            return Ok(Target {
                url: target,
                kind: TargetKind::Redirect,
            });
        }
        self.check(target.as_str()).map_err(|refusal| {
            if refusal.code == "host-not-allowed" {
                return Refusal::new(
                    "redirect-refused",
                    format!(
                        "{} redirected to {}, which is not on this edge's allowlist — to allow it on an edge you host, add {} to REDIRECT_HOSTS in worker/wrangler.toml [vars]",
                        authority_of(from),
                        authority_of(&target),
                        target.host_str().unwrap_or_default()
                    ),
                );
            }
            Refusal::new(
                refusal.code,
                format!("redirect to {}: {}", authority_of(&target), refusal.message),
            )
        })
    }

    fn check_address(&self, url: &Url, rule: &HostRule) -> Result<(), Refusal> {
        let host = url.host().ok_or_else(|| Refusal::new("host-not-allowed", "no host"))?;
        match forbidden_address(&host) {
            Some(_) if rule.names_exactly(url) => Ok(()),
            Some(reason) => Err(Refusal::new(
                "forbidden-address",
                format!("{} is {reason}", authority_of(url)),
            )),
            None => Ok(()),
        }
    }

    fn not_allowed(&self, url: &Url) -> Refusal {
        match url.host().and_then(|h| forbidden_address(&h)) {
            Some(reason) => Refusal::new("forbidden-address", format!("{} is {reason}", authority_of(url))),
            None => Refusal::new(
                "host-not-allowed",
                format!(
                    "{} is not on this edge's registry allowlist — to allow it on an edge you host, add https://{} to REGISTRIES in worker/wrangler.toml [vars] (its token endpoint to TOKEN_ENDPOINTS)",
                    authority_of(url),
                    authority_of(url)
                ),
            ),
        }
    }
}

fn parse_url(url: &str) -> Result<Url, Refusal> {
    let parsed = Url::parse(url).map_err(|e| Refusal::new("bad-url", format!("{url:?}: {e}")))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Refusal::new(
            "userinfo",
            "user names and passwords in URLs are not allowed",
        ));
    }
    Ok(parsed)
}

fn authority_of(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => String::new(),
    }
}

/// Refuses what a URL parser would quietly rewrite: dot segments, percent-encoding (an encoded
/// `/` or `..`), back slashes, empty segments, control characters and white space.
fn check_raw(path: &str, query: Option<&str>) -> Result<(), Refusal> {
    if let Some(c) = path
        .chars()
        .chain(query.unwrap_or_default().chars())
        .find(|c| c.is_control() || c.is_whitespace())
    {
        return Err(Refusal::new(
            "bad-path",
            format!("control characters and white space are not allowed ({c:?})"),
        ));
    }
    if path.contains('%') {
        return Err(Refusal::new(
            "bad-path",
            "percent-encoded characters are not allowed in registry API paths",
        ));
    }
    if path.contains('\\') {
        return Err(Refusal::new("bad-path", "back slashes are not allowed"));
    }
    let segments: Vec<&str> = path.split('/').collect();
    if segments.iter().any(|s| *s == "." || *s == "..") {
        return Err(Refusal::new("bad-path", "`.` and `..` path segments are not allowed"));
    }
    let last = segments.len().saturating_sub(1);
    if segments.iter().enumerate().any(|(i, s)| s.is_empty() && i != last) {
        return Err(Refusal::new("bad-path", "empty path segments (`//`) are not allowed"));
    }
    Ok(())
}

/// Which registry API path this is, with the repository name and reference checked by the
/// reference grammar.
fn registry_path(url: &Url) -> Result<TargetKind, Refusal> {
    let path = url.path();
    if path == "/v2/" {
        return Ok(TargetKind::Ping);
    }
    let not_api = || {
        Refusal::new(
            "not-registry-path",
            format!("{path:?} is not a registry API path this proxy serves (ping, manifests, blobs, tags, referrers)"),
        )
    };
    let rest = path.strip_prefix("/v2/").ok_or_else(not_api)?;
    let host = authority_of(url);
    let name_and = |name: &str, suffix: &str| -> Result<(), Refusal> {
        let text = format!("{host}/{name}{suffix}");
        let reference =
            Reference::parse(&text).map_err(|e| Refusal::new("not-registry-path", format!("{name}{suffix}: {e}")))?;
        if reference.repository() != name {
            return Err(not_api());
        }
        Ok(())
    };
    if let Some(name) = rest.strip_suffix("/tags/list") {
        name_and(name, "")?;
        return Ok(TargetKind::Tags);
    }
    let (before, reference) = rest.rsplit_once('/').ok_or_else(not_api)?;
    let (name, kind) = before.rsplit_once('/').ok_or_else(not_api)?;
    match kind {
        "manifests" if reference.contains(':') => name_and(name, &format!("@{reference}"))?,
        "manifests" => name_and(name, &format!(":{reference}"))?,
        "blobs" | "referrers" => name_and(name, &format!("@{reference}"))?,
        _ => return Err(not_api()),
    }
    Ok(match kind {
        "manifests" => TargetKind::Manifest,
        "blobs" => TargetKind::Blob,
        _ => TargetKind::Referrers,
    })
}

/// Only the query parameters each endpoint defines; a token's scope may only pull.
fn check_query(url: &Url, kind: TargetKind) -> Result<(), Refusal> {
    let allowed: &[&str] = match kind {
        TargetKind::Tags => &["n", "last"],
        TargetKind::Referrers => &["artifactType"],
        TargetKind::Token => &["service", "scope", "client_id"],
        TargetKind::Redirect => return Ok(()),
        _ => &[],
    };
    for (key, value) in url.query_pairs() {
        if !allowed.contains(&key.as_ref()) {
            return Err(Refusal::new(
                "bad-query",
                format!("query parameter {key:?} is not allowed here"),
            ));
        }
        if value.chars().any(|c| c.is_control()) {
            return Err(Refusal::new(
                "bad-query",
                format!("query parameter {key:?} holds control characters"),
            ));
        }
        if key == "scope" && !is_pull_scope(&value) {
            return Err(Refusal::new(
                "bad-scope",
                format!("scope {value:?}: only repository:<name>:pull scopes may be asked for"),
            ));
        }
    }
    Ok(())
}

fn is_pull_scope(scope: &str) -> bool {
    scope.split(' ').all(|s| {
        s.strip_prefix("repository:")
            .and_then(|rest| rest.strip_suffix(":pull"))
            .is_some_and(|name| {
                Reference::parse(&format!("registry.invalid/{name}")).is_ok_and(|r| r.repository() == name)
            })
    })
}

/// Why an address is never reached, unless a rule names it exactly: loopback, private,
/// link-local (cloud metadata lives there), unspecified, shared, multicast and reserved ranges,
/// and IPv6 forms that embed such an IPv4 address.
pub fn forbidden_address(host: &Host<&str>) -> Option<&'static str> {
    match host {
        Host::Domain(d) => {
            let d = d.trim_end_matches('.');
            let local = ["localhost", "local", "internal", "localdomain", "home.arpa"];
            local
                .iter()
                .any(|l| d == *l || d.ends_with(&format!(".{l}")))
                .then_some("a local name")
        }
        Host::Ipv4(ip) => forbidden_v4(*ip),
        Host::Ipv6(ip) => forbidden_v6(*ip),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    if ip == Ipv4Addr::new(169, 254, 169, 254) {
        Some("the cloud metadata address")
    } else if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_private() {
        Some("a private address")
    } else if ip.is_link_local() {
        Some("a link-local address")
    } else if a == 0 {
        Some("an unspecified address")
    } else if a == 100 && (64..128).contains(&b) {
        Some("a shared (carrier-grade NAT) address")
    } else if ip.is_multicast() || ip.is_broadcast() || a >= 240 {
        Some("a multicast or reserved address")
    } else if (a == 192 && b == 0 && c == 0) || (a == 198 && (18..20).contains(&b)) {
        Some("a reserved address")
    } else {
        None
    }
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    let embedded = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    if s[..6] == [0; 6] && !ip.is_loopback() && !ip.is_unspecified() {
        return forbidden_v4(embedded(s[6], s[7])); // IPv4-compatible (deprecated) ::a.b.c.d
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return forbidden_v4(embedded(s[6], s[7])); // NAT64
    }
    if s[0] == 0x2002 {
        return forbidden_v4(embedded(s[1], s[2])); // 6to4
    }
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_unspecified() {
        Some("an unspecified address")
    } else if s[0] & 0xfe00 == 0xfc00 {
        Some("a private (unique local) address")
    } else if s[0] & 0xffc0 == 0xfe80 {
        Some("a link-local address")
    } else if ip.is_multicast() {
        Some("a multicast address")
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
