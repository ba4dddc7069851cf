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

/// The repository's tags, a page at a time, each a link to its view; the page is cut by the
/// core (`Tags::page_after`), as the edge cuts it, whether the registry honours `n` and `last`
/// or answers with every tag at once.
#[component]
pub(crate) fn TagsList(repository: String, current: String) -> impl IntoView {
    let tags = RwSignal::new(Vec::<String>::new());
    let more = RwSignal::new(false);
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
                    last: last.clone(),
                };
                match drive::run(TagList::new(&reference, page, 1, &remote(&reference)), fetch::send).await {
                    Ok(listing) => {
                        let (page, more_follow) = listing.page_after(last.as_deref(), TAG_PAGE);
                        more.set(more_follow);
                        tags.update(|t| t.extend(page));
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
            {move || tags.get().is_empty().then(|| {
                let first = first.clone();
                view! { <button type="button" id="load-tags" on:click=move |_| first()>{format!("List the tags of {repo_label}")}</button> }
            })}
            <ul class="tag-list">
                {move || tags.get().into_iter().map(|tag| {
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
                (!tags.get().is_empty() && more.get()).then(|| view! {
                    <button type="button" id="more-tags" on:click=move |_| load()>"More tags"</button>
                })
            }}
            <p class="muted" role="status">{move || status.get()}</p>
        </section>
    }
}
