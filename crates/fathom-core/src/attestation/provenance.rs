//! SLSA provenance as BuildKit writes it, v0.2 and v1: who built the image, when, from which
//! source and commit, with which Dockerfile and build arguments, on top of which base images
//! (each a reference a user can inspect). The field maps are BuildKit's
//! (moby/buildkit `docs/attestations/slsa-definitions.md`): v0.2 `invocation`, `materials` and
//! `metadata["https://mobyproject.org/buildkit@v1#metadata"]`; v1 `buildDefinition` and
//! `runDetails` with `buildkit_metadata`.

use std::collections::BTreeMap;
use std::str::FromStr;

use packageurl::PackageUrl;
use serde::Serialize;
use serde_json::Value;

use super::Statement;
use crate::reference::Reference;

/// The predicate type of SLSA provenance v0.2.
pub const SLSA_V0_2: &str = "https://slsa.dev/provenance/v0.2";
/// The predicate type of SLSA provenance v1.
pub const SLSA_V1: &str = "https://slsa.dev/provenance/v1";
/// The key of BuildKit's own metadata in a v0.2 predicate's `metadata`.
const BUILDKIT_METADATA: &str = "https://mobyproject.org/buildkit@v1#metadata";

/// What a provenance statement says of a build.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Provenance {
    /// `v0.2` or `v1`.
    pub slsa_version: String,
    /// Who built it (a CI run's URL, or empty for a local build).
    pub builder_id: Option<String>,
    /// How (BuildKit's build type).
    pub build_type: Option<String>,
    /// The build's id at the builder.
    pub invocation_id: Option<String>,
    /// When it started (RFC 3339).
    pub started_on: Option<String>,
    /// When it finished.
    pub finished_on: Option<String>,
    /// The source repository and commit (BuildKit's `vcs`), when the build was given them.
    pub source: Option<Source>,
    /// The build's context when it was fetched by the builder (a Git URL).
    pub context: Option<String>,
    /// The Dockerfile (or the frontend's entry point).
    pub entry_point: Option<String>,
    /// The frontend (`dockerfile.v0`, `gateway.v0`).
    pub frontend: Option<String>,
    /// The target stage, when one was named.
    pub target: Option<String>,
    /// `--build-arg`s.
    pub build_args: BTreeMap<String, String>,
    /// `--label`s.
    pub labels: BTreeMap<String, String>,
    /// The builder's platform.
    pub builder_platform: Option<String>,
    /// What went into it: base images and other sources, with their digests.
    pub materials: Vec<Material>,
    /// Whether BuildKit says it is reproducible.
    pub reproducible: Option<bool>,
    /// Whether the parameters are complete (the request, in v1).
    pub parameters_complete: Option<bool>,
    /// Whether the materials are complete (the resolved dependencies, in v1).
    pub materials_complete: Option<bool>,
}

/// A build's source, as BuildKit records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    /// The repository (`https://github.com/org/repo`, as written).
    pub repository: String,
    /// The commit (a `-dirty` suffix: uncommitted changes went in).
    pub revision: Option<String>,
    /// A link to the commit, for the hosts whose commit URLs are known (GitHub, GitLab).
    pub commit_url: Option<String>,
}

/// One material (v1: resolved dependency).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Material {
    /// Its URI (`pkg:docker/golang@1.24.1?platform=linux%2Famd64`, a Git URL, an HTTP URL).
    pub uri: String,
    /// Its digest (`sha256:…`).
    pub digest: Option<String>,
    /// For an image: the reference to inspect it by, pinned to the digest.
    pub image: Option<String>,
    /// For an image: the platform used.
    pub platform: Option<String>,
}

/// One line of what a provenance says, as every face shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// What it is (`Builder`, `Commit`).
    pub label: &'static str,
    /// Its value, in words.
    pub value: String,
    /// The value's web page, when it has one (a CI run, a repository, a commit).
    pub link: Option<String>,
}

