//! `fathom layers` and `fathom ls` against the real demo registry, with peers as oracles: each
//! layer lists as `tar -tvz` lists the same blob, and the merged filesystem is what umoci
//! (Debian's) unpacks from the same image — for the demo images, and for an image made here
//! whose later layers overwrite and delete files (whiteouts, an opaque directory, a file where a
//! directory was), in gzip, zstd and plain tar, pushed with skopeo.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

use common::{curl_put, demo, fathom, report, stderr};
use fathom_core::digest::Digest;
use serde_json::{json, Value};

/// What a path is, as both sides can say it: kind, size (files), permission bits, link target.
type Tree = BTreeMap<String, (String, u64, u32, Option<String>)>;

/// The merged filesystem as `fathom ls -R --format json` lists it.
fn fathom_tree(reference: &str) -> Tree {
    let listing = report(&["ls", reference, "-R", "--format", "json"]);
    let mut tree = Tree::new();
    for e in listing["entries"].as_array().unwrap() {
        let kind = match e["kind"].as_str().unwrap() {
            // umoci makes a hard link a second name of the same file.
            "hardlink" => "file",
            kind => kind,
        };
        let path = e["path"].as_str().unwrap().to_owned();
        let link = e["link"].as_str().filter(|_| kind == "symlink").map(str::to_owned);
        let size = if kind == "file" { e["size"].as_u64().unwrap() } else { 0 };
        tree.insert(
            path,
            (kind.to_owned(), size, e["mode"].as_u64().unwrap() as u32 & 0o7777, link),
        );
    }
    // A hard link's size is its target's.
    for e in listing["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "hardlink")
    {
        let target = e["link"]
            .as_str()
            .unwrap()
            .trim_start_matches("./")
            .trim_start_matches('/');
        let size = tree.get(target).map_or(0, |t| t.1);
        tree.get_mut(e["path"].as_str().unwrap()).unwrap().1 = size;
    }
    tree
}

/// What `umoci unpack --rootless` puts in the bundle's rootfs for `layout:tag`.
fn umoci_tree(layout: &Path, tag: &str) -> Tree {
    let bundle = tempfile::tempdir().unwrap();
    let bundle = bundle.path().join("bundle");
    let out = Command::new("umoci")
        .args(["unpack", "--rootless", "--image"])
        .arg(format!("{}:{tag}", layout.display()))
        .arg(&bundle)
        .output()
        .expect("umoci runs (scripts/setup.sh test debian installs it)");
    assert!(out.status.success(), "umoci: {}", stderr(&out));
    let root = bundle.join("rootfs");
    let mut tree = Tree::new();
    walk(&root, &root, &mut tree);
    tree
}

fn walk(root: &Path, dir: &Path, tree: &mut Tree) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let name = path.strip_prefix(root).unwrap().to_string_lossy().into_owned();
        let mode = meta.permissions().mode() & 0o7777;
        let (kind, size, link) = if meta.is_dir() {
            ("dir", 0, None)
        } else if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path).unwrap().to_string_lossy().into_owned();
            ("symlink", 0, Some(target))
        } else {
            ("file", meta.size(), None)
        };
        tree.insert(name, (kind.to_owned(), size, mode, link));
        if meta.is_dir() {
            walk(root, &path, tree);
        }
    }
}

/// Copies `reference` from the demo registry to a new OCI layout (tag `image`) with skopeo.
fn to_layout(reference: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("skopeo")
        .args(["copy", "--src-tls-verify=false", &format!("docker://{reference}")])
        .arg(format!("oci:{}:image", dir.path().display()))
        .output()
        .expect("skopeo runs");
    assert!(out.status.success(), "skopeo copy: {}", stderr(&out));
    dir
}

/// umoci runs rootless: it cannot restore owners, and it makes every directory it creates
/// user-writable and searchable so it can fill it (umoci `unpack --rootless`). Permission bits
/// are compared for everything else.
fn comparable(mut tree: Tree) -> Tree {
    for (kind, _, mode, _) in tree.values_mut() {
        if kind == "dir" {
            *mode |= 0o700;
        }
    }
    tree
}

