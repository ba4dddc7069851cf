//! A tar archive read as its bytes arrive. The `tar` crate's reader pulls from `io::Read`; a layer
//! arrives in pushes, so this loop collects each 512-byte header and lets the crate's `Header`
//! parse it (ustar, GNU, and the base-256 numbers of sizes over 8 GiB). The records that name the
//! next entry — PAX (`x`; `g` is read and set aside) and GNU long names and link names (`L`, `K`)
//! — are collected, capped at [`MAX_EXTENSION`], and applied to it. Entry data is skipped, never
//! kept: memory is one header and one extension record.

use tar::{EntryType, Header, PaxExtensions};

use crate::finding::{Code, Finding};

/// The largest PAX or GNU long-name record read (real ones are a few hundred bytes).
const MAX_EXTENSION: u64 = 1 << 20;
const BLOCK: usize = 512;

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    /// A regular file (also a GNU sparse file, listed with its size in the archive).
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A hard link to an earlier entry.
    Hardlink,
    /// A character device.
    CharDevice,
    /// A block device.
    BlockDevice,
    /// A named pipe.
    Fifo,
    /// Any other type flag.
    Other,
}

/// What a whiteout entry deletes from the layers below (OCI image-spec, layer.md, "Whiteouts").
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Whiteout {
    /// `.wh.<name>`: the path it names is deleted.
    Removes(String),
    /// `.wh..wh..opq`: the directory's contents from lower layers are hidden.
    Opaque,
}

/// One entry of a layer's archive.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerEntry {
    /// The path, relative to the root, without `./` or a trailing `/`.
    pub path: String,
    /// What it is.
    pub kind: EntryKind,
    /// Bytes of content (files).
    pub size: u64,
    /// Permission bits (and setuid/setgid/sticky).
    pub mode: u32,
    /// Owner.
    pub uid: u64,
    /// Group.
    pub gid: u64,
    /// Modification time (Unix seconds).
    pub mtime: u64,
    /// The target of a symlink or hard link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// What it deletes, when it is a whiteout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whiteout: Option<Whiteout>,
}

impl LayerEntry {
    /// A directory no archive entry names, made for what an entry puts under it (as an
    /// extracting tar makes it): mode 0755, owned by root.
    pub fn implicit_dir(path: &str) -> LayerEntry {
        LayerEntry {
            path: path.to_owned(),
            kind: EntryKind::Dir,
            size: 0,
            mode: 0o755,
            uid: 0,
            gid: 0,
            mtime: 0,
            link: None,
            whiteout: None,
        }
    }
}

/// Where the reading is.
#[derive(Debug, Default)]
enum State {
    /// Collecting a header.
    #[default]
    Header,
    /// Skipping an entry's data, then its padding.
    Data { left: u64 },
    /// Collecting an extension record (`x`, `g`, `L`, `K`), then its padding.
    Extension { kind: u8, left: u64, padding: u64 },
    /// Past the two zero blocks that end the archive: the rest is padding.
    End,
}

/// What extension records said of the next entry.
#[derive(Debug, Default)]
struct Pending {
    path: Option<Vec<u8>>,
    link: Option<Vec<u8>>,
    size: Option<u64>,
    uid: Option<u64>,
    gid: Option<u64>,
    mtime: Option<u64>,
}

/// A tar archive being read.
#[derive(Debug, Default)]
pub struct TarStream {
    state: State,
    /// The header or extension record being collected.
    buffer: Vec<u8>,
    pending: Pending,
    zero_blocks: u8,
    /// Bytes read so far.
    offset: u64,
    /// Where the header being read starts (what a finding points to).
    at: u64,
    entries: Vec<LayerEntry>,
    /// Where each entry's content starts in the archive.
    data_offsets: Vec<u64>,
    findings: Vec<Finding>,
    /// The path whose content to keep, and at most how many bytes of it.
    keep: Option<(String, u64)>,
    /// The content kept so far (the path's last entry in the archive).
    kept: Option<KeptFile>,
    /// Content bytes of the entry being kept still to come.
    keeping: u64,
}

