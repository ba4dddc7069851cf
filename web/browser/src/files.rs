//! The messages between the page and its file worker (JSON over `postMessage`). The worker
//! streams an image's layers through the core's layer reader, keeps the merged filesystem, and
//! answers what the page asks in words and rows ready to show: the page only draws them (each
//! typed field the page reads costs its first load; text costs nothing).

use fathom_core::report::LayerInfo;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The most of a file the page shows (text or a hex dump).
pub const SHOWN_BYTES: u64 = 256 << 10;

/// What the page asks the worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Ask {
    /// Stream these layers of `reference`'s repository, bottom first, and build the filesystem.
    Open {
        /// The reference (its registry and repository name the blobs' home).
        reference: String,
        /// The layers, as the image manifest lists them (with the config's diff_ids).
        layers: Vec<LayerInfo>,
        /// Registry endpoints the page reaches through the edge's proxy.
        proxied: Vec<String>,
        /// Read the layers from the archive the page gave the worker, not from the registry.
        #[serde(default)]
        archive: bool,
    },
    /// A registry request, answered from the archive the page gave the worker (see
    /// [`fathom_core::archive::registry`]): the page's inspect walk reads a file as it reads a
    /// registry.
    Fetch {
        /// What the answer is matched by.
        id: u32,
        /// `true`: `HEAD`; else `GET`.
        head: bool,
        /// The request's URL.
        url: String,
        /// The most body the walk takes.
        max_body: u64,
    },
    /// Read the statement layers of the attestation manifests that describe an image (its
    /// provenance, its SBOM), checked against their digests and the image.
    Attest {
        /// The reference (its registry and repository name the blobs' home).
        reference: String,
        /// The image's manifest digest (what each statement must name).
        image: String,
        /// The statement layers.
        layers: Vec<LayerInfo>,
        /// The SBOM documents attached to the top manifest as referrers (`oras attach` style):
        /// each referrer's digest and its document layer (the page walked the referrer).
        #[serde(default)]
        documents: Vec<(String, LayerInfo)>,
        /// Registry endpoints the page reaches through the edge's proxy.
        proxied: Vec<String>,
        /// Read them from the archive the page gave the worker.
        #[serde(default)]
        archive: bool,
    },
    /// Look up an image's cosign signatures (the `.sig` tag, signature referrers) and check
    /// them — with the public key the user gave, when one was given.
    Verify {
        /// The reference (its registry and repository are where the signatures are).
        reference: String,
        /// The digests whose signatures to look up (the reference's, the pulled image's).
        subjects: Vec<String>,
        /// The signer's public key, PEM, as the user pasted or loaded it (kept in the page).
        key: Option<String>,
        /// For keyless signatures: the Sigstore trusted root's JSON, and who must have signed
        /// (subject, OIDC issuer).
        #[serde(default)]
        keyless: Option<Keyless>,
        /// Registry endpoints the page reaches through the edge's proxy.
        proxied: Vec<String>,
    },
    /// Show `path` of the merged filesystem (`layer: None`) or of one layer's archive: a
    /// directory's entries, or a file's first bytes with the entries beside it.
    Show {
        /// The path, from the root (`/`: the root).
        path: String,
        /// One layer's archive, or the merged filesystem.
        layer: Option<usize>,
    },
}

/// What a keyless check needs from the user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Keyless {
    /// The trusted root's JSON (`trusted_root.json`).
    pub trusted_root: String,
    /// The identity expected (the certificate's subject alternative name).
    pub identity: String,
    /// The OIDC issuer expected.
    pub issuer: String,
}

/// What the worker answers: written with serde's derive (in the worker), read by [`Answer::read`]
/// (in the page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Answer {
    /// It is loaded and listens.
    Ready,
    /// Bytes of layers read so far.
    Progress(Progress),
    /// Every layer is read (verified or not).
    Opened(Opened),
    /// What [`Ask::Show`] asked for.
    Shown(Shown),
    /// The archive the page gave is indexed: the images it holds.
    Archive(ArchiveOpened),
    /// What [`Ask::Fetch`] asked for. Its body travels beside the message's text, as bytes.
    Fetched(Fetched),
    /// What [`Ask::Attest`] asked for.
    Attested(AttestedView),
    /// What [`Ask::Verify`] asked for.
    Signed(SignedView),
    /// Reading failed before the layers were whole (the registry, the network).
    Failed {
        /// What happened.
        message: String,
    },
}

