//! An image's files, read in the page: every layer of the image the platform pulls streamed by
//! the file worker and verified (digest, diff_id), each layer's changes and the wasted space,
//! and a browser over the merged filesystem or one layer's archive — the open path, the view and
//! the file shown live in the URL (`&files=/etc/os-release&layer=2`), so a link reopens them.
//! The worker sends rows and words ready to show: this view only draws them.

use fathom_browser::files::{Answer, Ask, Opened, Progress, Row, Shown};
use fathom_core::report::Report;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;
use web_sys::File;

use super::row_title;
use crate::files_client::FilesWorker;
use crate::urls::here_with;

/// Where the reading of the layers is.
#[derive(Debug, Clone, PartialEq)]
enum Status {
    Reading(Progress),
    Opened(Box<Opened>),
    Failed(String),
    Cancelled,
}

/// The URL of the view in the window (an image's or an archive's) with the files part set
/// (`path: None` closes the files).
fn files_url(query: &ParamsMap, path: Option<&str>, layer: Option<usize>) -> String {
    let layer = path.and(layer).map(|n| n.to_string());
    here_with(query, &[("files", path.map(str::to_owned)), ("layer", layer)])
}

/// The link to an image's files, or the files themselves when the URL opens them.
#[component]
pub(crate) fn Files(
    report: Box<Report>,
    /// The archive the image is read from, instead of its registry.
    archive: Option<File>,
) -> impl IntoView {
    let query = use_query_map();
    let (row, image) = report.pulled_image()?;
    if image.layers.is_empty() {
        return None;
    }
    let label = row_title(&report.platforms[row]);
    let open = Ask::Open {
        reference: report.reference.canonical.clone(),
        layers: image.layers.clone(),
        proxied: Vec::new(),
        archive: archive.is_some(),
    };
    let is_open = Memo::new(move |_| query.with(|q| q.get("files").is_some()));
    let archive = StoredValue::new_local(archive);
    Some(move || {
        if is_open.get() {
            view! { <FileBrowser open=open.clone() label=label.clone() archive=archive.get_value() /> }.into_any()
        } else {
            let href = query.with(|q| files_url(q, Some("/"), None));
            view! {
                <p class="files-link">
                    <a id="browse-files" href=href>{format!("Browse the files of {label}")}</a>
                    {if archive.with_value(Option::is_some) { " — every layer read from the archive and verified in this page" } else { " — every layer streamed and verified in this page" }}
                </p>
            }
            .into_any()
        }
    })
}

#[component]
fn FileBrowser(open: Ask, label: String, archive: Option<File>) -> impl IntoView {
    let query = use_query_map();
    let asked = Memo::new(move |_| {
        query.with(|q| {
            let path = q.get("files").unwrap_or_default();
            let layer = q.get("layer").and_then(|l| l.parse::<usize>().ok());
            (format!("/{}", path.trim_matches('/')), layer)
        })
    });
    let starting = || {
        Status::Reading(Progress {
            text: "Starting the file worker…".into(),
            ..Progress::default()
        })
    };
    let status = RwSignal::new(starting());
    let shown = RwSignal::new(None::<Shown>);
    let worker = StoredValue::new_local(None::<FilesWorker>);
    let attempt = RwSignal::new(0u32);
    let archive = StoredValue::new_local(archive);

    // (Re)start: a fresh worker reads every layer.
    Effect::new(move |_| {
        attempt.track();
        status.set(starting());
        shown.set(None);
        let on_answer = move |answer: Answer| match answer {
            Answer::Progress(p) => status.set(Status::Reading(p)),
            Answer::Opened(o) => status.set(Status::Opened(Box::new(o))),
            Answer::Shown(s) if asked.get_untracked() == (s.path.clone(), s.layer) => shown.set(Some(s)),
            Answer::Failed { message } => status.set(Status::Failed(message)),
            _ => {}
        };
        match FilesWorker::asking(open.clone(), archive.get_value().as_ref(), on_answer) {
            Ok(started) => worker.set_value(Some(started)),
            Err(message) => status.set(Status::Failed(message)),
        }
    });
    // Once the layers are read: the path the URL names.
    Effect::new(move |_| {
        let (path, layer) = asked.get();
        if matches!(status.get(), Status::Opened(_)) {
            worker.with_value(|w| w.as_ref().map(|w| w.ask(&Ask::Show { path, layer })));
        }
    });
    // Cancel ends the worker, and every stream it has open.
    let cancel = move |_| {
        worker.set_value(None);
        status.set(Status::Cancelled);
    };
    on_cleanup(move || worker.set_value(None));
    let close = move || query.with(|q| files_url(q, None, None));

    view! {
        <section class="files" id="files" aria-live="polite">
            <h2>"Files of " {label}</h2>
            <p><a id="close-files" href=close>"Close the files"</a></p>
            {move || match status.get() {
                Status::Reading(p) => view! {
                    <div class="file-progress" role="status" id="file-progress">
                        <progress max=p.total.max(1) value=p.read></progress>
                        <span>{p.text}</span>
                        " " <button type="button" id="cancel-files" on:click=cancel>"Cancel"</button>
                    </div>
                }.into_any(),
                Status::Cancelled => view! {
                    <p id="files-cancelled">"Cancelled: no more layer bytes are read. "
                        <button type="button" id="read-files-again" on:click=move |_| attempt.update(|a| *a += 1)>"Read again"</button>
                    </p>
                }.into_any(),
                Status::Failed(message) => view! {
                    <div class="error" role="alert" id="files-error">
                        <h2>"The layers could not be read"</h2>
                        <p>{message}</p>
                    </div>
                }.into_any(),
                Status::Opened(o) => view! { <Layers opened=*o /> <Browser shown /> }.into_any(),
            }}
        </section>
    }
}