#[test]
fn the_merged_filesystem_of_each_demo_image_is_what_umoci_unpacks() {
    let registry = &demo().plain;
    for (repository, tag) in [
        ("demo/layers", "extended"),
        ("demo/app", "8-amd64"),
        ("demo/busybox", "amd64-oci"),
    ] {
        let reference = format!("{registry}/{repository}:{tag}");
        let layout = to_layout(&reference);
        let ours = comparable(fathom_tree(&reference));
        let theirs = comparable(umoci_tree(layout.path(), "image"));
        assert!(ours.len() > 1, "{reference}: {ours:?}");
        assert_eq!(ours, theirs, "{reference}");
    }
}

/// `tar -tv`'s listing of a gzip blob: (path, size) of each entry.
fn tar_listing(blob: &[u8]) -> Vec<(String, u64)> {
    let mut child = Command::new("tar")
        .args(["-tvzf", "-", "--numeric-owner"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(blob).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            // drwxr-xr-x 0/0 0 2024-01-01 00:00 path[ -> target| link to target]
            let fields: Vec<&str> = line.split_whitespace().collect();
            let rest = fields[5..].join(" ");
            let path = rest.split(" -> ").next().unwrap().split(" link to ").next().unwrap();
            let size = fields[2].parse().unwrap();
            (path.trim_start_matches("./").trim_end_matches('/').to_owned(), size)
        })
        .filter(|(path, _)| !path.is_empty() && path != ".")
        .collect()
}

/// `fathom layers REFERENCE --format json`: its exit status, and what reading the layers found
/// (the Report's `platforms[].image.files` of the image read, which the Report's schema checks).
fn layers_json(reference: &str) -> (std::process::ExitStatus, Value) {
    let out = fathom(&["layers", reference, "--format", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    common::assert_valid_report(&report);
    let read: Vec<&Value> = report["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|row| row["image"].get("files"))
        .collect();
    assert_eq!(read.len(), 1, "one image read: {report}");
    (out.status, read[0].clone())
}

fn blob(registry: &str, repository: &str, digest: &str) -> Vec<u8> {
    let out = Command::new("curl")
        .args(["-sf", &format!("http://{registry}/v2/{repository}/blobs/{digest}")])
        .output()
        .unwrap();
    assert!(out.status.success());
    out.stdout
}

#[test]
fn each_layer_is_verified_and_lists_as_tar_lists_it() {
    let registry = &demo().plain;
    let reference = format!("{registry}/demo/layers:extended");
    let (status, layers) = layers_json(&reference);
    assert!(status.success());
    let config = common::skopeo_config(&reference);
    let diff_ids = config["rootfs"]["diff_ids"].as_array().unwrap();
    let rows = layers["layers"].as_array().unwrap();
    assert_eq!(rows.len(), diff_ids.len());
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["verified"], true, "{row}");
        assert_eq!(row["diffId"], diff_ids[i], "{row}");
        assert_eq!(row["compression"], "gzip");
        let digest = row["digest"].as_str().unwrap();
        let bytes = blob(registry, "demo/layers", digest);
        assert_eq!(row["size"], bytes.len());
        let listing = report(&["ls", &reference, "--layer", &i.to_string(), "-R", "--format", "json"]);
        let ours: Vec<(String, u64)> = listing["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["path"].as_str().unwrap().to_owned(), e["size"].as_u64().unwrap()))
            .collect();
        let mut theirs = tar_listing(&bytes);
        theirs.sort();
        let mut sorted = ours.clone();
        sorted.sort();
        assert_eq!(sorted, theirs, "layer {i}");
        assert_eq!(row["entries"], ours.len());
    }
    // The top layer rewrote two paths its base wrote, and added one.
    let top = &rows[2]["changes"];
    assert_eq!(
        (top["added"].as_u64(), top["modified"].as_u64()),
        (Some(1), Some(2)),
        "{top}"
    );
    // A path that is not there is a clear error, exit 1.
    let missing = fathom(&["ls", &reference, "etc/nothing-here"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("no etc/nothing-here in the merged filesystem"),
        "{}",
        stderr(&missing)
    );
}

/// A tar layer from `(path, content)` entries: content `None` is a directory, `Some("->target")`
/// a symlink.
fn layer(entries: &[(&str, Option<&str>)]) -> Vec<u8> {
    let mut archive = tar::Builder::new(Vec::new());
    for (path, content) in entries {
        let mut header = tar::Header::new_ustar();
        header.set_mtime(1_700_000_000);
        match content {
            None => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_mode(0o755);
                header.set_size(0);
                header.set_cksum();
                archive.append_data(&mut header, path, std::io::empty()).unwrap();
            }
            Some(target) if target.starts_with("->") => {
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_mode(0o777);
                header.set_size(0);
                archive.append_link(&mut header, path, &target[2..]).unwrap();
            }
            Some(data) => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_mode(0o644);
                header.set_size(data.len() as u64);
                header.set_cksum();
                archive.append_data(&mut header, path, data.as_bytes()).unwrap();
            }
        }
    }
    archive.into_inner().unwrap()
}

/// How the layers of a hand-made image are compressed.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Packing {
    Gzip,
    /// By Debian's `zstd`, the reference implementation.
    Zstd,
    Uncompressed,
}

