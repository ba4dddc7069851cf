//! The app: the router over the three views. The URL is the state (`?ref=…&platform=…&digest=…`,
//! `/compare?a=…&b=…`, `/archive?image=…`), so reloads, the back button and shared links reopen
//! the same view — all but an archive's, which only the tab that opened the file holds.

use leptos::prelude::*;
use leptos_router::components::{FlatRoutes, Route, Router};
use leptos_router::path;

use crate::chunks::chunk_view;
use crate::routes::archive::{archive_page, ArchiveDrop, ArchiveSlot};
use crate::routes::compare::compare_page;
use crate::routes::inspect::Inspector;

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    // The image archive open in this tab: dropped anywhere, shown in the archive view.
    provide_context::<ArchiveSlot>(RwSignal::new_local(None));
    // Flat routes: three pages need no nesting (and the nested router is ~10 KB gzip more).
    view! {
        <Router>
            <ArchiveDrop>
                <FlatRoutes fallback=|| view! { <p>"No such page."</p> }>
                    <Route path=path!("/") view=Inspector />
                    <Route path=path!("/compare") view=|| chunk_view(compare_page()) />
                    <Route path=path!("/archive") view=|| chunk_view(archive_page()) />
                </FlatRoutes>
            </ArchiveDrop>
        </Router>
    }
}
