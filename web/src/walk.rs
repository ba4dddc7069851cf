//! Walking a reference in the page: the registry as the page speaks to it, the core's cached
//! inspect driven by the browser's fetch (directly, or through the worker's proxy) over the
//! Reports this tab keeps in memory, and the progress the page shows meanwhile.

use crate::fetch;
use fathom_core::inspect::cached::{self, Lookup, MemoryReports};
use fathom_core::registry::session::{ErrorKind, Failure};
use fathom_core::registry::Remote;
use fathom_core::report::Report;
use fathom_core::{Platform, Reference};
use leptos::prelude::*;
use std::rc::Rc;

/// A failure of this page's own making (bad input).
pub(crate) fn failure(kind: ErrorKind, message: String) -> Failure {
    Failure {
        kind,
        message,
        retry_after: None,
    }
}

/// The reference's registry as the page speaks to it: anonymously, with the browser's clock.
/// The browser queues what its connections cannot carry, so the walk need not hold back (the
/// referrers lookup then starts with the children, not after them).
pub(crate) fn remote(reference: &Reference) -> Remote {
    Remote::of(reference)
        .with_concurrency(32)
        .at((js_sys::Date::now() / 1000.0) as u64)
}

/// How far a walk has come: manifests asked for and verified, and every response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Progress {
    manifests_asked: usize,
    manifests_done: usize,
    responses: usize,
}

impl Progress {
    /// The progress line the page shows while it works.
    pub(crate) fn describe(&self) -> String {
        format!(
            "Fetched and checked {} of {} manifests ({} responses)…",
            self.manifests_done, self.manifests_asked, self.responses
        )
    }
}

thread_local! {
    /// The Reports this tab has verified: a view opened again costs at most the tag's `HEAD`.
    static REPORTS: Rc<MemoryReports> = Rc::default();
}

/// Walks `input` in this page (or answers from the tab's Reports); `progress` counts requests
/// and responses as they come.
pub(crate) async fn walk(
    input: &str,
    reference: Reference,
    platform: Option<Platform>,
    progress: RwSignal<Progress>,
) -> Result<Box<Report>, Failure> {
    let remote = remote(&reference);
    let reports = REPORTS.with(Rc::clone);
    let send = |request: fathom_core::registry::HttpRequest| async move {
        let manifest = request.url.contains("/manifests/");
        if manifest {
            progress.update(|p| p.manifests_asked += 1);
        }
        let response = fetch::send(request).await;
        progress.update(|p| {
            p.responses += 1;
            p.manifests_done += usize::from(manifest);
        });
        response
    };
    let lookup = Lookup {
        platform,
        ..Lookup::default()
    };
    cached::inspect(input, reference, &remote, lookup, &*reports, send)
        .await
        .map(|cached| cached.report)
}
