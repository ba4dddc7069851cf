//! Platforms (`os/arch/variant`, `os.version`, `os.features`) parsed, formatted, normalised and
//! matched exactly as containerd/platforms does, so that what Fathom predicts is what
//! `docker pull` / containerd will pick.
//!
//! * [`Platform::parse`] — containerd's `Parse`: `os[(osversion[+feature…])][/arch[/variant]]`,
//!   with its alias table (`x86_64`→`amd64`, `aarch64`→`arm64`, `armhf`→`arm/v7`, …).
//! * [`Matcher::only`] — containerd's `Only`: the platform and what it can also run
//!   (amd64/v3 → v2 → v1 → 386; arm64 → arm/v8 … v5; arm/v7 → v6 → v5).
//! * [`Matcher::only_strict`] / [`Matcher::exact`] — `OnlyStrict` / `NewMatcher`.
//! * [`explain`] — when nothing matches, the nearest candidates and what would help.

use std::fmt;
use std::str::FromStr;

use crate::finding::{Code, Finding};

mod explain;
mod windows;

pub use explain::{explain, CandidateVerdict, Explanation, Remedy, RemedyKind};

/// An OCI platform. Empty strings mean "not given".
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
pub struct Platform {
    /// Operating system (`linux`, `windows`).
    #[serde(default)]
    pub os: String,
    /// CPU architecture (`amd64`, `arm64`).
    #[serde(default)]
    pub architecture: String,
    /// CPU variant (`v7`, `v8`, `v3`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub variant: String,
    /// Operating system version (Windows build, `10.0.20348.1726`).
    #[serde(default, rename = "os.version", skip_serializing_if = "String::is_empty")]
    pub os_version: String,
    /// Required operating system features.
    #[serde(default, rename = "os.features", skip_serializing_if = "Vec::is_empty")]
    pub os_features: Vec<String>,
    /// The legacy `features` field of early Docker manifest lists; kept, never matched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
}

/// Why a platform specifier was refused. Messages follow containerd's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    /// `*` is not supported.
    #[error("{0:?}: wildcards not yet supported")]
    Wildcard(String),
    /// The first component is not `os[(version+features)]`.
    #[error("{component:?} is an invalid OS component of {spec:?}: expected os or os(version+feature…) with letters, digits, '_', '-' (and '.' inside the parentheses)")]
    InvalidOs {
        /// The component.
        component: String,
        /// The whole specifier.
        spec: String,
    },
    /// An architecture or variant component with characters outside `[A-Za-z0-9_.-]`.
    #[error(
        "{component:?} is an invalid component of {spec:?}: platform specifier component must match [A-Za-z0-9_.-]+"
    )]
    InvalidComponent {
        /// The component.
        component: String,
        /// The whole specifier.
        spec: String,
    },
    /// A single component that is neither a known OS nor a known architecture.
    #[error("{0:?}: unknown operating system or architecture")]
    Unknown(String),
    /// An OS alone, where no host says which architecture is meant.
    #[error("{0:?} names no architecture: give os/arch, e.g. {0}/amd64 or {0}/arm64")]
    NoArchitecture(String),
    /// A `%` escape in the OS version that is not two hex digits.
    #[error("{spec:?} has an invalid OS version {version:?}: invalid URL escape")]
    InvalidOsVersion {
        /// The version as written.
        version: String,
        /// The whole specifier.
        spec: String,
    },
    /// A `%` escape in an OS feature that is not two hex digits.
    #[error("{spec:?} has invalid OS features: invalid os feature {feature:?}: invalid URL escape")]
    InvalidOsFeature {
        /// The feature as written.
        feature: String,
        /// The whole specifier.
        spec: String,
    },
    /// More than `os/arch/variant`.
    #[error("{0:?}: cannot parse platform specifier: at most os/arch/variant")]
    TooManyComponents(String),
}

/// Operating systems Go knows (containerd's `isKnownOS`).
const KNOWN_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
];

/// Architectures Go knows (containerd's `isKnownArch`).
const KNOWN_ARCH: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "ppc64",
    "ppc64le",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

impl Platform {
    /// A platform from its three main parts.
    pub fn new(os: &str, architecture: &str, variant: &str) -> Platform {
        Platform {
            os: os.to_owned(),
            architecture: architecture.to_owned(),
            variant: variant.to_owned(),
            ..Platform::default()
        }
    }

