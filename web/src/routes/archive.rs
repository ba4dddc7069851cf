//! The archive view (`/archive?image=…&platform=…`): an image archive (`docker save`, `skopeo copy
//! … oci-archive:`) chosen or dropped on the page, each image in it walked and verified in this
//! page from the file — the same views as a registry's image, files included. Nothing is
//! uploaded; a reload forgets the file (the URL cannot hold it), and says so.

use std::rc::Rc;

use fathom_core::registry::session::ErrorKind;
use fathom_core::Platform;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use wasm_bindgen::JsCast;
use web_sys::{File, HtmlInputElement};

use crate::archive::{self, ArchiveSession, Opening};
use crate::browser;
use crate::chunks::{unavailable_view, wasm_split, SplitLoaderError};
use crate::components::*;
use crate::guess;
use crate::routes::inspect::{platform_options, request_animation_mark, View};
use crate::url_resource::url_resource;
use crate::walk::failure;

/// The archive open in this tab, shared by the view and the page-wide drop target.
pub(crate) type ArchiveSlot = RwSignal<Option<Rc<ArchiveSession>>, LocalStorage>;

/// Opens `file` as the tab's archive and shows it.
fn show(file: File, slot: ArchiveSlot, navigate: impl Fn(&str, leptos_router::NavigateOptions)) {
    slot.set(Some(archive::open(file)));
    navigate("/archive", Default::default());
}

/// The page's drop target: an archive dropped anywhere on the page opens in the archive view.
#[component]
pub(crate) fn ArchiveDrop(children: Children) -> impl IntoView {
    let slot = expect_context::<ArchiveSlot>();
    let navigate = use_navigate();
    let on_drop = move |ev: web_sys::DragEvent| {
        let file = ev.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0));
        if let Some(file) = file {
            ev.prevent_default();
            show(file, slot, &navigate);
        }
    };
    view! {
        <main on:dragover=|ev: web_sys::DragEvent| ev.prevent_default() on:drop=on_drop>
            {children()}
        </main>
    }
}

/// The archive view, in a wasm chunk of its own (see [`crate::chunks`]).
#[wasm_split(archive, wasm_split_path = ::leptos::wasm_split, fallible)]
pub(crate) fn archive_page() -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <ArchiveInspector /> }.into_any())
}

#[component]
pub(crate) fn ArchiveInspector() -> impl IntoView {
    let slot = expect_context::<ArchiveSlot>();
    let navigate = use_navigate();
    let on_choose = move |ev: leptos::ev::Event| {
        let input = ev.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok());
        if let Some(file) = input.and_then(|i| i.files()).and_then(|f| f.get(0)) {
            show(file, slot, &navigate);
        }
    };
    view! {
        <PageHeader tagline="An image archive, read and verified in this page: nothing is uploaded." />
        <form class="ask archive-ask" on:submit=|ev| ev.prevent_default()>
            <label for="archive-file">"Image archive"</label>
            <input id="archive-file" type="file" accept=".tar,application/x-tar" on:change=on_choose />
            <p class="muted">"A " <code>"docker save"</code> " tarball (either format) or an OCI layout in a tar ("
                <code>"skopeo copy … oci-archive:image.tar"</code> ") — chosen here, or dropped anywhere on the page. "
                <a href="/">"Inspect a registry's image instead"</a></p>
        </form>
        <section aria-live="polite">
            {move || match slot.get() {
                None => view! {
                    <p id="archive-none">"No archive is open. A file is read only in this tab, and a reload forgets it: choose it again."</p>
                }.into_any(),
                Some(session) => view! { <ArchiveView session /> }.into_any(),
            }}
        </section>
    }
}

/// An archive: how its opening went, its images, and the one the URL picks.
#[component]
fn ArchiveView(session: Rc<ArchiveSession>) -> impl IntoView {
    let opening = session.opening.clone();
    let title = session.title();
    let session = StoredValue::new_local(session);
    move || match opening.get() {
        Opening::Indexing => view! {
            <p class="progress" role="status" id="progress">{format!("Indexing {title}…")}</p>
        }
        .into_any(),
        Opening::Failed(message) => view! {
            <ErrorBox failure=failure(ErrorKind::BadUpstream, message) />
        }
        .into_any(),
        Opening::Opened(opened) => {
            let images = opened.images.clone();
            view! {
                <ArchiveHead opened=*opened />
                {(!images.is_empty()).then(|| view! { <ArchiveImage session=session.get_value() images /> })}
            }
            .into_any()
        }
    }
}