/// One file's content, read from a layer's archive (see [`TarStream::keeping`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptFile {
    /// Its path.
    pub path: String,
    /// Its size in the archive.
    pub size: u64,
    /// Its first bytes: all of them, unless the size is past the limit asked for.
    pub bytes: Vec<u8>,
}

impl KeptFile {
    /// Whether only the first bytes were kept.
    pub fn truncated(&self) -> bool {
        (self.bytes.len() as u64) < self.size
    }

    /// The bytes as text, when they are UTF-8 without NUL bytes (a character the cut of a
    /// truncated file split is left out).
    pub fn text(&self) -> Option<&str> {
        let text = match std::str::from_utf8(&self.bytes) {
            Ok(text) => text,
            // `error_len() == None`: the bytes end inside a character — the cut's doing.
            Err(e) if e.error_len().is_none() && self.truncated() => {
                std::str::from_utf8(&self.bytes[..e.valid_up_to()]).ok()?
            }
            Err(_) => return None,
        };
        (!text.contains('\0')).then_some(text)
    }

    /// `xxd`-style lines: offset, sixteen bytes in hex, the printable ones.
    pub fn hex_dump(&self) -> String {
        let mut out = String::with_capacity(self.bytes.len() * 4 + self.bytes.len() / 16 * 12);
        for (row, chunk) in self.bytes.chunks(16).enumerate() {
            let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            let shown: String = chunk
                .iter()
                .map(|&b| {
                    if b.is_ascii_graphic() || b == b' ' {
                        b as char
                    } else {
                        '.'
                    }
                })
                .collect();
            out.push_str(&format!("{:08x}  {:<47}  |{shown}|\n", row * 16, hex.join(" ")));
        }
        out
    }
}

impl TarStream {
    /// A reader that also keeps the content of the regular file at `path` (normalised as
    /// entries are), at most `max` bytes of it: memory stays bounded by what is asked for.
    pub fn keeping(path: &str, max: u64) -> TarStream {
        TarStream {
            keep: Some((normalise(path), max)),
            ..TarStream::default()
        }
    }

    /// The kept file, when the archive has it.
    pub fn take_kept(&mut self) -> Option<KeptFile> {
        self.kept.take()
    }