impl Packing {
    fn media_type(self) -> &'static str {
        match self {
            Packing::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
            Packing::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
            Packing::Uncompressed => "application/vnd.oci.image.layer.v1.tar",
        }
    }

    fn pack(self, tar: &[u8]) -> Vec<u8> {
        match self {
            Packing::Gzip => {
                let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                gzip.write_all(tar).unwrap();
                gzip.finish().unwrap()
            }
            Packing::Zstd => {
                let mut child = Command::new("zstd")
                    .args(["-q", "-c"])
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped())
                    .spawn()
                    .expect("zstd runs (scripts/setup.sh test debian installs it)");
                child.stdin.take().unwrap().write_all(tar).unwrap();
                let out = child.wait_with_output().unwrap();
                assert!(out.status.success());
                out.stdout
            }
            Packing::Uncompressed => tar.to_vec(),
        }
    }
}

/// Writes `bytes` as a blob of the OCI layout at `dir`; its descriptor.
fn put_blob(dir: &Path, media_type: &str, bytes: &[u8]) -> Value {
    let digest = Digest::sha256(bytes);
    let path = dir.join("blobs/sha256").join(digest.hex());
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
    json!({ "mediaType": media_type, "digest": digest.to_string(), "size": bytes.len() })
}

/// An OCI layout (tag `image`) of one linux/amd64 image with `layers` packed as `packing` says;
/// `diff_id_of` may lie about a layer's diff_id.
fn image_layout(
    layers: &[Vec<u8>],
    packing: Packing,
    diff_id_of: impl Fn(usize, String) -> String,
) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let descriptors: Vec<Value> = layers
        .iter()
        .map(|tar| put_blob(dir.path(), packing.media_type(), &packing.pack(tar)))
        .collect();
    let diff_ids: Vec<String> = layers
        .iter()
        .enumerate()
        .map(|(i, tar)| diff_id_of(i, Digest::sha256(tar).to_string()))
        .collect();
    let config = json!({
        "architecture": "amd64", "os": "linux", "config": {},
        "rootfs": { "type": "layers", "diff_ids": diff_ids },
    });
    let config = put_blob(
        dir.path(),
        "application/vnd.oci.image.config.v1+json",
        config.to_string().as_bytes(),
    );
    let manifest = json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": config, "layers": descriptors,
    });
    let mut manifest = put_blob(
        dir.path(),
        "application/vnd.oci.image.manifest.v1+json",
        manifest.to_string().as_bytes(),
    );
    manifest["annotations"] = json!({ "org.opencontainers.image.ref.name": "image" });
    let index = json!({ "schemaVersion": 2, "manifests": [manifest] });
    std::fs::write(dir.path().join("index.json"), index.to_string()).unwrap();
    dir
}

/// Pushes the layout's `image` to the demo registry as `test/files:TAG` (a repository of the
/// tests' own; the same bytes each run, so the same digests) with skopeo; the reference.
fn push(layout: &Path, tag: &str) -> String {
    let reference = format!("{}/test/files:{tag}", demo().plain);
    let out = Command::new("skopeo")
        .args(["copy", "--dest-tls-verify=false"])
        .arg(format!("oci:{}:image", layout.display()))
        .arg(format!("docker://{reference}"))
        .output()
        .expect("skopeo runs");
    assert!(out.status.success(), "skopeo copy: {}", stderr(&out));
    reference
}