/// How far the layers' streaming has come.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Compressed bytes read, over all layers.
    pub read: u64,
    /// Compressed bytes of all layers, as the manifest gives them.
    pub total: u64,
    /// "12.3 MB of 40.1 MB · layer 2 of 5 · 8.1 MB/s · 4 s left".
    pub text: String,
}

/// What the layers hold, in rows and words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Opened {
    /// A row per layer: #, digest, size, unpacked, added, changed, deleted, wasted, check.
    pub layers: Vec<Row>,
    /// Each layer that fails its check, said (empty: all verified).
    pub failures: Vec<String>,
    /// The wasted space, in a sentence.
    pub waste: String,
    /// The paths that waste most.
    pub wasted: Vec<String>,
    /// How much was read, how fast.
    pub read: String,
    /// Uncompressed bytes read (what a throughput is counted in).
    pub unpacked: u64,
    /// Milliseconds the reading took.
    pub elapsed_ms: u64,
}

/// An image archive, indexed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ArchiveOpened {
    /// The file's name.
    pub title: String,
    /// Its size, and how long indexing it took.
    pub read: String,
    /// Each image's reference (`name:tag@digest`), for a walk.
    pub images: Vec<String>,
    /// Each image, described (its media type; whether its manifest is rebuilt).
    pub described: Vec<String>,
    /// What is wrong with the archive (each an error finding, said).
    pub problems: Vec<String>,
    /// What a reader should know of it (info findings, said).
    pub notes: Vec<String>,
}

/// What an image's attestations say, in rows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AttestedView {
    /// Each failed check, said (a statement about another image, bytes not their digest's).
    pub problems: Vec<String>,
    /// The provenance: label and value; a link where the value has a page.
    pub provenance: Vec<Row>,
    /// What went into the build: an image (its reference opens its view) and its platform, or
    /// another source and its digest.
    pub materials: Vec<Row>,
    /// The SBOM in a sentence (format, tools, packages by ecosystem), if there is one.
    pub sbom: Option<String>,
    /// Its packages: name, version, ecosystem, licence, supplier; the purl.
    pub packages: Vec<Row>,
}

/// An image's signatures, checked, in words and rows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SignedView {
    /// `verified`, `unverified`, `unsigned` or `invalid` (the badge's class).
    pub verdict: String,
    /// The badge's words: by which key, or why not.
    pub headline: String,
    /// Each failed check, said (loudly).
    pub problems: Vec<String>,
    /// Each signature: subject, how found, payload, signed as, verdict; `bad` when invalid.
    pub signatures: Vec<Row>,
}

/// A registry response, made from an archive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Fetched {
    /// The [`Ask::Fetch`] it answers.
    pub id: u32,
    /// Its status (0 when `failure` says why there is none).
    pub status: u16,
    /// Its headers.
    pub headers: Vec<(String, String)>,
    /// Why there is no response (the archive unreadable, a body over the limit).
    pub failure: Option<String>,
    /// The body's limit, when the body was over it.
    pub too_large: Option<u64>,
    /// Its body: not in the message's JSON, but beside it (see [`Answer::Fetched`]).
    #[serde(skip)]
    pub body: Vec<u8>,
}

/// A table row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Its cells, as text.
    pub cells: Vec<String>,
    /// A class for the row (`bad`, `added`, `modified`, `deleted`), or empty.
    pub class: String,
    /// The path its first cell opens, if any.
    pub opens: Option<String>,
}