    /// The platform this program was built for, in Go/OCI names (what containerd's
    /// `DefaultSpec()` gives, minus the CPU variant that only the running machine can tell).
    pub fn build_target() -> Platform {
        let os = match std::env::consts::OS {
            "macos" => "darwin",
            other => other,
        };
        let architecture = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "x86" => "386",
            "aarch64" => "arm64",
            "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
            "powerpc64" => "ppc64",
            "loongarch64" => "loong64",
            "wasm32" => "wasm",
            other => other,
        };
        let variant = if architecture == "arm" { "v7" } else { "" };
        Platform::new(os, architecture, variant)
    }

    /// containerd's `Parse`. A single component is an OS (the architecture then comes from
    /// `host`) or an architecture (the OS from `host`).
    pub fn parse(spec: &str, host: &Platform) -> Result<Platform, PlatformError> {
        if spec.contains('*') {
            return Err(PlatformError::Wildcard(spec.to_owned()));
        }
        let parts: Vec<&str> = spec.splitn(4, '/').collect();
        let mut p = Platform::default();
        let (os, os_version, os_features) = parse_os_component(parts[0]).ok_or_else(|| PlatformError::InvalidOs {
            component: parts[0].to_owned(),
            spec: spec.to_owned(),
        })?;
        p.os = normalize_os(os);
        p.os_version = percent_decode(os_version).ok_or_else(|| PlatformError::InvalidOsVersion {
            version: os_version.to_owned(),
            spec: spec.to_owned(),
        })?;
        for feature in os_features {
            let decoded = percent_decode(feature.trim()).ok_or_else(|| PlatformError::InvalidOsFeature {
                feature: feature.to_owned(),
                spec: spec.to_owned(),
            })?;
            if !decoded.is_empty() {
                p.os_features.push(decoded);
            }
        }
        for part in &parts[1..] {
            if part.is_empty() || !part.bytes().all(is_specifier_byte) {
                return Err(PlatformError::InvalidComponent {
                    component: (*part).to_owned(),
                    spec: spec.to_owned(),
                });
            }
        }
        match parts.len() {
            1 => {
                if KNOWN_OS.contains(&p.os.as_str()) {
                    p.architecture = host.architecture.clone();
                    if p.architecture == "arm" && host.variant != "v7" {
                        p.variant = host.variant.clone();
                    }
                    if p.os == "windows" && p.os_version.is_empty() {
                        p.os_version = host.os_version.clone();
                    }
                    return Ok(p);
                }
                let (arch, variant) = normalize_arch(parts[0], "");
                if !KNOWN_ARCH.contains(&arch.as_str()) {
                    return Err(PlatformError::Unknown(spec.to_owned()));
                }
                p.architecture = arch;
                p.variant = if p.architecture == "arm" && variant == "v7" {
                    String::new()
                } else {
                    variant
                };
                p.os = host.os.clone();
                p.os_version.clear();
                p.os_features.clear();
                Ok(p)
            }
            2 => {
                let (arch, variant) = normalize_arch(parts[1], "");
                p.variant = if arch == "arm" && variant == "v7" {
                    String::new()
                } else {
                    variant
                };
                p.architecture = arch;
                Ok(p)
            }
            3 => {
                let (arch, variant) = normalize_arch(parts[1], parts[2]);
                p.variant = if arch == "arm64" && variant.is_empty() {
                    "v8".to_owned()
                } else {
                    variant
                };
                p.architecture = arch;
                Ok(p)
            }
            _ => Err(PlatformError::TooManyComponents(spec.to_owned())),
        }
    }

    /// containerd's `Normalize`: lowercase, aliases resolved, default variants made explicit or
    /// dropped the way containerd compares them.
    pub fn normalize(&self) -> Platform {
        let (architecture, variant) = normalize_arch(&self.architecture, &self.variant);
        let mut os_features = self.os_features.clone();
        os_features.sort();
        os_features.dedup();
        Platform {
            os: normalize_os(&self.os),
            architecture,
            variant,
            os_features,
            ..self.clone()
        }
    }

    /// containerd's `FormatAll`: `os[(version+features)]/arch[/variant]`.
    pub fn format_all(&self) -> String {
        if self.os.is_empty() {
            return "unknown".to_owned();
        }
        let mut features: Vec<&str> = self
            .os_features
            .iter()
            .map(String::as_str)
            .filter(|f| !f.is_empty())
            .collect();
        features.sort_unstable();
        features.dedup();
        let version = percent_encode(&self.os_version);
        let mut os = self.os.clone();
        if !version.is_empty() || !features.is_empty() {
            os.push('(');
            os.push_str(&version);
            for feature in features {
                os.push('+');
                os.push_str(&percent_encode(feature));
            }
            os.push(')');
        }
        join_path(&[&os, &self.architecture, &self.variant])
    }

    /// `unknown/unknown`: BuildKit's marker for attestation manifests.
    pub fn is_unknown(&self) -> bool {
        self.os == "unknown" && self.architecture == "unknown"
    }

    /// `os.features` sorted, for comparisons that ignore order.
    pub fn os_features_sorted(&self) -> Vec<String> {
        let mut features = self.os_features.clone();
        features.sort();
        features
    }

    /// Checks a platform as found in an index entry. `path` is its JSON pointer.
    pub fn lint(&self, path: &str, findings: &mut Vec<Finding>) {
        if self.os.is_empty() || self.architecture.is_empty() {
            findings.push(Finding::error(
                Code::PlatformIncomplete,
                path,
                "platform must have both os and architecture",
            ));
            return;
        }
        if self.is_unknown() {
            return;
        }
        if !self.features.is_empty() {
            findings.push(Finding::info(
                Code::PlatformLegacyFeatures,
                format!("{path}/features"),
                "the legacy \"features\" field is reserved and ignored by every client",
            ));
        }
        let normalized = self.normalize();
        if normalized.architecture != self.architecture || normalized.os != self.os {
            findings.push(Finding::warning(
                Code::PlatformNonCanonical,
                path,
                format!(
                    "{}/{} is spelled {} by OCI",
                    self.os,
                    self.architecture,
                    join_path(&[&normalized.os, &normalized.architecture])
                ),
            ));
        }
        if !KNOWN_OS.contains(&normalized.os.as_str()) {
            findings.push(Finding::warning(
                Code::PlatformUnknownOs,
                format!("{path}/os"),
                format!("unknown os {:?}", self.os),
            ));
        }
        if !KNOWN_ARCH.contains(&normalized.architecture.as_str()) {
            findings.push(Finding::warning(
                Code::PlatformUnknownArchitecture,
                format!("{path}/architecture"),
                format!("unknown architecture {:?}", self.architecture),
            ));
        }
        let variant_ok = match normalized.architecture.as_str() {
            "arm" => matches!(normalized.variant.as_str(), "v5" | "v6" | "v7" | "v8"),
            "arm64" => normalized.variant.is_empty() || is_arm64_variant(&normalized.variant),
            "amd64" => normalized.variant.is_empty() || matches!(normalized.variant.as_str(), "v2" | "v3" | "v4"),
            _ => true,
        };
        if !variant_ok {
            findings.push(Finding::warning(
                Code::PlatformVariantUnknown,
                format!("{path}/variant"),
                format!(
                    "variant {:?} is not a known {} variant; clients will not match it",
                    self.variant, normalized.architecture
                ),
            ));
        } else if self.architecture == "arm" && self.variant.is_empty() {
            findings.push(Finding::info(
                Code::PlatformArmVariantMissing,
                format!("{path}/variant"),
                "arm entry without variant; containerd reads it as arm/v7",
            ));
        }
        if !self.os_version.is_empty()
            && normalized.os == "windows"
            && windows::parse_version(&self.os_version).is_none()
        {
            findings.push(Finding::warning(
                Code::PlatformOsVersionInvalid,
                format!("{path}/os.version"),
                format!("os.version {:?} is not major.minor.build[.revision]", self.os_version),
            ));
        }
    }
}

