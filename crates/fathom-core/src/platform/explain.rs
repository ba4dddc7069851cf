//! "Will it run here?" — the verdict for every candidate, and what would help when none fits.

use super::{windows, MatchMode, Matcher, Platform};

/// One candidate's verdict.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CandidateVerdict {
    /// Position of the candidate in the list given to [`explain`].
    pub index: usize,
    /// The candidate as given.
    pub platform: Platform,
    /// Whether the matcher accepts it.
    pub matches: bool,
    /// Why it does or does not match, for a person.
    pub reason: String,
}

/// What kind of help a remedy is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RemedyKind {
    /// Run another architecture under emulation.
    Emulation,
    /// Use a different tag, or build for this platform.
    AnotherTag,
    /// Windows: Hyper-V isolation runs older builds.
    Isolation,
}

/// Something the user can do about a missing match.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Remedy {
    /// What kind of help.
    pub kind: RemedyKind,
    /// What to do.
    pub message: String,
    /// The `--platform` value the remedy uses, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
}

/// The full answer for one host and a set of candidates.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Explanation {
    /// The host platform, normalised.
    pub host: Platform,
    /// The matcher used.
    pub mode: MatchMode,
    /// The candidate containerd would pick.
    pub chosen: Option<usize>,
    /// One line for a person.
    pub summary: String,
    /// Every candidate: matches best first, then the nearest misses first.
    pub candidates: Vec<CandidateVerdict>,
    /// What would help when nothing matches.
    pub remedies: Vec<Remedy>,
}

/// Architectures that qemu-user (binfmt_misc) commonly emulates for containers.
const EMULATED: &[&str] = &[
    "amd64", "arm64", "arm", "386", "ppc64le", "s390x", "riscv64", "mips64le", "mips64", "loong64",
];

/// Explains which of `candidates` a `host` would run under `mode`.
pub fn explain(host: &Platform, candidates: &[Platform], mode: MatchMode) -> Explanation {
    let matcher = Matcher::new(host, mode);
    let host = matcher.host().clone();
    let chosen = matcher.best(candidates);
    let mut verdicts: Vec<(u8, CandidateVerdict)> = matcher
        .order(candidates)
        .into_iter()
        .map(|index| {
            let platform = &candidates[index];
            let (distance, reason) = verdict(&matcher, platform);
            (
                distance,
                CandidateVerdict {
                    index,
                    platform: platform.clone(),
                    matches: distance == 0,
                    reason,
                },
            )
        })
        .collect();
    // Matches keep containerd's order; misses follow, nearest first (stable).
    verdicts.sort_by_key(|(distance, _)| *distance);

    let summary = match chosen {
        Some(i) => format!("{} runs {}", host.format_all(), candidates[i].normalize().format_all()),
        None => format!(
            "no matching manifest for {} in the manifest list entries",
            host.format_all()
        ),
    };
    let remedies = if chosen.is_some() {
        Vec::new()
    } else {
        remedies(&host, candidates)
    };
    Explanation {
        host,
        mode,
        chosen,
        summary,
        candidates: verdicts.into_iter().map(|(_, v)| v).collect(),
        remedies,
    }
}

/// `(distance, reason)`: 0 is a match; larger is further away.
fn verdict(matcher: &Matcher, candidate: &Platform) -> (u8, String) {
    let host = matcher.host();
    let c = candidate.normalize();
    if let Some(rank) = matcher.rank(candidate) {
        let reason = if rank == 0 {
            format!("matches {}", host.format_all())
        } else {
            format!(
                "{} can also run {} (fallback {rank} of {})",
                host,
                c,
                matcher.accepted().len() - 1
            )
        };
        return (0, reason);
    }
    if candidate.is_unknown() {
        return (
            9,
            "unknown/unknown: not an image for any platform (an attestation or other artifact)".into(),
        );
    }
    if c.os != host.os {
        return (5, format!("built for {}; a {} host cannot run it", c.os, host.os));
    }
    let accepted: Vec<String> = matcher.accepted().iter().map(ToString::to_string).collect();
    let same_arch = matcher.accepted().iter().any(|a| a.architecture == c.architecture);
    if same_arch
        && !matcher
            .accepted()
            .iter()
            .any(|a| a.architecture == c.architecture && a.variant == c.variant)
    {
        return (
            1,
            format!(
                "{} is not among the variants this host runs ({})",
                c,
                accepted.join(", ")
            ),
        );
    }
    if same_arch && !c.os_features.iter().all(|f| host.os_features.contains(f)) {
        return (
            1,
            format!(
                "requires os.features {:?}, which the host does not offer",
                c.os_features
            ),
        );
    }
    if same_arch {
        if let Some(reason) = windows::incompatibility(host, &c) {
            return (1, reason);
        }
    }
    let distance = if EMULATED.contains(&c.architecture.as_str()) {
        2
    } else {
        3
    };
    let how = match matcher.mode() {
        MatchMode::Only => format!("this host runs {}", accepted.join(", ")),
        _ => format!("the strict matcher accepts only {}", host),
    };
    (distance, format!("architecture {}; {how}", c.architecture))
}

fn remedies(host: &Platform, candidates: &[Platform]) -> Vec<Remedy> {
    let mut remedies = Vec::new();
    let normalized: Vec<Platform> = candidates
        .iter()
        .map(Platform::normalize)
        .filter(|p| !p.is_unknown())
        .collect();
    let same_os: Vec<&Platform> = normalized.iter().filter(|p| p.os == host.os).collect();
    // Prefer emulating amd64 (the most widely published), else the first candidate that qemu runs.
    let emulate = same_os.iter().find(|p| p.architecture == "amd64").or_else(|| {
        same_os
            .iter()
            .find(|p| EMULATED.contains(&p.architecture.as_str()) && p.architecture != host.architecture)
    });
    if let Some(target) = emulate.filter(|_| host.os == "linux") {
        let spec = target.to_string();
        let mut message = format!(
            "run it under emulation with `--platform {spec}`: install qemu-user-static / binfmt handlers (`docker run --privileged --rm tonistiigi/binfmt --install {}`)",
            target.architecture
        );
        if host.architecture == "arm64" && target.architecture == "amd64" {
            message.push_str("; on Apple silicon, Docker Desktop can use Rosetta instead");
        }
        message.push_str(" — expect it to run slower");
        remedies.push(Remedy {
            kind: RemedyKind::Emulation,
            message,
            platform: Some(spec),
        });
    }
    if host.os == "windows" && same_os.iter().any(|p| p.architecture == host.architecture) {
        remedies.push(Remedy {
            kind: RemedyKind::Isolation,
            message:
                "run with Hyper-V isolation (`--isolation=hyperv`), which can run images built for older Windows builds"
                    .into(),
            platform: None,
        });
    }
    if !normalized.is_empty() && same_os.is_empty() {
        let oses: std::collections::BTreeSet<&str> = normalized.iter().map(|p| p.os.as_str()).collect();
        remedies.push(Remedy {
            kind: RemedyKind::AnotherTag,
            message: format!(
                "this image is built only for {}; a {} host needs a different image or tag",
                oses.into_iter().collect::<Vec<_>>().join(", "),
                host.os
            ),
            platform: None,
        });
    }
    remedies.push(Remedy {
        kind: RemedyKind::AnotherTag,
        message: format!(
            "look for another tag that publishes {host}, or build one: `docker buildx build --platform {host} …`"
        ),
        platform: Some(host.to_string()),
    });
    remedies
}