/// A path shown: the directory listed (the path itself, or the directory a file is in) and the
/// file's content when it is a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shown {
    /// The path asked for.
    pub path: String,
    /// The layer asked for (`None`: the merged filesystem).
    pub layer: Option<usize>,
    /// The directory listed (`/`, `/etc`).
    pub dir: String,
    /// A row per entry: name, kind, size, mode, layer, change.
    pub entries: Vec<Row>,
    /// The file's first bytes, when the path is a file.
    pub file: Option<FileView>,
    /// Why the path cannot be shown (not there, not a directory, a link loop, a layer that no
    /// longer reads).
    pub problem: Option<String>,
}

/// A file's first bytes, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileView {
    /// Where it is, its size, its layer, whether that layer verified again.
    pub head: String,
    /// Whether the layer it was read from verified again (digest, diff_id).
    pub verified: bool,
    /// Its text, or a hex dump of a binary.
    pub body: String,
    /// Whether only the first [`SHOWN_BYTES`] are shown.
    pub truncated: bool,
}

impl Answer {
    /// The answer a message's text holds. Read by hand from a [`Value`] rather than with serde's
    /// derive: the page already carries `Value`'s parser, and the derived readers of these types
    /// cost its first load some 25 KB of wasm (measured). The tests hold it to the derive's
    /// writing of every variant.
    pub fn read(text: &str) -> Option<Answer> {
        let value: Value = serde_json::from_str(text).ok()?;
        if value.as_str() == Some("Ready") {
            return Some(Answer::Ready);
        }
        let (variant, v) = value.as_object()?.iter().next()?;
        Some(match variant.as_str() {
            "Progress" => Answer::Progress(Progress {
                read: v["read"].as_u64()?,
                total: v["total"].as_u64()?,
                text: string(&v["text"])?,
            }),
            "Opened" => Answer::Opened(Opened {
                layers: rows(&v["layers"])?,
                failures: strings(&v["failures"])?,
                waste: string(&v["waste"])?,
                wasted: strings(&v["wasted"])?,
                read: string(&v["read"])?,
                unpacked: v["unpacked"].as_u64()?,
                elapsed_ms: v["elapsed_ms"].as_u64()?,
            }),
            "Shown" => Answer::Shown(Shown {
                path: string(&v["path"])?,
                layer: optional(&v["layer"], |l| l.as_u64().map(|n| n as usize))?,
                dir: string(&v["dir"])?,
                entries: rows(&v["entries"])?,
                file: optional(&v["file"], |f| {
                    Some(FileView {
                        head: string(&f["head"])?,
                        verified: f["verified"].as_bool()?,
                        body: string(&f["body"])?,
                        truncated: f["truncated"].as_bool()?,
                    })
                })?,
                problem: optional(&v["problem"], string)?,
            }),
            "Archive" => Answer::Archive(ArchiveOpened {
                title: string(&v["title"])?,
                read: string(&v["read"])?,
                images: strings(&v["images"])?,
                described: strings(&v["described"])?,
                problems: strings(&v["problems"])?,
                notes: strings(&v["notes"])?,
            }),
            "Fetched" => Answer::Fetched(Fetched {
                id: u32::try_from(v["id"].as_u64()?).ok()?,
                status: u16::try_from(v["status"].as_u64()?).ok()?,
                headers: v["headers"]
                    .as_array()?
                    .iter()
                    .map(|h| Some((string(&h[0])?, string(&h[1])?)))
                    .collect::<Option<_>>()?,
                failure: optional(&v["failure"], string)?,
                too_large: optional(&v["too_large"], Value::as_u64)?,
                body: Vec::new(),
            }),
            "Attested" => Answer::Attested(AttestedView {
                problems: strings(&v["problems"])?,
                provenance: rows(&v["provenance"])?,
                materials: rows(&v["materials"])?,
                sbom: optional(&v["sbom"], string)?,
                packages: rows(&v["packages"])?,
            }),
            "Signed" => Answer::Signed(SignedView {
                verdict: string(&v["verdict"])?,
                headline: string(&v["headline"])?,
                problems: strings(&v["problems"])?,
                signatures: rows(&v["signatures"])?,
            }),
            "Failed" => Answer::Failed {
                message: string(&v["message"])?,
            },
            _ => return None,
        })
    }
}

