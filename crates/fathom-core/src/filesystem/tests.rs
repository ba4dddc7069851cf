use super::*;

fn entry(path: &str, kind: EntryKind, size: u64) -> LayerEntry {
    LayerEntry {
        path: path.to_owned(),
        kind,
        size,
        mode: if kind == EntryKind::Dir { 0o755 } else { 0o644 },
        uid: 0,
        gid: 0,
        mtime: 0,
        link: None,
        whiteout: crate::layer::whiteout(path),
    }
}

fn dir(path: &str) -> LayerEntry {
    entry(path, EntryKind::Dir, 0)
}

fn file(path: &str, size: u64) -> LayerEntry {
    entry(path, EntryKind::File, size)
}

fn merge(layers: &[Vec<LayerEntry>]) -> FileSystem {
    let mut merger = Merger::new();
    for layer in layers {
        merger.apply(layer);
    }
    merger.finish()
}

/// path → (layer, kind, size) of what the filesystem shows.
fn shown(fs: &FileSystem) -> Vec<(String, usize, EntryKind, u64)> {
    fs.paths
        .values()
        .map(|m| (m.entry.path.clone(), m.layer, m.entry.kind, m.entry.size))
        .collect()
}

#[test]
fn layers_overwrite_delete_and_hide_as_the_image_spec_applies_them() {
    let fs = merge(&[
        vec![
            dir("etc"),
            file("etc/a", 10),
            file("etc/b", 20),
            dir("var"),
            dir("var/cache"),
            file("var/cache/x", 5),
        ],
        vec![
            dir("etc"),
            file("etc/a", 12),
            file("etc/.wh.b", 0),
            dir("var/cache"),
            file("var/cache/.wh..wh..opq", 0),
            file("var/cache/y", 3),
        ],
        vec![file("var", 7)],
    ]);
    use EntryKind::*;
    assert_eq!(
        shown(&fs),
        [
            ("etc".into(), 1, Dir, 0),
            ("etc/a".into(), 1, File, 12),
            ("var".into(), 2, File, 7),
        ]
    );
    let changes: Vec<(usize, usize, usize, u64, u64)> = fs
        .changes
        .iter()
        .map(|c| (c.added, c.modified, c.deleted, c.bytes, c.wasted))
        .collect();
    assert_eq!(changes, [(6, 0, 0, 35, 35), (1, 3, 2, 15, 3), (0, 1, 2, 7, 0)]);
    let a = &fs.paths["etc/a"];
    assert_eq!(
        a.hides,
        [Copy {
            layer: 0,
            kind: File,
            size: 10
        }]
    );
    let removed: Vec<(&str, usize, Vec<usize>)> = fs
        .removed
        .iter()
        .map(|r| (r.path.as_str(), r.by_layer, r.copies.iter().map(|c| c.layer).collect()))
        .collect();
    assert_eq!(
        removed,
        [
            ("etc/b", 1, vec![0]),
            ("var/cache/x", 1, vec![0]),
            // A file where a directory was: the directory goes, with everything under it.
            ("var/cache", 2, vec![0, 1]),
            ("var/cache/y", 2, vec![1]),
        ]
    );
    // Bytes shipped: 10 + 20 + 5, 12 + 3, 7 = 57; shown: 12 + 7.
    assert_eq!(fs.waste.layer_bytes, 57);
    assert_eq!(fs.waste.wasted_bytes, 10 + 20 + 5 + 3);
    assert!((fs.waste.efficiency - 19.0 / 57.0).abs() < 1e-9);
    let most: Vec<(&str, usize, u64, bool)> = fs
        .waste
        .paths
        .iter()
        .map(|w| (w.path.as_str(), w.copies, w.bytes, w.present))
        .collect();
    assert_eq!(
        most,
        [
            ("etc/b", 1, 20, false),
            ("etc/a", 1, 10, true),
            ("var/cache/x", 1, 5, false),
            ("var/cache/y", 1, 3, false)
        ]
    );
    // dive: etc/a written twice (22), etc/b written and whited out (a file's whiteout counts 0),
    // so 20 + 0; the opaque directory is not read.
    assert_eq!(fs.waste.dive_wasted_bytes, 22 + 20);
    // Per path the smallest copy (etc/b: its whiteout, 0) over all copies.
    let (smallest, total) = (10 + 5 + 3 + 7, 22 + 20 + 5 + 3 + 7);
    assert!((fs.waste.dive_efficiency - smallest as f64 / total as f64).abs() < 1e-9);
}

