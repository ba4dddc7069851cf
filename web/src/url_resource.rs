//! The data a view shows, loaded as a resource keyed on the URL: derived from the URL's part
//! the view is about, read reactively, loaded again when that part changes — and when it
//! changes while a load is still going, that load is aborted (its fetches dropped), so a
//! registry that hangs never holds the next reference the user asks for.
//!
//! Why not Leptos's own `LocalResource`: it awaits a superseded run before it starts the next
//! (reactive_graph 0.2's `ArcAsyncDerived` polls one future at a time; leptos-rs/leptos#3454),
//! and it cost 7.5 KB gzip more on the first load (measured with `build-web.sh`).
//! This is the same shape — a key, a loader, a reactive read — in an `Effect` and a task.

use futures_util::future::{AbortHandle, Abortable};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::future::Future;

/// What was loaded for the URL in view.
pub(crate) struct UrlResource<T: 'static> {
    value: RwSignal<Option<T>, LocalStorage>,
}

impl<T: 'static> Clone for UrlResource<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: 'static> Copy for UrlResource<T> {}

impl<T: Clone + 'static> UrlResource<T> {
    /// What was loaded for the URL in view, or `None` while it loads (reactively).
    pub(crate) fn current(&self) -> Option<T> {
        self.value.get()
    }
}

/// Runs `load(key)` whenever `key` changes, aborting the load still going for an older key (and
/// the one going when the view goes away).
pub(crate) fn url_resource<K, T, Fut>(key: Memo<K>, load: impl Fn(K) -> Fut + 'static) -> UrlResource<T>
where
    K: Clone + PartialEq + Send + Sync + 'static,
    T: 'static,
    Fut: Future<Output = T> + 'static,
{
    let value = RwSignal::new_local(None);
    let running = StoredValue::new_local(None::<AbortHandle>);
    let abort = move || {
        if let Some(handle) = running.try_update_value(Option::take).flatten() {
            handle.abort();
        }
    };
    Effect::new(move |_| {
        let key = key.get();
        abort();
        value.set(None);
        let (handle, registration) = AbortHandle::new_pair();
        running.set_value(Some(handle));
        let run = Abortable::new(untrack(|| load(key)), registration);
        spawn_local(async move {
            if let Ok(done) = run.await {
                value.try_set(Some(done));
            }
        });
    });
    on_cleanup(abort);
    UrlResource { value }
}