/// A table of `rows` under `head`; a row's first cell links where it opens.
fn table(
    id: &'static str,
    class: &'static str,
    head: &'static [&'static str],
    rows: Vec<Row>,
    link: impl Fn(&str) -> String,
) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|row| {
            let cells = row
                .cells
                .into_iter()
                .enumerate()
                .map(|(i, cell)| match (i, &row.opens) {
                    (0, Some(path)) => view! { <td><a href=link(path)>{cell}</a></td> }.into_any(),
                    _ => view! { <td>{cell}</td> }.into_any(),
                });
            view! { <tr class=row.class>{cells.collect_view()}</tr> }
        })
        .collect_view();
    view! {
        <table id=id class=class>
            <thead><tr>{head.iter().map(|h| view! { <th>{*h}</th> }).collect_view()}</tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// Each layer's row — verified or, loudly, not — the waste, and the views to pick from.
#[component]
fn Layers(opened: Opened) -> impl IntoView {
    let query = use_query_map();
    let count = opened.layers.len();
    const HEAD: &[&str] = &[
        "#", "Digest", "Size", "Unpacked", "Added", "Changed", "Deleted", "Wasted", "Check",
    ];
    view! {
        {(!opened.failures.is_empty()).then(|| view! {
            <div class="error" role="alert" id="files-unverified">
                <h2>"Layers that fail their check — do not trust what they list"</h2>
                <ul>{opened.failures.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul>
            </div>
        })}
        {table("layers", "layers", HEAD, opened.layers, |p| p.to_owned())}
        <p class="muted" id="files-read" data-unpacked=opened.unpacked data-ms=opened.elapsed_ms>{opened.read}</p>
        <p class="waste" id="waste">{opened.waste}</p>
        <ul class="wasted" id="wasted">{opened.wasted.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}</ul>
        <nav class="views" id="views">"View: "
            {move || {
                let (path, current) = query.with(|q| (q.get("files").unwrap_or_default(), q.get("layer")));
                std::iter::once(None).chain((0..count).map(Some)).map(|layer| {
                    let href = query.with(|q| files_url(q, Some(&path), layer));
                    let text = layer.map_or("merged".to_owned(), |n| format!("layer {n}"));
                    let active = current == layer.map(|n| n.to_string());
                    view! { <a href=href class:active=active>{text}</a>" " }
                }).collect_view()
            }}
        </nav>
    }
}

/// The directory shown, and the file when a file is open.
#[component]
fn Browser(shown: RwSignal<Option<Shown>>) -> impl IntoView {
    let query = use_query_map();
    const HEAD: &[&str] = &["Name", "Kind", "Size", "Mode", "Layer", ""];
    move || {
        let Some(s) = shown.get() else {
            return view! { <p class="muted" id="listing-loading">"Listing…"</p> }.into_any();
        };
        let layer = s.layer;
        let link = move |path: &str| query.with(|q| files_url(q, Some(path), layer));
        let mut crumbs = vec![view! { <a href=link("/")>"/"</a> }.into_any()];
        let mut at = String::new();
        for part in s.dir.split('/').filter(|p| !p.is_empty()) {
            at = format!("{at}/{part}");
            crumbs.push(view! { <a href=link(&at)>{part.to_owned()}</a>"/" }.into_any());
        }
        view! {
            <div class="listing">
                <p class="crumbs" id="crumbs">{crumbs}</p>
                {s.problem.map(|p| view! { <p class="error" role="alert" id="path-problem">{p}</p> })}
                {s.file.map(|f| view! {
                    <div class="file" class:bad=!f.verified id="file">
                        <p class="file-head">{f.head}</p>
                        {f.truncated.then(|| view! { <p class="muted">"Its first 256 KiB only."</p> })}
                        <pre id="file-content">{f.body}</pre>
                    </div>
                })}
                {table("entries", "entries", HEAD, s.entries, link)}
            </div>
        }
        .into_any()
    }
}