impl fmt::Display for Platform {
    /// containerd's `Format`: `os/arch[/variant]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.os.is_empty() {
            return f.write_str("unknown");
        }
        f.write_str(&join_path(&[&self.os, &self.architecture, &self.variant]))
    }
}

impl Platform {
    /// containerd's `Parse` where no host completes a single component — the edge, the browser,
    /// tests: an architecture alone means linux, as `docker --platform arm64` reads it; an OS
    /// alone names no architecture and is refused. A face that knows its host (the CLI: this
    /// machine) passes it to [`Platform::parse`] instead. Never the compile target: on wasm32
    /// that is no OS at all.
    pub fn parse_hostless(spec: &str) -> Result<Platform, PlatformError> {
        let platform = Platform::parse(spec, &Platform::new("linux", "", ""))?;
        if platform.architecture.is_empty() {
            return Err(PlatformError::NoArchitecture(spec.to_owned()));
        }
        Ok(platform)
    }
}

impl FromStr for Platform {
    type Err = PlatformError;

    /// [`Platform::parse_hostless`].
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        Platform::parse_hostless(spec)
    }
}

/// Go's `path.Join`: non-empty parts joined with `/`, then `path.Clean` (`.` dropped, `..`
/// removes the element before it).
fn join_path(parts: &[&str]) -> String {
    let mut cleaned: Vec<&str> = Vec::new();
    for element in parts.iter().filter(|p| !p.is_empty()).flat_map(|p| p.split('/')) {
        match element {
            "" | "." => {}
            ".." => {
                if cleaned.pop().is_none() {
                    cleaned.push("..");
                }
            }
            e => cleaned.push(e),
        }
    }
    if cleaned.is_empty() {
        return if parts.iter().any(|p| !p.is_empty()) {
            ".".to_owned()
        } else {
            String::new()
        };
    }
    cleaned.join("/")
}

