//! Windows `os.version` compatibility, as containerd's `platform_windows_compat.go` decides it.
//!
//! A container runs on a Windows host only when major.minor are equal and: for hosts older than
//! Windows Server 2022 (build 20348) the build is the same; from 20348 on, any build from the
//! newest LTSC release not above the host's build up to the host's own build (the "stable ABI"
//! window).

use super::Platform;

/// Windows Server 2022, the first release with a stable container ABI.
const LTSC2022: u32 = 20348;

/// LTSC releases that later hosts keep running, ascending.
const COMPAT_LTSC_RELEASES: &[u32] = &[LTSC2022];

/// `major.minor.build[.revision]` of a Windows `os.version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct WindowsVersion {
    major: u32,
    minor: u32,
    build: u32,
    revision: u32,
}

/// Parses `10.0.20348` or `10.0.20348.1726`.
pub(super) fn parse_version(text: &str) -> Option<WindowsVersion> {
    let mut parts = text.split('.').map(|p| p.parse::<u32>().ok());
    let major = parts.next()??;
    let minor = parts.next()??;
    let build = parts.next()??;
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
    let oldest = COMPAT_LTSC_RELEASES
        .iter()
        .rev()
        .find(|&&ltsc| host.build >= ltsc)
        .copied()
        .unwrap_or(LTSC2022);
    container.build >= oldest && container.build <= host.build
}

/// Whether `candidate`'s `os.version` can run on `host` (always true off Windows, or when either
/// side gives no version).
pub(super) fn os_version_compatible(host: &Platform, candidate: &Platform) -> bool {
    incompatibility(host, candidate).is_none()
}

/// Why `candidate`'s `os.version` cannot run on `host`, or `None` when it can.
pub(super) fn incompatibility(host: &Platform, candidate: &Platform) -> Option<String> {
    if host.os != "windows" || host.os_version.is_empty() || candidate.os_version.is_empty() {
        return None;
    }
    if candidate.os_version.starts_with(&host.os_version) {
        return None;
    }
    let (Some(h), Some(c)) = (parse_version(&host.os_version), parse_version(&candidate.os_version)) else {
        return Some(format!(
            "os.version {:?} cannot be compared with the host's {:?}",
            candidate.os_version, host.os_version
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
            "os.version {} is build {}; a host on build {} runs builds {LTSC2022} (Windows Server 2022) to {}",
            candidate.os_version, c.build, h.build, h.build
        )
    })
}

/// Tie-break between two matches of equal rank: on a Windows host, the candidate whose build is
/// the host's own wins, then the higher build, then the higher revision.
pub(super) fn prefer(host: &Platform, a: &Platform, b: &Platform) -> bool {
    if host.os != "windows" {
        return false;
    }
    let key = |p: &Platform| {
        let v = parse_version(&p.os_version);
        let own = match (v, parse_version(&host.os_version)) {
            (Some(v), Some(h)) => v.build == h.build,
            _ => false,
        };
        (own, v.map(|v| (v.build, v.revision)))
    };
    key(a) > key(b)
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
    fn versions_parse() {
        assert!(parse_version("10.0.20348").is_some());
        assert!(parse_version("10.0").is_none());
        assert!(parse_version("10.0.x").is_none());
        assert!(parse_version("10.0.1.2.3").is_none());
    }
}
