//! The layer reader on the corpus's real layers (checked against `tar -t` of the same blobs and
//! against their configs' diff_ids), and on layers made hostile on purpose.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::tar_stream::normalise;
use super::*;
use crate::finding::Severity;
use crate::media_type as mt;

/// Every image layer of every manifest in the corpus's OCI layouts whose blob is there:
/// (blob path, descriptor media type, digest, size, the config's diff_id for it).
fn corpus_layers() -> Vec<(PathBuf, String, Digest, u64, Option<Digest>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/corpus/layouts");
    let mut layers = Vec::new();
    for layout in std::fs::read_dir(root).unwrap() {
        let blobs = layout.unwrap().path().join("blobs/sha256");
        let Ok(files) = std::fs::read_dir(&blobs) else { continue };
        for file in files {
            let Ok(manifest) =
                serde_json::from_slice::<serde_json::Value>(&std::fs::read(file.unwrap().path()).unwrap())
            else {
                continue;
            };
            let Some(descriptors) = manifest["layers"].as_array() else {
                continue;
            };
            // Artifacts (ORAS pushes files as `…layer.v1.tar` by default) hold files, not tars.
            let config_type = manifest["config"]["mediaType"].as_str().unwrap_or_default();
            if !matches!(config_type, mt::OCI_CONFIG | mt::DOCKER_CONFIG) {
                continue;
            }
            let blob =
                |digest: &serde_json::Value| blobs.join(digest.as_str().unwrap_or("").trim_start_matches("sha256:"));
            let config: serde_json::Value = std::fs::read(blob(&manifest["config"]["digest"]))
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or_default();
            for (i, layer) in descriptors.iter().enumerate() {
                let path = blob(&layer["digest"]);
                let media_type = MediaType::new(layer["mediaType"].as_str().unwrap_or_default());
                if !path.exists() || media_type.compression().is_none() {
                    continue;
                }
                let diff_id = config["rootfs"]["diff_ids"][i].as_str().and_then(|d| d.parse().ok());
                layers.push((
                    path,
                    layer["mediaType"].as_str().unwrap_or_default().to_owned(),
                    layer["digest"].as_str().unwrap().parse().unwrap(),
                    layer["size"].as_u64().unwrap(),
                    diff_id,
                ));
            }
        }
    }
    layers
}

/// Reads `bytes` as a layer, fed `chunk` bytes at a time.
fn read(bytes: &[u8], chunk: usize, media_type: &str, diff_id: Option<Digest>) -> Layer {
    let digest = Digest::sha256(bytes);
    let mut reader = LayerReader::new(digest, Some(bytes.len() as u64), media_type, diff_id);
    for piece in bytes.chunks(chunk) {
        reader.feed(piece);
    }
    reader.finish()
}

fn codes(layer: &Layer) -> Vec<&'static str> {
    layer.findings.iter().map(|f| f.code.as_str()).collect()
}

