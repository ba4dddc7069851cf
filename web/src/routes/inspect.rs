//! The inspect view (`/?ref=…&platform=…&digest=…`): a reference in, every platform out —
//! walked and verified in this page.

use crate::browser;
use crate::chunks::{chunk_view, unavailable_message, unavailable_view, wasm_split, SplitLoaderError};
use crate::components::*;
use crate::guess::{self, Guess};
use crate::url_resource::url_resource;
use crate::urls::state_url;
use crate::walk::{failure, walk, Progress};
use fathom_core::compare::{self, Diff};
use fathom_core::registry::session::{ErrorKind, Failure};
use fathom_core::report::Report;
use fathom_core::{Platform, Reference};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};

/// Platforms offered in the selector besides the guess.
pub(crate) const PLATFORMS: [&str; 9] = [
    "linux/amd64",
    "linux/arm64",
    "linux/arm/v7",
    "linux/arm/v6",
    "linux/386",
    "linux/ppc64le",
    "linux/s390x",
    "linux/riscv64",
    "windows/amd64",
];

/// The platform selector's options: [`PLATFORMS`], and `current` first when it is not one.
pub(crate) fn platform_options(current: String) -> impl IntoView {
    let mut options: Vec<String> = PLATFORMS.iter().map(|p| p.to_string()).collect();
    if !current.is_empty() && !options.contains(&current) {
        options.insert(0, current.clone());
    }
    options
        .into_iter()
        .map(|p| {
            let selected = p == current;
            view! { <option value=p.clone() selected=selected>{p.clone()}</option> }
        })
        .collect_view()
}

/// What the page shows for the reference in the URL, once its walk is done.
#[derive(Clone)]
pub(crate) enum View {
    Empty,
    Done(Box<Report>, Option<Box<Drift>>),
    Failed(Failure),
    /// The walk's wasm chunk could not be fetched: what to say.
    Unavailable(String),
}

/// A pinned digest that the tag no longer points to.
#[derive(Clone)]
pub(crate) struct Drift {
    pinned: String,
    diff: Option<Diff>,
}

/// The URL's part this view is keyed on: reference, platform and pinned digest.
#[derive(Clone, PartialEq)]
struct Asked {
    reference: String,
    platform: String,
    pinned: Option<String>,
}

/// What the URL asks for: nothing (the landing page, which needs none of the walk's chunk), or
/// the walk, fetched with its chunk the first time.
async fn load(asked: Asked, progress: RwSignal<Progress>) -> View {
    if asked.reference.trim().is_empty() {
        return View::Empty;
    }
    progress.set(Progress::default());
    browser::mark("fathom-submit");
    // The report's chunk is fetched while the walk runs, never waited for here: `report_section`
    // takes up the same fetch (and shows a failure to fetch it where the report would be).
    spawn_local(async {
        let _ = preload_report().await;
    });
    let view = match walk_view(asked, progress).await {
        Ok(walking) => walking.await,
        Err(error) => View::Unavailable(unavailable_message(&error)),
    };
    if !matches!(view, View::Done(..)) {
        request_animation_mark(); // a report marks its table as it draws it
    }
    view
}

/// The walk's future as an object: a split function returns it, its code in the walk's chunk.
type Walking = std::pin::Pin<Box<dyn std::future::Future<Output = View>>>;

/// Walks what the URL asks for (and, for a link pinned to a digest the tag has moved from, the
/// pinned digest too, to say what changed). In a wasm chunk of its own, with the core's walk.
#[wasm_split(walk, wasm_split_path = ::leptos::wasm_split, fallible)]
fn walk_view(asked: Asked, progress: RwSignal<Progress>) -> Result<Walking, SplitLoaderError> {
    Ok(Box::pin(walk_asked(asked, progress)))
}

/// [`walk_view`]'s work.
async fn walk_asked(asked: Asked, progress: RwSignal<Progress>) -> View {
    let text = asked.reference.trim();
    let reference = match Reference::parse(text) {
        Ok(r) => r,
        Err(e) => return View::Failed(failure(ErrorKind::NotFound, format!("invalid reference {text:?}: {e}"))),
    };
    let platform = match asked.platform.as_str() {
        "" => None,
        platform => match platform.parse::<Platform>() {
            Ok(p) => Some(p),
            Err(e) => return View::Failed(failure(ErrorKind::NotFound, format!("invalid platform: {e}"))),
        },
    };
    match walk(text, reference.clone(), platform.clone(), progress).await {
        Ok(report) => {
            let drift = match (asked.pinned, &report.digest, reference.digest()) {
                (Some(pinned), Some(now), None) if pinned != *now => {
                    let diff = match pinned.parse() {
                        Ok(digest) => {
                            let at_pin = reference.with_digest(digest);
                            walk(&at_pin.to_string(), at_pin, platform, progress)
                                .await
                                .ok()
                                .map(|old| compare::diff(&old, &report, None))
                        }
                        Err(_) => None,
                    };
                    Some(Box::new(Drift { pinned, diff }))
                }
                _ => None,
            };
            View::Done(report, drift)
        }
        Err(failure) => View::Failed(failure),
    }
}