/// [`push`] for every packing: skopeo gzips plain tar layers on their way to a registry (and
/// reuses a gzip blob it made of the same tar before, whatever `--dest-decompress` says), so a
/// plain tar image goes up through the registry API itself — a monolithic upload per blob
/// (distribution spec, "Pushing a blob monolithically"), then the manifest.
fn push_packed(layout: &Path, tag: &str, packing: Packing) -> String {
    if packing != Packing::Uncompressed {
        return push(layout, tag);
    }
    let registry = &demo().plain;
    let blob_path = |digest: &str| layout.join("blobs/sha256").join(digest.trim_start_matches("sha256:"));
    let index: Value = serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let manifest_digest = index["manifests"][0]["digest"].as_str().unwrap();
    let manifest_bytes = std::fs::read(blob_path(manifest_digest)).unwrap();
    let manifest: Value = serde_json::from_slice(&manifest_bytes).unwrap();
    let blobs = std::iter::once(&manifest["config"]).chain(manifest["layers"].as_array().unwrap());
    for blob in blobs {
        let digest = blob["digest"].as_str().unwrap();
        let started = Command::new("curl")
            .args(["-sf", "-X", "POST", "-D", "-", "-o", "/dev/null"])
            .arg(format!("http://{registry}/v2/test/files/blobs/uploads/"))
            .output()
            .unwrap();
        let headers = String::from_utf8_lossy(&started.stdout).into_owned();
        let location = headers
            .lines()
            .find_map(|l| l.strip_prefix("Location: ").or_else(|| l.strip_prefix("location: ")))
            .expect("an upload location")
            .trim()
            .to_owned();
        let location = if location.starts_with('/') {
            format!("http://{registry}{location}")
        } else {
            location
        };
        let separator = if location.contains('?') { '&' } else { '?' };
        let url = format!("{location}{separator}digest={digest}");
        curl_put(&url, &blob_path(digest), "application/octet-stream");
    }
    let url = format!("http://{registry}/v2/test/files/manifests/{tag}");
    curl_put(
        &url,
        &blob_path(manifest_digest),
        "application/vnd.oci.image.manifest.v1+json",
    );
    format!("{registry}/test/files:{tag}")
}

fn overwriting_layers() -> Vec<Vec<u8>> {
    vec![
        layer(&[
            ("etc", None),
            ("etc/motd", Some("hello, base\n")),
            ("etc/secret", Some("do not ship me\n")),
            ("var", None),
            ("var/cache", None),
            ("var/cache/apt.bin", Some("0123456789abcdef0123456789abcdef")),
            ("opt", None),
            ("opt/tool", None),
            ("opt/tool/bin", Some("#!/bin/sh\necho old\n")),
            ("usr", None),
            ("usr/lib", None),
            ("usr/lib/libfoo.so.1", Some("ELF-ish")),
            ("usr/lib/libfoo.so", Some("->libfoo.so.1")),
        ]),
        layer(&[
            ("etc", None),
            ("etc/motd", Some("hello, overwritten\n")),
            ("etc/.wh.secret", Some("")),
            ("var/cache", None),
            ("var/cache/.wh..wh..opq", Some("")),
            ("var/cache/fresh.bin", Some("new")),
        ]),
        layer(&[
            ("opt/tool", Some("a file where a directory was")),
            ("srv", None),
            ("srv/data", Some("x")),
        ]),
    ]
}