/// What the archive is: its name and size, what is wrong with it (loudly), and its images.
#[component]
fn ArchiveHead(opened: fathom_browser::files::ArchiveOpened) -> impl IntoView {
    let query = use_query_map();
    let chosen = move || query.with(|q| q.get("image").and_then(|i| i.parse::<usize>().ok()).unwrap_or(0));
    let images = opened
        .images
        .iter()
        .zip(&opened.described)
        .enumerate()
        .map(|(i, (reference, described))| {
            let href = format!("/archive?image={i}");
            view! {
                <li class:active=move || chosen() == i>
                    <a href=href>{reference.clone()}</a> " " <span class="muted">{described.clone()}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="archive" id="archive">
            <h2>"Archive " <code>{opened.title}</code></h2>
            <p class="muted" id="archive-read">{opened.read}</p>
            {(!opened.problems.is_empty()).then(|| view! {
                <div class="error" role="alert" id="archive-problems">
                    <h2>"The archive is damaged"</h2>
                    <ul>{opened.problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
                </div>
            })}
            {(!opened.notes.is_empty()).then(|| view! {
                <ul class="notes" id="archive-notes">{opened.notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
            })}
            <ol class="archive-images" id="archive-images" start="0">{images}</ol>
        </div>
    }
}

/// The image the URL picks (`image=N`), walked from the archive and shown as a registry's is.
#[component]
fn ArchiveImage(session: Rc<ArchiveSession>, images: Vec<String>) -> impl IntoView {
    let query = use_query_map();
    let guessed = RwSignal::new(None::<String>);
    spawn_local(async move { guessed.set(Some(guess::guess().await.platform)) });
    // The platform the URL names, else the guess (once it is known: the walk waits for it).
    let asked = Memo::new(move |_| {
        let image = query.with(|q| q.get("image").and_then(|i| i.parse::<usize>().ok()).unwrap_or(0));
        let platform = query.with(|q| q.get("platform")).or_else(|| guessed.get());
        (image, platform)
    });
    let walked = {
        let session = session.clone();
        url_resource(asked, move |(image, platform): (usize, Option<String>)| {
            let (session, images) = (session.clone(), images.clone());
            async move {
                let platform = platform?;
                let Some(reference) = images.get(image) else {
                    return Some(View::Failed(failure(
                        ErrorKind::NotFound,
                        format!("the archive has no image {image}"),
                    )));
                };
                let platform = platform.parse::<Platform>().ok();
                let view = match session.walk(reference, platform).await {
                    Ok(report) => View::Done(report, None),
                    Err(failure) => View::Failed(failure),
                };
                request_animation_mark();
                Some(view)
            }
        })
    };
    let file = StoredValue::new_local(session.file.clone());
    let navigate = use_navigate();
    let on_platform = move |ev: leptos::ev::Event| {
        let image = asked.get_untracked().0;
        let platform = browser::encode(&event_target_value(&ev));
        navigate(
            &format!("/archive?image={image}&platform={platform}"),
            Default::default(),
        );
    };
    view! {
        <p class="archive-platform">
            <label for="archive-platform">"Your platform "</label>
            <select id="archive-platform" on:change=on_platform prop:value=move || asked.get().1.unwrap_or_default()>
                {move || platform_options(asked.get().1.unwrap_or_default())}
            </select>
        </p>
        {move || match walked.current().flatten() {
            None => view! { <p class="progress" role="status" id="progress">"Reading the image from the archive…"</p> }.into_any(),
            Some(View::Done(report, _)) => view! { <ReportView report archive=file.get_value() /> }.into_any(),
            Some(View::Failed(failure)) => view! { <ErrorBox failure /> }.into_any(),
            Some(View::Empty) => ().into_any(),
            Some(View::Unavailable(message)) => unavailable_view(message),
        }}
    }
}
