//! The page's wasm chunks. A first load fetches only the app's shell — the form, the landing
//! page, the router; the inspect walk (the core's registry protocol, parsing, lint), the report's
//! views, the compare view and the archive view are split points, each fetched the first time it
//! is needed. The split is made after the build by `scripts/build-web.sh` (wasm-split-cli from
//! `wasm_split_cli_support`, the splitter Leptos's own build tool runs; Trunk has none).
//!
//! Every split point is `fallible`: a chunk that cannot be fetched (the network went away, or a
//! new build replaced this one) is an error on the page and is fetched anew when a view next
//! needs it (another reference or page, a reload) — never a panic, which would abort the app.

use leptos::prelude::*;
pub(crate) use leptos::wasm_split::{wasm_split, SplitLoaderError};
use send_wrapper::SendWrapper;
use std::future::Future;

/// What the page says when one of its chunks could not be fetched.
pub(crate) fn unavailable_message(error: &SplitLoaderError) -> String {
    format!("This part of Fathom could not be loaded ({error}): check the connection, then reload the page.")
}

/// The error shown in place of a view whose chunk could not be fetched.
pub(crate) fn unavailable_view(message: String) -> AnyView {
    view! { <div class="error" role="alert" id="chunk-error">{message}</div> }.into_any()
}

/// A view made by a split function, shown once its chunk is in (nothing before), or the error
/// that says it could not be fetched.
pub(crate) fn chunk_view(view: impl Future<Output = Result<AnyView, SplitLoaderError>> + 'static) -> impl IntoView {
    // The split functions' futures hold the loader's state, which is not `Send`; the page has one
    // thread, and `SendWrapper` says so to `Suspend`.
    Suspend::new(SendWrapper::new(async move {
        view.await
            .unwrap_or_else(|error| unavailable_view(unavailable_message(&error)))
    }))
}