#[test]
fn whiteouts_and_an_opaque_directory_merge_as_umoci_unpacks_them_in_gzip_zstd_and_plain_tar() {
    let layers = overwriting_layers();
    // Debian's umoci (0.4.7) unpacks gzip and plain tar layers, not zstd ones ("blob is not
    // correct mediatype"): the zstd image, the same tars, must merge as umoci unpacks the gzip one.
    let gzip = image_layout(&layers, Packing::Gzip, |_, diff_id| diff_id);
    let theirs = comparable(umoci_tree(gzip.path(), "image"));
    for (packing, tag, compression) in [
        (Packing::Gzip, "whiteouts", "gzip"),
        (Packing::Zstd, "whiteouts-zstd", "zstd"),
        (Packing::Uncompressed, "whiteouts-tar", "none"),
    ] {
        let layout = image_layout(&layers, packing, |_, diff_id| diff_id);
        let reference = push_packed(layout.path(), tag, packing);
        let ours = comparable(fathom_tree(&reference));
        if packing == Packing::Uncompressed {
            assert_eq!(comparable(umoci_tree(layout.path(), "image")), theirs);
        }
        assert!(
            ours.contains_key("etc/motd") && !ours.contains_key("etc/secret"),
            "{ours:?}"
        );
        assert_eq!(ours, theirs, "{packing:?}");
        let (status, listing) = layers_json(&reference);
        assert!(status.success());
        for row in listing["layers"].as_array().unwrap() {
            assert_eq!(row["compression"], compression, "{row}");
            assert_eq!(row["verified"], true, "{row}");
        }
    }
    let reference = format!("{}/test/files:whiteouts", demo().plain);
    let (_, listing) = layers_json(&reference);
    let changes: Vec<(u64, u64, u64)> = listing["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let c = &l["changes"];
            (
                c["added"].as_u64().unwrap(),
                c["modified"].as_u64().unwrap(),
                c["deleted"].as_u64().unwrap(),
            )
        })
        .collect();
    // Layer 1 rewrites etc, etc/motd and var/cache, adds fresh.bin, deletes etc/secret and (its
    // directory made opaque) apt.bin; layer 2 puts a file where opt/tool was (bin goes with it).
    assert_eq!(changes, [(13, 0, 0), (1, 3, 2), (2, 1, 1)]);
    let waste = &listing["waste"];
    let base_bytes = "hello, base\n".len() + "do not ship me\n".len() + 32 + "#!/bin/sh\necho old\n".len();
    assert_eq!(waste["wastedBytes"], base_bytes, "{waste}");
    let wasted = common::strings_of(&waste["paths"], "path");
    assert_eq!(wasted, ["var/cache/apt.bin", "opt/tool/bin", "etc/secret", "etc/motd"]);
}

#[test]
fn a_layer_whose_diff_id_lies_is_a_loud_failure() {
    let layers = overwriting_layers();
    let layout = image_layout(&layers, Packing::Gzip, |i, diff_id| {
        if i == 1 {
            Digest::sha256(b"not this layer").to_string()
        } else {
            diff_id
        }
    });
    let reference = push(layout.path(), "lying-diff-id");
    let (status, listing) = layers_json(&reference);
    assert_eq!(status.code(), Some(1));
    let row = &listing["layers"][1];
    assert_eq!(row["verified"], false);
    assert_eq!(row["findings"][0]["code"], "layer-diff-id-mismatch", "{row}");
    assert_eq!(listing["layers"][0]["verified"], true);
    let human = fathom(&["layers", &reference]);
    assert_eq!(human.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&human.stdout).contains("✘ the uncompressed layer hashes to"));
}