#[test]
fn a_whiteout_hides_only_the_layers_below_whatever_the_archive_order() {
    for layer in [
        vec![file("a/x", 2), file("a/.wh.x", 0)],
        vec![file("a/.wh.x", 0), file("a/x", 2)],
        vec![file("a/x", 2), file("a/.wh..wh..opq", 0)],
    ] {
        let fs = merge(&[vec![dir("a"), file("a/x", 1), file("a/y", 1)], layer.clone()]);
        let x = &fs.paths["a/x"];
        assert_eq!((x.layer, x.entry.size), (1, 2), "{layer:?}");
        assert_eq!(
            fs.waste.wasted_bytes,
            if fs.paths.contains_key("a/y") { 1 } else { 2 },
            "{layer:?}"
        );
    }
}

#[test]
fn a_directory_whiteout_deletes_the_tree_and_dive_counts_it() {
    let fs = merge(&[
        vec![
            dir("opt"),
            dir("opt/app"),
            file("opt/app/bin", 100),
            file("opt/app/lib", 50),
        ],
        vec![file("opt/.wh.app", 0)],
    ]);
    assert_eq!(shown(&fs), [("opt".into(), 0, EntryKind::Dir, 0)]);
    assert_eq!(fs.waste.wasted_bytes, 150);
    assert_eq!(fs.waste.efficiency, 0.0);
    // dive: the whiteout of a directory counts what it deleted (150) at the directory's path,
    // written once, so not "wasted" by its rule — only its score sees it.
    assert_eq!(fs.waste.dive_wasted_bytes, 0);
    assert!((fs.waste.dive_efficiency - 300.0 / 300.0).abs() < 1e-9);
}

#[test]
fn parents_are_made_and_unsafe_paths_are_not_applied() {
    let fs = merge(&[vec![
        file("usr/local/bin/tool", 4),
        file("../escape", 9),
        file("/abs", 9),
        file("./a//b/./c", 1),
    ]]);
    let paths: Vec<(&str, bool)> = fs.paths.values().map(|m| (m.entry.path.as_str(), m.implicit)).collect();
    assert_eq!(
        paths,
        [
            ("a", true),
            ("a/b", true),
            ("a/b/c", false),
            ("usr", true),
            ("usr/local", true),
            ("usr/local/bin", true),
            ("usr/local/bin/tool", false)
        ]
    );
    // A layer's own entry for an implicit directory takes its place and hides nothing.
    let fs = merge(&[vec![file("usr/bin/sh", 1), dir("usr")]]);
    assert!(!fs.paths["usr"].implicit && fs.paths["usr"].hides.is_empty());
    assert_eq!(fs.largest(1)[0].entry.path, "usr/bin/sh");
}

#[test]
fn paths_resolve_through_links_as_a_container_sees_them() {
    let link = |path: &str, kind: EntryKind, target: &str| LayerEntry {
        link: Some(target.to_owned()),
        ..entry(path, kind, 0)
    };
    let fs = merge(&[vec![
        dir("usr"),
        dir("usr/lib"),
        file("usr/lib/os-release", 40),
        dir("etc"),
        link("etc/os-release", EntryKind::Symlink, "../usr/lib/os-release"),
        link("lib", EntryKind::Symlink, "usr/lib"),
        link("etc/abs", EntryKind::Symlink, "/usr/lib/os-release"),
        link("etc/up", EntryKind::Symlink, "../../../usr/lib/os-release"),
        link("etc/hard", EntryKind::Hardlink, "usr/lib/os-release"),
        link("loop", EntryKind::Symlink, "loop"),
        link("dangling", EntryKind::Symlink, "nowhere"),
    ]]);
    for path in [
        "usr/lib/os-release",
        "etc/os-release",
        "/lib/os-release",
        "lib/./os-release",
        "etc/abs",
        "etc/up",
        "etc/hard",
        "usr/../etc/os-release",
    ] {
        assert_eq!(fs.resolve(path), Ok("usr/lib/os-release".into()), "{path}");
    }
    assert_eq!(fs.resolve("lib"), Ok("usr/lib".into()));
    assert_eq!(fs.resolve("loop"), Err(ResolveError::TooManyLinks("loop".into())));
    assert_eq!(fs.resolve("dangling"), Err(ResolveError::Missing("nowhere".into())));
    assert_eq!(
        fs.resolve("etc/nothing"),
        Err(ResolveError::Missing("etc/nothing".into()))
    );
    assert_eq!(
        fs.resolve("usr/lib/os-release/x"),
        Err(ResolveError::NotADirectory("usr/lib/os-release".into()))
    );
}

#[test]
fn each_entry_of_a_layer_says_what_it_does_to_the_layers_below() {
    let mut below = Merger::new();
    below.apply(&[dir("etc"), file("etc/motd", 5), file("etc/gone", 3)]);
    assert!(below.has("etc/motd") && below.has("./etc/motd/") && !below.has("etc/new"));
    assert_eq!(Change::of(&file("etc/motd", 6), &below), Change::Modified);
    assert_eq!(Change::of(&dir("etc"), &below), Change::Modified);
    assert_eq!(Change::of(&file("etc/new", 1), &below), Change::Added);
    assert_eq!(Change::of(&file("etc/.wh.gone", 0), &below), Change::Deleted);
    assert_eq!(Change::of(&file("etc/.wh..wh..opq", 0), &below), Change::Deleted);
}