    /// Reads the next bytes of the archive; a corrupt header stops the reading.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Result<(), Finding> {
        while !bytes.is_empty() {
            let taken = match &mut self.state {
                State::End => return Ok(()),
                State::Header => {
                    let take = (BLOCK - self.buffer.len()).min(bytes.len());
                    self.buffer.extend_from_slice(&bytes[..take]);
                    if self.buffer.len() == BLOCK {
                        let block = std::mem::take(&mut self.buffer);
                        self.at = self.offset + take as u64 - BLOCK as u64;
                        self.header(&block)?;
                    }
                    take
                }
                State::Data { left } => {
                    let take = (*left).min(bytes.len() as u64);
                    *left -= take;
                    if self.keeping > 0 {
                        // Content comes before the padding: keep up to what is left of it.
                        let content = take.min(self.keeping);
                        self.keeping -= content;
                        if let (Some(kept), Some((_, max))) = (self.kept.as_mut(), &self.keep) {
                            let room = max.saturating_sub(kept.bytes.len() as u64).min(content) as usize;
                            kept.bytes.extend_from_slice(&bytes[..room]);
                        }
                    }
                    if *left == 0 {
                        self.state = State::Header;
                    }
                    take as usize
                }
                State::Extension { kind, left, padding } => {
                    let take = if *left > 0 {
                        let take = (*left).min(bytes.len() as u64) as usize;
                        self.buffer.extend_from_slice(&bytes[..take]);
                        *left -= take as u64;
                        take
                    } else {
                        let take = (*padding).min(bytes.len() as u64);
                        *padding -= take;
                        take as usize
                    };
                    if *left == 0 && *padding == 0 {
                        let (kind, record) = (*kind, std::mem::take(&mut self.buffer));
                        self.extension(kind, &record);
                        self.state = State::Header;
                    }
                    take
                }
            };
            self.offset += taken as u64;
            bytes = &bytes[taken..];
        }
        Ok(())
    }

    /// How many of the next bytes are entry data (and its padding) that this reader does not
    /// keep: a caller with random access may [`skip`](TarStream::skip) them unread.
    pub fn skippable(&self) -> u64 {
        match self.state {
            State::Data { left } if self.keeping == 0 => left,
            _ => 0,
        }
    }

    /// Passes over `n` bytes unread, at most [`skippable`](TarStream::skippable) of them.
    pub fn skip(&mut self, n: u64) {
        let n = n.min(self.skippable());
        if let State::Data { left } = &mut self.state {
            *left -= n;
            self.offset += n;
            if *left == 0 {
                self.state = State::Header;
            }
        }
    }

    /// Where each entry's content starts in the archive, in the order of the entries.
    pub fn data_offsets(&self) -> &[u64] {
        &self.data_offsets
    }

    /// Whether the archive's end-of-archive blocks were read (what follows is padding).
    pub fn ended(&self) -> bool {
        matches!(self.state, State::End)
    }

    /// The entries, the findings, and whether the archive reached its end-of-archive blocks.
    pub fn finish(self) -> (Vec<LayerEntry>, Vec<Finding>, bool) {
        let ended = self.ended();
        (self.entries, self.findings, ended)
    }

    fn corrupt(&self, message: String) -> Finding {
        Finding::error(
            Code::LayerCorrupt,
            "",
            format!("{message} (the header at tar offset {})", self.at),
        )
    }

    /// One 512-byte header block.
    fn header(&mut self, block: &[u8]) -> Result<(), Finding> {
        if block.iter().all(|&b| b == 0) {
            self.zero_blocks += 1;
            if self.zero_blocks == 2 {
                self.state = State::End;
            }
            return Ok(());
        }
        self.zero_blocks = 0;
        let header = Header::from_byte_slice(block);
        let stored = header
            .cksum()
            .map_err(|e| self.corrupt(format!("a tar header is unreadable: {e}")))?;
        // The checksum is the sum of the header's bytes with its own field read as spaces.
        let computed: u32 = block[..148]
            .iter()
            .chain(&[b' '; 8])
            .chain(&block[156..])
            .map(|&b| u32::from(b))
            .sum();
        if stored != computed {
            return Err(self.corrupt(format!("a tar header's checksum is {stored}, not {computed}")));
        }
        let size = match self.pending.size.take() {
            Some(size) => size,
            None => header
                .size()
                .map_err(|e| self.corrupt(format!("a tar header's size is unreadable: {e}")))?,
        };
        let padding = (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64;
        let kind = header.entry_type().as_byte();
        if matches!(kind, b'x' | b'g' | b'L' | b'K') {
            if size > MAX_EXTENSION {
                return Err(self.corrupt(format!("an extension record of {size} bytes (at most {MAX_EXTENSION})")));
            }
            self.state = State::Extension {
                kind,
                left: size,
                padding,
            };
            if size == 0 && padding == 0 {
                self.extension(kind, &[]);
                self.state = State::Header;
            }
            return Ok(());
        }
        let entry = self.entry(header, size);
        if self.keep.as_ref().is_some_and(|(path, _)| *path == entry.path) && entry.kind == EntryKind::File {
            // The last entry for the path in the archive is the one extraction leaves.
            self.kept = Some(KeptFile {
                path: entry.path.clone(),
                size,
                bytes: Vec::new(),
            });
            self.keeping = size;
        }
        self.entries.push(entry);
        self.data_offsets.push(self.at + BLOCK as u64);
        let data = size
            .checked_add(padding)
            .ok_or_else(|| self.corrupt(format!("an entry of {size} bytes, more than a tar archive can hold")))?;
        self.state = if data == 0 {
            State::Header
        } else {
            State::Data { left: data }
        };
        Ok(())
    }

    /// An entry from its header and what extension records said of it.
    fn entry(&mut self, header: &Header, size: u64) -> LayerEntry {
        let pending = std::mem::take(&mut self.pending);
        let path = text(&pending.path.unwrap_or_else(|| header.path_bytes().into_owned()));
        let link = pending
            .link
            .or_else(|| header.link_name_bytes().map(|l| l.into_owned()));
        let entry_type = header.entry_type();
        let kind = match entry_type {
            EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => EntryKind::File,
            EntryType::Directory => EntryKind::Dir,
            EntryType::Symlink => EntryKind::Symlink,
            EntryType::Link => EntryKind::Hardlink,
            EntryType::Char => EntryKind::CharDevice,
            EntryType::Block => EntryKind::BlockDevice,
            EntryType::Fifo => EntryKind::Fifo,
            _ => EntryKind::Other,
        };
        let path = normalise(&path);
        if entry_type == EntryType::GNUSparse {
            self.findings.push(Finding::info(
                Code::LayerSparseFile,
                "",
                format!("{path}: a GNU sparse file, listed with its {size} bytes in the archive"),
            ));
        }
        if let Some(why) = escapes(&path) {
            self.findings
                .push(Finding::error(Code::LayerPathUnsafe, "", format!("{path:?} {why}")));
        }
        let link = link.map(|l| text(&l));
        if let (EntryKind::Hardlink, Some(target)) = (kind, &link) {
            if let Some(why) = escapes(&normalise(target)) {
                self.findings.push(Finding::error(
                    Code::LayerPathUnsafe,
                    "",
                    format!("{path:?} is a hard link to {target:?}, which {why}"),
                ));
            }
        }
        let whiteout = whiteout(&path);
        LayerEntry {
            kind,
            size: if kind == EntryKind::File { size } else { 0 },
            mode: header.mode().unwrap_or(0),
            uid: pending.uid.or_else(|| header.uid().ok()).unwrap_or(0),
            gid: pending.gid.or_else(|| header.gid().ok()).unwrap_or(0),
            mtime: pending.mtime.or_else(|| header.mtime().ok()).unwrap_or(0),
            link: link.filter(|_| matches!(kind, EntryKind::Symlink | EntryKind::Hardlink)),
            whiteout,
            path,
        }
    }

    /// An extension record: what it says of the next entry (a global PAX record is set aside).
    fn extension(&mut self, kind: u8, record: &[u8]) {
        let name = || record.split(|&b| b == 0).next().unwrap_or_default().to_vec();
        match kind {
            b'L' => self.pending.path = Some(name()),
            b'K' => self.pending.link = Some(name()),
            b'x' => {
                for pax in PaxExtensions::new(record).flatten() {
                    let (key, value) = (pax.key_bytes(), pax.value_bytes());
                    let number = || {
                        std::str::from_utf8(value)
                            .ok()
                            .and_then(|v| v.split('.').next())
                            .and_then(|v| v.parse().ok())
                    };
                    match key {
                        b"path" => self.pending.path = Some(value.to_vec()),
                        b"linkpath" => self.pending.link = Some(value.to_vec()),
                        b"size" => self.pending.size = number(),
                        b"uid" => self.pending.uid = number(),
                        b"gid" => self.pending.gid = number(),
                        b"mtime" => self.pending.mtime = number(),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}

/// Bytes of a name as text (not UTF-8: replaced, as `tar -t` shows them escaped).
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A path as the filesystem sees it: no leading `./`, no trailing `/`.
pub(crate) fn normalise(path: &str) -> String {
    let mut path = path;
    while let Some(rest) = path.strip_prefix("./") {
        path = rest;
    }
    let path = path.trim_end_matches('/');
    if path == "." {
        String::new()
    } else {
        path.to_owned()
    }
}

/// Why `path` leaves the root, if it does: absolute, or more `..` than it has depth.
fn escapes(path: &str) -> Option<&'static str> {
    if path.starts_with('/') {
        return Some("is absolute");
    }
    let mut depth = 0i64;
    for part in path.split('/') {
        match part {
            ".." => depth -= 1,
            "" | "." => {}
            _ => depth += 1,
        }
        if depth < 0 {
            return Some("climbs out of the root with `..`");
        }
    }
    None
}

/// What a whiteout entry at `path` deletes.
pub(crate) fn whiteout(path: &str) -> Option<Whiteout> {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    let removed = name.strip_prefix(".wh.")?;
    if removed == ".wh..opq" {
        return Some(Whiteout::Opaque);
    }
    Some(Whiteout::Removes(if dir.is_empty() {
        removed.to_owned()
    } else {
        format!("{dir}/{removed}")
    }))
}