impl Provenance {
    /// What it says, line by line, in the order every face shows it (the materials apart).
    pub fn lines(&self) -> Vec<Line> {
        let line = |label, value: String, link: Option<String>| Line { label, value, link };
        let https = |v: &str| v.starts_with("https://").then(|| v.to_owned());
        let yes_no = |b: Option<bool>| b.map_or("?", |b| if b { "yes" } else { "no" });
        let builder = self
            .builder_id
            .clone()
            .unwrap_or_else(|| "(none: a local build)".into());
        let mut lines = vec![
            line("SLSA provenance", self.slsa_version.clone(), None),
            line("Builder", builder.clone(), https(&builder)),
        ];
        if let Some(build_type) = &self.build_type {
            lines.push(line("Build type", build_type.clone(), None));
        }
        let built = format!(
            "{} → {}",
            self.started_on.as_deref().unwrap_or("?"),
            self.finished_on.as_deref().unwrap_or("?")
        );
        lines.push(line("Built", built, None));
        if let Some(id) = &self.invocation_id {
            lines.push(line("Build id", id.clone(), None));
        }
        if let Some(source) = &self.source {
            lines.push(line("Source", source.repository.clone(), https(&source.repository)));
            if let Some(revision) = &source.revision {
                lines.push(line("Commit", revision.clone(), source.commit_url.clone()));
            }
        }
        if let Some(context) = &self.context {
            lines.push(line("Context", context.clone(), None));
        }
        let target = self
            .target
            .as_deref()
            .map(|t| format!(", target {t}"))
            .unwrap_or_default();
        let dockerfile = format!(
            "{} (frontend {}{target})",
            self.entry_point.as_deref().unwrap_or("?"),
            self.frontend.as_deref().unwrap_or("?")
        );
        lines.push(line("Dockerfile", dockerfile, None));
        for (name, value) in &self.build_args {
            lines.push(line("Build arg", format!("{name}={value}"), None));
        }
        for (name, value) in &self.labels {
            lines.push(line("Label", format!("{name}={value}"), None));
        }
        if let Some(platform) = &self.builder_platform {
            lines.push(line("Builder platform", platform.clone(), None));
        }
        let reproducible = format!(
            "{}; parameters complete: {}; materials complete: {}",
            yes_no(self.reproducible),
            yes_no(self.parameters_complete),
            yes_no(self.materials_complete)
        );
        lines.push(line("Reproducible", reproducible, None));
        lines
    }

    /// The provenance `statement` holds, when its predicate is SLSA provenance v0.2 or v1.
    pub fn of(statement: &Statement) -> Option<Provenance> {
        let p = &statement.predicate;
        match statement.predicate_type.as_str() {
            SLSA_V0_2 => Some(v0_2(p)),
            SLSA_V1 => Some(v1(p)),
            _ => None,
        }
    }
}

fn v0_2(p: &Value) -> Provenance {
    let invocation = &p["invocation"];
    let metadata = &p["metadata"];
    let parameters = &invocation["parameters"];
    let (build_args, labels, target) = args(&parameters["args"]);
    Provenance {
        slsa_version: "v0.2".into(),
        builder_id: text(&p["builder"]["id"]),
        build_type: text(&p["buildType"]),
        invocation_id: text(&metadata["buildInvocationID"]),
        started_on: text(&metadata["buildStartedOn"]),
        finished_on: text(&metadata["buildFinishedOn"]),
        source: source(&metadata[BUILDKIT_METADATA]["vcs"]),
        context: text(&invocation["configSource"]["uri"]),
        entry_point: text(&invocation["configSource"]["entryPoint"]),
        frontend: text(&parameters["frontend"]),
        target,
        build_args,
        labels,
        builder_platform: text(&invocation["environment"]["platform"]),
        materials: materials(&p["materials"]),
        reproducible: metadata["reproducible"].as_bool(),
        parameters_complete: metadata["completeness"]["parameters"].as_bool(),
        materials_complete: metadata["completeness"]["materials"].as_bool(),
    }
}

fn v1(p: &Value) -> Provenance {
    let definition = &p["buildDefinition"];
    let external = &definition["externalParameters"];
    let request = &external["request"];
    let metadata = &p["runDetails"]["metadata"];
    let (build_args, labels, target) = args(&request["args"]);
    Provenance {
        slsa_version: "v1".into(),
        builder_id: text(&p["runDetails"]["builder"]["id"]),
        build_type: text(&definition["buildType"]),
        invocation_id: text(&metadata["invocationId"]),
        started_on: text(&metadata["startedOn"]),
        finished_on: text(&metadata["finishedOn"]),
        source: source(&metadata["buildkit_metadata"]["vcs"]),
        context: text(&external["configSource"]["uri"]),
        entry_point: text(&external["configSource"]["path"]),
        frontend: text(&request["frontend"]),
        target,
        build_args,
        labels,
        builder_platform: text(&definition["internalParameters"]["builderPlatform"]),
        materials: materials(&definition["resolvedDependencies"]),
        reproducible: metadata["buildkit_reproducible"].as_bool(),
        parameters_complete: metadata["buildkit_completeness"]["request"].as_bool(),
        materials_complete: metadata["buildkit_completeness"]["resolvedDependencies"].as_bool(),
    }
}