#[test]
fn cat_reads_a_file_from_the_layer_that_last_wrote_it_through_links() {
    let layout = image_layout(&overwriting_layers(), Packing::Gzip, |_, diff_id| diff_id);
    let reference = push(layout.path(), "whiteouts");
    let cat = |path: &str, extra: &[&str]| {
        let mut args = vec!["cat", reference.as_str(), path, "--format", "json"];
        args.extend_from_slice(extra);
        let out = fathom(&args);
        (
            out.status.code(),
            serde_json::from_slice::<Value>(&out.stdout).ok(),
            stderr(&out),
        )
    };
    let (code, motd, _) = cat("/etc/motd", &[]);
    let motd = motd.unwrap();
    assert_eq!(code, Some(0));
    assert_eq!(
        (motd["text"].as_str(), motd["layer"].as_u64()),
        (Some("hello, overwritten\n"), Some(1))
    );
    // A symbolic link is followed to the file (read again from its layer).
    let (code, lib, _) = cat("usr/lib/libfoo.so", &[]);
    let lib = lib.unwrap();
    assert_eq!(code, Some(0));
    assert_eq!(
        (lib["resolved"].as_str(), lib["text"].as_str()),
        (Some("usr/lib/libfoo.so.1"), Some("ELF-ish"))
    );
    // Only the bytes asked for.
    let (_, head, _) = cat("etc/motd", &["--max-bytes", "5"]);
    let head = head.unwrap();
    assert_eq!(
        (
            head["text"].as_str(),
            head["truncated"].as_bool(),
            head["size"].as_u64()
        ),
        (Some("hello"), Some(true), Some(19))
    );
    // Deleted, or under a file: clear errors, exit 1.
    let (code, _, message) = cat("etc/secret", &[]);
    assert_eq!(code, Some(1));
    assert!(message.contains("no etc/secret in the image"), "{message}");
    let (code, _, message) = cat("opt/tool/bin", &[]);
    assert_eq!(code, Some(1));
    assert!(message.contains("opt/tool is not a directory"), "{message}");
    // Binary bytes come as base64 in JSON and as a hex dump for people.
    let busybox = format!("{}/demo/busybox:amd64-oci", demo().plain);
    let out = fathom(&["cat", &busybox, "bin/busybox", "--max-bytes", "64", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let binary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(binary["base64"].as_str().unwrap().starts_with("f0VMRg"), "{binary}"); // \x7fELF
    let out = fathom(&["cat", &busybox, "bin/busybox", "--max-bytes", "16"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("00000000  7f 45 4c 46"),
        "{out:?}"
    );
}

#[test]
fn a_rootfs_built_from_debian_packages_merges_as_umoci_unpacks_it_in_gzip_zstd_and_plain_tar() {
    // demo/debian (scripts/demo-registry/build-images.sh): Debian's coreutils, tar, dash, grep,
    // findutils, gzip and diffutils unpacked with busybox, then a layer made by running busybox in
    // it that deletes the manuals and most translations — whiteouts written by buildah itself; the
    // same layers in gzip, zstd and plain tar.
    let registry = &demo().plain;
    let gzip = format!("{registry}/demo/debian:gzip");
    let zstd = format!("{registry}/demo/debian:zstd");
    let layout = to_layout(&gzip);
    let theirs = comparable(umoci_tree(layout.path(), "image"));
    assert!(theirs.len() > 200, "what is left of the rootfs: {}", theirs.len());
    assert!(theirs.contains_key("bin/ls") && !theirs.keys().any(|p| p.starts_with("usr/share/man/")));
    // umoci 0.4.7 cannot unpack zstd layers: the zstd and the plain-tar images are the same
    // layers recompressed (by Debian's zstd) or not, and must merge to the same tree.
    let tar = format!("{registry}/demo/debian:tar");
    for reference in [&gzip, &zstd, &tar] {
        assert_eq!(comparable(fathom_tree(reference)), theirs, "{reference}");
    }
    for (reference, compression) in [(&gzip, "gzip"), (&zstd, "zstd"), (&tar, "none")] {
        let (status, files) = layers_json(reference);
        assert!(status.success());
        let layers = files["layers"].as_array().unwrap();
        assert_eq!(layers.len(), 2);
        assert!(layers
            .iter()
            .all(|l| l["verified"] == true && l["compression"] == compression));
        assert!(
            layers[0]["uncompressedSize"].as_u64().unwrap() > 20_000_000,
            "tens of MB"
        );
        assert!(layers[0]["entries"].as_u64().unwrap() > 700, "many files");
        assert!(layers[1]["changes"]["deleted"].as_u64().unwrap() > 100, "{}", layers[1]);
        assert!(
            files["waste"]["wastedBytes"].as_u64().unwrap() > 1_000_000,
            "{}",
            files["waste"]
        );
    }
    let os_release = report(&["cat", &zstd, "/etc/os-release", "--format", "json"]);
    assert!(os_release["text"].as_str().unwrap().contains("Fathom demo, trimmed"));
    assert_eq!(os_release["layer"], 1, "written again by the second layer");
}

/// `fathom lint --layout PATH --format json`: its exit status and what it printed.
fn lint_layout(path: &Path) -> (Option<i32>, Value) {
    let out = fathom(&["lint", "--layout", &path.display().to_string(), "--format", "json"]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    (out.status.code(), json)
}

/// A copy of `archive` (beside it, `tampered.tar`) with one byte changed halfway into its
/// largest member whose path is `wanted` — found by the tar crate, an independent reader: the
/// copy, its bytes, and where the change is.
fn with_a_byte_changed(archive: &Path, wanted: impl Fn(&str) -> bool) -> (std::path::PathBuf, Vec<u8>, usize) {
    let mut bytes = std::fs::read(archive).unwrap();
    let (offset, size) = tar::Archive::new(bytes.as_slice())
        .entries()
        .unwrap()
        .map(Result::unwrap)
        .filter(|e| e.header().entry_type().is_file() && wanted(&e.path().unwrap().to_string_lossy()))
        .map(|e| (e.raw_file_position() as usize, e.size() as usize))
        .max_by_key(|&(_, size)| size)
        .unwrap();
    let changed = offset + size / 2;
    bytes[changed] ^= 0x01;
    let copy = archive.with_file_name("tampered.tar");
    std::fs::write(&copy, &bytes).unwrap();
    (copy, bytes, changed)
}

/// skopeo's copy of `reference` (every platform) into `destination` (`oci:DIR:TAG`,
/// `oci-archive:FILE:TAG`).
fn skopeo_copy_all(reference: &str, destination: &str) {
    let out = Command::new("skopeo")
        .args([
            "copy",
            "--all",
            "--src-tls-verify=false",
            &format!("docker://{reference}"),
            destination,
        ])
        .output()
        .expect("skopeo runs");
    assert!(out.status.success(), "skopeo copy: {}", stderr(&out));
}

#[test]
fn an_oci_archive_lints_in_place_as_its_layout_does_and_a_changed_byte_is_found() {
    let reference = format!("{}/demo/busybox:oci", demo().plain);
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("busybox.tar");
    skopeo_copy_all(&reference, &format!("oci-archive:{}:busybox", archive.display()));
    skopeo_copy_all(
        &reference,
        &format!("oci:{}:busybox", dir.path().join("layout").display()),
    );
    let (code, in_place) = lint_layout(&archive);
    let (_, unpacked) = lint_layout(&dir.path().join("layout"));
    assert_eq!(code, Some(0), "{in_place}");
    assert!(
        in_place["blobsVerified"].as_u64().unwrap() >= 17,
        "an index, 8 images, their configs and layers"
    );
    for field in ["blobsChecked", "blobsVerified", "manifests", "findings"] {
        assert_eq!(in_place[field], unpacked[field], "{field}");
    }
    // One byte of a layer changed inside the archive: found, and the exit status says so.
    let (tampered, bytes, changed) = with_a_byte_changed(&archive, |path| path.starts_with("blobs/sha256/"));
    let (code, found) = lint_layout(&tampered);
    assert_eq!(code, Some(1));
    assert!(
        found["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "digest-mismatch"),
        "{found}"
    );
    // Cut short: the archive itself is named for it.
    let cut = dir.path().join("cut.tar");
    std::fs::write(&cut, &bytes[..changed]).unwrap();
    let (code, found) = lint_layout(&cut);
    assert_eq!(code, Some(1));
    assert_eq!(found["findings"][0]["code"], "archive-truncated", "{found}");
}

#[test]
fn a_docker_save_archive_is_checked_config_by_name_and_layers_by_diff_id() {
    // skopeo's docker-archive: is the format `docker save` wrote before Docker 25 —
    // manifest.json, `<hex>.json` configs, `<diff_id>.tar` layers and `<id>/layer.tar` links.
    let reference = format!("{}/demo/debian:gzip", demo().plain);
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("debian.tar");
    let out = Command::new("skopeo")
        .args(["copy", "--src-tls-verify=false", &format!("docker://{reference}")])
        .arg(format!("docker-archive:{}:demo/debian:gzip", archive.display()))
        .output()
        .expect("skopeo runs");
    assert!(out.status.success(), "skopeo copy: {}", stderr(&out));
    let (code, report) = lint_layout(&archive);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(
        (report["manifests"].as_u64(), report["blobsVerified"].as_u64()),
        (Some(1), Some(3)),
        "{report}"
    );
    // One byte of the larger layer changed: the diff_id no longer matches.
    let (tampered, _, _) = with_a_byte_changed(&archive, |path| path.ends_with(".tar"));
    let (code, report) = lint_layout(&tampered);
    assert_eq!(code, Some(1));
    let codes = common::strings_of(&report["findings"], "code");
    assert_eq!(codes, ["layer-diff-id-mismatch"], "{report}");
}