fn string(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

fn strings(v: &Value) -> Option<Vec<String>> {
    v.as_array()?.iter().map(string).collect()
}

/// `null` → `Some(None)`; a value `read` reads → `Some(Some(_))`; else `None`.
fn optional<T>(v: &Value, read: impl Fn(&Value) -> Option<T>) -> Option<Option<T>> {
    if v.is_null() {
        Some(None)
    } else {
        read(v).map(Some)
    }
}

fn rows(v: &Value) -> Option<Vec<Row>> {
    v.as_array()?
        .iter()
        .map(|r| {
            Some(Row {
                cells: strings(&r["cells"])?,
                class: string(&r["class"])?,
                opens: optional(&r["opens"], string)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every answer the worker writes (serde's derive) reads back as itself.
    #[test]
    fn every_answer_reads_back_as_written() {
        let row = |opens: Option<&str>| Row {
            cells: vec!["etc/".into(), "directory".into(), String::new()],
            class: "modified".into(),
            opens: opens.map(str::to_owned),
        };
        let answers = [
            Answer::Ready,
            Answer::Progress(Progress {
                read: 1 << 40,
                total: u64::MAX,
                text: "1.1 TB of …".into(),
            }),
            Answer::Opened(Opened {
                layers: vec![row(None), row(Some("/x"))],
                failures: vec!["Layer 1 (sha256:…): layer-diff-id-mismatch — …".into()],
                waste: "Wasted: 0 B of 0 B".into(),
                wasted: vec![],
                read: "Read …".into(),
                unpacked: 42,
                elapsed_ms: 7,
            }),
            Answer::Shown(Shown {
                path: "/etc/os-release".into(),
                layer: Some(2),
                dir: "/etc".into(),
                entries: vec![row(Some("/etc/os-release"))],
                file: Some(FileView {
                    head: "/etc/os-release · 24 B".into(),
                    verified: false,
                    body: "NAME=\"x\"\n\u{0}".into(),
                    truncated: true,
                }),
                problem: Some("no etc/x in the image".into()),
            }),
            Answer::Shown(Shown {
                path: "/".into(),
                layer: None,
                dir: "/".into(),
                entries: vec![],
                file: None,
                problem: None,
            }),
            Answer::Failed {
                message: "the registry refused a layer (HTTP 401)".into(),
            },
            Answer::Archive(ArchiveOpened {
                title: "alpine.tar".into(),
                read: "3.4 MB indexed in 2 ms".into(),
                images: vec!["docker.io/library/alpine:3.19@sha256:…".into()],
                described: vec!["an OCI index".into()],
                problems: vec!["archive-truncated: …".into()],
                notes: vec![],
            }),
            Answer::Attested(AttestedView {
                problems: vec!["attestation-subject-mismatch (…): …".into()],
                provenance: vec![row(Some("https://github.com/o/r/commit/abc"))],
                materials: vec![row(Some("golang:1.24@sha256:…"))],
                sbom: Some("SPDX-2.3: 2 packages — golang 2".into()),
                packages: vec![row(None)],
            }),
            Answer::Attested(AttestedView::default()),
            Answer::Signed(SignedView {
                verdict: "invalid".into(),
                headline: "INVALID: no signature verifies with the Ed25519 key 0123…".into(),
                problems: vec!["signature-wrong-image: …".into()],
                signatures: vec![row(None)],
            }),
            Answer::Fetched(Fetched {
                id: 7,
                status: 200,
                headers: vec![("Content-Type".into(), "application/json".into())],
                failure: None,
                too_large: Some(16),
                body: Vec::new(),
            }),
        ];
        for answer in answers {
            let text = serde_json::to_string(&answer).unwrap();
            assert_eq!(Answer::read(&text), Some(answer), "{text}");
        }
    }

    #[test]
    fn a_message_that_is_no_answer_reads_as_none() {
        for text in [
            "",
            "{}",
            "\"Gone\"",
            r#"{"Progress":{"read":-1,"total":0,"text":""}}"#,
            r#"{"Failed":{}}"#,
        ] {
            assert_eq!(Answer::read(text), None, "{text}");
        }
    }
}
