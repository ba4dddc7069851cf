//! An image archive opened in the page (dropped on it, or chosen): the file worker indexes it
//! and answers the inspect walk's registry requests from it, so the page's own walk — the one
//! that reads registries — hashes every manifest and config of the file. Nothing is uploaded:
//! the `File` goes to the worker, in this browser, and nowhere else.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use fathom_browser::files::{Answer, ArchiveOpened, Ask, Fetched};
use fathom_core::inspect::{Inspect, Options};
use fathom_core::registry::session::{ErrorKind, Failure};
use fathom_core::registry::{drive, HttpRequest, HttpResponse, Method, Remote, TransportError};
use fathom_core::report::Report;
use fathom_core::{Platform, Reference};
use futures_channel::oneshot;
use leptos::prelude::*;
use web_sys::File;

use crate::files_client::FilesWorker;
use crate::walk::failure;

/// Where the opening of an archive is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Opening {
    /// The worker is indexing it.
    Indexing,
    /// Indexed: the images it holds.
    Opened(Box<ArchiveOpened>),
    /// The worker could not start or failed.
    Failed(String),
}

/// Requests sent to the worker and not yet answered, by id.
type Pending = Rc<RefCell<HashMap<u32, oneshot::Sender<Fetched>>>>;

/// An archive open in this tab.
pub(crate) struct ArchiveSession {
    /// The file (the file view's own worker is given it too).
    pub(crate) file: File,
    /// How its opening goes.
    pub(crate) opening: ArcRwSignal<Opening>,
    worker: Option<FilesWorker>,
    pending: Pending,
    next_id: Cell<u32>,
}

/// Opens `file` in a worker of its own (the archive open before ends when its session is
/// dropped).
pub(crate) fn open(file: File) -> Rc<ArchiveSession> {
    let opening = ArcRwSignal::new(Opening::Indexing);
    let pending: Pending = Rc::default();
    let on_answer = {
        let (opening, pending) = (opening.clone(), pending.clone());
        move |answer: Answer| match answer {
            Answer::Archive(opened) => opening.set(Opening::Opened(Box::new(opened))),
            Answer::Fetched(fetched) => {
                if let Some(waiting) = pending.borrow_mut().remove(&fetched.id) {
                    let _ = waiting.send(fetched);
                }
            }
            Answer::Failed { message } => {
                // Every walk waiting on the worker learns it has failed (their senders drop).
                pending.borrow_mut().clear();
                opening.set(Opening::Failed(message));
            }
            _ => {}
        }
    };
    let worker = match FilesWorker::start(on_answer) {
        Ok(worker) => {
            worker.give(&file);
            Some(worker)
        }
        Err(message) => {
            opening.set(Opening::Failed(message));
            None
        }
    };
    Rc::new(ArchiveSession {
        file,
        opening,
        worker,
        pending,
        next_id: Cell::new(0),
    })
}

impl ArchiveSession {
    /// The file's name.
    pub(crate) fn title(&self) -> String {
        self.file.name()
    }

    /// Inspects `image` (a reference the worker named) of the archive, matching `platform`.
    pub(crate) async fn walk(&self, image: &str, platform: Option<Platform>) -> Result<Box<Report>, Failure> {
        let reference = Reference::parse(image)
            .map_err(|e| failure(ErrorKind::NotFound, format!("invalid reference {image:?}: {e}")))?;
        let remote = Remote::of(&reference).archive(&self.title()).with_concurrency(32);
        let options = Options {
            platform,
            ..Options::default()
        };
        drive::run(Inspect::new(image, reference, &remote, options), |r| self.send(r)).await
    }

    /// Sends `request` to the worker, which answers it from the archive.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let worker = self
            .worker
            .as_ref()
            .ok_or_else(|| TransportError::Other("the file worker did not start".into()))?;
        let id = self.next_id.get();
        self.next_id.set(id.wrapping_add(1));
        let (answered, answer) = oneshot::channel();
        self.pending.borrow_mut().insert(id, answered);
        worker.ask(&Ask::Fetch {
            id,
            head: request.method == Method::Head,
            url: request.url,
            max_body: request.max_body,
        });
        let fetched = answer
            .await
            .map_err(|_| TransportError::Other("the file worker stopped".into()))?;
        if let Some(limit) = fetched.too_large {
            return Err(TransportError::TooLarge { limit });
        }
        if let Some(failure) = fetched.failure {
            return Err(TransportError::Other(failure));
        }
        Ok(HttpResponse {
            status: fetched.status,
            headers: fetched.headers,
            body: fetched.body,
        })
    }
}
