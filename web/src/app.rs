//! The app: the router over the two views. The URL is the state (`?ref=…&platform=…&digest=…`,
//! `/compare?a=…&b=…`), so reloads, the back button and shared links reopen the same view.

use leptos::prelude::*;
use leptos_router::components::{FlatRoutes, Route, Router};
use leptos_router::path;

use crate::routes::compare::Comparer;
use crate::routes::inspect::Inspector;

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    // Flat routes: two pages need no nesting (and the nested router is ~10 KB gzip more).
    view! {
        <Router>
            <main>
                <FlatRoutes fallback=|| view! { <p>"No such page."</p> }>
                    <Route path=path!("/") view=Inspector />
                    <Route path=path!("/compare") view=Comparer />
                </FlatRoutes>
            </main>
        </Router>
    }
}