fn is_specifier_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// `^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?$` → os, version, features.
fn parse_os_component(component: &str) -> Option<(&str, &str, Vec<&str>)> {
    let option_byte = |b: u8| is_specifier_byte(b) || b == b'%';
    let (os, options) = match component.split_once('(') {
        Some((os, rest)) => (os, Some(rest.strip_suffix(')')?)),
        None => (component, None),
    };
    if os.is_empty() || !os.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        return None;
    }
    let Some(options) = options else {
        return Some((os, "", Vec::new()));
    };
    let mut pieces = options.split('+');
    let version = pieces.next().unwrap_or_default();
    let features: Vec<&str> = pieces.collect();
    let valid =
        version.bytes().all(option_byte) && features.iter().all(|f| !f.is_empty() && f.bytes().all(option_byte));
    valid.then_some((os, version, features))
}

/// Go's `url.PathUnescape`: `%XX` escapes decoded, a malformed escape refused (`None`).
/// Written here because the common crates pass malformed escapes through, and containerd
/// rejects them.
fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return Some(text.to_owned());
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// containerd's `encodeOSOption`.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '+' => out.push_str("%2B"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '/' => out.push_str("%2F"),
            c => out.push(c),
        }
    }
    out
}

/// containerd's `normalizeOS`.
fn normalize_os(os: &str) -> String {
    let os = os.to_ascii_lowercase();
    match os.as_str() {
        "macos" => "darwin".to_owned(),
        _ => os,
    }
}

/// containerd's `normalizeArch`: the alias table.
fn normalize_arch(arch: &str, variant: &str) -> (String, String) {
    let arch = arch.to_ascii_lowercase();
    let variant = variant.to_ascii_lowercase();
    match arch.as_str() {
        "i386" => ("386".into(), String::new()),
        "x86_64" | "x86-64" | "amd64" => ("amd64".into(), if variant == "v1" { String::new() } else { variant }),
        "aarch64" | "arm64" => {
            let variant = match variant.as_str() {
                "8" | "v8" | "v8.0" => String::new(),
                "9" | "9.0" | "v9.0" => "v9".into(),
                _ => variant,
            };
            ("arm64".into(), variant)
        }
        "armhf" => ("arm".into(), "v7".into()),
        "armel" => ("arm".into(), "v6".into()),
        "arm" => {
            let variant = match variant.as_str() {
                "" | "7" => "v7".into(),
                "5" | "6" | "8" => format!("v{variant}"),
                _ => variant,
            };
            ("arm".into(), variant)
        }
        _ => (arch, variant),
    }
}

/// `v8`, `v8.1` … `v8.9`, `v9`, `v9.1` … `v9.5`.
fn is_arm64_variant(variant: &str) -> bool {
    arm64_version(variant).is_some()
}

/// `(major, minor)` of an arm64 variant.
fn arm64_version(variant: &str) -> Option<(u32, u32)> {
    let v = variant.strip_prefix('v')?;
    let (major, minor) = match v.split_once('.') {
        Some((major, minor)) => (major.parse().ok()?, minor.parse().ok()?),
        None => (v.parse().ok()?, 0),
    };
    match (major, minor) {
        (8, 0..=9) | (9, 0..=5) => Some((major, minor)),
        _ => None,
    }
}