#[test]
fn real_layers_list_as_tar_does_and_hash_to_their_diff_ids() {
    let layers = corpus_layers();
    let (mut archives, mut not_archives, mut with_diff_id) = (0, 0, 0);
    for (path, media_type, digest, size, diff_id) in layers {
        let bytes = std::fs::read(&path).unwrap();
        // The peer oracle: `tar -t` of the same blob (it reads gzip by itself). Some fixtures
        // hold placeholder text where a layer should be: tar refuses them, and so must we.
        let listed = Command::new("tar").arg("-tf").arg(&path).output().unwrap();
        for chunk in [1, 7, 512, 1 << 20] {
            let mut reader = LayerReader::new(digest.clone(), Some(size), &media_type, diff_id.clone());
            for piece in bytes.chunks(chunk) {
                reader.feed(piece);
            }
            let layer = reader.finish();
            let errors: Vec<&Finding> = layer
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .collect();
            if !listed.status.success() {
                assert!(
                    errors
                        .iter()
                        .any(|f| matches!(f.code, Code::LayerTruncated | Code::LayerCorrupt)),
                    "{}: tar refuses it, we said {:?}",
                    path.display(),
                    layer.findings
                );
                continue;
            }
            assert!(errors.is_empty(), "{}: {:?}", path.display(), layer.findings);
            if let Some(expected) = &diff_id {
                assert_eq!(layer.diff_id.as_ref(), Some(expected), "{}", path.display());
            }
            let oracle: Vec<String> = String::from_utf8_lossy(&listed.stdout)
                .lines()
                .map(normalise)
                .filter(|p| !p.is_empty())
                .collect();
            let ours: Vec<&str> = layer
                .entries
                .iter()
                .map(|e| e.path.as_str())
                .filter(|p| !p.is_empty())
                .collect();
            assert_eq!(ours, oracle, "{} fed {chunk} bytes at a time", path.display());
        }
        if listed.status.success() {
            archives += 1;
            with_diff_id += usize::from(diff_id.is_some());
        } else {
            not_archives += 1;
        }
    }
    assert!(
        archives >= 5 && with_diff_id >= 3,
        "{archives} archives, {with_diff_id} with a diff_id"
    );
    assert!(
        not_archives >= 1,
        "the fixtures' placeholder layers are read as what they are"
    );
}

