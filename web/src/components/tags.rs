//! The repository's tags, paged, each a link to its view.

use crate::fetch;
use crate::urls::{compare_url, state_url};
use crate::walk::remote;
use fathom_core::registry::drive;
use fathom_core::registry::tags::{Page, TagList};
use fathom_core::Reference;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Tags shown per page.
pub(crate) const TAG_PAGE: usize = 100;

/// The repository's tags, a page at a time, each a link to its view. Registries that ignore the
/// page size answer with everything at once; the page is then cut here.
#[component]
pub(crate) fn TagsList(repository: String, current: String) -> impl IntoView {
    let tags = RwSignal::new(Vec::<String>::new());
    let shown = RwSignal::new(0usize);
    let more_upstream = RwSignal::new(false);
    let status = RwSignal::new(String::new());
    let load = {
        let repository = repository.clone();
        move || {
            let repository = repository.clone();
            let last = tags.get_untracked().last().cloned();
            status.set("Loading tags…".into());
            spawn_local(async move {
                let Ok(reference) = repository.parse::<Reference>() else {
                    return;
                };
                let page = Page {
                    size: Some(TAG_PAGE as u32),
                    last,
                };
                match drive::run(TagList::new(&reference, page, 1, &remote(&reference)), fetch::send).await {
                    Ok(listing) => {
                        more_upstream.set(listing.next.is_some());
                        tags.update(|t| {
                            for tag in listing.tags {
                                if !t.contains(&tag) {
                                    t.push(tag);
                                }
                            }
                        });
                        shown.update(|n| *n = (*n + TAG_PAGE).min(tags.get_untracked().len()));
                        status.set(String::new());
                    }
                    Err(failure) => status.set(failure.message),
                }
            });
        }
    };
    let first = load.clone();
    let repo_label = repository.clone();
    view! {
        <section class="tags" id="tags">
            <h2>"Tags"</h2>
            {move || (shown.get() == 0).then(|| {
                let first = first.clone();
                view! { <button type="button" id="load-tags" on:click=move |_| first()>{format!("List the tags of {repo_label}")}</button> }
            })}
            <ul class="tag-list">
                {move || tags.get().into_iter().take(shown.get()).map(|tag| {
                    let reference = format!("{}:{tag}", repository);
                    let compare = compare_url(&current, &reference);
                    view! {
                        <li>
                            <a href=state_url(&reference, "", None)>{tag}</a>
                            " " <a class="compare-link" href=compare title=format!("Compare {current} with {reference}")>"⇄ compare"</a>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || {
                let load = load.clone();
                let more_here = shown.get() < tags.get().len();
                (shown.get() > 0 && (more_here || more_upstream.get())).then(|| view! {
                    <button type="button" id="more-tags" on:click=move |_| {
                        if shown.get_untracked() < tags.get_untracked().len() {
                            shown.update(|n| *n = (*n + TAG_PAGE).min(tags.get_untracked().len()));
                        } else {
                            load();
                        }
                    }>"More tags"</button>
                })
            }}
            <p class="muted" role="status">{move || status.get()}</p>
        </section>
    }
}