/// Largest variant number given a fallback chain (real ones stop at amd64/v4, arm/v8, arm64/v9.x).
const MAX_VARIANT_NUMBER: i64 = 64;

/// containerd's `platformVector` (as released in containerd/platforms v1.0.0-rc): the platform
/// and every platform it can also run, best first.
fn platform_vector(platform: &Platform) -> Vec<Platform> {
    let with = |architecture: &str, variant: String| Platform {
        architecture: architecture.to_owned(),
        variant,
        ..platform.clone()
    };
    // containerd builds one entry per lower version; an absurd variant (`v3333333`) would make a
    // vector of millions, so numbers above MAX_VARIANT_NUMBER get no numeric fallback.
    let number = |variant: &str| {
        variant
            .strip_prefix('v')
            .unwrap_or(variant)
            .parse::<i64>()
            .ok()
            .filter(|&n| n <= MAX_VARIANT_NUMBER)
    };
    let mut vector = vec![platform.clone()];
    match platform.architecture.as_str() {
        "amd64" => {
            if let Some(level) = number(&platform.variant).filter(|&l| l > 1) {
                vector.extend((1..level).rev().map(|l| with("amd64", format!("v{l}"))));
            }
            vector.push(with("386", String::new()));
        }
        "arm" => {
            if let Some(version) = number(&platform.variant).filter(|&v| v > 5) {
                vector.extend((5..version).rev().map(|v| with("arm", format!("v{v}"))));
            }
        }
        "arm64" => {
            let mut variant = if platform.variant.is_empty() {
                "v8".to_owned()
            } else {
                platform.variant.clone()
            };
            let (major, minor) = match variant.split_once('.') {
                Some((major, minor)) => (major, Some(minor)),
                None => (variant.as_str(), None),
            };
            if let Some(mut arm_major) = number(major).filter(|&m| m >= 8) {
                // Only a `vX.Y` of exactly four characters carries a minor (containerd's quirk).
                let mut arm_minor = minor
                    .filter(|_| variant.len() == 4)
                    .and_then(|m| m.parse::<i64>().ok())
                    .unwrap_or(0);
                let name = |major: i64, minor: i64| {
                    if minor == 0 {
                        format!("v{major}")
                    } else {
                        format!("v{major}.{minor}")
                    }
                };
                if arm_major == 9 {
                    vector.extend((0..arm_minor).rev().map(|m| with("arm64", name(9, m))));
                    arm_minor = (arm_minor + 5).min(9);
                    arm_major = 8;
                    vector.push(with("arm64", name(8, arm_minor)));
                }
                vector.extend((0..arm_minor).rev().map(|m| with("arm64", name(arm_major, m))));
            }
            if variant.starts_with("v8.") || variant.starts_with("v9.") {
                variant = "v8".to_owned();
            }
            vector.extend(platform_vector(&with("arm", variant)));
        }
        _ => {}
    }
    vector
}

/// Which of containerd's matchers to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchMode {
    /// `platforms.Only`: the platform and what it can also run.
    Only,
    /// `platforms.OnlyStrict`: the platform alone.
    OnlyStrict,
    /// `platforms.NewMatcher`: the normalised platform alone.
    Exact,
}

/// A host platform with the ordered list of platforms it accepts.
#[derive(Debug, Clone)]
pub struct Matcher {
    host: Platform,
    mode: MatchMode,
    vector: Vec<Platform>,
}

impl Matcher {
    /// A matcher in `mode` for `host`.
    pub fn new(host: &Platform, mode: MatchMode) -> Matcher {
        let normalized = host.normalize();
        let vector = match mode {
            // Each entry becomes a containerd `NewMatcher`, which normalises it.
            MatchMode::Only => platform_vector(&normalized).iter().map(Platform::normalize).collect(),
            MatchMode::OnlyStrict | MatchMode::Exact => vec![normalized.clone()],
        };
        Matcher {
            host: normalized,
            mode,
            vector,
        }
    }

    /// containerd's `Only`.
    pub fn only(host: &Platform) -> Matcher {
        Matcher::new(host, MatchMode::Only)
    }