/// A gzip stream of `bytes`, at gzip's default level (zlib's level 1 packs long runs of one
/// byte too loosely for a decompression bomb).
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A tar archive of `entries` (path, type flag, link target, content), headers written byte by
/// byte so that hostile names (which `tar::Builder` refuses) can be made.
fn archive(entries: &[(&str, u8, &str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (path, kind, link, content) in entries {
        let mut header = tar::Header::new_old();
        let raw = header.as_old_mut();
        raw.name[..path.len()].copy_from_slice(path.as_bytes());
        raw.linkname[..link.len()].copy_from_slice(link.as_bytes());
        header.set_entry_type(tar::EntryType::new(*kind));
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(1_700_000_000);
        header.set_cksum();
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(content);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

const GZIP_LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

#[test]
fn entries_say_what_they_are_and_whiteouts_what_they_delete() {
    let tar = archive(&[
        ("./etc/", b'5', "", b""),
        ("./etc/os-release", b'0', "", b"ID=fathom\n"),
        ("bin/sh", b'2', "/bin/busybox", b""),
        ("bin/ls", b'1', "bin/sh", b""),
        ("etc/.wh.motd", b'0', "", b""),
        ("var/cache/.wh..wh..opq", b'0', "", b""),
    ]);
    let layer = read(&gzip(&tar), 100, GZIP_LAYER, Some(Digest::sha256(&tar)));
    assert!(layer.findings.is_empty(), "{:?}", layer.findings);
    assert_eq!(layer.uncompressed_size, tar.len() as u64);
    let by_path = |p: &str| layer.entries.iter().find(|e| e.path == p).unwrap();
    assert_eq!(by_path("etc").kind, EntryKind::Dir);
    assert_eq!(
        (by_path("etc/os-release").kind, by_path("etc/os-release").size),
        (EntryKind::File, 10)
    );
    assert_eq!(
        by_path("bin/sh").link.as_deref(),
        Some("/bin/busybox"),
        "absolute symlinks are fine"
    );
    assert_eq!(by_path("bin/ls").kind, EntryKind::Hardlink);
    assert_eq!(
        by_path("etc/.wh.motd").whiteout,
        Some(Whiteout::Removes("etc/motd".into()))
    );
    assert_eq!(by_path("var/cache/.wh..wh..opq").whiteout, Some(Whiteout::Opaque));
}

#[test]
fn paths_that_leave_the_root_are_errors() {
    let tar = archive(&[
        ("../etc/passwd", b'0', "", b"x"),
        ("/etc/shadow", b'0', "", b"x"),
        ("a/../../b", b'0', "", b""),
        ("ok/../fine", b'0', "", b""),
        ("link", b'1', "../../outside", b""),
    ]);
    let layer = read(&tar, 4096, "application/vnd.oci.image.layer.v1.tar", None);
    let unsafe_paths: Vec<&str> = layer
        .findings
        .iter()
        .filter(|f| f.code == Code::LayerPathUnsafe)
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(unsafe_paths.len(), 4, "{unsafe_paths:?}");
    assert!(unsafe_paths[3].contains("hard link"), "{unsafe_paths:?}");
    assert_eq!(layer.entries.len(), 5, "listed all the same");
}

#[test]
fn long_names_and_pax_records_name_the_next_entry() {
    let long = format!("usr/share/{}/file.txt", "deep/".repeat(40));
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(3);
    header.set_mode(0o600);
    header.set_entry_type(tar::EntryType::Regular);
    builder.append_data(&mut header, &long, &b"abc"[..]).unwrap(); // a GNU `L` record
    let pax = [
        ("path", b"pax/named.txt".as_slice()),
        ("uid", b"123456789".as_slice()),
        ("mtime", b"1700000000.5".as_slice()),
    ];
    builder.append_pax_extensions(pax).unwrap();
    let mut header = tar::Header::new_ustar();
    header.set_path("short").unwrap();
    header.set_size(0);
    header.set_cksum();
    builder.append(&header, &b""[..]).unwrap();
    let tar = builder.into_inner().unwrap();
    let layer = read(&tar, 333, "application/vnd.oci.image.layer.v1.tar", None);
    assert!(layer.findings.is_empty(), "{:?}", layer.findings);
    assert_eq!(layer.entries[0].path, long);
    assert_eq!(layer.entries[0].size, 3);
    let pax_named = &layer.entries[1];
    assert_eq!(
        (pax_named.path.as_str(), pax_named.uid, pax_named.mtime),
        ("pax/named.txt", 123_456_789, 1_700_000_000)
    );
}

#[test]
fn tampered_truncated_and_mislabelled_layers_say_so() {
    let tar = archive(&[("etc/hostname", b'0', "", b"fathom\n")]);
    let gz = gzip(&tar);
    // A byte changed after the digest was taken.
    let mut tampered = gz.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0xff;
    let mut reader = LayerReader::new(Digest::sha256(&gz), Some(gz.len() as u64), GZIP_LAYER, None);
    reader.feed(&tampered);
    assert!(codes(&reader.finish()).contains(&"digest-mismatch"));
    // The stream cut short: the size and the gzip stream both say so.
    let mut reader = LayerReader::new(Digest::sha256(&gz), Some(gz.len() as u64), GZIP_LAYER, None);
    reader.feed(&gz[..gz.len() / 2]);
    let cut = reader.finish();
    assert!(codes(&cut).contains(&"size-mismatch"), "{:?}", cut.findings);
    // Right bytes, wrong diff_id: as loud as a digest mismatch.
    let wrong = read(&gz, 64, GZIP_LAYER, Some(Digest::sha256(b"another layer")));
    assert_eq!(codes(&wrong), ["layer-diff-id-mismatch"]);
    assert_eq!(wrong.findings[0].severity, Severity::Error);
    // A plain tar labelled gzip: read all the same, and said.
    let mislabelled = read(&tar, 512, GZIP_LAYER, Some(Digest::sha256(&tar)));
    assert_eq!(codes(&mislabelled), ["layer-compression-mismatch"]);
    assert_eq!(mislabelled.entries.len(), 1);
    // An archive without its end-of-archive blocks.
    let unended = read(&tar[..1024], 512, "application/vnd.oci.image.layer.v1.tar", None);
    assert_eq!(codes(&unended), ["layer-truncated"]);
    // Garbage after a gzip header.
    let mut corrupt = gz[..10].to_vec();
    corrupt.extend_from_slice(&[0xff; 64]);
    assert!(codes(&read(&corrupt, 16, GZIP_LAYER, None)).contains(&"layer-corrupt"));
}

#[test]
fn a_decompression_bomb_is_stopped_not_read() {
    let zeros = vec![0u8; 40 << 20];
    let bomb = gzip(&zeros);
    assert!(bomb.len() < (40 << 20) / 200, "{} compressed bytes", bomb.len());
    let layer = read(&bomb, 64 << 10, GZIP_LAYER, None);
    assert!(codes(&layer).contains(&"layer-bomb"), "{:?}", layer.findings);
    assert!(layer.uncompressed_size < 40 << 20, "stopped before the end");
    assert_eq!(layer.diff_id, None);
}

#[test]
fn a_file_pushed_as_a_tar_layer_is_not_an_archive() {
    // ORAS pushes a file with the tar layer media type unless told otherwise (oras-e2e-images).
    let root =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/corpus/layouts/oras-e2e-images/blobs/sha256");
    let file = std::fs::read(root.join("24b9e859bfdff44fbeee998abb782f69fa2b19164464b200351b3be3b690cf4a")).unwrap();
    assert_eq!(file, b"my artifact\n");
    let layer = read(&file, 5, "application/vnd.oci.image.layer.v1.tar", None);
    assert_eq!(codes(&layer), ["layer-truncated"]);
    assert!(layer.entries.is_empty());
}

#[test]
fn a_file_asked_for_is_kept_whatever_the_chunks_up_to_its_limit() {
    let content: Vec<u8> = (0..1500u32).map(|i| (i % 251) as u8).collect();
    let tar = gzip(&archive(&[
        ("etc/os-release", b'0', "", b"ID=old\n"),
        ("usr/lib/big.bin", b'0', "", &content),
        ("etc/os-release", b'0', "", b"ID=fathom\n"),
        ("etc/link", b'2', "os-release", b""),
    ]));
    let keep = |path: &str, max: u64, chunk: usize| {
        let digest = Digest::sha256(&tar);
        let mut reader = LayerReader::new(digest, Some(tar.len() as u64), GZIP_LAYER, None).keeping(path, max);
        for piece in tar.chunks(chunk) {
            reader.feed(piece);
        }
        reader.finish().kept
    };
    for chunk in [1, 7, 512, 1 << 20] {
        // The archive's last entry for the path is the one extraction leaves.
        let kept = keep("./etc/os-release", 1 << 20, chunk).unwrap();
        assert_eq!(
            (kept.path.as_str(), kept.bytes.as_slice(), kept.truncated()),
            ("etc/os-release", &b"ID=fathom\n"[..], false)
        );
        let big = keep("usr/lib/big.bin", 1 << 20, chunk).unwrap();
        assert_eq!(big.bytes, content, "chunk {chunk}");
        let head = keep("usr/lib/big.bin", 100, chunk).unwrap();
        assert_eq!(
            (head.bytes.as_slice(), head.size, head.truncated()),
            (&content[..100], 1500, true)
        );
    }
    // Only regular files are kept; a path not there keeps nothing.
    assert_eq!(keep("etc/link", 100, 512), None);
    assert_eq!(keep("etc/none", 100, 512), None);
}

/// `zstd ARGS` (Debian's, the reference implementation) run over `input`.
fn zstd_cli(args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new("zstd")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("zstd runs");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success());
    out.stdout
}

const ZSTD_LAYER: &str = "application/vnd.oci.image.layer.v1.tar+zstd";

/// `bytes` as two zstd frames, cut at `at`, with a skippable frame between them (magic
/// 0x184D2A50, as zstd:chunked puts its table of contents in one).
fn frames_in_turn(bytes: &[u8], at: usize) -> Vec<u8> {
    let (first, second) = bytes.split_at(at);
    let mut zst = zstd_cli(&["-c"], first);
    zst.extend_from_slice(&0x184D_2A50u32.to_le_bytes());
    zst.extend_from_slice(&5u32.to_le_bytes());
    zst.extend_from_slice(b"index");
    zst.extend_from_slice(&zstd_cli(&["-c"], second));
    zst
}

#[test]
fn real_layers_recompressed_with_zstd_read_as_their_gzip_selves() {
    let mut checked = 0;
    for (path, media_type, digest, size, diff_id) in corpus_layers() {
        let gz = std::fs::read(&path).unwrap();
        let from_gzip = {
            let mut reader = LayerReader::new(digest, Some(size), &media_type, diff_id.clone());
            reader.feed(&gz);
            reader.finish()
        };
        if from_gzip.failed_check().is_some() || from_gzip.compression != mt::Compression::Gzip {
            continue; // the placeholders, and plain tars
        }
        let mut tar = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(&gz[..]), &mut tar).unwrap();
        // With and without checksums, fast and slow levels (frames in turn: the next test).
        for args in [&["-3", "-c"][..], &["-19", "--no-check", "-c"], &["-1", "-c"]] {
            let zst = zstd_cli(args, &tar);
            for chunk in [1, 7, 512, 1 << 20] {
                let layer = read(&zst, chunk, ZSTD_LAYER, diff_id.clone());
                assert!(
                    layer.findings.is_empty(),
                    "{} {args:?}: {:?}",
                    path.display(),
                    layer.findings
                );
                assert_eq!(layer.compression, mt::Compression::Zstd);
                assert_eq!(
                    layer.entries,
                    from_gzip.entries,
                    "{} {args:?} fed {chunk} at a time",
                    path.display()
                );
                assert_eq!(layer.diff_id, from_gzip.diff_id);
                assert_eq!(layer.uncompressed_size, tar.len() as u64);
            }
        }
        checked += 1;
    }
    assert!(checked >= 3, "{checked} real layers read as zstd");
}

#[test]
fn skippable_frames_are_skipped_and_broken_zstd_streams_say_so() {
    let tar = archive(&[("etc/hostname", b'0', "", b"fathom\n"), ("etc/motd", b'0', "", b"hi\n")]);
    let zst = frames_in_turn(&tar, 512 * 2);
    for chunk in [1, 3, 512] {
        let layer = read(&zst, chunk, ZSTD_LAYER, Some(Digest::sha256(&tar)));
        assert!(layer.findings.is_empty(), "{:?}", layer.findings);
        let paths: Vec<&str> = layer.entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["etc/hostname", "etc/motd"]);
    }
    let whole = zstd_cli(&["-c"], &tar);
    // Cut in the frame's checksum (its last 4 bytes) or before it.
    for cut in 1..=6 {
        for chunk in [1, 512] {
            let layer = read(&whole[..whole.len() - cut], chunk, ZSTD_LAYER, None);
            assert_eq!(codes(&layer), ["layer-truncated"], "cut {cut}, fed {chunk} at a time");
        }
    }
    // A byte changed inside the compressed block: the frame's checksum (or the decoder) says so.
    let mut flipped = whole.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x40;
    let layer = read(&flipped, 512, ZSTD_LAYER, Some(Digest::sha256(&tar)));
    assert!(layer.failed_check().is_some(), "{:?}", layer.findings);
    let garbage = [&whole[..], b"not zstd at all"].concat();
    assert_eq!(codes(&read(&garbage, 512, ZSTD_LAYER, None)), ["layer-corrupt"]);
}

#[test]
fn a_kept_file_is_text_or_a_hex_dump() {
    let kept = |bytes: &[u8], size: u64| KeptFile {
        path: "f".into(),
        size,
        bytes: bytes.to_vec(),
    };
    assert_eq!(kept(b"ID=fathom\n", 10).text(), Some("ID=fathom\n"));
    // A cut inside a character leaves the character out; invalid UTF-8 or a NUL is binary.
    let e_acute = "é".as_bytes();
    assert_eq!(kept(&[b'x', e_acute[0]], 3).text(), Some("x"));
    assert_eq!(kept(&[b'x', e_acute[0]], 2).text(), None, "whole, so not a cut");
    assert_eq!(kept(&[b'x', 0xff, b'y'], 9).text(), None);
    assert_eq!(kept(b"a\0b", 3).text(), None);
    let elf = kept(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0fathom", 22);
    assert_eq!(
        elf.hex_dump(),
        "00000000  7f 45 4c 46 02 01 01 00 00 00 00 00 00 00 00 00  |.ELF............|\n\
         00000010  66 61 74 68 6f 6d                                |fathom|\n"
    );
}