#[test]
fn a_files_summary_carries_each_layer_the_waste_and_the_largest_files() {
    use crate::digest::Digest;
    use crate::layer::LayerReader;
    use crate::report::LayerInfo;

    // Two real (tiny) tar layers: the second overwrites the first's file.
    let tar = |files: &[(&str, &[u8])]| {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, data) in files {
            let mut header = tar::Header::new_ustar();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, path, *data).unwrap();
        }
        builder.into_inner().unwrap()
    };
    let blobs = [tar(&[("a", b"12345"), ("b", b"1")]), tar(&[("a", b"123")])];
    let infos: Vec<LayerInfo> = blobs
        .iter()
        .map(|blob| LayerInfo {
            media_type: Some("application/vnd.oci.image.layer.v1.tar".into()),
            digest: Digest::sha256(blob).to_string(),
            size: Some(blob.len() as i64),
            diff_id: Some(Digest::sha256(blob).to_string()),
        })
        .collect();
    let layers: Vec<_> = blobs
        .iter()
        .zip(&infos)
        .map(|(blob, info)| {
            let digest: Digest = info.digest.parse().unwrap();
            let mut reader = LayerReader::new(
                digest.clone(),
                Some(blob.len() as u64),
                "application/vnd.oci.image.layer.v1.tar",
                Some(digest),
            );
            reader.feed(blob);
            reader.finish()
        })
        .collect();
    let mut merger = Merger::new();
    for layer in &layers {
        merger.apply(&layer.entries);
    }
    let summary = FilesSummary::of(infos.iter().zip(&layers), &merger.finish());
    assert!(summary.layers.iter().all(|l| l.verified));
    assert_eq!(summary.layers.len(), 2);
    assert_eq!(summary.layers[1].changes.modified, 1);
    assert_eq!(summary.layers[0].changes.wasted, 5, "the first `a`");
    assert_eq!((summary.waste.wasted_bytes, summary.waste.layer_bytes), (5, 9));
    assert_eq!(summary.paths, 2);
    let largest: Vec<(&str, u64, usize)> = summary
        .largest
        .iter()
        .map(|l| (l.path.as_str(), l.size, l.layer))
        .collect();
    assert_eq!(largest, [("a", 3, 1), ("b", 1, 0)]);
    // The Report carries it, and reads it back.
    let json = serde_json::to_value(&summary).unwrap();
    assert_eq!(serde_json::from_value::<FilesSummary>(json).unwrap(), summary);
}

#[test]
fn a_layers_listing_names_what_it_adds_changes_and_deletes_and_the_directories_it_implies() {
    let layer = |entries: Vec<LayerEntry>| Layer {
        compression: crate::media_type::Compression::None,
        size: 0,
        uncompressed_size: 0,
        diff_id: None,
        entries,
        findings: Vec::new(),
        kept: None,
    };
    let layers = [
        layer(vec![
            dir("etc"),
            file("etc/motd", 5),
            file("etc/gone", 3),
            dir("opt"),
            file("opt/a", 1),
        ]),
        // No entry for `etc` or `usr`: only entries under them.
        layer(vec![
            file("etc/motd", 6),
            file("etc/.wh.gone", 0),
            file("usr/bin/tool", 9),
            file("opt/.wh..wh..opq", 0),
        ]),
    ];
    let listed = |dir: &str| -> Vec<(String, EntryKind, Change)> {
        layer_listing(&layers, 1, dir)
            .into_iter()
            .map(|l| (l.name, l.entry.kind, l.change))
            .collect()
    };
    assert_eq!(
        listed(""),
        [
            ("etc".to_owned(), EntryKind::Dir, Change::Modified),
            ("opt".to_owned(), EntryKind::Dir, Change::Modified),
            ("usr".to_owned(), EntryKind::Dir, Change::Added),
        ]
    );
    assert_eq!(
        listed("etc"),
        [
            ("gone".to_owned(), EntryKind::File, Change::Deleted),
            ("motd".to_owned(), EntryKind::File, Change::Modified),
        ]
    );
    assert_eq!(listed("opt")[0].2, Change::Deleted, "the opaque whiteout");
    assert_eq!(listed("usr"), [("bin".to_owned(), EntryKind::Dir, Change::Added)]);
    assert_eq!(
        layer_listing(&layers, 0, "opt").len(),
        1,
        "the bottom layer: everything added"
    );
}