#[component]
pub(crate) fn Inspector() -> impl IntoView {
    let query = use_query_map();
    let navigate = use_navigate();
    let input = RwSignal::new(String::new());
    let chosen_platform = RwSignal::new(String::new());
    let progress = RwSignal::new(Progress::default());
    let guess = RwSignal::new(None::<Guess>);
    spawn_local(async move {
        let g = guess::guess().await;
        if chosen_platform.get_untracked().is_empty() {
            chosen_platform.set(g.platform.clone());
        }
        guess.set(Some(g));
    });

    let asked = Memo::new(move |_| {
        query.with(|q| Asked {
            reference: q.get("ref").unwrap_or_default(),
            platform: q.get("platform").unwrap_or_default(),
            pinned: q.get("digest").filter(|d| !d.is_empty()),
        })
    });
    // The URL fills the form, and drives the walk.
    Effect::new(move |_| {
        let asked = asked.get();
        input.set(asked.reference);
        if !asked.platform.is_empty() {
            chosen_platform.set(asked.platform);
        }
    });
    let view_state = url_resource(asked, move |asked| load(asked, progress));

    let submit = {
        let navigate = navigate.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let url = state_url(&input.get_untracked(), &chosen_platform.get_untracked(), None);
            navigate(&url, Default::default());
        }
    };
    let on_platform = move |ev: leptos::ev::Event| {
        let platform = event_target_value(&ev);
        chosen_platform.set(platform.clone());
        if !input.get_untracked().trim().is_empty() {
            let digest = query.get_untracked().get("digest");
            navigate(
                &state_url(&input.get_untracked(), &platform, digest.as_deref()),
                Default::default(),
            );
        }
    };

    view! {
        <PageHeader tagline="Every platform behind an image reference, with every digest verified in this page." />
        <form class="ask" on:submit=submit role="search">
            <label for="ref">"Image reference"</label>
            <input id="ref" name="ref" type="text" autocomplete="off" spellcheck="false"
                placeholder="alpine:3.20, ghcr.io/org/app:1.2, busybox@sha256:…"
                prop:value=move || input.get()
                on:input=move |ev| input.set(event_target_value(&ev)) />
            <label for="platform">"Your platform"</label>
            <select id="platform" name="platform" on:change=on_platform prop:value=move || chosen_platform.get()>
                {move || platform_options(chosen_platform.get())}
            </select>
            <button type="submit">"Go"</button>
            <p class="guess" id="guess">
                {move || guess.get().map(|g| format!("Guessed {} — {}", g.platform, g.note))}
            </p>
        </form>
        <Examples />
        <section aria-live="polite">
            {move || match view_state.current() {
                    None => view! {
                        <p class="progress" role="status" id="progress">{move || progress.get().describe()}</p>
                    }.into_any(),
                    Some(View::Empty) => view! { <Landing /> }.into_any(),
                    Some(View::Failed(failure)) => view! { <ErrorBox failure /> }.into_any(),
                    Some(View::Unavailable(message)) => unavailable_view(message),
                    Some(View::Done(report, drift)) => chunk_view(report_section(report, drift)).into_any(),
                }}
        </section>
    }
}

/// A walked reference's report, in a wasm chunk of its own (see [`crate::chunks`]);
/// `preload_report` fetches the chunk without drawing anything.
#[wasm_split(report, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_report))]
fn report_section(report: Box<Report>, drift: Option<Box<Drift>>) -> Result<AnyView, SplitLoaderError> {
    request_animation_mark();
    Ok(view! {
        {drift.map(|d| view! { <DriftBanner drift=*d reference=report.reference.input.clone() /> })}
        <ReportView report=report.clone() />
        <TagsList repository=report.reference.registry.clone() + "/" + &report.reference.repository
            current=report.reference.input.clone() />
    }
    .into_any())
}

/// Marks the moment the table is built and about to be painted.
pub(crate) fn request_animation_mark() {
    browser::before_paint(|| browser::mark("fathom-table"));
}

#[component]
pub(crate) fn DriftBanner(drift: Drift, reference: String) -> impl IntoView {
    let pinned_view = match reference.parse::<Reference>() {
        Ok(r) => state_url(&format!("{}@{}", r.name(), drift.pinned), "", None),
        Err(_) => "/".to_owned(),
    };
    let details = drift.diff.map(|d| {
        let changed: Vec<String> = d
            .platforms
            .iter()
            .filter(|p| !p.same)
            .map(|p| p.platform.clone())
            .collect();
        view! {
            <ul>
                {(!d.added.is_empty()).then(|| view! { <li>"Platforms added: " {d.added.join(", ")}</li> })}
                {(!d.dropped.is_empty()).then(|| view! { <li>"Platforms dropped: " {d.dropped.join(", ")}</li> })}
                {(!changed.is_empty()).then(|| view! { <li>"Platforms whose digest changed: " {changed.join(", ")}</li> })}
            </ul>
        }
    });
    view! {
        <div class="drift" role="alert" id="drift">
            <strong>"This tag has moved since the link was made."</strong>
            " The link pinned " <code>{drift.pinned.clone()}</code> "; the tag now points elsewhere. "
            <a href=pinned_view>"View the pinned digest"</a>
            {details}
        </div>
    }
}