/// A non-empty string.
fn text(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// The frontend's arguments, split as the Dockerfile frontend names them: `build-arg:NAME`,
/// `label:NAME`, and the target stage.
fn args(v: &Value) -> (BTreeMap<String, String>, BTreeMap<String, String>, Option<String>) {
    let (mut build_args, mut labels, mut target) = (BTreeMap::new(), BTreeMap::new(), None);
    for (key, value) in v.as_object().into_iter().flatten() {
        let Some(value) = value.as_str() else { continue };
        if let Some(name) = key.strip_prefix("build-arg:") {
            build_args.insert(name.to_owned(), value.to_owned());
        } else if let Some(name) = key.strip_prefix("label:") {
            labels.insert(name.to_owned(), value.to_owned());
        } else if key == "target" {
            target = Some(value.to_owned());
        }
    }
    (build_args, labels, target)
}

/// BuildKit's `vcs`: `source` (the repository) and `revision`.
fn source(vcs: &Value) -> Option<Source> {
    let repository = text(&vcs["source"])?;
    let revision = text(&vcs["revision"]);
    let commit_url = revision.as_deref().and_then(|r| commit_url(&repository, r));
    Some(Source {
        repository,
        revision,
        commit_url,
    })
}

/// The web page of `revision` in `repository`, for GitHub and GitLab (whose commit pages are
/// `<repo>/commit/<sha>` and `<repo>/-/commit/<sha>`); SSH remotes (`git@host:org/repo.git`)
/// read as their HTTPS pages.
fn commit_url(repository: &str, revision: &str) -> Option<String> {
    let revision = revision.strip_suffix("-dirty").unwrap_or(revision);
    if revision.is_empty() || !revision.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let https = match repository.strip_prefix("git@") {
        Some(rest) => format!("https://{}", rest.replacen(':', "/", 1)),
        None => repository.to_owned(),
    };
    let page = https.trim_end_matches('/').trim_end_matches(".git");
    let path = page.strip_prefix("https://")?;
    match path.split('/').next()? {
        "github.com" => Some(format!("{page}/commit/{revision}")),
        "gitlab.com" => Some(format!("{page}/-/commit/{revision}")),
        _ => None,
    }
}

fn materials(v: &Value) -> Vec<Material> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| {
            let uri = text(&m["uri"])?;
            // sha256 when it is there (the algorithm image digests use), else the first given.
            let digests = m["digest"].as_object();
            let digest = digests
                .and_then(|d| d.get_key_value("sha256").or_else(|| d.iter().next()))
                .and_then(|(algorithm, hex)| Some(format!("{algorithm}:{}", hex.as_str()?)));
            let (image, platform) = image_of(&uri, digest.as_deref());
            Some(Material {
                uri,
                digest,
                image,
                platform,
            })
        })
        .collect()
}

/// A `pkg:docker` purl (the purl spec's docker type: namespace, name, a tag as the version; the
/// `digest` and `platform` qualifiers BuildKit adds) as a reference pinned to the material's
/// recorded `digest` (what the statement vouches for; else the purl's), and its platform.
fn image_of(uri: &str, digest: Option<&str>) -> (Option<String>, Option<String>) {
    let Ok(purl) = PackageUrl::from_str(uri) else {
        return (None, None);
    };
    if purl.ty() != "docker" {
        return (None, None);
    }
    let qualifier = |key: &str| purl.qualifiers().get(key).map(|v| v.to_string());
    let name = match purl.namespace() {
        Some(namespace) => format!("{namespace}/{}", purl.name()),
        None => purl.name().to_owned(),
    };
    let tag = purl
        .version()
        .filter(|v| !v.contains(':'))
        .map(|v| format!(":{v}"))
        .unwrap_or_default();
    let pinned = digest.map(str::to_owned).or_else(|| qualifier("digest"));
    let text = match pinned {
        Some(digest) => format!("{name}{tag}@{digest}"),
        None => format!("{name}{tag}"),
    };
    let image = Reference::parse(&text).ok().map(|_| text);
    (image, qualifier("platform"))
}