    /// containerd's `OnlyStrict`.
    pub fn only_strict(host: &Platform) -> Matcher {
        Matcher::new(host, MatchMode::OnlyStrict)
    }

    /// containerd's `NewMatcher`.
    pub fn exact(host: &Platform) -> Matcher {
        Matcher::new(host, MatchMode::Exact)
    }

    /// The normalised host.
    pub fn host(&self) -> &Platform {
        &self.host
    }

    /// The mode.
    pub fn mode(&self) -> MatchMode {
        self.mode
    }

    /// The platforms accepted, best first.
    pub fn accepted(&self) -> &[Platform] {
        &self.vector
    }

    /// Whether `candidate` would be accepted.
    pub fn matches(&self, candidate: &Platform) -> bool {
        self.rank(candidate).is_some()
    }

    /// Position of the first accepted platform that `candidate` matches (0 is an exact match).
    pub fn rank(&self, candidate: &Platform) -> Option<usize> {
        let candidate = candidate.normalize();
        self.vector.iter().position(|wanted| single_match(wanted, &candidate))
    }

    /// containerd's `Less`: whether `a` is preferred over `b`. For a Windows host under the
    /// exact matcher this is `Default()`'s Windows comparer (higher `os.version` first); otherwise
    /// the ordered comparer: the earlier accepted platform wins, then more `os.features`.
    pub fn less(&self, a: &Platform, b: &Platform) -> bool {
        if self.mode == MatchMode::Exact && self.host.os == "windows" {
            return windows::less(self.matches(a), self.matches(b), a, b);
        }
        ordered_less(&self.vector, a, b, self.host.os == "windows")
    }

    /// Indices of `candidates` in preference order, as a stable sort by [`Matcher::less`].
    pub fn order(&self, candidates: &[Platform]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        // containerd's `Less` is not a strict weak order once non-matching candidates are
        // involved, so reproduce Go's small-slice insertion sort exactly rather than sort_by.
        for i in 1..order.len() {
            let mut j = i;
            while j > 0 && self.less(&candidates[order[j]], &candidates[order[j - 1]]) {
                order.swap(j, j - 1);
                j -= 1;
            }
        }
        order
    }

    /// The index of the candidate containerd would pick: the best match, first on ties.
    pub fn best(&self, candidates: &[Platform]) -> Option<usize> {
        self.order(candidates)
            .into_iter()
            .next()
            .filter(|&i| self.matches(&candidates[i]))
    }
}

/// containerd's `orderedPlatformComparer.Less`; on a Windows host two equally ranked matches
/// are ordered by `os.version`, highest first (containerd's newest `Only`).
fn ordered_less(vector: &[Platform], a: &Platform, b: &Platform, windows_host: bool) -> bool {
    let (na, nb) = (a.normalize(), b.normalize());
    for wanted in vector {
        let (am, bm) = (single_match(wanted, &na), single_match(wanted, &nb));
        if am && !bm {
            return true;
        }
        if am || bm {
            if am && bm && windows_host && a.os_version != b.os_version {
                return windows::natural_less(&b.os_version, &a.os_version);
            }
            return am && bm && a.os_features.len() > b.os_features.len();
        }
    }
    if !a.os_features.is_empty() || !b.os_features.is_empty() {
        let strip = |p: &Platform| Platform {
            os_features: Vec::new(),
            ..p.clone()
        };
        return ordered_less(vector, &strip(a), &strip(b), windows_host);
    }
    false
}

/// containerd's default matcher against one wanted (normalised) platform, plus the Windows
/// `os.version` rule and the `os.features` subset rule.
fn single_match(wanted: &Platform, candidate: &Platform) -> bool {
    wanted.os == candidate.os
        && wanted.architecture == candidate.architecture
        && wanted.variant == candidate.variant
        && os_features_supported(wanted, candidate)
        && windows::os_version_compatible(wanted, candidate)
}

/// Every feature the candidate requires must be offered by the host. On Windows hosts one
/// `win32k` is forgiven: Nano Server lacks it and containerd ignores it there.
fn os_features_supported(host: &Platform, candidate: &Platform) -> bool {
    let mut required: Vec<&String> = candidate.os_features.iter().collect();
    if host.os == "windows" {
        if let Some(i) = required.iter().position(|f| *f == "win32k") {
            required.remove(i);
        }
    }
    required.iter().all(|f| host.os_features.contains(f))
}

#[cfg(test)]
mod tests;
