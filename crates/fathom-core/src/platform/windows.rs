//! Windows `os.version` compatibility, as containerd's `platform_windows_compat.go` decides it.
//!
//! A container runs on a Windows host only when major.minor are equal and: for hosts older than
//! Windows Server 2022 (build 20348) the build is the same; from 20348 on, any build from the
//! newest LTSC release not above the host's build up to the host's own build (the "stable ABI"
//! window).

use super::Platform;

/// Windows Server 2022, the first release with a stable container ABI.
const LTSC2022: u32 = 20348;
/// Windows Server 2025.
const LTSC2025: u32 = 26100;

/// LTSC releases with a stable ABI, ascending.
const COMPAT_LTSC_RELEASES: &[u32] = &[LTSC2022, LTSC2025];

/// `major.minor.build[.revision]` of a Windows `os.version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct WindowsVersion {
    major: u32,
    minor: u32,
    build: u32,
    revision: u32,
}

/// Parses `10.0.20348` or `10.0.20348.1726` as containerd does: at least three numbers, major and
/// minor at most 255, build at most 65535; the revision is kept for display only.
pub(super) fn parse_version(text: &str) -> Option<WindowsVersion> {
    let mut parts = text.split('.').map(|p| p.parse::<u32>().ok());
    let major = parts.next()?.filter(|&m| m <= 255)?;
    let minor = parts.next()?.filter(|&m| m <= 255)?;
    let build = parts.next()?.filter(|&b| b <= 65535)?;
    let revision = match parts.next() {
        Some(r) => r?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(WindowsVersion {
        major,
        minor,
        build,
        revision,
    })
}

/// containerd's `checkWindowsHostAndContainerCompat`.
fn host_runs(host: WindowsVersion, container: WindowsVersion) -> bool {
    if host.major != container.major || host.minor != container.minor {
        return false;
    }
    if host.build < LTSC2022 {
        return host.build == container.build;
    }
    // The floor is the LTSC one step before the newest LTSC the host has reached.
    let reached = COMPAT_LTSC_RELEASES
        .iter()
        .rposition(|&ltsc| host.build >= ltsc)
        .unwrap_or(0);
    let oldest = COMPAT_LTSC_RELEASES[reached.saturating_sub(1)];
    container.build >= oldest && container.build <= host.build
}

/// Whether `candidate`'s `os.version` can run on `host` (always true off Windows, or when either
/// side gives no version).
pub(super) fn os_version_compatible(host: &Platform, candidate: &Platform) -> bool {
    incompatibility(host, candidate).is_none()
}

/// Why `candidate`'s `os.version` cannot run on `host`, or `None` when it can. An empty or
/// unparseable host version, or an image without one, always matches (containerd's rule).
pub(super) fn incompatibility(host: &Platform, candidate: &Platform) -> Option<String> {
    if host.os != "windows" || candidate.os_version.is_empty() {
        return None;
    }
    let h = parse_version(&host.os_version)?;
    let Some(c) = parse_version(&candidate.os_version) else {
        return Some(format!(
            "os.version {:?} is not major.minor.build",
            candidate.os_version
        ));
    };
    if host_runs(h, c) {
        return None;
    }
    Some(if h.major != c.major || h.minor != c.minor {
        format!(
            "os.version {} has another major.minor than the host's {}",
            candidate.os_version, host.os_version
        )
    } else if h.build < LTSC2022 {
        format!(
            "os.version {} is build {}; a host on build {} (older than Windows Server 2022) runs only its own build",
            candidate.os_version, c.build, h.build
        )
    } else {
        format!(
            "os.version {} is build {}; a host on build {} runs builds from {LTSC2022} (Windows Server 2022) up to its own",
            candidate.os_version, c.build, h.build
        )
    })
}

/// `windowsMatchComparer.Less` (what containerd's `Default()` sorts with on Windows): matches
/// first, and among matches the higher `os.version`, compared as plain strings as containerd does.
pub(super) fn less(a_matches: bool, b_matches: bool, a: &Platform, b: &Platform) -> bool {
    if a_matches && b_matches {
        return a.os_version > b.os_version;
    }
    a_matches && !b_matches
}

/// Natural string order: runs of digits compare as numbers (`9 < 10`), other bytes as bytes,
/// a prefix before the longer string.
pub(super) fn natural_less(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].is_ascii_digit() && b[j].is_ascii_digit() {
            let (si, sj) = (i, j);
            while i < a.len() && a[i].is_ascii_digit() {
                i += 1;
            }
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let (ra, rb) = (&a[si..i], &b[sj..j]);
            let (ta, tb) = (trim_zeros(ra), trim_zeros(rb));
            let order = ta.len().cmp(&tb.len()).then(ta.cmp(tb)).then(ra.len().cmp(&rb.len()));
            if order != std::cmp::Ordering::Equal {
                return order == std::cmp::Ordering::Less;
            }
        } else {
            if a[i] != b[j] {
                return a[i] < b[j];
            }
            i += 1;
            j += 1;
        }
    }
    a.len() - i < b.len() - j
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let start = digits.iter().position(|&d| d != b'0').unwrap_or(digits.len());
    &digits[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn win(version: &str) -> Platform {
        Platform {
            os_version: version.into(),
            ..Platform::new("windows", "amd64", "")
        }
    }

    #[test]
    fn builds_below_ltsc2022_must_match_exactly() {
        let host = win("10.0.17763.4377");
        assert!(os_version_compatible(&host, &win("10.0.17763.1697")));
        assert!(!os_version_compatible(&host, &win("10.0.19042.1889")));
        assert!(!os_version_compatible(&host, &win("10.0.20348.1726")));
    }

    #[test]
    fn ltsc2022_window() {
        let host = win("10.0.22621.1");
        assert!(os_version_compatible(&host, &win("10.0.20348.1726")));
        assert!(!os_version_compatible(&host, &win("10.0.17763.4377")));
        assert!(!os_version_compatible(&host, &win("10.0.25398.1")));
        assert!(!os_version_compatible(&host, &win("6.3.20348.1")));
        let reason = incompatibility(&host, &win("10.0.17763.4377")).unwrap();
        assert!(reason.contains("20348"), "{reason}");
    }

    #[test]
    fn natural_order() {
        assert!(natural_less("power9", "power10"));
        assert!(natural_less("v8.5", "v8.10"));
        assert!(natural_less("", "a"));
        assert!(natural_less("9", "09"));
        assert!(!natural_less("10.0.17763.10", "10.0.17763.9"));
    }

    #[test]
    fn versions_parse() {
        assert!(parse_version("10.0.20348").is_some());
        assert!(parse_version("10.0").is_none());
        assert!(parse_version("10.0.x").is_none());
        assert!(parse_version("10.0.1.2.3").is_none());
        assert!(parse_version("256.0.1").is_none());
        assert!(parse_version("10.0.65536").is_none());
    }
}
