//! The image archive a user gave the page (`docker save`, `skopeo copy … oci-archive:`), in the
//! worker: indexed from its tar headers alone, then read at offsets with `FileReaderSync` (a
//! worker may read a `File` synchronously; the page may not), the core's
//! [`ArchiveRegistry`] answering the page's registry requests and lending its layers to the
//! reading. The file never leaves the browser.

use std::cell::RefCell;
use std::rc::Rc;

use fathom_browser::files::{ArchiveOpened, Fetched};
use fathom_core::archive::registry::ArchiveRegistry;
use fathom_core::archive::{ArchiveIndexer, ReadAt};
use fathom_core::finding::Severity;
use fathom_core::registry::{HttpRequest, Method, TransportError};
use fathom_core::report::human_size;
use js_sys::Uint8Array;
use web_sys::{File, FileReaderSync};

/// A `File`, read at offsets.
pub struct FileBytes(File);

impl ReadAt for FileBytes {
    fn read_at(&self, offset: u64, len: u64) -> Result<Vec<u8>, String> {
        let failed = |e: wasm_bindgen::JsValue| format!("{} cannot be read: {e:?}", self.0.name());
        let slice = self
            .0
            .slice_with_f64_and_f64(offset as f64, (offset + len) as f64)
            .map_err(failed)?;
        let buffer = FileReaderSync::new()
            .and_then(|r| r.read_as_array_buffer(&slice))
            .map_err(failed)?;
        let bytes = Uint8Array::new(&buffer).to_vec();
        if bytes.len() as u64 != len {
            return Err(format!(
                "{} ends before byte {} (has it changed since it was chosen?)",
                self.0.name(),
                offset + len
            ));
        }
        Ok(bytes)
    }
}

/// The archive a reader has open.
pub type Archive = ArchiveRegistry<FileBytes>;

thread_local! {
    /// The archive the page gave this worker.
    static ARCHIVE: RefCell<Option<Rc<Archive>>> = const { RefCell::new(None) };
}

/// The archive the page gave, if any.
pub fn current() -> Option<Rc<Archive>> {
    ARCHIVE.with(|a| a.borrow().clone())
}

/// Indexes `file` and keeps it: what the page shows of it.
pub fn open(file: File) -> ArchiveOpened {
    let started = js_sys::Date::now();
    let title = file.name();
    let size = file.size() as u64;
    let bytes = FileBytes(file);
    let index = ArchiveIndexer::index(&bytes, size);
    let archive = ArchiveRegistry::open(index, bytes, &title);
    let said = |f: &fathom_core::finding::Finding| format!("{}: {}", f.code, f.message);
    let opened = ArchiveOpened {
        read: format!(
            "{} indexed in {} ms",
            human_size(size),
            (js_sys::Date::now() - started).round()
        ),
        title,
        images: archive.images().iter().map(|i| i.reference.clone()).collect(),
        described: archive
            .images()
            .iter()
            .map(|i| {
                let rebuilt = if i.rebuilt { " (rebuilt from manifest.json)" } else { "" };
                format!("{}{rebuilt}", i.media_type)
            })
            .collect(),
        problems: archive
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(said)
            .collect(),
        notes: archive
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Error)
            .map(said)
            .collect(),
    };
    ARCHIVE.with(|a| *a.borrow_mut() = Some(Rc::new(archive)));
    opened
}

/// Answers the page's registry request `id` from the archive.
pub fn fetch(id: u32, head: bool, url: String, max_body: u64) -> Fetched {
    let Some(archive) = current() else {
        return Fetched {
            id,
            failure: Some("no archive is open in the worker".into()),
            ..Fetched::default()
        };
    };
    let request = HttpRequest {
        method: if head { Method::Head } else { Method::Get },
        ..HttpRequest::get(url, max_body)
    };
    match archive.answer(&request) {
        Ok(response) => Fetched {
            id,
            status: response.status,
            headers: response.headers,
            body: response.body,
            ..Fetched::default()
        },
        Err(TransportError::TooLarge { limit }) => Fetched {
            id,
            too_large: Some(limit),
            ..Fetched::default()
        },
        Err(e) => Fetched {
            id,
            failure: Some(e.to_string()),
            ..Fetched::default()
        },
    }
}
